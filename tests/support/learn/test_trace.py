"""``nn-kata trace KATA``: each executed line beside its arrays' shapes, the learner's shape
comments checked, and the first line that departs from the contract named, on the
catalogue's bugs."""
import time

import pytest

from tests.catalogue.bugs import BUGS

from ..helpers import SOLUTIONS, needs_solutions, nn_kata

BUG = {b.id: b for b in BUGS}

# (bug, extra options, the text of the line the trace must name)
NAMED_LINES = [
    ("linear-forward-bias-as-row", [], "return W @ A_prev + b.ravel()"),
    ("linear-forward-transposed-weights", [], "return W.T @ A_prev + b"),
    ("linear-backward-scalar-db", [], "return dZ @ A_prev.T / m, np.sum(dZ) / m, W.T @ dZ"),
    ("linear-backward-dW-transposed", [], "return A_prev @ dZ.T / m"),
    ("linear-backward-returns-dA-before-db", [], "return dZ @ A_prev.T / m, W.T @ dZ, np.sum"),
    ("predict-keepdims", [], "return np.argmax(A2, axis=0, keepdims=True)"),
    ("backward-db1-vector", [], 'return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1) / m,'),
    ("backward-dW2-transposed", ["--n-hidden", "16"], 'dW2 = cache["A1"] @ dZ2.T / m'),
    ("backward-W2-not-transposed", ["--n-hidden", "16"], 'dZ1 = (params["W2"] @ dZ2) * (cache["Z1"] > 0)'),
    ("backward-mask-from-output-layer", ["--n-hidden", "16"], 'dZ1 = (params["W2"].T @ dZ2) * (cache["Z2"] > 0)'),
]


def _line_of(path, text):
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "--- catalogue variant" in line)
    return next(i + 1 for i in range(start, len(lines)) if text in lines[i])


@needs_solutions
@pytest.mark.parametrize("bug_id, options, text", NAMED_LINES, ids=[b for b, _, _ in NAMED_LINES])
def test_the_first_departure_is_the_bugs_own_line(env, tmp_path, bug_id, options, text):
    bug = BUG[bug_id]
    impl = bug.build(SOLUTIONS, tmp_path / "impl")
    line = _line_of(impl / f"{bug.module}.py", text)
    proc = nn_kata("trace", bug.kata, "--impl", impl, *options, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"First departure from the contract: line {line}: {text}" in proc.stdout, proc.stdout


@needs_solutions
@pytest.mark.parametrize("kata", ["linear", "forward", "backward", "train"])
def test_the_reference_traces_clean_with_every_comment_agreeing(env, kata):
    proc = nn_kata("trace", kata, "--impl", "solutions", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "every shape comment agrees" in proc.stdout and "on the seed's shapes (n_in 784, n_hidden 10, n_out 10, m 32)" in proc.stdout
    if kata == "backward":
        assert "dW1 = dZ1 @ X.T / m" in proc.stdout and "│ dW1 (10, 784) float64" in proc.stdout
        assert "--n-hidden 16` makes the shapes differ" in proc.stdout


@needs_solutions
def test_a_shape_comment_that_disagrees_is_marked(env, tmp_path):
    import shutil

    impl = tmp_path / "impl"
    shutil.copytree(SOLUTIONS, impl, ignore=shutil.ignore_patterns("__pycache__"))
    network = impl / "network.py"
    source = network.read_text().replace("dW1 = dZ1 @ X.T / m  # (n_hidden, n_in)", "dW1 = dZ1 @ X.T / m  # (784, 10)")
    source = source.replace("A1 = relu(Z1)  # (n_hidden, m)", "A1 = relu(Z1)  # (10, m)")  # right: stays quiet
    network.write_text(source)
    proc = nn_kata("trace", "backward", "--impl", impl, env=env)
    assert proc.returncode == 1
    assert "≠ your comment: (784, 10), but dW1 is (10, 784)" in proc.stdout
    assert "Your shape comments that disagree with the arrays:" in proc.stdout
    assert "First departure from the contract" not in proc.stdout  # the array is right; the comment is not
    assert nn_kata("trace", "forward", "--impl", impl, env=env).returncode == 0


def test_a_stub_is_not_started_and_other_katas_are_refused(env):
    proc = nn_kata("trace", "backward", env=env)
    assert proc.returncode == 1 and "Not started:" in proc.stdout
    proc = nn_kata("trace", "softmax", env=env)
    assert proc.returncode == 2 and "trace follows linear, forward, backward, train" in proc.stderr


@needs_solutions
def test_tracing_costs_well_under_a_second():
    from nn.learn.trace import trace

    trace("backward", SOLUTIONS)  # imports paid once
    start = time.perf_counter()
    text, ok = trace("train", SOLUTIONS)
    assert ok and time.perf_counter() - start < 1.0
