"""The grading process's pytest hooks: send each check's result to the grader as it ends.

Loaded only by the grading process (``-p nn.grade.hooks``), never by a learner's pytest.
"""
from __future__ import annotations

CHANNEL: dict = {}
_CONFIG: dict = {}


def pytest_configure(config):
    _CONFIG["config"] = config


def pytest_runtest_logstart(nodeid, location):
    CHANNEL["channel"].send(type="start", nodeid=nodeid)


def pytest_runtest_logfinish(nodeid, location):
    r = _CONFIG["config"]._nn_results.get(nodeid)
    if r is not None:
        CHANNEL["channel"].send(type="result", **{k: r[k] for k in ("nodeid", "kata", "outcome", "status",
                                                                   "message", "misconception", "check")})
