"""What a test sees of an implementation, the same in-process and through a worker: inputs
that must not change, stand-ins wherever the code refers to another kata's function, and
modules that import with a time limit of their own."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "katas"
MODES = ["in-process", "process"]
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")


def variant(tmp_path: Path, base: Path, **appended: str) -> Path:
    d = tmp_path / "impl"
    shutil.copytree(base, d, ignore=shutil.ignore_patterns("__pycache__"))
    for module, code in appended.items():
        with open(d / f"{module}.py", "a") as f:
            f.write("\n\n" + code)
    return d


def run(impl: Path, mode: str, *files: str, timeout: float = 10.0) -> str:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--impl={impl}",
                           f"--worker={mode}", f"--check-timeout={timeout}", *files], cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("mode", MODES)
def test_writing_into_an_input_fails_every_check_that_sees_it(tmp_path, mode):
    """A relu that zeroes Z and returns zeros would make some checks compare zeros with zeros."""
    impl = variant(tmp_path, STUBS, activations="def relu(Z):\n    Z[...] = 0\n    return np.zeros(Z.shape)\n")
    out = run(impl, mode, "tests/katas/test_relu.py", "-k", "relu and not backward")
    assert " passed" not in out.splitlines()[-1], out[-3000:]
    assert "modified its argument Z" in out


@pytest.mark.parametrize("mode", MODES)
def test_a_stand_in_reaches_a_reference_held_in_a_dict(tmp_path, mode):
    """forward reaches relu through a dict while relu is unwritten: the forward kata still passes."""
    impl = variant(tmp_path, SOLUTIONS, network=(
        "ACTIVATION = {'hidden': relu, 'output': softmax}\n"
        "def forward(params, X, act=ACTIVATION):\n"
        "    Z1 = linear_forward(params['W1'], X, params['b1']); A1 = act['hidden'](Z1)\n"
        "    Z2 = linear_forward(params['W2'], A1, params['b2']); A2 = act['output'](Z2)\n"
        "    return A2, {'Z1': Z1, 'A1': A1, 'Z2': Z2, 'A2': A2}\n"))
    (impl / "activations.py").write_text((STUBS / "activations.py").read_text())
    out = run(impl, mode, "tests/katas/test_forward.py")
    assert " failed" not in out.splitlines()[-1], out[-3000:]


@pytest.mark.parametrize("mode", MODES)
def test_two_modules_that_loop_at_import_cost_only_their_own_katas(tmp_path, mode):
    impl = variant(tmp_path, SOLUTIONS, activations="while True:\n    pass\n", losses="while True:\n    pass\n")
    # The limit also bounds each check of linear, which must pass: the suite's default, so that a
    # busy machine cannot stop a correct check (the two loops cost one limit each).
    out = run(impl, mode, "tests/katas/test_relu.py", "tests/katas/test_linear.py", "tests/katas/test_loss.py",
              timeout=10.0)
    assert "did not finish" in out
    last = out.splitlines()[-1]
    assert " passed" in last and " failed" in last, out[-3000:]
    assert "test_linear.py" not in "".join(line for line in out.splitlines() if line.startswith("FAILED"))


@pytest.mark.parametrize("mode", MODES)
def test_a_spawned_generator_gives_the_same_weights_for_the_same_seed(tmp_path, mode):
    impl = variant(tmp_path, SOLUTIONS, initialization=(
        "def he_normal(n_out, n_in, rng):\n    child = rng.spawn(1)[0]\n"
        "    return child.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))\n"))
    out = run(impl, mode, "tests/katas/test_init.py")
    assert " failed" not in out.splitlines()[-1], out[-3000:]


@pytest.mark.parametrize("mode", MODES)
def test_a_function_that_returns_its_argument_is_seen_returning_it(tmp_path, mode):
    """relu returning Z itself (or a view of all of it): the worker says which argument came back, so
    "returns a new array" fails the same way in-process and through a worker; a new array passes."""
    for body in ("return Z", "return Z.view()"):
        impl = variant(tmp_path, SOLUTIONS, activations=f"def relu(Z):\n    if np.all(Z >= 0):\n        {body}\n"
                                                      "    return np.maximum(0, Z)\n")
        out = run(impl, mode, "tests/katas/test_relu.py", timeout=120)
        assert "1 failed" in out and "returned Z itself (or a view of it)" in out, out[-3000:]
        shutil.rmtree(impl)


def test_the_sandboxs_empty_tmp_is_mounted_before_what_may_live_under_it(tmp_path):
    """A checkout under /tmp keeps NumPy there: an empty /tmp mounted after it would hide it."""
    from nn.worker import sandbox

    argv, _ = sandbox.command("bwrap", tmp_path, "impl/", tmp_path)
    tmpfs = next(i for i in range(len(argv) - 1) if argv[i] == "--tmpfs" and argv[i + 1] == "/tmp")
    binds = [i for i, a in enumerate(argv) if a == "--ro-bind"]
    assert binds and tmpfs < min(binds)


BOMB = """
import os, sys, time
for _ in range(200):
    try:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
    except OSError:
        break
time.sleep(600)
"""


@pytest.mark.parametrize("mode", ["process", "bwrap"])
def test_a_sandbox_that_forks_too_many_processes_is_killed_whole(tmp_path, mode):
    """The kernel's process limit does not hold for a grader running as root (its sandbox user maps
    to root), so the trusted side counts: past MAX_PROCESSES the whole sandbox is killed."""
    import time

    from nn.worker import sandbox

    if mode == "bwrap" and sandbox.bwrap_works() is not None:
        pytest.skip(sandbox.bwrap_works())
    files = sandbox.worker_files(tmp_path / "files")
    (files / "bomb.py").write_text(BOMB)
    (tmp_path / "impl").mkdir()
    proc = sandbox.start(mode, tmp_path / "impl", "impl/", files, script="bomb.py", stdin=subprocess.DEVNULL)
    try:
        proc.wait(timeout=120)  # the bomb's own processes sleep for 600 s: only the guard ends it this soon
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    assert getattr(proc, "nn_too_many_processes", False)
    time.sleep(0.5)
    left = [p for p in os.listdir("/proc") if p.isdigit() and any(a.endswith("bomb.py") for a in _arguments(p))]
    assert not left, f"{len(left)} processes of the sandbox outlived it"


def _arguments(pid: str) -> list[str]:
    """A process's command line, one argument each (bwrap's too: it names the script it runs)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []
