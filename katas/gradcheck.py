"""Your own gradient checker: how to trust a backward pass without trusting its author."""
import numpy as np  # noqa: F401  (you will need it)


def numerical_gradient(f, x, h=1e-5):
    """Central-difference estimate of the gradient of a scalar function f at x.

    Shapes: x any shape (float64) -> gradient of x's shape: entry i estimates df/dx[i],
    from values of f alone, with x[i] moved by the step h and every other entry fixed.

    Derivation to work out: write the Taylor series of f in x[i] alone, up to the h^2
    term, at each point where you will evaluate f. A one-sided difference quotient has
    an error of O(h); a central one, O(h^2). At which two values of x[i] does the
    central difference evaluate f, how far apart are they, and what must the
    difference of the two values of f be divided by? Why do the h^2 terms cancel?
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
    """The relative error of two arrays (two gradients, say), over all their entries at once.

    Below about 1e-7 two gradients agree; above 1e-3 one of them is wrong.

    Design to work out: the error is the Euclidean norm of the difference a - b, taken
    over the whole arrays (not entry by entry), divided by a scale. Which scale makes
    the result the same when a and b are both multiplied by one factor, symmetric in a
    and b, and at most 1 because of the triangle inequality (||a - b|| <= ?)? The scale
    is 0 only when a and b are both zero: the result is then 0.0.

    Contract (docs/contracts.md):
      returns:  one number (a Python float, a NumPy float or a 0-d array), in [0, 1].
      range:    the same for arrays of any scale, 1e-9 as well as 1e6: nothing may be added
                to the denominator. Both arrays zero gives 0.0 with no warning.
      layout:   a and b may come in any memory layout.   mutation/state: none.
    """
    # TODO(kata gradcheck): the ratio above (np.linalg.norm helps), guarded against 0 / 0.
    raise NotImplementedError("kata 'gradcheck': relative_error(a, b) is not written yet (katas/gradcheck.py)")
