"""Kata linear: linear_forward(W, A_prev, b) and linear_backward(dZ, A_prev, W)."""
import numpy as np
import pytest
from hypothesis import given

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.assertions import assert_close, assert_shape, call, call_text, check_no_mutation, fail
from nn.suite.gradient_check import check_gradient

pytestmark = pytest.mark.kata_linear


def _broadcast_bias(W, A_prev, b):
    """What W @ A_prev + b.ravel() gives when it happens to broadcast (m == n)."""
    try:
        return W @ A_prev + b.ravel()
    except ValueError:
        return None


@given(S.layer_problems())
def test_linear_forward_matches_per_example_loop(impl, problem):
    """linear_forward(W, A_prev, b)[:, i] == W @ A_prev[:, i] + b for every example i."""
    W, A_prev, b, _ = problem
    text = call_text("linear_forward", W=W, A_prev=A_prev, b=b)
    out = call(impl.fn("linear_forward"), W, A_prev, b)
    assert_close(out, oracles.linear_forward(W, A_prev, b), text, rtol=1e-9, atol=1e-12,
                 alternatives={"bias-vector": _broadcast_bias(W, A_prev, b),
                               "transposed": W.T @ A_prev + b if W.shape[0] == W.shape[1] else None})


@pytest.mark.parametrize("n", [1, 4, 10])
def test_linear_forward_square_case(impl, n):
    """n == n_prev == m: every transpose and broadcasting mistake keeps the right shape here."""
    rng = np.random.default_rng(25 + n)
    W, A_prev, b = rng.normal(size=(n, n)), rng.normal(size=(n, n)), rng.normal(size=(n, 1))
    out = call(impl.fn("linear_forward"), W, A_prev, b)
    assert_close(out, oracles.linear_forward(W, A_prev, b), call_text("linear_forward", W=W, A_prev=A_prev, b=b),
                 rtol=1e-9, atol=1e-12,
                 alternatives={"bias-vector": _broadcast_bias(W, A_prev, b), "transposed": W.T @ A_prev + b})


def test_linear_forward_leaves_inputs_unchanged(impl):
    """linear_forward does not modify W, A_prev or b."""
    rng = np.random.default_rng(12)
    W, A_prev, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 1))
    check_no_mutation(impl.fn("linear_forward"), call_text("linear_forward", W=W, A_prev=A_prev, b=b), W=W, A_prev=A_prev, b=b)


def _untransposed(W, dZ):
    """W @ dZ: what a missing .T on W gives when W happens to be square."""
    return W @ dZ if W.shape[0] == W.shape[1] else None


def _backward(impl, W, A_prev, b, dZ):
    text = call_text("linear_backward", dZ=dZ, A_prev=A_prev, W=W)
    out = call(impl.fn("linear_backward"), dZ, A_prev, W)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        fail(f"{text} should return a tuple (dW, db, dA_prev), got {type(out).__name__}",
             "returned-none" if out is None else None)
    return text, out


@given(S.layer_problems())
def test_linear_backward_dW(impl, problem):
    """dW has W's shape and is the gradient of mean_i dZ[:, i] . Z[:, i] with respect to W."""
    W, A_prev, b, dZ = problem
    m = A_prev.shape[1]
    text, (dW, _, _) = _backward(impl, W, A_prev, b, dZ)
    dW = assert_shape(dW, W.shape, text, what="dW", expected=oracles.linear_backward(dZ, A_prev, W)[0])
    result = check_gradient(lambda w: float(np.sum(dZ * (w @ A_prev + b))) / m, W, dW, name="dW")
    if not result.ok:
        assert_close(dW, oracles.linear_backward(dZ, A_prev, W)[0], text, what="dW", rtol=1e-6, atol=1e-9, m=m)
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
        assert_close(db, dZ.mean(axis=1, keepdims=True), text, what="db", rtol=1e-6, atol=1e-9, m=m)
        fail(f"{text}: {result}")


@given(S.layer_problems())
def test_linear_backward_dA_prev(impl, problem):
    """dA_prev = W.T @ dZ: the per-example gradient passed down, with no 1/m."""
    W, A_prev, b, dZ = problem
    m = A_prev.shape[1]
    text, (_, _, dA_prev) = _backward(impl, W, A_prev, b, dZ)
    dA_prev = assert_shape(dA_prev, A_prev.shape, text, what="dA_prev")
    result = check_gradient(lambda a: float(np.sum(dZ * (W @ a + b))), A_prev, dA_prev, name="dA_prev")
    if not result.ok:
        assert_close(dA_prev, oracles.linear_backward(dZ, A_prev, W)[2], text, what="dA_prev", rtol=1e-6, atol=1e-9, m=m,
                     alternatives={"transposed": _untransposed(W, dZ)})
        fail(f"{text}: {result}")


@pytest.mark.parametrize("n,n_prev,m", [(4, 4, 4), (10, 10, 10), (3, 5, 1), (2, 6, 3)])
def test_linear_backward_shapes(impl, n, n_prev, m):
    """dW (n, n_prev), db (n, 1) and dA_prev (n_prev, m), including n == n_prev == m where a transpose hides."""
    rng = np.random.default_rng(13)
    W, A_prev, dZ = rng.normal(size=(n, n_prev)), rng.normal(size=(n_prev, m)), rng.normal(size=(n, m))
    text, (dW, db, dA_prev) = _backward(impl, W, A_prev, np.zeros((n, 1)), dZ)
    expected = oracles.linear_backward(dZ, A_prev, W)
    alternatives = {"dW": None, "db": dZ.sum(axis=0, keepdims=True) / m, "dA_prev": _untransposed(W, dZ)}
    for what, value, exp in (("dW", dW, expected[0]), ("db", db, expected[1]), ("dA_prev", dA_prev, expected[2])):
        assert_close(value, exp, text, what=what, rtol=1e-9, atol=1e-12, m=m,
                     alternatives={"wrong-axis" if what == "db" else "transposed": alternatives[what]})


def test_linear_backward_leaves_inputs_unchanged(impl):
    """linear_backward does not modify dZ, A_prev or W."""
    rng = np.random.default_rng(14)
    dZ, A_prev, W = rng.normal(size=(3, 3)), rng.normal(size=(4, 3)), rng.normal(size=(3, 4))
    check_no_mutation(impl.fn("linear_backward"), call_text("linear_backward", dZ=dZ, A_prev=A_prev, W=W), dZ=dZ, A_prev=A_prev, W=W)
