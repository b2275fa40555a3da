"""The kata manifest (``nn/katas.toml``), read once and shared by tests and tools."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MANIFEST_PATH = Path(__file__).with_name("katas.toml")
MODULES = ("activations", "losses", "initialization", "layers", "gradcheck", "network")


@dataclass(frozen=True)
class Kata:
    name: str
    title: str
    module: str
    functions: tuple[str, ...]
    seed_section: str
    points: int
    hints: tuple[str, ...]

    @property
    def marker(self) -> str:
        return f"kata_{self.name}"

    @property
    def test_file(self) -> str:
        return f"tests/katas/test_{self.name}.py"


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
