"""The installed ``nn-kata`` command, run as a learner runs it: in a subprocess or a terminal."""
import os
import pty
import shutil
import subprocess
from pathlib import Path

from nn.impl import PROJECT_ROOT

from ..helpers import NN_KATA, SOLUTIONS, needs_solutions, nn_kata, read_until


def test_list_shows_the_manifest_in_order(env):
    out = nn_kata("list", env=env).stdout
    assert out.index(" 1. relu") < out.index(" 2. softmax") < out.index(" 8. backward") < out.index(" 9. train")
    assert "activations.py: relu, relu_backward" in out and "seed:" in out


def test_status_reports_progress_and_the_next_kata(env, student):
    proc = nn_kata("status", "--impl", student, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "1/9 katas done" in proc.stdout
    assert "✓ 1. relu" in proc.stdout and "· 2. softmax" in proc.stdout
    assert "Next: softmax" in proc.stdout and "activations.py" in proc.stdout
    assert nn_kata("--impl", student, env=env).stdout == proc.stdout  # status is the default, and cached


def test_status_reuses_results_of_unchanged_katas(student, tmp_path, monkeypatch):
    from nn import manifest
    from nn.learn import commands, runner, state

    monkeypatch.setattr(state, "STATE_DIR", tmp_path / "state")
    calls = []
    real = runner.run_katas
    monkeypatch.setattr(runner, "run_katas", lambda names, *a, **k: calls.append(list(names)) or real(names, *a, **k))
    commands.compute_status(student)
    assert calls == [list(manifest.names())]
    commands.compute_status(student)
    assert len(calls) == 1  # nothing ran: every kata came from the cache
    (student / "losses.py").write_text((student / "losses.py").read_text() + "\n# edited\n")
    commands.compute_status(student)
    assert calls[-1] == ["loss"]  # only the kata whose file changed


@needs_solutions
def test_check_passes_with_exit_status_0(env):
    proc = nn_kata("check", "softmax", "--impl", "solutions", env=env)
    assert proc.returncode == 0 and "done: all" in proc.stdout


def test_check_a_stub_reads_not_started(env, student):
    proc = nn_kata("check", "loss", "--impl", student, env=env)
    assert proc.returncode == 1
    assert "not started" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_check_without_a_kata_takes_the_first_not_done(env, student):
    proc = nn_kata("check", "--impl", student, env=env)
    assert proc.returncode == 1 and "kata softmax" in proc.stdout


@needs_solutions
def test_check_names_the_mistake_and_shows_no_traceback(env, tmp_path):
    d = tmp_path / "bug"
    shutil.copytree(SOLUTIONS, d, ignore=shutil.ignore_patterns("__pycache__"))
    with open(d / "activations.py", "a") as f:
        f.write("\n\ndef softmax(Z):\n    e = np.exp(Z)\n    return e / e.sum(axis=0, keepdims=True)\n")
    proc = nn_kata("check", "softmax", "--impl", d, env=env)
    out = proc.stdout
    assert proc.returncode == 1
    assert "First failing check:" in out and "likely mistake: overflow or NaN" in out
    assert "expected" in out and "got" in out and "Traceback" not in out
    assert max(len(line) for line in out.splitlines()) < 400  # never a whole array


@needs_solutions
def test_check_verbose_shows_pytest_output(env):
    proc = nn_kata("check", "relu", "-v", "--impl", "solutions", env=env)
    assert "PASSED" in proc.stdout and proc.returncode == 0


def test_unknown_kata_lists_the_valid_ones(env):
    proc = nn_kata("check", "sofmax", env=env)
    assert proc.returncode == 2 and "valid katas are: relu, softmax" in proc.stderr


def test_missing_impl_directory(env):
    proc = nn_kata("status", "--impl", "/no/such/dir", env=env)
    assert proc.returncode == 2 and "no such directory" in proc.stderr


def test_impl_lacking_a_module_says_what_is_missing(env, student):
    (student / "gradcheck.py").unlink()
    proc = nn_kata("check", "gradcheck", "--impl", student, env=env)
    assert "has no gradcheck.py" in proc.stderr + proc.stdout
    assert proc.returncode == 1


def test_syntax_error_shows_file_and_line_and_spares_other_katas(env, student):
    (student / "layers.py").write_text("import numpy as np\n\ndef linear_forward(W, A_prev, b)\n    return W @ A_prev + b\n")
    proc = nn_kata("check", "linear", "--impl", student, env=env)
    assert "layers.py, line 3" in proc.stdout and "SyntaxError" in proc.stdout
    status = nn_kata("status", "--impl", student, env=env).stdout
    assert "✓ 1. relu" in status and "✗ 5. linear" in status and "· 7. forward" in status


def test_an_infinite_loop_is_stopped_with_a_message(env, student):
    (student / "losses.py").write_text((student / "losses.py").read_text().replace(
        'def one_hot(labels, num_classes=10):\n', 'def one_hot(labels, num_classes=10):\n    while True:\n        pass\n', 1))
    proc = nn_kata("check", "loss", "--impl", student, "--timeout", "1", env=env)
    assert proc.returncode == 1 and "stopped after 1 s" in proc.stdout


def test_hints_come_one_more_at_a_time(env):
    first = nn_kata("hint", "softmax", env=env).stdout
    second = nn_kata("hint", "softmax", env=env).stdout
    third = nn_kata("hint", "softmax", env=env).stdout
    assert "1/3" in first and "2/3" not in first
    assert "2/3" in second and "again" in second
    assert "3/3" in third and "last hint" in third
    assert "1/3" in nn_kata("hint", "relu", env=env).stdout  # per kata


def test_reset_restores_one_kata_and_keeps_a_backup(env, student):
    activations = student / "activations.py"
    mine = activations.read_text()
    proc = nn_kata("reset", "relu", "--impl", student, env=env)
    assert proc.returncode == 0 and "saved as" in proc.stdout
    backup = Path(proc.stdout.split("saved as ")[1].split()[0])
    assert backup.read_text() == mine
    text = activations.read_text()
    assert "TODO(kata relu)" in text and "np.maximum(0, Z)" not in text
    assert "kata 'softmax': not yet" in text  # the other kata's function is left as it was


def test_watch_rechecks_on_save_and_moves_on(env, student):
    proc = subprocess.Popen([str(NN_KATA), "watch", "--poll", "--impl", str(student)], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    try:
        out = read_until(proc, "Watching")
        assert "checking softmax" in out
        text = (student / "activations.py").read_text().replace(
            "    raise NotImplementedError(\"kata 'softmax': not yet\")",
            "    e = np.exp(Z - Z.max(axis=0, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)")
        (student / "activations.py").write_text(text)
        out = read_until(proc, "On to the next kata: loss")
        assert "done: all" in out
    finally:
        proc.terminate()
        proc.wait()
        proc.stdout.close()


def test_status_in_a_real_terminal_uses_colour(student, tmp_path):
    env = dict(os.environ, NN_KATA_STATE=str(tmp_path / "state"), TERM="xterm")
    env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: nn-kata with a terminal for stdout
        os.chdir(PROJECT_ROOT)
        os.execve(str(NN_KATA), [str(NN_KATA), "status", "--impl", str(student)], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    assert "\x1b[32m" in text and "katas done" in text and "█" in text


@needs_solutions
def test_notebook_check_renders_the_report():
    import nn

    report = nn.check("softmax", impl="solutions")
    assert report and report.passed
    assert "done: all" in str(report) and report._repr_html_().startswith("<pre")
    assert repr(report) == f"<check 'softmax': done, {report.result.total} of {report.result.total} checks pass>"
