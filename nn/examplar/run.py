"""Running untrusted tests (a learner's ``mytests/test_KATA.py``, when grading) against the
wheats and chaffs of ``nn.examplar.variants``: each implementation in its own sandboxed process
(``nn.worker.sandbox``, the grader's sandbox) under a neutral, random directory name, every
implementation loaded the same way (``neutral_copy``). What counts is what the trusted side
observes: whether the process ended with pytest's "some tests failed" status. What the
process says about its tests is read for messages only.

Imports only the shared modules and ``nn.suite``'s own.
"""
from __future__ import annotations

import importlib.util
import json
import marshal
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import manifest
from ..worker import sandbox


RUNNER = Path(__file__).with_name("sandboxed.py")
ACCEPTED, REJECTED, BROKEN = "accepted", "rejected", "broken"
# What the runner in the sandbox exits with (pytest's status moved up by 100, so that no
# status of bubblewrap or of the interpreter itself reads as a verdict): 100 is "every test
# passed", 101 "some test failed". Only 101 rejects an implementation; anything else that is
# not 100 means the tests did not run to a verdict.
STATUS_ACCEPTED, STATUS_REJECTED = 100, 101
BROKEN_STATUS = {102: "the test session was interrupted: the file does not import, or a test stopped it",
                 103: "pytest failed inside the test session", 104: "pytest refused its options",
                 105: "no tests were collected"}
DETAILS_CAP = 64 * 1024  # bytes of per-test details read back from one process


def relabel(code, label: str):
    """A code object and every code object inside it, with ``label`` as their file name: a
    traceback or ``co_filename`` then says nothing of where the module was built."""
    consts = tuple(relabel(c, label) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_filename=label, co_consts=consts)


def neutral_copy(layers: list[Path], dest: Path) -> Path:
    """One implementation as a flat directory of sourceless modules, every module compiled or
    relabelled the same way whatever it came from: for each kata module, the first of
    ``layers`` holding it (``m.pyc``, or ``m.py`` compiled here) is written to ``dest/m.pyc``
    named ``impl/m.py``, with the same header. A wheat and a chaff differ only in their code."""
    dest.mkdir(parents=True)
    for module in manifest.MODULES:
        label = f"impl/{module}.py"
        for layer in layers:
            compiled, source = Path(layer) / f"{module}.pyc", Path(layer) / f"{module}.py"
            if compiled.is_file():
                data = compiled.read_bytes()
                if data[:4] != importlib.util.MAGIC_NUMBER:
                    raise ValueError(f"{compiled}: compiled by another Python version")
                code = marshal.loads(data[16:])
            elif source.is_file():
                code = compile(source.read_bytes(), label, "exec", dont_inherit=True, optimize=2)
            else:
                continue
            header = importlib.util.MAGIC_NUMBER + bytes(12)
            (dest / f"{module}.pyc").write_bytes(header + marshal.dumps(relabel(code, label)))
            break
    return dest


@dataclass
class Outcome:
    """What the trusted side saw of one implementation's run. ``verdict`` (accepted, rejected or
    broken) comes from the process's exit status alone; ``details`` is what the process wrote
    about its tests, untrusted, for messages only."""
    key: str
    verdict: str
    why: str = ""
    seconds: float = 0.0
    details: list = field(default_factory=list)


def _files(work: Path, tests: Path, test_timeout: float) -> Path:
    """A fresh directory for one run: the runner, impl.py, an empty pytest.ini, the test file and
    the plan (which function lives in which module, the time limit of one test)."""
    files = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    for src in (RUNNER, Path(sandbox.NN_DIR) / "impl.py"):
        shutil.copyfile(src, files / src.name)
    shutil.copyfile(tests, files / tests.name)
    (files / "pytest.ini").write_text("[pytest]\n")
    plan = {"tests": tests.name, "timeout": test_timeout,
            "modules": {f: k.module for k in manifest.katas() for f in k.functions}}
    (files / "plan.json").write_text(json.dumps(plan))
    return files


def _read_capped(stream, into: list) -> None:
    kept = 0
    for chunk in iter(lambda: stream.read1(65536), b""):
        if kept < DETAILS_CAP:
            into.append(chunk[: DETAILS_CAP - kept])
        kept += len(chunk)
    stream.close()


def _details(raw: bytes) -> list[dict]:
    found = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("test", item.get("collect_error")), str):
            found.append({k: str(v)[:2000] for k, v in item.items() if k in ("test", "outcome", "message", "collect_error")})
    return found[:500]


def run_one(key: str, layers: list[Path], tests: Path, work: Path, *, mode: str, test_timeout: float,
            run_timeout: float, memory_mb: int = 2048) -> Outcome:
    """The test file against one implementation, in its own sandboxed process."""
    start = time.monotonic()
    files = _files(work, tests, test_timeout)
    impl_dir = neutral_copy(layers, Path(tempfile.mkdtemp(prefix="run-", dir=work)) / secrets.token_hex(8))
    proc = sandbox.start(mode, impl_dir, "impl/", files, memory_mb, script=RUNNER.name,
                         stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_read_capped, args=(proc.stdout, chunks), daemon=True)
    reader.start()
    try:
        status = proc.wait(run_timeout)
        stopped = False
    except subprocess.TimeoutExpired:
        stopped = True
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the runner leads its own session: nothing of it stays
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    reader.join(5)
    shutil.rmtree(files, ignore_errors=True)
    shutil.rmtree(impl_dir.parent, ignore_errors=True)
    outcome = Outcome(key, BROKEN, seconds=round(time.monotonic() - start, 2), details=_details(b"".join(chunks)))
    if stopped:
        outcome.why = f"stopped after {run_timeout:g} s: a test did not finish"
    elif status == STATUS_ACCEPTED:
        outcome.verdict = ACCEPTED
    elif status == STATUS_REJECTED:
        outcome.verdict = REJECTED
    elif status in BROKEN_STATUS:
        outcome.why = BROKEN_STATUS[status]
    elif status < 0 or status >= 128:
        outcome.why = f"the test process was killed (signal {-status if status < 0 else status - 128})"
    else:
        outcome.why = f"the test process ended with status {status} (os._exit or sys.exit in a test?)"
    return outcome


def run_sandboxed(tests: Path, impls: list[tuple[str, list[Path]]], *, mode: str, test_timeout: float = 10.0,
                  run_timeout: float = 60.0, memory_mb: int = 2048, jobs: int = 2, stop=None,
                  deadline: float | None = None) -> list[Outcome | None]:
    """Run the test file ``tests`` against each implementation ``(key, layers)``, each in its own
    sandboxed process (``mode``: bwrap or process, as ``sandbox.resolve`` gives), ``jobs`` at a
    time, in the order given. The keys never enter the sandbox: every run sees the same file
    names and paths. ``stop(outcome)``: once true, the runs not started yet are not started;
    nor are those that would start after ``deadline`` (``time.monotonic()``), and a run is cut
    short at it. A run not started has the outcome None."""
    from concurrent.futures import as_completed

    with tempfile.TemporaryDirectory(prefix="nn-examplar-") as tmp:
        def one(item):
            key, layers = item
            limit = run_timeout
            if deadline is not None:
                limit = min(run_timeout, deadline - time.monotonic())
                if limit <= 0:
                    return None
            outcome = run_one(key, layers, Path(tests), Path(tmp), mode=mode, test_timeout=test_timeout,
                              run_timeout=limit, memory_mb=memory_mb)
            if limit < run_timeout and outcome.verdict == BROKEN and time.monotonic() >= deadline:
                return None  # cut short by the grading's total time, not by its own limit: not run
            return outcome

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(one, item) for item in impls]
            for future in as_completed(futures):
                if stop is not None and not future.cancelled() and future.result() is not None \
                        and stop(future.result()):
                    for other in futures:
                        other.cancel()
            return [None if f.cancelled() else f.result() for f in futures]


def layers_of(entry: dict) -> list[Path]:
    """Where a variant's modules are: its own directory, then the pack's ``base/`` (the reference)."""
    own = Path(entry["dir"])
    return [own, own.parent.parent / "base"]
