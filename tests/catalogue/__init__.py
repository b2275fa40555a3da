"""Catalogues of implementations the suite must judge right: realistic learner bugs that it
must reject, and correct answers written differently that it must accept.

Each entry is one function's source. A variant is the reference directory with that
source appended to the module, so the new definition replaces the reference one and
everything else stays correct: a bug's only fault is the one it names.
"""
from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Variant:
    id: str
    kata: str
    module: str
    source: str
    misconception: str | None = None  # the mistake a report should name (bugs only)
    seed_bug: bool = False  # one of the mistakes the seed itself lists

    def build(self, base: Path, dest: Path) -> Path:
        """Write the variant as a directory laid out like katas/ and return it."""
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(base, dest, ignore=shutil.ignore_patterns("__pycache__"))
        with open(dest / f"{self.module}.py", "a") as f:
            f.write(f"\n\n# --- catalogue variant {self.id} ---\n" + textwrap.dedent(self.source).strip() + "\n")
        return dest
