"""Hidden checks (--hidden DIR): graded with the kata suite, kept per check with their
visibility, mapped onto Gradescope's ``visibility``, never described to the student, never
exported; a student never reads "all checks pass" while a hidden one fails."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nn.impl import PROJECT_ROOT

SOLUTIONS = PROJECT_ROOT / "solutions"
NN_KATA = Path(sys.executable).with_name("nn-kata")
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")
LIMITS = ["--kata-timeout", "600", "--timeout", "120"]

HIDDEN = '''
import numpy as np
import pytest

pytestmark = pytest.mark.kata_relu


def test_relu_keeps_three(impl):
    """relu keeps a positive entry."""
    assert impl.fn("relu")(np.array([[3.0]]))[0, 0] == 3.0


@pytest.mark.visibility("after_due_date")
def test_relu_secret_rule(impl):
    """An instructor's rule that the reference breaks."""
    assert impl.fn("relu")(np.array([[2.0]]))[0, 0] == 2.5, "SECRET-MESSAGE: relu(2) should be 2.5 here"


@pytest.mark.kata_softmax
@pytest.mark.parametrize("n", [2, 3])
def test_softmax_columns_sum_to_one(impl, n):
    """softmax's columns sum to 1 (hidden)."""
    out = impl.fn("softmax")(np.zeros((n, 4)))
    assert np.allclose(out.sum(axis=0), 1.0)
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hidden")
    (base / "checks").mkdir()
    (base / "checks" / "test_extra.py").write_text(HIDDEN)
    sub = base / "ada"
    shutil.copytree(SOLUTIONS, sub, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([str(NN_KATA), "grade", str(sub), "--hidden", str(base / "checks"), "--json",
                           str(base / "r.json"), "--format", "gradescope", "--out", str(base / "results.json"), *LIMITS],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return base, json.loads((base / "r.json").read_text()), json.loads((base / "results.json").read_text())


def test_hidden_checks_are_graded_with_their_visibility(graded):
    base, report, _ = graded
    relu, softmax = report["katas"][0], report["katas"][1]
    vis = {c["check"]: (c["visibility"], c["outcome"]) for c in relu["checks"] if c["visibility"] != "visible"}
    assert vis == {"relu keeps a positive entry.": ("hidden", "passed"),
                   "An instructor's rule that the reference breaks.": ("after_due_date", "failed")}
    assert relu["status"] == "failed" and relu["points"] == 0 and report["score"] == 90
    assert [c["visibility"] for c in softmax["checks"]].count("hidden") == 2 and softmax["status"] == "passed"


def test_gradescope_maps_visibility_and_never_says_all_checks_pass(graded):
    base, _, results = graded
    by_name = {t["name"]: t for t in results["tests"]}
    relu = by_name["relu: ReLU and its derivative"]
    assert relu["visibility"] == "visible" and relu["score"] == 0
    assert re.match(r"all \d+ visible checks pass; 2 more checks are not shown\.", relu["output"]), relu["output"]
    assert "SECRET-MESSAGE" not in relu["output"] and "all checks pass" not in json.dumps(results)
    assert by_name["relu: hidden checks"]["visibility"] == "hidden"
    later = by_name["relu: checks shown after the due date"]
    assert later["visibility"] == "after_due_date" and "SECRET-MESSAGE" in later["output"]
    assert by_name["softmax: hidden checks"]["status"] == "passed"


def test_hidden_checks_in_feedback_are_counted_not_described(graded, tmp_path):
    base, report, _ = graded
    from nn.grade import feedback
    from nn.grade.gradeall import load

    (tmp_path / "ada.json").write_text(json.dumps(report))
    text = feedback.markdown(load(tmp_path / "ada.json")[0])
    assert re.search(r"all \d+ visible checks pass; 2 more checks are not shown\.", text), text
    assert "SECRET-MESSAGE" not in text and "instructor's rule" not in text


def test_hidden_checks_are_never_exported(graded, tmp_path):
    from nn.grade.export import export

    dest = export(tmp_path / "starter")
    text = "".join(p.read_text(errors="replace") for p in dest.rglob("*.py"))
    assert "SECRET-MESSAGE" not in text and not list(dest.rglob("test_extra.py"))


def test_a_hidden_directory_that_does_not_collect_is_a_usage_error(tmp_path):
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_broken.py").write_text("import no_such_module\n")
    proc = subprocess.run([str(NN_KATA), "grade", str(SOLUTIONS), "--hidden", str(tmp_path / "checks")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "--hidden" in proc.stderr and "no_such_module" in proc.stderr
    # The error itself, once, at the hidden module's line: not a tail of pytest's listing.
    assert "hidden/test_broken.py, line 1: import no_such_module" in proc.stderr, proc.stderr
    assert proc.stderr.count("ModuleNotFoundError") == 1 and "(met by 9 test files)" in proc.stderr


BAD_HIDDEN = {
    "a syntax error": ("import pytest\npytestmark = pytest.mark.kata_relu\n\ndef test_x(impl:\n    pass\n",
                       "test_bad.py, line 4: SyntaxError"),
    "a misspelt kata marker": ("import pytest\npytestmark = pytest.mark.kata_rellu\n\ndef test_x(impl):\n    pass\n",
                               "test_bad.py, line 2: kata_rellu is not a kata marker"),
    "a misspelt marker on one test": ("import pytest\n\n@pytest.mark.kata_sofmax\ndef test_x(impl):\n    pass\n",
                                      "test_bad.py, line 3: kata_sofmax is not a kata marker"),
    "no kata marker": ("def test_x(impl):\n    pass\n", "test_bad.py, line 1: test_x has no kata marker"),
    "an unknown function": ("import pytest\npytestmark = pytest.mark.kata_relu\n\ndef test_x(impl):\n"
                            "    impl.fn('rellu')\n", "test_bad.py, line 5: impl.fn('rellu') names no kata's function"),
    "a visibility that is not one": ("import pytest\npytestmark = pytest.mark.kata_relu\n\n"
                                     "@pytest.mark.visibility('after_due')\ndef test_x(impl):\n    pass\n",
                                     "test_bad.py, line 4: visibility 'after_due' is not one of"),
    "a module visibility that is not one": ("import pytest\npytestmark = pytest.mark.kata_relu\nVISIBILITY = 'later'\n\n"
                                            "def test_x(impl):\n    pass\n", "test_bad.py, line 3: VISIBILITY = 'later'"),
}


@pytest.mark.parametrize("case", sorted(BAD_HIDDEN))
def test_hidden_checks_that_would_be_silently_wrong_are_refused_before_grading(tmp_path, case):
    """Read from the source before anyone is graded: each problem named with its file and line."""
    from nn.grade import hidden

    source, says = BAD_HIDDEN[case]
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_bad.py").write_text(source)
    (tmp_path / "checks" / "test_good.py").write_text(HIDDEN)
    with pytest.raises(ValueError) as info:
        hidden.check(tmp_path / "checks")
    assert says in str(info.value), str(info.value)
    assert "test_good.py" not in str(info.value)


def test_the_shipped_examples_of_hidden_checks_pass_the_static_check(tmp_path):
    from nn.grade import hidden

    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_extra.py").write_text(HIDDEN)
    assert hidden.problems(tmp_path / "checks") == []


def test_a_gradescope_bundle_is_refused_when_a_hidden_module_does_not_parse(tmp_path):
    """It used to be built, and every student then got 0 with 'could not grade'."""
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_bad.py").write_text(BAD_HIDDEN["a syntax error"][0])
    proc = subprocess.run([str(NN_KATA), "autograder", "--gradescope", str(tmp_path / "a.zip"), "--hidden",
                           str(tmp_path / "checks")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "test_bad.py, line 4: SyntaxError" in proc.stderr, proc.stderr
    assert not (tmp_path / "a.zip").exists()
