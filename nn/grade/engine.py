"""Grading submissions: each one in its own grading process, its code in a sandboxed worker.

The grade is computed here, in the parent, from the results the grading process sends over
a pipe (nn/grade/child.py). That process runs only the grader's code; the submission's
functions run in a worker it starts (nn/worker/serve.py, in bubblewrap where it works). Every
expected test must report; a missing result is a failure, never a pass. Nothing the
submission prints or writes is read as a result.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT
from ..worker import forkserver, sandbox
from ..suite.results import classify
from . import scoring
from .reports import KataGrade, Report, load_points
from .unpack import SubmissionError, prepare_labelled, student_name, submission_digest

OUTPUT_CAP = 64 * 1024


# -- the expected tests ---------------------------------------------------------------------------

_EXPECTED: dict = {}  # by hidden directory (None: the kata suite alone)


def expected_tests(hidden: str | Path | None = None) -> dict[str, list[str]]:
    """Every kata's test ids, collected once from the grader's own tests with no submission code;
    with ``hidden``, the instructor's hidden checks of each kata too (see hidden.py)."""
    key = str(Path(hidden).resolve()) if hidden else None
    if key not in _EXPECTED:
        work = grader_tests(hidden)  # collecting also compiles the test modules once, for every submission
        proc = subprocess.run([sys.executable, "-I", "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                               "--rootdir", str(work), "--impl", str(PROJECT_ROOT / "katas"), "tests/katas"], cwd=work,
                              capture_output=True, text=True, env=_clean_env(Path(tempfile.gettempdir())))
        ids = [line for line in proc.stdout.splitlines() if "::" in line]
        if not ids or (hidden and proc.returncode not in (0, 5)):
            raise RuntimeError(f"could not collect the kata tests:\n{collection_errors(proc.stdout, proc.stderr)}")
        expected = {k.name: [i for i in ids if i.startswith(k.test_file + "::")] for k in manifest.katas()}
        empty = [k for k, v in expected.items() if not v]
        if empty:  # a kata with no checks must never count as passed
            raise RuntimeError(f"no tests collected for the katas {', '.join(empty)}:\n{proc.stdout[-2000:]}")
        _EXPECTED[key] = expected
    return _EXPECTED[key]


def collection_errors(stdout: str, stderr: str, cap: int = 4000) -> str:
    """What went wrong collecting, whole and once: for each distinct error, the deepest line of
    the traceback (in the hidden checks, when it is there: ``hidden/test_x.py, line 2``), that
    line's code and pytest's ``E`` lines, with how many test files met it; not the tail of a
    long listing of test ids."""
    blocks: list[list[str]] = []
    for line in stdout.splitlines():
        if line.startswith("_") and "ERROR collecting" in line:
            blocks.append([])
        elif line.startswith("=") and blocks and "ERRORS" not in line:
            break
        elif blocks:
            blocks[-1].append(line)
    seen: Counter = Counter()  # each distinct error, and how many test files met it
    for block in blocks:
        where = ""
        for i, line in enumerate(block):
            m = re.match(r"^(\S+\.py):(\d+): in ", line)
            if m:
                code = block[i + 1].strip() if i + 1 < len(block) else ""
                where = f"{m.group(1).removeprefix('tests/')}, line {m.group(2)}: {code}"
        errors = [line[1:].strip() for line in block if line.startswith("E ")]
        text = "\n".join(([where] if where else []) + ["  " + e for e in errors]) or "\n".join(block[:8])
        seen[text] += 1
    if seen:
        text = "\n".join(k + (f"\n  (met by {n} test files)" if n > 1 else "") for k, n in seen.items())
    else:
        text = "\n".join(line for line in stdout.splitlines() if line.startswith("ERROR")) \
            or (stdout[-2000:] + stderr[-2000:])
    return text if len(text) <= cap else text[:cap] + "\n..."


# -- running one submission -------------------------------------------------------------------------

def _clean_env(home: Path) -> dict:
    return {**sandbox.clean_env(str(home)), "NN_KATAS_PROFILE": "learner"}


_TESTS_LOCK = threading.Lock()
_TESTS_DIR: dict = {}  # by hidden directory (None: the kata suite alone)


def grader_tests(hidden: str | Path | None = None) -> Path:
    """The grader's own copy of the kata tests and conftest, made once per grading run and
    removed when the grader exits. Only the trusted grading processes read it: a worker never
    sees it (in bubblewrap it is not mounted at all). ``hidden``: an instructor's directory of
    hidden checks, added to each kata's tests in this copy (hidden.py)."""
    key = str(Path(hidden).resolve()) if hidden else None
    with _TESTS_LOCK:
        work = _TESTS_DIR.get(key)
        if work is None or not work.is_dir():
            work = Path(tempfile.mkdtemp(prefix="nn-grader-tests-"))
            atexit.register(shutil.rmtree, work, True)
            shutil.copytree(PROJECT_ROOT / "tests" / "katas", work / "tests" / "katas",
                            ignore=shutil.ignore_patterns("__pycache__"))
            (work / "tests" / "__init__.py").write_text("")
            shutil.copy(PROJECT_ROOT / "conftest.py", work / "conftest.py")
            (work / "pytest.ini").write_text("[pytest]\n")  # the grader's settings, not the student's
            if hidden:
                from .hidden import install

                install(work, Path(hidden))
            _TESTS_DIR[key] = work
        return work


def _messages(reader, notes: list):
    """Parsed messages from the grading process; a line that is not one is noted and skipped."""
    for raw in reader:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        if isinstance(message, dict) and isinstance(message.get("type"), str):
            yield message
        else:
            notes.append("a line on the result channel was not a message: ignored")


def _run_child(impl: Path, work: Path, scratch: Path, katas: list[str], *, worker: str, kata_timeout: float,
               test_timeout: float, memory_mb: int, deadline: float, out: list, notes: list, env: dict,
               label: str | None = None):
    """One grading process; yields its messages until it ends or runs out of time."""
    result_r, result_w = os.pipe()
    argv = ["--impl", str(impl), "--tests", str(work), "--scratch", str(scratch), "--katas", ",".join(katas),
            "--worker", worker, "--memory-mb", str(memory_mb), "--test-timeout", str(test_timeout)] \
        + (["--label", label] if label is not None else [])
    out_r, out_w = os.pipe()
    proc = _start(argv, scratch, result_w, out_w, env)
    for fd in (result_w, out_w):
        os.close(fd)
    output = os.fdopen(out_r, "rb")

    def drain():  # keep the child from blocking on a full pipe, keep only the start of its output
        kept = 0
        for chunk in iter(lambda: output.read1(65536), b""):
            if kept < OUTPUT_CAP:
                out.append(chunk[: OUTPUT_CAP - kept].decode(errors="replace"))
            kept += len(chunk)
        if kept > OUTPUT_CAP:
            out.append(f"\n[... {kept - OUTPUT_CAP} more bytes of output not kept]")
        output.close()

    threading.Thread(target=drain, daemon=True).start()
    reader = os.fdopen(result_r, "rb")
    messages = []
    lock = threading.Lock()
    done = threading.Event()

    def read():
        for message in _messages(reader, notes):
            with lock:
                messages.append(message)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    current_kata_started = time.monotonic()
    current = None
    index = 0
    timed_out = None
    while not done.wait(0.05):
        with lock:
            new = messages[index:]
            index = len(messages)
        for m in new:
            if m.get("type") == "start":
                kata = str(m.get("nodeid", "")).split("::")[0]
                if kata != current:
                    current, current_kata_started = kata, time.monotonic()
            yield m
        now = time.monotonic()
        if now > deadline:
            timed_out = "total"
        elif current and now - current_kata_started > kata_timeout:
            timed_out = "kata"
        if timed_out:
            _kill(proc)
            break
    done.wait(5)
    with lock:
        rest = messages[index:]
    yield from rest
    _kill(proc)
    reader.close()
    if timed_out:
        yield {"type": "timeout", "which": timed_out}


def _kill(proc) -> None:
    if isinstance(proc, forkserver.Child):
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the grading process leads its own session
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


_SERVERS = threading.local()
_ALL_SERVERS: list = []
PRELOAD = forkserver.PRELOAD + ("nn.grade.child", "nn.grade.hooks", "nn.worker.sandbox")


@atexit.register
def _close_servers() -> None:
    """End the fork servers with the grader: closing the socket is their signal to stop."""
    for server in _ALL_SERVERS:
        server.close()


def _start(argv: list, scratch: Path, result_w: int, out_w: int, env: dict):
    """Start a grading process: forked by this thread's fork server, or a fresh interpreter;
    ``env`` tells it how to start its workers (``worker_env``)."""
    if os.environ.get("NN_KATAS_GRADING_FORK", "1") != "0" and hasattr(os, "fork"):
        for _ in range(2):
            server = getattr(_SERVERS, "server", None)
            if server is None or not server.alive():
                server = _SERVERS.server = forkserver.ForkServer(_clean_env(Path(tempfile.gettempdir())), PRELOAD)
                _ALL_SERVERS.append(server)
            try:
                return server.spawn("nn.grade.child:run_forked", [argv], cwd=str(scratch), out_fd=out_w,
                                    fds=(result_w,), env={"HOME": str(scratch), **env})
            except (OSError, ValueError):
                _SERVERS.server = None
    return subprocess.Popen([sys.executable, "-I", "-m", "nn.grade.child", *argv, "--result-fd", str(result_w)],
                            cwd=scratch, env={**_clean_env(scratch), **env}, stdin=subprocess.DEVNULL,
                            stdout=out_w, stderr=out_w, pass_fds=(result_w,), start_new_session=True)


def worker_env(worker: str, total_timeout: float) -> dict:
    """How a grading process starts its workers: as uid 65534 or not (found out once, here, when the
    grader runs as root), from copies staged where, and with how much CPU time. A worker lives as
    long as its grading process, which the total time bounds by the wall clock: its CPU time gets
    that budget and half again (at least a minute), so that only threads or a daemon can reach it."""
    env = {"NN_KATAS_WORKER_CPU_SECONDS": str(int(total_timeout + max(60.0, total_timeout / 2)))}
    if sandbox.dropping(worker):
        env.update(NN_KATAS_WORKER_DROP="1", NN_KATAS_WORKER_STAGE=str(sandbox.stage_root()))
    elif os.geteuid() == 0:
        env["NN_KATAS_WORKER_DROP"] = "0"
    return env


def grade(submission: str | Path, *, points: dict | None = None, student: str | None = None,
          kata_timeout: float = 60.0, test_timeout: float = 10.0, total_timeout: float = 300.0,
          memory_mb: int = 2048, worker: str = "bwrap", credit: str = "kata", hidden: str | Path | None = None,
          examplar: dict | None = None, label: str | None = None) -> Report:
    """Grade one submission; ``worker`` is ``bwrap`` or ``process`` (see ``sandbox.resolve``).
    ``examplar``: the points file's ``[examplar]`` table (``{}`` for the defaults) to grade the
    submission's own tests too (examplar.py); None leaves them out. ``label``: how messages
    name the folder the kata modules came from (default: as ``unpack.label`` finds it here)."""
    submission = Path(submission)
    points = points or load_points(None)
    expected = expected_tests(hidden)
    report = Report(student=student or student_name(submission))
    start = time.monotonic()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="nn-grade-") as tmp:
        scratch = Path(tmp)
        try:
            impl, notes, found = prepare_labelled(submission, scratch)
            label = found if label is None else label
            report.notes.extend(notes)
        except SubmissionError as exc:
            report.notes.append(str(exc))
            return _finish(report, {}, expected, points, start, credit)
        report.digest = submission_digest(submission)
        missing = [f"{m}.py" for m in manifest.MODULES if not (impl / f"{m}.py").exists()]
        if missing:
            report.notes.append(f"missing: {', '.join(missing)}")
        work = grader_tests(hidden)
        env = worker_env(worker, total_timeout)
        remaining = [k.name for k in manifest.katas()]
        output: list[str] = []
        deadline = start + total_timeout
        while remaining:
            running = None
            for m in _run_child(impl, work, scratch, remaining, worker=worker, kata_timeout=kata_timeout,
                                test_timeout=test_timeout, memory_mb=memory_mb, deadline=deadline, out=output,
                                notes=report.notes, env=env, label=label):
                kind = m.get("type")
                nodeid = m.get("nodeid")
                if kind == "start":
                    running = nodeid
                elif kind == "result" and nodeid in results:
                    results[nodeid] = {**results[nodeid], "outcome": "failed",
                                       "message": "more than one result arrived for this check"}
                elif kind == "result" and isinstance(nodeid, str):
                    results[nodeid] = {k: m.get(k) for k in ("nodeid", "kata", "outcome", "status", "message",
                                                             "misconception", "check")}
                    running = None
                elif kind == "timeout":
                    report.notes.append(f"stopped: the {'whole submission' if m['which'] == 'total' else 'kata'} "
                                        f"ran past its time limit")
            done_katas = {k for k in remaining if all(i in results for i in expected[k])}
            owner = next((k for k in remaining if running and running.startswith(manifest.get(k).test_file + "::")), None)
            if owner:  # it ended in the middle of a check: that kata fails, the others go on
                for i in expected[owner]:
                    results.setdefault(i, _failure(i, "the grading process ended or was stopped during this kata "
                                                      "(a time or memory limit)"))
            elif not done_katas:
                break  # no progress: whatever is left counts as missing
            remaining = [k for k in remaining if not all(i in results for i in expected[k])]
            if time.monotonic() > deadline:
                break
        report.output = "".join(output)[:OUTPUT_CAP]
        if examplar is not None:
            from ..examplar.scores import grade_all_katas

            report.examplar = grade_all_katas(impl, table=examplar, mode=worker, hidden=hidden,
                                              test_timeout=test_timeout, run_timeout=kata_timeout, memory_mb=memory_mb,
                                              deadline=start + total_timeout)
    return _finish(report, results, expected, points, start, credit)


def _failure(nodeid: str, message: str) -> dict:
    return {"nodeid": nodeid, "outcome": "failed", "status": "failed", "message": message, "check": nodeid}


def _finish(report: Report, results: dict, expected: dict, points: dict, start: float,
            credit: str = "kata") -> Report:
    for kata in manifest.katas():
        ids = expected[kata.name]
        state, passed, failures = classify(list(results.values()), ids, missing="no result arrived for this check")
        status = {"done": "passed", "failing": "failed"}.get(state, state)
        first = "" if not failures else f"{failures[0].get('check') or failures[0]['nodeid']}: {failures[0].get('message') or ''}"
        grade = KataGrade(kata.name, 0.0, points[kata.name], passed, len(ids), status, first[:2000])
        failed = {f["nodeid"]: f for f in failures}
        for nodeid in ids:  # every check, in order: the failures with their message and diagnosis
            check = {"nodeid": nodeid, "check": (results.get(nodeid) or {}).get("check") or nodeid.split("::")[-1],
                     "outcome": "passed", "visibility": scoring.visibility(nodeid)}
            if nodeid in failed:
                f = failed[nodeid]
                check.update(outcome=f.get("outcome") or "failed", status=f.get("status"),
                             message=str(f.get("message") or "")[:2000], misconception=f.get("misconception"))
            grade.checks.append(check)
        if any(f.get("status") == "timeout" for f in failures):
            report.notes.append(f"stopped: a check of {kata.name} ran past the time limit of one check")
        scoring.apply(grade, points[kata.name], credit)
        report.katas.append(grade)
    scoring.total(report, credit)
    report.seconds = round(time.monotonic() - start, 2)
    return report
