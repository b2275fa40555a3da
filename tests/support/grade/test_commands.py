"""The grading commands' parent side: names, refusals, outputs written before printing,
a crash that costs one submission, the gradebook always written, no temporary directory
left behind, and the checks on --out, --format and the points file.

Most tests replace engine.grade with a stand-in (the parent is what is tested); two run
the real grader, on three small submissions in all."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from nn import cli, manifest
from nn.grade import engine, reports, scoring, unpack
from nn.impl import PROJECT_ROOT

SOLUTIONS = PROJECT_ROOT / "solutions"
STUBS = PROJECT_ROOT / "katas"
NN_KATA = Path(sys.executable).with_name("nn-kata")


class FakeEngine:
    """engine.grade as the commands see it: full points for each kata module present, a crash
    for the students named in `crash`, a message with a lone surrogate for those in `surrogate`."""

    def __init__(self, crash=(), surrogate=()):
        self.crash, self.surrogate, self.calls = set(crash), set(surrogate), []

    def grade(self, submission, *, points=None, student=None, **kwargs):
        submission = Path(submission)
        self.calls.append((student, submission, sorted(p.name for p in submission.iterdir())))
        if student in self.crash:
            raise RuntimeError(f"the grader broke on {student}")
        report = reports.Report(student=student or submission.name)
        for kata in manifest.katas():
            ok = (submission / f"{kata.module}.py").is_file() and student not in self.surrogate
            report.katas.append(reports.KataGrade(kata.name, points[kata.name] if ok else 0.0, points[kata.name],
                                                  1 if ok else 0, 1, "passed" if ok else "failed",
                                                  "" if ok else "ValueError: caf\udcff"))
        if student in self.surrogate:
            report.notes.append("a note with \udcff in it")
        scoring.rescore(report, points, kwargs.get("credit", "kata"))  # both policies, as _finish does
        return report


@pytest.fixture
def fake(monkeypatch):
    fake = FakeEngine(crash={"crash"}, surrogate={"odd"})
    monkeypatch.setattr(engine, "grade", fake.grade)
    monkeypatch.setattr(engine, "expected_tests", lambda hidden=None: {k.name: [f"{k.test_file}::t"] for k in manifest.katas()})
    return fake


def run(argv, capsys) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def copy_modules(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def zip_modules(src: Path, path: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for p in sorted(src.glob("*.py")):
            zf.write(p, prefix + p.name)
    return path


def tar_modules(src: Path, path: Path, mode: str = "w:xz") -> Path:
    with tarfile.open(path, mode) as tf:
        for p in sorted(src.glob("*.py")):
            tf.add(p, arcname=f"katas/{p.name}")
    return path


def gradebook(path: Path) -> dict:
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == ["student", *manifest.names(), "total", "max", "notes"]
    return {r[0]: r[:-1] for r in rows[1:]}  # the notes column left out: [-2] is the total


# -- student names -------------------------------------------------------------------------------------

def test_grade_names_the_student_with_the_dots_kept(tmp_path, fake, capsys):
    archive = zip_modules(SOLUTIONS, tmp_path / "jean.dupont.zip", "jean/katas/")
    code, out, _ = run(["grade", archive, "--json", tmp_path / "r.json"], capsys)
    assert code == 0 and out.startswith("jean.dupont: 100 / 100")
    assert json.loads((tmp_path / "r.json").read_text())["student"] == "jean.dupont"
    student, _, files = fake.calls[0]
    assert student == "jean.dupont" and files == sorted(f"{m}.py" for m in manifest.MODULES)


def test_grade_dot_is_the_directory_real_name(tmp_path, fake, capsys, monkeypatch):
    sub = copy_modules(SOLUTIONS, tmp_path / "ada.lovelace")
    monkeypatch.chdir(sub)
    code, _, _ = run(["grade", ".", "--json", tmp_path / "r.json"], capsys)
    assert code == 0 and json.loads((tmp_path / "r.json").read_text())["student"] == "ada.lovelace"
    assert fake.calls[0][0] == "ada.lovelace"


def test_skipped_folders_are_in_the_report_notes(tmp_path, fake, capsys):
    sub = tmp_path / "ada"
    copy_modules(SOLUTIONS, sub / "katas")
    copy_modules(STUBS, sub / "__MACOSX" / "katas")
    (sub / ".git").mkdir()
    code, out, _ = run(["grade", sub, "--json", tmp_path / "r.json"], capsys)
    notes = json.loads((tmp_path / "r.json").read_text())["notes"]
    assert code == 0 and any("__MACOSX/" in n and ".git/" in n for n in notes), notes
    assert "note: not searched for the kata modules" in out


# -- grade: outputs first, printing that cannot fail ------------------------------------------------------

def test_a_lone_surrogate_cannot_keep_grade_from_writing_its_reports(tmp_path, fake, capsys, monkeypatch):
    sub = copy_modules(SOLUTIONS, tmp_path / "odd")
    strict = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdout", strict)
    code = cli.main(["grade", str(sub), "--json", str(tmp_path / "r.json"), "--format", "gradescope",
                     "--out", str(tmp_path / "results.json")])
    strict.flush()
    printed = strict.buffer.getvalue().decode()
    assert code == 0 and "caf?" in printed and f"wrote {tmp_path / 'results.json'}" in printed
    doc = json.loads((tmp_path / "results.json").read_text())
    json.dumps(doc, ensure_ascii=False).encode("utf-8")  # no lone surrogate left for Gradescope to choke on
    assert doc["score"] == 0 and "caf\ufffd" in doc["tests"][0]["output"]
    assert json.loads((tmp_path / "r.json").read_text())["katas"][0]["first_failure"] == "ValueError: caf\udcff"


def test_grade_writes_a_report_even_when_the_grader_crashes(tmp_path, fake, capsys):
    sub = copy_modules(SOLUTIONS, tmp_path / "crash")
    code, _, err = run(["grade", sub, "--format", "gradescope", "--out", tmp_path / "results.json"], capsys)
    doc = json.loads((tmp_path / "results.json").read_text())
    assert code == 1 and doc["score"] == 0 and "the grader failed on this submission" in doc["output"]
    assert "RuntimeError: the grader broke on crash" in err


def test_a_refused_archive_gets_a_report_with_the_reason(tmp_path, fake, capsys):
    from tests.support.grade.test_unpack import bz2_bomb

    (tmp_path / "carl.tar.gz").write_bytes(bz2_bomb(200_000))
    code, out, _ = run(["grade", tmp_path / "carl.tar.gz", "--format", "gradescope", "--out", tmp_path / "g.json"],
                       capsys)
    doc = json.loads((tmp_path / "g.json").read_text())
    assert code == 0 and doc["score"] == 0 and "its content is a bzip2 stream: refused" in doc["output"]
    assert fake.calls == [] and "carl: 0 / 100" in out


@pytest.mark.parametrize("argv, says", [
    (["--out", "results.json"], "--out FILE is where --format gradescope writes results.json"),
    (["--format", "gradescope"], "--format gradescope needs --out FILE"),
    (["--json", "no/such/dir/r.json"], "--json no/such/dir/r.json: the directory no/such/dir does not exist"),
])
def test_grade_output_options_are_checked_before_grading(tmp_path, fake, capsys, monkeypatch, argv, says):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["grade", SOLUTIONS, *argv], capsys)
    assert code == 2 and says in err and fake.calls == []
    assert not (tmp_path / "results.json").exists()


# -- points files ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, says", [
    ("relu = 5\n", "relu = 5 is outside a [points] table"),
    ("relu = 5\n[points]\nsoftmax = 2\n", "relu = 5 is outside a [points] table"),
    ("[points]\nrelu = true\n", "relu = true is a boolean, not a number"),
    ("[points]\nrelu = inf\n", "relu = inf is not finite"),
    ("[points]\nrelu = -inf\n", "relu = -inf is not finite"),
    ("[points]\nrelu = nan\n", "relu = nan is not finite"),
    ("[points]\nrelu = -1\n", "relu = -1 is negative"),
    ("[points]\nrelu = '5'\n", "relu = '5' is not a number"),
    ("points = 5\n", "points = 5 must be a table"),
    ("[grades]\nrelu = 5\n", "'grades' is not the [points] table"),
    ("[points]\nrelu = \n", "not valid TOML"),
    ("[points]\nsofmax = 3\n", "unknown kata 'sofmax'"),
])
def test_a_bad_points_file_is_refused_with_the_reason(tmp_path, fake, capsys, text, says):
    toml = tmp_path / "points.toml"
    toml.write_text(text)
    with pytest.raises(unpack.SubmissionError) as info:
        reports.load_points(toml)
    assert says in str(info.value)
    code, _, err = run(["grade-all", tmp_path, "--points", toml], capsys)
    assert code == 2 and says in err and fake.calls == []


def test_a_good_points_file(tmp_path):
    toml = tmp_path / "points.toml"
    toml.write_text("[points]\nrelu = 2.5\nsoftmax = 0\nbackward = 40\n")
    points = reports.load_points(toml)
    assert points["relu"] == 2.5 and points["softmax"] == 0 and points["backward"] == 40 and points["loss"] == 15


# -- grade-all ---------------------------------------------------------------------------------------------

@pytest.fixture
def klass(tmp_path):
    """A class directory with a bit of everything."""
    root = tmp_path / "class"
    root.mkdir()
    copy_modules(SOLUTIONS, root / "ada")
    copy_modules(SOLUTIONS, root / "crash")
    copy_modules(SOLUTIONS, root / "odd")
    zip_modules(SOLUTIONS, root / "jean.dupont.zip", "katas/")
    tar_modules(SOLUTIONS, root / "zoe.tar.xz")
    tar_modules(SOLUTIONS, root / "yan.tar.bz2", "w:bz2")
    tar_modules(SOLUTIONS, root / "xia.tar", "w")
    copy_modules(STUBS, root / "bob")
    zip_modules(STUBS, root / "bob.zip")
    from tests.support.grade.test_unpack import bz2_bomb

    (root / "carl.tar.gz").write_bytes(bz2_bomb(200_000))
    (root / "fay.zip").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 2)  # corrupt
    (root / "dan.rar").write_bytes(b"Rar!\x1a\x07\x00" + bytes(100))
    (root / "notes.txt").write_text("collected on Monday")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    copy_modules(STUBS, root / "__MACOSX")
    return root


def test_grade_all_one_crash_costs_one_submission_and_everything_is_accounted_for(tmp_path, klass, fake, capsys):
    out, book = tmp_path / "grades", tmp_path / "grades.csv"
    code, stdout, stderr = run(["grade-all", klass, "--jobs", "2", "--out", out, "--csv", book], capsys)
    assert code == 1  # the crash and bob want the instructor's attention; the gradebook is there
    rows = gradebook(book)
    assert sorted(rows) == ["ada", "bob", "carl", "crash", "fay", "jean.dupont", "odd", "xia", "yan", "zoe"]
    assert rows["bob"][-2] == "" and "not graded: bob/ and bob.zip are one student" in \
        next(r for r in csv.reader(book.read_text().splitlines()) if r[0] == "bob")[-1]
    for student in ("ada", "jean.dupont", "xia", "yan", "zoe"):
        assert rows[student][-2:] == ["100", "100"], (student, rows[student])
    assert rows["crash"][-2] == "0" and rows["carl"][-2] == "0" and rows["odd"][-2] == "0"
    crash = json.loads((out / "crash.json").read_text())
    assert "the grader failed on this submission (RuntimeError: the grader broke on crash)" in crash["notes"][0]
    assert "its content is a bzip2 stream: refused" in json.loads((out / "carl.json").read_text())["notes"][0]
    assert "fay.zip: cannot be unpacked as a zip archive" in json.loads((out / "fay.json").read_text())["notes"][0]
    assert rows["fay"][-2] == "0"
    assert "bob/ and bob.zip are one student, 'bob': none of them is graded" in stderr
    assert "not graded: crash" in stderr
    for name, why in [("notes.txt", "not an archive"), ("dan.rar", "a RAR archive"), (".DS_Store", "hidden"),
                      ("__MACOSX", "macOS metadata")]:
        assert f"not graded: {name}: " in stdout and why in stdout.split(f"not graded: {name}: ")[1].splitlines()[0]
    assert "bob" not in {call[0] for call in fake.calls} and not (out / "bob.json").exists()
    # a rerun keeps the graded ones, grades the crashed one again
    fake.calls.clear()
    code, stdout, _ = run(["grade-all", klass, "--jobs", "2", "--out", out, "--csv", book], capsys)
    assert "1 to grade, 8 unchanged" in stdout and [c[0] for c in fake.calls] == ["crash"]


@pytest.mark.parametrize("where", ["prepare", "digest", "engine"])
def test_a_crash_anywhere_in_one_submission_costs_that_one_only(tmp_path, klass, fake, capsys, monkeypatch, where):
    for p in list(klass.iterdir()):
        if p.name not in ("ada", "odd", "jean.dupont.zip"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    real_prepare, real_digest = unpack.prepare_labelled, unpack.submission_digest

    def prepare(sub, scratch):
        if where == "prepare" and sub.name == "ada":
            raise MemoryError("while copying")
        return real_prepare(sub, scratch)

    def digest(sub):
        if where == "digest" and sub.name == "ada":
            raise ValueError("bad bytes")
        return real_digest(sub)

    monkeypatch.setattr(unpack, "prepare_labelled", prepare)
    monkeypatch.setattr(unpack, "submission_digest", digest)
    fake.crash = {"ada"} if where == "engine" else set()
    code, _, stderr = run(["grade-all", klass, "--out", tmp_path / "g", "--csv", tmp_path / "g.csv"], capsys)
    rows = gradebook(tmp_path / "g.csv")
    assert code == 1 and "not graded: ada: the grader failed on it" in stderr
    assert rows["ada"][-2] == "0" and rows["jean.dupont"][-2] == "100" and rows["odd"][-2] == "0"


def test_a_crash_while_writing_one_report_still_writes_the_gradebook(tmp_path, klass, fake, capsys, monkeypatch):
    out = tmp_path / "g"
    out.mkdir()
    (out / "ada.json").mkdir()  # ada's report cannot be written: a directory is in the way
    run(["grade-all", klass, "--out", out, "--csv", tmp_path / "g.csv"], capsys)
    assert gradebook(tmp_path / "g.csv")["ada"][-2] == "100"


def test_same_student_in_different_case_is_refused_too(tmp_path, fake, capsys):
    root = tmp_path / "class"
    copy_modules(SOLUTIONS, root / "Bob")
    tar_modules(SOLUTIONS, root / "bob.tar.xz")
    copy_modules(SOLUTIONS, root / "eve")
    code, _, err = run(["grade-all", root, "--out", tmp_path / "g", "--csv", tmp_path / "g.csv"], capsys)
    assert code == 1 and "Bob/ and bob.tar.xz are one student" in err
    assert sorted(gradebook(tmp_path / "g.csv")) == ["Bob", "eve"] and gradebook(tmp_path / "g.csv")["Bob"][-2] == ""


def test_the_run_own_output_inside_the_class_directory_is_not_a_submission(tmp_path, fake, capsys):
    root = tmp_path / "class"
    copy_modules(SOLUTIONS, root / "eve")
    args = ["grade-all", root, "--out", root / "grades", "--csv", root / "grades.csv"]
    run(args, capsys)
    code, out, _ = run([*args, "--force"], capsys)
    assert code == 0 and "not graded: grades: this run's own output" in out
    assert sorted(gradebook(root / "grades.csv")) == ["eve"]


def test_a_directory_with_nothing_to_grade_is_a_usage_error(tmp_path, fake, capsys):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "notes.txt").write_text("x")
    code, _, err = run(["grade-all", tmp_path / "class"], capsys)
    assert code == 2 and "holds no submissions" in err


# -- the real grader: names, a lone surrogate, and no temporary directory left behind -------------------------

def clean_env(tmp: Path) -> dict:
    """A temporary directory of the test's own (the system's is shared with everyone else's
    runs), and a stdout that raises on what it cannot encode."""
    tmp.mkdir()
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONIOENCODING": "utf-8:strict"}


@pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")
def test_real_grade_of_dot_with_a_surrogate_in_an_exception_message(tmp_path):
    sub = copy_modules(SOLUTIONS, tmp_path / "jean.dupont")
    path = sub / "activations.py"
    path.write_text(path.read_text() + "\n\ndef relu(Z):\n    raise ValueError('caf' + chr(0xDCFF))\n")
    tmp = tmp_path / "tmp"
    proc = subprocess.run([str(NN_KATA), "grade", ".", "--json", str(tmp_path / "r.json"), "--format", "gradescope",
                           "--out", str(tmp_path / "results.json")], cwd=sub, env=clean_env(tmp),
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    report = json.loads((tmp_path / "r.json").read_text())
    relu = next(k for k in report["katas"] if k["kata"] == "relu")
    assert report["student"] == "jean.dupont" and report["score"] == 90 and relu["status"] == "failed"
    assert "\udcff" in relu["first_failure"], relu["first_failure"]
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 90
    assert proc.stdout.decode().startswith("jean.dupont: 90 / 100")
    assert sorted(tmp.iterdir()) == []


@pytest.mark.skipif(not SOLUTIONS.is_dir(), reason="solutions/ is not here")
def test_real_grade_all_leaves_no_temporary_directory_behind(tmp_path):
    root = tmp_path / "class"
    copy_modules(SOLUTIONS, root / "ada")
    tar_modules(STUBS, root / "jean.dupont.tar.xz")
    tmp = tmp_path / "tmp"
    proc = subprocess.run([str(NN_KATA), "grade-all", str(root), "--jobs", "2", "--csv", str(tmp_path / "g.csv")],
                          env=clean_env(tmp), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = gradebook(tmp_path / "g.csv")
    assert rows["ada"][-2] == "100" and rows["jean.dupont"][-2] == "0"
    assert sorted(tmp.iterdir()) == []  # the grader's copy of the tests and every scratch directory are gone


# -- Gradescope: what its harness hands the autograder ------------------------------------------------------

def test_gradescope_grades_a_lone_archive_and_names_the_student_from_the_metadata(tmp_path, fake, capsys):
    sub = tmp_path / "submission"
    sub.mkdir()
    tar_modules(SOLUTIONS, sub / "upload.tar.gz", "w:gz")  # Gradescope unpacks only .zip uploads
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"email": "ada@example.org", "name": "Ada Lovelace", "id": 7}],
                                "previous_submissions": [{"score": 40.0, "results": {"score": 40.0}},
                                                         {"score": 85.0, "results": {"score": 85.0}}]}))
    code, out, _ = run(["grade", sub, "--metadata", meta, "--format", "gradescope", "--out", tmp_path / "r.json",
                        "--json", tmp_path / "report.json"], capsys)
    assert code == 0 and out.startswith("Ada Lovelace: 100 / 100")
    assert fake.calls[0][2] == sorted(f"{m}.py" for m in manifest.MODULES)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["student"] == "Ada Lovelace" and "graded the archive upload.tar.gz" in report["notes"][0]
    assert "previous submissions: 2, best score 85" in report["notes"]
    # loose files, and no metadata file at all: the directory, named as before
    loose = copy_modules(SOLUTIONS, tmp_path / "loose")
    code, out, _ = run(["grade", loose, "--metadata", tmp_path / "missing.json"], capsys)
    assert code == 0 and out.startswith("loose: 100 / 100")


def test_the_gradescope_bundle_refuses_a_bad_points_file_when_built(tmp_path, capsys):
    toml = tmp_path / "points.toml"
    toml.write_text("[points]\nrelu = nan\n")
    code, _, err = run(["autograder", "--gradescope", tmp_path / "ag.zip", "--points", toml], capsys)
    assert code == 2 and "line 2: relu = nan is not finite" in err and not (tmp_path / "ag.zip").exists()
    toml.write_text('credit = "half"\n')
    code, _, err = run(["autograder", "--gradescope", tmp_path / "ag.zip", "--points", toml], capsys)
    assert code == 2 and "line 1: credit = 'half' is not one of 'kata', 'checks'" in err


def test_the_gradescope_bundle_carries_hidden_checks_points_and_a_lock_file(tmp_path, capsys):
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "test_extra.py").write_text("import pytest\npytestmark = pytest.mark.kata_relu\n")
    toml = tmp_path / "points.toml"
    toml.write_text('credit = "checks"\n[points]\nrelu = 5\n')
    code, _, err = run(["autograder", "--gradescope", tmp_path / "ag.zip", "--points", toml, "--hidden",
                        tmp_path / "checks"], capsys)
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        script = zf.read("run_autograder").decode()
        lock = zf.read("constraints.txt").decode()
        assert "hidden/test_extra.py" in zf.namelist() and "points.toml" in zf.namelist()
    assert '--hidden "$root/source/hidden"' in script and '--metadata "$root/submission_metadata.json"' in script
    assert 'root="${AUTOGRADER_ROOT:-/autograder}"' in script
    assert "results.json" in script and "numpy==" in lock and "pluggy==" in lock  # pytest's own dependency, pinned
    code, _, err = run(["autograder", "--github-actions", tmp_path / "repo", "--hidden", tmp_path / "checks"], capsys)
    assert code == 2 and "--hidden goes in a --gradescope bundle only" in err


@pytest.mark.parametrize("argv, says", [
    (["--credit", "checks"], "credit: checks (with --credit kata: 100)"),
    ([], "credit: kata (with --credit checks: 100)"),
])
def test_grade_table_shows_both_policies(tmp_path, fake, capsys, argv, says):
    code, out, _ = run(["grade", copy_modules(SOLUTIONS, tmp_path / "ada"), *argv], capsys)
    assert code == 0 and says in out


def test_gradebook_notes_say_who_hit_a_limit():
    from nn.grade import lms

    r = reports.not_graded("ada", "x", reports.load_points(None))
    r.notes = ["not searched for the kata modules: __MACOSX/", "stopped: the kata ran past its time limit"]
    r.katas[0].first_failure = ("check: the grading process ended or was stopped during this kata "
                                "(a time or memory limit)")
    # Only what the grader observed becomes a note; a check's message is the submission's text.
    assert lms.notes(r) == "stopped: the kata ran past its time limit"


def test_the_docker_context_grades_with_the_credit_and_points_it_was_given(tmp_path):
    toml = tmp_path / "points.toml"
    toml.write_text("[points]\nrelu = 5\n")
    proc = subprocess.run([str(NN_KATA), "autograder", "--docker", str(tmp_path / "d"), "--credit", "checks",
                           "--points", str(toml)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    entry = next(line for line in (tmp_path / "d" / "Dockerfile").read_text().splitlines() if line.startswith("ENTRYPOINT"))
    argv = json.loads(entry.split(" ", 1)[1])
    assert argv[:3] == ["nn-kata", "grade", "/submission"]
    assert argv[-4:] == ["--points", "/grader/points.toml", "--credit", "checks"]
    assert (tmp_path / "d" / "points.toml").read_text() == toml.read_text()


def test_the_feedback_links_a_derivation_guide_the_export_ships(tmp_path):
    from nn.grade import feedback

    dest = tmp_path / "starter"
    proc = subprocess.run([str(NN_KATA), "export", str(dest)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    text = feedback.markdown(reports.not_graded("ada", "x", reports.load_points(None)))
    links = re.findall(r"The derivation: `([^`#]+)#([\w-]+)` in your repository", text)
    assert len(links) == len(manifest.katas())
    for path, anchor in links:
        guide = (dest / path).read_text()
        assert f"## {anchor.replace('-', ' ').capitalize()}\n" in guide, anchor
    # The learner's record of hint rungs travels with the repository; the rest of the state does not.
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(dest)], check=True)
        ignored = subprocess.run(["git", "-C", str(dest), "check-ignore", ".nn-kata/hints.json", ".nn-kata/ladder.json",
                                  ".nn-kata/results.json", ".nn-kata/backups/x.py"], capture_output=True, text=True)
        assert ignored.stdout.split() == [".nn-kata/results.json", ".nn-kata/backups/x.py"]


# -- the hint rungs a learner used, carried by the submission ----------------------------------------------

def with_record(dest: Path, hints, ladder=None) -> Path:
    """A repository-shaped submission: the stubs in katas/, the learner's record in .nn-kata/."""
    copy_modules(STUBS, dest / "katas")
    (dest / ".nn-kata").mkdir()
    (dest / ".nn-kata" / "hints.json").write_text(hints if isinstance(hints, str) else json.dumps(hints))
    if ladder is not None:
        (dest / ".nn-kata" / "ladder.json").write_text(json.dumps(ladder))
    (dest / ".nn-kata" / "results.json").write_text("{}")
    return dest


def grade_for_real(tmp_path: Path, submission: Path) -> tuple[dict, str]:
    proc = subprocess.run([str(NN_KATA), "grade", str(submission), "--json", str(tmp_path / "r.json"), "--feedback",
                           str(tmp_path / "f.md"), "--kata-timeout", "600", "--timeout", "120"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp_path / "r.json").read_text()), (tmp_path / "f.md").read_text()


def test_the_hint_rungs_a_submission_carries_are_in_its_report_and_feedback(tmp_path):
    src = with_record(tmp_path / "src", {"relu": 2, "softmax": 9}, {"softmax": {"revealed": True}})
    with zipfile.ZipFile(tmp_path / "ada.zip", "w") as zf:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                zf.write(p, "ada/" + p.relative_to(src).as_posix())
    report, text = grade_for_real(tmp_path, tmp_path / "ada.zip")
    of = {k.name: len(manifest.course().rungs_for(k)) for k in manifest.katas()}
    by = {k["kata"]: k["hints"] for k in report["katas"]}
    assert by["relu"] == {"used": 2, "of": of["relu"], "revealed": False}
    assert by["softmax"] == {"used": of["softmax"], "of": of["softmax"], "revealed": True}  # at most every rung
    assert by["loss"] == {"used": 0, "of": of["loss"], "revealed": False}
    assert "| kata | points | checks | hints used |" in text
    assert f"| 2 of {of['relu']} |" in text and "(equation revealed early) |" in text


def test_a_malformed_hint_record_gives_no_field(tmp_path):
    report, text = grade_for_real(tmp_path, with_record(tmp_path / "bob", '{"relu": "__import__(\'os\')"}'))
    assert report["score"] == 0 and all("hints" not in k for k in report["katas"])
    assert "hints used" not in text


@pytest.mark.parametrize("hints, ladder", [
    ("not json", None), ([1, 2], None), ({"relu": True}, None), ({"relu": -1}, None), ({"relu": 2.0}, None),
    ({"nope": 1}, None), ({"relu": 1}, {"relu": {"revealed": "yes"}}), ({"relu": 1}, {"relu": {"x": 1}}),
    ({"relu": 1}, []), ('{"relu": 1, "pad": "' + "x" * 70_000 + '"}', None), ('[' * 60_000, None),
])
def test_every_malformed_record_is_ignored(tmp_path, hints, ladder):
    from nn.grade import rungs

    sub = with_record(tmp_path / "s", hints, ladder)
    assert rungs.read(sub, sub / "katas") == {}


def test_a_record_is_read_only_inside_the_submission_and_never_through_a_link(tmp_path):
    from nn.grade import rungs

    outside = with_record(tmp_path / "other", {"relu": 1})
    sub = tmp_path / "class" / "kim"
    copy_modules(STUBS, sub)
    (tmp_path / "class" / ".nn-kata").mkdir()
    (tmp_path / "class" / ".nn-kata" / "hints.json").write_text('{"relu": 1}')
    assert rungs.read(sub, sub) == {}  # the folder above the submission is not the submission's
    (sub / ".nn-kata").symlink_to(outside / ".nn-kata")
    assert rungs.read(sub, sub) == {}
    assert rungs.read(outside, outside / "katas")["relu"]["used"] == 1


def test_hints_false_in_the_points_file_leaves_the_rungs_out(tmp_path, fake, capsys):
    sub = with_record(tmp_path / "ada", {"relu": 2})
    toml = tmp_path / "points.toml"
    toml.write_text("hints = false\n")
    code, _, err = run(["grade", sub, "--points", toml, "--json", tmp_path / "r.json", "--feedback", tmp_path / "f.md"],
                       capsys)
    assert code == 0, err
    assert all("hints" not in k for k in json.loads((tmp_path / "r.json").read_text())["katas"])
    assert "hints used" not in (tmp_path / "f.md").read_text()
    code, _, err = run(["grade", sub, "--json", tmp_path / "r.json"], capsys)
    assert json.loads((tmp_path / "r.json").read_text())["katas"][0]["hints"]["used"] == 2
    toml.write_text('hints = "no"\n')
    code, _, err = run(["grade", sub, "--points", toml], capsys)
    assert code == 2 and "line 1: hints = 'no' must be true or false" in err
