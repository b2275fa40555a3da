"""Assertion helpers whose failures teach: the call, the expected and actual shape,
the worst entry, and a hint when the mistake is a known one (see ``nn.suite.diagnose``).
"""
from __future__ import annotations

import copy

import numpy as np

from . import diagnose as _diagnose


class KataFailure(AssertionError):
    """A wrong answer, with a message for the learner and the misconception it matches."""

    def __init__(self, message: str, misconception: str | None = None):
        if misconception:
            m = _diagnose.get(misconception)
            message = f"{message}\n  likely mistake: {m.title}\n  hint: {m.hint}"
        super().__init__(message)
        self.misconception = misconception


def fail(message: str, misconception: str | None = None):
    raise KataFailure(message, misconception)


def describe(x) -> str:
    """A one-line description of a value: shape and dtype for arrays, never the whole array."""
    if x is None:
        return "None"
    if isinstance(x, dict):
        return "dict with keys " + ", ".join(repr(k) for k in x)
    if isinstance(x, (tuple, list)) and not all(np.isscalar(v) for v in x):
        return f"{type(x).__name__} of {len(x)}: (" + ", ".join(describe(v) for v in x) + ")"
    if np.isscalar(x) and not isinstance(x, str):
        return f"{type(x).__name__} {x!r}"
    try:
        a = np.asarray(x)
    except Exception:
        return type(x).__name__
    if a.dtype == object:
        return type(x).__name__
    text = f"{a.shape} {a.dtype}" if a.ndim else f"0-d {a.dtype} {a.item()!r}"
    if a.size and a.ndim and np.issubdtype(a.dtype, np.number):
        with np.errstate(all="ignore"):
            text += f", entries in [{np.nanmin(a):.4g}, {np.nanmax(a):.4g}]" if np.any(np.isfinite(a)) else ", no finite entries"
    return text


def call_text(name: str, **args) -> str:
    """``softmax(Z) with Z: (10, 3) float64, entries in [...]``."""
    inner = ", ".join(args)
    shown = "; ".join(f"{k}: {describe(v)}" for k, v in args.items() if not callable(v))
    return f"{name}({inner})" + (f" with {shown}" if shown else "")


def call(fn, *args, **kwargs):
    """Call a learner's function on private copies, so an in-place mistake in it cannot
    change what the test compares against (that mistake has a test of its own)."""
    return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def as_array(value, call: str, what: str = "result") -> np.ndarray:
    if value is None:
        fail(f"{call} returned None", "returned-none")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # an object NumPy cannot read is a wrong answer, not a crash
        fail(f"{call}: the {what} is a {type(value).__name__}, which is not an array ({exc})")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        fail(f"{call}: the {what} is a {type(value).__name__} of {arr.dtype}, not an array of numbers")
    return arr  # np.asarray drops ndarray subclasses, so one that lies in __eq__ is read plainly


def _shape_message(call: str, what: str, expected_shape, got) -> str:
    return f"{call} gave the wrong shape for the {what}\n  expected: {tuple(expected_shape)}\n  got:      {describe(got)}"


def assert_shape(actual, expected_shape, call: str, what: str = "result", expected=None, alternatives=None) -> np.ndarray:
    a = as_array(actual, call, what)
    if a.shape != tuple(expected_shape):
        mid = None
        if expected is not None:
            mid = _diagnose.diagnose(a, expected, alternatives=alternatives)
        elif len(expected_shape) == 2 and a.shape == tuple(expected_shape)[::-1]:
            mid = "transposed"
        elif len(expected_shape) == 2 and expected_shape[1] == 1 and a.shape == (expected_shape[0],):
            mid = "bias-vector"
        elif a.ndim == 0 and int(np.prod(expected_shape)) > 1:
            mid = "scalar-sum"
        elif a.size > int(np.prod(expected_shape)):
            mid = "silent-broadcast"
        fail(_shape_message(call, what, expected_shape, a), mid)
    return a


def assert_close(
    actual,
    expected,
    call: str,
    *,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    what: str = "result",
    m: int | None = None,
    k: int | None = None,
    mask=None,
    alternatives=None,
    misconception: str | None = None,
) -> np.ndarray:
    """Shape first, then values; the message names the worst entry and a likely mistake."""
    expected = np.asarray(expected, dtype=np.float64)
    if actual is None:
        fail(f"{call} returned None", "returned-none")
    a = as_array(actual, call, what)
    if a.shape != expected.shape:
        fail(_shape_message(call, what, expected.shape, a),
             misconception or _diagnose.diagnose(a, expected, m=m, k=k, alternatives=alternatives))
    a = a.astype(np.float64)
    with np.errstate(all="ignore"):
        bad = ~np.isclose(a, expected, rtol=rtol, atol=atol)
    if not np.any(bad):
        return a
    with np.errstate(all="ignore"):
        err = np.where(bad, np.abs(a - expected), 0.0)
    err = np.where(np.isnan(err), np.inf, err)
    worst = np.unravel_index(int(np.argmax(err)), a.shape) if a.ndim else ()
    where = f" [{', '.join(str(int(i)) for i in worst)}]" if a.ndim else ""
    mid = misconception or _diagnose.diagnose(a, expected, m=m, k=k, mask=mask, alternatives=alternatives)
    message = (
        f"{call} returned wrong values for the {what}\n"
        f"  shape:    {a.shape} (right)\n"
        f"  wrong:    {int(np.sum(bad))} of {a.size} entries (tolerance rtol={rtol:g}, atol={atol:g})\n"
        f"  worst entry{where}: expected {float(expected[worst]):.10g}, got {float(a[worst]):.10g}"
    )
    fail(message, mid)


def assert_scalar(value, call: str, what: str = "result") -> float:
    """A Python float, a NumPy float or a 0-d array all count as a number."""
    a = as_array(value, call, what)
    if a.ndim != 0:
        fail(f"{call} should return a single number, got {describe(a)}",
             "silent-broadcast" if a.size > 1 else None)
    return float(a)


def assert_unchanged(before: dict, after: dict, call: str) -> None:
    for name, old in before.items():
        new = after[name]
        if isinstance(old, dict):
            assert_unchanged({f"{name}[{k!r}]": v for k, v in old.items()},
                             {f"{name}[{k!r}]": new.get(k) for k in old}, call)
            continue
        same = isinstance(new, np.ndarray) and new.shape == old.shape and np.array_equal(new, old, equal_nan=True)
        if not same:
            fail(f"{call} modified its argument {name}: it must leave its inputs as they were", "mutates-input")


def check_no_mutation(fn, call: str, **args):
    """Call fn(**args) in order and fail if any array argument changed."""
    before = copy.deepcopy(args)
    fn(*args.values())
    assert_unchanged(before, args, call)
