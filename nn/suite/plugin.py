"""The pytest side of the kata suite: ``--impl``, hypothesis profiles, per-kata markers,
isolation of one kata from the others, a time limit, and failures that read as lessons.

Loaded as a ``pytest11`` entry point, and from the project's ``conftest.py`` when the project
is not installed (one registration either way: the entry point bears the module's name).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from .. import manifest
from ..impl import Implementation, ImplementationError, references, replace, resolve_impl_dir, restore
from .assertions import KataFailure
from .lessons import check_title, explain, find_exception
from .rootdir import pytest_load_initial_conftests  # noqa: F401 (`--impl DIR` outside the project)
from .seam import KataFunctions, KataNotStarted, KataTimeout, RemoteKataFunctions, oracle_module  # noqa: F401
from . import oracles

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


def pytest_addoption(parser):
    group = parser.getgroup("nn-katas")
    group.addoption("--impl", default=manifest.DEFAULT_IMPL,
                    help="implementation directory to test: katas (default), solutions, or any directory laid out like katas/")
    group.addoption("--check-timeout", type=float, default=manifest.CHECK_TIMEOUT,
                    help=f"seconds one check (one test) may run before it is stopped (default {manifest.CHECK_TIMEOUT:g})")
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
    config._nn_results = {}
    config._nn_timed_out = set()
    unknown = sorted({m for m in re.findall(r"\bkata_\w+", config.option.markexpr or "")}
                     - {k.marker for k in manifest.katas()})
    if unknown:
        raise pytest.UsageError(f"-m {config.option.markexpr!r}: no kata is marked {', '.join(unknown)}; "
                                f"the kata markers are {', '.join(k.marker for k in manifest.katas())}")


def _make_implementation(config):
    try:
        directory = resolve_impl_dir(config.getoption("--impl"), root=Path(str(config.rootpath)))
        mode = config.getoption("--worker")
        if mode != "in-process":
            from ..worker.remote import RemoteImplementation

            return RemoteImplementation(directory, mode, label=config.getoption("--impl-label"),
                                        memory_mb=config.getoption("--worker-memory-mb"),
                                        import_timeout=config.getoption("--check-timeout"),
                                        stand_in_functions=oracles)
        return Implementation(directory, stand_ins=oracle_module, label=config.getoption("--impl-label"))
    except ImplementationError as exc:
        pytest.exit(str(exc), returncode=4)


@pytest.fixture(scope="session")
def implementation(request):
    config = request.config
    if getattr(config, "_nn_implementation", None) is None:
        config._nn_implementation = _make_implementation(config)
        _RUNNING.update(path=config._nn_implementation.path, display=config._nn_implementation.display)
    return config._nn_implementation


def pytest_unconfigure(config):
    implementation = getattr(config, "_nn_implementation", None)
    if hasattr(implementation, "close"):
        implementation.close()


def kata_of(item) -> manifest.Kata | None:
    for mark in item.iter_markers():
        if mark.name.startswith("kata_"):
            return manifest.get(mark.name[len("kata_"):])
    return None


@pytest.fixture
def impl(request, implementation):
    """The implementation under test, with the functions of other katas that this kata uses
    (the manifest's ``uses``) replaced by trusted oracles, so that a test fails only for its
    own kata's code."""
    kata = kata_of(request.node)
    uses = {f: manifest.kata_of_function(f).module for f in (kata.uses if kata else ())}
    if not isinstance(implementation, Implementation):  # a worker process: it stands in on request
        implementation.stand_ins = uses
        return RemoteKataFunctions(implementation)
    modules = _import_modules(implementation, request.config.getoption("--check-timeout"))
    patches = []
    for fname, module_name in uses.items():
        original = getattr(modules.get(module_name), fname, None)
        if original is None:
            continue
        for module in modules.values():
            for container, key in references(vars(module), original):
                patches.append((container, key, replace(container, key, original, getattr(oracles, fname))))
    request.addfinalizer(lambda: [restore(*p) for p in reversed(patches)])
    return KataFunctions(implementation)


_RUNNING: dict = {}  # the implementation directory whose code a timed test may be running


def _import_modules(implementation, limit: float) -> dict:
    """The implementation's modules, each imported with a time limit of its own: a slow or
    looping module costs itself, not the check that happened to import it first."""
    paused = signal.getitimer(signal.ITIMER_REAL)[0] if hasattr(signal, "getitimer") else 0
    if paused:
        signal.setitimer(signal.ITIMER_REAL, 0)
    modules = {}
    try:
        for name in manifest.MODULES:
            try:
                with time_limit_seconds(limit):
                    modules[name] = implementation.module(name)
            except (ImplementationError, KataTimeout):
                continue  # reported by the tests of the katas that live there
    finally:
        if paused:
            signal.setitimer(signal.ITIMER_REAL, paused)
    return modules


def _on_alarm(signum, frame):
    """Stop the test, naming the implementation's line that was running."""
    where, directory = "", _RUNNING.get("path")
    while frame is not None and directory is not None:
        path = Path(frame.f_code.co_filename)
        if path.parent == directory:
            import linecache

            line = linecache.getline(str(path), frame.f_lineno).strip()
            where = f"{_RUNNING['display'](path.stem)}, line {frame.f_lineno}: {line}"
            break
        frame = frame.f_back
    raise KataTimeout(where)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    kata = kata_of(item)
    if kata is not None and kata.name in item.config._nn_timed_out:
        # A loop costs one time limit, not one per check.
        raise KataFailure(f"not run: an earlier check of kata {kata.name} did not finish within the time limit")
    # Setup imports the implementation: a loop at import time is caught here.
    with _time_limit(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _time_limit(item):
        yield


def _time_limit(item):
    # Only kata tests run learner code; the suite's own checks may take as long as they need.
    limit = item.config.getoption("--check-timeout") if kata_of(item) is not None else 0
    return time_limit_seconds(limit)


@contextlib.contextmanager
def time_limit_seconds(limit, on_alarm=None):
    """Stop what runs inside after ``limit`` seconds: ``on_alarm`` raises (a KataTimeout by default)."""
    use_alarm = limit and limit > 0 and hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, on_alarm or _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


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
        explain(item, call, rep, kata)
        if kata is not None and find_exception(call.excinfo.value, (KataTimeout,)) is not None:
            item.config._nn_timed_out.add(kata.name)
    _record(item, rep)


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
        "check": check_title(getattr(getattr(item, "function", None), "__doc__", None)) or item.name,
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


