"""The instructor's commands: grade, grade-all, export and autograder."""
from __future__ import annotations

import sys
from pathlib import Path

from ..usage import UsageError
from .submission import check_writable, crashed_report, expected, grade_one, grading_kwargs, policy, temporary_root


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
    check_writable("--json", args.json)
    check_writable("--out", args.out)
    check_writable("--feedback", getattr(args, "feedback", None))
    kwargs = grading_kwargs(args)
    from .gradescope import metadata_student, previous_scores, submission_in

    submission, found = submission_in(submission)
    student = getattr(args, "student", None) or metadata_student(getattr(args, "metadata", None)) \
        or unpack.student_name(submission)
    status = 0
    with temporary_root():
        try:
            report = grade_one(submission, student, kwargs, expected(kwargs))
        except UsageError:
            raise
        except Exception as exc:
            report, status = crashed_report(student, exc, kwargs, {}), 1
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
    policy(args)  # a bad points file is refused now, not in every student's run
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
