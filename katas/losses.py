"""Losses: one-hot targets, cross-entropy, and the gradient of softmax + cross-entropy."""
import numpy as np  # noqa: F401  (you will need it)


def one_hot(labels, num_classes=10):
    """One-hot targets, one column per example.

    Shapes: labels (m,) integers in [0, num_classes) -> Y (num_classes, m), float.
    Y[labels[i], i] = 1.0 and every other entry is 0.0.

    Contract (docs/contracts.md):
      signature: one_hot(labels, num_classes=10); num_classes may be given by position.
      dtypes:   labels of any integer dtype (int8 ... int64, uint8 as MNIST stores them,
                uint16, uint32) -> Y float64. Index arithmetic done in the labels' own dtype
                overflows for large m.
      sizes:    m from 1 to many thousands.   layout: labels may be a strided slice.
      mutation/state: none.
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

    Contract (docs/contracts.md):
      returns:  one number (Python float, NumPy float or 0-d array), never a (1, 1) array.
      range:    exact for true-class probabilities as small as 1e-30 (no eps inside the log,
                no clipping above 1e-300). A probability of exactly 0 on the true class
                costs +inf (a floor at 1e-300 or below, giving a loss of at least 690 for
                that example, is accepted); never NaN.
      dtypes:   A float64 or float32 (float32 tolerance), Y float or integer one-hot.
      layout:   A and Y may come in any memory layout.   mutation/state: none.
    """
    # TODO(kata loss): the mean over examples of -sum_k Y log A, finite when A has zeros off the label.
    raise NotImplementedError("kata 'loss': cross_entropy(A, Y) is not written yet (katas/losses.py)")


def softmax_cross_entropy_backward(A, Y):
    """dL/dZ2 for A = softmax(Z2) followed by cross-entropy, one column per example.

    Shapes: A (k, m), Y (k, m) -> dZ2 (k, m).

    Derivation to work out, for one example: L = -sum_k y_k log a_k, and
    log a_k = z_k - log sum_j exp(z_j). Differentiate log a_k with respect to z_i (two
    cases: k == i and k != i), multiply by -y_k and sum over k. Use that the y_k of a
    one-hot target sum to 1. The exponential in softmax cancels the logarithm in the
    loss, and what is left is built from two arrays you are given. The 1/m of the mean
    is applied later, in dW2 and db2: this function carries no 1/m.

    Contract (docs/contracts.md):
      dtypes:   float64 in -> float64; float32 in -> float32 or float64 (float32 tolerance);
                an integer one-hot Y works.
      layout:   any memory layout.   mutation: A and Y are left as they were.   state: none.
    """
    # TODO(kata loss): return the gradient of the loss with respect to Z2.
    raise NotImplementedError("kata 'loss': softmax_cross_entropy_backward(A, Y) is not written yet (katas/losses.py)")
