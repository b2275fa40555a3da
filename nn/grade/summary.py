"""The class-wide mistakes report: per kata how many students passed, and the diagnosed
misconceptions most students share, with counts, an example message and the students.

Markdown, plus a picture (summary.png) when matplotlib is installed (the ``plots`` extra).
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .. import manifest
from .reports import Report, counted

TOP = 15


def mistakes(reports: list[Report]) -> list[dict]:
    """(kata, misconception) pairs, most frequent first: students, count of failing checks, an example."""
    found: dict[tuple, dict] = {}
    for r in reports:
        for k in r.katas:
            for c in k.checks:
                if c.get("outcome") == "passed" or not c.get("misconception") or c.get("misconception") == "not-started":
                    continue
                entry = found.setdefault((k.kata, c["misconception"]), {
                    "kata": k.kata, "misconception": c["misconception"], "students": set(), "checks": 0,
                    "example": f"{c.get('check') or c.get('nodeid')}: {c.get('message') or ''}"})
                entry["students"].add(r.student)
                entry["checks"] += 1
    return sorted(found.values(), key=lambda e: (-len(e["students"]), -e["checks"], e["kata"], e["misconception"]))


def passes(reports: list[Report]) -> list[tuple[str, int, int, int]]:
    """Per kata: (kata, passed, failing, not started)."""
    rows = []
    for kata in manifest.katas():
        states = [k.status for r in reports for k in r.katas if k.kata == kata.name]
        rows.append((kata.name, states.count("passed"), states.count("failed"), states.count("not started")))
    return rows


def markdown(reports: list[Report], picture: str | None = None) -> str:
    n = len(reports)
    lines = ["# What the class got wrong", "",
             f"{n} submissions graded; mean score "
             f"{(sum(r.score for r in reports) / n if n else 0):.1f} / {(reports[0].max_score if reports else 0):g}.", ""]
    if picture:
        lines += [f"![passes per kata and the most shared mistakes]({picture})", ""]
    lines += ["## Per kata", "", "| kata | passed | failing | not started |", "|---|---|---|---|"]
    lines += [f"| {kata} | {p} / {n} | {f} | {s} |" for kata, p, f, s in passes(reports)]
    found = mistakes(reports)
    lines += ["", "## The most shared mistakes", ""]
    if not found:
        lines.append("No diagnosed misconception in any failing check.")
    for i, e in enumerate(found[:TOP], start=1):
        example = " ".join(e["example"].split())[:400]
        lines += [f"### {i}. {e['kata']}: {e['misconception']} ({counted(len(e['students']), 'student')}, "
                  f"{counted(e['checks'], 'failing check')})", "",
                  f"Students: {', '.join(sorted(e['students']))}", "", f"Example: `{example.replace('`', chr(39))}`", ""]
    return "\n".join(lines).rstrip() + "\n"


def picture(reports: list[Report], path: Path) -> bool:
    """Passes per kata and the most shared mistakes, as a PNG; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return False
    rows = passes(reports)
    found = mistakes(reports)[:8]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [1, 1.4]})
    names = [r[0] for r in rows]
    left.barh(names, [r[1] for r in rows], color="#3a7d44", label="passed")
    left.barh(names, [r[2] for r in rows], left=[r[1] for r in rows], color="#c0392b", label="failing")
    left.barh(names, [r[3] for r in rows], left=[r[1] + r[2] for r in rows], color="#bbbbbb", label="not started")
    left.invert_yaxis()
    left.set_xlabel("students")
    left.set_title("Per kata")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8, frameon=False)
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    labels = [f"{e['kata']}: {e['misconception']}" for e in found]
    right.barh(labels or ["(none)"], [len(e["students"]) for e in found] or [0], color="#d68910", height=0.6)
    right.set_ylim(max(len(labels), 5) - 0.5, -0.5)  # top down, bars of one height however few
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_xlabel("students")
    right.set_title("Most shared mistakes")
    right.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write(reports: list[Report], directory: Path) -> list[Path]:
    reports = [r for r in reports if r.katas]
    png = directory / "summary.png"
    drawn = picture(reports, png)
    md = directory / "summary.md"
    md.write_text(markdown(reports, png.name if drawn else None), encoding="utf-8", errors="replace")
    return [md, png] if drawn else [md]


def by_student(found: list[dict]) -> dict[str, list[str]]:
    """Each student's shared mistakes (used by the tests and handy in a REPL)."""
    out = defaultdict(list)
    for e in found:
        for s in e["students"]:
            out[s].append(f"{e['kata']}: {e['misconception']}")
    return dict(out)
