"""The kata manifest (``nn/katas.toml``), read once and shared by tests and tools."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MANIFEST_PATH = Path(__file__).with_name("katas.toml")
MODULES = ("activations", "losses", "initialization", "layers", "gradcheck", "network")
# The defaults of every way in (nn-kata, pytest, nn.check): the learner's own directory, and
# the seconds one check may run before it is stopped.
DEFAULT_IMPL = "katas"
CHECK_TIMEOUT = 10.0


@dataclass(frozen=True)
class Kata:
    name: str
    title: str
    module: str
    functions: tuple[str, ...]
    seed_section: str
    points: int
    hints: tuple[str, ...]  # the rungs of the ladder: concept, located, equation
    guide: str = ""  # the anchor of the kata's section in the derivation guide
    formulas: tuple[str, ...] = ()  # final formulas: only the last rung and the guide give them
    questions: tuple["Question", ...] = ()  # asked by ``nn-kata unlock``
    # Functions of other katas this kata's own code calls. While it is checked, these (and
    # only these) run as the suite's trusted stand-ins: a bug elsewhere cannot fail this
    # kata, and no other kata's answer can be borrowed through them.
    uses: tuple[str, ...] = ()

    @property
    def guide_link(self) -> str:
        return f"{course().guide}#{self.guide}" if self.guide else course().guide

    @property
    def marker(self) -> str:
        return f"kata_{self.name}"

    @property
    def test_file(self) -> str:
        return f"tests/katas/test_{self.name}.py"


@dataclass(frozen=True)
class Question:
    """One predict-before-you-run question: a shape answered as a tuple, or a choice.
    A wrong answer is explained by a misconception (``nn.suite.diagnose``'s ids)."""
    ask: str
    kind: str  # "shape" or "choice"
    answer: str
    choices: tuple[str, ...] = ()
    misconception: str = ""  # shape questions: what a wrong answer means
    misconceptions: tuple[str, ...] = ()  # choice questions: one per choice, "" for the right one

    @classmethod
    def from_toml(cls, q: dict) -> "Question":
        return cls(ask=q["ask"], kind=q.get("kind", "shape"), answer=str(q["answer"]),
                   choices=tuple(q.get("choices", ())), misconception=q.get("misconception", ""),
                   misconceptions=tuple(q.get("misconceptions", ())))


@dataclass(frozen=True)
class Course:
    """How a course uses the ladder and the questions: the manifest's ``[course]``, with an
    instructor's override (``NN_KATA_COURSE``, else ``course.toml`` at the project root) on top.
    The override may also set ``rungs``, ``gate_failures`` or ``unlock`` for one kata in a
    ``[kata.NAME]`` table, and replace a kata's rungs with ``hints = [...]`` there."""
    guide: str = "docs/derivation.md"
    rungs: int = 3
    gate_failures: int = 2
    unlock: bool | tuple = False
    per_kata: tuple = ()  # ((name, {setting: value}), ...)
    source: str = ""  # the override file, if one was read

    def setting(self, kata: str, name: str):
        for k, values in self.per_kata:
            if k == kata and name in values:
                return values[name]
        return getattr(self, name)

    def rungs_for(self, kata: Kata) -> tuple[str, ...]:
        hints = tuple(self.setting(kata.name, "hints") if self._has(kata.name, "hints") else kata.hints)
        return hints[:max(1, int(self.setting(kata.name, "rungs")))]

    def unlock_on(self, kata: str) -> bool:
        value = self.setting(kata, "unlock")
        return kata in value if isinstance(value, (list, tuple)) else bool(value)

    def _has(self, kata: str, name: str) -> bool:
        return any(k == kata and name in v for k, v in self.per_kata)


def course_override_path() -> Path | None:
    named = os.environ.get("NN_KATA_COURSE")
    if named:
        return Path(named).expanduser()
    default = MANIFEST_PATH.parent.parent / "course.toml"
    return default if default.is_file() else None


@functools.lru_cache(maxsize=None)
def course() -> Course:
    with open(MANIFEST_PATH, "rb") as f:
        settings = dict(tomllib.load(f).get("course", {}))
    per_kata, source = {}, ""
    path = course_override_path()
    if path is not None:
        try:
            with open(path, "rb") as f:
                override = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"course override {path}: {exc}") from None
        settings.update(override.get("course", {}))
        per_kata = {name: dict(values) for name, values in override.get("kata", {}).items()}
        source = str(path)
    unlock = settings.get("unlock", False)
    return Course(guide=settings.get("guide", "docs/derivation.md"), rungs=int(settings.get("rungs", 3)),
                  gate_failures=int(settings.get("gate_failures", 2)),
                  unlock=tuple(unlock) if isinstance(unlock, list) else bool(unlock),
                  per_kata=tuple((k, {n: tuple(v) if isinstance(v, list) else v for n, v in vals.items()})
                                 for k, vals in per_kata.items()), source=source)


@functools.lru_cache(maxsize=None)
def katas() -> tuple[Kata, ...]:
    with open(MANIFEST_PATH, "rb") as f:
        data = tomllib.load(f)
    out = []
    for entry in data["kata"]:
        out.append(
            Kata(
                name=entry["name"],
                title=entry["title"],
                module=entry["module"],
                functions=tuple(entry["functions"]),
                seed_section=entry.get("seed_section", ""),
                points=int(entry.get("points", 10)),
                hints=tuple(entry.get("hints", ())),
                guide=entry.get("guide", ""),
                formulas=tuple(entry.get("formulas", ())),
                questions=tuple(Question.from_toml(q) for q in entry.get("questions", ())),
                uses=tuple(entry.get("uses", ())),
            )
        )
    return tuple(out)


def names() -> list[str]:
    return [k.name for k in katas()]


class UnknownKata(KeyError):
    def __str__(self) -> str:
        return f"unknown kata {self.args[0]!r}; valid katas are: {', '.join(names())}"


def get(name: str) -> Kata:
    for k in katas():
        if k.name == name:
            return k
    raise UnknownKata(name)


def kata_of_function(function: str) -> Kata:
    for k in katas():
        if function in k.functions:
            return k
    raise KeyError(function)
