"""Training speed and accuracy, the figures in the README.

    python bench/bench_training.py [--skip-accuracy] [--repeat 7]

1. One full-batch gradient-descent step of the reference on 60,000 x 784 inputs, in float64
   and float32, against PyTorch on the CPU doing the same step (where it is installed) and
   against the floor: reading X twice at the memory bandwidth measured here.
2. `nn-kata train` end to end on Fashion-MNIST with the seed's recipe: wall time, peak
   memory, and data loading (cold, then from the decoded-array cache).
3. Accuracy and time of the seed's recipe and of the best recipe on Fashion-MNIST and MNIST,
   with scikit-learn's MLPClassifier(hidden_layer_sizes=(10,)) on the same split where installed.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn import data  # noqa: E402
from nn.impl import Implementation  # noqa: E402
from nn.training import Network  # noqa: E402

NN_KATA = Path(sys.executable).with_name("nn-kata")
MNIST = ROOT.parent / "shared" / "data" / "mnist"
SEED_RECIPE = ["--alpha", "0.1", "--iterations", "500"]
BEST_RECIPE = ["--epochs", "20", "--batch-size", "32", "--alpha", "0.05", "--optimizer", "momentum",
               "--standardize", "--decay", "0.2"]


def median_time(f, repeat):
    f()  # warm-up: first-touch page faults and thread start-up are not the step
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def step_benchmark(repeat):
    fashion = data.load("fashion-mnist", allow_download=False)
    net = Network(Implementation(ROOT / "solutions"))
    print("## One full-batch gradient-descent step, 60,000 x 784, 784-10-10\n")
    print("| dtype | reference (nn-katas) | PyTorch CPU (autograd + SGD) | floor: read X twice | reference / floor | reference / PyTorch |")
    print("|---|---|---|---|---|---|")
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 2)
    except ImportError:
        torch = None
    for dtype in (np.float64, np.float32):
        X = fashion.X_train.astype(dtype)
        Y = np.asarray(net.one_hot(fashion.y_train, 10), dtype=dtype)
        params = {k: v.astype(dtype) for k, v in net.init_params(np.random.default_rng(0), 784, 10, 10).items()}

        def ours():
            A2, cache = net.forward(params, X)
            net.update(params, net.backward(params, cache, X, Y), 0.1)

        t_ours = median_time(ours, repeat)
        t_read = min(median_time(lambda: X.sum(), repeat), median_time(lambda: np.add.reduce(X, axis=None), repeat))
        floor = 2 * t_read
        t_torch = None
        if torch is not None:
            tdtype = torch.float64 if dtype == np.float64 else torch.float32
            Xt = torch.from_numpy(np.ascontiguousarray(X))
            yt = torch.from_numpy(fashion.y_train)
            tp = {k: torch.tensor(v, dtype=tdtype, requires_grad=True) for k, v in params.items()}

            def theirs():
                Z1 = tp["W1"] @ Xt + tp["b1"]
                Z2 = tp["W2"] @ torch.relu(Z1) + tp["b2"]
                loss = torch.nn.functional.cross_entropy(Z2.T, yt)
                loss.backward()
                with torch.no_grad():
                    for p in tp.values():
                        p -= 0.1 * p.grad
                        p.grad = None

            t_torch = median_time(theirs, repeat)
        torch_cell = f"{t_torch * 1e3:.0f} ms" if t_torch else "not installed"
        ratio_torch = f"{t_ours / t_torch:.2f}" if t_torch else "-"
        print(f"| {np.dtype(dtype).name} | {t_ours * 1e3:.0f} ms | {torch_cell} | {floor * 1e3:.0f} ms "
              f"({X.nbytes / t_read / 1e9:.1f} GB/s) | {t_ours / floor:.2f} | {ratio_torch} |")
    print()


def end_to_end():
    print("## `nn-kata train` end to end, Fashion-MNIST, the seed's recipe\n")
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for label, cache in (("cold cache", Path(tmp) / "cold"), ("decoded arrays cached", Path(tmp) / "cold")):
            env = dict(os.environ, XDG_CACHE_HOME=str(cache))
            t0 = time.perf_counter()
            proc = subprocess.run([str(NN_KATA), "train", "--impl", "solutions", "--dataset", "fashion-mnist",
                                   *SEED_RECIPE, "--out", str(Path(tmp) / "out")], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode:
                raise SystemExit(proc.stdout + proc.stderr)
            record = json.loads((Path(tmp) / "out" / "run.json").read_text())
            rows.append((label, wall, record))
    print("| run | wall time (with plots) | training | data loading | peak memory | test accuracy |")
    print("|---|---|---|---|---|---|")
    for label, wall, r in rows:
        print(f"| {label} | {wall:.1f} s | {r['seconds_training']:.1f} s | {r['seconds_loading']:.2f} s | "
              f"{r['peak_memory_mb']:.0f} MB | {r['test_accuracy']:.4f} |")
    print()


def accuracy_table():
    print("## Accuracy and time, 784-10-10\n")
    print("| data | recipe | test accuracy | training time | command |")
    print("|---|---|---|---|---|")
    sets = [("fashion-mnist", ["--dataset", "fashion-mnist"])]
    if MNIST.is_dir():
        sets.append(("mnist (t10k: 8,000 train / 2,000 test)", ["--data", str(MNIST)]))
    with tempfile.TemporaryDirectory() as tmp:
        for name, where in sets:
            for recipe_name, recipe in (("seed: alpha 0.1, 500 full-batch steps", SEED_RECIPE), ("best", BEST_RECIPE)):
                proc = subprocess.run([str(NN_KATA), "train", "--impl", "solutions", *where, *recipe, "--out", tmp,
                                       "--no-plots"], cwd=ROOT, capture_output=True, text=True)
                if proc.returncode:
                    raise SystemExit(proc.stdout + proc.stderr)
                r = json.loads((Path(tmp) / "run.json").read_text())
                shown = " ".join(w if not w.startswith("/") else "../shared/data/mnist" for w in where + recipe)
                print(f"| {name} | {recipe_name} | {r['test_accuracy']:.4f} | {r['seconds_training']:.1f} s | "
                      f"`nn-kata train --impl solutions {shown}` |")
            try:
                from sklearn.neural_network import MLPClassifier
            except ImportError:
                continue
            ds = data.load("fashion-mnist" if name == "fashion-mnist" else "mnist",
                           None if name == "fashion-mnist" else MNIST, allow_download=False)
            clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=10, random_state=0)
            t0 = time.perf_counter()
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(ds.X_train.T, ds.y_train)
            seconds = time.perf_counter() - t0
            acc = float(np.mean(clf.predict(ds.X_test.T) == ds.y_test))
            print(f"| {name} | scikit-learn MLPClassifier((10,)), 10 epochs of Adam | {acc:.4f} | {seconds:.1f} s | "
                  f"bench/bench_training.py |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, numpy {np.__version__}\n")
    step_benchmark(args.repeat)
    end_to_end()
    if not args.skip_accuracy:
        accuracy_table()


if __name__ == "__main__":
    main()
