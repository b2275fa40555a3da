"""The instructor's commands: grade, grade-all, export and autograder."""
from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..usage import UsageError
from .reports import Report


def _policy(args) -> tuple[dict, str]:
    """Points per kata and the credit policy: --credit, else the points file's, else kata."""
    from .reports import load_credit, load_points
    from .unpack import SubmissionError

    try:
        points = load_points(args.points)
        credit = getattr(args, "credit", None) or load_credit(args.points) or "kata"
    except SubmissionError as exc:
        raise UsageError(str(exc)) from None
    return points, credit


def _grading_kwargs(args) -> dict:
    points, credit = _policy(args)
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
    from ..suite import sandbox

    try:
        mode, warning = sandbox.resolve(getattr(args, "sandbox", "auto"))
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None
    if warning:
        print(warning, file=sys.stderr)
    return mode


@contextlib.contextmanager
def _temporary_root():
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


def _grade_one(submission: Path, student: str, kwargs: dict, expected: dict) -> Report:
    """One submission: unpacked under budgets and cut down to its kata modules here, in a
    directory of its own, then graded; whatever the archive or the grader did, a report."""
    from . import engine, rungs
    from .reports import not_graded
    from .unpack import SubmissionError, prepare_with_notes, submission_digest, survey

    try:
        digest = submission_digest(submission)
    except OSError:
        digest = ""
    with tempfile.TemporaryDirectory(prefix="nn-kata-stage-") as tmp:
        try:
            impl, notes = prepare_with_notes(submission, Path(tmp))
        except SubmissionError as exc:
            return not_graded(student, str(exc), kwargs["points"], expected, digest)
        hints = {}
        if kwargs.get("hints", True):  # the learner's record of hint rungs, as data: never run
            root = submission if submission.is_dir() else Path(tmp) / "unpacked"
            hints = rungs.read(root, survey(root)[0]) if root.is_dir() else {}
        report = engine.grade(impl, student=student, **{k: v for k, v in kwargs.items() if k != "hints"})
    for k in report.katas:
        k.hints = hints.get(k.kata)
    report.student = student
    report.notes = notes + list(report.notes)
    report.digest = digest
    return report


def _crashed(student: str, exc: BaseException, kwargs: dict, expected: dict) -> Report:
    from .reports import not_graded

    report = not_graded(student, f"the grader failed on this submission ({type(exc).__name__}: {exc}); "
                                 f"it was not graded", kwargs["points"], expected)
    report.credit = kwargs.get("credit", "kata")
    report.output = traceback.format_exc()[-8000:]
    return report


def _check_writable(flag: str, path: str | None) -> None:
    if path and not Path(path).resolve().parent.is_dir():
        raise UsageError(f"{flag} {path}: the directory {Path(path).parent} does not exist")


def cmd_grade(args) -> int:
    import json

    from . import engine, reports, unpack

    submission = Path(args.submission)
    if not submission.exists():
        raise UsageError(f"{submission}: no such file or directory")
    if args.out and args.format != "gradescope":
        raise UsageError("--out FILE is where --format gradescope writes results.json: add --format gradescope, "
                         "or leave out --out (--json FILE writes the report as JSON)")
    if args.format == "gradescope" and not args.out:
        raise UsageError("--format gradescope needs --out FILE, where results.json is written "
                         "(Gradescope reads /autograder/results/results.json)")
    _check_writable("--json", args.json)
    _check_writable("--out", args.out)
    _check_writable("--feedback", getattr(args, "feedback", None))
    kwargs = _grading_kwargs(args)
    from .gradescope import metadata_student, previous_scores, submission_in

    submission, found = submission_in(submission)
    student = getattr(args, "student", None) or metadata_student(getattr(args, "metadata", None)) \
        or unpack.student_name(submission)
    status = 0
    with _temporary_root():
        try:
            report = _grade_one(submission, student, kwargs, expected(kwargs))
        except UsageError:
            raise
        except Exception as exc:
            report, status = _crashed(student, exc, kwargs, {}), 1
    if found:
        report.notes.insert(0, found)
    previous = previous_scores(getattr(args, "metadata", None))
    if previous:
        report.notes.append(f"previous submissions: {len(previous)}, best score {max(previous):g}")
    # Every file first: nothing printed afterwards can keep a report from being written.
    written = []
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=1))
        written.append(args.json)
    if args.format == "gradescope":
        Path(args.out).write_text(json.dumps(reports.gradescope(report), indent=1))
        written.append(args.out)
    if getattr(args, "feedback", None):
        from . import feedback

        Path(args.feedback).write_text(feedback.markdown(report, hints=kwargs["hints"]), encoding="utf-8",
                                       errors="replace")
        written.append(args.feedback)
    reports.say(reports.table(report))
    if status:
        reports.say(report.output, sys.stderr)
    for path in written:
        reports.say(f"wrote {path}")
    return status


def cmd_grade_all(args) -> int:
    from .gradeall import grade_all

    return grade_all(args)


def cmd_export(args) -> int:
    from .export import export

    dest = Path(args.directory)
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"{dest} exists and is not empty")
    export(dest)
    print(f"wrote a student repository to {dest}/ (katas as stubs, tests, nn/, no solutions/)")
    print(f"  cd {dest} && python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/nn-kata")
    return 0


def cmd_autograder(args) -> int:
    from .export import docker_context, gradescope_bundle

    github = args.github_actions or args.github_classroom
    if not args.gradescope and not github and not args.docker:
        raise UsageError("say what to build: --gradescope FILE.zip, --docker DIR and/or --github-actions DIR")
    if args.github_actions and args.github_classroom:
        raise UsageError("--github-classroom is the old name of --github-actions: give one of them")
    _policy(args)  # a bad points file is refused now, not in every student's run
    hidden = None
    if args.hidden:
        from .hidden import check

        try:
            hidden = check(args.hidden)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if github or args.docker:
            raise UsageError("--hidden goes in a --gradescope bundle only: a workflow or a build context in a "
                             "student's reach would show the hidden checks")
    if args.docker:
        dest = Path(args.docker)
        if dest.exists() and any(dest.iterdir()):
            raise UsageError(f"--docker {dest}: the directory exists and is not empty")
        path = docker_context(dest, points_file=args.points, credit=args.credit)
        print(f"wrote a container build context {dest}/ ({path.name}, the grader's source, pinned versions)")
        print(f"  docker build -t nn-grader {dest} && docker run --rm --network none "
              f"-v \"$PWD/ada:/submission:ro\" -v \"$PWD/out:/results\" nn-grader")
    if args.gradescope:
        path = gradescope_bundle(Path(args.gradescope), points_file=args.points, hidden=hidden, credit=args.credit)
        print(f"wrote the Gradescope autograder {path} (setup.sh, run_autograder and the grader's source)")
    if github:
        from .github import workflow

        if args.github_classroom:
            print("GitHub Classroom was discontinued on 28 August 2026: --github-classroom now writes the "
                  "GitHub Actions grader (--github-actions), for any organisation of student repositories; "
                  "it has not been tried with Classroom 50", file=sys.stderr)
        path = workflow(Path(github), points_file=args.points, credit=args.credit)
        print(f"wrote the GitHub Actions grader {path}")
    return 0
