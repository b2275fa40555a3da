"""The instructor's commands: grade, grade-all, export and autograder."""
from __future__ import annotations

import time
from pathlib import Path

from ..usage import UsageError


def _grading_kwargs(args) -> dict:
    from .reports import load_points
    from .unpack import SubmissionError

    try:
        points = load_points(args.points)
    except SubmissionError as exc:
        raise UsageError(str(exc)) from None
    return dict(points=points, kata_timeout=args.kata_timeout, test_timeout=args.timeout,
                total_timeout=args.total_timeout, memory_mb=args.memory_mb)


def cmd_grade(args) -> int:
    import json

    from . import engine, reports

    submission = Path(args.submission)
    if not submission.exists():
        raise UsageError(f"{submission}: no such file or directory")
    report = engine.grade(submission, **_grading_kwargs(args))
    print(reports.table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=1))
    if args.format == "gradescope":
        out = Path(args.out or "results.json")
        out.write_text(json.dumps(reports.gradescope(report), indent=1))
        print(f"wrote {out}")
    return 0


def cmd_grade_all(args) -> int:
    import json
    from concurrent.futures import ThreadPoolExecutor

    from ..progress import Progress
    from ..suite.results import suite_digest
    from . import engine, reports, unpack

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"{root}: no such directory")
    submissions = sorted(p for p in root.iterdir() if p.is_dir() or p.name.lower().endswith((".zip", ".tar.gz", ".tgz")))
    if not submissions:
        raise UsageError(f"{root} holds no submissions (one directory, .zip or .tar.gz per student)")
    out = Path(args.out or root.parent / f"{root.name}-grades")
    out.mkdir(parents=True, exist_ok=True)
    kwargs = _grading_kwargs(args)
    suite = suite_digest() + json.dumps(kwargs["points"], sort_keys=True)
    engine.expected_tests()  # collect once, before the workers start
    graded, todo = {}, []
    for sub in submissions:
        student = sub.name[: -len(".tar.gz")] if sub.name.endswith(".tar.gz") else sub.name.rsplit(".", 1)[0] if sub.is_file() else sub.name
        previous = out / f"{student}.json"
        if not args.force and previous.exists():
            try:
                data = json.loads(previous.read_text())
                if data.get("digest") == unpack.submission_digest(sub) and data.get("suite") == suite:
                    graded[student] = reports.Report(**{k: v for k, v in data.items() if k != "suite"})
                    graded[student].katas = [reports.KataGrade(**k) for k in data["katas"]]
                    continue
            except (OSError, ValueError, TypeError):
                pass
        todo.append((student, sub))
    print(f"{len(submissions)} submissions: {len(todo)} to grade, {len(graded)} unchanged since the last run "
          f"(--force regrades them); {args.jobs} at a time")
    bar = Progress(len(todo))
    done = 0
    start = time.perf_counter()

    def one(item):
        student, sub = item
        report = engine.grade(sub, student=student, **kwargs)
        (out / f"{student}.json").write_text(json.dumps({**report.to_json(), "suite": suite}, indent=1))
        return student, report

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for student, report in pool.map(one, todo):
            graded[student] = report
            done += 1
            bar.update(done, f"{student}: {report.score:g}/{report.max_score:g}")
    bar.close()
    seconds = time.perf_counter() - start
    csv_path = Path(args.csv or out / "grades.csv")
    reports.write_csv(list(graded.values()), csv_path)
    rate = f", {len(todo) / seconds * 60:.0f} submissions per minute" if todo and seconds > 0 else ""
    print(f"graded {len(todo)} in {seconds:.1f} s{rate}; gradebook {csv_path}, reports in {out}/")
    return 0


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
    from .export import github_classroom, gradescope_bundle

    if not args.gradescope and not args.github_classroom:
        raise UsageError("say what to build: --gradescope FILE.zip and/or --github-classroom DIR")
    if args.gradescope:
        path = gradescope_bundle(Path(args.gradescope), points_file=args.points)
        print(f"wrote the Gradescope autograder {path} (setup.sh, run_autograder and the grader's source)")
    if args.github_classroom:
        path = github_classroom(Path(args.github_classroom))
        print(f"wrote the GitHub Classroom workflow {path}")
    return 0
