"""Your tests of the init kata: he_normal(n_out, n_in, rng), glorot_uniform(n_out, n_in, rng)
and init_params(rng, n_in=784, n_hidden=10, n_out=10).

Fixtures: he_normal, glorot_uniform, init_params (or fn("he_normal")). Run: nn-kata examplar init
"""
import numpy as np


def test_he_normal_draws_nonzero_weights_of_the_asked_shape(he_normal):
    W = he_normal(5, 3, np.random.default_rng(0))
    assert W.shape == (5, 3) and np.all(W != 0)


# Your tests here. Is the variance 2/n_in (with enough draws)? The same seed, the same weights?
