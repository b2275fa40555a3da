"""Reusable hypothesis strategies: shapes that expose broadcasting and transposes, and
values kept away from ReLU's kink."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Fixed shapes every shape-sensitive test includes: m == n, m == 1, m != n.
SQUARE = (4, 4)
ONE_EXAMPLE = (4, 1)
TALL = (5, 3)
WIDE = (3, 7)
EDGE_SHAPES = (SQUARE, ONE_EXAMPLE, TALL, WIDE, (10, 10), (1, 6))

dims = st.integers(min_value=1, max_value=8)


@st.composite
def shapes(draw, min_rows: int = 1, max_rows: int = 8, max_cols: int = 8):
    """(n, m) shapes, with m == n, m == 1 and m != n drawn often."""
    n = draw(st.integers(min_rows, max_rows))
    m = draw(st.one_of(st.just(n), st.just(1), st.integers(1, max_cols)))
    return (n, m)


def floats(min_value: float = -10.0, max_value: float = 10.0):
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)


def away_from_zero(margin: float = 1e-2, bound: float = 5.0):
    """Floats with |x| >= margin: a finite difference of size h << margin never crosses ReLU's kink."""
    magnitude = st.floats(margin, bound, allow_nan=False, allow_infinity=False)
    return st.tuples(st.sampled_from((-1.0, 1.0)), magnitude).map(lambda t: t[0] * t[1])


def matrices(shape, elements=None):
    return hnp.arrays(np.float64, shape, elements=elements if elements is not None else floats())


@st.composite
def logits(draw, max_classes: int = 10, max_examples: int = 8, scale: float = 30.0):
    k = draw(st.integers(2, max_classes))
    m = draw(st.one_of(st.just(k), st.just(1), st.integers(1, max_examples)))
    return draw(matrices((k, m), floats(-scale, scale)))


@st.composite
def labels(draw, num_classes: int = 10, max_examples: int = 12):
    m = draw(st.one_of(st.just(num_classes), st.just(1), st.integers(1, max_examples)))
    return np.array(draw(st.lists(st.integers(0, num_classes - 1), min_size=m, max_size=m)), dtype=np.int64)


@st.composite
def probabilities_and_targets(draw, max_classes: int = 10, max_examples: int = 8):
    """(A, Y): columns of A are distributions (some entries exactly 0 off the label), Y is one-hot."""
    k = draw(st.integers(2, max_classes))
    m = draw(st.one_of(st.just(k), st.just(1), st.integers(1, max_examples)))
    y = draw(st.lists(st.integers(0, k - 1), min_size=m, max_size=m))
    raw = draw(matrices((k, m), st.one_of(st.just(0.0), st.floats(0.01, 1.0))))
    raw[y, np.arange(m)] += draw(st.floats(0.05, 1.0))
    A = raw / raw.sum(axis=0, keepdims=True)
    Y = np.zeros((k, m))
    Y[y, np.arange(m)] = 1.0
    return A, Y


@st.composite
def layer_problems(draw, max_units: int = 6, max_examples: int = 6):
    """(W, A_prev, b, dZ) for one linear layer, with m == n, m == 1 and n_prev == n drawn often."""
    n = draw(st.integers(1, max_units))
    n_prev = draw(st.one_of(st.just(n), st.integers(1, max_units)))
    m = draw(st.one_of(st.just(n), st.just(1), st.integers(1, max_examples)))
    el = floats(-3, 3)
    return (
        draw(matrices((n, n_prev), el)),
        draw(matrices((n_prev, m), el)),
        draw(matrices((n, 1), el)),
        draw(matrices((n, m), el)),
    )


@st.composite
def network_sizes(draw):
    """(n_in, n_hidden, n_out, m) with the square cases the seed's 10x10 W2 hides."""
    n_hidden = draw(st.integers(2, 8))
    n_out = draw(st.one_of(st.just(n_hidden), st.integers(2, 8)))
    n_in = draw(st.one_of(st.just(n_hidden), st.integers(1, 12)))
    m = draw(st.one_of(st.just(n_out), st.just(1), st.integers(1, 8)))
    return n_in, n_hidden, n_out, m


def network_problem(rng: np.random.Generator, n_in: int, n_hidden: int, n_out: int, m: int, margin: float = 1e-2):
    """(params, X, labels, Y) for a small network, with every |Z1| >= margin.

    Redrawn until no hidden pre-activation is near ReLU's kink, so a finite difference
    of size h << margin never crosses it and the gradient check cannot be flaky.
    """
    for _ in range(1000):
        params = {
            "W1": rng.normal(0, 1, (n_hidden, n_in)),
            "b1": rng.normal(0, 0.5, (n_hidden, 1)),
            "W2": rng.normal(0, 1, (n_out, n_hidden)),
            "b2": rng.normal(0, 0.5, (n_out, 1)),
        }
        X = rng.normal(0, 1, (n_in, m))
        Z1 = params["W1"] @ X + params["b1"]
        if np.min(np.abs(Z1)) >= margin and np.any(Z1 > 0):
            labels = rng.integers(0, n_out, size=m)
            Y = np.zeros((n_out, m))
            Y[labels, np.arange(m)] = 1.0
            return params, X, labels, Y
    raise RuntimeError("could not draw a network problem away from the ReLU kink")


def layouts(A: np.ndarray) -> dict:
    """The same values as A in the memory layouts a learner's array may come in: C order,
    Fortran order, the transposed view of a C array, and a strided (non-contiguous) slice."""
    A = np.asarray(A)
    if A.ndim < 2:
        big = np.zeros(A.size * 2, dtype=A.dtype)
        big[::2] = A
        return {"C order": A.copy(), "a strided slice": big[::2]}
    big = np.zeros((A.shape[0] * 2, A.shape[1] * 3), dtype=A.dtype)
    big[::2, ::3] = A
    return {
        "C order": np.ascontiguousarray(A),
        "Fortran order": np.asfortranarray(A),
        "a transposed view": np.ascontiguousarray(A.T).T,
        "a strided slice": big[::2, ::3],
    }


def as_dtype(A, dtype) -> np.ndarray:
    return np.asarray(A).astype(dtype)


def two_calls(name: str) -> tuple[tuple, tuple]:
    """Two valid calls of kata function ``name``, each ``(args, kwargs)``: the same shapes,
    other values. For the clause "a result is the caller's": the second call must not
    change what the first one returned."""
    from . import oracles

    def one(seed: int):
        rng = np.random.default_rng(seed)
        params, X, labels, Y = network_problem(rng, 5, 4, 3, 6)
        Z = rng.normal(0, 2, (4, 6))
        A = oracles.softmax(rng.normal(0, 1, (3, 6)))
        calls = {
            "relu": ((Z,), {}), "relu_backward": ((rng.normal(0, 1, (4, 6)), Z), {}), "softmax": ((Z,), {}),
            "one_hot": ((labels, 3), {}), "softmax_cross_entropy_backward": ((A, Y), {}),
            "he_normal": ((4, 5, np.random.default_rng(seed)), {}),
            "glorot_uniform": ((4, 5, np.random.default_rng(seed)), {}),
            "init_params": ((np.random.default_rng(seed), 5, 4, 3), {}),
            "linear_forward": ((params["W1"], X, params["b1"]), {}),
            "linear_backward": ((rng.normal(0, 1, (4, 6)), X, params["W1"]), {}),
            "forward": ((params, X), {}),
            "backward": ((params, oracles.forward(params, X)[1], X, Y), {}),
            "update": ((params, {f"d{k}": rng.normal(0, 1, v.shape) for k, v in params.items()}, 0.1), {}),
            "numerical_gradient": ((lambda x: float(np.sum(x ** 3)), rng.normal(0, 1, (3, 4))), {}),
            "train": ((X, labels), {"alpha": 0.1, "iterations": 3, "rng": np.random.default_rng(seed), "n_hidden": 4}),
            "predict": ((params, X), {}),
        }
        return calls[name]

    return one(1), one(2)
