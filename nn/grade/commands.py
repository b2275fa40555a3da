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


def _grading_kwargs(args) -> dict:
    from .reports import load_points
    from .unpack import SubmissionError

    try:
        points = load_points(args.points)
    except SubmissionError as exc:
        raise UsageError(str(exc)) from None
    return dict(points=points, kata_timeout=args.kata_timeout, test_timeout=args.timeout,
                total_timeout=args.total_timeout, memory_mb=args.memory_mb, worker=_worker_mode(args))


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
    from . import engine
    from .reports import not_graded
    from .unpack import SubmissionError, prepare_with_notes, submission_digest

    try:
        digest = submission_digest(submission)
    except OSError:
        digest = ""
    with tempfile.TemporaryDirectory(prefix="nn-kata-stage-") as tmp:
        try:
            impl, notes = prepare_with_notes(submission, Path(tmp))
        except SubmissionError as exc:
            return not_graded(student, str(exc), kwargs["points"], expected, digest)
        report = engine.grade(impl, student=student, **kwargs)
    report.student = student
    report.notes = notes + list(report.notes)
    report.digest = digest
    return report


def _crashed(student: str, exc: BaseException, kwargs: dict, expected: dict) -> Report:
    from .reports import not_graded

    report = not_graded(student, f"the grader failed on this submission ({type(exc).__name__}: {exc}); "
                                 f"it was not graded", kwargs["points"], expected)
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
    kwargs = _grading_kwargs(args)
    student = unpack.student_name(submission)
    status = 0
    with _temporary_root():
        try:
            expected = engine.expected_tests()
            report = _grade_one(submission, student, kwargs, expected)
        except Exception as exc:
            report, status = _crashed(student, exc, kwargs, {}), 1
    # Every file first: nothing printed afterwards can keep a report from being written.
    written = []
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=1))
        written.append(args.json)
    if args.format == "gradescope":
        Path(args.out).write_text(json.dumps(reports.gradescope(report), indent=1))
        written.append(args.out)
    reports.say(reports.table(report))
    if status:
        reports.say(report.output, sys.stderr)
    for path in written:
        reports.say(f"wrote {path}")
    return status


def _collect(root: Path, outputs: tuple = ()):
    """The submissions in a class directory, by student; the entries that are not graded, and why."""
    from .unpack import KINDS, SKIPPED_DIRS, SUPPORTED, content_kind, name_kind, student_name

    by_student: dict[str, list[Path]] = {}
    ignored: list[tuple[Path, str]] = []
    outputs = {Path(o).resolve() for o in outputs}
    for p in sorted(root.iterdir()):
        if p.resolve() in outputs:
            ignored.append((p, "this run's own output"))
        elif p.name.startswith(".") or p.name in SKIPPED_DIRS:
            ignored.append((p, "hidden, or macOS metadata"))
        elif p.is_dir() or (p.is_file() and name_kind(p.name)):
            by_student.setdefault(student_name(p).casefold(), []).append(p)
        elif p.is_file():
            try:
                what = content_kind(p)
            except OSError as exc:
                what = f"unreadable: {exc.strerror or exc}"
            ignored.append((p, f"not a directory or an archive named {SUPPORTED} (its content is {KINDS.get(what, what)})"))
        else:
            ignored.append((p, "not a regular file or directory"))
    submissions, clashes = [], []
    for paths in by_student.values():
        if len(paths) == 1:
            submissions.append((student_name(paths[0]), paths[0]))
        else:
            shown = [p.name + ("/" if p.is_dir() else "") for p in paths]
            clashes.append((paths, f"{' and '.join(shown)} are one student, {student_name(paths[0])!r}: none of "
                                   f"them is graded (keep one and grade again)"))
    return sorted(submissions), clashes, ignored


def cmd_grade_all(args) -> int:
    import json
    from concurrent.futures import ThreadPoolExecutor

    from ..progress import Progress
    from ..suite.results import suite_digest
    from . import engine, reports, unpack

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"{root}: no such directory")
    kwargs = _grading_kwargs(args)  # a bad points file is said before anything else
    out = Path(args.out or root.parent / f"{root.name}-grades")
    csv_path = Path(args.csv or out / "grades.csv")
    submissions, clashes, ignored = _collect(root, (out, csv_path))
    if not submissions and not clashes:
        raise UsageError(f"{root} holds no submissions (one directory or archive per student: {unpack.SUPPORTED})")
    out.mkdir(parents=True, exist_ok=True)
    _check_writable("--csv", str(csv_path))
    suite = suite_digest() + json.dumps(kwargs["points"], sort_keys=True)
    graded: dict[str, Report] = {}
    todo: list[tuple[str, Path]] = []
    crashed: list[str] = []
    seconds = 0.0
    with _temporary_root():
        try:
            expected = engine.expected_tests()  # collect once, before the workers start
            for student, sub in submissions:
                previous = out / f"{student}.json"
                if not args.force and previous.exists():
                    try:
                        data = json.loads(previous.read_text())
                        if data.get("digest") and data["digest"] == unpack.submission_digest(sub) \
                                and data.get("suite") == suite:
                            report = reports.Report(**{k: v for k, v in data.items() if k != "suite"})
                            report.katas = [reports.KataGrade(**k) for k in data["katas"]]
                            graded[student] = report
                            continue
                    except Exception:  # an unreadable or outdated report: grade again
                        pass
                todo.append((student, sub))
            reports.say(f"{len(submissions)} submissions: {len(todo)} to grade, {len(graded)} unchanged since the "
                        f"last run (--force regrades them); {args.jobs} at a time")
            bar = Progress(len(todo), stream=sys.stderr)
            start = time.perf_counter()

            def one(item):
                student, sub = item
                try:
                    report = _grade_one(sub, student, kwargs, expected)
                except Exception as exc:  # this submission only: the others and the gradebook go on
                    report = _crashed(student, exc, kwargs, expected)
                    crashed.append(student)
                try:
                    (out / f"{student}.json").write_text(json.dumps({**report.to_json(), "suite": suite}, indent=1))
                except (OSError, ValueError) as exc:
                    report.notes.append(f"its report could not be written: {exc}")
                return student, report

            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                for done, (student, report) in enumerate(pool.map(one, todo), start=1):
                    graded[student] = report
                    bar.update(done, reports.printable(f"{student}: {report.score:g}/{report.max_score:g}", sys.stderr))
            bar.close()
            seconds = time.perf_counter() - start
        finally:  # the gradebook is written whatever happened: everyone graded so far is in it
            reports.write_csv(list(graded.values()), csv_path)
    rate = f", {len(todo) / seconds * 60:.0f} submissions per minute" if todo and seconds > 0 else ""
    reports.say(f"graded {len(todo)} in {seconds:.1f} s{rate}; gradebook {csv_path}, reports in {out}/")
    for student in crashed:
        reports.say(f"not graded: {student}: the grader failed on it (see {out / (student + '.json')})", sys.stderr)
    for _, why in clashes:
        reports.say(f"not graded: {why}", sys.stderr)
    for path, why in ignored:
        reports.say(f"not graded: {path.name}: {why}")
    return 1 if crashed or clashes else 0


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
    from .export import docker_context, github_classroom, gradescope_bundle

    if not args.gradescope and not args.github_classroom and not args.docker:
        raise UsageError("say what to build: --gradescope FILE.zip, --docker DIR and/or --github-classroom DIR")
    if args.docker:
        dest = Path(args.docker)
        if dest.exists() and any(dest.iterdir()):
            raise UsageError(f"--docker {dest}: the directory exists and is not empty")
        path = docker_context(dest, points_file=args.points)
        print(f"wrote a container build context {dest}/ ({path.name}, the grader's source, pinned versions)")
        print(f"  docker build -t nn-grader {dest} && docker run --rm --network none "
              f"-v \"$PWD/ada:/submission:ro\" -v \"$PWD/out:/results\" nn-grader")
    if args.gradescope:
        path = gradescope_bundle(Path(args.gradescope), points_file=args.points)
        print(f"wrote the Gradescope autograder {path} (setup.sh, run_autograder and the grader's source)")
    if args.github_classroom:
        path = github_classroom(Path(args.github_classroom))
        print(f"wrote the GitHub Classroom workflow {path}")
    return 0
