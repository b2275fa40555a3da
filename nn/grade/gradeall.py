"""grade-all: every submission of a class directory, in parallel, with its reports.

A stored report is reused while its submission and the grader's tests are unchanged; its
points are recomputed from its stored check results when the points or the credit policy
change, without running anything. ``--only`` regrades the students it names and keeps the
others' stored reports.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..usage import UsageError
from .submission import check_writable, crashed_report, expected, grade_one, grading_kwargs, temporary_root
from .reports import KataGrade, Report


def collect(root: Path, outputs: tuple = ()):
    """The submissions in a class directory, by student; the entries that are not graded, and why."""
    from .unpack import KINDS, SKIPPED_DIRS, SUPPORTED, content_kind, name_kind, student_name

    by_student: dict[str, list[Path]] = {}
    ignored: list[tuple[Path, str]] = []
    outputs = {Path(o).resolve() for o in outputs}
    for p in sorted(root.iterdir()):
        if p.is_symlink():
            ignored.append((p, "a symbolic link: submissions are copied in, never linked"))
        elif p.resolve() in outputs:
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
            clashes.append((student_name(paths[0]), paths, f"{' and '.join(shown)} are one student, "
                            f"{student_name(paths[0])!r}: none of them is graded (keep one and grade again)"))
    return sorted(submissions), clashes, ignored


def load(path: Path) -> tuple[Report, dict]:
    data = json.loads(path.read_text())
    fields = {k: v for k, v in data.items() if k in Report.__dataclass_fields__}
    report = Report(**fields)
    report.katas = [KataGrade(**{k: v for k, v in kg.items() if k in KataGrade.__dataclass_fields__})
                    for kg in data["katas"]]
    return report, data


def save(report: Report, path: Path, suite: str) -> None:
    try:
        path.write_text(json.dumps({**report.to_json(), "suite": suite}, indent=1))
    except (OSError, ValueError) as exc:
        report.notes.append(f"its report could not be written: {exc}")


def _check_options(args, root: Path, out: Path, submissions) -> list[str]:
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: at least 1")
    if args.lms_out and not args.lms:
        raise UsageError("--lms-out FILE is where --lms KIND writes: add --lms canvas or --lms generic")
    if args.only and args.force:
        raise UsageError("--only regrades the students it names, --force regrades everyone: give one of them")
    for flag, value in (("--feedback", args.feedback), ("--out", out)):
        if value and Path(value).resolve() == root.resolve():
            raise UsageError(f"{flag} {value} is the class directory itself: choose another directory")
    if args.feedback and Path(args.feedback).exists() and not Path(args.feedback).is_dir():
        raise UsageError(f"--feedback {args.feedback}: not a directory")
    only = []
    if args.only:
        known = {s.casefold(): s for s, _ in submissions}
        unknown = [n for n in args.only if n.casefold() not in known]
        if unknown:
            raise UsageError(f"--only {' '.join(unknown)}: no such student in {root} "
                             f"(students: {', '.join(sorted(known.values())) or 'none'})")
        only = [known[n.casefold()] for n in args.only]
    return only


def grade_all(args) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from ..progress import Progress
    from ..suite.results import suite_digest
    from . import hidden, lms, reports, scoring, unpack

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"{root}: no such directory")
    kwargs = grading_kwargs(args)  # a bad points file is said before anything else
    out = Path(args.out or root.parent / f"{root.name}-grades")
    csv_path = Path(args.csv or out / "grades.csv")
    lms_path = Path(args.lms_out or out / f"{args.lms}.csv") if args.lms else None
    submissions, clashes, ignored = collect(root, tuple(p for p in (out, csv_path, args.feedback, lms_path) if p))
    if not submissions and not clashes:
        raise UsageError(f"{root} holds no submissions (one directory or archive per student: {unpack.SUPPORTED})")
    only = _check_options(args, root, out, submissions)
    out.mkdir(parents=True, exist_ok=True)

    check_writable("--csv", str(csv_path))
    check_writable("--lms-out", str(lms_path) if lms_path else None)
    # What a stored report depends on besides the submission: the suite and the hidden checks.
    # Points and credit are not in it: they are recomputed from the stored check counts.
    suite = suite_digest() + hidden.digest(kwargs.get("hidden"))
    if kwargs.get("examplar") is not None:  # the learner's tests were graded too, against these variants
        from ..examplar.scores import digest as examplar_digest

        suite += examplar_digest(kwargs["examplar"])
    points, credit = kwargs["points"], kwargs["credit"]
    graded: dict[str, Report] = {}
    todo: list[tuple[str, Path]] = []
    crashed: list[str] = []
    rescored = 0
    seconds = 0.0
    with temporary_root():
        try:
            expected_ids = expected(kwargs)  # collect once, before the workers start
            for student, sub in submissions:
                previous = out / f"{student}.json"
                if not args.force and student not in only and previous.exists():
                    try:
                        report, data = load(previous)
                        current = data.get("digest") and data["digest"] == unpack.submission_digest(sub) \
                            and data.get("suite") == suite
                        if current or (only and data.get("suite") == suite):
                            if scoring.rescore(report, points, credit):
                                rescored += 1
                                save(report, previous, suite)
                            graded[student] = report
                            continue
                    except Exception:  # an unreadable or outdated report: grade again
                        pass
                if not only or student in only:
                    todo.append((student, sub))
            unchanged = len(graded)
            reports.say(f"{len(submissions)} submissions: {len(todo)} to grade, {unchanged} unchanged since the "
                        f"last run (--force regrades them); {args.jobs} at a time"
                        + (f"; points recomputed for {rescored} from their stored checks" if rescored else ""))
            bar = Progress(len(todo), stream=sys.stderr)
            start = time.perf_counter()

            def one(item):
                student, sub = item
                try:
                    report = grade_one(sub, student, kwargs, expected_ids)
                except Exception as exc:  # this submission only: the others and the gradebook go on
                    report = crashed_report(student, exc, kwargs, expected_ids)
                    crashed.append(student)
                save(report, out / f"{student}.json", suite)
                return student, report

            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                for done, (student, report) in enumerate(pool.map(one, todo), start=1):
                    graded[student] = report
                    bar.update(done, reports.printable(f"{student}: {report.score:g}/{report.max_score:g}", sys.stderr))
            bar.close()
            seconds = time.perf_counter() - start
        finally:  # the gradebook is written whatever happened: everyone graded so far is in it
            reports.write_csv(list(graded.values()), csv_path, [(student, why) for student, _, why in clashes])
    everyone = list(graded.values())
    written = [csv_path]
    if lms_path:
        skipped = [(student, why) for student, _, why in clashes]
        written.append(lms.write(args.lms, everyone, skipped, lms_path, args.lms_assignment))
    if args.feedback:
        from . import feedback

        feedback.write(everyone, Path(args.feedback), hints=kwargs["hints"])
        written.append(Path(args.feedback))
    if args.summary:
        from . import summary

        written += summary.write(everyone, out)
    rate = f", {len(todo) / seconds * 60:.0f} submissions per minute" if todo and seconds > 0 else ""
    reports.say(f"graded {len(todo)} in {seconds:.1f} s{rate}; gradebook {csv_path}, reports in {out}/")
    for path in written[1:]:
        reports.say(f"wrote {path}")
    graded_now = {student for student, _ in todo}
    for student, _ in submissions:
        if student not in graded and student not in graded_now:
            reports.say(f"not in the gradebook: {student}: no current report, and --only leaves it out "
                        f"(grade it with --only {student}, or without --only)", sys.stderr)
    for student in crashed:
        reports.say(f"not graded: {student}: the grader failed on it (see {out / (student + '.json')})", sys.stderr)
    for _, _, why in clashes:
        reports.say(f"not graded: {why}", sys.stderr)
    for path, why in ignored:
        reports.say(f"not graded: {path.name}: {why}")
    return 1 if crashed or clashes else 0
