"""Times what a learner waits for: whole processes, interpreter start included.

    python bench/bench_suite.py [--impl solutions] [--repeat 5]

Prints the median wall time of the full kata suite, of each kata's tests alone (in-process
and through a worker process, as grading runs them), of `nn-kata check KATA` (nothing
cached), of a check in `nn-kata watch` (forked from its warm process, from the save to the
verdict) and of `nn-kata status` on an unchanged tree.
Python's default bytecode caching is on (PYTHONDONTWRITEBYTECODE is removed), as on a
learner's machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn import manifest  # noqa: E402

NN_KATA = Path(sys.executable).with_name("nn-kata")


def learner_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NN_KATAS_PROFILE", "PYTHONDONTWRITEBYTECODE")}
    env.update(extra)
    return env


def wall(cmd, repeat, env_factory=learner_env):
    times = []
    for _ in range(repeat):
        env = env_factory()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise SystemExit(proc.stdout + proc.stderr)
    return statistics.median(times), (proc.stdout.strip().splitlines() or [""])[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="solutions")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, --impl {args.impl}, median of {args.repeat}")
    pytest = [sys.executable, "-m", "pytest", "-q", f"--impl={args.impl}"]
    wall(pytest, 1)  # warm the bytecode caches once
    total, line = wall(pytest, args.repeat)
    print(f"{'pytest (whole suite)':<28}{total:6.2f} s   {line}")
    for kata in manifest.katas():
        t, line = wall(pytest + [kata.test_file, "-m", kata.marker], args.repeat)
        print(f"{'pytest -m ' + kata.marker:<28}{t:6.2f} s   {line}")
    if NN_KATA.exists():
        with tempfile.TemporaryDirectory() as tmp:
            fresh = lambda: learner_env(NN_KATA_STATE=tempfile.mkdtemp(dir=tmp))  # noqa: E731
            for kata in manifest.names():  # the target is 1.0 s for any kata
                t, _ = wall([str(NN_KATA), "check", kata, "--impl", args.impl], args.repeat, fresh)
                print(f"{'nn-kata check ' + kata:<28}{t:6.2f} s   (nothing cached)")
            warm = lambda: learner_env(NN_KATA_STATE=str(Path(tmp) / "warm"))  # noqa: E731
            wall([str(NN_KATA), "status", "--impl", args.impl], 1, warm)
            t, _ = wall([str(NN_KATA), "status", "--impl", args.impl], args.repeat, warm)
            print(f"{'nn-kata status (unchanged)':<28}{t:6.2f} s")
    watch_latency(args)


def watch_latency(args):
    """What `nn-kata watch` waits for after a save: one kata's check, forked from its warm process."""
    from nn.impl import resolve_impl_dir
    from nn.learn.runner import run_katas, warm

    impl = resolve_impl_dir(args.impl)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with warm():
        run_katas(["relu"], impl)  # the first fork pays for nothing the others do not
        for kata in ("relu", "softmax", "backward"):
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = run_katas([kata], impl)[kata]
                times.append(time.perf_counter() - t0)
            print(f"{'watch: save to verdict ' + kata:<28}{statistics.median(times):6.2f} s   ({result.status})")
    for kata in ("softmax", "backward"):
        t, line = wall([sys.executable, "-m", "pytest", "-q", f"--impl={args.impl}", "--worker=process",
                        kata_file(kata), "-m", f"kata_{kata}"], args.repeat)
        print(f"{'pytest --worker process ' + kata:<28}{t:6.2f} s   {line}")


def kata_file(name: str) -> str:
    return manifest.get(name).test_file


if __name__ == "__main__":
    main()
