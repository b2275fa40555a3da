"""Gradebook exports for learning-management systems.

- ``canvas``: Canvas's gradebook import columns (Student, ID, SIS User ID, SIS Login ID,
  Section, then one column for the assignment, with a "Points Possible" row). The submission's
  name goes in Student and SIS Login ID; ID and SIS User ID are left empty for Canvas to match
  on the login. Canvas makes a new assignment of any column it does not know, so this file has
  no notes column: the notes are in the generic file.
- ``generic``: ``student,total,notes`` for Moodle, Blackboard or a spreadsheet.

The notes say why a submission was not graded (skipped, refused, crashed) or where it hit a
limit (time, memory), so that a 0 is never silent.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .reports import Report, cell, notes

KINDS = ("canvas", "generic")


def write(kind: str, reports: list[Report], skipped: list[tuple[str, str]], path: Path,
          assignment: str = "nn-katas") -> Path:
    """The gradebook for ``kind``; ``skipped``: (student, why) of submissions that were not graded."""
    reports = sorted(reports, key=lambda r: r.student)
    with open(path, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        w = csv.writer(f)
        if kind == "canvas":
            top = max((r.max_score for r in reports), default=0)
            w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
            w.writerow(["Points Possible", "", "", "", "", f"{top:g}"])
            for r in reports:
                w.writerow([cell(r.student), "", "", cell(r.student), "", f"{r.score:g}"])
        else:
            w.writerow(["student", "total", "notes"])
            rows = [(r.student, f"{r.score:g}", notes(r)) for r in reports]
            rows += [(student, "", f"not graded: {why}") for student, why in skipped]
            for student, *rest in sorted(rows):
                w.writerow([cell(student), *rest])
    return path
