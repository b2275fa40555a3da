"""Failures that read as lessons: a known kind of failure (not started, a time limit, a
wrong answer with its worst entry and likely mistake) replaces pytest's traceback, and
any other exception is named with the learner's own line."""
from __future__ import annotations

from pathlib import Path

from . import diagnose
from .assertions import KataFailure
from .seam import KataNotStarted, KataTimeout


class Lesson:
    """A report's failure text: printed whole by pytest, with no trailing copy of its title."""

    def __init__(self, text: str):
        self.text = text
        self.reprcrash = _Crash(text.splitlines()[0] if text else "")

    def toterminal(self, tw) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


class _Crash:
    """What pytest prints after each failure with --tb=line (nothing) and in its summary (the title)."""

    def __init__(self, message: str):
        self.message = message

    def __str__(self) -> str:
        return ""


def find_exception(exc, kinds):
    """The first exception of one of ``kinds`` in exc, its causes, or an exception group."""
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kinds):
            return e
        stack.extend(getattr(e, "exceptions", ()))
        stack.append(e.__cause__)
        stack.append(e.__context__)
    return None


def _learner_frame(excinfo, item) -> str:
    """'katas/layers.py, line 12: return W @ A_prev + b.T' for the deepest frame in the implementation."""
    implementation = item.funcargs.get("implementation") if hasattr(item, "funcargs") else None
    if implementation is None:
        return ""
    found = ""
    for entry in excinfo.traceback:
        path = Path(str(entry.path))
        if path.parent == implementation.path:
            line = str(entry.statement).strip().splitlines()[0] if entry.statement else ""
            found = f"{implementation.display(path.stem)}, line {entry.lineno + 1}: {line}"
    return found


def check_title(doc: str | None) -> str:
    """A check's title: the first paragraph of its test's docstring, on one line (a docstring's
    first line alone may stop mid-sentence)."""
    paragraph = (doc or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split())


def explain(item, call, rep, kata) -> None:
    """Replace the traceback of a known kind of failure by the lesson it carries."""
    exc = call.excinfo.value
    check = check_title(getattr(getattr(item, "function", None), "__doc__", None)) or item.name
    where = where_kata = f"{kata.name}: " if kata else ""
    found = find_exception(exc, (KataNotStarted, NotImplementedError, KataTimeout, KataFailure))
    if isinstance(found, (KataNotStarted, NotImplementedError)):
        rep.status, rep.misconception = "not-started", "not-started"
        detail = str(found) or "the function still raises NotImplementedError"
        rep.message = f"not started: {detail}"
        rep.longrepr = Lesson(f"{where}{rep.message}")
    elif isinstance(found, KataTimeout):
        rep.status = "timeout"  # the grader notes it (a time limit hit), whatever the message says
        limit = item.config.getoption("--check-timeout")
        rep.message = (f"stopped after {limit:g} s: the code under test did not finish "
                       f"(an infinite loop, or a loop over every entry that is far too slow)")
        if found.args and found.args[0]:
            rep.message += f"\n  it was running {found.args[0]}"
        rep.longrepr = Lesson(f"{where}{check}\n  {rep.message}")
    elif isinstance(found, KataFailure):
        rep.misconception = found.misconception
        rep.message = str(found)
        rep.longrepr = Lesson(f"{where}{check}\n  {rep.message}")
    else:
        where = _learner_frame(call.excinfo, item) or getattr(exc, "where", "")
        rep.message = f"{type(exc).__name__}: {exc}" + (f"\n  raised at {where}" if where else "")
        if isinstance(exc, ValueError) and any(w in str(exc) for w in ("broadcast", "matmul", "shapes", "aligned")):
            rep.misconception = "shape-error"
            m = diagnose.get("shape-error")
            rep.message += f"\n  likely mistake: {m.title}\n  hint: {m.hint}"
        if where and item.config.getoption("tbstyle", "auto") in ("line", "no"):
            rep.longrepr = Lesson(f"{where_kata}{check}\n  {rep.message}")


