"""nn-kata train and lr-sweep: runs, pictures, divergence, Ctrl-C and the offline fallback."""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from nn import cli
from nn.train import commands as train_commands
from nn.train import data
from nn.impl import PROJECT_ROOT

NN_KATA = Path(sys.executable).with_name("nn-kata")
SOLUTIONS = PROJECT_ROOT / "solutions"
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")


def run(*args, cwd=PROJECT_ROOT, env=None, timeout=300):
    return subprocess.run([str(NN_KATA), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env or dict(os.environ), stdin=subprocess.DEVNULL)


def png_size(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", raw[16:24])
    assert zlib.crc32(raw[12:29]) == struct.unpack(">I", raw[29:33])[0], f"{path}: corrupt IHDR chunk"
    return width, height


def assert_picture(path: Path, size: tuple[int, int]):
    from matplotlib.image import imread

    assert path.is_file(), f"{path} was not written"
    assert png_size(path) == size
    pixels = imread(path)
    assert pixels.std() > 0.01, f"{path} is blank"


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = run("train", "--impl", "solutions", "--dataset", "synthetic", "--iterations", "60", "--alpha", "0.5",
               "--out", out)
    return proc, out


def test_train_prints_an_honest_result(synthetic_run):
    proc, out = synthetic_run
    assert proc.returncode == 0, proc.stderr
    assert "SYNTHETIC DATA" in proc.stdout and "test accuracy" in proc.stdout
    record = json.loads((out / "run.json").read_text())
    assert record["synthetic"] and len(record["losses"]) == 60 and record["losses"][-1] < record["losses"][0]
    assert record["test_accuracy"] > 0.5 and record["peak_memory_mb"] > 0
    params = np.load(out / "params.npz")
    assert params["W1"].shape == (10, 784) and params["b2"].shape == (10, 1)


@pytest.mark.parametrize("name,size", [("learning_curve.png", (800, 500)), ("hidden_units.png", (1000, 440)),
                                       ("confusion_matrix.png", (700, 600)), ("misclassified.png", (1200, 920))])
def test_pictures_are_valid_non_blank_pngs(synthetic_run, name, size):
    _, out = synthetic_run
    assert_picture(out / name, size)


def test_lr_sweep_marks_divergent_rates(tmp_path):
    proc = run("lr-sweep", "--impl", "solutions", "--dataset", "synthetic", "--alphas", "0.1,1,1000",
               "--iterations", "30", "--subset", "1000", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((tmp_path / "lr_sweep.json").read_text())
    assert [r["diverged"] for r in rows] == [False, False, True]
    assert "DIVERGED" in proc.stdout
    assert_picture(tmp_path / "lr_sweep.png", (800, 500))


def test_divergence_stops_at_once_and_names_the_learning_rate(tmp_path):
    proc = run("train", "--impl", "solutions", "--dataset", "synthetic", "--alpha", "1e4", "--iterations", "200",
               "--out", tmp_path, "--no-plots")
    assert proc.returncode == 3
    assert "learning rate" in proc.stderr and "alpha=10000" in proc.stderr
    assert len(json.loads((tmp_path / "run.json").read_text())["losses"]) < 200


def test_unstable_softmax_is_pointed_at(tmp_path):
    impl = tmp_path / "impl"
    shutil.copytree(SOLUTIONS, impl, ignore=shutil.ignore_patterns("__pycache__"))
    with open(impl / "activations.py", "a") as f:
        f.write("\n\ndef softmax(Z):\n    e = np.exp(Z)\n    return e / e.sum(axis=0, keepdims=True)\n")
    proc = run("train", "--impl", impl, "--dataset", "synthetic", "--alpha", "50", "--iterations", "100",
               "--out", tmp_path / "out", "--no-plots")
    assert proc.returncode == 3
    assert "nan" in proc.stderr.lower() and "softmax" in proc.stderr


def test_ctrl_c_stops_cleanly_and_saves(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([str(NN_KATA), "train", "--impl", "solutions", "--dataset", "synthetic", "--iterations",
                          "100000", "--out", str(tmp_path), "--no-plots"], cwd=PROJECT_ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while "training 784" not in (line := p.stdout.readline()):
        assert line, "training never started"
    # Interrupt once the process has spent CPU time on steps, not after some wall time: on a
    # busy machine a second can pass before it takes a single step.
    started = cpu_seconds(p.pid)
    while cpu_seconds(p.pid) < started + 0.5:
        assert p.poll() is None, "training ended before it was interrupted"
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate()
    assert p.returncode == 0, err
    assert "stopped early: interrupted at step" in out and "test accuracy" in out
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["stopped"].startswith("interrupted") and 0 < len(record["losses"]) < 100000


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process, all its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_offline_with_no_data_falls_back_to_synthetic(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "SYSTEM_DIRS", {})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NN_KATAS_DATA", raising=False)
    monkeypatch.setattr(data, "MIRRORS", {"mnist": ["http://127.0.0.1:9/"], "fashion-mnist": ["http://127.0.0.1:9/"]})
    code = cli.main(["train", "--impl", "solutions", "--iterations", "5", "--out", str(tmp_path / "out"), "--no-plots"])
    out = capsys.readouterr()
    assert code == 0
    assert "download failed" in out.err and "by hand" in out.err
    assert "SYNTHETIC DATA" in out.out and "(SYNTHETIC DATA)" in out.out


def test_bad_training_arguments_are_refused(capsys):
    assert cli.main(["train", "--impl", "solutions", "--alpha", "-1"]) == 2
    assert "--alpha must be > 0" in capsys.readouterr().err
    assert cli.main(["train", "--impl", "solutions", "--data", "/no/such/dir"]) == 2
    assert "--data /no/such/dir: no MNIST or Fashion-MNIST files there" in capsys.readouterr().err
    assert cli.main(["train", "--impl", "solutions", "--dataset", "mnist", "--data", "/no/such/dir"]) == 2
    assert "no such directory" in capsys.readouterr().err


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_standardize_matches_numpy_mean_and_std(dtype, order):
    from nn.train.trainer import standardize

    rng = np.random.default_rng(3)
    X = np.asarray(rng.random((7, 50)) * np.arange(7)[:, None], dtype=dtype, order=order)  # row 0 is blank
    X_test = np.asarray(rng.random((7, 5)), dtype=dtype, order=order)
    before = X.copy(), X_test.copy()
    A, B = standardize(X, X_test)
    mean, std = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True) + 0.1
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(A, (X - mean) / std, atol=tol)
    np.testing.assert_allclose(B, (X_test - mean) / std, atol=tol)
    assert A.dtype == B.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(X, before[0])  # the data set itself is left alone
    np.testing.assert_array_equal(X_test, before[1])


@pytest.mark.parametrize("argv, expected", [
    ([], {"alpha": 0.1, "epochs": 0, "batch_size": 0, "optimizer": "sgd", "standardize": False, "dtype": "float64"}),
    (["--recipe", "seed"], {"alpha": 0.1, "epochs": 0, "optimizer": "sgd", "iterations": 500}),
    (["--recipe", "fast"], {"alpha": 0.02, "epochs": 10, "batch_size": 1000, "optimizer": "adam", "standardize": True,
                            "decay": 0.2, "dtype": "float32"}),
    (["--recipe", "fast", "--dtype", "float64", "--no-standardize", "--alpha", "0.01"],
     {"alpha": 0.01, "epochs": 10, "optimizer": "adam", "standardize": False, "dtype": "float64"}),
    (["--recipe", "best", "--epochs", "3"], {"epochs": 3, "batch_size": 32, "optimizer": "momentum"}),
])
def test_a_recipe_fills_in_what_the_command_line_leaves_out(argv, expected):
    from dataclasses import asdict

    args = cli.build_parser().parse_args(["train", *argv])
    opts = asdict(train_commands._options(args))
    assert {k: opts[k] for k in expected} == expected
    assert args.dtype == opts["dtype"]  # the data loader reads it from args


def test_progress_writes_to_the_stderr_of_the_moment(monkeypatch):
    # A bar made after stderr was replaced (pytest capture, a redirect) writes to the new stream,
    # not to the one there was when nn.progress was first imported, which may be closed by now.
    import io

    from nn.progress import Progress

    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    bar = Progress(10)
    bar.update(10, "done")
    assert "10/10 done" in now.getvalue()
