"""Kata gradcheck: the learner's own numerical_gradient(f, x, h) and relative_error(a, b)."""
import warnings

import numpy as np
import pytest
from hypothesis import given

from nn.suite import strategies as S
from nn.suite.assertions import (assert_close, assert_float_dtype, assert_scalar, assert_shape, call_as_is, call_text,
                                 fail, index, num)
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import CUBIC_DIFFERENCE, FLOAT64_REPEAT, NUMERICAL_GRADIENT, RATIO, RATIO_REPEAT

pytestmark = pytest.mark.kata_gradcheck


def _cubic(c):
    """f(x) = sum(c * x^3) + sum(sin x): its gradient 3 c x^2 + cos x is known exactly."""
    return (lambda x: float(np.sum(c * x ** 3) + np.sum(np.sin(x))),
            lambda x: 3 * c * x ** 2 + np.cos(x))


@given(S.shapes(max_rows=5, max_cols=5).flatmap(lambda s: S.matrices(s, S.floats(-2, 2))))
def test_numerical_gradient_matches_the_exact_gradient(impl, x):
    """numerical_gradient(f, x) agrees with the exact gradient to about h^2 (central differences)."""
    c = np.linspace(0.5, 2.0, x.size).reshape(x.shape)
    f, grad = _cubic(c)
    x_in = x.copy()
    text = call_text("numerical_gradient", f=f, x=x) + " with f(x) = sum(c x^3) + sum(sin x)"
    exact = grad(x)
    out = assert_shape(call_as_is(impl.fn("numerical_gradient"), f, x_in), x.shape, text, what="gradient", expected=exact)
    # Central differences are accurate to ~1e-10 here; one-sided ones are off by ~1e-5.
    assert_close(out, exact, text, **NUMERICAL_GRADIENT,
                 alternatives={"forward-difference": _one_sided(f, x), "two-h": 2 * exact})


def _one_sided(f, x, h=1e-5):
    x = x.copy()
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        base = f(x)
        x[i] = old + h
        g[i] = (f(x) - base) / h
        x[i] = old
    return g


def test_numerical_gradient_uses_h(impl):
    """The step h is the one passed in: with h = 1e-3 a cubic's central difference is off by exactly c h^2."""
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    f = lambda v: float(np.sum(v ** 3))  # noqa: E731
    h = 1e-3
    out = call_as_is(impl.fn("numerical_gradient"), f, x.copy(), h)
    # (f(x+h) - f(x-h)) / 2h = 3x^2 + h^2 exactly for a cubic
    assert_close(out, 3 * x ** 2 + h ** 2, call_text("numerical_gradient", f=f, x=x) + f", h={h:g}",
                 **CUBIC_DIFFERENCE, alternatives={"two-h": 2 * (3 * x ** 2 + h ** 2),
                                                      "ignores-argument": 3 * x ** 2 + 1e-10})


@pytest.mark.parametrize("layout", ["Fortran order", "a transposed view", "a strided slice"])
def test_numerical_gradient_perturbs_x_in_any_memory_layout(impl, layout):
    """x may be in Fortran order, a transposed view or a strided slice (a learner's he_normal can return one):
    the nudges must still reach f, and x must be restored."""
    base = np.array([[0.5, -1.0, 0.75], [2.0, 0.25, -0.5]])
    x = S.layouts(base)[layout]
    c = np.linspace(0.5, 2.0, base.size).reshape(base.shape)
    f, grad = _cubic(c)
    text = call_text("numerical_gradient", f=f, x=x) + f" with f(x) = sum(c x^3) + sum(sin x), x in {layout}"
    out = assert_shape(call_as_is(impl.fn("numerical_gradient"), f, x), base.shape, text, what="gradient",
                       expected=grad(base))
    assert_close(out, grad(base), text, **NUMERICAL_GRADIENT, alternatives={"copies-x": np.zeros(base.shape)})
    if not np.allclose(x, base, **FLOAT64_REPEAT):
        i = np.unravel_index(int(np.argmax(np.abs(x - base))), base.shape)
        fail(f"{text} left x changed: x{index(i)} was {num(base[i])}, is now {num(x[i])}", "not-restored")


def test_numerical_gradient_returns_float64(impl):
    """For a float64 x the estimate is float64: a float32 result throws away the digits the check needs."""
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    text = call_text("numerical_gradient", f=np.sum, x=x)
    out = assert_shape(call_as_is(impl.fn("numerical_gradient"), lambda v: float(np.sum(v ** 2)), x), x.shape, text,
                       what="gradient", expected=2 * x)
    assert_float_dtype(out, text, "float64")


def test_numerical_gradient_restores_x(impl):
    """x holds the same values afterwards as before."""
    rng = np.random.default_rng(15)
    x = rng.normal(size=(3, 4))
    original = x.copy()
    call_as_is(impl.fn("numerical_gradient"), lambda v: float(np.sum(v ** 2)), x)
    if not np.allclose(x, original, **FLOAT64_REPEAT):
        i = np.unravel_index(int(np.argmax(np.abs(x - original))), x.shape)
        fail(f"numerical_gradient(f, x) left x changed: x{index(i)} was {num(original[i])}, is now {num(x[i])}",
             "not-restored")


def test_numerical_gradient_perturbs_x_in_place(impl):
    """f may read x through a closure (a loss of params['W1']): the nudges must reach x itself."""
    rng = np.random.default_rng(16)
    params = {"W1": rng.normal(size=(2, 3))}
    C = rng.normal(size=(2, 3))
    loss = lambda _: float(np.sum(C * params["W1"] ** 2))  # noqa: E731 - ignores its argument on purpose
    text = "numerical_gradient(lambda _: loss(params), params['W1'])"
    out = assert_shape(call_as_is(impl.fn("numerical_gradient"), loss, params["W1"]), (2, 3), text, what="gradient")
    assert_close(out, 2 * C * params["W1"], text, **NUMERICAL_GRADIENT,
                 alternatives={"copies-x": np.zeros((2, 3))})


@given(S.shapes().flatmap(lambda s: S.matrices(s).flatmap(lambda a: S.matrices(s).map(lambda b: (a, b)))))
def test_relative_error_formula(impl, pair):
    """relative_error(a, b) is the relative error the docstring defines, over all entries at once."""
    a, b = pair
    text = call_text("relative_error", a=a, b=b)
    with np.errstate(all="ignore"):
        got = assert_scalar(call_as_is(impl.fn("relative_error"), a.copy(), b.copy()), text)
    if not np.any(a) and not np.any(b) and np.isnan(got):
        fail(f"{text} returned nan for two zero arrays, expected 0.0", "zero-over-zero")
    assert_close(got, _relative_error(a, b), text, **RATIO, alternatives=lambda: _formulas(a, b), nonfinite=None)


def _relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.sqrt(np.sum(a ** 2)) + np.sqrt(np.sum(b ** 2))
    return 0.0 if denom == 0 else float(np.sqrt(np.sum((a - b) ** 2)) / denom)


def _formulas(a, b):
    """Other relative errors a learner may write: element-wise, L1, the larger norm, an eps in the denominator."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    na, nb, nd = np.linalg.norm(a), np.linalg.norm(b), np.linalg.norm(a - b)
    alts = []
    with np.errstate(all="ignore"):
        alts.append(("relative-error-formula", np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))))
        alts.append(("relative-error-formula", np.abs(a - b).sum() / (np.abs(a).sum() + np.abs(b).sum())))
        alts.append(("relative-error-formula", nd / max(na, nb) if max(na, nb) > 0 else 0.0))
        alts.append(("relative-error-formula", nd ** 2 / (na ** 2 + nb ** 2)))
        for eps in (1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6):
            alts.append(("eps-in-ratio", nd / (na + nb + eps)))
    return alts


@pytest.mark.parametrize("scale", [1e-9, 1e-6, 1.0, 1e6])
def test_relative_error_at_every_scale(impl, scale):
    """The ratio does not depend on the arrays' size: gradients of 1e-9 are compared as exactly as gradients of 1
    (no eps in the denominator, no other formula)."""
    rng = np.random.default_rng(47)
    a = rng.normal(size=(3, 4)) * scale
    b = a + rng.normal(size=(3, 4)) * scale * 0.1
    text = call_text("relative_error", a=a, b=b)
    got = assert_scalar(call_as_is(impl.fn("relative_error"), a, b), text)
    assert_close(got, _relative_error(a, b), text, **RATIO, alternatives=lambda: _formulas(a, b), nonfinite=None)


@pytest.mark.parametrize("layout", ["Fortran order", "a transposed view", "a strided slice"])
def test_relative_error_any_memory_layout(impl, layout):
    """a and b may come in any memory layout."""
    rng = np.random.default_rng(48)
    a, b = (S.layouts(rng.normal(size=(3, 5)))[layout] for _ in range(2))
    text = call_text("relative_error", a=a, b=b) + f" ({layout})"
    got = assert_scalar(call_as_is(impl.fn("relative_error"), a, b), text)
    assert_close(got, _relative_error(a, b), text, **RATIO, alternatives=lambda: _formulas(a, b), nonfinite=None)


def test_relative_error_of_two_zero_arrays_is_zero(impl):
    """relative_error(0, 0) is 0.0, with no division-by-zero warning and no NaN."""
    z = np.zeros((3, 2))
    text = call_text("relative_error", a=z, b=z)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        got = assert_scalar(call_as_is(impl.fn("relative_error"), z, z.copy()), text)
    if got != 0.0:
        fail(f"{text} returned {num(got)}, expected 0.0 when both arrays are zero",
             "zero-over-zero" if np.isnan(got) else None)
    if any(issubclass(w.category, RuntimeWarning) for w in caught):
        fail(f"{text} divided 0 by 0 on the way (a RuntimeWarning); check for a zero denominator first", "zero-over-zero")


def test_relative_error_is_symmetric_and_scale_free(impl):
    """relative_error(a, b) == relative_error(b, a) == relative_error(10a, 10b), and 1 for a against -a."""
    rng = np.random.default_rng(17)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    fn = impl.fn("relative_error")
    ab = assert_scalar(call_as_is(fn, a, b), call_text("relative_error", a=a, b=b))
    ba = assert_scalar(call_as_is(fn, b, a), call_text("relative_error", a=b, b=a))
    scaled = assert_scalar(call_as_is(fn, 10 * a, 10 * b), call_text("relative_error", a=10 * a, b=10 * b))
    opposite = assert_scalar(call_as_is(fn, a, -a), call_text("relative_error", a=a, b=-a))
    assert_close(ba, ab, "relative_error(b, a) compared with relative_error(a, b)", **RATIO_REPEAT, nonfinite=None)
    assert_close(scaled, ab, "relative_error(10a, 10b) compared with relative_error(a, b)", **RATIO_REPEAT, nonfinite=None)
    assert_close(opposite, 1.0, "relative_error(a, -a)", **RATIO_REPEAT, nonfinite=None)


@pytest.mark.parametrize("name", ['numerical_gradient'])
def test_gradcheck_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
