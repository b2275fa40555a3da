"""Your tests of the backward kata: backward(params, cache, X, Y) -> grads.

Fixtures: backward, and forward to build the cache (or fn("backward")).
Run: nn-kata examplar backward
"""
import numpy as np


def small_params(rng, n_in=4, n_hidden=3, n_out=2):
    return {"W1": rng.normal(size=(n_hidden, n_in)), "b1": rng.normal(size=(n_hidden, 1)),
            "W2": rng.normal(size=(n_out, n_hidden)), "b2": rng.normal(size=(n_out, 1))}


def test_every_gradient_has_its_parameters_shape(forward, backward):
    rng = np.random.default_rng(0)
    params, X = small_params(rng), rng.normal(size=(4, 5))
    Y = np.eye(2)[:, [0, 1, 1, 0, 1]]
    _, cache = forward(params, X)
    grads = backward(params, cache, X, Y)
    for name, value in params.items():
        assert grads["d" + name].shape == value.shape


# Your tests here. Compare with finite differences of the loss. What hides when W2 is square?
