"""Messages as a learner meets them: each path named once, no traceback when the reader of
the output goes away, and each failing check listed once."""
import os
import shutil
import subprocess

import pytest

from nn.impl import PROJECT_ROOT

from ..helpers import HANG_GUARD, NN_KATA, SOLUTIONS, needs_solutions, nn_kata


def test_a_missing_implementation_names_each_place_once(env, tmp_path):
    at_root = nn_kata("check", "relu", "--impl", "nosuchdir", env=env)
    assert at_root.returncode == 2
    assert at_root.stderr.count("nosuchdir") == 2  # the option as given, and the one place looked at
    assert f"(looked for {PROJECT_ROOT / 'nosuchdir'})" in at_root.stderr
    elsewhere = nn_kata("check", "relu", "--impl", "nosuchdir", env=env, cwd=tmp_path)
    assert f"(looked for {tmp_path / 'nosuchdir'}, {PROJECT_ROOT / 'nosuchdir'})" in elsewhere.stderr


def test_a_missing_module_is_noted_once_by_its_short_name(env, student, tmp_path):
    (student / "gradcheck.py").unlink()
    proc = nn_kata("check", "gradcheck", "--impl", "student", env=env, cwd=tmp_path)
    assert "note: student/ has no gradcheck.py" in proc.stderr
    assert str(student) not in proc.stderr


@pytest.mark.parametrize("argv", [["list"], ["check", "relu"], ["status"], ["hint", "relu"]])
def test_a_closed_pipe_ends_the_command_quietly(env, argv):
    """As in ``nn-kata check relu | head -1``, with the reader gone before the first write."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([str(NN_KATA), *argv], cwd=PROJECT_ROOT, env=env, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, timeout=HANG_GUARD)
    finally:
        os.close(write_end)
    assert proc.stderr == ""  # no BrokenPipeError, no "Exception ignored"
    assert proc.returncode == 141  # as a command ended by SIGPIPE


def test_head_of_the_output_in_a_shell_pipeline(env):
    proc = subprocess.run(f"set -o pipefail; '{NN_KATA}' list | head -1", shell=True, executable="/bin/bash",
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=HANG_GUARD)
    assert proc.stdout.startswith(" 1. relu") and proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert proc.returncode in (0, 141)  # 0 when everything fitted in the pipe before head left


@needs_solutions
def test_also_failing_lists_each_check_once(env, tmp_path):
    """A softmax without the max shift fails the parametrized huge-logits test four times."""
    d = tmp_path / "bug"
    shutil.copytree(SOLUTIONS, d, ignore=shutil.ignore_patterns("__pycache__"))
    with open(d / "activations.py", "a") as f:
        f.write("\n\ndef softmax(Z):\n    e = np.exp(Z)\n    return e / e.sum(axis=0, keepdims=True)\n")
    out = nn_kata("check", "softmax", "--impl", d, env=env).stdout
    first = out.split("First failing check: ")[1].splitlines()[0]
    assert "Logits of magnitude 1e3 and more" in first
    listed = [line[4:] for line in out.split("Also failing:\n")[1].splitlines() if line.startswith("  - ")]
    assert listed and len(listed) == len(set(listed)), out
    assert first not in listed, out


@needs_solutions
def test_train_blames_the_file_with_the_syntax_error(env, tmp_path):
    d = tmp_path / "impl"
    shutil.copytree(SOLUTIONS, d, ignore=shutil.ignore_patterns("__pycache__"))
    (d / "layers.py").write_text("import numpy as np\n\ndef linear_forward(W, A_prev, b)\n    return W @ A_prev + b\n")
    proc = nn_kata("train", "--impl", d, "--dataset", "synthetic", "--no-download", "--iterations", "3",
                   "--no-plots", "--out", tmp_path / "out", env=env)
    assert proc.returncode == 2
    assert "layers.py, line 3" in proc.stderr and "SyntaxError" in proc.stderr
    assert "network.py" not in proc.stderr
