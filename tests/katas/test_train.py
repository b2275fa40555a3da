"""Kata train: update(params, grads, alpha) and train(X, labels, *, alpha, iterations, rng)."""
import numpy as np
import pytest

from nn.suite import oracles
from nn.suite.assertions import assert_close, assert_shape, call, call_text, fail, num
from nn.suite import strategies as S
from nn.suite.assertions import check_results_kept
from nn.suite.tolerances import EXACT, FLOAT64, FLOAT64_REPEAT, GRADIENT, NEAR, TRAJECTORY

pytestmark = pytest.mark.kata_train

KEYS = ("W1", "b1", "W2", "b2")


def _params_and_grads(seed, n_in=5, n_hidden=4, n_out=4):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(n_hidden, n_in)), "b1": rng.normal(size=(n_hidden, 1)),
              "W2": rng.normal(size=(n_out, n_hidden)), "b2": rng.normal(size=(n_out, 1))}
    grads = {"d" + k: rng.normal(size=v.shape) for k, v in params.items()}
    return params, grads


def test_update_twice_on_the_same_inputs_gives_the_same_result(impl):
    """update depends on its arguments only: the same params, grads and alpha give the same result every time
    (no velocity or other state kept between calls)."""
    params, grads = _params_and_grads(25)
    text = call_text("update", params=params, grads=grads, alpha=0.3)
    fn = impl.fn("update")
    first = call(fn, params, grads, 0.3)
    second = call(fn, params, grads, 0.3)
    if not isinstance(first, dict) or not isinstance(second, dict):
        fail(f"{text} should return the params dict, got {type(second).__name__}",
             "returned-none" if first is None or second is None else None)
    for key in KEYS:
        assert_close(second.get(key), first.get(key), text + ", called a second time", what=key, **EXACT,
                     misconception="shared-state")


@pytest.mark.parametrize("alpha", [0.1, 0.5])
def test_update_takes_one_gradient_step(impl, alpha):
    """The returned params are one gradient-descent step of size alpha from W1, b1, W2 and b2 (in place or not, both are fine)."""
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
        assert_close(out[key], expected[key], text, what=key, **FLOAT64_REPEAT,
                     alternatives={"sign-flipped": params[key] + alpha * grads["d" + key],
                                   "alpha-not-followed": params[key] - grads["d" + key]})


def test_update_matches_gradients_by_name_not_by_order(impl):
    """Each parameter P takes the step of grads["dP"], whatever order the two dicts list their keys in
    (backward may build its dict in any order)."""
    params, grads = _params_and_grads(26)
    expected = oracles.update(params, grads, 0.2)
    shuffled = {k: grads[k].copy() for k in reversed(list(grads))}
    text = call_text("update", params=params, grads=shuffled, alpha=0.2) + " (grads listed in another key order)"
    out = call(impl.fn("update"), params, shuffled, 0.2)
    if not isinstance(out, dict):
        fail(f"{text} should return the params dict, got {type(out).__name__}", "returned-none" if out is None else None)
    for key in KEYS:
        assert_close(out.get(key), expected[key], text, what=key, **FLOAT64_REPEAT)


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


def _run_train(impl, X, labels, seed, iterations, alpha, n_hidden):
    out = call(impl.fn("train"), X, labels, alpha=alpha, iterations=iterations, rng=np.random.default_rng(seed),
               n_hidden=n_hidden)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return out, None
    return out[0], out[1]


def _train(impl, seed=0, iterations=60, alpha=0.5, n_hidden=8):
    X, labels = learnable_problem()
    text = f"train(X, labels, alpha={alpha}, iterations={iterations}, rng=default_rng({seed}), n_hidden={n_hidden}) with X: {X.shape}"
    params, losses = _run_train(impl, X, labels, seed, iterations, alpha, n_hidden)
    if losses is None:
        mid = "returned-none" if params is None else None
        if isinstance(params, (tuple, list)) and len(params) == 2 and isinstance(params[1], dict):
            mid = "tuple-order"
        fail(f"{text} should return (params, losses), got {type(params).__name__}", mid)
    if isinstance(params, (list, np.ndarray)) and isinstance(losses, dict):
        fail(f"{text} returned (losses, params); the docstring's order is (params, losses)", "tuple-order")
    losses = np.asarray(losses, dtype=np.float64).reshape(-1)
    if losses.shape != (iterations,):
        _, again = _run_train(impl, X, labels, seed, iterations, alpha, n_hidden)
        again = np.asarray(again, dtype=np.float64).reshape(-1) if again is not None else losses
        if again.shape != losses.shape:
            mid = "shared-state"
            why = f" (and {again.shape[0]} when called again with the same arguments)"
        else:
            mid = "off-by-one" if abs(losses.shape[0] - iterations) == 1 else None
            why = ""
        fail(f"{text} returned {losses.shape[0]} losses{why}; expected one per iteration, {iterations}", mid)
    return text, params, losses, X, labels


def _trusted_run(X, labels, seed, iterations, alpha, n_hidden):
    """The parameters before each update, P_0 .. P_{iterations + 1}, the gradient at each, and the losses,
    from the oracles: init_params, forward, the loss, backward, update."""
    P = oracles.init_params(np.random.default_rng(seed), X.shape[0], n_hidden, 10)
    Y = oracles.one_hot(labels, 10)
    states, grads, losses = [P], [], []
    for _ in range(iterations + 1):
        _, cache = oracles.forward(P, X)
        losses.append(oracles.cross_entropy_from_logits(cache["Z2"], Y))
        g = oracles.backward(P, cache, X, Y)
        grads.append(g)
        P = oracles.update(P, g, alpha)
        states.append(P)
    return states, grads, losses[:iterations]


def _flat(params, prefix=""):
    return np.concatenate([np.asarray(params[prefix + k], dtype=np.float64).ravel() for k in KEYS])


def _close_params(a, b):
    try:
        return bool(np.allclose(_flat(a), _flat(b), **TRAJECTORY))
    except (KeyError, TypeError, ValueError):
        return False


@pytest.mark.parametrize("alpha,iterations", [(0.1, 1), (0.5, 1), (0.1, 2), (1.3, 2), (0.05, 4), (0.5, 3)])
def test_train_follows_alpha_and_iterations_step_by_step(impl, alpha, iterations):
    """train makes exactly `iterations` steps of size alpha: its losses and final params equal a trusted loop's
    (init_params, then forward, the loss, backward, update) step by step, for several alphas and iterations=1."""
    text, params, losses, X, labels = _train(impl, seed=3, iterations=iterations, alpha=alpha)
    states, grads, trusted = _trusted_run(X, labels, 3, iterations, alpha, 8)
    assert_close(losses, trusted, text, what="losses", **TRAJECTORY,
                 alternatives={"loss-after-update": _trusted_run(X, labels, 3, iterations + 1, alpha, 8)[2][1:]})
    if not isinstance(params, dict) or not all(k in params for k in KEYS):
        fail(f"{text}: params should be a dict with {', '.join(KEYS)}")
    if _close_params(params, states[iterations]):
        return
    if _close_params(params, states[iterations - 1]) or _close_params(params, states[iterations + 1]):
        fail(f"{text}: the returned params are those after {iterations - 1 if _close_params(params, states[iterations - 1]) else iterations + 1} "
             f"updates; expected {iterations}", "off-by-one")
    # The last step, from the trusted P_{T-1}: along the right gradient, but of another size?
    step = _flat(states[iterations - 1]) - _flat(params)
    g = _flat(grads[iterations - 1], prefix="d")
    size = float(step @ g / (g @ g))
    along = np.linalg.norm(step - size * g) <= 1e-6 * np.linalg.norm(step)
    mid = "alpha-not-followed" if along and not np.isclose(size, alpha, **NEAR) else None
    detail = f" (the last step has size {num(size)} along the gradient, alpha is {num(alpha)})" if mid else ""
    assert_close(_flat(params), _flat(states[iterations]), text + detail, what="params after the last update",
                 **TRAJECTORY, misconception=mid)


def test_train_by_name_and_with_the_default_hidden_size(impl):
    """The signature is train(X, labels, *, alpha, iterations, rng, n_hidden=10): X and labels by name
    give what they give by position, and without n_hidden the network has the seed's 10 hidden units."""
    X, labels = learnable_problem()
    text = "train(X=X, labels=labels, alpha=0.5, iterations=2, rng=default_rng(3)) (no n_hidden)"
    out = call(impl.fn("train"), X=X, labels=labels, alpha=0.5, iterations=2, rng=np.random.default_rng(3))
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not isinstance(out[0], dict):
        fail(f"{text} should return (params, losses), got {type(out).__name__}")
    params, losses = out
    assert_shape(params.get("W1"), (10, X.shape[0]), text, what="params['W1']")
    states, _, trusted = _trusted_run(X, labels, 3, 2, 0.5, 10)
    assert_close(np.asarray(losses, dtype=np.float64).reshape(-1), trusted, text, what="losses", **TRAJECTORY)
    assert_close(_flat(params), _flat(states[2]), text, what="params after the last update", **TRAJECTORY)


def test_train_lowers_the_loss(impl):
    """On three separable clusters, 60 iterations at alpha 0.5 cut the loss well below its start."""
    text, params, losses, X, labels = _train(impl)
    if not np.all(np.isfinite(losses)):
        fail(f"{text}: the loss became {losses[~np.isfinite(losses)][0]} at iteration {int(np.argmin(np.isfinite(losses)))}",
             "overflow")
    if not losses[-1] < 0.5 * losses[0]:
        # The hint (no update, or updated params unused) fits a loss that did not go down at all;
        # one that went down too slowly has other causes.
        fail(f"{text}: the loss went from {losses[0]:.4g} to {losses[-1]:.4g}; expected it to at least halve",
             "loss-not-decreasing" if not losses[-1] < losses[0] else None)


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
        # The hint fits params that never moved (the initial ones came back), not every other cause.
        fail(f"{text}: the returned params have loss {final:.4g}, above the last recorded loss {losses[-1]:.4g}; "
             "return the parameters after the last update",
             "loss-not-decreasing" if np.isclose(final, losses[0], **FLOAT64) else None)


def test_train_records_the_loss_of_each_forward_pass(impl):
    """losses[0] is the loss of the initial parameters: that of init_params with the same seed."""
    text, _, losses, X, labels = _train(impl, iterations=3)
    initial = oracles.init_params(np.random.default_rng(0), X.shape[0], 8, 10)
    Y = oracles.one_hot(labels, 10)
    expected = oracles.mean_loss(initial, X, Y)
    _, cache = oracles.forward(initial, X)
    stepped = oracles.update(initial, oracles.backward(initial, cache, X, Y), 0.5)
    assert_close(losses[0], expected, text, what="losses[0]", **GRADIENT,
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


@pytest.mark.parametrize("name", ['update', 'train'])
def test_train_results_are_the_callers(impl, name):
    """A second call, on other inputs of the same shapes, leaves the first call's result as it was."""
    check_results_kept(impl.fn(name), name, *S.two_calls(name))
