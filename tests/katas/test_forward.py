"""Kata forward: forward(params, X), predict(params, X) and accuracy(predictions, labels)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.assertions import (assert_close, assert_float_dtype, assert_scalar, assert_shape, call,
                                 call_as_is, call_text, check_no_mutation, fail)
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import EXACT, FLOAT64, FRACTION, float32

pytestmark = pytest.mark.kata_forward

problems = st.tuples(S.network_sizes(), st.integers(0, 2 ** 32 - 1)).map(
    lambda t: S.network_problem(np.random.default_rng(t[1]), *t[0]))


def _forward(impl, params, X, as_is=False):
    text = call_text("forward", params=params, X=X)
    with np.errstate(all="ignore"):
        out = (call_as_is if as_is else call)(impl.fn("forward"), params, X)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        fail(f"{text} should return a pair (A2, cache), got {type(out).__name__}", "returned-none" if out is None else None)
    if isinstance(out[0], dict) and not isinstance(out[1], dict):
        fail(f"{text} returned (cache, A2); the docstring's order is (A2, cache)", "tuple-order")
    return text, out[0], out[1]


def _large_logit_problem():
    """A network whose output logits reach about +-2000: softmax inside forward must shift by each column's max."""
    params, X, labels, Y = S.network_problem(np.random.default_rng(49), 6, 5, 4, 5)
    params = dict(params, W2=params["W2"] * 400.0)
    return params, X


@given(problems)
def test_forward_output_probabilities(impl, problem):
    """A2 is the network's output on X, as the reference computes it: one probability column per example."""
    params, X, _, _ = problem
    text, A2, _ = _forward(impl, params, X)
    expected, cache = oracles.forward(params, X)
    assert_close(A2, expected, text, what="A2", **FLOAT64, alternatives={"missing-softmax": cache["Z2"]})


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
        assert_close(cache[key], expected[key], text, what=f"cache[{key!r}]", **FLOAT64,
                     alternatives=alternatives)


def test_forward_is_stable_for_large_logits(impl):
    """Logits of about +-2000 inside the whole forward pass give finite, right probabilities."""
    params, X = _large_logit_problem()
    text, A2, _ = _forward(impl, params, X)
    expected, cache = oracles.forward(params, X)
    assert_close(A2, expected, text + f" (logits up to {np.max(np.abs(cache['Z2'])):.0f})", what="A2",
                 **FLOAT64)


@pytest.mark.parametrize("case", ["float64", "float32", "uint8 pixels", "Fortran order", "a transposed view",
                                  "a strided slice", "a large batch"])
def test_forward_dtypes_layouts_and_sizes(impl, case):
    """float64 in gives float64 A2 and cache; float32 params and X give float32 or float64 (float32 tolerance);
    uint8 pixels give float64; X and the weights may come in any memory layout; m = 3000."""
    rng = np.random.default_rng(50)
    m = 3000 if case == "a large batch" else 6
    params, X, _, _ = S.network_problem(rng, 7, 5, 4, m, margin=0.0 if m > 100 else 1e-2)
    if case == "float32":
        params = {k: v.astype(np.float32) for k, v in params.items()}
        X = X.astype(np.float32)
    elif case == "uint8 pixels":
        X = rng.integers(0, 256, size=X.shape).astype(np.uint8)
        params = dict(params, W1=params["W1"] / 100.0)
    elif case in ("Fortran order", "a transposed view", "a strided slice"):
        X = S.layouts(X)[case]
        params = dict(params, W1=S.layouts(params["W1"])[case], W2=S.layouts(params["W2"])[case])
    text, A2, cache = _forward(impl, params, X, as_is=True)
    text += f" ({case})"
    expected, expected_cache = oracles.forward(params, X)
    if not isinstance(cache, dict):
        fail(f"{text}: cache should be a dict with keys 'Z1', 'A1', 'Z2', 'A2', got {type(cache).__name__}")
    for what, value, exp in [("A2", A2, expected)] + [(f"cache[{k!r}]", cache.get(k), expected_cache[k])
                                                      for k in ("Z1", "A1", "Z2", "A2")]:
        if case == "float32":
            assert_close(value, exp, text, what=what, **float32(exp))
            assert_float_dtype(value, text, "float32", what=what)
        else:
            assert_close(value, exp, text, what=what, **FLOAT64)
            assert_float_dtype(value, text, "float64", what=what)


def test_a_second_forward_leaves_the_first_cache_alone(impl):
    """Two forward passes before any backward pass: the first cache still holds the first pass (no module-level
    dict shared between calls)."""
    params, X1, _, _ = S.network_problem(np.random.default_rng(51), 5, 4, 3, 4)
    X2 = X1[::-1].copy() * 0.5
    text, _, cache1 = _forward(impl, params, X1)
    _forward(impl, params, X2)
    _, expected = oracles.forward(params, X1)
    _, second = oracles.forward(params, X2)
    if not isinstance(cache1, dict):
        fail(f"{text}: cache should be a dict with keys 'Z1', 'A1', 'Z2', 'A2', got {type(cache1).__name__}")
    for key in ("Z1", "A1", "Z2", "A2"):
        assert_close(cache1.get(key), expected[key], text + " then forward(params, X2)", what=f"first cache[{key!r}]",
                     **FLOAT64, alternatives={"shared-state": second[key]})


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
                    "max-not-argmax": A2.max(axis=0),
                    "one-hot-predictions": oracles.one_hot(expected, A2.shape[0])}
    out = assert_shape(out, expected.shape, text, expected=expected, alternatives=alternatives)
    assert_close(out, expected, text, **EXACT, alternatives=alternatives)


def test_predict_depends_on_this_call_only(impl):
    """Two batches of the same shape get their own predictions (no cache kept between calls)."""
    params, X1, _, _ = S.network_problem(np.random.default_rng(52), 5, 4, 3, 8)
    X2 = -X1
    fn = impl.fn("predict")
    first = oracles.predict(params, X1)
    expected = oracles.predict(params, X2)
    call(fn, params, X1)
    text = call_text("predict", params=params, X=X2) + " after predict(params, X1)"
    out = call(fn, params, X2)
    assert_close(out, expected, text, **EXACT,
                 alternatives={"shared-state": first if not np.array_equal(first, expected) else None})


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
    got = call(impl.fn("accuracy"), predictions, labels)
    assert_scalar(got, text)
    expected = oracles.accuracy(predictions, labels)
    broadcast = float(np.mean(predictions.reshape(-1, 1) == labels))
    assert_close(got, expected, text, **FRACTION, m=len(labels),
                 alternatives={"silent-broadcast": broadcast, "percent": 100 * expected})


def test_accuracy_known_values(impl):
    """Two of four right is 0.5; all right is 1.0; none right is 0.0."""
    fn = impl.fn("accuracy")
    for p, t, expected in (([1, 2, 3, 4], [1, 0, 3, 0], 0.5), ([7, 7], [7, 7], 1.0), ([0, 1, 2], [1, 2, 0], 0.0)):
        p, t = np.array(p), np.array(t)
        text = call_text("accuracy", predictions=p, labels=t)
        broadcast = float(np.mean(p.reshape(-1, 1) == t))
        got = call(fn, p, t)
        assert_scalar(got, text)
        assert_close(got, expected, text, **FRACTION, m=len(t),
                     alternatives={"silent-broadcast": broadcast, "percent": 100 * expected})


@pytest.mark.parametrize("case", ["uint8 labels", "a large batch", "a strided slice"])
def test_accuracy_label_dtypes_sizes_and_layouts(impl, case):
    """uint8 labels (as MNIST stores them), m = 70000, and strided slices: the exact fraction, as a number."""
    rng = np.random.default_rng(53)
    m = 70000 if case == "a large batch" else 9
    labels = rng.integers(0, 10, m).astype(np.uint8)
    predictions = np.where(rng.random(m) < 0.7, labels, (labels.astype(np.int64) + 1) % 10).astype(np.int64)
    if case == "a strided slice":
        predictions, labels = S.layouts(predictions)[case], S.layouts(labels)[case]
    text = call_text("accuracy", predictions=predictions, labels=labels) + f" ({case})"
    got = call_as_is(impl.fn("accuracy"), predictions, labels)
    assert_scalar(got, text)
    expected = oracles.accuracy(predictions, labels)
    assert_close(got, expected, text, **FRACTION, m=m, alternatives={"percent": 100 * expected})


@pytest.mark.parametrize("name", ['forward', 'predict'])
def test_forward_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
