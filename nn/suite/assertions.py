"""Assertion helpers whose failures teach: the call, the expected and actual shape,
the worst entry, and a hint when the mistake is a known one (see ``nn.suite.diagnose``).
"""
from __future__ import annotations

import copy
import re

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


def num(x) -> str:
    """A number as a learner reads it: -0.93, 1e-08, 3, nan; never np.float64(-0.93)."""
    try:
        v = np.asarray(x).item()
    except (ValueError, TypeError):
        return str(x)
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.10g}"
    return str(v)


def index(i) -> str:
    """[0, 1] for a NumPy index tuple of np.int64s."""
    if not isinstance(i, tuple):
        i = (i,)
    return "[" + ", ".join(str(int(j)) for j in i) + "]"


def describe(x) -> str:
    """A one-line description of a value: shape and dtype for arrays, never the whole array."""
    if x is None:
        return "None"
    if isinstance(x, dict):
        return "dict with keys " + ", ".join(repr(k) for k in x)
    if isinstance(x, (tuple, list)) and not all(np.isscalar(v) for v in x):
        return f"{type(x).__name__} of {len(x)}: (" + ", ".join(describe(v) for v in x) + ")"
    if np.isscalar(x) and not isinstance(x, str):
        return f"{type(x).__name__} {num(x)}"
    try:
        a = np.asarray(x)
    except Exception:
        return type(x).__name__
    if a.dtype == object:
        return type(x).__name__
    text = f"{a.shape} {a.dtype}" if a.ndim else f"0-d {a.dtype} {num(a)}"
    if a.ndim >= 2 and not a.flags.c_contiguous:
        text += ", Fortran order" if a.flags.f_contiguous else ", a non-contiguous view"
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
    return call_as_is(fn, *copy.deepcopy(args), **copy.deepcopy(kwargs))


def call_as_is(fn, *args, **kwargs):
    """Call a learner's function on the very arrays given (a view keeps its layout), and turn
    NumPy's refusal to write floats into an integer array into the lesson it carries."""
    try:
        return fn(*args, **kwargs)
    except TypeError as exc:
        if "Cannot cast ufunc" in str(exc) or "cannot cast" in str(exc).lower():
            name = getattr(fn, "__name__", "the function")
            fail(f"{name} raised {type(exc).__name__}: {exc}", "int-buffer")
        raise


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


def is_bias(what: str) -> bool:
    """Whether a value named ``what`` is a bias or a bias gradient (b1, db, params['b2']): only then is a (n,)
    vector where (n, 1) belongs the bias mistake; elsewhere it is a missing axis."""
    return re.search(r"(?<![A-Za-z])d?b\d?(?![A-Za-z0-9])", what) is not None


def _shape_message(call: str, what: str, expected_shape, got) -> str:
    return f"{call} gave the wrong shape for the {what}\n  expected: {tuple(expected_shape)}\n  got:      {describe(got)}"


def assert_shape(actual, expected_shape, call: str, what: str = "result", expected=None, alternatives=None) -> np.ndarray:
    a = as_array(actual, call, what)
    if a.shape != tuple(expected_shape):
        if expected is not None:
            mid = _diagnose.diagnose(a, expected, alternatives=alternatives, bias=is_bias(what))
        else:
            mid = _diagnose.shape_misconception(a.shape, expected_shape)
            if mid in ("bias-vector", "bias-row") and not is_bias(what):
                mid = None
        fail(_shape_message(call, what, expected_shape, a), mid)
    return a


def assert_close(
    actual,
    expected,
    call: str,
    *,
    rtol: float,
    atol: float,
    what: str = "result",
    m: int | None = None,
    k: int | None = None,
    mask=None,
    alternatives=None,
    misconception: str | None = None,
    wrong_m=(),
    nonfinite: str | None = "overflow",
) -> np.ndarray:
    """Shape first, then values; the message names the worst entry and a likely mistake.
    ``rtol`` and ``atol`` have no default: each check names its quantity's tolerance
    (``nn.suite.tolerances``), as ``**FLOAT64``."""
    expected = np.asarray(expected, dtype=np.float64)
    if actual is None:
        fail(f"{call} returned None", "returned-none")
    a = as_array(actual, call, what)
    if a.shape != expected.shape:
        fail(_shape_message(call, what, expected.shape, a),
             misconception or _diagnose.diagnose(a, expected, m=m, k=k, alternatives=alternatives, wrong_m=wrong_m,
                                                 bias=is_bias(what)))
    raw = a
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
    mid = misconception or _diagnose.diagnose(raw, expected, m=m, k=k, mask=mask, alternatives=alternatives,
                                               wrong_m=wrong_m, nonfinite=nonfinite)
    message = (
        f"{call} returned wrong values for the {what}\n"
        f"  shape:    {a.shape} (right)\n"
        f"  wrong:    {int(np.sum(bad))} of {a.size} entries (tolerance rtol={rtol:g}, atol={atol:g})\n"
        f"  worst entry{where}: expected {num(expected[worst])}, got {num(a[worst])}"
    )
    fail(message, mid)


def assert_scalar(value, call: str, what: str = "result", m: int | None = None) -> float:
    """A Python float, a NumPy float or a 0-d array all count as a number."""
    a = as_array(value, call, what)
    if a.ndim != 0:
        mid = None
        if a.size == 1:
            mid = "extra-dimension"
        elif m is not None and m > 1 and a.size == m:
            mid = "per-example"
        fail(f"{call} should return a single number, got {describe(a)}", mid)
    return float(a)


def assert_float_dtype(value, call: str, inputs: str, what: str = "result") -> np.ndarray:
    """float64 inputs (or integers) give a float64 result; float32 inputs a float32 or float64 one."""
    a = as_array(value, call, what)
    allowed = (np.float64,) if inputs in ("float64", "integer") else (np.float32, np.float64)
    if a.dtype.type not in allowed:
        names = " or ".join(np.dtype(t).name for t in allowed)
        fail(f"{call} returned the {what} as {a.dtype}; with {inputs} inputs it must be {names}", "dtype")
    return a


def _worst_change(old: np.ndarray, new: np.ndarray) -> tuple:
    """The index of the entry that changed most between two arrays of one shape (NaN to NaN is
    no change; to or from NaN, the most)."""
    with np.errstate(all="ignore"):
        diff = np.where(np.isnan(new) & np.isnan(old), 0.0, np.abs(new.astype(float) - old.astype(float)))
    diff = np.where(np.isnan(diff), np.inf, diff)
    return np.unravel_index(int(np.argmax(diff)), old.shape) if old.ndim else ()


def assert_unchanged(before: dict, after: dict, call: str) -> None:
    for name, old in before.items():
        new = after[name]
        if isinstance(old, dict):
            assert_unchanged({f"{name}[{k!r}]": v for k, v in old.items()},
                             {f"{name}[{k!r}]": new.get(k) for k in old}, call)
            continue
        same = isinstance(new, np.ndarray) and new.shape == old.shape and np.array_equal(new, old, equal_nan=True)
        if not same:
            detail = ""
            if isinstance(new, np.ndarray) and new.shape == old.shape:
                i = _worst_change(old, new)
                detail = f" ({name}{index(i) if old.ndim else ''} was {num(old[i])}, is now {num(new[i])})"
            fail(f"{call} modified its argument {name}: it must leave its inputs as they were{detail}", "mutates-input")


def check_no_mutation(fn, call: str, **args):
    """Call fn(**args) in order and fail if any array argument changed."""
    before = copy.deepcopy(args)
    call_as_is(fn, *args.values())
    assert_unchanged(before, args, call)


def _first_change(old, new, where: str):
    """Where ``new`` no longer holds what ``old`` held, with both values; None if nowhere."""
    if isinstance(old, dict):
        for k, v in old.items():
            found = _first_change(v, new.get(k) if isinstance(new, dict) else None, f"{where}[{k!r}]")
            if found:
                return found
        return None
    if isinstance(old, (list, tuple)):
        for i, v in enumerate(old):
            found = _first_change(v, new[i] if isinstance(new, (list, tuple)) and i < len(new) else None,
                                  f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(old, np.ndarray):
        if not isinstance(new, np.ndarray) or new.shape != old.shape:
            return where, "", ""
        if np.array_equal(old, new, equal_nan=True):
            return None
        i = _worst_change(old, new)
        return f"{where}{index(i) if old.ndim else ''}", num(old[i]), num(new[i])
    return None


def check_results_kept(fn, name: str, first: tuple, second: tuple) -> None:
    """A result is the caller's: calling ``fn`` a second time, on other values of the same
    shapes, leaves what the first call returned as it was. ``first``/``second``: (args, kwargs)."""
    out = call(fn, *first[0], **first[1])
    kept = copy.deepcopy(out)
    call(fn, *second[0], **second[1])
    changed = _first_change(kept, out, "the first result")
    if changed:
        where, was, now = changed
        detail = f": {where} was {was}, is now {now}" if was else f": {where} changed"
        fail(f"{name}(...) called a second time, on other inputs of the same shapes, changed what the first call "
             f"returned{detail}. Return new arrays each call: a buffer or object kept between calls is shared "
             "with every caller, and the next call overwrites it", "shared-state")
