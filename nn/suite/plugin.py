"""The pytest side of the kata suite: ``--impl``, hypothesis profiles, per-kata markers,
isolation of one kata from the others, a time limit, and failures that read as lessons.

Loaded from the project's ``conftest.py``.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import signal
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from .. import manifest
from . import diagnose, oracles
from .assertions import KataFailure
from ..impl import Implementation, ImplementationError, resolve_impl_dir

DEFAULT_TIMEOUT = 30.0
_common = dict(
    # No shrinking: reports show shapes and the worst entry, not the example itself, and
    # shrinking a learner's failing test costs more time than the whole passing suite.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
    deadline=None,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)
# Both everyday profiles are derandomised: the same code gives the same verdict every run.
settings.register_profile("learner", max_examples=12, derandomize=True, **_common)
settings.register_profile("ci", max_examples=60, derandomize=True, **_common)
# For the flakiness check only: a different pseudo-random search for each --hypothesis-seed.
settings.register_profile("seeds", max_examples=12, derandomize=False, **_common)
settings.load_profile(os.environ.get("NN_KATAS_PROFILE") or ("ci" if os.environ.get("CI") else "learner"))


class KataTimeout(BaseException):
    """Raised when a learner's function runs past the time limit (an infinite loop, usually).

    A BaseException so that a learner's ``except Exception`` cannot swallow it.
    """


def pytest_addoption(parser):
    group = parser.getgroup("nn-katas")
    group.addoption("--impl", default="katas",
                    help="implementation directory to test: katas (default), solutions, or any directory laid out like katas/")
    group.addoption("--kata-timeout", type=float, default=DEFAULT_TIMEOUT,
                    help=f"seconds one test may run before it is stopped (default {DEFAULT_TIMEOUT:g})")
    group.addoption("--report-json", default=None, help="write each test's outcome, message and misconception to this file")
    group.addoption("--worker", default="in-process", choices=["in-process", "process", "bwrap"],
                    help="where the implementation's code runs: in this process (default), in a separate worker "
                    "process, or in a worker inside a bubblewrap sandbox (what grading uses)")
    group.addoption("--worker-memory-mb", type=int, default=2048, help=argparse.SUPPRESS)
    group.addoption("--impl-label", default=None, help=argparse.SUPPRESS)  # how messages name --impl's directory
    # The grading process runs without pytest's terminal plugin, which owns --tb; this sets the
    # same setting, so that failures are not formatted into tracebacks nobody reads.
    group.addoption("--nn-tbstyle", dest="tbstyle", default="auto", help=argparse.SUPPRESS)


def pytest_configure(config):
    for kata in manifest.katas():
        config.addinivalue_line("markers", f"{kata.marker}: tests of the {kata.name!r} kata ({kata.title})")
    config.addinivalue_line("markers", "slow: long-running checks of the suite itself")
    config._nn_results = {}


def _make_implementation(config):
    try:
        directory = resolve_impl_dir(config.getoption("--impl"), root=Path(str(config.rootpath)))
        mode = config.getoption("--worker")
        if mode != "in-process":
            from .remote import RemoteImplementation

            return RemoteImplementation(directory, mode, label=config.getoption("--impl-label"),
                                        memory_mb=config.getoption("--worker-memory-mb"))
        return Implementation(directory, stand_ins=oracle_module, label=config.getoption("--impl-label"))
    except ImplementationError as exc:
        pytest.exit(str(exc), returncode=4)


@pytest.fixture(scope="session")
def implementation(request):
    config = request.config
    if getattr(config, "_nn_implementation", None) is None:
        config._nn_implementation = _make_implementation(config)
    return config._nn_implementation


def pytest_unconfigure(config):
    implementation = getattr(config, "_nn_implementation", None)
    if hasattr(implementation, "close"):
        implementation.close()


def oracle_module(name: str) -> types.ModuleType:
    """A module holding the oracles for every function of module ``name``."""
    module = types.ModuleType(name)
    for kata in manifest.katas():
        if kata.module == name:
            for fname in kata.functions:
                setattr(module, fname, getattr(oracles, fname))
    return module


def kata_of(item) -> manifest.Kata | None:
    for mark in item.iter_markers():
        if mark.name.startswith("kata_"):
            return manifest.get(mark.name[len("kata_"):])
    return None


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
        from .remote import RemoteError, WorkerDied
        from ..worker import ProtocolError

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
                raise
            except WorkerDied:
                raise KataFailure(f"{name}() ended the process it ran in (os._exit, a crash, or the memory "
                                  f"limit of the worker)") from None
            except ProtocolError as exc:
                raise KataFailure(f"{name}() broke the worker's protocol: {exc}") from None

        learner_function.__name__ = learner_function.__qualname__ = name
        return learner_function


@pytest.fixture
def impl(request, implementation, monkeypatch):
    """The implementation under test, with every *other* kata's functions replaced by
    trusted oracles, so that a test fails only for its own kata's code."""
    kata = kata_of(request.node)
    if not isinstance(implementation, Implementation):  # a worker process: it stands in on request
        implementation.stand_ins = {f: other.module for other in manifest.katas()
                                    if kata is not None and other.name != kata.name for f in other.functions}
        return RemoteKataFunctions(implementation)
    modules = {}
    for name in manifest.MODULES:
        try:
            modules[name] = implementation.module(name)
        except (ImplementationError, KataTimeout):
            continue  # reported by the tests of the katas that live there
    for other in manifest.katas():
        if kata is None or other.name == kata.name or other.module not in modules:
            continue
        for fname in other.functions:
            original = getattr(modules[other.module], fname, None)
            stand_in = getattr(oracles, fname)
            if original is None:
                continue
            for module in modules.values():
                for gname, value in list(vars(module).items()):
                    if value is original:
                        monkeypatch.setattr(module, gname, stand_in)
    return KataFunctions(implementation)


class KataNotStarted(BaseException):
    """A learner's function still raises NotImplementedError.

    A BaseException so that hypothesis stops at once instead of shrinking an input
    that every example would fail on anyway.
    """


def _on_alarm(signum, frame):
    raise KataTimeout()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    # Setup imports the implementation: a loop at import time is caught here.
    with _time_limit(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _time_limit(item):
        yield


def _time_limit(item):
    # Only kata tests run learner code; the suite's own checks may take as long as they need.
    limit = item.config.getoption("--kata-timeout") if kata_of(item) is not None else 0
    return _time_limit_seconds(limit)


@contextlib.contextmanager
def _time_limit_seconds(limit):
    use_alarm = limit and limit > 0 and hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _find(exc, kinds):
    """The first exception of one of ``kinds`` in exc, its causes, or an exception group."""
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kinds):
            return e
        stack.extend(getattr(e, "exceptions", ()))
        stack.append(e.__cause__)
        stack.append(e.__context__)
    return None


def _learner_frame(excinfo, item) -> str:
    """'katas/layers.py, line 12: return W @ A_prev + b.T' for the deepest frame in the implementation."""
    implementation = item.funcargs.get("implementation") if hasattr(item, "funcargs") else None
    if implementation is None:
        return ""
    found = ""
    for entry in excinfo.traceback:
        path = Path(str(entry.path))
        if path.parent == implementation.path:
            line = str(entry.statement).strip().splitlines()[0] if entry.statement else ""
            found = f"{implementation.display(path.stem)}, line {entry.lineno + 1}: {line}"
    return found


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    kata = kata_of(item)
    rep.kata = kata.name if kata else None
    rep.status = rep.outcome
    rep.message = ""
    rep.misconception = None
    if rep.failed and call.excinfo is not None:
        _explain(item, call, rep, kata)
    _record(item, rep)


def _explain(item, call, rep, kata) -> None:
    """Replace the traceback of a known kind of failure by the lesson it carries."""
    exc = call.excinfo.value
    check = _first_line(getattr(getattr(item, "function", None), "__doc__", None)) or item.name
    where = where_kata = f"{kata.name}: " if kata else ""
    found = _find(exc, (KataNotStarted, NotImplementedError, KataTimeout, KataFailure))
    if isinstance(found, (KataNotStarted, NotImplementedError)):
        rep.status, rep.misconception = "not-started", "not-started"
        detail = str(found) or "the function still raises NotImplementedError"
        rep.message = f"not started: {detail}"
        rep.longrepr = f"{where}{rep.message}"
    elif isinstance(found, KataTimeout):
        limit = item.config.getoption("--kata-timeout")
        rep.message = (f"stopped after {limit:g} s: the code under test did not finish "
                       f"(an infinite loop, or a loop over every entry that is far too slow)")
        rep.longrepr = f"{where}{check}\n  {rep.message}"
    elif isinstance(found, KataFailure):
        rep.misconception = found.misconception
        rep.message = str(found)
        rep.longrepr = f"{where}{check}\n  {rep.message}"
    else:
        where = _learner_frame(call.excinfo, item) or getattr(exc, "where", "")
        rep.message = f"{type(exc).__name__}: {exc}" + (f"\n  raised at {where}" if where else "")
        if isinstance(exc, ValueError) and any(w in str(exc) for w in ("broadcast", "matmul", "shapes", "aligned")):
            rep.misconception = "shape-error"
            m = diagnose.get("shape-error")
            rep.message += f"\n  likely mistake: {m.title}\n  hint: {m.hint}"
        if where and item.config.getoption("tbstyle", "auto") in ("line", "no"):
            rep.longrepr = f"{where_kata}{check}\n  {rep.message}"


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report, config):
    if getattr(report, "status", None) == "not-started" and report.when == "call":
        return "failed", "n", ("NOT STARTED", {"yellow": True})
    return None


def pytest_collection_modifyitems(session, config, items):
    config._nn_expected = [item.nodeid for item in items]


def _record(item, rep) -> None:
    """Keep one result per test: a failed setup or teardown outranks a passed call."""
    results = item.config._nn_results
    if rep.when != "call" and rep.passed:
        return
    if rep.when == "teardown" and item.nodeid in results and results[item.nodeid]["outcome"] != "passed":
        return
    outcome = rep.outcome if rep.when == "call" or rep.skipped else "error"
    results[item.nodeid] = {
        "nodeid": item.nodeid,
        "check": _first_line(getattr(getattr(item, "function", None), "__doc__", None)) or item.name,
        "kata": rep.kata,
        "outcome": outcome,
        "status": rep.status if rep.when == "call" else outcome,
        "message": rep.message or (str(rep.longrepr)[-2000:] if rep.failed else ""),
        "misconception": rep.misconception,
    }


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("--report-json")
    if path:
        Path(path).write_text(json.dumps({
            "expected": getattr(session.config, "_nn_expected", []),
            "results": list(session.config._nn_results.values()),
        }, indent=1))


