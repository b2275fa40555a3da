"""What a test sees of the implementation under test: ``impl.fn("softmax")``.

In the learner's own process (``KataFunctions``) or through a worker process
(``RemoteKataFunctions``, what grading uses), the same seam: a call that raises
NotImplementedError reads as "not started", one that exits or is interrupted fails its
check, and a call that does not match the stub's signature says so.
"""
from __future__ import annotations

import ast
import functools
import types

import numpy as np

from .. import manifest
from ..impl import Implementation, ImplementationError, binds
from . import oracles
from .assertions import KataFailure


class KataTimeout(BaseException):
    """Raised when a learner's function runs past the time limit (an infinite loop, usually).

    A BaseException so that a learner's ``except Exception`` cannot swallow it.
    """


class KataNotStarted(BaseException):
    """A learner's function still raises NotImplementedError.

    A BaseException so that hypothesis stops at once instead of shrinking an input
    that every example would fail on anyway.
    """


def stub_signature(name: str) -> str:
    """``train(X, labels, *, alpha, iterations, rng, n_hidden=10)`` as the shipped stub has it."""
    from ..stubs import pristine_files

    module = manifest.kata_of_function(name).module
    try:
        tree = ast.parse(pristine_files()[f"{module}.py"])
    except (KeyError, SyntaxError, OSError):
        return f"{name}(...)"
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return f"{name}({ast.unparse(node.args)})"
    return f"{name}(...)"


def signature_failure(name: str) -> KataFailure:
    return KataFailure(f"{name}() does not accept the arguments the stub's signature gives it: keep the "
                       f"stub's signature, {stub_signature(name)}")


# The arguments a function may change: update's params (in place or not, both are allowed)
# and numerical_gradient's x (nudged, then put back: a check of its own says whether it was).
# Generators advance as they are drawn from; everything else must come back as it went in.
MAY_CHANGE = {"update": "params", "numerical_gradient": "x"}


@functools.lru_cache(maxsize=None)  # the shipped stubs do not change while the suite runs
def _parameters(name: str) -> tuple[str, ...]:
    """The stub's parameter names, in order."""
    from ..stubs import pristine_files

    try:
        tree = ast.parse(pristine_files()[f"{manifest.kata_of_function(name).module}.py"])
    except (KeyError, SyntaxError, OSError):
        return ()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return tuple(a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs)
    return ()


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_snapshot(v) for v in value]
    return None  # scalars, Generators, functions: nothing to compare


def _same(before, after) -> bool:
    if before is None:
        return True
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and after.shape == before.shape
                and np.array_equal(after, before, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, dict):
        return isinstance(after, dict) and after.keys() == before.keys() and all(_same(before[k], after[k]) for k in before)
    return isinstance(after, (list, tuple)) and len(after) == len(before) and all(map(_same, before, after))


class InputGuard:
    """Every call must leave its inputs as they were (but those ``MAY_CHANGE`` allows): a
    function that writes into its arguments fails the check, whatever it returns, so that no
    check can be passed by changing what the test compares against."""

    def __init__(self, name: str, args: tuple, kwargs: dict):
        names = _parameters(name)
        self.name, self.args, self.kwargs = name, args, kwargs
        self.labelled = [(names[i] if i < len(names) else f"argument {i + 1}", v) for i, v in enumerate(args)]
        self.labelled += list(kwargs.items())
        allowed = MAY_CHANGE.get(name)
        self.before = [(label, _snapshot(v)) for label, v in self.labelled if label != allowed]

    def check(self) -> None:
        current = dict(self.labelled)
        for label, before in self.before:
            if not _same(before, current[label]):
                raise KataFailure(f"{self.name}() modified its argument {label}: it must leave its inputs as "
                                  f"they were (work on a copy, or build a new array)", "mutates-input")


def oracle_module(name: str) -> types.ModuleType:
    """A module holding the oracles for every function of module ``name``."""
    module = types.ModuleType(name)
    for kata in manifest.katas():
        if kata.module == name:
            for fname in kata.functions:
                setattr(module, fname, getattr(oracles, fname))
    return module


class KataFunctions:
    """What a test sees: ``impl.fn("softmax")`` is the implementation's softmax."""

    def __init__(self, implementation: Implementation):
        self.implementation = implementation

    def fn(self, name: str):
        try:
            function = self.implementation.function(name)
        except ImplementationError as exc:
            raise KataFailure(str(exc)) from None

        @functools.wraps(function)
        def learner_function(*args, **kwargs):
            guard = InputGuard(name, args, kwargs)
            try:
                result = function(*args, **kwargs)
                guard.check()
                return result
            except NotImplementedError as exc:
                raise KataNotStarted(str(exc) or f"{name} still raises NotImplementedError") from None
            except (SystemExit, GeneratorExit) as exc:  # a learner's Ctrl-C still stops their own run
                raise KataFailure(f"{name}() raised {type(exc).__name__}: a function must return its answer") from None
            except TypeError:
                if not binds(function, args, kwargs):
                    raise signature_failure(name) from None
                raise

        return learner_function

    def module(self, name: str):
        try:
            return self.implementation.module(name)
        except ImplementationError as exc:
            raise KataFailure(str(exc)) from None


class RemoteKataFunctions:
    """The same seam as ``KataFunctions``, for an implementation run by a worker process:
    ``impl.fn("softmax")`` sends each call there and rebuilds what comes back."""

    def __init__(self, implementation):
        self.implementation = implementation

    def fn(self, name: str):
        from ..worker.protocol import ProtocolError
        from ..worker.remote import RemoteError, WorkerDied

        remote = self.implementation
        module = manifest.kata_of_function(name).module
        remote._ensure()
        if remote.module_error(module):
            raise KataFailure(remote.module_error(module))

        def learner_function(*args, **kwargs):
            guard = InputGuard(name, args, kwargs)
            try:
                result = remote.call(module, name, args, kwargs)
                guard.check()
                return result
            except ImplementationError as exc:
                raise KataFailure(str(exc)) from None
            except NotImplementedError as exc:
                raise KataNotStarted(str(exc) or f"{name} still raises NotImplementedError") from None
            except RemoteError as exc:
                if type(exc).__name__ in ("KeyboardInterrupt", "SystemExit", "GeneratorExit"):
                    raise KataFailure(f"{name}() raised {type(exc).__name__}: a function must return its answer") from None
                if getattr(exc, "signature", False):
                    raise signature_failure(name) from None
                raise
            except WorkerDied:
                raise KataFailure(f"{name}() ended the process it ran in (os._exit, a crash, or the memory "
                                  f"limit of the worker)") from None
            except ProtocolError as exc:
                raise KataFailure(f"{name}() broke the worker's protocol: {exc}") from None

        learner_function.__name__ = learner_function.__qualname__ = name
        return learner_function
