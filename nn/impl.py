"""Loading an implementation: ``katas/``, ``solutions/`` or any directory laid out like them.

Each directory is imported as a private package with a name derived from its absolute
path, so two implementations never share a module in one process, and sibling imports
inside it (``from .activations import relu``) resolve within the same directory.
Every module is imported on its own, so a syntax error in one file only costs the
katas that live in that file.

This module needs nothing but the standard library: the sandboxed worker (``nn/worker/serve.py``)
loads it as a plain file, with the rest of ``nn`` out of its sight.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shown(directory: Path) -> str:
    """A directory as messages name it: relative to where the command runs, if inside it."""
    try:
        return f"{directory.relative_to(Path.cwd())}/"
    except ValueError:
        return f"{directory}/"


class ImplementationError(Exception):
    """An implementation directory or module that cannot be used, said in plain words."""


def resolve_impl_dir(spec: str | Path, cwd: Path | None = None, root: Path = PROJECT_ROOT) -> Path:
    """Find the directory that ``--impl spec`` means.

    Absolute paths are taken as they are. A relative path is looked up from the
    current directory first, then from the project root, so ``--impl solutions``
    works from any directory inside the project.
    """
    spec_path = Path(spec).expanduser()
    candidates = [spec_path] if spec_path.is_absolute() else [
        (cwd or Path.cwd()) / spec_path,
        root / spec_path,
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    tried = ", ".join(dict.fromkeys(str(c) for c in candidates))
    raise ImplementationError(f"--impl {spec}: no such directory (looked for {tried})")


def _describe_import_error(path: Path, exc: BaseException, shown: str | None = None) -> str:
    if isinstance(exc, SyntaxError):
        # The error may lie in a sibling module this one imports: name the file it is in.
        if shown and exc.filename and Path(exc.filename).resolve() != path.resolve():
            shown = shown[: -len(path.name)] + Path(exc.filename).name
        where = f"{shown or exc.filename or path}, line {exc.lineno}"
        text = (exc.text or "").rstrip("\n")
        caret = ""
        if text and exc.offset:
            caret = "\n    " + " " * (exc.offset - 1 - (len(text) - len(text.lstrip()))) + "^"
        code = f"\n    {text.strip()}{caret}" if text else ""
        return f"{where}: {type(exc).__name__}: {exc.msg}{code}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).parent == path.parent]
    where = f"{shown or frames[-1].filename}, line {frames[-1].lineno}" if frames else (shown or str(path))
    return f"importing {path.name} failed at {where}: {type(exc).__name__}: {exc}"


class Implementation:
    """One implementation directory, importable module by module."""

    def __init__(self, directory: str | Path, stand_ins=None, label: str | None = None):
        """``stand_ins(module_name)``, if given, returns a module to use in place of one that
        cannot be imported, so that ``from .activations import relu`` in network.py still
        works while activations.py has a syntax error. ``label`` is how messages name the
        directory (``katas/``), where that differs from where it is read."""
        self.stand_ins = stand_ins
        self.label = label
        self.path = Path(directory).resolve()
        if not self.path.is_dir():
            raise ImplementationError(f"implementation directory {self.path} does not exist")
        digest = hashlib.sha1(str(self.path).encode()).hexdigest()[:12]
        self.package_name = f"_nn_impl_{digest}"
        self._package = self._make_package()
        self._broken: dict[str, str] = {}

    def _make_package(self) -> ModuleType:
        existing = sys.modules.get(self.package_name)
        if existing is not None:
            return existing
        # The package is built by hand rather than by running the directory's
        # __init__.py, so a broken or hostile __init__ cannot stop every kata.
        spec = importlib.machinery.ModuleSpec(self.package_name, None, is_package=True)
        spec.submodule_search_locations = [str(self.path)]
        package = importlib.util.module_from_spec(spec)
        package.__path__ = [str(self.path)]
        sys.modules[self.package_name] = package
        return package

    def _stand_in(self, name: str) -> None:
        if self.stand_ins is not None:
            module = self.stand_ins(name)
            module.__name__ = f"{self.package_name}.{name}"
            sys.modules[module.__name__] = module

    def file_of(self, module: str) -> Path:
        return self.path / f"{module}.py"

    def display(self, module: str | None = None) -> str:
        """A short name for messages: ``katas/activations.py`` rather than a long path."""
        return (self.label if self.label is not None else shown(self.path)) + (f"{module}.py" if module else "")

    def module(self, name: str) -> ModuleType:
        full = f"{self.package_name}.{name}"
        if name in self._broken:
            raise ImplementationError(self._broken[name])
        if full in sys.modules:
            return sys.modules[full]
        path = self.file_of(name)
        if not path.is_file():
            self._broken[name] = f"{self.display()} has no {name}.py"
            self._stand_in(name)
            raise ImplementationError(self._broken[name])
        try:
            return importlib.import_module(full)
        except Exception as exc:  # any failure at import is the submission's, not ours
            sys.modules.pop(full, None)
            self._broken[name] = _describe_import_error(path, exc, self.display(name))
            self._stand_in(name)
            raise ImplementationError(self._broken[name]) from None
        except BaseException as exc:
            sys.modules.pop(full, None)
            if type(exc).__name__ == "KataTimeout":
                # Remember it, so the next test does not wait out the same loop again.
                self._broken[name] = f"importing {self.display(name)} did not finish within the time limit (a loop at module level?)"
                self._stand_in(name)
                raise
            self._broken[name] = f"importing {self.display(name)} raised {type(exc).__name__}: code at module level must not exit"
            self._stand_in(name)
            raise ImplementationError(self._broken[name]) from None

    def function(self, name: str):
        from . import manifest  # in the package only: the worker asks for module and function by name

        kata = manifest.kata_of_function(name)
        module = self.module(kata.module)
        fn = getattr(module, name, None)
        if not callable(fn):
            raise ImplementationError(f"{self.display(kata.module)} has no function {name}()")
        return fn

    def loaded_modules(self) -> dict[str, ModuleType]:
        prefix = self.package_name + "."
        return {k[len(prefix):]: m for k, m in list(sys.modules.items()) if k.startswith(prefix) and m}


def references(namespace: dict, target) -> list[tuple[object, object]]:
    """Where a module's namespace refers to ``target``: ``(container, key)`` for a global, a
    value of a dict or an item of a list held in a global, and a function's default argument
    (key ``"__defaults__"``). Standing in for a function means replacing it in all of these."""
    found: list = []
    for name, value in list(namespace.items()):
        if value is target:
            found.append((namespace, name))
        elif isinstance(value, dict):
            found += [(value, k) for k, v in list(value.items()) if v is target]
        elif isinstance(value, list):
            found += [(value, i) for i, v in enumerate(value) if v is target]
        elif callable(value) and getattr(value, "__module__", None) == namespace.get("__name__"):
            if any(d is target for d in (getattr(value, "__defaults__", None) or ())):
                found.append((value, "__defaults__"))
            kwdefaults = getattr(value, "__kwdefaults__", None) or {}
            found += [(kwdefaults, k) for k, v in kwdefaults.items() if v is target]
    return found


def replace(container, key, target, new):
    """Put ``new`` where ``references`` found ``target``; returns the value to restore later."""
    if key == "__defaults__" and not isinstance(container, (dict, list)):
        old = container.__defaults__
        container.__defaults__ = tuple(new if d is target else d for d in old)
        return old
    old = container[key]
    container[key] = new
    return old


def restore(container, key, old) -> None:
    if key == "__defaults__" and not isinstance(container, (dict, list)):
        container.__defaults__ = old
    else:
        container[key] = old


def binds(function, args, kwargs) -> bool:
    """Whether ``function(*args, **kwargs)`` fits its signature (True when it has none to read)."""
    import inspect

    try:
        inspect.signature(function).bind(*args, **kwargs)
        return True
    except TypeError:
        return False
    except ValueError:
        return True
