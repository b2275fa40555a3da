"""Times the kata suite as a learner runs it: whole pytest processes, interpreter start included.

    python bench/bench_suite.py [--impl solutions] [--repeat 5]

Prints the median wall time of the full kata suite and of each kata's tests alone.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nn import manifest  # noqa: E402


def wall(args, repeat):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NN_KATAS_PROFILE")}  # the learner's profile
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise SystemExit(proc.stdout + proc.stderr)
    return statistics.median(times), proc.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="solutions")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, --impl {args.impl}, median of {args.repeat}")
    total, line = wall([f"--impl={args.impl}"], args.repeat)
    print(f"{'whole kata suite':<22}{total:6.2f} s   {line}")
    for kata in manifest.katas():
        t, line = wall([f"--impl={args.impl}", kata.test_file, "-m", kata.marker], args.repeat)
        print(f"{'kata ' + kata.name:<22}{t:6.2f} s   {line}")


if __name__ == "__main__":
    main()
