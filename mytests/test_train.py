"""Your tests of the train kata: update(params, grads, alpha) and
train(X, labels, *, alpha, iterations, rng, n_hidden=10) -> (params, losses).

Fixtures: update, train (or fn("train")). Run: nn-kata examplar train
"""
import numpy as np


def test_update_steps_against_the_gradient(update):
    params = {k: np.ones((2, 2)) for k in ("W1", "b1", "W2", "b2")}
    grads = {"d" + k: np.full((2, 2), 0.5) for k in params}
    new = update(params, grads, 0.1)
    assert np.allclose(new["W1"], 0.95)


# Your tests here. One loss per iteration? Does the loss go down on an easy problem?
