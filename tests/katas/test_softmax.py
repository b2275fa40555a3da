"""Kata softmax: softmax(Z), column by column, stable for any finite Z."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from scipy import special

from nn.suite import strategies as S
from nn.suite.assertions import (assert_close, assert_float_dtype, assert_shape, call, call_as_is,
                                 call_text, check_no_mutation, fail)
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import FLOAT64, NEAR, SHIFT_INVARIANCE, columns_sum_to, float32, within_range

pytestmark = pytest.mark.kata_softmax

def _wrong_axis(Z):
    return special.softmax(Z, axis=1)


def _global_max(Z):
    with np.errstate(all="ignore"):
        e = np.exp(Z - Z.max())
        return e / e.sum(axis=0, keepdims=True)


def _row_max(Z):
    with np.errstate(all="ignore"):
        e = np.exp(Z - Z.max(axis=1, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)


def _alternatives(Z):
    Z = np.asarray(Z, dtype=np.float64)
    alts = [("wrong-axis", _wrong_axis(Z)), ("global-max", _global_max(Z)), ("global-max", _row_max(Z))]
    # Where every logit of a column is far beyond c, clipping leaves a uniform distribution over the
    # positive ones: what any saturating squash (a normalised sigmoid, say) gives too. Such a
    # clipped answer is no evidence of clipping.
    positive = (Z > 0).astype(np.float64)
    saturated = positive / np.where(positive.sum(axis=0) > 0, positive.sum(axis=0), 1.0)
    for c in (30.0, 50.0, 100.0, 300.0, 500.0, 700.0, 709.0):
        if np.max(np.abs(Z)) > c:
            clipped = special.softmax(np.clip(Z, -c, c), axis=0)
            if not np.allclose(clipped, saturated, **NEAR):
                alts.append(("clip-logits", clipped))
    return alts


def _check(impl, Z, label, layout=False):
    text = call_text("softmax", Z=Z) + label
    with np.errstate(all="ignore"):
        out = call_as_is(impl.fn("softmax"), Z) if layout else call(impl.fn("softmax"), Z)
    return assert_close(out, special.softmax(Z, axis=0), text, **FLOAT64, alternatives=lambda: _alternatives(Z))


@given(S.logits())
def test_softmax_matches_scipy(impl, Z):
    """softmax(Z) equals scipy.special.softmax(Z, axis=0) for moderate logits."""
    _check(impl, Z, "")


@pytest.mark.parametrize("shape", S.EDGE_SHAPES)
def test_softmax_shape_and_columns_sum_to_one(impl, shape):
    """The output has Z's shape, entries in [0, 1], and every column sums to 1."""
    Z = np.random.default_rng(4).normal(0, 3, size=shape)
    text = call_text("softmax", Z=Z)
    expected = special.softmax(Z, axis=0)
    out = assert_shape(call(impl.fn("softmax"), Z), shape, text, expected=expected)
    # No stricter than the value check: a sum of entries each within FLOAT64 of its expected
    # value may be off by what those entries may be off by, added up (nn.suite.tolerances).
    columns, in_range = columns_sum_to(out, expected, FLOAT64), within_range(out, 0.0, 1.0, FLOAT64)
    if not np.all(columns) or not np.all(in_range):
        sums = np.asarray(out, dtype=np.float64).sum(axis=0)
        worst = int(np.argmax(np.abs(sums - 1.0)))
        mid = "wrong-axis" if np.allclose(out.sum(axis=1), 1.0) else None
        fail(f"{text}: the columns must be probability distributions; column {worst} sums to {sums[worst]:.12g}"
             f" (each column sums to 1 and each entry is in [0, 1], within the value check's tolerance,"
             f" rtol={FLOAT64.rtol:g}, atol={FLOAT64.atol:g} an entry)", mid)


def test_softmax_of_float64_is_float64(impl):
    """float64 logits give float64 probabilities (float32 would keep only 7 digits)."""
    Z = np.random.default_rng(40).normal(0, 3, size=(6, 5))
    text = call_text("softmax", Z=Z)
    with np.errstate(all="ignore"):
        out = call(impl.fn("softmax"), Z)
    assert_float_dtype(assert_shape(out, Z.shape, text), text, "float64")


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32])
def test_softmax_other_dtypes(impl, dtype):
    """float32 logits give float32 or float64 (float32 tolerance); integer logits give float64 probabilities."""
    rng = np.random.default_rng(41)
    Z = rng.normal(0, 4, size=(5, 6))
    Z = Z.astype(dtype)
    text = call_text("softmax", Z=Z)
    with np.errstate(all="ignore"):
        out = call(impl.fn("softmax"), Z)
    expected = special.softmax(Z.astype(np.float64), axis=0)
    if dtype == np.float32:
        assert_close(out, expected, text, **float32(expected), alternatives=lambda: _alternatives(Z))
        assert_float_dtype(out, text, "float32")
    else:
        assert_close(out, expected, text, **FLOAT64, alternatives=lambda: _alternatives(Z))
        assert_float_dtype(out, text, "integer")


@pytest.mark.parametrize("layout", ["Fortran order", "a transposed view", "a strided slice"])
def test_softmax_any_memory_layout(impl, layout):
    """Z may come in Fortran order, as a transposed view or as a strided slice: same probabilities."""
    Z = S.layouts(np.random.default_rng(42).normal(0, 3, size=(6, 4)))[layout]
    _check(impl, Z, f" ({layout})", layout=True)


@pytest.mark.parametrize("scale", [1e3, 1e4, 1e6, 1e300])
def test_softmax_is_stable_for_huge_logits(impl, scale):
    """Logits of magnitude 1e3 and more give the right, finite probabilities."""
    rng = np.random.default_rng(5)
    Z = rng.uniform(-1, 1, size=(10, 7)) * scale
    _check(impl, Z, f" (logits up to {scale:g})")


@pytest.mark.parametrize("low", [-800.0, -1e4, -1e300])
def test_softmax_is_stable_for_very_negative_logits(impl, low):
    """Every logit far below 0 (all exponentials underflow to 0 unshifted): still the right,
    finite probabilities, not 0 / 0."""
    Z = low + np.random.default_rng(8).uniform(0, 3, size=(6, 5)) * (1.0 if low > -1e4 else abs(low) * 1e-3)
    _check(impl, Z, f" (every logit near {low:g})")


@pytest.mark.parametrize("scale", [60.0, 120.0, 1e4])
def test_softmax_float32_logits_that_overflow_float32(impl, scale):
    """float32 overflows at exp(88.7): float32 logits of that size still give finite, right probabilities."""
    Z = (np.random.default_rng(9).uniform(-1, 1, size=(6, 5)) * scale).astype(np.float32)
    text = call_text("softmax", Z=Z) + f" (float32 logits up to {scale:g})"
    with np.errstate(all="ignore"):
        out = call(impl.fn("softmax"), Z)
    expected = special.softmax(Z.astype(np.float64), axis=0)
    assert_close(out, expected, text, **float32(expected), alternatives=lambda: _alternatives(Z))


def test_softmax_columns_at_very_different_scales(impl):
    """Each column is shifted by its own max: columns near 0, near +3000 and near -3000 all come out right."""
    rng = np.random.default_rng(6)
    Z = rng.normal(0, 1, size=(10, 6))
    Z[:, 1] += 3000.0
    Z[:, 2] -= 3000.0
    Z[:, 4] *= 1e-3
    Z[:, 5] = Z[:, 5] * 50 + 800
    _check(impl, Z, " (columns at very different scales)")


def test_softmax_of_equal_logits_is_uniform(impl):
    """A column of equal logits, however large, gives 1/k everywhere."""
    Z = np.tile(np.array([[0.0, 5.0, -700.0, 1e4, -1e4]]), (8, 1))
    _check(impl, Z, " (each column constant)")


@given(S.logits(), S.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant(impl, Z, c):
    """Adding the same number to every entry of a column does not change its softmax."""
    softmax = impl.fn("softmax")
    shifts = c * np.linspace(-1, 1, Z.shape[1])[None, :]
    text = call_text("softmax", Z=Z + shifts) + " (Z shifted per column)"
    with np.errstate(all="ignore"):
        base = call(softmax, Z)
        shifted = call(softmax, Z + shifts)
    assert_shape(base, Z.shape, call_text("softmax", Z=Z))
    assert_close(shifted, np.asarray(base, dtype=np.float64), text, **SHIFT_INVARIANCE)


def test_softmax_raises_no_floating_point_warnings(impl):
    """No overflow, invalid-value or divide-by-zero warning at logits of 1e3 and more (underflow to 0 is fine)."""
    rng = np.random.default_rng(7)
    Z = rng.uniform(-1, 1, size=(10, 5)) * 1e4
    Z[:, 0] = 1e3
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("always")
        call(impl.fn("softmax"), Z)
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        fail(f"{call_text('softmax', Z=Z)} raised {len(numeric)} floating-point warning(s), the first: "
             f"{numeric[0].message}", "overflow")


def test_softmax_leaves_z_unchanged(impl):
    """softmax does not modify Z (no Z -= Z.max(...) on the caller's array)."""
    Z = np.random.default_rng(8).normal(0, 2, size=(6, 6))
    check_no_mutation(impl.fn("softmax"), call_text("softmax", Z=Z), Z=Z)


@pytest.mark.parametrize("name", ['softmax'])
def test_softmax_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
