"""Initialisation: He (for ReLU) and Glorot (for tanh), and the network's parameters.

Every random number must come from the np.random.Generator passed in as `rng`
(rng.normal, rng.standard_normal, rng.uniform, ...): the same seed then gives the
same network, and nothing touches NumPy's global random state.
"""
import numpy as np  # noqa: F401  (you will need it)


def he_normal(n_out, n_in, rng):
    """He initialisation: draws from N(0, 2 / n_in).

    Shapes: -> W (n_out, n_in).

    Why 2 / n_in: each unit sums n_in inputs, so Var(z) = n_in Var(w) Var(a). ReLU zeroes
    about half of its inputs, halving the second moment. Var(w) = 2 / n_in keeps the
    activations' size constant from layer to layer. Zero weights make every unit
    identical forever; variance 1 makes activations explode with n_in.
    Note that rng.normal's scale is the standard deviation, not the variance: work out
    which of the two you have.

    Contract (docs/contracts.md):
      returns:  a float64 array of shape (n_out, n_in), in any memory layout.
      state:    every draw comes from rng: the same seed gives the same weights, other seeds
                other weights, and numpy's global random state is not touched. Which
                Generator method you call, and in which order you draw, is up to you.
    """
    # TODO(kata init): draw a (n_out, n_in) array from N(0, 2 / n_in) with rng.
    raise NotImplementedError("kata 'init': he_normal(n_out, n_in, rng) is not written yet (katas/initialization.py)")


def glorot_uniform(n_out, n_in, rng):
    """Glorot (Xavier) uniform initialisation: draws from U(-a, a) with variance 2 / (n_in + n_out).

    Shapes: -> W (n_out, n_in).

    The variance 2 / (n_in + n_out) is a compromise between keeping the forward signal
    (1 / n_in) and the backward signal (1 / n_out) steady. U(-a, a) has variance
    a^2 / 3: solve for the bound a.

    Contract (docs/contracts.md): as he_normal's (float64, (n_out, n_in), any layout, every
    draw from rng, draw order free); every draw lies in [-a, a].
    """
    # TODO(kata init): draw a (n_out, n_in) array from U(-a, a) with rng.
    raise NotImplementedError("kata 'init': glorot_uniform(n_out, n_in, rng) is not written yet (katas/initialization.py)")


def init_params(rng, n_in=784, n_hidden=10, n_out=10):
    """The two-layer network's parameters: a dict with W1, b1, W2, b2.

    Shapes: W1 (n_hidden, n_in) and W2 (n_out, n_hidden), both He-initialised;
    b1 (n_hidden, 1) and b2 (n_out, 1), zeros. Biases are columns so that they
    broadcast along the batch: (n, m) + (n, 1) -> (n, m). A (n,) vector would
    broadcast along the wrong axis, silently.

    Contract (docs/contracts.md):
      signature: init_params(rng, n_in, n_hidden, n_out), sizes by position or by name; the
                defaults are the seed's 784-10-10. No size is a constant in your code.
      returns:  a dict of four float64 arrays (biases too), of the shapes above.
      state:    every draw comes from rng; the order in which W1 and W2 are drawn (or
                whether you draw them in one block) is up to you.
    """
    # TODO(kata init): return {"W1": ..., "b1": ..., "W2": ..., "b2": ...}.
    raise NotImplementedError("kata 'init': init_params(rng) is not written yet (katas/initialization.py)")
