"""Grading throughput on a generated class, and what the worker protocol costs.

    python bench/bench_grading.py [--students 200] [--jobs 2] [--kata-timeout 20] [--repeats 3]

The protocol: the kata suite graded against the reference in-process, through a worker
process (``--worker process``) and through a bubblewrap-sandboxed one (``--worker bwrap``,
where it starts), ``--repeats`` times each, with the grader's hypothesis profile. It prints,
per kata, the median seconds in each mode, the protocol's cost (a worker mode's time less the
in-process time), its share of the kata's time through the worker, and the calls, messages and
bytes that crossed; then the same per submission, starting the worker included.

The throughput: builds a class of submissions: correct ones (the reference with a correct
variant from tests/catalogue/correct.py), buggy ones (one bug each from tests/catalogue/bugs.py),
not started ones (the stubs) and hostile ones (tests/support/grade/test_grading.py), then times
`nn-kata grade-all --jobs N` on it and prints submissions per minute. The load average is printed
with the figures: on a shared machine, they say little without it.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
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

# Loaded into each pytest run (-p nn_bench_timing): the seconds of each kata's tests (setup, call and
# teardown), the worker's start apart; with NN_BENCH_COUNT, the calls, messages and bytes that cross.
TIMING_PLUGIN = """
import json, os, time
from nn import manifest
from nn.suite import remote

OUT = {"katas": {}, "start": 0.0, "traffic": {}}
FILES = {k.test_file: k.name for k in manifest.katas()}
NOW = {"kata": None}


def _kata(nodeid):
    return FILES.get(nodeid.split("::")[0])


_start = remote.RemoteImplementation._start


def _timed_start(self):
    t0 = time.perf_counter()
    try:
        return _start(self)
    finally:
        seconds = time.perf_counter() - t0
        OUT["start"] += seconds
        OUT["katas"][NOW["kata"]] = OUT["katas"].get(NOW["kata"], 0.0) - seconds


remote.RemoteImplementation._start = _timed_start
if os.environ.get("NN_BENCH_COUNT"):
    from nn import protocol

    def _count(i, n):
        row = OUT["traffic"].setdefault(NOW["kata"], [0, 0, 0])
        row[i] += n

    _send, _read, _call = remote.RemoteImplementation._send, remote.RemoteImplementation._read, remote.RemoteImplementation.call

    def send(self, message, buffers=()):
        _count(1, 1)
        _count(2, len(json.dumps(message)) + sum(len(b) for b in buffers))
        return _send(self, message, buffers)

    def read(self):
        message, buffers = _read(self)
        _count(1, 1)
        _count(2, len(json.dumps(message)) + sum(len(b) for b in buffers))
        return message, buffers

    def call(self, *args, **kwargs):
        _count(0, 1)
        return _call(self, *args, **kwargs)

    remote.RemoteImplementation._send, remote.RemoteImplementation._read = send, read
    remote.RemoteImplementation.call = call


def pytest_runtest_logstart(nodeid, location):
    NOW["kata"] = _kata(nodeid)


def pytest_runtest_logreport(report):
    kata = _kata(report.nodeid)
    OUT["katas"][kata] = OUT["katas"].get(kata, 0.0) + report.duration


def pytest_unconfigure(config):
    with open(os.environ["NN_BENCH_OUT"], "w") as f:
        json.dump(OUT, f)
"""


def _suite_run(mode: str, tmp: Path, count: bool = False) -> dict:
    """One run of the kata suite against the reference in ``mode``: the timing plugin's figures."""
    (tmp / "nn_bench_timing.py").write_text(TIMING_PLUGIN)
    out = tmp / f"{mode}.json"
    env = dict(os.environ, PYTHONPATH=str(tmp), NN_BENCH_OUT=str(out), NN_KATAS_PROFILE="learner")
    env.pop("NN_BENCH_COUNT", None)
    if count:
        env["NN_BENCH_COUNT"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "nn_bench_timing",
                           "--impl", "solutions", f"--worker={mode}", "tests/katas"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the kata suite failed against the reference with --worker {mode}:\n{proc.stdout[-3000:]}")
    return json.loads(out.read_text())


def protocol_cost(repeats: int) -> None:
    from nn import manifest
    from nn.worker import sandbox

    modes = ["in-process", "process"] + (["bwrap"] if sandbox.bwrap_works() is None else [])
    katas = [k.name for k in manifest.katas()]
    runs: dict = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for mode in modes:  # interleaved, so that a change in the machine's load touches every mode
                runs[mode].append(_suite_run(mode, Path(tmp)))
        traffic = _suite_run("process", Path(tmp), count=True)["traffic"]
    med = {m: {k: statistics.median(r["katas"].get(k, 0.0) for r in runs[m]) for k in katas} for m in modes}
    start = {m: statistics.median(r["start"] for r in runs[m]) for m in modes}
    print(f"the kata suite against the reference, median of {repeats} runs per mode (seconds; protocol = the mode "
          f"less in-process; share = of the kata's time in that mode)")
    head = f"{'kata':<10}" + "".join(f"{m:>11}" for m in modes)
    head += "".join(f"{'protocol ' + m[:5]:>15}{'share':>7}" for m in modes[1:])
    print(head + f"{'calls':>7}{'messages':>9}{'kB':>8}")
    whole: dict = {}
    for k in katas + ["submission"]:
        if k == "submission":  # every kata, and starting the worker with its six imports
            row = {m: sum(med[m].values()) + start[m] for m in modes}
            calls, messages, size = (sum(v[i] for v in traffic.values()) for i in range(3))
        else:
            row = {m: med[m][k] for m in modes}
            calls, messages, size = traffic.get(k, [0, 0, 0])
        line = f"{k:<10}" + "".join(f"{row[m]:>11.2f}" for m in modes)
        for m in modes[1:]:
            cost = row[m] - row["in-process"]
            line += f"{cost:>15.2f}{100 * cost / row[m] if row[m] else 0:>6.0f}%"
        print(line + f"{calls:>7}{messages:>9}{size / 1000:>8.0f}")
        whole = row
    for m in modes[1:]:
        print(f"  {m}: starting the worker and importing the six modules {start[m]:.2f} s of the submission's "
              f"{whole[m]:.2f} s; {whole[m] - whole['in-process'] - start[m]:.2f} s in the calls")
    # The same reference graded as a submission is: a grading process forked, pytest started and the
    # suite collected there, the worker started, the results sent back, the report made.
    from nn.grade import engine

    engine.expected_tests()
    for m in modes[1:]:
        graded = statistics.median(engine.grade(ROOT / "solutions", worker=m).seconds for _ in range(repeats))
        print(f"  {m}: the reference graded by the engine (nn-kata grade) takes {graded:.2f} s: the kata suite "
              f"{whole['in-process']:.2f} s in-process, the protocol {whole[m] - whole['in-process']:.2f} s "
              f"({100 * (whole[m] - whole['in-process']) / graded:.0f}% of it), the grading process, pytest's start "
              f"and the report {max(0.0, graded - whole[m]):.2f} s")


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
    parser.add_argument("--repeats", type=int, default=3, help="runs of the kata suite per mode for the protocol's cost "
                                                               "(0: leave it out)")
    args = parser.parse_args()
    print("load average before: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores")
    if args.repeats:
        protocol_cost(args.repeats)
    if not args.students:
        return
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
        seconds_of = {}  # each submission's own grading time, from its report
        for row in rows:
            report = Path(tmp) / "grades" / f"{row['student']}.json"
            if report.exists():
                seconds_of[row["student"]] = json.loads(report.read_text()).get("seconds", 0.0)
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
        spent = [seconds_of[r["student"]] for r in rows if kinds[r["student"]] == kind and r["student"] in seconds_of]
        print(f"  {kind:<12} mean score {sum(scores) / len(scores):6.1f} / 100, "
              f"{sum(spent) / max(1, len(spent)):5.1f} s each ({sum(spent):.0f} s in all)")
    print("load average after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
