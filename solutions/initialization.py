"""Reference: He and Glorot initialisation, and the two-layer network's parameters."""
import numpy as np


def he_normal(n_out, n_in, rng):
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))  # (n_out, n_in), var 2/n_in


def glorot_uniform(n_out, n_in, rng):
    a = np.sqrt(6.0 / (n_in + n_out))  # scalar bound
    return rng.uniform(-a, a, size=(n_out, n_in))  # (n_out, n_in), var a^2/3 = 2/(n_in+n_out)


def init_params(rng, n_in=784, n_hidden=10, n_out=10):
    return {
        "W1": he_normal(n_hidden, n_in, rng),  # (n_hidden, n_in)
        "b1": np.zeros((n_hidden, 1)),  # (n_hidden, 1)
        "W2": he_normal(n_out, n_hidden, rng),  # (n_out, n_hidden)
        "b2": np.zeros((n_out, 1)),  # (n_out, 1)
    }
