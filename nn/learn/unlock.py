"""``nn-kata unlock KATA``: predict before you run. Two to four short questions from the
manifest (a shape answered as a tuple, or a choice among the catalogue's misconceptions);
a wrong answer is explained by its misconception. A course that turns this on
(``unlock = true`` or a list of katas in its ``[course]``) has ``check`` refuse a locked
kata, saying how to unlock it."""
from __future__ import annotations

import re

from .. import manifest
from ..usage import UsageError
from . import state

TRIES = 3


def parse_shape(text: str) -> tuple | None:
    """'(10, 784)', '10, 784', '10 784', '(32,)' or '32' as a tuple of ints; None if it is not one."""
    parts = [p for p in re.split(r"[\s,x×]+", text.strip().strip("()[]").strip()) if p]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def required(kata: str) -> bool:
    from .ladder import course

    return course().unlock_on(kata) and bool(manifest.get(kata).questions)


def locked_message(kata: str) -> str | None:
    """What ``check`` says on a kata this course locks until its questions are answered."""
    if not required(kata) or state.unlocked(kata):
        return None
    n = len(manifest.get(kata).questions)
    return (f"kata {kata} is locked in this course until you predict before you run: `nn-kata unlock {kata}` asks "
            f"{n} short questions about its shapes and its derivation. Then `nn-kata check {kata}`.")


def _explain(misconception: str) -> str:
    if not misconception:
        return ""
    from ..suite.diagnose import get

    try:
        m = get(misconception)
    except KeyError:
        return ""
    return f"That answer is the mistake called '{m.title}'. {m.hint}"


def judge(question: manifest.Question, answer: str) -> tuple[bool, str]:
    """Whether ``answer`` is right, and the explanation of a wrong one."""
    if question.kind == "shape":
        given, right = parse_shape(answer), parse_shape(question.answer)
        if given is None:
            return False, "Answer with a shape, as a tuple: (rows, columns), or (n,) for a vector."
        if given == right:
            return True, ""
        if sorted(given) == sorted(right) and len(given) == len(right):
            return False, _explain("transposed") or _explain(question.misconception)
        if len(given) != len(right):
            return False, _explain("bias-vector" if len(right) == 2 and right[1] == 1 else "extra-dimension")
        return False, _explain(question.misconception) or "Not that shape: write the shape of each factor."
    choices = list(question.choices)
    text = answer.strip()
    if len(text) == 1 and text.isalpha() and ord(text.lower()) - ord("a") < len(choices):
        text = choices[ord(text.lower()) - ord("a")]
    elif text.isdigit() and 1 <= int(text) <= len(choices):
        text = choices[int(text) - 1]
    if text == question.answer:
        return True, ""
    if text not in choices:
        return False, f"Answer with a letter, a to {chr(ord('a') + len(choices) - 1)}."
    index = choices.index(text)
    mistakes = question.misconceptions
    return False, _explain(mistakes[index] if index < len(mistakes) else "") or "Not that one."


def ask(kata: manifest.Kata, read=input, say=print) -> bool:
    """Ask every question; True when all were answered (a question whose tries ran out shows
    its answer and counts as answered: the point is to have predicted, not to pass)."""
    answers = []
    questions = kata.questions
    say(f"Before you run kata {kata.name}: {len(questions)} questions. Predict, then check.\n")
    for number, q in enumerate(questions, start=1):
        say(f"{number}/{len(questions)}. {q.ask}")
        if q.kind == "choice":
            for i, choice in enumerate(q.choices):
                say(f"     {chr(ord('a') + i)}) {choice}")
        for attempt in range(1, TRIES + 1):
            try:
                answer = read("   your answer: " if q.kind == "choice" else "   your answer (a tuple): ")
            except EOFError:
                say("\nStopped before the end: run `nn-kata unlock` again to finish.")
                return False
            right, why = judge(q, answer)
            if right:
                say("   right.\n")
                answers.append({"question": number, "tries": attempt})
                break
            say(f"   not quite. {why}")
            if attempt == TRIES:
                say(f"   The answer: {q.answer}. Work it through in {kata.guide_link}.\n")
                answers.append({"question": number, "tries": attempt, "shown": True})
    state.record_unlock(kata.name, answers)
    return True


def cmd_unlock(args) -> int:
    from ..usage import kata as kata_named

    kata = kata_named(args.kata)
    if not kata.questions:
        raise UsageError(f"kata {kata.name} has no questions in the manifest")
    if not ask(kata):
        return 1
    tail = "" if required(kata.name) else " (this course does not require it; predicting first still pays)"
    print(f"Kata {kata.name} unlocked{tail}. Now write it, then `nn-kata check {kata.name}`.")
    return 0
