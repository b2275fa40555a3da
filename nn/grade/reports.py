"""What grading produces: a report per submission, points per kata, and the formats it is
written in (a table, Gradescope's results.json, the class gradebook as CSV)."""
from __future__ import annotations

import csv
import re
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import manifest
from . import scoring
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
    kata_points: float = 0.0  # under each credit policy (see scoring.py), whichever is in force
    check_points: float = 0.0
    checks: list = field(default_factory=list)  # every check: nodeid, check, outcome, visibility (+ message)
    hints: dict | None = None  # the hint rungs the learner used (rungs.py): used, of, revealed; None: no record


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
    credit: str = "kata"
    score_kata: float = 0.0
    score_checks: float = 0.0
    examplar: list = field(default_factory=list)  # with --examplar: one dict per kata (see examplar.py)

    def to_json(self) -> dict:
        data = asdict(self)
        for kata in data["katas"]:  # an optional field: absent when the submission carried no record
            if kata.get("hints") is None:
                kata.pop("hints", None)
        return data


def load_points(path: str | Path | None) -> dict[str, float]:
    """Points per kata from the manifest, overridden by a TOML file's [points] table.

    Everything else is refused with the reason: a key outside [points] (``relu = 5`` at the
    top of the file), an unknown kata, and any value that is not a finite number >= 0
    (booleans, inf and nan included).
    """
    points = {k.name: float(k.points) for k in manifest.katas()}
    if path:
        doc, text = _read_toml(path)
        stray = [k for k in doc if k not in ("points", "credit", "examplar", "hints")]
        if stray:
            first = stray[0]
            where = (f"{first} = {doc[first]!r} is outside a [points] table (write it under a [points] line)"
                     if first in points else f"{first!r} is not the [points] table (the only one read)")
            raise SubmissionError(f"points file {path}{_line(text, first)}: {where}")
        load_credit(path)
        load_hints(path)
        table = doc.get("points", {})
        if not isinstance(table, dict):
            raise SubmissionError(f"points file {path}: points = {table!r} must be a table ([points], one kata a line)")
        for name, value in table.items():
            if name not in points:
                raise SubmissionError(f"points file {path}{_line(text, name, True)}: unknown kata {name!r} (valid: {', '.join(points)})")
            why = ("a boolean, not a number" if isinstance(value, bool) else
                   "not a number" if not isinstance(value, (int, float)) else
                   "not finite" if not math.isfinite(value) else "negative" if value < 0 else "")
            if why:
                raise SubmissionError(f"points file {path}{_line(text, name, True)}: {name} = {_toml(value)} is {why} "
                                      f"(points must be a finite number >= 0)")
            points[name] = float(value)
    return points


def _read_toml(path) -> tuple[dict, str]:
    try:
        with open(path, "rb") as f:
            data = f.read()
        return tomllib.loads(data.decode("utf-8")), data.decode("utf-8")
    except OSError as exc:
        raise SubmissionError(f"points file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"points file {path}: not valid TOML ({exc})") from None


def _line(text: str, key: str, in_points: bool = False) -> str:
    """", line N" where ``key = ...`` is set (in the [points] table when ``in_points``)."""
    table = ""
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[] ")
        elif stripped.split("=")[0].strip().strip("'\"") == key and (table == "points") == in_points:
            return f", line {n}"
    return ""


def load_examplar(path: str | Path | None) -> dict:
    """The ``[examplar]`` table of a points file: what ``grade --examplar`` gives a kata for its
    learner's tests (``points = N`` for every kata, default 1; ``KATA = N`` for one kata)."""
    if not path:
        return {}
    doc, text = _read_toml(path)
    table = doc.get("examplar", {})
    if not isinstance(table, dict):
        raise SubmissionError(f"points file {path}: examplar = {table!r} must be a table ([examplar], points = N)")
    for name, value in table.items():
        if name != "points" and name not in manifest.names():
            raise SubmissionError(f"points file {path}: [examplar] {name!r} is neither points nor a kata "
                                  f"(valid: points, {', '.join(manifest.names())})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise SubmissionError(f"points file {path}: [examplar] {name} = {_toml(value)} must be a finite number >= 0")
    return table


def load_credit(path: str | Path | None) -> str | None:
    """The credit policy a points file sets (``credit = "checks"`` at its top), if any."""
    if not path:
        return None
    doc, text = _read_toml(path)
    credit = doc.get("credit")
    if credit is not None and credit not in scoring.CREDITS:
        raise SubmissionError(f"points file {path}{_line(text, 'credit')}: credit = {_toml(credit)} is not "
                              f"one of {', '.join(map(repr, scoring.CREDITS))}")
    return credit


def load_hints(path: str | Path | None) -> bool:
    """Whether reports and feedback carry the hint rungs each kata used (``hints = false`` at
    the top of a points file leaves them out; the default is true)."""
    if not path:
        return True
    doc, text = _read_toml(path)
    value = doc.get("hints", True)
    if not isinstance(value, bool):
        raise SubmissionError(f"points file {path}{_line(text, 'hints')}: hints = {_toml(value)} must be true or false")
    return value


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


def cell(text: str) -> str:
    """A spreadsheet cell that is never read as a formula (a name starting with =, +, - or @)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, stream=None) -> str:
    """Text that the stream can encode: lone surrogates and the like become "?"."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    # No terminal control from a submission's names or messages: an escape sequence could
    # redraw the instructor's table.
    text = _CONTROL.sub("?", text)
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
    scoring.total(report, report.credit)
    return report


def table(report: Report) -> str:
    other = ("checks", report.score_checks) if report.credit != "checks" else ("kata", report.score_kata)
    lines = [f"{report.student}: {report.score:g} / {report.max_score:g} points   ({report.seconds:.1f} s)",
             f"  credit: {report.credit} (with --credit {other[0]}: {other[1]:g})", ""]
    for k in report.katas:
        first = k.first_failure.splitlines()[0] if k.first_failure else ""
        lines.append(f"  {k.kata:<10} {k.points:>5g} / {k.max_points:<5g} {k.status:<12} "
                     f"{k.passed}/{k.total} checks" + (f"   {first[:100]}" if first else ""))
    for e in report.examplar:
        lines.append(f"  examplar {e['kata']:<10} {e['points']:>5g} / {e['max_points']:<5g} {e['message'].splitlines()[0][:110]}")
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)


def visible_summary(k: KataGrade) -> tuple[str, list[dict]]:
    """What a student may read of a kata: a line on its visible checks, and the visible failures.

    With hidden checks it never says "all checks pass": at best "all visible checks pass"."""
    if not k.checks:  # a report from before per-check results were kept
        return f"{k.passed}/{k.total} checks pass.", []
    visible = [c for c in k.checks if c.get("visibility", "visible") == "visible"]
    failing = [c for c in visible if c.get("outcome") != "passed"]
    hidden = len(k.checks) - len(visible)
    passed = len(visible) - len(failing)
    if hidden:
        line = (f"all {len(visible)} visible checks pass" if not failing else
                f"{passed}/{len(visible)} visible checks pass") \
            + (f"; {hidden} more check is not shown." if hidden == 1 else f"; {hidden} more checks are not shown.")
    else:
        line = f"all {len(visible)} checks pass." if not failing else f"{passed}/{len(visible)} checks pass."
    return line, failing


def _failure_text(c: dict) -> str:
    why = f" (likely mistake: {c['misconception']})" if c.get("misconception") else ""
    return f"- {c.get('check') or c.get('nodeid')}: {c.get('message') or ''}{why}"


def gradescope(report: Report) -> dict:
    """Gradescope's results.json: top-level score, execution_time, output, and one test per kata,
    plus one per kata for its hidden checks (visibility "hidden" or "after_due_date")."""
    tests = []
    for k in report.katas:
        line, failing = visible_summary(k)
        groups = {v: [c for c in k.checks if c.get("visibility", "visible") == v] for v in scoring.VISIBILITIES}
        share = (lambda checks: k.max_points * len(checks) / k.total if k.total else 0.0)
        visible_max = k.max_points if report.credit != "checks" or not k.checks else share(groups["visible"])
        if not k.checks:
            text = line + (f"\nFirst failing check: {k.first_failure}" if k.first_failure else "")
        else:
            text = line + "".join(f"\n{_failure_text(c)}" for c in failing)
        score = k.points if report.credit != "checks" or not k.checks else \
            round(k.max_points * sum(c.get("outcome") == "passed" for c in groups["visible"]) / k.total, 4)
        tests.append({"name": f"{k.kata}: {manifest.get(k.kata).title}", "score": score, "max_score": visible_max,
                      "status": "passed" if k.status == "passed" else "failed", "output": _clean(text[:8000]),
                      "visibility": "visible"})
        for vis in ("hidden", "after_due_date"):
            checks = groups[vis]
            if not checks:
                continue
            bad = [c for c in checks if c.get("outcome") != "passed"]
            passed = len(checks) - len(bad)
            tests.append({"name": f"{k.kata}: {'hidden checks' if vis == 'hidden' else 'checks shown after the due date'}",
                          "score": round(k.max_points * passed / k.total, 4) if report.credit == "checks" else 0.0,
                          "max_score": share(checks) if report.credit == "checks" else 0.0,
                          "status": "passed" if not bad else "failed", "visibility": vis,
                          "output": _clean((f"{passed}/{len(checks)} checks pass."
                                            + "".join(f"\n{_failure_text(c)}" for c in bad))[:8000])})
    for e in report.examplar:
        tests.append({"name": f"{e['kata']}: your tests (examplar)", "score": e["points"], "max_score": e["max_points"],
                      "status": "passed" if e["valid"] and e["caught"] == e["chaffs"] else "failed",
                      "output": _clean(e["message"][:8000]), "visibility": "visible"})
    for i, t in enumerate(tests, start=1):
        t["number"] = str(i)
    return {
        "score": report.score,
        "execution_time": report.seconds,
        "output": _clean(f"{report.score:g} / {report.max_score:g} points (credit: {report.credit})"
                         + "".join(f"\n{n}" for n in report.notes)),
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def counted(n: int, word: str) -> str:
    """``1 student``, ``2 students``: a count with its noun in the right number."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def notes(report: Report) -> str:
    """The notes column of a gradebook, one line: only what the grader itself observed (a
    submission's own messages never become notes)."""
    found = [n for n in report.notes if not n.startswith("not searched")]
    return "; ".join(" ".join(n.split()) for n in found)[:1000]


def write_csv(reports: list[Report], path: Path, skipped: list[tuple[str, str]] = ()) -> None:
    """The class gradebook: points per kata, total, max, and notes (what the grader observed:
    a limit hit, folders left out, a refusal); ``skipped``: (student, why) of submissions that
    were not graded, with empty points."""
    names = manifest.names()
    with open(path, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        w = csv.writer(f)
        w.writerow(["student", *names, "total", "max", "notes"])
        rows = []
        for r in reports:
            by = {k.kata: k.points for k in r.katas}
            rows.append((r.student, [f"{by.get(n, 0):g}" for n in names], [f"{r.score:g}", f"{r.max_score:g}",
                                                                          cell(notes(r))]))
        rows += [(student, [""] * len(names), ["", "", cell(f"not graded: {why}")]) for student, why in skipped]
        for student, points, rest in sorted(rows, key=lambda row: row[0]):
            w.writerow([cell(student), *points, *rest])
