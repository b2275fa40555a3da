"""The same verdicts both ways: every catalogue variant, the reference and the stubs, checked
in-process (as a learner's pytest and nn-kata check run them) and through a worker process
(as grading runs them), get the same status, the same number of checks passed and the same
named mistake. Checks fork from one warm process, so the two passes cost little."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from nn import manifest
from nn.learn.runner import run_katas, warm
from tests.catalogue.bugs import BUGS
from tests.catalogue.correct import CORRECT

from .conftest import SUMMARY
from .runner import SOLUTIONS, STUBS

LIMIT = 120.0  # verdicts are compared, not speed: no check may differ for being slow


def verdict(result) -> tuple:
    return result.status, result.passed, result.total, result.misconception


def both_ways(katas: list[str], directory) -> tuple[dict, dict]:
    here = run_katas(katas, directory, timeout=LIMIT)
    there = run_katas(katas, directory, timeout=LIMIT, extra=("--worker", "process"))
    return {k: verdict(r) for k, r in here.items()}, {k: verdict(r) for k, r in there.items()}


def test_every_catalogue_variant_gets_the_same_verdict_through_a_worker(tmp_path):
    variants = [*BUGS, *CORRECT]
    built = [(v, v.build(SOLUTIONS, tmp_path / v.id)) for v in variants]
    with warm(), ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda item: (item[0], both_ways([item[0].kata], item[1])), built))
        reference = both_ways(manifest.names(), SOLUTIONS)
        stubs = both_ways(manifest.names(), STUBS)
    differ = {v.id: (here, there) for v, (here, there) in results if here != there}
    for name, (here, there) in (("solutions", reference), ("stubs", stubs)):
        if here != there:
            differ[name] = (here, there)
    SUMMARY["parity"] = (f"worker parity: {len(variants) + 2 - len(differ)}/{len(variants) + 2} implementations "
                         f"get the same verdicts in-process and through a worker")
    assert not differ, differ
