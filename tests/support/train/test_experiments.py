"""``nn-kata experiment init`` and ``experiment lr``, and ``nn-kata train`` reading its own run."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

NN_KATA = Path(sys.executable).with_name("nn-kata")
needs_solutions = pytest.mark.skipif(not (PROJECT_ROOT / "solutions").is_dir(), reason="solutions/ is not here")
SMALL = ["--dataset", "synthetic", "--no-download"]


def nn_kata(*args, tmp_path):
    env = {"NN_KATA_STATE": str(tmp_path / "state"), "NO_COLOR": "1", "PATH": "/usr/bin:/bin",
           "MPLBACKEND": "Agg", "HOME": str(tmp_path)}
    return subprocess.run([str(NN_KATA), *map(str, args)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=900, stdin=subprocess.DEVNULL)


@needs_solutions
def test_init_experiment_reads_four_initialisations_side_by_side(tmp_path):
    out = tmp_path / "init"
    proc = nn_kata("experiment", "init", "--impl", "solutions", *SMALL, "--iterations", "8", "--subset", "400",
                   "--out", out, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "zeros: all 10 hidden units stay identical (gradient symmetry)" in proc.stdout
    assert "unit variance: first loss" in proc.stdout and "times He's" in proc.stdout
    assert "starts saturated" in proc.stdout and "Lowest loss after 8 steps:" in proc.stdout
    for name in ("init.json", "reading.txt", "activation_variance.png", "loss_curves.png"):
        assert (out / name).stat().st_size > 0, name
    data = json.loads((out / "init.json").read_text())
    runs = {r["scheme"]: r for r in data["runs"]}
    assert list(runs) == ["zeros", "unit", "he", "glorot"]
    assert runs["zeros"]["identical_hidden_units"] and max(runs["zeros"]["var_hidden"]) == 0
    assert not runs["he"]["identical_hidden_units"] and len(runs["he"]["losses"]) == 8
    assert len(runs["he"]["var_hidden"]) == 9  # the start and after each step
    assert runs["unit"]["var_hidden"][0] > 20 * runs["he"]["var_hidden"][0]
    assert abs(runs["he"]["losses"][0] - math.log(10)) < 0.5
    assert runs["he"]["source"] == "your he_normal" and runs["glorot"]["source"] == "your glorot_uniform"
    assert (out / "reading.txt").read_text().splitlines() == data["reading"]


def test_init_experiment_on_unwritten_katas_says_what_to_do(tmp_path):
    proc = nn_kata("experiment", "init", *SMALL, "--iterations", "2", "--subset", "50", "--no-plots",
                   "--out", tmp_path / "x", tmp_path=tmp_path)
    assert proc.returncode == 2 and "finish those katas first, or run it with --impl solutions" in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_solutions
def test_lr_experiment_is_the_sweep(tmp_path):
    out = tmp_path / "lr"
    proc = nn_kata("experiment", "lr", "--impl", "solutions", *SMALL, "--iterations", "3", "--subset", "300",
                   "--alphas", "0.1,1", "--out", out, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "sweeping 2 learning rates, 3 full-batch steps each on 300 examples" in proc.stdout
    rows = json.loads((out / "lr_sweep.json").read_text())
    assert [r["alpha"] for r in rows] == [0.1, 1.0] and (out / "lr_sweep.png").is_file()


@needs_solutions
def test_train_reads_its_own_run(tmp_path):
    out = tmp_path / "run"
    proc = nn_kata("train", "--impl", "solutions", *SMALL, "--iterations", "40", "--no-plots", "--out", out,
                   tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    tail = proc.stdout[proc.stdout.index("reading the run:"):]
    assert "initial loss 2.3" in tail and "against ln(10) = 2.30: as expected" in tail
    assert "dead ReLU units: 0% at the start" in tail
    assert "update / weight per step (median): layer 1 (W1)" in tail and "layer 2 (W2)" in tail
    assert "training loss still falling: yes" in tail
    reading = json.loads((out / "run.json").read_text())["reading"]
    assert reading["still_falling"] is True and abs(reading["initial_loss"] - math.log(10)) < 0.3
    assert reading["dead_relu_start"] == 0.0 and reading["dead_relu_end"] is not None
    assert {"W1", "W2", "step"} <= set(reading["update_to_weight"][0])
    assert reading["lines"] == [line.strip() for line in tail.splitlines()[1:5]]


def test_the_reading_of_a_flat_run_and_of_dead_units():
    from nn.train.reading import read_run

    data = read_run([5.0] * 30, {"dead_start": 0.0, "dead_end": 0.6, "update_ratios": [{"W1": 0.5, "W2": 1e-6}]})
    text = "\n".join(data["lines"])
    assert "high: the network starts confidently wrong" in text
    assert "60% at the end (a unit dead on every example gets no gradient" in text
    assert "layer 1 (W1) 5.0e-01, large" in text and "layer 2 (W2) 1.0e-06, small" in text
    assert "still falling: no" in text and data["still_falling"] is False
