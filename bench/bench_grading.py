"""Grading throughput on a generated class.

    python bench/bench_grading.py [--students 200] [--jobs 2] [--kata-timeout 20]

Builds a class of submissions: correct ones (the reference with a correct variant from
tests/catalogue/correct.py), buggy ones (one bug each from tests/catalogue/bugs.py), not
started ones (the stubs) and hostile ones (tests/support/grade/test_grading.py), then times
`nn-kata grade-all --jobs N` on it and prints submissions per minute.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.catalogue.bugs import BUGS  # noqa: E402
from tests.catalogue.correct import CORRECT  # noqa: E402
from tests.support.grade.test_grading import HOSTILE, build  # noqa: E402

NN_KATA = Path(sys.executable).with_name("nn-kata")


def make_class(root: Path, students: int, hostile: bool = True) -> dict[str, str]:
    kinds = {}
    n_hostile = max(1, students // 10) if hostile else 0
    n_stub = students // 5
    n_correct = (students - n_hostile - n_stub) * 2 // 5
    n_bug = students - n_hostile - n_stub - n_correct
    for i in range(n_correct):
        CORRECT[i % len(CORRECT)].build(ROOT / "solutions", root / f"correct-{i:03d}")
        kinds[f"correct-{i:03d}"] = "correct"
    for i in range(n_bug):
        BUGS[i % len(BUGS)].build(ROOT / "solutions", root / f"buggy-{i:03d}")
        kinds[f"buggy-{i:03d}"] = "buggy"
    for i in range(n_stub):
        shutil.copytree(ROOT / "katas", root / f"stub-{i:03d}", ignore=shutil.ignore_patterns("__pycache__"))
        kinds[f"stub-{i:03d}"] = "not started"
    cases = list(HOSTILE)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_hostile):
            case = cases[i % len(cases)]
            build(Path(tmp), case).rename(root / f"hostile-{i:03d}-{case}")
            kinds[f"hostile-{i:03d}-{case}"] = "hostile"
    return kinds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kata-timeout", type=float, default=20.0)
    parser.add_argument("--no-hostile", action="store_true", help="leave out the hostile tenth of the class")
    parser.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default="auto",
                        help="how the submissions' code is isolated (grade-all's --sandbox)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        klass.mkdir()
        kinds = make_class(klass, args.students, hostile=not args.no_hostile)
        start = time.perf_counter()
        proc = subprocess.run([str(NN_KATA), "grade-all", str(klass), "--jobs", str(args.jobs), "--force",
                               "--kata-timeout", str(args.kata_timeout), "--sandbox", args.sandbox,
                               "--out", str(Path(tmp) / "grades")],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(proc.stdout + proc.stderr)
        rows = list(csv.DictReader(open(Path(tmp) / "grades" / "grades.csv")))
    counts = {}
    for kind in kinds.values():
        counts[kind] = counts.get(kind, 0) + 1
    totals = {}
    for row in rows:
        totals.setdefault(kinds[row["student"]], []).append(float(row["total"]))
    print(f"{len(rows)} submissions ({', '.join(f'{v} {k}' for k, v in counts.items())}), --jobs {args.jobs}, "
          f"--kata-timeout {args.kata_timeout:g}, --sandbox {args.sandbox}")
    print(f"wall time {seconds:.1f} s: {len(rows) / seconds * 60:.1f} submissions per minute (process start included)")
    for kind, scores in totals.items():
        print(f"  {kind:<12} mean score {sum(scores) / len(scores):6.1f} / 100")


if __name__ == "__main__":
    main()
