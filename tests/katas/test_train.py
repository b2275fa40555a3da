"""Kata train: update(params, grads, alpha) and train(X, labels, *, alpha, iterations, rng)."""
import numpy as np
import pytest

from nn.suite import oracles
from nn.suite.assertions import assert_close, assert_shape, call_text, fail

pytestmark = pytest.mark.kata_train

KEYS = ("W1", "b1", "W2", "b2")


def _params_and_grads(seed, n_in=5, n_hidden=4, n_out=4):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(n_hidden, n_in)), "b1": rng.normal(size=(n_hidden, 1)),
              "W2": rng.normal(size=(n_out, n_hidden)), "b2": rng.normal(size=(n_out, 1))}
    grads = {"d" + k: rng.normal(size=v.shape) for k, v in params.items()}
    return params, grads


@pytest.mark.parametrize("alpha", [0.1, 0.5])
def test_update_takes_one_gradient_step(impl, alpha):
    """The returned params are P - alpha * dP for W1, b1, W2 and b2 (in place or not, both are fine)."""
    params, grads = _params_and_grads(23)
    expected = oracles.update(params, grads, alpha)
    text = call_text("update", params=params, grads=grads, alpha=alpha)
    out = impl.fn("update")({k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in grads.items()}, alpha)
    if not isinstance(out, dict):
        fail(f"{text} should return the params dict, got {type(out).__name__}", "returned-none" if out is None else None)
    for key in KEYS:
        if key not in out:
            fail(f"{text} returned no {key!r}")
        if np.array_equal(np.asarray(out[key]), params[key]):
            fail(f"{text}: {key} did not change", "missing-update")
        assert_close(out[key], expected[key], text, what=key, rtol=1e-12, atol=1e-12,
                     alternatives={"sign-flipped": params[key] + alpha * grads["d" + key]})


def test_update_leaves_grads_unchanged(impl):
    """update does not modify the gradients."""
    params, grads = _params_and_grads(24)
    before = {k: v.copy() for k, v in grads.items()}
    impl.fn("update")(params, grads, 0.1)
    for key, value in before.items():
        if not np.array_equal(grads[key], value):
            fail(f"update(params, grads, alpha) modified grads[{key!r}]", "mutates-input")


def learnable_problem(seed=0, m=90, n_in=12):
    """Three well-separated Gaussian clusters: a network that learns gets the loss down fast."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.0, size=(3, n_in))
    labels = np.repeat(np.arange(3), m // 3)
    X = (centres[labels] + rng.normal(0, 0.3, size=(m, n_in))).T
    return X, labels


def _train(impl, seed=0, iterations=60, alpha=0.5, n_hidden=8):
    X, labels = learnable_problem()
    text = f"train(X, labels, alpha={alpha}, iterations={iterations}, rng=default_rng({seed}), n_hidden={n_hidden}) with X: {X.shape}"
    out = impl.fn("train")(X, labels, alpha=alpha, iterations=iterations, rng=np.random.default_rng(seed), n_hidden=n_hidden)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        fail(f"{text} should return (params, losses), got {type(out).__name__}", "returned-none" if out is None else None)
    params, losses = out
    losses = np.asarray(losses, dtype=np.float64).reshape(-1)
    if losses.shape != (iterations,):
        fail(f"{text} returned {losses.shape[0]} losses; expected one per iteration, {iterations}")
    return text, params, losses, X, labels


def test_train_lowers_the_loss(impl):
    """On three separable clusters, 60 iterations at alpha 0.5 cut the loss well below its start."""
    text, params, losses, X, labels = _train(impl)
    if not np.all(np.isfinite(losses)):
        fail(f"{text}: the loss became {losses[~np.isfinite(losses)][0]} at iteration {int(np.argmin(np.isfinite(losses)))}",
             "overflow")
    if not losses[-1] < 0.5 * losses[0]:
        fail(f"{text}: the loss went from {losses[0]:.4g} to {losses[-1]:.4g}; expected it to at least halve",
             "loss-not-decreasing")


def test_train_returns_trained_parameters(impl):
    """The returned params have the network's shapes and give the final loss, not the initial one."""
    text, params, losses, X, labels = _train(impl)
    shapes = {"W1": (8, X.shape[0]), "b1": (8, 1), "W2": (10, 8), "b2": (10, 1)}
    for key, shape in shapes.items():
        if not isinstance(params, dict) or key not in params:
            fail(f"{text}: params should be a dict with {key!r}")
        assert_shape(params[key], shape, text, what=f"params[{key!r}]")
    final = oracles.mean_loss(params, X, oracles.one_hot(labels, 10))
    if not final <= losses[-1] + 1e-9:
        fail(f"{text}: the returned params have loss {final:.4g}, above the last recorded loss {losses[-1]:.4g}; "
             "return the parameters after the last update", "loss-not-decreasing")


def test_train_records_the_loss_of_each_forward_pass(impl):
    """losses[0] is the loss of the initial parameters: that of init_params with the same seed."""
    text, _, losses, X, labels = _train(impl, iterations=3)
    initial = oracles.init_params(np.random.default_rng(0), X.shape[0], 8, 10)
    Y = oracles.one_hot(labels, 10)
    expected = oracles.mean_loss(initial, X, Y)
    _, cache = oracles.forward(initial, X)
    stepped = oracles.update(initial, oracles.backward(initial, cache, X, Y), 0.5)
    assert_close(losses[0], expected, text, what="losses[0]", rtol=1e-6, atol=1e-9,
                 alternatives={"loss-after-update": oracles.mean_loss(stepped, X, Y)})


def test_train_is_reproducible(impl):
    """The same seed gives the same losses; another seed gives other ones."""
    _, _, a, _, _ = _train(impl, seed=7, iterations=5)
    _, _, b, _, _ = _train(impl, seed=7, iterations=5)
    _, _, c, _, _ = _train(impl, seed=8, iterations=5)
    if not np.array_equal(a, b):
        fail("train(..., rng=default_rng(7)) gave different losses on two runs", "ignores-rng")
    if np.array_equal(a, c):
        fail("train with seeds 7 and 8 gave identical losses: the Generator is not used", "ignores-rng")
