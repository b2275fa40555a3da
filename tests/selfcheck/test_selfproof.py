"""The suite proves itself: the reference passes, the stubs read as "not started", every
catalogued bug is rejected by its own kata's tests, and every correct variant passes."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nn import manifest
from tests.catalogue.bugs import BUGS, BUGS_ROUND_1, BUGS_ROUND_2, BUGS_ROUND_3
from tests.catalogue.correct import CORRECT, CORRECT_ROUND_1, CORRECT_ROUND_2

from .conftest import SUMMARY
from .measure import rates, summary_lines
from .runner import ROOT, SOLUTIONS

needs_solutions = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here (a student copy)")
SEED_BUGS = {"softmax-no-max-shift", "cross-entropy-mean-over-k-times-m", "he-zero-init", "he-unit-variance",
             "init-bias-vector", "linear-backward-no-1-over-m", "linear-backward-scalar-db",
             "backward-dW2-transposed", "backward-mask-from-output-layer"}


@needs_solutions
def test_every_kata_test_passes_against_the_reference(reference_results):
    for name, r in reference_results.items():
        assert r.total > 0, f"kata {name} has no tests:\n{r.output[-2000:]}"
        assert r.status == "done", f"kata {name} fails against solutions/: {[f['nodeid'] for f in r.failures]}\n{r.output[-2000:]}"


def test_every_kata_test_fails_against_the_stubs_as_not_started(stub_results):
    for name, r in stub_results.items():
        assert r.total > 0 and r.passed == 0, f"kata {name}: {r.passed} tests pass against the untouched stub"
        other = [(f["nodeid"], f["message"][:200]) for f in r.failures if f["status"] != "not-started"]
        assert not other, f"these stub failures do not read as 'not started': {other}"
        assert r.status == "not started"


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
    r = bug_verdicts[bug.id]
    assert r.total > 0, f"{bug.id}: no tests ran\n{r.output[-2000:]}"
    assert r.status != "done", f"{bug.id} passes every test of kata {bug.kata!r}: the suite misses this bug"


@needs_solutions
@pytest.mark.parametrize("variant", CORRECT, ids=[c.id for c in CORRECT])
def test_correct_variant_passes(variant, correct_verdicts):
    r = correct_verdicts[variant.id]
    assert r.status == "done", (f"{variant.id} is correct but fails: "
                                + "; ".join(f"{f['nodeid']}: {f['message'][:300]}" for f in r.failures) + f"\n{r.output[-1500:]}")


@needs_solutions
def test_summary(bug_verdicts, correct_verdicts):
    """Prints the kill rate, the acceptance rate and the three diagnosis rates (right, wrong, no hint), for the
    whole catalogue and for each round, and holds them to their targets: every bug rejected, every correct
    variant accepted with no hint, a wrong hint for at most 2% of the caught bugs and the right one for 85%."""
    total = rates(BUGS, bug_verdicts, CORRECT, correct_verdicts)
    for i, line in enumerate(summary_lines(total)):
        SUMMARY[f"all{i}"] = line
    for name, bugs, correct in (("round 1", BUGS_ROUND_1, CORRECT_ROUND_1), ("round 2", BUGS_ROUND_2, CORRECT_ROUND_2),
                                ("round 3", BUGS_ROUND_3, [])):
        r = rates(bugs, bug_verdicts, correct, correct_verdicts)
        SUMMARY[name] = (f"{name}: {r['killed']}/{r['bugs']} rejected, {r['accepted']}/{r['correct']} accepted; "
                         f"right hint {r['right_hint']}, wrong hint {r['wrong_hint']}, no hint {r['no_hint']}")
    if total["wrong"]:
        SUMMARY["wrong"] = "wrong hints (bug, wanted, got): " + ", ".join(map(str, total["wrong"]))
    if total["unhinted"]:
        SUMMARY["unhinted"] = "no hint: " + ", ".join(i for i, _ in total["unhinted"])
    killed = total["killed"]
    assert killed == len(BUGS), f"bugs the suite misses: {total['missed']}"
    assert total["accepted"] == len(CORRECT), f"correct variants rejected: {total['rejected_correct']}"
    assert total["hints_to_correct"] == 0, "a correct variant was shown a hint"
    assert total["wrong_hint"] <= 0.02 * killed, SUMMARY.get("wrong")
    assert total["right_hint"] >= 0.85 * killed, SUMMARY.get("unhinted")


@needs_solutions
def test_messages_read_plainly(bug_verdicts):
    """Numbers in failure messages read as numbers: x[0, 1] was -0.93, never np.float64(-0.93) or np.int64(0)."""
    import re

    reprs = re.compile(r"np\.(float|int|uint|bool)\w*\(")
    bad = [(b.id, f["message"][:300]) for b in BUGS for f in bug_verdicts[b.id].failures if reprs.search(f["message"])]
    assert not bad, bad


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
