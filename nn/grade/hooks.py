"""The grading process's pytest hooks: import the submission module by module before any
test, check the grader's own modules after each test, and send each result to the grader.

Loaded only by the grading process (``-p nn.grade.hooks``), never by a learner's pytest.
"""
from __future__ import annotations

import pytest

from .. import manifest
from ..impl import ImplementationError
from ..suite.plugin import GRADING, KataTimeout, _make_implementation, _time_limit_seconds


_CONFIG: dict = {}


def pytest_configure(config):
    _CONFIG["config"] = config


def pytest_sessionstart(session):
    """Import the submission's modules one at a time before any test, telling the grader
    which one is being imported, so a module that ends the process is known."""
    config = session.config
    implementation = config._nn_implementation = _make_implementation(config)
    # The snapshot is taken now, with pytest configured and before any submission code runs.
    GRADING["guard"] = GRADING["guard_factory"]()
    channel, guard = GRADING["channel"], GRADING["guard"]
    GRADING["armed"]["on"] = True
    for name in manifest.MODULES:
        if name in GRADING["skip"]:
            implementation._broken[name] = f"importing {name}.py ended the grading process (os._exit, a crash or a kill)"
            implementation._stand_in(name)
            continue
        channel.send(type="import-start", module=name)
        try:
            with _time_limit_seconds(config.getoption("--kata-timeout")):
                implementation.module(name)
        except (ImplementationError, KataTimeout):
            pass
        except BaseException as exc:  # the submission raised something odd at import: its module fails
            implementation._broken[name] = f"importing {name}.py raised {type(exc).__name__}"
            implementation._stand_in(name)
        changed = guard.changes()
        if changed:
            guard.restore()
            implementation._broken[name] = (f"importing {name}.py changed the grader's own modules "
                                            f"({'; '.join(changed[:3])}): not allowed")
            implementation._stand_in(name)
        channel.send(type="import-done", module=name, error=implementation._broken.get(name))


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item, call):
    """Innermost, so the suite's own report hook records what this one decides."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" or (rep.when == "setup" and rep.failed):
        changed = GRADING["guard"].changes()
        if changed:
            GRADING["guard"].restore()
            rep.outcome = "failed"
            rep.nn_forced = f"the code under test changed the grader's own modules ({'; '.join(changed[:3])}): not allowed"


def pytest_runtest_logstart(nodeid, location):
    GRADING["channel"].send(type="start", nodeid=nodeid)


def pytest_runtest_logfinish(nodeid, location):
    r = _CONFIG["config"]._nn_results.get(nodeid)
    if r is not None:
        GRADING["channel"].send(type="result", **{k: r[k] for k in ("nodeid", "kata", "outcome", "status",
                                                                   "message", "misconception", "check")})
