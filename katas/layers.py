"""The linear (fully connected) layer: Z = W @ A_prev + b."""
import numpy as np  # noqa: F401  (you will need it)


def linear_forward(W, A_prev, b):
    """Z = W @ A_prev + b.

    Shapes: W (n, n_prev), A_prev (n_prev, m), b (n, 1) -> Z (n, m).
    b is a column and broadcasts along the batch (the m columns).

    Contract (docs/contracts.md):
      dtypes:   float64 in -> float64; float32 W, A_prev, b -> float32 or float64 (judged at
                float32 tolerance); integer W and A_prev (uint8 pixels, say) with a float b
                -> the exact float64 values.
      layout:   any input may be C or Fortran order, a transposed view or a strided slice.
      sizes:    any m, 1 and large batches alike.   mutation/state: none.
    """
    # TODO(kata linear): one line.
    raise NotImplementedError("kata 'linear': linear_forward(W, A_prev, b) is not written yet (katas/layers.py)")


def linear_backward(dZ, A_prev, W):
    """Gradients of a linear layer, given dZ = dL/dZ for each example.

    Shapes: dZ (n, m), A_prev (n_prev, m), W (n, n_prev)
        -> dW (n, n_prev), db (n, 1), dA_prev (n_prev, m).

    Derivation to work out: Z[:, i] = W A_prev[:, i] + b for every example i, and the
    loss is the mean over the m examples. For one example, dL/dW is the outer product
    of dZ[:, i] with the input A_prev[:, i]; the mean over examples adds these up with
    a 1/m. Write that sum as one matrix product: which factor is transposed, and on
    which side? db is the same mean of dZ[:, i], kept as a (n, 1) column. dA_prev is
    what each example's dZ[:, i] sends back through W, per example, with no 1/m (the
    mean is taken once, in dW and db). Every gradient has the shape of its variable:
    let the shapes tell you where a transpose goes.

    Contract (docs/contracts.md):
      signature: linear_backward(dZ, A_prev, W), returning the tuple (dW, db, dA_prev) in
                this order. m is the number of examples.
      dtypes:   float64 in -> float64; float32 in -> float32 or float64 (float32 tolerance,
                the same in every kata); integer in -> exact float64 dW and db.
      layout:   any input may come in any memory layout.   mutation/state: none.
    """
    # TODO(kata linear): return (dW, db, dA_prev).
    raise NotImplementedError("kata 'linear': linear_backward(dZ, A_prev, W) is not written yet (katas/layers.py)")
