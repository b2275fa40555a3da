"""Training speed and accuracy, the figures in the README.

    python bench/bench_training.py [--repeat 7] [--runs 3] [--skip-accuracy | --only-accuracy]

1. One full-batch gradient-descent step of the reference on 60,000 x 784 inputs, in float64
   and float32, against PyTorch on the CPU doing the same step (where it is installed) and
   against the floor: reading X twice at the memory bandwidth measured here (the faster of one
   thread and all of them), and each of the step's two products with X alone.
2. `nn-kata train` end to end on Fashion-MNIST with the seed's recipe: wall time, peak
   memory, and data loading (cold, then from the decoded-array cache).
3. Accuracy and time of the seed's recipe, the most accurate recipe and the fastest one on
   Fashion-MNIST and MNIST, with scikit-learn's MLPClassifier(hidden_layer_sizes=(10,)) on the
   same split where installed, and the accuracy of the two recipes over seeds 0, 1 and 2.
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

from nn.train import data  # noqa: E402
from nn.impl import Implementation  # noqa: E402
from nn.train.recipes import RECIPES  # noqa: E402
from nn.train.trainer import Network  # noqa: E402

NN_KATA = Path(sys.executable).with_name("nn-kata")
MNIST = ROOT.parent / "shared" / "data" / "mnist"
SEED_RECIPE = ["--recipe", "seed"]


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

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 2)))
    except ImportError:
        torch = None
    products = []
    # One bandwidth for both dtypes, measured on float64: summing float32 is slower per byte
    # (more additions), which would flatter the float32 floor.
    bandwidth = fashion.X_train.nbytes / read_time(fashion.X_train, repeat)  # loaded as float64
    for dtype in (np.float64, np.float32):
        X = fashion.X_train.astype(dtype)
        Y = np.asarray(net.one_hot(fashion.y_train, 10), dtype=dtype)
        params = {k: v.astype(dtype) for k, v in net.init_params(np.random.default_rng(0), 784, 10, 10).items()}

        def ours():
            A2, cache = net.forward(params, X)
            net.update(params, net.backward(params, cache, X, Y), 0.1)

        t_ours = median_time(ours, repeat)
        t_read = X.nbytes / bandwidth
        floor = 2 * t_read
        dZ1 = np.ones((10, X.shape[1]), dtype=dtype)
        products.append((np.dtype(dtype).name, median_time(lambda: params["W1"] @ X, repeat),
                         median_time(lambda: dZ1 @ X.T, repeat), t_read))
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
              f"({bandwidth / 1e9:.1f} GB/s) | {t_ours / floor:.2f} | {ratio_torch} |")
    print("\nThe step's two products with X, each alone, against one read of X:\n")
    print("| dtype | `W1 @ X` | `dZ1 @ X.T` | one read of X | products / floor |")
    print("|---|---|---|---|---|")
    for name, fwd, bwd, read in products:
        print(f"| {name} | {fwd * 1e3:.1f} ms | {bwd * 1e3:.1f} ms | {read * 1e3:.1f} ms | {(fwd + bwd) / (2 * read):.2f} |")
    print()


def one_thread(repeat):
    """The same tables with OpenBLAS held to one thread (it reads the variable when it loads,
    so in a fresh process). If the step were bound by memory, a second thread would not help."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, __file__, "--only-step", "--repeat", str(repeat)], env=env,
                          capture_output=True, text=True)
    print("### The same, with one BLAS thread\n")
    print(proc.stdout.split("\n", 2)[2] if proc.returncode == 0 else proc.stderr)


def read_time(X, repeat):
    """The fastest way found here to read every byte of X once: one thread, or both halves at
    once on two threads (numpy lets go of the GIL while it sums)."""
    from concurrent.futures import ThreadPoolExecutor

    one = median_time(lambda: X.sum(), repeat)
    threads = os.cpu_count() or 1
    if threads < 2:
        return one
    slabs = np.array_split(X, threads)  # views, one per thread
    with ThreadPoolExecutor(threads) as pool:
        many = median_time(lambda: list(pool.map(np.sum, slabs)), repeat)
    return min(one, many)


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


def train_run(where, recipe, out, seed=0):
    proc = subprocess.run([str(NN_KATA), "train", "--impl", "solutions", *where, *recipe, "--seed", str(seed),
                           "--out", out, "--no-plots"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stdout + proc.stderr)
    return json.loads((Path(out) / "run.json").read_text())


def sklearn_run(ds, seed=0):
    """scikit-learn's MLPClassifier with one hidden layer of 10 units, its defaults otherwise
    (Adam, batches of 200), for 10 epochs as in the Fashion-MNIST benchmark; fit time only."""
    import warnings

    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=10, random_state=seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it has not converged after 10 epochs, by design
        clf.fit(ds.X_train.T, ds.y_train)
    seconds = time.perf_counter() - t0
    return float(np.mean(clf.predict(ds.X_test.T) == ds.y_test)), seconds


def accuracy_table(runs):
    """Each row's time is the median of `runs` fresh processes (this machine's timings vary by
    a third from run to run); the accuracy does not vary, the seed is fixed."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sklearn = None
    sets = [("Fashion-MNIST", "fashion-mnist", ["--dataset", "fashion-mnist"])]
    if MNIST.is_dir():
        sets.append(("MNIST t10k (8,000 / 2,000)", "mnist", ["--data", str(MNIST)]))
    print(f"## Accuracy and time, 784-10-10 (time: median of {runs} runs)\n")
    print("| data | recipe | test accuracy | training time | command |")
    print("|---|---|---|---|---|")
    seeds = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, where in sets:
            for recipe_name in RECIPES:
                recipe = ["--recipe", recipe_name]
                records = [train_run(where, recipe, tmp) for _ in range(runs if recipe_name != "seed" else 1)]
                seconds = statistics.median(r["seconds_training"] for r in records)
                shown = " ".join(w if not w.startswith("/") else "../shared/data/mnist" for w in where + recipe)
                print(f"| {label} | {recipe_name} | {records[0]['test_accuracy']:.4f} | {seconds:.2f} s | "
                      f"`nn-kata train --impl solutions {shown}` |")
                if recipe_name != "seed":
                    accs = [records[0]["test_accuracy"]] + [train_run(where, recipe, tmp, seed)["test_accuracy"]
                                                            for seed in (1, 2)]
                    seeds.append((label, recipe_name, accs))
            if sklearn is None:
                continue
            ds = data.load(name, None if name == "fashion-mnist" else MNIST, allow_download=False)
            results = [sklearn_run(ds) for _ in range(runs)]
            print(f"| {label} | scikit-learn MLPClassifier((10,)), 10 epochs of Adam | {results[0][0]:.4f} | "
                  f"{statistics.median(s for _, s in results):.2f} s | `python bench/bench_training.py` |")
    print("\n| data | recipe | test accuracy, seeds 0, 1, 2 |\n|---|---|---|")
    for label, recipe_name, accs in seeds:
        print(f"| {label} | {recipe_name} | {', '.join(f'{a:.4f}' for a in accs)} |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="fresh runs per timed row of the accuracy table")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--only-accuracy", action="store_true")
    parser.add_argument("--only-step", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only_step:
        step_benchmark(args.repeat)
        return
    print(f"machine: {os.cpu_count()} cores, numpy {np.__version__}\n")
    if not args.only_accuracy:
        step_benchmark(args.repeat)
        one_thread(args.repeat)
        end_to_end()
    if not args.skip_accuracy:
        accuracy_table(args.runs)


if __name__ == "__main__":
    main()
