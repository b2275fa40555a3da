"""``nn-kata grade --examplar``: a submission's own tests (mytests/test_KATA.py) graded against
the wheats and chaffs, each implementation in its own sandboxed process, the verdict taken
from what the grader observes (each process's exit status), never from what the tests say."""
from __future__ import annotations

import shutil
import textwrap

import pytest

from nn.impl import PROJECT_ROOT
from nn.worker import sandbox
from tests.catalogue.bugs import BUGS

pytestmark = pytest.mark.skipif(not (PROJECT_ROOT / "solutions").is_dir()
                                or not (PROJECT_ROOT / "tests" / "catalogue").is_dir(),
                                reason="solutions/ and tests/catalogue are not here")
SOFTMAX_CHAFFS = sum(b.kata == "softmax" for b in BUGS)
BWRAP = sandbox.bwrap_works() is None
MODE = "bwrap" if BWRAP else "process"
# Generous: no correct test may fail because the machine is busy.
GENEROUS = dict(test_timeout=120.0, run_timeout=600.0)

THOROUGH = (PROJECT_ROOT / "tests" / "support" / "fixtures" / "thorough_softmax_tests.py").read_text()

# Everything a test file might try instead of testing: find out it is being graded, tell the
# implementations apart by where they live or what they are called, read the catalogue or the
# reference, and forge results. None of it may earn a point.
CHEATS = """
    import json
    import os
    import sys

    from pathlib import Path

    import numpy as np

    PROJECT = Path(PROJECT_ROOT)
    FORGED = {"test": "test_columns", "outcome": "failed", "message": "caught", "verdict": "rejected",
              "valid": True, "caught": 99, "points": 1.0}


    def looks_buggy(softmax):
        module = sys.modules[softmax.__module__]
        names = [softmax.__code__.co_filename, getattr(module, "__file__", "") or "", os.getcwd(), " ".join(sys.argv)]
        return any("chaff" in name or "bug" in name for name in names)


    def test_tells_chaffs_apart_by_their_names(softmax):
        assert not looks_buggy(softmax)


    def test_is_graded_and_compares_with_the_catalogue(softmax):
        graded = os.path.exists("/sub") or "/nnw/" in __file__ or "run-" in __file__
        for path in (PROJECT / "tests/catalogue/bugs.py", PROJECT / "solutions/activations.py",
                     PROJECT / ".nn-kata/examplar"):
            try:
                text = path.read_text()
            except OSError:
                continue
            if graded and "def softmax" in text:  # a reader of the catalogue could fail the chaffs
                assert "no-max-shift" not in text
        softmax(np.zeros((2, 2)))


    def test_forges_results(softmax):
        softmax(np.zeros((2, 2)))
        line = (json.dumps(FORGED) + "\\n").encode()
        for fd in range(0, 64):
            try:
                os.write(fd, line)
            except OSError:
                pass
        for where in ("/tmp", os.getcwd(), os.path.dirname(__file__), os.path.dirname(os.path.dirname(__file__))):
            for name in ("results.json", "report.json", "plan.json", "verdict.json"):
                try:
                    with open(os.path.join(where, name), "w") as f:
                        json.dump(FORGED, f)
                except OSError:
                    pass
"""


def write_tests(tmp_path, source, kata="softmax"):
    folder = tmp_path / "mytests"
    folder.mkdir(exist_ok=True)
    (folder / f"test_{kata}.py").write_text(textwrap.dedent(source))
    return folder


def grade(tmp_path, source, kata="softmax", hidden=None, **limits):
    from nn.examplar.scores import grade_kata

    return grade_kata(kata, write_tests(tmp_path, source, kata), weight=2.0, mode=MODE, hidden=hidden,
                      **{**GENEROUS, **limits})


@pytest.fixture(scope="module")
def thorough(tmp_path_factory):
    """The thorough file graded once, with one hidden chaff of the instructor's added (a softmax
    that takes the max over the whole array, written as a module like katas/)."""
    tmp = tmp_path_factory.mktemp("thorough")
    chaff = tmp / "hidden" / "examplar" / "softmax" / "global-max"
    chaff.mkdir(parents=True)
    source = (PROJECT_ROOT / "solutions" / "activations.py").read_text()
    assert "Z.max(axis=0, keepdims=True)" in source
    (chaff / "activations.py").write_text(source.replace("Z.max(axis=0, keepdims=True)", "Z.max()"))
    return grade(tmp, THOROUGH, hidden=tmp / "hidden")


def test_a_valid_thorough_file_scores_full_and_hidden_chaffs_count(thorough):
    chaffs = SOFTMAX_CHAFFS + 1
    assert thorough["valid"] and thorough["caught"] == thorough["chaffs"] == chaffs, thorough
    assert thorough["points"] == thorough["max_points"] == 2.0
    assert f"valid; {chaffs} of {chaffs} chaffs caught" in thorough["message"]


def test_no_file_or_an_empty_file_scores_0_with_a_message(tmp_path):
    from nn.examplar.scores import grade_kata

    missing = grade_kata("softmax", tmp_path / "nothing", weight=2.0, mode=MODE, **GENEROUS)
    assert missing["points"] == 0 and "no mytests/test_softmax.py" in missing["message"]
    empty = grade(tmp_path, "")
    assert empty["points"] == 0 and not empty["valid"]
    assert "no tests were collected" in empty["message"], empty


def test_a_file_that_does_not_import_scores_0_and_says_why(tmp_path):
    result = grade(tmp_path, "import numpy as np\n\ndef test_x(softmax:\n    pass\n")
    assert result["points"] == 0 and not result["valid"]
    assert "does not import" in result["message"] and "SyntaxError" in result["message"], result


def test_a_test_that_fails_everything_is_invalid(tmp_path):
    result = grade(tmp_path, """
        import numpy as np


        def test_rejects_all(softmax):
            softmax(np.zeros((2, 2)))
            assert False, "no softmax is good enough"
    """)
    assert result["points"] == 0 and not result["valid"] and result["caught"] == 0
    assert "test_rejects_all rejects a correct softmax" in result["message"], result


def test_a_test_that_exits_with_the_failure_status_or_kills_itself_is_invalid(tmp_path):
    for how in ("os._exit(101)", "os.kill(os.getpid(), 9)", "sys.exit(1)"):
        result = grade(tmp_path, f"""
            import os
            import sys


            def test_ends(softmax):
                {how}
        """)
        assert result["points"] == 0 and not result["valid"], (how, result)


@pytest.mark.skipif(not BWRAP, reason="reading outside its directory is stopped by the bubblewrap sandbox")
def test_detecting_the_grader_reading_outside_and_forging_results_earn_nothing(tmp_path):
    result = grade(tmp_path, CHEATS.replace("PROJECT_ROOT", repr(str(PROJECT_ROOT))))
    assert result["valid"], result  # each cheat passes every wheat ...
    assert result["caught"] == 0 and result["points"] == 0, result  # ... and catches no chaff


def test_a_hanging_test_is_stopped(tmp_path):
    # Stopped inside the sandbox at the time limit of one test ...
    looping = grade(tmp_path, """
        def test_loops(softmax):
            while True:
                pass
    """, test_timeout=2.0)
    assert looping["points"] == 0 and not looping["valid"]
    assert "time limit" in looping["message"] or "stopped after" in looping["message"], looping
    # ... and from outside, by the grader, when the test blocks the alarm that stops it.
    blocked = grade(tmp_path, """
        import signal


        def test_blocks_the_alarm_and_loops(softmax):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            while True:
                pass
    """, test_timeout=2.0, run_timeout=6.0)
    assert blocked["points"] == 0 and not blocked["valid"]
    assert "stopped after 6 s" in blocked["message"], blocked


@pytest.mark.skipif(not BWRAP, reason="examplar credit is given only inside the bubblewrap sandbox")
def test_grade_with_examplar_keeps_every_kata_and_weighs_by_the_points_file(tmp_path, thorough):
    """Through the engine: a broken mytests file costs its own examplar credit only."""
    from nn.grade import engine
    from nn.grade.reports import load_examplar, load_points

    submission = tmp_path / "ada"
    shutil.copytree(PROJECT_ROOT / "solutions", submission / "katas", ignore=shutil.ignore_patterns("__pycache__"))
    write_tests(submission, "def test_x(softmax:\n    pass\n")  # does not import
    points_file = tmp_path / "points.toml"
    points_file.write_text("[examplar]\npoints = 2\nrelu = 0\n")
    report = engine.grade(submission, points=load_points(points_file), worker=MODE, examplar=load_examplar(points_file),
                          kata_timeout=600, test_timeout=120, total_timeout=1800)
    katas = sum(k.max_points for k in report.katas)
    assert all(k.status == "passed" for k in report.katas), [(k.kata, k.first_failure) for k in report.katas]
    by = {e["kata"]: e for e in report.examplar}
    assert by["softmax"]["points"] == 0 and "does not import" in by["softmax"]["message"]
    assert by["relu"]["max_points"] == 0 and by["loss"]["max_points"] == 2
    assert "no mytests/test_loss.py" in by["loss"]["message"]
    assert report.score == katas and report.max_score == katas + 2 * 8


def test_the_examplar_table_of_a_points_file_is_checked(tmp_path):
    from nn.grade.reports import load_examplar
    from nn.grade.unpack import SubmissionError

    bad = tmp_path / "points.toml"
    for text in ("[examplar]\nsofmax = 1\n", "[examplar]\npoints = -1\n", "examplar = 3\n"):
        bad.write_text(text)
        with pytest.raises(SubmissionError):
            load_examplar(bad)


def test_outside_the_sandbox_no_examplar_credit_is_given(tmp_path):
    from nn.examplar.scores import grade_all_katas

    grades = grade_all_katas(tmp_path, table={}, mode="process")
    assert all(g["points"] == 0 and "only inside the bubblewrap sandbox" in g["message"] for g in grades)


def test_wheats_and_chaffs_run_in_one_batch_in_a_random_order(tmp_path, monkeypatch):
    """Nothing a run can observe, such as when it starts or what ran before it, says whether it is a
    wheat or a chaff: they run interleaved, in an order drawn anew for every grading."""
    from nn.examplar import scores as grading
    from nn.examplar import run as examplar_run

    orders = []

    def fake(tests, impls, **kw):
        orders.append([key for key, _ in impls])
        return [examplar_run.Outcome(key, examplar_run.ACCEPTED) for key, _ in impls]

    monkeypatch.setattr(examplar_run, "run_sandboxed", fake)
    tests = write_tests(tmp_path, "def test_x(softmax):\n    softmax([[0.0]])\n")
    for _ in range(4):
        grading.grade_kata("softmax", tests, weight=1.0, mode="bwrap")
    wheats, chaffs = grading.variants("softmax")
    kinds = {v["id"]: v["role"] for v in wheats + chaffs}
    assert len(orders) == 4 and all(sorted(o) == sorted(kinds) for o in orders)
    assert len({tuple(o) for o in orders}) > 1, "the same order every time"
    assert any(kinds[o[0]] == "chaff" for o in orders) or any(kinds[o[-1]] == "wheat" for o in orders)


def test_the_grading_deadline_stops_the_runs_not_started(tmp_path):
    """A file of tests that all hang costs at most what is left of the grading's total time."""
    import time

    from nn.examplar.scores import grade_kata

    tests = write_tests(tmp_path, "def test_x(softmax):\n    while True:\n        pass\n")
    start = time.monotonic()
    grade = grade_kata("softmax", tests, weight=1.0, mode=MODE, test_timeout=600, run_timeout=600,
                       deadline=time.monotonic() + 5)
    assert grade["points"] == 0 and "total time ran out" in grade["message"], grade
    assert time.monotonic() - start < 300  # far below one run's own limit: the deadline cut it
