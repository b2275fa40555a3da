"""Kata backward: backward(params, cache, X, Y) against finite differences of the mean loss.

Every input is drawn with |Z1| >= 0.01, far from ReLU's kink at the step h = 1e-5, so
the central differences are exact to ~1e-9 and the check is never flaky.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.assertions import (assert_close, assert_float_dtype, assert_shape, call, call_as_is,
                                 call_text, check_no_mutation, fail)
from nn.suite.gradient_check import check_gradient
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import CENTRAL_DIFFERENCE, FLOAT64, float32

pytestmark = pytest.mark.kata_backward

PARAM_SHAPES = {"W1": ("n_hidden", "n_in"), "b1": ("n_hidden", 1), "W2": ("n_out", "n_hidden"), "b2": ("n_out", 1)}

problems = st.tuples(S.network_sizes(), st.integers(0, 2 ** 32 - 1)).map(
    lambda t: S.network_problem(np.random.default_rng(t[1]), *t[0]))


def _grads(impl, params, X, Y, as_is=False):
    _, cache = oracles.forward(params, X)
    text = call_text("backward", params=params, cache=cache, X=X, Y=Y)
    grads = (call_as_is if as_is else call)(impl.fn("backward"), params, cache, X, Y)
    if not isinstance(grads, dict):
        fail(f"{text} should return a dict with dW1, db1, dW2, db2, got {type(grads).__name__}",
             "returned-none" if grads is None else None)
    return text, grads, cache


def _hidden_layer_mistakes(params, cache, X, Y):
    """(misconception, {dW1, db1}) for the usual hidden-layer mistakes, where the shapes allow them."""
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    square = params["W2"].shape[0] == params["W2"].shape[1]
    candidates = [("relu-mask", (params["W2"].T @ dZ2)),
                  ("relu-mask", (params["W2"].T @ dZ2) * (cache["Z2"] > 0) if square else None),
                  ("transposed", (params["W2"] @ dZ2) * (cache["Z1"] > 0) if square else None)]
    out = []
    for mid, dZ1 in candidates:
        if dZ1 is not None:
            out.append((mid, {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}))
    return out


def _check_param(impl, problem, key, sample=None):
    params, X, _, Y = problem
    text, grads, cache = _grads(impl, params, X, Y)
    gkey = "d" + key
    if gkey not in grads:
        fail(f"{text} returned no {gkey!r} (keys: {sorted(map(str, grads))})")
    expected = oracles.backward(params, cache, X, Y)[gkey]
    g = assert_shape(grads[gkey], params[key].shape, text, what=gkey, expected=expected)

    def losses_at(values):  # a stack of trial values of params[key]: their mean losses
        return oracles.mean_losses(dict(params, **{key: values}), X, Y)

    result = check_gradient(losses_at, params[key], g, name=gkey, sample=sample, many=True)
    if not result.ok:
        alternatives = []
        if key in ("W1", "b1"):
            alternatives = [(mid, alt[gkey]) for mid, alt in _hidden_layer_mistakes(params, cache, X, Y)]
        assert_close(g, expected, text, what=gkey, **CENTRAL_DIFFERENCE, m=X.shape[1], k=Y.shape[0],
                     alternatives=alternatives, wrong_m=(Y.shape[0], X.shape[0], params["W1"].shape[0]))
        fail(f"{text}: {result}")


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
@given(problem=problems)
def test_backward_matches_finite_differences(impl, key, problem):
    """Each gradient agrees with central differences of the mean cross-entropy (m == n, m == 1, 10x10-like square W2)."""
    _check_param(impl, problem, key)


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_backward_on_the_seeds_network(impl, key):
    """The seed's 784-10-10 network on a batch of 32: b1, W2, b2 in full, W1 on 400 sampled entries."""
    problem = S.network_problem(np.random.default_rng(20), 784, 10, 10, 32)
    _check_param(impl, problem, key, sample=400 if key == "W1" else None)


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_backward_square_case(impl, key):
    """n_in == n_hidden == n_out == m == 10: every transpose mistake keeps the right shape here."""
    problem = S.network_problem(np.random.default_rng(21), 10, 10, 10, 10)
    _check_param(impl, problem, key)


@pytest.mark.parametrize("case", ["float64", "float32", "uint8 pixels", "Fortran order", "a transposed view",
                                  "a strided slice"])
def test_backward_dtypes_and_layouts(impl, case):
    """float64 in gives float64 gradients; float32 in gives float32 or float64, at the float32 tolerance every
    kata uses; uint8 pixels X give float64; X, Y and the weights may come in any memory layout."""
    rng = np.random.default_rng(54)
    params, X, labels, Y = S.network_problem(rng, 6, 5, 4, 7)
    if case == "float32":
        params = {k: v.astype(np.float32) for k, v in params.items()}
        X, Y = X.astype(np.float32), Y.astype(np.float32)
    elif case == "uint8 pixels":
        X = rng.integers(0, 256, size=X.shape).astype(np.uint8)
        params = dict(params, W1=params["W1"] / 100.0)
    elif case in ("Fortran order", "a transposed view", "a strided slice"):
        X, Y = S.layouts(X)[case], S.layouts(Y)[case]
        params = dict(params, W1=S.layouts(params["W1"])[case], W2=S.layouts(params["W2"])[case])
    text, grads, cache = _grads(impl, params, X, Y, as_is=True)
    text += f" ({case})"
    expected = oracles.backward(params, cache, X, Y)
    for key in ("dW1", "db1", "dW2", "db2"):
        if key not in grads:
            fail(f"{text} returned no {key!r} (keys: {sorted(map(str, grads))})")
        g = assert_shape(grads[key], expected[key].shape, text, what=key, expected=expected[key])
        if case == "float32":
            assert_close(g, expected[key], text, what=key, **float32(expected[key]))
            assert_float_dtype(grads[key], text, "float32", what=key)
        else:
            assert_float_dtype(grads[key], text, "float64", what=key)
            assert_close(g, expected[key], text, what=key, **FLOAT64, m=X.shape[1],
                         wrong_m=(Y.shape[0], X.shape[0], params["W1"].shape[0]))


def test_backward_leaves_inputs_unchanged(impl):
    """backward does not modify params, cache, X or Y."""
    params, X, _, Y = S.network_problem(np.random.default_rng(22), 5, 4, 4, 4)
    _, cache = oracles.forward(params, X)
    check_no_mutation(impl.fn("backward"), call_text("backward", params=params, cache=cache, X=X, Y=Y),
                      params=params, cache=cache, X=X, Y=Y)


@pytest.mark.parametrize("name", ['backward'])
def test_backward_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
