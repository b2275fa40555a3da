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

import ast
import hashlib
import shutil
from pathlib import Path

from .. import manifest
from .scoring import VISIBILITIES

LOADER = '''"""Written by the grader: the hidden checks of one kata, under names that say their visibility."""
import importlib
from pathlib import Path

from nn.grade.scoring import VISIBILITIES

_ROOT = Path(__file__).resolve().parent
_MODULES = []


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


def _is_test_module(path: Path) -> bool:
    return path.suffix == ".py" and (path.name.startswith("test_") or path.name.endswith("_test.py"))


def check(hidden: str | Path) -> Path:
    """The directory, if it holds test modules and ``problems`` finds nothing wrong in them;
    else ValueError with every problem, each whole, before anyone is graded."""
    hidden = Path(hidden)
    if not hidden.is_dir():
        raise ValueError(f"--hidden {hidden}: no such directory")
    if not [p for p in files(hidden) if _is_test_module(p)]:
        raise ValueError(f"--hidden {hidden}: no test modules (test_*.py) in it")
    found = problems(hidden)
    if found:
        raise ValueError(f"--hidden {hidden}: " + ("\n  ".join([""] + found) if len(found) > 1 else found[0]))
    return hidden.resolve()


def _kata_marks(node) -> list[tuple[str, int]]:
    """(kata, line) of every ``pytest.mark.kata_NAME`` written in ``node``."""
    return [(n.attr[len("kata_"):], n.lineno) for n in ast.walk(node)
            if isinstance(n, ast.Attribute) and n.attr.startswith("kata_")]


def _visibilities(node) -> list[tuple[object, int]]:
    """(value, line) of every ``pytest.mark.visibility(VALUE)`` written in ``node``."""
    return [(n.args[0].value if isinstance(n.args[0], ast.Constant) else None, n.lineno) for n in ast.walk(node)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "visibility" and n.args]


def problems(hidden: Path) -> list[str]:
    """What would make hidden checks silently wrong, read from the source before anything runs:
    a module that does not parse; a test with no kata marker (it would never run) or with one
    that names no kata (``kata_rellu``); a visibility that is not one of the three; a call
    ``impl.fn("NAME")`` for a function no kata has (every student would fail it)."""
    katas = {k.name for k in manifest.katas()}
    functions = {f for k in manifest.katas() for f in k.functions}
    found = []
    for path in (p for p in files(hidden) if p.suffix == ".py"):
        where = path.relative_to(hidden).as_posix()
        try:
            tree = ast.parse(path.read_bytes(), filename=where)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            text = (getattr(exc, "text", None) or "").strip()
            found.append(f"{where}, line {line}: {type(exc).__name__}: {getattr(exc, 'msg', exc)}"
                         + (f": {text}" if text else ""))
            continue
        marks = [m for n in tree.body if isinstance(n, ast.Assign)
                 and any(getattr(t, "id", None) == "pytestmark" for t in n.targets) for m in _kata_marks(n.value)]
        for n in tree.body:
            if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "VISIBILITY" for t in n.targets):
                value = n.value.value if isinstance(n.value, ast.Constant) else None
                if value not in VISIBILITIES:
                    found.append(f"{where}, line {n.lineno}: VISIBILITY = {ast.unparse(n.value)} is not one of "
                                 f"{', '.join(VISIBILITIES)}")
        for n in ast.walk(tree):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "fn" and n.args \
                    and isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, str) \
                    and n.args[0].value not in functions:
                found.append(f"{where}, line {n.lineno}: impl.fn({n.args[0].value!r}) names no kata's function; "
                             f"they are: {', '.join(sorted(functions))}")
        if not _is_test_module(path):
            continue
        written = list(marks)  # every kata marker of the module, its own and its tests'
        for n in tree.body:
            is_test = (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")) \
                or (isinstance(n, ast.ClassDef) and n.name.startswith("Test"))
            if not is_test:
                continue
            own = [m for d in n.decorator_list for m in _kata_marks(d)]
            written += own
            if not own and not marks:
                found.append(f"{where}, line {n.lineno}: {n.name} has no kata marker (pytestmark = "
                             f"pytest.mark.kata_NAME, or a decorator): it would never run")
            for value, line in (v for d in n.decorator_list for v in _visibilities(d)):
                if value not in VISIBILITIES:
                    found.append(f"{where}, line {line}: visibility {value!r} is not one of {', '.join(VISIBILITIES)}")
        found += [f"{where}, line {line}: kata_{kata} is not a kata marker; the katas are: {', '.join(katas)}"
                  for kata, line in sorted(written, key=lambda m: m[1]) if kata not in katas]
    return found


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
