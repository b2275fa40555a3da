"""Kata forward: forward(params, X), predict(params, X) and accuracy(predictions, labels)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.assertions import assert_close, assert_scalar, assert_shape, call, call_text, check_no_mutation, fail

pytestmark = pytest.mark.kata_forward

problems = st.tuples(S.network_sizes(), st.integers(0, 2 ** 32 - 1)).map(
    lambda t: S.network_problem(np.random.default_rng(t[1]), *t[0]))


def _forward(impl, params, X):
    text = call_text("forward", params=params, X=X)
    out = call(impl.fn("forward"), params, X)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        fail(f"{text} should return a pair (A2, cache), got {type(out).__name__}", "returned-none" if out is None else None)
    return text, out[0], out[1]


@given(problems)
def test_forward_output_probabilities(impl, problem):
    """A2 = softmax(W2 relu(W1 X + b1) + b2), one probability column per example."""
    params, X, _, _ = problem
    text, A2, _ = _forward(impl, params, X)
    expected, cache = oracles.forward(params, X)
    assert_close(A2, expected, text, what="A2", rtol=1e-9, atol=1e-12, alternatives={"missing-softmax": cache["Z2"]})


@given(problems)
def test_forward_cache(impl, problem):
    """cache is a dict holding Z1, A1, Z2 and A2 from the forward pass."""
    params, X, _, _ = problem
    text, _, cache = _forward(impl, params, X)
    _, expected = oracles.forward(params, X)
    if not isinstance(cache, dict):
        fail(f"{text}: cache should be a dict with keys 'Z1', 'A1', 'Z2', 'A2', got {type(cache).__name__}")
    for key in ("Z1", "A1", "Z2", "A2"):
        if key not in cache:
            fail(f"{text}: cache has no {key!r} (keys: {sorted(map(str, cache))}); backward needs it")
        alternatives = {"missing-relu": expected["Z1"] if key == "A1" else None,
                        "missing-softmax": expected["Z2"] if key == "A2" else None}
        assert_close(cache[key], expected[key], text, what=f"cache[{key!r}]", rtol=1e-9, atol=1e-12,
                     alternatives=alternatives)


def test_forward_leaves_params_and_x_unchanged(impl):
    """forward does not modify params or X."""
    params, X, _, _ = S.network_problem(np.random.default_rng(18), 6, 4, 4, 4)
    check_no_mutation(impl.fn("forward"), call_text("forward", params=params, X=X), params=params, X=X)


@given(problems)
def test_predict_is_the_most_probable_class(impl, problem):
    """predict(params, X) is the argmax of each column of A2, shape (m,)."""
    params, X, _, _ = problem
    text = call_text("predict", params=params, X=X)
    out = call(impl.fn("predict"), params, X)
    expected = oracles.predict(params, X)
    A2, _ = oracles.forward(params, X)
    alternatives = {"wrong-axis": np.argmax(A2, axis=1) if A2.shape[0] == A2.shape[1] else None,
                    "max-not-argmax": A2.max(axis=0)}
    out = assert_shape(out, expected.shape, text, expected=expected, alternatives=alternatives)
    assert_close(out, expected, text, rtol=0, atol=0, alternatives=alternatives)


def test_predict_returns_integers(impl):
    """Predictions are integer class labels, comparable with the labels."""
    params, X, _, _ = S.network_problem(np.random.default_rng(19), 5, 4, 3, 6)
    out = np.asarray(call(impl.fn("predict"), params, X))
    if not np.issubdtype(out.dtype, np.integer):
        fail(f"{call_text('predict', params=params, X=X)} returned dtype {out.dtype}; expected integers", "dtype")


@given(st.integers(1, 12).flatmap(lambda m: st.tuples(
    st.lists(st.integers(0, 9), min_size=m, max_size=m), st.lists(st.integers(0, 9), min_size=m, max_size=m))))
def test_accuracy_is_the_fraction_correct(impl, pair):
    """accuracy(predictions, labels) is the fraction of equal entries, in [0, 1]."""
    predictions, labels = np.array(pair[0]), np.array(pair[1], dtype=np.uint8)
    text = call_text("accuracy", predictions=predictions, labels=labels)
    got = assert_scalar(call(impl.fn("accuracy"), predictions, labels), text)
    expected = oracles.accuracy(predictions, labels)
    broadcast = float(np.mean(predictions.reshape(-1, 1) == labels))
    assert_close(got, expected, text, rtol=1e-12, atol=0, m=len(labels), alternatives={"silent-broadcast": broadcast})


def test_accuracy_known_values(impl):
    """Two of four right is 0.5; all right is 1.0; none right is 0.0."""
    fn = impl.fn("accuracy")
    for p, t, expected in (([1, 2, 3, 4], [1, 0, 3, 0], 0.5), ([7, 7], [7, 7], 1.0), ([0, 1, 2], [1, 2, 0], 0.0)):
        p, t = np.array(p), np.array(t)
        text = call_text("accuracy", predictions=p, labels=t)
        broadcast = float(np.mean(p.reshape(-1, 1) == t))
        assert_close(assert_scalar(fn(p, t), text), expected, text, rtol=0, atol=1e-12, m=len(t),
                     alternatives={"silent-broadcast": broadcast})
