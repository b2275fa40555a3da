"""Your tests of the forward kata: forward(params, X) -> (A2, cache), predict(params, X) and
accuracy(predictions, labels).

Fixtures: forward, predict, accuracy (or fn("forward")). Run: nn-kata examplar forward
"""
import numpy as np


def small_params(rng, n_in=4, n_hidden=3, n_out=2):
    return {"W1": rng.normal(size=(n_hidden, n_in)), "b1": rng.normal(size=(n_hidden, 1)),
            "W2": rng.normal(size=(n_out, n_hidden)), "b2": rng.normal(size=(n_out, 1))}


def test_output_columns_are_distributions(forward):
    rng = np.random.default_rng(0)
    A2, cache = forward(small_params(rng), rng.normal(size=(4, 6)))
    assert A2.shape == (2, 6) and np.allclose(A2.sum(axis=0), 1.0)


# Your tests here. What should the cache hold? Is accuracy a fraction?
