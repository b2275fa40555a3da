"""The mutation-score benchmark: how many small faults in solutions/ does the kata suite catch?

    .venv/bin/python bench/mutation.py [--kata NAME ...] [--jobs N] [--timeout S] [--json FILE]

Runs cosmic-ray (``pip install -e '.[mutation]'``) over the functions of each kata in solutions/,
with that kata's tests as the test command (``pytest -x -p no:cacheprovider -m kata_NAME``): the
suite stands trusted oracles in for the functions a kata uses, so a mutant in one kata's
function can only be seen by that kata's tests. A mutant is *killed* when the test command
fails, *survives* when it passes.

Nothing under the project is ever mutated. The script snapshots the project's suite (nn/,
tests/, conftest.py, pyproject.toml) and solutions/ into a temporary directory, gives each kata
its own copy of solutions/ there for cosmic-ray to mutate in place, runs pytest from the
snapshot (``--impl`` points at the copy; PYTHONPATH puts the snapshot's nn first), and removes
the directory when it ends, interrupted or not. Edits made to the project while it runs do not
reach it.

Time limits: each mutant's test command may run for --timeout seconds (default 600) before
cosmic-ray stops it, and each test for --check-timeout seconds (default 120, the suite's own
limit, normally 10). Both are generous, far above the few seconds a kata's tests take here, so
that a loaded machine does not turn into kills; a mutant stopped by either limit counts as
killed and is reported as "killed by timeout". Hypothesis runs with the suite's derandomised
`learner` profile (the default `pytest` run), so the score is the same from run to run.

The score is killed / (killed + survived) per kata and overall; a mutant cosmic-ray could not
run at all ("incompetent") is reported and left out. Every survivor is listed as
file:line, the original line and the mutated line. Exits 0 when the run completed (survivors
are a finding, not an error), 1 when a kata's baseline (unmutated) run failed.
"""
from __future__ import annotations

import argparse
import ast
import datetime as _dt
import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_ITEMS = ("nn", "tests", "solutions", "conftest.py", "pyproject.toml")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", "*.egg-info")

_children: set[subprocess.Popen] = set()  # process groups this script started, to stop on interrupt
_children_lock = threading.Lock()
_stopping = threading.Event()


@dataclass
class Mutant:
    kata: str
    file: str          # solutions/<module>.py
    line: int
    function: str
    operator: str
    occurrence: int
    outcome: str       # killed | survived | incompetent
    how: str = ""      # for killed: "tests failed", "timeout (mutant limit)", "timeout (test limit)"
    original: str = ""
    mutated: str = ""


@dataclass
class KataResult:
    kata: str
    module: str
    functions: list[str]
    mutants: list[Mutant] = field(default_factory=list)
    unowned: int = 0           # mutants in the module outside this kata's functions (skipped here)
    baseline_ok: bool = True
    baseline_output: str = ""
    seconds: float = 0.0

    def count(self, outcome):
        return sum(m.outcome == outcome for m in self.mutants)


# --- processes --------------------------------------------------------------------------------

def _run(cmd, *, cwd, env, log=None, timeout=None) -> tuple[int, str]:
    """Run a command in its own process group, remembered so an interrupt can stop it."""
    if _stopping.is_set():
        raise KeyboardInterrupt
    out = open(log, "w+") if log else tempfile.TemporaryFile("w+")
    with out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        with _children_lock:
            _children.add(proc)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.wait()
            code = -1
        finally:
            with _children_lock:
                _children.discard(proc)
        out.seek(0)
        return code, out.read()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group this script created for this child only
    except (ProcessLookupError, PermissionError):
        pass


def _descendants(pids: set[int]) -> set[int]:
    """Every process below ``pids``: cosmic-ray runs each test command in a session of its own,
    so killing cosmic-ray's process group alone would leave a running pytest behind."""
    parent_of = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            parent_of[int(stat.parent.name)] = int(text[text.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = set(), set(pids)
    while frontier:
        frontier = {pid for pid, ppid in parent_of.items() if ppid in frontier} - found
        found |= frontier
    return found


def _stop_children() -> None:
    _stopping.set()
    with _children_lock:
        procs = list(_children)
    for proc in procs:  # freeze them first, so that none starts another test command meanwhile
        try:
            os.killpg(proc.pid, signal.SIGSTOP)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in _descendants({p.pid for p in procs}):  # found while they are still our descendants
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for proc in procs:
        _kill_group(proc)


# --- katas and code ---------------------------------------------------------------------------

def load_katas(snapshot: Path) -> list[dict]:
    with open(snapshot / "nn" / "katas.toml", "rb") as handle:
        return tomllib.load(handle)["kata"]


def function_spans(path: Path) -> dict[str, tuple[int, int]]:
    """Top-level function name -> (first line, last line), decorators included."""
    tree = ast.parse(path.read_text())
    spans = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


def _changed_lines(diff: str) -> tuple[str, str]:
    """The removed and added lines of a unified diff (several joined with ' / ')."""
    old, new = [], []
    for line in (diff or "").splitlines():
        if line.startswith(("---", "+++", "@@")):
            continue
        if line.startswith("-"):
            old.append(line[1:].strip())
        elif line.startswith("+"):
            new.append(line[1:].strip())
    return " / ".join(old), " / ".join(new)


# --- one kata ---------------------------------------------------------------------------------

def run_kata(kata: dict, snapshot: Path, work: Path, args) -> KataResult:
    started = time.monotonic()
    name, module = kata["name"], kata["module"]
    result = KataResult(kata=name, module=module, functions=list(kata["functions"]))
    here = work / f"kata-{name}"
    impl = here / "solutions"
    shutil.copytree(snapshot / "solutions", impl, ignore=_IGNORE)
    target = impl / f"{module}.py"
    spans = function_spans(target)
    missing = [f for f in kata["functions"] if f not in spans]
    if missing:
        raise SystemExit(f"kata {name}: {', '.join(missing)} not defined at top level in solutions/{module}.py")
    mine = {f: spans[f] for f in kata["functions"]}

    py = sys.executable
    test_cmd = [py, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--tb=line",
                f"--impl={impl}", f"--check-timeout={args.check_timeout:g}", "-m", f"kata_{name}",
                str(snapshot / "tests" / "katas")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(snapshot)] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
               PYTHONDONTWRITEBYTECODE="1", NN_KATAS_PROFILE=args.profile)
    env.pop("CI", None)

    # Baseline: the unmutated copy must pass, or every mutant would look killed.
    code, output = _run(test_cmd, cwd=snapshot, env=env, timeout=args.timeout)
    if code != 0:
        result.baseline_ok, result.baseline_output = False, output[-3000:]
        result.seconds = time.monotonic() - started
        return result

    config = here / "cosmic-ray.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(str(target))}\n"
        f"timeout = {float(args.timeout)}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(shlex.join(test_cmd))}\n"
        "\n[cosmic-ray.distributor]\nname = \"local\"\n")
    session = here / "session.sqlite"
    cosmic = [py, "-c", "import sys; from cosmic_ray.cli import main; sys.exit(main())"]
    code, output = _run(cosmic + ["init", str(config), str(session)], cwd=snapshot, env=env, log=here / "init.log")
    if code != 0:
        raise RuntimeError(f"kata {name}: cosmic-ray init failed:\n{output[-3000:]}")

    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    # Only this kata's functions: the other mutants of the module belong to other katas (or to
    # module-level code no kata owns) and are marked skipped in this session.
    def owner(line):
        return next((f for f, (a, b) in mine.items() if a <= line <= b), None)

    with use_db(str(session), WorkDB.Mode.open) as db:
        skip = [item.job_id for item in db.work_items if owner(item.mutations[0].start_pos[0]) is None]
        if skip:
            db.set_multiple_results(skip, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
        result.unowned = len(skip)

    code, output = _run(cosmic + ["exec", str(config), str(session)], cwd=snapshot, env=env, log=here / "exec.log")
    if code != 0:
        raise RuntimeError(f"kata {name}: cosmic-ray exec failed:\n{output[-3000:]}")

    with use_db(str(session), WorkDB.Mode.open) as db:
        pending = len(db.pending_work_items)
        if pending:
            raise RuntimeError(f"kata {name}: {pending} mutants were not run")
        for item, res in db.completed_work_items:
            if res.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            spec = item.mutations[0]
            line = spec.start_pos[0]
            original, mutated = _changed_lines(res.diff)
            if res.worker_outcome == WorkerOutcome.NO_TEST:
                continue  # no mutation possible at this occurrence: not a mutant
            if res.test_outcome is None or res.test_outcome.value == "incompetent":
                outcome, how = "incompetent", (res.output or "")[-300:]
            elif res.test_outcome.value == "survived":
                outcome, how = "survived", ""
            else:
                out = res.output or ""
                if out.strip() == "timeout":
                    how = "timeout (mutant limit)"
                elif "the code under test did not finish" in out or "did not finish within the time limit" in out:
                    how = "timeout (test limit)"
                else:
                    how = "tests failed"
                outcome = "killed"
            result.mutants.append(Mutant(kata=name, file=f"solutions/{module}.py", line=line, function=owner(line),
                                         operator=spec.operator_name, occurrence=spec.occurrence, outcome=outcome,
                                         how=how, original=original, mutated=mutated))
    result.mutants.sort(key=lambda m: (m.line, m.operator, m.occurrence))
    result.seconds = time.monotonic() - started
    return result


# --- report -----------------------------------------------------------------------------------

def _pct(a, b):
    return f"{100 * a / b:5.1f}%" if b else "    -"


def report(results: list[KataResult], wall: float) -> None:
    print()
    print(f"{'kata':<10} {'module':<15} {'killed':>7} {'total':>6} {'score':>7} {'timeouts':>9} {'incomp.':>8}  time")
    tk = tt = tto = tinc = 0
    for r in results:
        if not r.baseline_ok:
            print(f"{r.kata:<10} {r.module:<15}  BASELINE FAILED (the unmutated copy fails its tests)")
            continue
        k, s, inc = r.count("killed"), r.count("survived"), r.count("incompetent")
        to = sum(m.how.startswith("timeout") for m in r.mutants)
        tk, tt, tto, tinc = tk + k, tt + k + s, tto + to, tinc + inc
        print(f"{r.kata:<10} {r.module:<15} {k:>7} {k + s:>6} {_pct(k, k + s):>7} {to:>9} {inc:>8}  {r.seconds:.0f} s")
    print(f"{'overall':<10} {'':<15} {tk:>7} {tt:>6} {_pct(tk, tt):>7} {tto:>9} {tinc:>8}  {wall:.0f} s wall")
    if tto:
        print(f"({tto} mutant(s) were killed by a time limit, not by a failing assertion; they count as killed.)")
    survivors = [m for r in results for m in r.mutants if m.outcome == "survived"]
    print(f"\nSurviving mutants: {len(survivors)}")
    for m in survivors:
        print(f"  {m.file}:{m.line} [{m.kata}/{m.function}] {m.operator}")
        print(f"      - {m.original}")
        print(f"      + {m.mutated}")
    incompetent = [m for r in results for m in r.mutants if m.outcome == "incompetent"]
    for m in incompetent:
        print(f"  incompetent: {m.file}:{m.line} {m.operator}: {m.how.strip().splitlines()[-1:] or ''}")
    for r in results:
        if not r.baseline_ok:
            print(f"\nBaseline output of kata {r.kata}:\n{r.baseline_output}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kata", action="append", default=[], metavar="NAME", help="a kata to mutate (repeatable; default all)")
    parser.add_argument("--jobs", type=int, default=1, help="katas mutated at the same time (default 1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds one mutant's test command may run (default 600)")
    parser.add_argument("--check-timeout", type=float, default=120.0, help="the suite's per-test limit, --check-timeout (default 120)")
    parser.add_argument("--profile", default="learner", help="hypothesis profile, NN_KATAS_PROFILE (default learner)")
    parser.add_argument("--json", type=Path, default=None, help="also write every mutant's outcome to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (its path is printed)")
    args = parser.parse_args(argv)

    if importlib.util.find_spec("cosmic_ray") is None:
        raise SystemExit("cosmic-ray is not installed: pip install -e '.[mutation]'")

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="nn-mutation-"))
    results: list[KataResult] = []
    try:
        snapshot = work / "snapshot"
        snapshot.mkdir()
        for item in SNAPSHOT_ITEMS:
            src = ROOT / item
            if src.is_dir():
                shutil.copytree(src, snapshot / item, ignore=_IGNORE)
            else:
                shutil.copy2(src, snapshot / item)
        katas = load_katas(snapshot)
        known = [k["name"] for k in katas]
        unknown = [k for k in args.kata if k not in known]
        if unknown:
            raise SystemExit(f"unknown kata(s) {', '.join(unknown)}; the katas are {', '.join(known)}")
        chosen = [k for k in katas if not args.kata or k["name"] in args.kata]
        print(f"cosmic-ray over solutions/ for {len(chosen)} kata(s), {args.jobs} at a time; work dir {work}", flush=True)

        def one(kata):
            r = run_kata(kata, snapshot, work, args)
            state = ("baseline FAILED" if not r.baseline_ok else
                     f"{r.count('killed')}/{r.count('killed') + r.count('survived')} killed")
            print(f"  {kata['name']}: {state} ({r.seconds:.0f} s)", flush=True)
            return r

        pool = ThreadPoolExecutor(max(1, args.jobs))
        try:
            futures = [pool.submit(one, k) for k in chosen]
            results = [f.result() for f in futures]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        wall = time.monotonic() - started
        report(results, wall)
        if args.json:
            args.json.write_text(json.dumps({
                "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "command": shlex.join([Path(sys.executable).relative_to(ROOT).as_posix()
                                       if Path(sys.executable).is_relative_to(ROOT) else sys.executable,
                                       "bench/mutation.py"] + (argv if argv is not None else sys.argv[1:])),
                "wall_seconds": round(wall, 1),
                "katas": [asdict(r) for r in results],
            }, indent=1))
        return 1 if any(not r.baseline_ok for r in results) else 0
    except KeyboardInterrupt:
        _stop_children()
        print("\ninterrupted: the mutants lived in the temporary directory only; removing it", file=sys.stderr)
        return 130
    finally:
        _stop_children()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
