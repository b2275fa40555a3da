"""The trusted gradient checker in nn/suite/gradient_check.py."""
import numpy as np
import pytest

from nn.suite import oracles
from nn.suite import strategies as S
from nn.suite.gradient_check import check_gradient, numerical_gradient, numerical_gradient_many, relative_error


def test_relative_error_closed_forms():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([-1.0, 0.0])) == 1.0
    assert relative_error(np.array([3.0]), np.array([1.0])) == pytest.approx(0.5)


def test_numerical_gradient_is_central_and_leaves_x_alone():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v ** 3)), x, h=1e-3)
    np.testing.assert_allclose(g, 3 * x ** 2 + 1e-6, rtol=1e-9)  # central differences of a cubic: 3x^2 + h^2
    np.testing.assert_array_equal(x, before)


def test_check_gradient_accepts_the_right_gradient_and_names_the_worst_entry_of_a_wrong_one():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    f = lambda v: float(np.sum(np.sin(v)))  # noqa: E731
    assert check_gradient(f, x, np.cos(x), name="W").ok
    wrong = np.cos(x)
    wrong[2, 1] += 0.5
    result = check_gradient(f, x, wrong, name="W")
    assert not result.ok and result.worst_index == (2, 1)
    assert "W[2, 1]" in str(result) and "relative error" in str(result)


def test_check_gradient_on_a_sample():
    x = np.random.default_rng(1).normal(size=(50, 40))
    result = check_gradient(lambda v: float(np.sum(v ** 2)), x, 2 * x, sample=100)
    assert result.ok and result.checked == 100 and result.total == 2000
    assert "100 sampled of 2000" in str(result)


def test_check_gradient_treats_nan_as_failure():
    x = np.ones((2, 2))
    bad = np.full((2, 2), np.nan)
    assert not check_gradient(lambda v: float(np.sum(v)), x, bad).ok


def test_tiny_gradients_are_judged_by_absolute_difference():
    x = np.array([[6e-8]])
    f = lambda v: float(np.sum(v * 1e-3))  # noqa: E731  (gradient 1e-3, rounding noise ~1e-11)
    assert check_gradient(f, x, np.array([[1e-3 + 1e-9]])).ok
    assert not check_gradient(f, x, np.array([[2e-3]])).ok


@pytest.mark.parametrize("indices", [None, [0, 3, 5]])
def test_the_stacked_differences_are_the_one_at_a_time_differences(indices):
    """numerical_gradient_many, fed a function of a stack of points, gives numerical_gradient's
    numbers (chunks smaller than the entries included) and leaves x alone."""
    x = np.random.default_rng(3).normal(size=(2, 3))
    before = x.copy()
    one = numerical_gradient(lambda v: float(np.sum(np.sin(v) * v)), x, indices=indices)
    many = numerical_gradient_many(lambda s: np.sum(np.sin(s) * s, axis=(1, 2)), x, indices=indices, chunk=2)
    np.testing.assert_allclose(many, one, rtol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_mean_losses_of_a_stack_are_mean_loss_of_each(key):
    params, X, _, Y = S.network_problem(np.random.default_rng(4), 5, 4, 3, 6)
    trials = np.stack([params[key] + 0.1 * i for i in range(3)])
    losses = oracles.mean_losses(dict(params, **{key: trials}), X, Y)
    expected = [oracles.mean_loss(dict(params, **{key: t}), X, Y) for t in trials]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
