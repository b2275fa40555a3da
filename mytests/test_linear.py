"""Your tests of the linear kata: linear_forward(W, A_prev, b) and
linear_backward(dZ, A_prev, W) -> (dW, db, dA_prev).

Fixtures: linear_forward, linear_backward (or fn("linear_forward")). Run: nn-kata examplar linear
"""
import numpy as np


def test_forward_shape(linear_forward):
    rng = np.random.default_rng(0)
    W, A_prev, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(4, 1))
    assert linear_forward(W, A_prev, b).shape == (4, 5)


# Your tests here. dW against a finite difference? What hides when W is square?
