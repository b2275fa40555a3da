"""One tolerance per quantity the kata tests compare, in one place, and the rule that keeps a
structural check (a sum, a range) from being stricter than the value check of the same output.

An entry ``got`` passes against ``expected`` when ``|got - expected| <= atol + rtol * |expected|``
(``np.isclose``). Each tolerance below says which results it is for and why it is that size:

- ``EXACT``: results that are chosen, not computed (ReLU's entries, one-hot labels,
  predictions, a copy): any correct code gives these bits.
- ``FLOAT64``: a float64 result of a few operations (softmax, forward, a loss, a linear layer):
  correct code that sums in another order, adds a harmless epsilon to a denominator or takes
  ``exp(log_softmax)`` differs by far less than 1e-9 relative.
- ``FLOAT64_REPEAT``: one result compared with itself computed otherwise by the same formula
  (symmetries, a second call, train's returned parameters against its own last step).
- ``GRADIENT``: an analytic gradient against the oracle's, summed over m examples in another
  order (linear_backward, the loss's dZ).
- ``CENTRAL_DIFFERENCE``: an analytic gradient against central differences of the loss in
  float64 (backward): the differences themselves are good to about 1e-7 relative.
- ``NUMERICAL_GRADIENT``: a learner's central differences against the exact derivative.
- ``TRAJECTORY``: train's losses and parameters step by step against the trusted loop.
- ``CUBIC_DIFFERENCE``: a learner's central differences of a cubic against their exact value
  (``3x^2 + h^2``): only rounding separates them.
- ``ONE_OPERATION``: a result of one float64 operation (``A - Y``).
- ``RATIO``: a relative error, a ratio of norms; ``RATIO_REPEAT``: the same ratio computed
  with its arguments swapped or scaled.
- ``FRACTION``: a fraction of counts (accuracy), exact but for the division's rounding.
- ``SHIFT_INVARIANCE``: a softmax of shifted logits against the same softmax unshifted:
  a shift of hundreds costs digits in any correct float64 code.
- ``NEAR``: only for choosing a hint (is the answer near a known mistake's?), never a verdict.
- ``float32(expected)``: float32 inputs, compared with the float64 answer for the same
  inputs, to about 100 float32 roundings of the largest entry.

A structural check of an output derives its tolerance from the value check of that output
(``sum_of``, ``within_range``): a column of k entries, each allowed ``atol + rtol * |e|``, may
sum to within ``k * atol + rtol * sum(|e|)`` of its expected sum. So no correct answer that
passes the value check can fail the structure check of the same output.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance(Mapping):
    """``rtol`` and ``atol``; a mapping, so that ``assert_close(..., **FLOAT64)`` reads them."""

    rtol: float
    atol: float

    def __getitem__(self, key: str) -> float:
        if key not in ("rtol", "atol"):
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(("rtol", "atol"))

    def __len__(self) -> int:
        return 2

    def bound(self, expected) -> np.ndarray:
        """The largest difference allowed from each entry of ``expected``."""
        return self.atol + self.rtol * np.abs(np.asarray(expected, dtype=np.float64))

    def sum_of(self, expected, axis: int = 0) -> np.ndarray:
        """The largest difference allowed from ``expected.sum(axis)`` when every entry is within
        this tolerance of ``expected``: what a sum check of the same output may allow, no less."""
        return np.sum(self.bound(expected), axis=axis)


EXACT = Tolerance(0.0, 0.0)
FLOAT64 = Tolerance(1e-9, 1e-12)
FLOAT64_REPEAT = Tolerance(1e-12, 1e-12)
GRADIENT = Tolerance(1e-6, 1e-9)
CENTRAL_DIFFERENCE = Tolerance(1e-5, 1e-8)
NUMERICAL_GRADIENT = Tolerance(1e-7, 1e-7)
TRAJECTORY = Tolerance(1e-8, 1e-12)
CUBIC_DIFFERENCE = Tolerance(1e-8, 1e-9)
ONE_OPERATION = Tolerance(1e-12, 1e-15)
RATIO = Tolerance(1e-9, 1e-15)
RATIO_REPEAT = Tolerance(1e-12, 0.0)
FRACTION = Tolerance(1e-12, 1e-12)
SHIFT_INVARIANCE = Tolerance(1e-6, 1e-9)
NEAR = Tolerance(1e-6, 1e-9)
# float32 inputs: one policy in every kata (docs/contracts.md).
FLOAT32_RTOL = 1e-5


def float32(expected) -> Tolerance:
    """float32 inputs: the float64 answer for the same inputs, to ``FLOAT32_RTOL`` relative and
    an absolute floor scaled by the largest entry (at least 1e-5)."""
    e = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(e))) if e.size and np.all(np.isfinite(e)) else 1.0
    return Tolerance(FLOAT32_RTOL, 1e-5 * max(scale, 1.0))


def columns_sum_to(out, expected, tol: Tolerance, axis: int = 0) -> np.ndarray:
    """Per column, whether ``out`` sums to ``expected``'s sum within what ``tol`` allows each
    entry (``Tolerance.sum_of``): a boolean array, one entry per column."""
    out = np.asarray(out, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.abs(out.sum(axis=axis) - np.asarray(expected, dtype=np.float64).sum(axis=axis)) \
            <= tol.sum_of(expected, axis=axis)


def within_range(out, low: float, high: float, tol: Tolerance) -> np.ndarray:
    """Per entry, whether ``out`` lies in [low, high] widened by what ``tol`` allows at each end."""
    out = np.asarray(out, dtype=np.float64)
    with np.errstate(all="ignore"):
        return (out >= low - tol.bound(low)) & (out <= high + tol.bound(high))
