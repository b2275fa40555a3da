"""The fixtures of the learner's own tests (``mytests/``): ``softmax``, ``relu`` ... and ``fn``.

A test asks for the function under test by name::

    def test_columns_sum_to_one(softmax):
        assert np.allclose(softmax(np.zeros((3, 2))).sum(axis=0), 1)

Run by ``pytest mytests/test_softmax.py``, the function is your own (``katas/``, or
``--impl DIR``). Run by ``nn-kata examplar softmax``, every test runs once per
implementation in the plan (``NN_EXAMPLAR_PLAN``), each a private package in this one
process, and every call through a fixture is counted: a test that never calls the function
does not exercise it. Each test against each implementation has a time limit; a test that
runs past it is not run against the others.
"""
from __future__ import annotations

import ast
import inspect
import json
import os
import textwrap
from pathlib import Path

import pytest

from .. import manifest

PLAN_ENV = "NN_EXAMPLAR_PLAN"
FUNCTIONS = [f for kata in manifest.katas() for f in kata.functions]


class ExamplarTimeout(BaseException):
    """A test ran past its limit. A BaseException, so that ``except Exception`` in a test cannot hide it."""


def _plan(config) -> dict:
    cached = getattr(config, "_nn_examplar_plan", None)
    if cached is not None:
        return cached
    path = os.environ.get(PLAN_ENV)
    if path:
        plan = json.loads(Path(path).read_text())
    else:  # the learner's own run of pytest: their implementation alone
        from ..impl import resolve_impl_dir

        spec = config.getoption("impl", default=None) or manifest.DEFAULT_IMPL
        plan = {"impls": [{"id": "yours", "role": "yours", "dir": str(resolve_impl_dir(spec, root=Path(str(config.rootpath))))}],
                "timeout": 0}
    config._nn_examplar_plan = plan
    return plan


def pytest_configure(config):
    config._nn_examplar_loaded = {}
    config._nn_examplar_slow = {}
    if os.environ.get(PLAN_ENV):
        # Registered last, so that its ``impl`` wins over the suite's: the kata suite's own
        # tests (tests/katas) then run against the plan too, through the same counted seam.
        config.pluginmanager.register(SuiteSeam(), "nn-examplar-suite-seam")


class SuiteSeam:
    """``impl.fn("softmax")``, the suite's seam, pointed at the implementation under test."""

    @pytest.fixture
    def impl(self, examplar_impl):
        return examplar_impl


class Handle:
    """One implementation as a test sees it: ``handle.fn("softmax")``, each call counted."""

    def __init__(self, implementation, node):
        self.implementation, self.node = implementation, node

    def fn(self, name: str):
        if name not in FUNCTIONS:
            raise LookupError(f"fn({name!r}): no kata has a function {name!r}; they are {', '.join(FUNCTIONS)}")
        function = self.implementation.function(name)
        node = self.node

        def counted(*args, **kwargs):
            node._nn_calls[name] = node._nn_calls.get(name, 0) + 1
            return function(*args, **kwargs)

        counted.__name__ = counted.__qualname__ = name
        counted.__doc__ = function.__doc__
        return counted


def pytest_generate_tests(metafunc):
    if "examplar_impl" in metafunc.fixturenames:
        impls = _plan(metafunc.config)["impls"]
        metafunc.parametrize("examplar_impl", impls, ids=[i["id"] for i in impls], indirect=True)


@pytest.fixture
def examplar_impl(request):
    """The implementation this run of the test is pointed at."""
    from ..impl import Implementation
    from .variants import PackedImplementation

    spec, loaded = request.param, request.config._nn_examplar_loaded
    if spec["id"] not in loaded:
        cls = PackedImplementation if spec["role"] in ("wheat", "chaff") else Implementation
        loaded[spec["id"]] = cls(spec["dir"])
    if not hasattr(request.node, "_nn_calls"):
        request.node._nn_calls = {}
    return Handle(loaded[spec["id"]], request.node)


@pytest.fixture
def fn(examplar_impl):
    """``fn("softmax")``: any kata function of the implementation under test."""
    return examplar_impl.fn


def _function_fixture(name: str):
    def fixture(examplar_impl):
        return examplar_impl.fn(name)

    fixture.__doc__ = f"The {name} of the implementation under test."
    return pytest.fixture(name=name)(fixture)


for _name in FUNCTIONS:
    globals()[f"fixture_{_name}"] = _function_fixture(_name)


def key_of(item) -> str:
    """The test without the implementation: ``test_sums_to_one`` or ``test_shape[3-5]``."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "examplar_impl" not in callspec.params:
        return item.name
    impl_id = callspec.params["examplar_impl"]["id"]
    rest = [part for part in callspec.id.split("-") if part != impl_id]
    return item.originalname + (f"[{'-'.join(rest)}]" if rest else "")


CHECKING_WORDS = ("assert", "check", "expect", "verify", "ensure")


def _asserts(item) -> bool | None:
    """Whether the test checks anything: an assert or raise, pytest.raises or pytest.fail, a
    call whose name says it checks (np.testing.assert_allclose, check_shape ...), or a
    function of the test's own module that does one of these. None when its source cannot
    be read."""
    module = getattr(item, "module", None)
    seen: set = set()

    def checks(function, depth: int) -> bool | None:
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(function))))
        except (OSError, TypeError, SyntaxError):
            return None
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assert, ast.Raise)):
                return True
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if any(word in name.lower() for word in CHECKING_WORDS) or name in ("raises", "fail", "warns"):
                return True
            helper = getattr(module, name, None) if isinstance(node.func, ast.Name) else None
            if depth < 3 and inspect.isfunction(helper) and helper.__module__ == getattr(module, "__name__", None) \
                    and name not in seen:
                seen.add(name)
                if checks(helper, depth + 1):
                    return True
        return False

    return checks(item.function, 0)


def _impl_id(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params["examplar_impl"]["id"] if callspec and "examplar_impl" in callspec.params else None


def _on_alarm(signum, frame):
    raise ExamplarTimeout()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    plan = _plan(item.config)
    limit = plan.get("timeout") or 0
    slow = item.config._nn_examplar_slow.get(key_of(item))
    if slow:
        pytest.skip(f"not run: it ran past the time limit against {slow}")
    if _impl_id(item) == "yours" and item.config._nn_examplar_slow.get(("yours",)):
        pytest.skip("not run: your own implementation ran past the time limit in an earlier test")
    from ..suite.plugin import time_limit_seconds

    with time_limit_seconds(limit, _on_alarm):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if "examplar_impl" not in getattr(item, "fixturenames", ()) and rep.when != "call":
        return
    if rep.when != "call" and not rep.failed:
        return
    impl = _impl_id(item)
    message, timed_out = "", False
    if call.excinfo is not None and not rep.skipped:
        timed_out = call.excinfo.errisinstance(ExamplarTimeout)
        message = ("it ran past the time limit" if timed_out
                   else "\n".join(call.excinfo.exconly().strip().splitlines()[:6]))
        if timed_out:  # a loop in the learner's own code costs one limit, and no test its other runs
            item.config._nn_examplar_slow[("yours",) if impl == "yours" else key_of(item)] = impl
    _emit({
        "test": key_of(item), "impl": impl, "when": rep.when,
        "outcome": "skipped" if rep.skipped else ("failed" if rep.failed else "passed"),
        "calls": getattr(item, "_nn_calls", {}), "message": message, "timed_out": timed_out,
        "asserts": _asserts(item), "uses_fixture": impl is not None,
    })


_OUT: dict = {}  # plan file -> the results file it names


def _emit(event: dict) -> None:
    """One line of the results file, written at once: a test that ends the process leaves
    every verdict before it, and its own start, behind."""
    path = os.environ.get(PLAN_ENV)
    if path:
        if path not in _OUT:
            _OUT[path] = json.loads(Path(path).read_text())["out"]
        with open(_OUT[path], "a") as f:
            f.write(json.dumps(event) + "\n")


def pytest_collectreport(report):
    if report.failed:
        _emit({"collect_error": str(report.longrepr)})


def pytest_runtest_logstart(nodeid, location):
    _emit({"start": nodeid})


def pytest_sessionfinish(session, exitstatus):
    _emit({"collected": session.testscollected})
