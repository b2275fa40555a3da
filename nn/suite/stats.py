"""The two goodness-of-fit tests the init kata needs, on scipy.special alone.

They give the p-values of ``scipy.stats.kstest`` and of a two-sided chi-square test
(tests/support checks the agreement), without importing ``scipy.stats``, whose
import alone costs about 0.4 s of every run a learner makes.
"""
from __future__ import annotations

import numpy as np
from scipy import special


EXACT_N = 10_000  # above it, Stephens' corrected asymptotic form (scipy's own limit for exact 2-sample p)


def ks_pvalue(samples, cdf) -> float:
    """Two-sided one-sample Kolmogorov-Smirnov p-value of ``samples`` against ``cdf``."""
    x = np.sort(np.asarray(samples, dtype=np.float64).ravel())
    n = x.size
    F = cdf(x)
    d_plus = np.max(np.arange(1, n + 1) / n - F)
    d_minus = np.max(F - np.arange(n) / n)
    d = max(d_plus, d_minus)
    if n > EXACT_N:  # the exact tail's cost grows with n (0.1 s at 50,000 draws); this is within 1% near alpha
        return float(min(1.0, special.kolmogorov((np.sqrt(n) + 0.12 + 0.11 / np.sqrt(n)) * d)))
    # Twice the exact one-sided tail: scipy's own approximation for the two-sided test.
    return float(min(1.0, 2.0 * special.smirnov(n, d)))


def normal_cdf(sd: float, mean: float = 0.0):
    return lambda x: special.ndtr((x - mean) / sd)


def uniform_cdf(low: float, high: float):
    return lambda x: np.clip((x - low) / (high - low), 0.0, 1.0)


def chi2_two_sided_pvalue(statistic: float, df: int) -> float:
    return float(2.0 * min(special.chdtr(df, statistic), special.chdtrc(df, statistic)))
