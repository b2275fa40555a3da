"""Losses: one-hot targets, cross-entropy, and the gradient of softmax + cross-entropy."""
import numpy as np  # noqa: F401  (you will need it)


def one_hot(labels, num_classes=10):
    """One-hot targets, one column per example.

    Shapes: labels (m,) integers in [0, num_classes) -> Y (num_classes, m), float.
    Y[labels[i], i] = 1.0 and every other entry is 0.0.
    """
    # TODO(kata loss): build a (num_classes, m) float array of zeros and put a 1.0 in each column.
    raise NotImplementedError("kata 'loss': one_hot(labels) is not written yet (katas/losses.py)")


def cross_entropy(A, Y):
    """Mean cross-entropy over the batch, as a float.

    Shapes: A (k, m) probabilities (columns sum to 1), Y (k, m) one-hot -> scalar.

    For one example, L = -sum_k y_k log(a_k); for the batch, the mean over the m
    examples: L = -(1/m) sum_i sum_k Y[k, i] log A[k, i]. The mean is over the m
    columns, not over all k*m entries.

    A may hold exact zeros where Y is 0 (softmax underflows). Those terms are 0,
    but NumPy computes 0 * log(0) = 0 * -inf = NaN: only take the log where Y is 1.
    """
    # TODO(kata loss): the mean over examples of -sum_k Y log A, finite when A has zeros off the label.
    raise NotImplementedError("kata 'loss': cross_entropy(A, Y) is not written yet (katas/losses.py)")


def softmax_cross_entropy_backward(A, Y):
    """dL/dZ2 for A = softmax(Z2) followed by cross-entropy: A - Y.

    Shapes: A (k, m), Y (k, m) -> dZ2 (k, m).

    Derivation for one example: L = -sum_k y_k log a_k and log a_k = z_k - log sum_j exp(z_j).
    So dL/dz_i = -sum_k y_k (1[k == i] - a_i) = -y_i + a_i sum_k y_k = a_i - y_i,
    because the y_k sum to 1. The exponential in softmax cancels the logarithm in the
    loss: predicted minus actual. The 1/m of the mean is applied later, in dW2 and db2,
    so this function returns A - Y with no 1/m.
    """
    # TODO(kata loss): return the gradient of the loss with respect to Z2.
    raise NotImplementedError("kata 'loss': softmax_cross_entropy_backward(A, Y) is not written yet (katas/losses.py)")
