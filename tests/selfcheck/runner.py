"""Runs the kata suite against other implementations, each in its own pytest process.

Used by the self-proof (tests/selfcheck) and by ``python -m tests.selfcheck``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from nn import manifest

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "katas"


@dataclass
class Verdict:
    impl: Path
    kata: str | None
    returncode: int
    expected: list = field(default_factory=list)
    results: list = field(default_factory=list)
    output: str = ""

    @property
    def failed(self) -> list:
        return [r for r in self.results if r["outcome"] != "passed"]

    @property
    def all_passed(self) -> bool:
        ids = {r["nodeid"] for r in self.results if r["outcome"] == "passed"}
        return self.returncode == 0 and bool(self.expected) and ids == set(self.expected)

    @property
    def misconceptions(self) -> list:
        return [r["misconception"] for r in self.failed if r["misconception"]]


def run_suite(impl: Path, kata: str | None = None, extra: tuple = ()) -> Verdict:
    """One pytest process over one kata's tests (or all of them) against ``impl``."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--impl={impl}",
               f"--report-json={report}", *extra]
        if kata:
            k = manifest.get(kata)
            cmd += [k.test_file, "-m", k.marker]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900,
                              env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        data = json.loads(report.read_text()) if report.exists() else {"expected": [], "results": []}
    return Verdict(impl, kata, proc.returncode, data["expected"], data["results"], proc.stdout[-4000:] + proc.stderr[-4000:])


def run_variants(variants, workdir: Path, jobs: int | None = None) -> dict:
    """Build each variant from the reference and run its kata's tests; {variant id: Verdict}."""
    jobs = jobs or os.cpu_count() or 2

    def one(v):
        return v.id, run_suite(v.build(SOLUTIONS, workdir / v.id), v.kata)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(one, variants))
