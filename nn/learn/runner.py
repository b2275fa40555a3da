"""Running katas' tests in a separate pytest process and reading back what happened.

The learner's commands (status, check, watch) and the notebook's ``nn.check`` go through
here; the grader has its own processes (``nn.grade.engine``) and shares only the rule that
turns results into a verdict (``nn.suite.results``). A separate process keeps a learner's
infinite loop, ``sys.exit`` or crash away from the tool itself.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT
from ..suite.results import classify  # noqa: F401 (the learner's and the grader's one rule)



@dataclass
class KataResult:
    kata: str
    status: str  # "done", "failing", "not started", "error"
    passed: int = 0
    total: int = 0
    failures: list = field(default_factory=list)  # result dicts from the pytest plugin, in test order
    seconds: float = 0.0
    output: str = ""

    @property
    def first_failure(self) -> dict | None:
        return self.failures[0] if self.failures else None

    @property
    def misconception(self) -> str | None:
        """The mistake the report names: the first failing check's, else the first one found."""
        from ..suite.diagnose import GENERIC

        found = [f["misconception"] for f in self.failures if f.get("misconception") not in (None, "not-started")]
        specific = [m for m in found if m not in GENERIC]
        return (specific or found or [None])[0]

    def to_json(self) -> dict:
        return {"kata": self.kata, "status": self.status, "passed": self.passed, "total": self.total,
                "failures": self.failures, "seconds": round(self.seconds, 3)}

    @classmethod
    def from_json(cls, data: dict) -> "KataResult":
        return cls(data["kata"], data["status"], data["passed"], data["total"], data["failures"], data["seconds"])


def run_katas(kata_names: list[str], impl: Path, *, timeout: float = manifest.CHECK_TIMEOUT,
              verbose: bool = False, extra: tuple = (), total_timeout: float = 600.0) -> dict[str, KataResult]:
    """Run the given katas' tests in one pytest process against ``impl``."""
    katas = [manifest.get(n) for n in kata_names]
    with tempfile.TemporaryDirectory(prefix="nn-kata-") as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--impl={impl}",
               f"--report-json={report}", f"--check-timeout={timeout}",
               "-m", " or ".join(k.marker for k in katas), *[k.test_file for k in katas], *extra]
        # Quiet runs show no warnings, so pytest's collection of unraisable exceptions (warnings
        # too) is left out with them: its cleanup alone, full garbage collections, costs 0.1 s.
        cmd += ["-v", "--tb=short"] if verbose else ["-q", "--no-header", "-p", "no:warnings",
                                                     "-p", "no:unraisableexception"]
        start = time.perf_counter()
        server = _WARM.get("server")
        if server is not None and server.alive():
            output = _run_forked(server, cmd[3:], total_timeout)
        else:
            try:
                proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=total_timeout,
                                      stdin=subprocess.DEVNULL)
                output = proc.stdout + proc.stderr
            except subprocess.TimeoutExpired as exc:
                output = f"the test process was stopped after {total_timeout:g} s\n" + str(exc.stdout or "")
        seconds = time.perf_counter() - start
        data = json.loads(report.read_text()) if report.exists() else {"expected": [], "results": []}
    out = {}
    for kata in katas:
        prefix = kata.test_file + "::"
        expected = [n for n in data["expected"] if n.startswith(prefix)]
        results = [r for r in data["results"] if r["nodeid"].startswith(prefix)]
        if not expected:
            out[kata.name] = KataResult(kata.name, "error", failures=[{
                "nodeid": kata.test_file, "check": "collecting the tests", "outcome": "error", "status": "error",
                "message": _tail(output), "misconception": None}], seconds=seconds, output=output)
            continue
        status, passed, failures = classify(results, expected)
        out[kata.name] = KataResult(kata.name, status, passed, len(expected), failures, seconds, output)
    return out


_WARM: dict = {}


@contextlib.contextmanager
def warm():
    """Within this block, checks fork from one warm process with the suite's imports done
    (``nn.worker.forkserver``) instead of starting pytest afresh: what ``nn-kata watch`` uses.
    Each check still imports the implementation's modules anew, so a saved file is always read."""
    from ..worker.forkserver import ForkServer

    server = _WARM["server"] = ForkServer()
    try:
        yield server
    finally:
        _WARM.pop("server", None)
        server.close()


def _run_forked(server, args: list, total_timeout: float) -> str:
    """pytest ``args`` in a child of the warm process; its output, stopped after ``total_timeout``."""
    import threading

    read_fd, write_fd = os.pipe()
    try:
        child = server.spawn("pytest:main", [args], cwd=str(PROJECT_ROOT), out_fd=write_fd)
    finally:
        os.close(write_fd)
    chunks: list = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: os.read(read_fd, 65536), b"")), daemon=True)
    reader.start()
    code = child.wait(total_timeout)
    if code is None:
        child.kill()
    reader.join(5)
    os.close(read_fd)
    output = b"".join(chunks).decode(errors="replace")
    return output if code is not None else f"the test process was stopped after {total_timeout:g} s\n" + output


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
