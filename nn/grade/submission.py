"""One submission, graded: the grading options read from the command line (points, credit,
hidden checks, the worker's isolation), the checks expected, the temporary root every file of
a run goes under, and the report of one submission, whatever its archive or the grader did.
Shared by ``grade`` and ``grade-all`` (``nn.grade.commands``, ``nn.grade.gradeall``)."""
from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from ..usage import UsageError
from .reports import Report


def policy(args) -> tuple[dict, str]:
    """Points per kata and the credit policy: --credit, else the points file's, else kata."""
    from .reports import load_credit, load_points
    from .unpack import SubmissionError

    try:
        points = load_points(args.points)
        credit = getattr(args, "credit", None) or load_credit(args.points) or "kata"
    except SubmissionError as exc:
        raise UsageError(str(exc)) from None
    return points, credit


def grading_kwargs(args) -> dict:
    points, credit = policy(args)
    from .reports import load_hints

    kwargs = dict(points=points, credit=credit, kata_timeout=args.kata_timeout, test_timeout=args.timeout,
                  total_timeout=args.total_timeout, memory_mb=args.memory_mb, hints=load_hints(args.points))
    if getattr(args, "hidden", None):
        from .hidden import check

        try:
            kwargs["hidden"] = check(args.hidden)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    kwargs["worker"] = _worker_mode(args)
    if getattr(args, "examplar", False):
        from .reports import load_examplar
        from .unpack import SubmissionError

        try:
            kwargs["examplar"] = load_examplar(args.points)
        except SubmissionError as exc:
            raise UsageError(str(exc)) from None
    return kwargs


def expected(kwargs: dict) -> dict:
    """The expected check ids (with the hidden checks when there are); a hidden directory whose
    tests cannot be collected is a usage error, said before anything is graded."""
    from . import engine

    if not kwargs.get("hidden"):
        return engine.expected_tests()
    try:
        return engine.expected_tests(kwargs["hidden"])
    except RuntimeError as exc:
        raise UsageError(f"--hidden {kwargs['hidden']}: {exc}") from None


def _worker_mode(args) -> str:
    """The worker for --sandbox auto|bwrap|none, saying once when grading is not isolated."""
    from ..worker import sandbox

    try:
        mode, warning = sandbox.resolve(getattr(args, "sandbox", "auto"))
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None
    if warning:
        print(warning, file=sys.stderr)
    return mode


@contextlib.contextmanager
def temporary_root():
    """Every temporary file or directory of a grading run goes under one directory, removed
    at the end whatever happened, so a run leaves nothing behind in the system's temp dir."""
    root = tempfile.mkdtemp(prefix="nn-kata-grading-")
    before = tempfile.tempdir
    tempfile.tempdir = root
    try:
        yield Path(root)
    finally:
        tempfile.tempdir = before
        shutil.rmtree(root, ignore_errors=True)


def grade_one(submission: Path, student: str, kwargs: dict, expected: dict) -> Report:
    """One submission: unpacked under budgets and cut down to its kata modules here, in a
    directory of its own, then graded; whatever the archive or the grader did, a report."""
    from . import engine, rungs
    from .reports import not_graded
    from .unpack import SubmissionError, prepare_labelled, submission_digest, survey

    try:
        digest = submission_digest(submission)
    except OSError:
        digest = ""
    with tempfile.TemporaryDirectory(prefix="nn-kata-stage-") as tmp:
        try:
            impl, notes, label = prepare_labelled(submission, Path(tmp))
        except SubmissionError as exc:
            return not_graded(student, str(exc), kwargs["points"], expected, digest)
        hints = {}
        if kwargs.get("hints", True):  # the learner's record of hint rungs, as data: never run
            root = submission if submission.is_dir() else Path(tmp) / "unpacked"
            hints = rungs.read(root, survey(root)[0]) if root.is_dir() else {}
        report = engine.grade(impl, student=student, label=label, **{k: v for k, v in kwargs.items() if k != "hints"})
    for k in report.katas:
        k.hints = hints.get(k.kata)
    report.student = student
    report.notes = notes + list(report.notes)
    report.digest = digest
    return report


def crashed_report(student: str, exc: BaseException, kwargs: dict, expected: dict) -> Report:
    from .reports import not_graded

    report = not_graded(student, f"the grader failed on this submission ({type(exc).__name__}: {exc}); "
                                 f"it was not graded", kwargs["points"], expected)
    report.credit = kwargs.get("credit", "kata")
    report.output = traceback.format_exc()[-8000:]
    return report


def check_writable(flag: str, path: str | None) -> None:
    if path and not Path(path).resolve().parent.is_dir():
        raise UsageError(f"{flag} {path}: the directory {Path(path).parent} does not exist")
