"""The same verdicts both ways: every catalogue variant, the reference and the stubs, checked
in-process (as a learner's pytest and nn-kata check run them; the self-proof's verdicts) and
through a worker process (as grading runs them), get the same status, the same number of
checks passed and the same named mistake."""
from __future__ import annotations

from nn import manifest
from tests.catalogue.bugs import BUGS
from tests.catalogue.correct import CORRECT

from .conftest import SUMMARY
from .runner import SOLUTIONS, STUBS, run_all, run_variants

THROUGH_A_WORKER = ("--worker", "process")


def verdict(result) -> tuple:
    return result.status, result.passed, result.total, result.misconception


def test_every_catalogue_variant_gets_the_same_verdict_through_a_worker(
        variant_dirs, bug_verdicts, correct_verdicts, reference_results, stub_results):
    variants = [*BUGS, *CORRECT]
    here = {**bug_verdicts, **correct_verdicts}
    there = run_variants(variants, variant_dirs, extra=THROUGH_A_WORKER)
    differ = {v.id: (verdict(here[v.id]), verdict(there[v.id])) for v in variants
              if verdict(here[v.id]) != verdict(there[v.id])}
    for name, directory, results in (("solutions", SOLUTIONS, reference_results), ("stubs", STUBS, stub_results)):
        worker = run_all(manifest.names(), directory, extra=THROUGH_A_WORKER)
        mine = {k: verdict(r) for k, r in results.items()}
        theirs = {k: verdict(r) for k, r in worker.items()}
        if mine != theirs:
            differ[name] = (mine, theirs)
    SUMMARY["parity"] = (f"worker parity: {len(variants) + 2 - len(differ)}/{len(variants) + 2} implementations "
                         f"get the same verdicts in-process and through a worker")
    assert not differ, differ
