"""Kata init: he_normal, glorot_uniform and init_params, judged by goodness-of-fit tests.

The p-values are scipy.stats.kstest's and a chi-square test's, computed by nn/suite/stats.py
(tests/support/suite/test_stats.py checks them against scipy.stats). Each statistical test runs at fixed seeds and rejects at a level whose total false
alarm rate is 1e-4 per test (Bonferroni over the seeds), so a correct answer, with
any correct use of the Generator, fails with probability below 1 in 10,000.
"""
import numpy as np
import pytest
from nn.suite import stats

from nn.suite.assertions import assert_float_dtype, assert_shape, fail
from nn.suite import strategies as S
from nn.suite.assertions import check_results_kept

pytestmark = pytest.mark.kata_init

SEEDS = (0, 1, 2)
ALPHA = 1e-4 / len(SEEDS)
N_OUT, N_IN = 80, 150  # 12,000 draws per seed


def _weights(fn, seed, n_out=N_OUT, n_in=N_IN):
    return fn(n_out, n_in, np.random.default_rng(seed))


def _he_misconception(W, n_in):
    sd = float(np.std(W))
    if not np.any(W):
        return "zero-init"
    if sd == 0.0:
        return None  # one value everywhere, not zero: the draw's scale is 0 (which argument is it?)
    if W.ndim == 2 and W.shape[0] > 1 and np.all(W == W[0]) and np.ptp(W[0]) > 0:
        return "symmetric-units"  # rows repeat, yet each row has spread: one draw copied to every unit
    for mid, target in (("unit-variance", 1.0), ("lecun-variance", np.sqrt(1.0 / n_in)), ("variance-as-std", 2.0 / n_in)):
        if abs(sd / target - 1.0) < 0.05:
            return mid
    return "wrong-distribution"


def _check_normal(W, sd, text):
    W = np.asarray(W, dtype=np.float64)
    pvalue = stats.ks_pvalue(W, stats.normal_cdf(sd))
    if not pvalue >= ALPHA:
        fail(f"{text} does not look like N(0, {sd ** 2:.4g}): Kolmogorov-Smirnov p = {pvalue:.3g} "
             f"(rejects below {ALPHA:.2g}); sample mean {W.mean():.4g}, sample std {W.std():.4g}, expected std {sd:.4g}",
             _he_misconception(W, round(2.0 / sd ** 2)))


def _check_variance(W, var, text):
    W = np.asarray(W, dtype=np.float64).ravel()
    statistic = float(np.sum(W ** 2) / var)  # chi-square with N degrees of freedom when the mean is 0
    p = stats.chi2_two_sided_pvalue(statistic, W.size)
    if not p >= ALPHA:
        fail(f"{text} has the wrong variance: mean square {np.mean(W ** 2):.4g}, expected {var:.4g} "
             f"(chi-square p = {p:.3g})", _he_misconception(W, round(2.0 / var)) if var else None)


@pytest.mark.parametrize("fn_name", ["he_normal", "glorot_uniform"])
@pytest.mark.parametrize("n_out,n_in", [(4, 4), (1, 5), (5, 1), (10, 784)])
def test_initializer_shape(impl, fn_name, n_out, n_in):
    """he_normal and glorot_uniform return (n_out, n_in): square, single row and single column."""
    W = impl.fn(fn_name)(n_out, n_in, np.random.default_rng(0))
    assert_shape(W, (n_out, n_in), f"{fn_name}({n_out}, {n_in}, rng)")


@pytest.mark.parametrize("fn_name", ["he_normal", "glorot_uniform"])
def test_initializer_returns_float64(impl, fn_name):
    """Weights are float64 (a float32 copy keeps only 7 digits, and training in float64 then mixes dtypes)."""
    text = f"{fn_name}(6, 5, rng)"
    W = assert_shape(impl.fn(fn_name)(6, 5, np.random.default_rng(0)), (6, 5), text)
    assert_float_dtype(W, text, "float64")


def test_init_params_returns_float64_arrays(impl):
    """W1, b1, W2 and b2 are all float64 arrays (an integer bias cannot take a gradient step in place)."""
    text = "init_params(rng, 6, 5, 4)"
    params = impl.fn("init_params")(np.random.default_rng(0), 6, 5, 4)
    if not isinstance(params, dict):
        fail(f"{text} returned {type(params).__name__}; expected a dict with W1, b1, W2, b2",
             "returned-none" if params is None else None)
    for key, shape in {"W1": (5, 6), "b1": (5, 1), "W2": (4, 5), "b2": (4, 1)}.items():
        if key not in params:
            fail(f"{text} returned no {key!r} (keys: {sorted(map(str, params))})")
        assert_float_dtype(assert_shape(params[key], shape, text, what=key), text, "float64", what=key)


@pytest.mark.parametrize("seed", SEEDS)
def test_he_normal_is_gaussian_with_variance_2_over_n_in(impl, seed):
    """he_normal draws from N(0, 2/n_in) (Kolmogorov-Smirnov test)."""
    W = _weights(impl.fn("he_normal"), seed)
    W = assert_shape(W, (N_OUT, N_IN), f"he_normal({N_OUT}, {N_IN}, rng)")
    _check_normal(W, np.sqrt(2.0 / N_IN), f"he_normal({N_OUT}, {N_IN}, default_rng({seed}))")


@pytest.mark.parametrize("seed", SEEDS)
def test_he_normal_variance(impl, seed):
    """The mean square of he_normal's draws matches 2/n_in (chi-square test)."""
    W = assert_shape(_weights(impl.fn("he_normal"), seed), (N_OUT, N_IN), f"he_normal({N_OUT}, {N_IN}, rng)")
    _check_variance(W, 2.0 / N_IN, f"he_normal({N_OUT}, {N_IN}, default_rng({seed}))")


@pytest.mark.parametrize("seed", SEEDS)
def test_glorot_uniform_distribution(impl, seed):
    """glorot_uniform draws from the uniform distribution whose variance is Glorot's (Kolmogorov-Smirnov test)."""
    text = f"glorot_uniform({N_OUT}, {N_IN}, default_rng({seed}))"
    W = assert_shape(_weights(impl.fn("glorot_uniform"), seed), (N_OUT, N_IN), text)
    a = np.sqrt(6.0 / (N_IN + N_OUT))
    pvalue = stats.ks_pvalue(W, stats.uniform_cdf(-a, a))
    if not pvalue >= ALPHA:
        fail(f"{text} does not look like U(-{a:.4g}, {a:.4g}): Kolmogorov-Smirnov p = {pvalue:.3g}; "
             f"draws span [{W.min():.4g}, {W.max():.4g}], std {W.std():.4g} (expected {a / np.sqrt(3):.4g})",
             "zero-init" if not W.any() else None if W.std() == 0 else "wrong-distribution")


def test_glorot_uniform_stays_within_bounds(impl):
    """Every glorot_uniform draw lies in [-a, a]."""
    n_out, n_in = 30, 20
    a = np.sqrt(6.0 / (n_in + n_out))
    W = assert_shape(impl.fn("glorot_uniform")(n_out, n_in, np.random.default_rng(3)), (n_out, n_in),
                     f"glorot_uniform({n_out}, {n_in}, rng)")
    if np.max(np.abs(W)) > a:
        fail(f"glorot_uniform({n_out}, {n_in}, rng) drew {np.max(np.abs(W)):.4g}, outside [-a, a] with a = {a:.4g}",
             "wrong-distribution")


@pytest.mark.parametrize("fn_name", ["he_normal", "glorot_uniform", "init_params"])
def test_same_seed_same_weights_and_different_seeds_differ(impl, fn_name):
    """Weights depend on the Generator's seed and only on it: equal seeds give equal weights (so nothing comes
    from numpy's global state or a new Generator), other seeds other weights."""
    fn = impl.fn(fn_name)

    def draw(seed):
        rng = np.random.default_rng(seed)
        out = fn(rng, 6, 5, 4) if fn_name == "init_params" else fn(5, 6, rng)
        return {k: out[k] for k in ("W1", "W2")} if fn_name == "init_params" else {"the weights": out}

    first, again, other = (draw(s) for s in (42, 42, 43))
    for key in first:  # every weight matrix, each drawn from rng
        a, b, c = (np.asarray(d[key], dtype=np.float64) for d in (first, again, other))
        what = "" if key == "the weights" else f" {key}"
        if not np.array_equal(a, b):
            fail(f"{fn_name}: two Generators with seed 42 gave different weights{what}", "ignores-rng")
        if np.array_equal(a, c):
            fail(f"{fn_name}: Generators with seeds 42 and 43 gave identical weights{what}: every draw must come "
                 "from rng", "zero-init" if not a.any() else None if np.all(a == a.flat[0]) else "ignores-rng")


@pytest.mark.parametrize("fn_name", ["he_normal", "glorot_uniform", "init_params"])
def test_numpys_global_random_state_is_left_alone(impl, fn_name):
    """Every draw comes from rng: NumPy's global random state is neither drawn from nor reseeded."""
    fn = impl.fn(fn_name)
    np.random.seed(1234)
    before = np.random.get_state()
    rng = np.random.default_rng(7)
    fn(rng, 6, 5, 4) if fn_name == "init_params" else fn(5, 6, rng)
    after = np.random.get_state()
    if before[0] != after[0] or not np.array_equal(before[1], after[1]) or before[2:] != after[2:]:
        fail(f"{fn_name}(...) changed NumPy's global random state (np.random.seed or an np.random.* draw): "
             "draw from the rng you are given, and only from it", "global-rng")


@pytest.mark.parametrize("n_in,n_hidden,n_out", [(784, 10, 10), (7, 5, 3), (4, 4, 4), (1, 6, 2)])
def test_init_params_shapes(impl, n_in, n_hidden, n_out):
    """W1 (n_hidden, n_in), b1 (n_hidden, 1), W2 (n_out, n_hidden), b2 (n_out, 1), sizes given positionally."""
    text = f"init_params(rng, {n_in}, {n_hidden}, {n_out})"
    params = impl.fn("init_params")(np.random.default_rng(0), n_in, n_hidden, n_out)
    if not isinstance(params, dict):
        fail(f"{text} returned {type(params).__name__}; expected a dict with W1, b1, W2, b2",
             "returned-none" if params is None else None)
    expected = {"W1": (n_hidden, n_in), "b1": (n_hidden, 1), "W2": (n_out, n_hidden), "b2": (n_out, 1)}
    for key, shape in expected.items():
        if key not in params:
            fail(f"{text} returned no {key!r} (keys: {sorted(map(str, params))})")
        assert_shape(params[key], shape, text, what=key)


def test_init_params_default_sizes_are_the_seeds(impl):
    """init_params(rng) with no sizes builds the seed's 784-10-10 network."""
    params = impl.fn("init_params")(np.random.default_rng(0))
    assert_shape(params["W1"], (10, 784), "init_params(rng)", what="W1")
    assert_shape(params["W2"], (10, 10), "init_params(rng)", what="W2")


def test_init_params_biases_are_zero(impl):
    """b1 and b2 start at zero."""
    params = impl.fn("init_params")(np.random.default_rng(0), n_in=8, n_hidden=6, n_out=4)
    for key in ("b1", "b2"):
        b = np.asarray(params[key], dtype=np.float64)
        if np.any(b != 0):
            fail(f"init_params(rng, 8, 6, 4): {key} should be all zeros, got entries in [{b.min():.4g}, {b.max():.4g}]")


@pytest.mark.parametrize("seed", SEEDS)
def test_init_params_weights_are_he(impl, seed):
    """W1 and W2 are He-initialised: N(0, 2/784) for W1 and N(0, 2/n_hidden) for W2 (Kolmogorov-Smirnov)."""
    n_hidden = 64
    text = f"init_params(default_rng({seed}), n_in=784, n_hidden={n_hidden}, n_out=10)"
    params = impl.fn("init_params")(np.random.default_rng(seed), n_in=784, n_hidden=n_hidden, n_out=10)
    W1 = assert_shape(params["W1"], (n_hidden, 784), text, what="W1")
    W2 = assert_shape(params["W2"], (10, n_hidden), text, what="W2")
    _check_normal(W1, np.sqrt(2.0 / 784), text + " W1")
    _check_normal(W2, np.sqrt(2.0 / n_hidden), text + " W2")


def test_init_params_hidden_units_differ(impl):
    """No two hidden units start identical (identical units stay identical forever)."""
    params = impl.fn("init_params")(np.random.default_rng(0))
    W1 = assert_shape(params["W1"], (10, 784), "init_params(rng)", what="W1")
    for i in range(W1.shape[0]):
        for j in range(i):
            if np.array_equal(W1[i], W1[j]):
                fail(f"init_params(rng): hidden units {j} and {i} have identical weights W1[{j}] == W1[{i}]",
                     "zero-init" if not W1.any() else None if np.ptp(W1) == 0 else "symmetric-units")


@pytest.mark.parametrize("name", ['he_normal', 'glorot_uniform', 'init_params'])
def test_init_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
