"""What grading produces: a report per submission, points per kata, and the formats it is
written in (a table, Gradescope's results.json, the class gradebook as CSV)."""
from __future__ import annotations

import csv
import math
import sys
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
    """Points per kata from the manifest, overridden by a TOML file's [points] table.

    Everything else is refused with the reason: a key outside [points] (``relu = 5`` at the
    top of the file), an unknown kata, and any value that is not a finite number >= 0
    (booleans, inf and nan included).
    """
    points = {k.name: float(k.points) for k in manifest.katas()}
    if path:
        try:
            with open(path, "rb") as f:
                doc = tomllib.load(f)
        except OSError as exc:
            raise SubmissionError(f"points file {path}: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SubmissionError(f"points file {path}: not valid TOML ({exc})") from None
        stray = [k for k in doc if k != "points"]
        if stray:
            first = stray[0]
            where = (f"{first} = {doc[first]!r} is outside a [points] table (write it under a [points] line)"
                     if first in points else f"{first!r} is not the [points] table (the only one read)")
            raise SubmissionError(f"points file {path}: {where}")
        table = doc.get("points", {})
        if not isinstance(table, dict):
            raise SubmissionError(f"points file {path}: points = {table!r} must be a table ([points], one kata a line)")
        for name, value in table.items():
            if name not in points:
                raise SubmissionError(f"points file {path}: unknown kata {name!r} (valid: {', '.join(points)})")
            why = ("a boolean, not a number" if isinstance(value, bool) else
                   "not a number" if not isinstance(value, (int, float)) else
                   "not finite" if not math.isfinite(value) else "negative" if value < 0 else "")
            if why:
                raise SubmissionError(f"points file {path}: {name} = {_toml(value)} is {why} "
                                      f"(points must be a finite number >= 0)")
            points[name] = float(value)
    return points


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


def printable(text: str, stream=None) -> str:
    """Text that the stream can encode: lone surrogates and the like become "?"."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, errors="replace").decode(encoding, errors="replace")
    except LookupError:
        return text.encode("ascii", errors="replace").decode("ascii")


def say(text: str = "", stream=None) -> None:
    """print(), with errors="replace": no message from a submission can make it raise."""
    stream = stream or sys.stdout
    print(printable(text, stream), file=stream, flush=True)


def _clean(text: str) -> str:
    """A string any JSON reader accepts: lone surrogates become U+FFFD."""
    return text.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace")


def not_graded(student: str, reason: str, points: dict[str, float], expected: dict[str, list[str]] | None = None,
               digest: str = "") -> Report:
    """A report of 0 for a submission that could not be graded at all, with the reason as its note."""
    report = Report(student=student, notes=[reason], digest=digest)
    for kata in manifest.katas():
        total = len((expected or {}).get(kata.name, []))
        report.katas.append(KataGrade(kata.name, 0.0, points[kata.name], 0, total, "failed", reason[:2000]))
    report.max_score = sum(k.max_points for k in report.katas)
    return report


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
        "output": _clean(f"{report.score:g} / {report.max_score:g} points" + "".join(f"\n{n}" for n in report.notes)),
        "stdout_visibility": "hidden",
        "tests": [{
            "name": f"{k.kata}: {manifest.get(k.kata).title}",
            "number": str(i),
            "score": k.points,
            "max_score": k.max_points,
            "status": "passed" if k.status == "passed" else "failed",
            "output": _clean((f"{k.passed}/{k.total} checks pass." + (f"\nFirst failing check: {k.first_failure}"
                                                                      if k.first_failure else ""))[:8000]),
            "visibility": "visible",
        } for i, k in enumerate(report.katas, start=1)],
    }


def write_csv(reports: list[Report], path: Path) -> None:
    names = manifest.names()
    with open(path, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        w = csv.writer(f)
        w.writerow(["student", *names, "total", "max"])
        for r in sorted(reports, key=lambda r: r.student):
            by = {k.kata: k.points for k in r.katas}
            w.writerow([r.student, *[f"{by.get(n, 0):g}" for n in names], f"{r.score:g}", f"{r.max_score:g}"])
