"""Reference: ReLU, its derivative, and a stable softmax. Shapes: k classes, m examples."""
import numpy as np


def relu(Z):
    return np.maximum(0, Z)  # same shape as Z


def relu_backward(dA, Z):
    return dA * (Z > 0)  # same shape as Z; the mask is 0 at Z == 0


def softmax(Z):
    shifted = Z - Z.max(axis=0, keepdims=True)  # (k, m): each column's max is now 0
    e = np.exp(shifted)  # (k, m), entries in (0, 1]
    return e / e.sum(axis=0, keepdims=True)  # (k, m) / (1, m) -> (k, m), columns sum to 1
