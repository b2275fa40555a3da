"""How a kata's result is shown: plain words for the terminal, HTML for a notebook."""
from __future__ import annotations

import html
import os
import sys

from .. import manifest
from .runner import KataResult

SYMBOLS = {"done": "✓", "failing": "✗", "not started": "·", "error": "!"}
COLOURS = {"done": "32", "failing": "31", "not started": "33", "error": "31"}


def colour(text: str, status: str, enabled: bool) -> str:
    return f"\033[{COLOURS[status]}m{text}\033[0m" if enabled else text


def use_colour(stream=None) -> bool:
    stream = sys.stdout if stream is None else stream  # looked up now: it may have been replaced
    return hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR")


def progress_bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else 0
    return "[" + "█" * filled + "░" * (width - filled) + f"] {done}/{total}"


def where(kata: manifest.Kata, impl_display: str) -> str:
    return f"{impl_display}{kata.module}.py: {', '.join(kata.functions)}"


def kata_report(result: KataResult, impl_display: str, *, more: int = 3, colour_on: bool = False) -> str:
    kata = manifest.get(result.kata)
    lines = [f"kata {kata.name}: {kata.title} ({where(kata, impl_display)})"]
    status = result.status
    if status == "done":
        lines.append(colour(f"{SYMBOLS[status]} done: all {result.total} checks pass.", status, colour_on))
        return "\n".join(lines)
    if status == "not started":
        lines.append(colour(f"{SYMBOLS[status]} not started: {kata.module}.py still raises NotImplementedError "
                            f"in {', '.join(kata.functions)}.", status, colour_on))
        lines.append(f"  Open {impl_display}{kata.module}.py, read the docstrings, and replace each TODO.")
        return "\n".join(lines)
    if status == "error":
        lines.append(colour(f"{SYMBOLS[status]} the tests could not run:", status, colour_on))
        lines.append(_indent(result.failures[0]["message"]))
        return "\n".join(lines)
    lines.append(colour(f"{SYMBOLS[status]} {result.passed} of {result.total} checks pass.", status, colour_on))
    first = result.first_failure
    lines.append("")
    if len(result.failures) > 1 and len({f["message"] for f in result.failures}) == 1:
        lines.append(f"All {len(result.failures)} failing checks stop at the same error:")
        lines.append(_indent(first["message"]))
        return "\n".join(lines)
    lines.append(f"First failing check: {first['check']}")
    lines.append(_indent(first["message"] or first["outcome"]))
    hint_id = result.misconception
    if hint_id and hint_id != first.get("misconception"):
        from ..suite.diagnose import get

        m = get(hint_id)
        lines.append(f"  likely mistake (from another check): {m.title}\n  hint: {m.hint}")
    # A parametrized test fails once per case under one title: each title is listed once,
    # and the first failing check's not at all.
    unique = [c for c in dict.fromkeys(f["check"] for f in result.failures[1:]) if c != first["check"]]
    if unique:
        lines.append("")
        lines.append("Also failing:")
        lines.extend(f"  - {c}" for c in unique[:more])
        if len(unique) > more:
            lines.append(f"  ... and {len(unique) - more} more")
    lines.append("")
    lines.append(f"`nn-kata check {kata.name} -v` shows pytest's full output; `nn-kata hint {kata.name}` gives a hint.")
    return "\n".join(lines)


def _indent(text: str, prefix: str = "  ") -> str:
    out = []
    for line in text.strip("\n").splitlines()[:40]:
        out.append(prefix + line if not line.startswith(prefix) else line)
    return "\n".join(out)


class NotebookReport:
    """What ``nn.check("softmax")`` returns: the report, and whether the kata passed.

    Its truth value is the verdict (``assert check("relu")``). A notebook or IPython renders
    it as the cell's output (``_repr_html_``, ``_repr_pretty_``); ``nn.check`` prints it
    elsewhere (a script, the plain REPL), where its repr is one line."""

    def __init__(self, result: KataResult, impl_display: str):
        self.result = result
        self.text = kata_report(result, impl_display)

    @property
    def passed(self) -> bool:
        return self.result.status == "done"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        r = self.result
        return f"<check {r.kata!r}: {r.status}, {r.passed} of {r.total} checks pass>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.text)

    def _repr_html_(self) -> str:
        colour_css = {"done": "#1a7f37", "failing": "#cf222e", "not started": "#9a6700", "error": "#cf222e"}[self.result.status]
        return (f'<pre style="border-left: 4px solid {colour_css}; padding-left: 8px">'
                f"{html.escape(self.text)}</pre>")


def in_ipython() -> bool:
    """Whether an IPython shell or a Jupyter kernel will display what a cell returns."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None
