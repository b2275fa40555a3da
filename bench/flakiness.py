"""The flakiness check: the kata suite against solutions/ under many hypothesis seeds.

    python bench/flakiness.py [--seeds 50] [--jobs 2]

Uses the non-derandomised ``seeds`` profile so each --hypothesis-seed explores other inputs.
Exits 1 if any seed fails.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(seed: int):
    env = dict(os.environ, NN_KATAS_PROFILE="seeds")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "--impl=solutions", f"--hypothesis-seed={seed}"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return seed, proc.returncode, "; ".join(failed) or (lines[-1] if lines else proc.stderr[-500:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run, range(1, args.seeds + 1)))
    bad = [r for r in results if r[1] != 0]
    for seed, code, line in bad:
        print(f"seed {seed}: exit {code}: {line}")
    print(f"{len(results) - len(bad)}/{len(results)} hypothesis seeds pass against solutions/")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
