"""nn/suite/stats.py gives the same p-values as scipy.stats."""
import numpy as np
import pytest
from scipy import stats as scipy_stats

from nn.suite import stats


def _agree(ours, theirs):
    """Within 2% where it matters (small p, near the rejection level); within 0.06 for large p."""
    if theirs < 0.05:
        assert ours == pytest.approx(theirs, rel=0.02, abs=1e-12)
    else:
        assert abs(ours - theirs) < 0.06


@pytest.mark.parametrize("n", [50, 640, 10000, 12000, 50176])
@pytest.mark.parametrize("scale", [1.0, 1.02, 1.05, 1.2])
def test_ks_pvalue_agrees_with_scipy_kstest(n, scale):
    x = np.random.default_rng(n).normal(0, scale, n)
    ours = stats.ks_pvalue(x, stats.normal_cdf(1.0))
    theirs = scipy_stats.kstest(x, "norm", args=(0, 1.0)).pvalue
    _agree(ours, theirs)


def test_ks_pvalue_uniform_agrees_with_scipy():
    x = np.random.default_rng(0).uniform(-0.3, 0.3, 5000)
    _agree(stats.ks_pvalue(x, stats.uniform_cdf(-0.3, 0.3)), scipy_stats.kstest(x, "uniform", args=(-0.3, 0.6)).pvalue)
    y = np.random.default_rng(1).uniform(-0.3, 0.33, 5000)
    _agree(stats.ks_pvalue(y, stats.uniform_cdf(-0.3, 0.3)), scipy_stats.kstest(y, "uniform", args=(-0.3, 0.6)).pvalue)


@pytest.mark.parametrize("statistic", [9000.0, 10000.0, 11000.0])
def test_chi2_two_sided_agrees_with_scipy(statistic):
    df = 10000
    expected = 2 * min(scipy_stats.chi2.cdf(statistic, df), scipy_stats.chi2.sf(statistic, df))
    assert stats.chi2_two_sided_pvalue(statistic, df) == pytest.approx(expected, rel=1e-9, abs=1e-300)
