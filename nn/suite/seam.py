"""What a test sees of the implementation under test: ``impl.fn("softmax")``.

In the learner's own process (``KataFunctions``) or through a worker process
(``RemoteKataFunctions``, what grading uses), the same seam: a call that raises
NotImplementedError reads as "not started", one that exits or is interrupted fails its
check, and a call that does not match the stub's signature says so.
"""
from __future__ import annotations

import ast
import functools
import inspect
import types

from .. import manifest
from ..impl import Implementation, ImplementationError
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


def _binds(function, args, kwargs) -> bool:
    try:
        inspect.signature(function).bind(*args, **kwargs)
        return True
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): assume it binds
        return True


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
            try:
                return function(*args, **kwargs)
            except NotImplementedError as exc:
                raise KataNotStarted(str(exc) or f"{name} still raises NotImplementedError") from None
            except (SystemExit, GeneratorExit) as exc:  # a learner's Ctrl-C still stops their own run
                raise KataFailure(f"{name}() raised {type(exc).__name__}: a function must return its answer") from None
            except TypeError:
                if not _binds(function, args, kwargs):
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
        from ..protocol import ProtocolError
        from .remote import RemoteError, WorkerDied

        remote = self.implementation
        module = manifest.kata_of_function(name).module
        remote._ensure()
        if remote.module_error(module):
            raise KataFailure(remote.module_error(module))

        def learner_function(*args, **kwargs):
            try:
                return remote.call(module, name, args, kwargs)
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
