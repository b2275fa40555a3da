"""Reference: a central-difference gradient checker."""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)  # same shape as x
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f(x)  # scalar
        x[i] = old - h
        f_minus = f(x)  # scalar
        x[i] = old  # restore exactly
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad  # same shape as x


def relative_error(a, b):
    denom = np.linalg.norm(a) + np.linalg.norm(b)  # scalar
    if denom == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)  # scalar in [0, 1]
