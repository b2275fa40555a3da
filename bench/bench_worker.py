"""What the worker protocol costs: one call, a call with callbacks, and starting a worker.

    python bench/bench_worker.py [--impl solutions] [--calls 2000]

Times, in this process, the reference's functions called directly and through a worker
process (``--worker process``) and a bubblewrap-sandboxed one (``--worker bwrap``, when it
starts here): microseconds per call for relu on a (10, 32) batch, for update on the seed's
784-10-10 parameters, for numerical_gradient on a (4, 4) array (33 callbacks to f per call),
and the time to start a worker and import the six modules (once per grading process).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn.impl import Implementation, resolve_impl_dir  # noqa: E402
from nn.worker import sandbox  # noqa: E402
from nn.worker.remote import RemoteImplementation  # noqa: E402


def per_call(fn, calls: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="solutions")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    directory = resolve_impl_dir(args.impl)
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(10, 32))
    params = {"W1": rng.normal(size=(10, 784)), "b1": np.zeros((10, 1)), "W2": rng.normal(size=(10, 10)),
              "b2": np.zeros((10, 1))}
    grads = {"d" + k: v * 0.01 for k, v in params.items()}
    x = rng.normal(size=(4, 4))
    f = lambda v: float(np.sum(v ** 3))  # noqa: E731
    local = Implementation(directory)
    modes = ["process"] + (["bwrap"] if sandbox.bwrap_works() is None else [])
    rows = {"in-process": {
        "relu": per_call(lambda: local.function("relu")(Z), args.calls),
        "update": per_call(lambda: local.function("update")(dict(params), grads, 0.1), args.calls // 4),
        "numerical_gradient": per_call(lambda: local.function("numerical_gradient")(f, x.copy()), args.calls // 10),
    }}
    starts = {}
    for mode in modes:
        times = []
        for _ in range(5):
            remote = RemoteImplementation(directory, mode)
            t0 = time.perf_counter()
            remote._ensure()
            times.append(time.perf_counter() - t0)
            remote.close()
        starts[mode] = statistics.median(times)
        remote = RemoteImplementation(directory, mode)
        rows[mode] = {
            "relu": per_call(lambda: remote.call("activations", "relu", (Z,), {}), args.calls),
            "update": per_call(lambda: remote.call("network", "update", (dict(params), grads, 0.1), {}), args.calls // 4),
            "numerical_gradient": per_call(lambda: remote.call("gradcheck", "numerical_gradient", (f, x.copy()), {}),
                                           args.calls // 10),
        }
        remote.close()
    print(f"{'microseconds per call':<24}" + "".join(f"{m:>14}" for m in rows))
    for name in rows["in-process"]:
        print(f"{name:<24}" + "".join(f"{rows[m][name]:>14.0f}" for m in rows))
    for mode, seconds in starts.items():
        print(f"starting a {mode} worker and importing the six modules: {seconds * 1000:.0f} ms (median of 5)")


if __name__ == "__main__":
    main()
