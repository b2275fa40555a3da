"""Runs the kata suite against catalogue variants, each in its own pytest process, forked from
one warm process with the suite's imports done (what ``nn-kata watch`` uses)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nn.impl import PROJECT_ROOT as ROOT
from nn.learn.runner import KataResult, run_katas, warm

SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "katas"
# Verdicts are measured here, not speed: a check of a correct variant must never be stopped
# because the machine is busy. A bug that loops still ends, at this limit.
LIMIT = 120.0


def run_variants(variants, workdir: Path, jobs: int | None = None, extra: tuple = ()) -> dict[str, KataResult]:
    """Build each variant from the reference and run its own kata's tests: {variant id: result}."""
    jobs = jobs or os.cpu_count() or 2

    def one(v):
        directory = v.build(SOLUTIONS, workdir / v.id) if not (workdir / v.id).is_dir() else workdir / v.id
        return v.id, run_katas([v.kata], directory, timeout=LIMIT, extra=extra)[v.kata]

    with warm(), ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(one, variants))


def run_all(katas: list[str], directory: Path, extra: tuple = ()) -> dict[str, KataResult]:
    """Every given kata against one directory (the reference, the stubs), in one pytest process,
    with the same limit (one run: a warm process would save nothing)."""
    return run_katas(katas, directory, timeout=LIMIT, extra=extra)


def diagnosis(bugs, results: dict[str, KataResult]) -> list[tuple[str, str | None, str | None]]:
    """(bug id, misconception expected, misconception the report names) for every bug."""
    return [(b.id, b.misconception, results[b.id].misconception) for b in bugs]
