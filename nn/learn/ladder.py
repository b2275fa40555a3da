"""The hint ladder: each kata's rungs from the manifest (the concept, the located hint, the
equation), the located rung tied to the learner's last check, and the gate on the equation.

The course decides how many rungs a learner may climb and how many failing versions open
the last one (``nn.manifest.course``: the manifest's ``[course]`` with an instructor's
override on top). ``--reveal`` opens it at once, and the state says that it did.
"""
from __future__ import annotations

from pathlib import Path

from .. import manifest
from ..usage import UsageError
from . import state

TRACEABLE = ("linear", "forward", "backward", "train")


def course() -> manifest.Course:
    try:
        return manifest.course()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def rungs(kata: manifest.Kata) -> tuple[str, ...]:
    return course().rungs_for(kata)


def gate(kata: manifest.Kata) -> int:
    """Failing check runs (of distinct versions) needed before the equation rung opens; 0: no gate."""
    return max(0, int(course().setting(kata.name, "gate_failures")))


def equation_index(kata: manifest.Kata) -> int | None:
    """The index of the gated rung: the manifest's last, the equation, if the course shows it."""
    last = len(kata.hints) - 1
    return last if 0 <= last < len(rungs(kata)) and len(kata.hints) >= 3 else None


def gate_open(kata: manifest.Kata) -> bool:
    return state.failing_check_runs(kata.name) >= gate(kata) or state.revealed(kata.name)


def located_detail(kata: manifest.Kata, impl: Path) -> list[str]:
    """What the last check of this kata (cached in .nn-kata/) says: the first failing check
    and the diagnosed misconception, where there is one."""
    entry = state.cached_results(impl).get(kata.name)
    result = (entry or {}).get("result")
    if not result:
        return [f"(No check of {kata.name} has run yet: `nn-kata check {kata.name}` ties this hint to your code.)"]
    status = result.get("status")
    if status == "done":
        return [f"Your last check of {kata.name} passed every check."]
    if status == "not started":
        return [f"Your last check found {kata.name} not started: write {', '.join(kata.functions)} first."]
    failures = result.get("failures") or []
    lines = [f"Your last check: {result.get('passed', 0)} of {result.get('total', 0)} pass."]
    if failures:
        lines.append(f"First failing check: {failures[0].get('check')}")
    found = [f.get("misconception") for f in failures if f.get("misconception") not in (None, "not-started")]
    specific = [m for m in found if m != "shape-error"] or found
    if specific:
        from ..suite.diagnose import get

        try:
            mistake = get(specific[0])
            lines.append(f"Likely mistake: {mistake.title}. {mistake.hint}")
        except KeyError:
            pass
    if kata.name in TRACEABLE:
        lines.append(f"`nn-kata trace {kata.name}` puts the shape of every array beside each line you wrote.")
    return lines


def climb(kata: manifest.Kata, impl: Path, *, reveal: bool = False) -> tuple[list[str], int]:
    """Show one more rung (or all of them with ``reveal``); returns the lines to print and
    an exit status. The count of rungs used is kept in the state."""
    ladder = rungs(kata)
    seen = min(state.hints_shown(kata.name), len(ladder))
    want = len(ladder) if reveal else min(seen + 1, len(ladder))
    eq = equation_index(kata)
    blocked = False
    if eq is not None and want > eq and not gate_open(kata):
        if reveal:
            state.record_reveal(kata.name)
        else:
            want, blocked = eq, True
    state.set_hints_shown(kata.name, max(seen, want))
    total = len(ladder)
    out = [f"Hints for kata {kata.name} ({kata.title}):"]
    for i, text in enumerate(ladder[:want], start=1):
        out.append(f"  {i}/{total}. {text}")
        if i == 2 and len(kata.hints) >= 3:
            out += [f"       {line}" for line in located_detail(kata, impl)]
    out.append(f"  Derivation: {kata.guide_link}")
    if blocked:
        have, need = state.failing_check_runs(kata.name), gate(kata)
        out.append(f"  {eq + 1}/{total}. The last hint, the equation, opens after your checks of {kata.name} have "
                   f"failed on {need} versions of your code (so far: {have}). Change something, then "
                   f"`nn-kata check {kata.name}`; or work it out in {kata.guide_link}; or "
                   f"`nn-kata hint {kata.name} --reveal`.")
    elif want < total:
        out.append(f"Run `nn-kata hint {kata.name}` again for the next one.")
    elif eq is not None and want > eq:
        out.append("That was the last hint: the key equation. The rest is yours.")
    else:
        out.append("That was the last hint this course gives. The rest is yours.")
    return out, 0


def used(kata: manifest.Kata) -> str:
    """How status names the rungs used: '' when none, 'hints 2/3', 'hints 3/3 (revealed)'."""
    n = min(state.hints_shown(kata.name), len(rungs(kata)))
    if not n:
        return ""
    return f"hints {n}/{len(rungs(kata))}" + (" (revealed)" if state.revealed(kata.name) else "")
