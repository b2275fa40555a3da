"""Your own gradient checker: how to trust a backward pass without trusting its author."""
import numpy as np  # noqa: F401  (you will need it)


def numerical_gradient(f, x, h=1e-5):
    """Central-difference estimate of the gradient of a scalar function f at x.

    Shapes: x any shape (float64) -> gradient of x's shape.

    For each entry x[i]: nudge it to x[i] + h, evaluate f(x); nudge it to x[i] - h,
    evaluate f(x); put x[i] back exactly as it was. Then
        df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / (2h),
    whose error is O(h^2), against O(h) for the one-sided (f(x + h) - f(x)) / h.
    Perturb x itself, in place, so that a function reading x through a closure (a
    loss of params["W1"], say) sees the nudge; x must be as it was when you return.

    Contract (docs/contracts.md):
      signature: numerical_gradient(f, x, h=1e-5); the step is the h passed in.
      dtypes:   float64 x -> a float64 gradient.
      layout:   x may be C or Fortran order, a transposed view or a strided slice (an
                initialiser may return one): the nudges must reach x itself in every case.
                x.reshape(-1) and x.ravel() are copies when x is not C-contiguous.
      mutation: x is nudged during the call and holds its values again afterwards (to
                within rounding).   state: none.
    """
    # TODO(kata gradcheck): loop over every entry of x (np.nditer or np.ndindex help).
    raise NotImplementedError("kata 'gradcheck': numerical_gradient(f, x) is not written yet (katas/gradcheck.py)")


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||) over all entries, and 0.0 when a and b are both zero.

    Below about 1e-7 two gradients agree; above 1e-3 one of them is wrong.

    Contract (docs/contracts.md):
      returns:  one number (a Python float, a NumPy float or a 0-d array), in [0, 1].
      range:    the same for arrays of any scale, 1e-9 as well as 1e6: nothing may be added
                to the denominator. Both arrays zero gives 0.0 with no warning.
      layout:   a and b may come in any memory layout.   mutation/state: none.
    """
    # TODO(kata gradcheck): use np.linalg.norm, and guard against 0 / 0.
    raise NotImplementedError("kata 'gradcheck': relative_error(a, b) is not written yet (katas/gradcheck.py)")
