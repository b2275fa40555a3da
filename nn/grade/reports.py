"""What grading produces: a report per submission, points per kata, and the formats it is
written in (a table, Gradescope's results.json, the class gradebook as CSV)."""
from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import manifest
from .unpack import SubmissionError

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib


@dataclass
class KataGrade:
    kata: str
    points: float
    max_points: float
    passed: int
    total: int
    status: str  # passed, failed, not started
    first_failure: str = ""


@dataclass
class Report:
    student: str
    katas: list = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    output: str = ""
    digest: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def load_points(path: str | Path | None) -> dict[str, float]:
    """Points per kata from the manifest, overridden by a TOML file's [points] table."""
    points = {k.name: float(k.points) for k in manifest.katas()}
    if path:
        try:
            with open(path, "rb") as f:
                table = tomllib.load(f).get("points", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SubmissionError(f"points file {path}: {exc}") from None
        for name, value in table.items():
            if name not in points:
                raise SubmissionError(f"points file {path}: unknown kata {name!r} (valid: {', '.join(points)})")
            if not isinstance(value, (int, float)) or value < 0:
                raise SubmissionError(f"points file {path}: {name} = {value!r} is not a number >= 0")
            points[name] = float(value)
    return points


def table(report: Report) -> str:
    lines = [f"{report.student}: {report.score:g} / {report.max_score:g} points   ({report.seconds:.1f} s)", ""]
    for k in report.katas:
        first = k.first_failure.splitlines()[0] if k.first_failure else ""
        lines.append(f"  {k.kata:<10} {k.points:>5g} / {k.max_points:<5g} {k.status:<12} "
                     f"{k.passed}/{k.total} checks" + (f"   {first[:100]}" if first else ""))
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)


def gradescope(report: Report) -> dict:
    """Gradescope's results.json: top-level score, execution_time, output, and one test per kata."""
    return {
        "score": report.score,
        "execution_time": report.seconds,
        "output": f"{report.score:g} / {report.max_score:g} points" + "".join(f"\n{n}" for n in report.notes),
        "stdout_visibility": "hidden",
        "tests": [{
            "name": f"{k.kata}: {manifest.get(k.kata).title}",
            "number": str(i),
            "score": k.points,
            "max_score": k.max_points,
            "status": "passed" if k.status == "passed" else "failed",
            "output": (f"{k.passed}/{k.total} checks pass." + (f"\nFirst failing check: {k.first_failure}"
                                                               if k.first_failure else ""))[:8000],
            "visibility": "visible",
        } for i, k in enumerate(report.katas, start=1)],
    }


def write_csv(reports: list[Report], path: Path) -> None:
    names = manifest.names()
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *names, "total", "max"])
        for r in sorted(reports, key=lambda r: r.student):
            by = {k.kata: k.points for k in r.katas}
            w.writerow([r.student, *[f"{by.get(n, 0):g}" for n in names], f"{r.score:g}", f"{r.max_score:g}"])
