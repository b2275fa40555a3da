"""A snapshot of the modules the grader trusts, to see whether a submission changed them.

Taken after the harness is imported and before any submission code runs; checked after
the submission's modules are imported and after every test. What changed is put back, and
the kata whose code changed it fails.
"""
from __future__ import annotations

import builtins
import sys

# The modules whose functions decide a verdict: the checks (numpy, scipy.special, ours),
# the machinery that runs them and reports (pytest, pluggy, hypothesis) and builtins.
WATCHED = ("numpy", "numpy.testing", "numpy.linalg", "numpy.random", "numpy.lib", "numpy.core", "numpy._core",
           "numpy._core.numeric", "numpy._core.fromnumeric", "numpy.testing._private.utils", "scipy.special",
           "pytest", "_pytest.python", "_pytest.runner", "_pytest.reports", "_pytest.outcomes", "_pytest.fixtures",
           "_pytest.main", "_pytest.nodes", "_pytest.config", "_pytest.skipping", "pluggy", "pluggy._hooks",
           "pluggy._callers", "pluggy._manager", "hypothesis", "hypothesis.core", "math", "copy", "warnings",
           "json", "signal", "functools")


def _trusted(name: str) -> bool:
    return name in WATCHED or name == "nn" or name.startswith("nn.")


class Snapshot:
    def __init__(self):
        self.modules = {}
        for name, module in list(sys.modules.items()):
            if module is not None and _trusted(name):
                try:
                    self.modules[name] = (module, _watched(vars(module)))
                except TypeError:
                    continue
        self.modules["builtins"] = (builtins, _watched(vars(builtins)))
        self.module_objects = {name: entry[0] for name, entry in self.modules.items()}

    def changes(self) -> list[str]:
        """What differs from the snapshot: replaced modules, and attributes set, replaced or deleted."""
        found = []
        for name, (module, attrs) in self.modules.items():
            if sys.modules.get(name, module) is not module:
                found.append(f"sys.modules[{name!r}] was replaced")
            current = vars(module)
            for attr, value in attrs.items():
                if attr in ("__loader__", "__spec__", "__cached__", "__builtins__"):
                    continue
                if current.get(attr, _MISSING) is not value and not _benign(name, attr):
                    found.append(f"{name}.{attr} was changed")
            for attr in current.keys() - attrs.keys():
                if not attr.startswith("_") and not _benign(name, attr) and _is_code(current[attr]):
                    found.append(f"{name}.{attr} was added")
        return found

    def restore(self) -> None:
        for name, (module, attrs) in self.modules.items():
            sys.modules[name] = module
            current = vars(module)
            for attr, value in attrs.items():
                if current.get(attr, _MISSING) is not value:
                    try:
                        setattr(module, attr, value)
                    except (AttributeError, TypeError):
                        pass


_MISSING = object()


def _is_code(value) -> bool:
    """Functions, classes, modules: what grading calls. Plain data (flags, counters) the
    harness updates as it runs, and changing it cannot change a verdict."""
    return callable(value) or isinstance(value, type(sys))


def _watched(namespace: dict) -> dict:
    return {k: v for k, v in namespace.items() if _is_code(v)}


def _benign(module: str, attr: str) -> bool:
    """Attributes the harness itself changes as it runs: private caches and lazily imported submodules."""
    if attr.startswith("__"):
        return True
    if attr.startswith("_") and module != "builtins":
        return True
    return f"{module}.{attr}" in sys.modules
