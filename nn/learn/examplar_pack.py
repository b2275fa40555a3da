"""The wheats and chaffs ``nn-kata examplar`` runs a learner's tests against, as bytecode.

Each variant is a directory laid out like katas/, holding only compiled modules (``*.pyc``,
no docstrings, no source): the reference with one function replaced, as
``tests/catalogue.Variant.build`` writes it. They are built once into
``.nn-kata/examplar/<key>/`` (the key hashes the catalogues, the reference and the Python
bytecode version) and reused until one of those changes.

Where the catalogues and ``solutions/`` are not there (a learner's starter), a pack built
by ``python -m nn.learn.examplar_pack DIR`` and shipped as ``examplar-pack/`` at the project
root is used instead: the same layout, with nothing in it written out as source.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import py_compile
import shutil
import sys
import tempfile
from pathlib import Path

from .. import manifest
from ..impl import PROJECT_ROOT, Implementation
from ..suite import diagnose
from .examplar_wheats import describe_wheat
from .state import STATE_DIR

CATALOGUE = PROJECT_ROOT / "tests" / "catalogue"
REFERENCE = PROJECT_ROOT / "solutions"
SHIPPED = PROJECT_ROOT / "examplar-pack"
FORMAT = "3"  # bumped when the layout below changes


class PackedImplementation(Implementation):
    """A variant: sourceless modules (``activations.pyc``), the one it changes in its own
    directory and the rest in the pack's ``base/``. Python's own path finder loads them, so
    sibling imports inside it work as in katas/."""

    def __init__(self, directory, **kwargs):
        super().__init__(directory, **kwargs)
        self.base = self.path.parent.parent / "base"
        if self.base.is_dir() and str(self.base) not in self._package.__path__:
            self._package.__path__.append(str(self.base))

    def file_of(self, module: str) -> Path:
        for where in (self.path, self.base):
            if (where / f"{module}.pyc").is_file():
                return where / f"{module}.pyc"
        return super().file_of(module)


def _load_catalogue():
    """tests/catalogue as a private module read from its files (nn/ never imports tests/)."""
    name = "_nn_examplar_catalogue"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CATALOGUE / "__init__.py",
                                                  submodule_search_locations=[str(CATALOGUE)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    bugs = importlib.import_module(f"{name}.bugs")
    correct = importlib.import_module(f"{name}.correct")
    package.BUGS, package.CORRECT = bugs.BUGS, correct.CORRECT
    return package


def have_sources() -> bool:
    return (CATALOGUE / "bugs.py").is_file() and (CATALOGUE / "correct.py").is_file() and REFERENCE.is_dir()


def source_key() -> str:
    h = hashlib.sha256(FORMAT.encode() + importlib.util.MAGIC_NUMBER)
    for path in sorted(CATALOGUE.glob("*.py")) + sorted(REFERENCE.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    h.update(Path(__file__).with_name("examplar_wheats.py").read_bytes())
    return h.hexdigest()[:16]


def _compile_dir(src: Path, dest: Path, label: str, only: str = "*") -> None:
    """The modules of ``src`` (all, or ``only``) compiled into ``dest`` as sourceless ``.pyc``.
    Tracebacks name ``label/module.py``, a file that does not exist, so they show no line of it."""
    dest.mkdir(parents=True, exist_ok=True)
    for source in sorted(src.glob(f"{only}.py")):
        py_compile.compile(str(source), cfile=str(dest / f"{source.stem}.pyc"), dfile=f"{label}/{source.name}",
                           doraise=True, optimize=2, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def _settle(built: Path, final: Path) -> None:
    """Put a built directory in place in one step; if a build running beside this one got
    there first, its copy (the same bytes) stays."""
    try:
        os.rename(built, final)
    except OSError:
        if not final.is_dir():
            raise


def _entry(variant, role: str, number: int) -> dict:
    entry = {"id": f"{role}{number}", "role": role, "kata": variant.kata, "name": variant.id}
    if role == "chaff":
        known = diagnose.MISCONCEPTIONS.get(variant.misconception or "")
        # A bug the catalogue names no misconception for gets the kata's first hint, which
        # says what the function must do, and gives its id away no more than a title would.
        entry["title"] = known.title if known else "a mistake with no name in the catalogue"
        entry["hint"] = known.hint if known else manifest.get(variant.kata).hints[0]
    else:
        entry["title"] = describe_wheat(variant)
    return entry


def build(root: Path, kata_names: list[str]) -> None:
    """Compile the variants of these katas into ``root``, with ``plan.json`` naming them."""
    catalogue = _load_catalogue()
    with tempfile.TemporaryDirectory(prefix="nn-examplar-") as tmp:
        if not (root / "base").is_dir():
            _compile_dir(REFERENCE, Path(tmp) / "base", "<reference>")
            root.mkdir(parents=True, exist_ok=True)
            _settle(Path(tmp) / "base", root / "base")
        for name in kata_names:
            entries = []
            for role, variants in (("wheat", catalogue.CORRECT), ("chaff", catalogue.BUGS)):
                mine = [v for v in variants if v.kata == name]
                for number, variant in enumerate(mine, start=1):
                    entry = _entry(variant, role, number)
                    written = variant.build(REFERENCE, Path(tmp) / f"{name}-{entry['id']}")
                    compiled = Path(tmp) / f"{name}-{entry['id']}.pyc.d"
                    _compile_dir(written, compiled, f"<{name} {entry['id']}>", only=variant.module)
                    final = root / name / entry["id"]
                    final.parent.mkdir(parents=True, exist_ok=True)
                    shutil.rmtree(final, ignore_errors=True)  # a build that stopped half-way
                    _settle(compiled, final)
                    entries.append(entry)
            plan = {**_read_plan(root), name: entries}
            part = root / f"plan.json.{os.getpid()}"
            part.write_text(json.dumps(plan, indent=1))
            part.replace(root / "plan.json")  # the plan names a kata only once all its variants are there


def _read_plan(root: Path) -> dict:
    try:
        return json.loads((root / "plan.json").read_text())
    except (OSError, ValueError):
        return {}


def variants(kata: str) -> tuple[list[dict], str]:
    """The wheats and chaffs of one kata, each with ``dir`` set, and where they came from."""
    if have_sources():
        root = STATE_DIR / "examplar" / source_key()
        if kata not in _read_plan(root):
            for old in root.parent.glob("*"):  # builds from catalogues as they were before
                if old != root and old.is_dir() and len(old.name) == len(root.name):
                    shutil.rmtree(old, ignore_errors=True)
            build(root, [kata])
        origin = "the catalogues in tests/catalogue"
    elif (SHIPPED / "plan.json").is_file():
        root, origin = SHIPPED, "examplar-pack/"
    else:
        return [], ""
    entries = _read_plan(root).get(kata, [])
    for entry in entries:
        entry["dir"] = str(root / kata / entry["id"])
    return entries, origin


def write_pack(dest: Path) -> Path:
    """The pack a starter ships in place of the catalogues: every kata's variants, bytecode only."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    build(dest, manifest.names())
    return dest


if __name__ == "__main__":  # python -m nn.learn.examplar_pack DIR
    print(write_pack(Path(sys.argv[1] if len(sys.argv) > 1 else "examplar-pack")))
