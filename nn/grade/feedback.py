"""One Markdown feedback file per student: points per kata, and every failing check the
student may see, with its message and the diagnosed misconception.

Hidden checks are counted, never described: a kata whose visible checks all pass while a
hidden one fails reads "all visible checks pass", never "all checks pass".
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .. import manifest
from .reports import Report, visible_summary
from .rungs import shown

SAFE = re.compile(r"[^\w.@+-]+")


def file_name(student: str) -> str:
    """A file name for a student that cannot leave the feedback directory."""
    name = SAFE.sub("_", student).strip("._") or "student"
    return f"{name}.md"


def _fence(text: str) -> str:
    text = text.replace("```", "ˋˋˋ")
    return f"```\n{text.rstrip()}\n```"


def _guide() -> str:
    """The derivation guide a course names (``[course] guide``), when there is one."""
    try:
        return manifest.course().guide
    except (AttributeError, ValueError):
        return ""


def _same_message(failing: list[dict]) -> list[list[dict]]:
    """The failing checks grouped by what they say (message and misconception), in order of
    each group's first check: a syntax error that fails 30 checks is shown once."""
    groups: dict = {}
    for c in failing:
        groups.setdefault((str(c.get("message") or ""), c.get("misconception")), []).append(c)
    return list(groups.values())


def markdown(report: Report, hints: bool = True) -> str:
    """The feedback; ``hints``: with a column of the hint rungs each kata used, when the
    submission carried a record of them (``hints = false`` in the points file: never)."""
    rungs_used = hints and any(getattr(k, "hints", None) for k in report.katas)
    other = ("checks", report.score_checks) if report.credit != "checks" else ("kata", report.score_kata)
    lines = [f"# Feedback for {report.student}", "",
             f"**{report.score:g} / {report.max_score:g} points** (credit by {report.credit}: "
             + ("a kata's points when all its checks pass" if report.credit == "kata"
                else "a kata's points in proportion to the checks that pass")
             + f"; by {other[0]} it would be {other[1]:g}).", "",
             "| kata | points | checks |" + (" hints used |" if rungs_used else ""),
             "|---|---|---|" + ("---|" if rungs_used else "")]
    for k in report.katas:
        line, _ = visible_summary(k)
        lines.append(f"| {k.kata}: {manifest.get(k.kata).title} | {k.points:g} / {k.max_points:g} | {line} |"
                     + (f" {shown(k.hints) or '-'} |" if rungs_used else ""))
    for note in report.notes:
        lines += ["", f"> Note: {note}"]
    for k in report.katas:
        line, failing = visible_summary(k)
        if k.status == "passed" and not failing:
            continue
        lines += ["", f"## {k.kata}: {manifest.get(k.kata).title}", "", line[:1].upper() + line[1:]]
        guide = _guide()
        if guide:
            lines += ["", f"The derivation: `{manifest.get(k.kata).guide_link}` in your repository "
                          f"(its section \"Kata {k.kata}\")."]
        if k.status == "not started":
            lines += ["", "Not started yet: the functions still raise NotImplementedError."]
            continue
        if not k.checks and k.first_failure:  # a report from before per-check results were kept
            lines += ["", _fence(k.first_failure)]
        for group in _same_message(failing):  # one message said once, with every check it answers
            c = group[0]
            if len(group) == 1:
                lines += ["", f"### {c.get('check') or c.get('nodeid')}", ""]
            else:
                lines += ["", f"### {len(group)} checks, one message", ""]
                # a parametrized check's cases, counted under one title
                titles = Counter(g.get("check") or g.get("nodeid") for g in group)
                lines += [f"- {title}" + (f" ({n} cases)" if n > 1 else "") for title, n in titles.items()] + [""]
            if c.get("misconception"):
                lines += [f"Likely mistake: **{c['misconception']}**", ""]
            lines.append(_fence(str(c.get("message") or "(no message)")))
    if getattr(report, "examplar", None):  # grade --examplar: the student's own tests, kata by kata
        lines += ["", "## Your tests (examplar)", ""]
        for e in report.examplar:
            lines += [f"- {e['kata']}: {e['points']:g} / {e['max_points']:g}", "", _fence(str(e.get("message") or ""))]
    return "\n".join(lines) + "\n"


def write(reports: list[Report], directory: Path, hints: bool = True) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for report in reports:
        path = directory / file_name(report.student)
        path.write_text(markdown(report, hints), encoding="utf-8", errors="replace")
        written.append(path)
    return written
