"""The instructor's side on one small class of known truth, graded for real once (a module
fixture) and then reused: partial credit, feedback files, the mistakes report, gradebook
exports, --only, rescoring a finished class without grading again, and bad combinations.

The class: ada (correct), bob (the untouched stubs), kim and lee.zip (nested folders) with
the same relu bug, max.tar.gz with a softmax bug, eve (hostile: an object equal to
anything), and sam/ with sam.zip (one student twice: skipped).
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from nn import manifest
from nn.impl import PROJECT_ROOT

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "katas"
NN_KATA = Path(sys.executable).with_name("nn-kata")
pytestmark = pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")
LIMITS = ["--kata-timeout", "600", "--timeout", "120", "--jobs", "2"]

KINK = "\n\ndef relu_backward(dA, Z):\n    return dA * (Z >= 0)\n"  # kink-at-zero
OVERFLOW = "\n\ndef softmax(Z):\n    e = np.exp(Z)\n    return e / e.sum(axis=0, keepdims=True)\n"  # overflow
EQ = ("\n\nclass Yes:\n    def __eq__(self, other):\n        return True\n    __array_priority__ = 1000\n"
      "\ndef relu(Z):\n    return Yes()\n")
# student: (the kata that fails, its diagnosis); everyone else in the class passes every kata but bob
TRUTH = {"ada": None, "kim": ("relu", "kink-at-zero"), "lee": ("relu", "kink-at-zero"),
         "max": ("softmax", "overflow"), "eve": ("relu", None)}


def solution_with(dest: Path, module: str = "", extra: str = "") -> Path:
    shutil.copytree(SOLUTIONS, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if module:
        path = dest / f"{module}.py"
        path.write_text(path.read_text() + extra)
    return dest


def make_class(root: Path) -> Path:
    root.mkdir()
    solution_with(root / "ada")
    shutil.copytree(STUBS, root / "bob", ignore=shutil.ignore_patterns("__pycache__"))
    solution_with(root / "kim", "activations", KINK)
    lee = solution_with(root.parent / "lee-src", "activations", KINK)
    with zipfile.ZipFile(root / "lee.zip", "w") as zf:
        for p in sorted(lee.glob("*.py")):
            zf.write(p, f"lee/work/katas/{p.name}")
    mx = solution_with(root.parent / "max-src", "activations", OVERFLOW)
    with tarfile.open(root / "max.tar.gz", "w:gz") as tf:
        for p in sorted(mx.glob("*.py")):
            tf.add(p, arcname=f"katas/{p.name}")
    solution_with(root / "eve", "activations", EQ)
    solution_with(root / "sam")
    shutil.copy(root / "lee.zip", root / "sam.zip")
    return root


def nn_kata(*argv, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(NN_KATA), *map(str, argv)], capture_output=True, text=True, timeout=900)
    if check:
        assert proc.returncode in (0, 1), proc.stderr
    return proc


def rows(path: Path) -> dict:
    return {r[0]: r for r in csv.reader(path.read_text().splitlines())}


def report(out: Path, student: str) -> dict:
    return json.loads((out / f"{student}.json").read_text())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once, with feedback, the mistakes report and the generic gradebook."""
    base = tmp_path_factory.mktemp("klass")
    root = make_class(base / "class")
    out = base / "grades"
    proc = nn_kata("grade-all", root, "--out", out, "--feedback", base / "feedback", "--summary", "--lms",
                   "generic", *LIMITS)
    return base, root, out, proc


def test_grades_are_the_known_truth(graded):
    base, root, out, proc = graded
    assert proc.returncode == 1 and "sam/ and sam.zip are one student" in proc.stderr  # the clash wants attention
    assert "6 submissions: 6 to grade" in proc.stdout
    book = rows(out / "grades.csv")
    assert sorted(book) == ["ada", "bob", "eve", "kim", "lee", "max", "sam", "student"]
    assert book["student"][-3:] == ["total", "max", "notes"]
    assert book["ada"][-3:] == ["100", "100", ""] and book["bob"][-3] == "0"
    assert book["sam"][-3] == "" and "not graded: sam/ and sam.zip are one student" in book["sam"][-1]
    for student, wrong in TRUTH.items():
        r = report(out, student)
        failing = {k["kata"] for k in r["katas"] if k["status"] != "passed"}
        assert failing == ({wrong[0]} if wrong else set()), (student, failing)
        if wrong:
            assert r["score"] == 100 - manifest.get(wrong[0]).points


def test_partial_credit_both_policies_in_every_report(graded):
    base, root, out, proc = graded
    kim = report(out, "kim")
    relu = next(k for k in kim["katas"] if k["kata"] == "relu")
    assert kim["credit"] == "kata" and relu["points"] == 0 and 0 < relu["passed"] < relu["total"]
    assert relu["check_points"] == pytest.approx(10 * relu["passed"] / relu["total"], abs=1e-3)
    assert kim["score_kata"] == 90 and kim["score_checks"] == pytest.approx(90 + relu["check_points"], abs=1e-3)
    assert len(relu["checks"]) == relu["total"]
    failing = [c for c in relu["checks"] if c["outcome"] != "passed"]
    assert len(failing) == relu["total"] - relu["passed"] and all(c["message"] for c in failing)
    assert any(c["misconception"] == "kink-at-zero" for c in failing)


def test_feedback_lists_every_failing_check_with_its_diagnosis(graded):
    base, root, out, proc = graded
    files = sorted(p.name for p in (base / "feedback").iterdir())
    assert files == ["ada.md", "bob.md", "eve.md", "kim.md", "lee.md", "max.md"]
    kim = (base / "feedback" / "kim.md").read_text()
    relu = next(k for k in report(out, "kim")["katas"] if k["kata"] == "relu")
    failing = [c for c in relu["checks"] if c["outcome"] != "passed"]
    assert "**90 / 100 points**" in kim and "## relu" in kim and "## softmax" not in kim
    # One heading per distinct message, every failing check named under it: said once each.
    assert kim.count("\n### ") == len({(c.get("message"), c.get("misconception")) for c in failing}) >= 1
    assert all(c["check"] in kim for c in failing) and "Likely mistake: **kink-at-zero**" in kim
    eve = (base / "feedback" / "eve.md").read_text()  # every failing check, not only the first
    relu = next(k for k in report(out, "eve")["katas"] if k["kata"] == "relu")
    failing = [c for c in relu["checks"] if c["outcome"] != "passed"]
    assert len(failing) == relu["total"] - relu["passed"] >= 2 and all(c["check"] in eve for c in failing)
    assert eve.count("\n### ") == len({(c.get("message"), c.get("misconception")) for c in failing})
    ada = (base / "feedback" / "ada.md").read_text()
    assert "**100 / 100 points**" in ada and "\n## " not in ada
    assert "Not started yet" in (base / "feedback" / "bob.md").read_text()


def test_summary_counts_passes_and_groups_students_by_mistake(graded):
    base, root, out, proc = graded
    text = (out / "summary.md").read_text()
    assert "| relu | 2 / 6 | 3 | 1 |" in text  # ada and max pass; kim, lee, eve fail; bob has not started
    assert "| softmax | 4 / 6 | 1 | 1 |" in text
    first = text.split("### 1. ")[1].split("### 2. ")[0]
    assert first.startswith("relu: kink-at-zero (2 students") and "Students: kim, lee" in first
    assert "Example: `" in first
    assert "softmax: overflow (1 student," in text and "Students: max" in text
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![" in text and "(summary.png)" in text


def test_generic_gradebook_has_notes_for_the_skipped(graded):
    base, root, out, proc = graded
    book = rows(out / "generic.csv")
    assert book["student"] == ["student", "total", "notes"]
    assert book["ada"] == ["ada", "100", ""] and book["kim"][1] == "90"
    assert book["sam"][1] == "" and "not graded: sam/ and sam.zip are one student" in book["sam"][2]


def test_points_and_credit_changes_are_recomputed_without_grading(graded, tmp_path):
    base, root, out, proc = graded
    toml = tmp_path / "points.toml"
    toml.write_text('credit = "checks"\n[points]\nrelu = 20\n')
    book = tmp_path / "rescored.csv"
    again = nn_kata("grade-all", root, "--out", out, "--csv", book, "--points", toml, "--lms", "canvas",
                    "--lms-out", tmp_path / "canvas.csv", *LIMITS)
    assert "0 to grade, 6 unchanged" in again.stdout and "points recomputed for 6" in again.stdout
    kim = report(out, "kim")
    relu = next(k for k in kim["katas"] if k["kata"] == "relu")
    assert kim["credit"] == "checks" and relu["max_points"] == 20
    assert kim["score"] == pytest.approx(90 + 20 * relu["passed"] / relu["total"], abs=1e-3)
    assert rows(book)["ada"][-3:-1] == ["110", "110"] and rows(book)["bob"][-3] == "0"
    canvas = list(csv.reader((tmp_path / "canvas.csv").read_text().splitlines()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "nn-katas"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "110"]
    assert ["ada", "", "", "ada", "", "110"] in canvas
    # the command line's --credit wins over the points file's; back to the manifest's points
    back = nn_kata("grade-all", root, "--out", out, "--csv", book, "--credit", "kata", *LIMITS)
    assert "0 to grade" in back.stdout and report(out, "kim")["score"] == 90 and report(out, "kim")["credit"] == "kata"


def test_only_regrades_the_students_it_names(graded, tmp_path):
    base, root, out, proc = graded
    before = {s: report(out, s) for s in ("ada", "kim")}
    path = root / "kim" / "activations.py"
    path.write_text(path.read_text().replace(KINK, ""))  # kim fixes the bug and sends it again
    again = nn_kata("grade-all", root, "--out", out, "--only", "KIM", *LIMITS)
    assert "1 to grade, 5 unchanged" in again.stdout, again.stdout
    assert report(out, "kim")["score"] == 100 and report(out, "ada") == before["ada"]
    assert rows(out / "grades.csv")["kim"][-3] == "100"


@pytest.mark.parametrize("argv, says", [
    (["--only", "nobody"], "--only nobody: no such student"),
    (["--only", "ada", "--force"], "--only regrades the students it names, --force regrades everyone"),
    (["--jobs", "0"], "--jobs 0: at least 1"),
    (["--lms-out", "x.csv"], "--lms-out FILE is where --lms KIND writes"),
    (["--credit", "half"], "invalid choice: 'half'"),
    (["--hidden", "no/such/dir"], "--hidden no/such/dir: no such directory"),
])
def test_bad_combinations_exit_2_before_grading(graded, tmp_path, argv, says):
    base, root, out, proc = graded
    bad = nn_kata("grade-all", root, "--out", tmp_path / "g", *argv, check=False)
    assert bad.returncode == 2 and says in bad.stderr, bad.stderr
    assert not (tmp_path / "g" / "ada.json").exists()


def test_feedback_into_the_class_directory_is_refused(graded):
    base, root, out, proc = graded
    bad = nn_kata("grade-all", root, "--out", out, "--feedback", root, check=False)
    assert bad.returncode == 2 and "is the class directory itself" in bad.stderr


HIDDEN = '''
import numpy as np
import pytest


@pytest.mark.kata_relu
def test_relu_backward_is_zero_at_the_kink(impl):
    """relu_backward passes no gradient at exactly zero."""
    out = impl.fn("relu_backward")(np.ones((1, 1)), np.zeros((1, 1)))
    assert out[0, 0] == 0, "HIDDEN-MESSAGE: the gradient at zero"


@pytest.mark.kata_softmax
@pytest.mark.visibility("after_due_date")
def test_softmax_instructor_rule(impl):
    """An instructor's rule that no softmax meets."""
    assert impl.fn("softmax")(np.zeros((2, 1)))[0, 0] == 0.3, "SECRET-MESSAGE: 0.3 here"
'''


def test_hidden_checks_over_the_class(tmp_path):
    """grade-all --hidden on the known class: the hidden relu check catches the kink bug again,
    the softmax rule shown after the due date fails for everyone, and no feedback describes a
    hidden check or says "all checks pass" while one fails."""
    root = make_class(tmp_path / "class")
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "test_instructor.py").write_text(HIDDEN)
    out, fb = tmp_path / "grades", tmp_path / "feedback"
    proc = nn_kata("grade-all", root, "--hidden", tmp_path / "hidden", "--out", out, "--feedback", fb, *LIMITS)
    assert "6 submissions: 6 to grade" in proc.stdout, proc.stdout + proc.stderr
    scores = {s: report(out, s)["score"] for s in ("ada", "bob", "eve", "kim", "lee", "max")}
    assert scores == {"ada": 90, "bob": 0, "eve": 80, "kim": 80, "lee": 80, "max": 90}
    for student in scores:
        katas = {k["kata"]: k for k in report(out, student)["katas"]}
        vis = {c["check"]: (c["visibility"], c["outcome"]) for k in katas.values() for c in k["checks"]
               if c["visibility"] != "visible"}
        if student == "bob":
            continue
        kink = "passed" if student in ("ada", "max", "eve") else "failed"
        assert vis == {"relu_backward passes no gradient at exactly zero.": ("hidden", kink),
                       "An instructor's rule that no softmax meets.": ("after_due_date", "failed")}, student
        text = (fb / f"{student}.md").read_text()
        assert "HIDDEN-MESSAGE" not in text and "SECRET-MESSAGE" not in text and "instructor's rule" not in text
        assert "all checks pass" not in text.lower().replace("all visible checks pass", "")
        assert "1 more check is not shown." in text
    ada = (fb / "ada.md").read_text()
    softmax = next(k for k in report(out, "ada")["katas"] if k["kata"] == "softmax")
    visible = sum(c["visibility"] == "visible" for c in softmax["checks"])
    assert f"All {visible} visible checks pass; 1 more check is not shown." in ada and "**90 / 100 points**" in ada
    relu = next(k for k in report(out, "kim")["katas"] if k["kata"] == "relu")
    shown = [c for c in relu["checks"] if c["visibility"] == "visible"]
    passed = sum(c["outcome"] == "passed" for c in shown)
    kim = (fb / "kim.md").read_text()
    assert f"{passed}/{len(shown)} visible checks pass; 1 more check is not shown." in kim
    assert kim.count("\n### ") == len(shown) - passed  # every failing visible check, no hidden one


def test_one_message_met_by_many_checks_is_said_once_with_each_check_named():
    """A syntax error fails every check of its kata with the same message: one heading, the
    message once, every check listed."""
    from nn.grade import feedback
    from nn.grade.reports import KataGrade, Report

    message = "katas/layers.py, line 3: SyntaxError: expected ':'"
    grade = KataGrade("linear", 0.0, 15.0, 0, 3, "failed", message)
    grade.checks = [{"nodeid": f"t::{i}", "check": f"check number {i}", "outcome": "failed", "message": message,
                     "misconception": None, "visibility": "visible"} for i in range(3)]
    grade.checks.append({"nodeid": "t::3", "check": "a check of its own", "outcome": "failed", "message": "other",
                         "misconception": None, "visibility": "visible"})
    grade.total = 4
    text = feedback.markdown(Report(student="ada", katas=[grade]))
    assert text.count(message) == 1 and text.count("\n### ") == 2 and "### 3 checks, one message" in text
    assert all(f"- check number {i}" in text for i in range(3)) and "### a check of its own" in text
    for c in grade.checks[:3]:  # one parametrized check: its cases counted under one title
        c["check"] = "one check, three cases"
    text = feedback.markdown(Report(student="ada", katas=[grade]))
    assert "- one check, three cases (3 cases)" in text and text.count("one check, three cases") == 1
