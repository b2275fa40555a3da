"""The suite proves itself: the reference passes, the stubs read as "not started", every
catalogued bug is rejected by its own kata's tests, and every correct variant passes."""
from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from nn import manifest
from tests.catalogue.bugs import BUGS
from tests.catalogue.correct import CORRECT

from .conftest import SUMMARY
from .runner import ROOT, SOLUTIONS, STUBS, run_suite, run_variants

needs_solutions = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here (a student copy)")
SEED_BUGS = {"softmax-no-max-shift", "cross-entropy-mean-over-k-times-m", "he-zero-init", "he-unit-variance",
             "init-bias-vector", "linear-backward-no-1-over-m", "linear-backward-scalar-db",
             "backward-dW2-transposed", "backward-mask-from-output-layer"}


@pytest.fixture(scope="session")
def bug_verdicts(tmp_path_factory):
    return run_variants(BUGS, tmp_path_factory.mktemp("bugs"))


@pytest.fixture(scope="session")
def correct_verdicts(tmp_path_factory):
    return run_variants(CORRECT, tmp_path_factory.mktemp("correct"))


@pytest.fixture(scope="session")
def reference_verdict():
    return run_suite(SOLUTIONS)


@pytest.fixture(scope="session")
def stub_verdict():
    return run_suite(STUBS)


@needs_solutions
def test_every_kata_test_passes_against_the_reference(reference_verdict):
    v = reference_verdict
    assert v.expected, f"no kata tests were collected:\n{v.output}"
    assert v.all_passed, f"failing against solutions/: {[r['nodeid'] for r in v.failed]}\n{v.output}"
    per_kata = Counter(r["kata"] for r in v.results)
    assert set(per_kata) == set(manifest.names()), f"katas without tests: {set(manifest.names()) - set(per_kata)}"


def test_every_kata_test_fails_against_the_stubs_as_not_started(stub_verdict):
    v = stub_verdict
    assert v.expected and len(v.results) == len(v.expected)
    passed = [r["nodeid"] for r in v.results if r["outcome"] == "passed"]
    assert not passed, f"these tests pass against the untouched stubs: {passed}"
    other = [(r["nodeid"], r["message"][:200]) for r in v.results if r["status"] != "not-started"]
    assert not other, f"these stub failures do not read as 'not started': {other}"


def test_the_catalogues_are_big_enough_and_cover_every_kata():
    assert len(BUGS) >= 40 and len(CORRECT) >= 15
    assert len({b.id for b in BUGS + CORRECT}) == len(BUGS) + len(CORRECT), "duplicate variant ids"
    assert {b.kata for b in BUGS} == set(manifest.names())
    assert SEED_BUGS <= {b.id for b in BUGS}, f"missing seed bugs: {SEED_BUGS - {b.id for b in BUGS}}"
    for v in BUGS + CORRECT:
        assert v.module == manifest.get(v.kata).module, v.id


@needs_solutions
@pytest.mark.parametrize("bug", BUGS, ids=[b.id for b in BUGS])
def test_bug_is_rejected_by_its_own_kata(bug, bug_verdicts):
    v = bug_verdicts[bug.id]
    assert v.expected, f"{bug.id}: no tests ran\n{v.output}"
    assert v.failed, f"{bug.id} passes every test of kata {bug.kata!r}: the suite misses this bug"


@needs_solutions
@pytest.mark.parametrize("variant", CORRECT, ids=[c.id for c in CORRECT])
def test_correct_variant_passes(variant, correct_verdicts):
    v = correct_verdicts[variant.id]
    assert v.all_passed, (f"{variant.id} is correct but fails: "
                          + "; ".join(f"{r['nodeid']}: {r['message'][:300]}" for r in v.failed) + f"\n{v.output[-1500:]}")


@needs_solutions
def test_summary(bug_verdicts, correct_verdicts):
    """Prints the kill rate, the acceptance rate and the diagnosis rate."""
    killed = sum(1 for b in BUGS if bug_verdicts[b.id].failed)
    accepted = sum(1 for c in CORRECT if correct_verdicts[c.id].all_passed)
    named = [b for b in BUGS if b.misconception]
    diagnosed = sum(1 for b in named if b.misconception in bug_verdicts[b.id].misconceptions)
    SUMMARY["kill"] = f"kill rate: {killed}/{len(BUGS)} catalogued bugs rejected ({100 * killed / len(BUGS):.1f}%)"
    SUMMARY["accept"] = f"acceptance rate: {accepted}/{len(CORRECT)} correct variants pass ({100 * accepted / len(CORRECT):.1f}%)"
    SUMMARY["diagnosis"] = (f"diagnosis: {diagnosed}/{len(named)} bugs with a known misconception get its hint "
                            f"({100 * diagnosed / max(1, len(named)):.1f}%)")
    wrong_hints = sum(1 for c in CORRECT if correct_verdicts[c.id].misconceptions)
    SUMMARY["wrong_hints"] = f"hints shown to correct variants: {wrong_hints}"
    assert killed == len(BUGS) and accepted == len(CORRECT)


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
            yield from (a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))


def test_no_file_in_tests_or_nn_imports_solutions():
    offenders = [str(p.relative_to(ROOT)) for d in ("tests", "nn") for p in (ROOT / d).rglob("*.py")
                 if any(name == "solutions" or name.startswith("solutions.") for name in _imports(p))]
    assert not offenders, f"these files import solutions/: {offenders}"
