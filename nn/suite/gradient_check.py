"""The trusted gradient checker: central differences in float64 and a relative error.

The suite uses this module, never the learner's ``gradcheck`` kata, to judge
gradients. It works on a private copy of ``x`` so that it cannot be fooled by a
function that keeps a reference to its argument.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_H = 1e-5
DEFAULT_THRESHOLD = 1e-6
# Central differences carry a rounding error of about eps * |f| / h ~ 1e-11 |f|. When the
# gradient itself is that small the relative error means nothing, so a gradient whose
# every entry is within DEFAULT_ATOL of the estimate passes too.
DEFAULT_ATOL = 1e-7


def relative_error(a, b) -> float:
    """||a - b|| / (||a|| + ||b||), and 0.0 when both are zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denom)


def numerical_gradient(f, x, h: float = DEFAULT_H, indices=None) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    ``indices`` limits the work to some flat positions (the rest stay NaN), which
    is how a large weight matrix is checked on a sample.
    """
    x = np.array(x, dtype=np.float64)  # private copy: the caller's array is never touched
    grad = np.full(x.shape, np.nan)
    flat_x = x.reshape(-1)
    flat_g = grad.reshape(-1)
    positions = range(flat_x.size) if indices is None else indices
    for i in positions:
        old = flat_x[i]
        flat_x[i] = old + h
        f_plus = float(f(x))
        flat_x[i] = old - h
        f_minus = float(f(x))
        flat_x[i] = old
        flat_g[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def numerical_gradient_many(f_many, x, h: float = DEFAULT_H, indices=None, chunk: int = 128) -> np.ndarray:
    """``numerical_gradient`` for a function that takes a stack of points, ``(k, *x.shape)``,
    and returns their ``k`` values: the same central differences, in a few vectorised calls
    instead of two calls an entry (the gradient checks of the suite spend most of their
    time in those calls)."""
    x = np.array(x, dtype=np.float64)
    grad = np.full(x.shape, np.nan)
    flat_g = grad.reshape(-1)
    positions = np.arange(x.size) if indices is None else np.asarray(indices, dtype=np.intp)
    for start in range(0, len(positions), chunk):
        part = positions[start:start + chunk]
        k = len(part)
        stack = np.broadcast_to(x, (2 * k,) + x.shape).copy()
        flat = stack.reshape(2 * k, -1)
        rows = np.arange(k)
        flat[rows, part] = x.reshape(-1)[part] + h
        flat[k + rows, part] = x.reshape(-1)[part] - h
        values = np.asarray(f_many(stack), dtype=np.float64).reshape(2 * k)
        flat_g[part] = (values[:k] - values[k:]) / (2.0 * h)
    return grad


@dataclass
class GradCheck:
    name: str
    error: float
    threshold: float
    worst_index: tuple
    numeric_at_worst: float
    analytic_at_worst: float
    checked: int
    total: int
    max_abs_diff: float = 0.0
    atol: float = DEFAULT_ATOL

    @property
    def ok(self) -> bool:
        if not np.isfinite(self.error):
            return False
        return self.error <= self.threshold or self.max_abs_diff <= self.atol

    def __str__(self) -> str:
        scope = "all" if self.checked == self.total else f"{self.checked} sampled"
        return (
            f"{self.name}: relative error {self.error:.3g} (threshold {self.threshold:.0e}, "
            f"{scope} of {self.total} entries); worst entry {self.name}{list(self.worst_index)}: "
            f"finite differences {self.numeric_at_worst:.8g}, yours {self.analytic_at_worst:.8g}"
        )


def check_gradient(
    f,
    x,
    analytic,
    name: str = "x",
    threshold: float = DEFAULT_THRESHOLD,
    h: float = DEFAULT_H,
    atol: float = DEFAULT_ATOL,
    sample: int | None = None,
    rng: np.random.Generator | None = None,
    many: bool = False,
) -> GradCheck:
    """Compare ``analytic`` with central differences of ``f`` at ``x``.

    With ``sample``, only that many entries (chosen with ``rng``) are differenced. With
    ``many``, ``f`` takes a stack of points and returns their values (``numerical_gradient_many``).
    The analytic gradient must already have the shape of ``x``; shape mistakes are
    for the caller to report, since they deserve their own message.
    """
    x = np.asarray(x, dtype=np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"{name}: gradient shape {analytic.shape} differs from {x.shape}")
    total = x.size
    if sample is not None and sample < total:
        rng = rng if rng is not None else np.random.default_rng(0)
        indices = np.sort(rng.choice(total, size=sample, replace=False))
    else:
        indices = np.arange(total)
    numeric = (numerical_gradient_many if many else numerical_gradient)(f, x, h=h, indices=indices).reshape(-1)[indices]
    mine = analytic.reshape(-1)[indices]
    error = relative_error(numeric, mine) if np.all(np.isfinite(mine)) else float("inf")
    diff = np.abs(numeric - mine)
    diff = np.where(np.isfinite(diff), diff, np.inf)
    worst = int(np.argmax(diff))
    return GradCheck(
        name=name,
        error=error,
        threshold=threshold,
        worst_index=tuple(int(i) for i in np.unravel_index(indices[worst], x.shape)),
        numeric_at_worst=float(numeric[worst]),
        analytic_at_worst=float(mine[worst]),
        checked=len(indices),
        total=total,
        max_abs_diff=float(diff[worst]),
        atol=atol,
    )
