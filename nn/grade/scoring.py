"""Points from check results: the credit policy, each check's visibility, and rescoring a
stored report when the points or the policy change (nothing is run again).

Two policies, both always computed and kept in every report:

- ``kata`` (the default): a kata earns its points when all its checks pass;
- ``checks``: a kata earns its points in proportion to the checks that pass.
"""
from __future__ import annotations

import re

CREDITS = ("kata", "checks")
VISIBILITIES = ("visible", "hidden", "after_due_date")

# The hidden checks are collected under names that carry their visibility (see hidden.py):
# tests/katas/test_relu.py::test__hidden__extra__test_big_inputs[3]
_HIDDEN_NAME = re.compile(r"::(?:test|Test)__(hidden|after_due_date)__")


def visibility(nodeid: str) -> str:
    """visible, hidden or after_due_date: what a student is shown of this check, and when."""
    found = _HIDDEN_NAME.search(nodeid or "")
    return found.group(1) if found else "visible"


def kata_points(max_points: float, passed: int, total: int) -> float:
    return float(max_points) if total and passed == total else 0.0


def check_points(max_points: float, passed: int, total: int) -> float:
    return round(float(max_points) * passed / total, 4) if total else 0.0


def apply(kata, max_points: float, credit: str) -> None:
    """Set a KataGrade's points under both policies, and the points it earns under ``credit``."""
    kata.max_points = float(max_points)
    kata.kata_points = kata_points(max_points, kata.passed, kata.total)
    kata.check_points = check_points(max_points, kata.passed, kata.total)
    kata.points = kata.check_points if credit == "checks" else kata.kata_points


def rescore(report, points: dict[str, float], credit: str) -> bool:
    """Recompute a report's points from its stored check counts; True when anything changed."""
    before = (report.credit, report.score, report.max_score, [(k.points, k.max_points) for k in report.katas])
    for k in report.katas:
        apply(k, points.get(k.kata, k.max_points), credit)
    total(report, credit)
    return before != (report.credit, report.score, report.max_score, [(k.points, k.max_points) for k in report.katas])


def total(report, credit: str) -> None:
    """The report's totals; with ``grade --examplar``, each kata's examplar points count under both policies."""
    examplar = getattr(report, "examplar", None) or []
    own, own_max = sum(e["points"] for e in examplar), sum(e["max_points"] for e in examplar)
    report.credit = credit
    report.score = round(sum(k.points for k in report.katas) + own, 4)
    report.score_kata = round(sum(k.kata_points for k in report.katas) + own, 4)
    report.score_checks = round(sum(k.check_points for k in report.katas) + own, 4)
    report.max_score = sum(k.max_points for k in report.katas) + own_max
