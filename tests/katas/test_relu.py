"""Kata relu: relu(Z) and relu_backward(dA, Z)."""
import numpy as np
import pytest
from hypothesis import given

from nn.suite import strategies as S
from nn.suite import oracles
from nn.suite.assertions import (assert_close, assert_float_dtype, assert_shape, call, call_as_is,
                                 call_text, check_no_mutation, fail)
from nn.suite.gradient_check import check_gradient
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import EXACT, float32

pytestmark = pytest.mark.kata_relu


@given(S.shapes().flatmap(S.matrices))
def test_relu_matches_max_of_zero_and_z(impl, Z):
    """relu(Z) equals max(0, Z) entry by entry, with Z's shape."""
    out = call(impl.fn("relu"), Z)
    assert_close(out, np.where(Z > 0, Z, 0.0), call_text("relu", Z=Z), **EXACT,
                 alternatives={"max-vs-maximum": np.max(Z, axis=0)})


@pytest.mark.parametrize("shape", S.EDGE_SHAPES)
def test_relu_keeps_shape_and_float64(impl, shape):
    """relu keeps the shape and the float64 dtype of Z (m == n, m == 1, m != n)."""
    Z = np.random.default_rng(1).normal(size=shape)
    out = assert_shape(call(impl.fn("relu"), Z), shape, call_text("relu", Z=Z))
    if out.dtype != np.float64:
        fail(f"{call_text('relu', Z=Z)} returned dtype {out.dtype}; float64 in, float64 out", "dtype")


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32])
def test_relu_other_dtypes(impl, dtype):
    """float32 Z gives float32 or float64 (float32 tolerance); integer Z gives the exact values, in any numeric dtype."""
    Z = (np.random.default_rng(31).normal(0, 40, size=(5, 7))).astype(dtype)
    text = call_text("relu", Z=Z)
    out = call(impl.fn("relu"), Z)
    expected = np.maximum(Z.astype(np.float64), 0.0)
    if dtype == np.float32:
        assert_float_dtype(out, text, "float32")
        assert_close(out, expected, text, **float32(expected))
    else:
        assert_close(out, expected, text, **EXACT)


@pytest.mark.parametrize("layout", ["Fortran order", "a transposed view", "a strided slice"])
def test_relu_any_memory_layout(impl, layout):
    """Z may come in Fortran order, as a transposed view or as a strided slice: same values out."""
    Z = S.layouts(np.random.default_rng(32).normal(size=(4, 6)))[layout]
    out = call_as_is(impl.fn("relu"), Z)
    assert_close(out, np.maximum(Z, 0.0), call_text("relu", Z=Z), **EXACT)


def test_relu_leaves_z_unchanged(impl):
    """relu does not modify Z."""
    Z = np.random.default_rng(2).normal(size=(5, 5))
    check_no_mutation(impl.fn("relu"), call_text("relu", Z=Z), Z=Z)


@given(S.shapes().flatmap(lambda s: S.matrices(s).flatmap(lambda dA: S.matrices(s, S.away_from_zero()).map(lambda Z: (dA, Z)))))
def test_relu_backward_matches_finite_differences(impl, pair):
    """relu_backward(dA, Z) is the gradient of sum(dA * relu(Z)) with respect to Z."""
    dA, Z = pair
    dZ = call(impl.fn("relu_backward"), dA, Z)
    text = call_text("relu_backward", dA=dA, Z=Z)
    dZ = assert_shape(dZ, Z.shape, text)
    result = check_gradient(lambda z: float(np.sum(dA * np.maximum(z, 0.0))), Z, dZ, name="dZ")
    if not result.ok:
        assert_close(dZ, np.where(Z > 0, dA, 0.0), text, **EXACT, mask=Z > 0,
                     alternatives={"argument-order": oracles.relu_backward(Z, dA),
                                   "relu-mask": np.where(dA > 0, dA, 0.0), "missing-upstream": (Z > 0).astype(float)})
        fail(f"{text}: {result}")


def test_relu_backward_takes_dA_first(impl):
    """The parameters come in the docstring's order, relu_backward(dA, Z): the training code calls it positionally."""
    dA = np.array([[0.5, -2.0, 3.0], [1.5, 0.25, -1.0]])
    Z = np.array([[-1.0, 2.0, 0.5], [3.0, -0.5, 1.0]])
    text = call_text("relu_backward", dA=dA, Z=Z)
    out = call(impl.fn("relu_backward"), dA, Z)
    assert_close(out, np.where(Z > 0, dA, 0.0), text, **EXACT, mask=Z > 0,
                 alternatives={"argument-order": oracles.relu_backward(Z, dA)})


@pytest.mark.parametrize("dA_dtype,Z_dtype", [(np.float64, np.int64), (np.float64, np.float32),
                                              (np.float32, np.float32), (np.int64, np.int64)])
def test_relu_backward_other_dtypes(impl, dA_dtype, Z_dtype):
    """dA and Z of any numeric dtype: the result holds dA's values where Z > 0 (float64 if either input is
    float64; float32 inputs alone may give float32, judged at float32 tolerance)."""
    rng = np.random.default_rng(33)
    dA = (rng.normal(0, 5, size=(4, 6))).astype(dA_dtype)
    Z = np.where(rng.random((4, 6)) < 0.5, -1, 1) * rng.integers(1, 9, size=(4, 6)).astype(Z_dtype)
    Z = Z.astype(Z_dtype)
    text = call_text("relu_backward", dA=dA, Z=Z)
    out = call(impl.fn("relu_backward"), dA, Z)
    expected = np.where(Z > 0, dA.astype(np.float64), 0.0)
    if np.float32 in (dA_dtype, Z_dtype) and np.float64 not in (dA_dtype, Z_dtype):
        assert_close(out, expected, text, **float32(expected))
    else:
        assert_close(out, expected, text, **EXACT, mask=Z > 0)
    if dA_dtype == np.float64:
        assert_float_dtype(out, text, "float64")


@pytest.mark.parametrize("layout", ["Fortran order", "a transposed view", "a strided slice"])
def test_relu_backward_any_memory_layout(impl, layout):
    """dA and Z may come in any memory layout: same values out."""
    rng = np.random.default_rng(34)
    dA = S.layouts(rng.normal(size=(5, 3)))[layout]
    Z = S.layouts(rng.normal(size=(5, 3)))[layout]
    out = call_as_is(impl.fn("relu_backward"), dA, Z)
    assert_close(out, np.where(Z > 0, dA, 0.0), call_text("relu_backward", dA=dA, Z=Z), **EXACT, mask=Z > 0)


def test_relu_backward_is_zero_at_exactly_zero(impl):
    """At Z == 0 exactly, the derivative is taken as 0, so dZ is 0 there."""
    Z = np.array([[0.0, 1.0, -1.0], [0.0, 0.0, 2.0], [-3.0, 0.0, 0.5]])
    dA = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    out = call(impl.fn("relu_backward"), dA, Z)
    text = call_text("relu_backward", dA=dA, Z=Z) + " where Z has exact zeros"
    expected = np.where(Z > 0, dA, 0.0)
    out = assert_shape(out, Z.shape, text)
    if np.any(out[Z == 0] != 0):
        fail(f"{text}: dZ is not 0 where Z == 0 (got {out[Z == 0].tolist()})", "kink-at-zero")
    assert_close(out, expected, text, **EXACT)


def test_relu_backward_leaves_inputs_unchanged(impl):
    """relu_backward does not modify dA or Z."""
    rng = np.random.default_rng(3)
    dA, Z = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    check_no_mutation(impl.fn("relu_backward"), call_text("relu_backward", dA=dA, Z=Z), dA=dA, Z=Z)


TINY = np.array([[5e-324, -5e-324, 1e-300, -1e-300], [1e-12, -1e-12, 1e-9, -1e-9], [2.0, -2.0, 0.5, -0.5]])


def test_relu_and_its_gradient_have_their_kink_at_zero_exactly(impl):
    """The kink is at 0 and nowhere else: the smallest positive numbers pass through relu and
    carry their gradient, the smallest negative ones do not (no tolerance around 0)."""
    dA = np.arange(1.0, TINY.size + 1).reshape(TINY.shape)
    text = call_text("relu", Z=TINY) + " where Z holds the tiniest numbers of either sign"
    assert_close(call(impl.fn("relu"), TINY), np.where(TINY > 0, TINY, 0.0), text, **EXACT)
    text = call_text("relu_backward", dA=dA, Z=TINY) + " where Z holds the tiniest numbers of either sign"
    assert_close(call(impl.fn("relu_backward"), dA, TINY), np.where(TINY > 0, dA, 0.0), text, **EXACT)


@pytest.mark.parametrize("name", ["relu", "relu_backward"])
def test_relu_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))


@pytest.mark.parametrize("case", ["all positive", "mixed"])
def test_relu_returns_a_new_array(impl, case):
    """relu(Z) returns a new array, never Z itself or a view of it, whatever Z holds: the backward
    pass still reads Z, and whoever changes the activations in place would change Z too."""
    Z = np.random.default_rng(11).uniform(0.5, 2.0, size=(4, 5))
    if case == "mixed":
        Z[::2] *= -1
    out = call_as_is(impl.fn("relu"), Z)
    if isinstance(out, np.ndarray) and (out is Z or np.shares_memory(out, Z)):
        fail(f"{call_text('relu', Z=Z)} with {case} entries returned Z itself (or a view of it), not a new array: "
             "a change to the activations would change Z, which the backward pass reads")
