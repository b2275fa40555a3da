"""Runs the kata suite against catalogue variants, each in its own pytest process."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nn.impl import PROJECT_ROOT as ROOT
from nn.learn.runner import KataResult, run_katas

SOLUTIONS = ROOT / "solutions"
STUBS = ROOT / "katas"


def run_variants(variants, workdir: Path, jobs: int | None = None) -> dict[str, KataResult]:
    """Build each variant from the reference and run its own kata's tests: {variant id: result}."""
    jobs = jobs or os.cpu_count() or 2

    def one(v):
        return v.id, run_katas([v.kata], v.build(SOLUTIONS, workdir / v.id))[v.kata]

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return dict(pool.map(one, variants))


def diagnosis(bugs, results: dict[str, KataResult]) -> list[tuple[str, str | None, str | None]]:
    """(bug id, misconception expected, misconception the report names) for every bug."""
    return [(b.id, b.misconception, results[b.id].misconception) for b in bugs]
