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

    Shapes: Z (k, m) -> A (k, m); every column of A is a probability distribution.

    Stability: exp(1000) is inf in float64, and inf / inf is NaN. Subtracting any
    constant c from a column leaves its softmax unchanged,
        exp(z_i - c) / sum_k exp(z_k - c) = exp(z_i) / sum_k exp(z_k),
    so take c = the column's max: the largest exponent is then exp(0) = 1 and
    nothing overflows. Use one max per column, not one for the whole array.

    Contract (docs/contracts.md):
      range:    any finite Z, up to +-1e300, gives finite probabilities with no overflow,
                invalid-value or divide warning (underflow to exactly 0 is fine). Clipping
                the logits changes the answer and is not allowed.
      dtypes:   float64 Z -> float64; float32 Z -> float32 or float64; signed integer Z ->
                float64.
      layout:   Z may be C or Fortran order, a transposed view or a strided slice.
      mutation: Z is left as it was.   state: none.
    """
    # TODO(kata softmax): shift each column by its max, exponentiate, normalise down axis 0.
    raise NotImplementedError("kata 'softmax': softmax(Z) is not written yet (katas/activations.py)")
