"""Kata linear: linear_forward(W, A_prev, b) and linear_backward(dZ, A_prev, W)."""
import numpy as np
import pytest
from hypothesis import given

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.assertions import (assert_close, assert_float_dtype, assert_shape, call, call_as_is,
                                 call_text, check_no_mutation, fail)
from nn.suite.gradient_check import check_gradient
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import FLOAT64, GRADIENT, NEAR, float32

pytestmark = pytest.mark.kata_linear


def _broadcast_bias(W, A_prev, b):
    """What W @ A_prev + b.ravel() (or + b.T) gives when it happens to broadcast (m == n)."""
    try:
        return W @ A_prev + b.ravel()
    except ValueError:
        return None


def _forward_alternatives(W, A_prev, b):
    return {"bias-row": _broadcast_bias(W, A_prev, b),
            "transposed": W.T @ A_prev + b if W.shape[0] == W.shape[1] else None}


@given(S.layer_problems())
def test_linear_forward_matches_per_example_loop(impl, problem):
    """linear_forward(W, A_prev, b)[:, i] == W @ A_prev[:, i] + b for every example i."""
    W, A_prev, b, _ = problem
    text = call_text("linear_forward", W=W, A_prev=A_prev, b=b)
    out = call(impl.fn("linear_forward"), W, A_prev, b)
    assert_close(out, oracles.linear_forward(W, A_prev, b), text, **FLOAT64,
                 alternatives=lambda: _forward_alternatives(W, A_prev, b))


@pytest.mark.parametrize("n", [1, 4, 10])
def test_linear_forward_square_case(impl, n):
    """n == n_prev == m: every transpose and broadcasting mistake keeps the right shape here."""
    rng = np.random.default_rng(25 + n)
    W, A_prev, b = rng.normal(size=(n, n)), rng.normal(size=(n, n)), rng.normal(size=(n, 1))
    out = call(impl.fn("linear_forward"), W, A_prev, b)
    assert_close(out, oracles.linear_forward(W, A_prev, b), call_text("linear_forward", W=W, A_prev=A_prev, b=b),
                 **FLOAT64, alternatives=lambda: _forward_alternatives(W, A_prev, b))


@pytest.mark.parametrize("case", ["float64", "float32", "uint8 pixels", "integer", "Fortran order",
                                  "a transposed view", "a strided slice", "a large batch"])
def test_linear_forward_dtypes_layouts_and_sizes(impl, case):
    """float64 in gives float64 out; float32 in gives float32 or float64 (float32 tolerance); integer W and
    A_prev (uint8 pixels) with a float b give the exact float64 values; any memory layout; m = 5000."""
    rng = np.random.default_rng(45)
    m = 5000 if case == "a large batch" else 6
    W, A_prev, b = rng.normal(size=(3, 5)), rng.normal(size=(5, m)), rng.normal(size=(3, 1))
    if case == "float32":
        W, A_prev, b = (x.astype(np.float32) for x in (W, A_prev, b))
    elif case == "uint8 pixels":
        A_prev = rng.integers(0, 256, size=(5, m)).astype(np.uint8)
    elif case == "integer":
        W, A_prev = rng.integers(-5, 6, size=(3, 5)), rng.integers(-5, 6, size=(5, m))
    elif case in ("Fortran order", "a transposed view", "a strided slice"):
        W, A_prev, b = (S.layouts(x)[case] for x in (W, A_prev, b))
    text = call_text("linear_forward", W=W, A_prev=A_prev, b=b) + f" ({case})"
    out = call_as_is(impl.fn("linear_forward"), W, A_prev, b)
    expected = oracles.linear_forward(W, A_prev, b)
    if case == "float32":
        assert_close(out, expected, text, **float32(expected))
        assert_float_dtype(out, text, "float32")
    else:
        assert_close(out, expected, text, **FLOAT64, alternatives=lambda: _forward_alternatives(W, A_prev, b))
        assert_float_dtype(out, text, "float64")


def test_linear_forward_leaves_inputs_unchanged(impl):
    """linear_forward does not modify W, A_prev or b."""
    rng = np.random.default_rng(12)
    W, A_prev, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 1))
    check_no_mutation(impl.fn("linear_forward"), call_text("linear_forward", W=W, A_prev=A_prev, b=b), W=W, A_prev=A_prev, b=b)


def _untransposed(W, dZ):
    """W @ dZ: what a missing .T on W gives when W happens to be square."""
    return W @ dZ if W.shape[0] == W.shape[1] else None


def _wrong_m(W, A_prev):
    """The sizes a learner may take for m by mistake: the rows of dZ, of A_prev."""
    return (W.shape[0], W.shape[1])


def _tuple_order(out, expected):
    """True when out holds the expected (dW, db, dA_prev) in another order."""
    import itertools

    def matches(perm):
        try:
            return all(np.shape(out[p]) == np.shape(expected[i])
                       and np.allclose(np.asarray(out[p], dtype=np.float64), expected[i], **NEAR)
                       for i, p in enumerate(perm))
        except (TypeError, ValueError):
            return False

    if matches((0, 1, 2)):
        return False
    return any(matches(perm) for perm in itertools.permutations(range(3)) if perm != (0, 1, 2))


def _backward(impl, W, A_prev, b, dZ, as_is=False):
    text = call_text("linear_backward", dZ=dZ, A_prev=A_prev, W=W)
    out = (call_as_is if as_is else call)(impl.fn("linear_backward"), dZ, A_prev, W)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        fail(f"{text} should return a tuple (dW, db, dA_prev), got {type(out).__name__}",
             "returned-none" if out is None else None)
    if _tuple_order(out, oracles.linear_backward(dZ, A_prev, W)):
        fail(f"{text} returned dW, db and dA_prev in another order; the docstring's order is (dW, db, dA_prev)",
             "tuple-order")
    return text, out


@pytest.mark.parametrize("n,n_prev,m", [(4, 4, 4), (10, 10, 10), (3, 5, 1), (2, 6, 3)])
def test_linear_backward_shapes(impl, n, n_prev, m):
    """dW (n, n_prev), db (n, 1) and dA_prev (n_prev, m), including n == n_prev == m where a transpose hides."""
    rng = np.random.default_rng(13)
    W, A_prev, dZ = rng.normal(size=(n, n_prev)), rng.normal(size=(n_prev, m)), rng.normal(size=(n, m))
    text, (dW, db, dA_prev) = _backward(impl, W, A_prev, np.zeros((n, 1)), dZ)
    expected = oracles.linear_backward(dZ, A_prev, W)
    alternatives = {"dW": None, "db": dZ.sum(axis=0, keepdims=True) / m, "dA_prev": _untransposed(W, dZ)}
    for what, value, exp in (("dW", dW, expected[0]), ("db", db, expected[1]), ("dA_prev", dA_prev, expected[2])):
        assert_close(value, exp, text, what=what, **FLOAT64, m=m, wrong_m=_wrong_m(W, A_prev),
                     alternatives={"wrong-axis" if what == "db" else "transposed": alternatives[what]})


@given(S.layer_problems())
def test_linear_backward_dW(impl, problem):
    """dW has W's shape and is the gradient of mean_i dZ[:, i] . Z[:, i] with respect to W."""
    W, A_prev, b, dZ = problem
    m = A_prev.shape[1]
    text, (dW, _, _) = _backward(impl, W, A_prev, b, dZ)
    dW = assert_shape(dW, W.shape, text, what="dW", expected=oracles.linear_backward(dZ, A_prev, W)[0])
    result = check_gradient(lambda w: float(np.sum(dZ * (w @ A_prev + b))) / m, W, dW, name="dW")
    if not result.ok:
        assert_close(dW, oracles.linear_backward(dZ, A_prev, W)[0], text, what="dW", **GRADIENT, m=m,
                     wrong_m=_wrong_m(W, A_prev))
        fail(f"{text}: {result}")


@given(S.layer_problems())
def test_linear_backward_db(impl, problem):
    """db is a (n, 1) column: the mean over examples of dZ."""
    W, A_prev, b, dZ = problem
    m = A_prev.shape[1]
    text, (_, db, _) = _backward(impl, W, A_prev, b, dZ)
    db = assert_shape(db, b.shape, text, what="db", expected=dZ.mean(axis=1, keepdims=True),
                      alternatives={"wrong-axis": dZ.sum(axis=0, keepdims=True) / m})
    result = check_gradient(lambda bb: float(np.sum(dZ * (W @ A_prev + bb))) / m, b, db, name="db")
    if not result.ok:
        assert_close(db, dZ.mean(axis=1, keepdims=True), text, what="db", **GRADIENT, m=m,
                     wrong_m=_wrong_m(W, A_prev))
        fail(f"{text}: {result}")


@given(S.layer_problems())
def test_linear_backward_dA_prev(impl, problem):
    """dA_prev is the gradient passed down to the previous layer: per example, with no 1/m."""
    W, A_prev, b, dZ = problem
    m = A_prev.shape[1]
    text, (_, _, dA_prev) = _backward(impl, W, A_prev, b, dZ)
    dA_prev = assert_shape(dA_prev, A_prev.shape, text, what="dA_prev")
    result = check_gradient(lambda a: float(np.sum(dZ * (W @ a + b))), A_prev, dA_prev, name="dA_prev")
    if not result.ok:
        assert_close(dA_prev, oracles.linear_backward(dZ, A_prev, W)[2], text, what="dA_prev", **GRADIENT, m=m,
                     alternatives={"transposed": _untransposed(W, dZ)})
        fail(f"{text}: {result}")


@pytest.mark.parametrize("case", ["float64", "float32", "integer", "Fortran order", "a transposed view",
                                  "a strided slice", "a large batch"])
def test_linear_backward_dtypes_layouts_and_sizes(impl, case):
    """float64 in gives float64 out; float32 in gives float32 or float64, judged at the same float32 tolerance
    as every kata; integer dZ, A_prev and W give exact float64 gradients; any memory layout; m = 5000."""
    rng = np.random.default_rng(46)
    m = 5000 if case == "a large batch" else 7
    dZ, A_prev, W = rng.normal(size=(3, m)), rng.normal(size=(4, m)), rng.normal(size=(3, 4))
    if case == "float32":
        dZ, A_prev, W = (x.astype(np.float32) for x in (dZ, A_prev, W))
    elif case == "integer":
        dZ, A_prev, W = (rng.integers(-5, 6, size=x.shape) for x in (dZ, A_prev, W))
    elif case in ("Fortran order", "a transposed view", "a strided slice"):
        dZ, A_prev, W = (S.layouts(x)[case] for x in (dZ, A_prev, W))
    text, out = _backward(impl, W, A_prev, None, dZ, as_is=True)
    text += f" ({case})"
    for what, value, exp in zip(("dW", "db", "dA_prev"), out, oracles.linear_backward(dZ, A_prev, W)):
        if case == "float32":
            assert_close(value, exp, text, what=what, **float32(exp), m=m)
            assert_float_dtype(value, text, "float32", what=what)
        else:
            assert_close(value, exp, text, what=what, **FLOAT64, m=m, wrong_m=_wrong_m(W, A_prev))
            if what != "dA_prev" or case != "integer":
                assert_float_dtype(value, text, "float64", what=what)


def test_linear_backward_leaves_inputs_unchanged(impl):
    """linear_backward does not modify dZ, A_prev or W."""
    rng = np.random.default_rng(14)
    dZ, A_prev, W = rng.normal(size=(3, 3)), rng.normal(size=(4, 3)), rng.normal(size=(3, 4))
    check_no_mutation(impl.fn("linear_backward"), call_text("linear_backward", dZ=dZ, A_prev=A_prev, W=W), dZ=dZ, A_prev=A_prev, W=W)


@pytest.mark.parametrize("name", ['linear_forward', 'linear_backward'])
def test_linear_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
