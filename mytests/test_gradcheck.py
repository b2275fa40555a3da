"""Your tests of the gradcheck kata: numerical_gradient(f, x, h=1e-5) and relative_error(a, b).

Fixtures: numerical_gradient, relative_error (or fn("relative_error")).
Run: nn-kata examplar gradcheck
"""
import numpy as np


def test_gradient_of_a_sum_of_squares(numerical_gradient):
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.allclose(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), 2 * x, atol=1e-6)


# Your tests here. Is x the same afterwards? relative_error of two zero arrays?
