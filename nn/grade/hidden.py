"""Hidden checks: an instructor's directory of extra tests, graded with the kata suite and never exported.

A hidden test module is written like a kata test module: the ``impl`` fixture, a kata marker
(``pytestmark = pytest.mark.kata_relu``, or a decorator, which wins over the module's), hypothesis and parametrize. What a
student is shown of it is its visibility: ``hidden`` (the default), or ``after_due_date``, set
for a module with ``VISIBILITY = "after_due_date"`` or for one test with
``@pytest.mark.visibility("after_due_date")``.

The grading process runs only the kata test files, so in the grader's own copy of the tests
each kata's file ends with two lines that bring in that kata's hidden checks, under names that
carry their visibility (``test__hidden__extra__test_big``; see ``scoring.visibility``).
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from .. import manifest

LOADER = '''"""Written by the grader: the hidden checks of one kata, under names that say their visibility."""
import importlib
from pathlib import Path

_ROOT = Path(__file__).resolve().parent
_MODULES = []
VISIBILITIES = ("visible", "hidden", "after_due_date")


def _modules():
    if not _MODULES:
        for path in sorted((_ROOT / "hidden").rglob("*.py")):
            if path.name.startswith("test_") or path.name.endswith("_test.py"):
                parts = path.relative_to(_ROOT.parent).with_suffix("").parts
                _MODULES.append(importlib.import_module(".".join(parts)))
    return _MODULES


def _marks(obj):
    marks = getattr(obj, "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    return [getattr(m, "mark", m) for m in marks]


def _is_fixture(obj):
    return hasattr(obj, "_pytestfixturefunction") or type(obj).__name__ == "FixtureFunctionDefinition"


def checks_for(kata):
    import pytest

    found = {}
    for module in _modules():
        short = module.__name__.rsplit(".", 1)[-1]
        default = getattr(module, "VISIBILITY", "hidden")
        own = _marks(module)
        for name, obj in list(vars(module).items()):
            if _is_fixture(obj):
                found.setdefault(name, obj)
                continue
            is_test = (name.startswith("test") and callable(obj)) or (name.startswith("Test") and isinstance(obj, type))
            marks = own + _marks(obj)
            katas = {m.name for m in _marks(obj) if m.name.startswith("kata_")} \
                or {m.name for m in own if m.name.startswith("kata_")}  # a test's own kata marker wins
            if not is_test or ("kata_" + kata) not in katas:
                continue
            visibility = next((m.args[0] for m in reversed(marks) if m.name == "visibility" and m.args), default)
            if visibility not in VISIBILITIES:
                raise ValueError(f"{module.__name__}.{name}: visibility {visibility!r} is not one of {VISIBILITIES}")
            for mark in own:  # the module's other marks go with the test into the kata's file
                if not mark.name.startswith("kata_"):
                    obj = pytest.MarkDecorator(mark)(obj)
            prefix = "Test" if isinstance(obj, type) else "test"
            found[f"{prefix}__{visibility}__{short}__{name}"] = obj
    return found
'''

FOOTER = """

# Hidden checks of this kata, from the instructor's --hidden directory (the grader's copy only).
from tests._nn_hidden import checks_for as _nn_hidden_checks  # noqa: E402
globals().update(_nn_hidden_checks({kata!r}))
"""


def files(hidden: Path) -> list[Path]:
    return sorted(p for p in Path(hidden).rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def check(hidden: str | Path) -> Path:
    """The directory, if it holds test modules; else ValueError with the reason."""
    hidden = Path(hidden)
    if not hidden.is_dir():
        raise ValueError(f"--hidden {hidden}: no such directory")
    if not [p for p in files(hidden) if p.suffix == ".py" and (p.name.startswith("test_") or p.name.endswith("_test.py"))]:
        raise ValueError(f"--hidden {hidden}: no test modules (test_*.py) in it")
    return hidden.resolve()


def digest(hidden: str | Path | None) -> str:
    """What the hidden checks are, for deciding whether a stored report is still current."""
    if not hidden:
        return ""
    h = hashlib.sha256()
    for p in files(Path(hidden)):
        h.update(str(p.relative_to(hidden)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def install(work: Path, hidden: Path) -> None:
    """Copy the hidden tests into the grader's copy ``work`` and hook each kata's file to them."""
    dest = work / "tests" / "hidden"
    shutil.copytree(hidden, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "conftest.py"))
    for d in [dest, *(p for p in dest.rglob("*") if p.is_dir())]:
        init = d / "__init__.py"
        if not init.exists():
            init.write_text("")
    (work / "tests" / "_nn_hidden.py").write_text(LOADER)
    for kata in manifest.katas():
        path = work / kata.test_file
        path.write_text(path.read_text() + FOOTER.format(kata=kata.name))
    ini = work / "pytest.ini"
    ini.write_text(ini.read_text() + "markers =\n    visibility(which): visible, hidden or after_due_date\n")
