"""Reference: the linear layer Z = W @ A_prev + b, forward and backward."""
import numpy as np


def linear_forward(W, A_prev, b):
    return W @ A_prev + b  # (n, n_prev) @ (n_prev, m) + (n, 1) -> (n, m)


def linear_backward(dZ, A_prev, W):
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m  # (n, m) @ (m, n_prev) -> (n, n_prev)
    db = np.sum(dZ, axis=1, keepdims=True) / m  # (n, 1)
    dA_prev = W.T @ dZ  # (n_prev, n) @ (n, m) -> (n_prev, m)
    return dW, db, dA_prev
