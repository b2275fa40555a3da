"""Activations: ReLU, its derivative, and softmax.

Notation (as in the seed): every example is a *column*. With k classes and m examples,
Z is (k, m); the hidden layer has Z1 of shape (n_hidden, m).
"""
import numpy as np  # noqa: F401  (you will need it)


def relu(Z):
    """ReLU, element by element: relu(z) = max(0, z).

    Shapes: Z (n, m) -> (n, m), the same shape.

    It is non-linear (so stacking layers adds expressive power), it does not saturate
    for positive inputs (so gradients flow), and it costs almost nothing.
    Return a new array: the caller still needs Z (the backward pass reads it).

    Contract (docs/contracts.md):
      dtypes:   float64 Z -> float64; float32 Z -> float32 or float64; integer Z (int32,
                int64) -> the exact values, in an integer or a float dtype.
      layout:   Z may be C or Fortran order, a transposed view or a strided slice.
      mutation: Z is left as it was.   state: none; the same Z gives the same result.
    """
    # TODO(kata relu): return max(0, Z) element by element, without changing Z.
    raise NotImplementedError("kata 'relu': relu(Z) is not written yet (katas/activations.py)")


def relu_backward(dA, Z):
    """The gradient through ReLU: dL/dZ, given dA = dL/dA.

    Shapes: dA (n, m), Z (n, m) -> dZ (n, m).

    Derivation to work out: A = max(0, Z) element by element, so A[i, j] depends on
    Z[i, j] alone. What is the derivative of max(0, z) where z > 0, and where z < 0?
    At z == 0 it does not exist; this kata takes it as 0. Then the chain rule, entry by
    entry: how do dL/dA and dA/dZ combine into dL/dZ? Which units "were active" is read
    from Z (this layer's input to ReLU), never from dA or from another layer.

    Contract (docs/contracts.md):
      signature: relu_backward(dA, Z), in this order (the training code calls it positionally).
      dtypes:   float64 dA -> float64 (Z may be float32 or an integer array); float32 dA and Z
                -> float32 or float64; integer dA and Z -> the exact values. An integer Z must
                not truncate dA.
      layout:   dA and Z may be C or Fortran order, transposed views or strided slices.
      mutation: dA and Z are left as they were.   state: none.
    """
    # TODO(kata relu): the chain rule through ReLU, entry by entry.
    raise NotImplementedError("kata 'relu': relu_backward(dA, Z) is not written yet (katas/activations.py)")


def softmax(Z):
    """Softmax of each column: A[i, j] = exp(Z[i, j]) / sum_k exp(Z[k, j]).

    Shapes: Z (k, m) -> A (k, m); every column of A is a probability distribution:
    entries in [0, 1], each column sums to 1.

    Stability, to work out: exp(1000) is inf in float64, and inf / inf is NaN, yet a
    column of logits near 1000 has a perfectly finite softmax, and so must yours. Show
    that the softmax of a column does not change when the same constant is added to
    every entry of that column. Which constant, chosen for each column, keeps every
    exponent from overflowing, while leaving the sum of the exponentials safely above
    0? Why would one constant for the whole array not be enough when the columns'
    scales differ?

    Contract (docs/contracts.md):
      range:    any finite Z, up to +-1e300, gives finite probabilities with no overflow,
                invalid-value or divide warning (underflow to exactly 0 is fine). Clipping
                the logits changes the answer and is not allowed.
      dtypes:   float64 Z -> float64; float32 Z -> float32 or float64; signed integer Z ->
                float64.
      layout:   Z may be C or Fortran order, a transposed view or a strided slice.
      mutation: Z is left as it was.   state: none.
    """
    # TODO(kata softmax): each column's softmax, computed so that no exponent overflows.
    raise NotImplementedError("kata 'softmax': softmax(Z) is not written yet (katas/activations.py)")
