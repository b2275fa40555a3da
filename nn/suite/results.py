"""How a kata's check results become a verdict: one rule for the learner's runner and the grader.

Also the suite's digest: what a cached or graded result depends on besides the code under test.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..impl import PROJECT_ROOT

_NN_DIR = Path(__file__).resolve().parent.parent


def classify(results: list[dict], expected: list[str],
             missing: str = "this check produced no result (the test process stopped early)") -> tuple[str, int, list]:
    """(status, checks passed, failures) of one kata: "done", "not started" or "failing"."""
    by_id = {r["nodeid"]: r for r in results}
    passed = sum(1 for n in expected if by_id.get(n, {}).get("outcome") == "passed")
    failures = []
    for nodeid in expected:
        r = by_id.get(nodeid)
        if r is None:  # a test that never reported is a failure, never a pass
            r = {"nodeid": nodeid, "check": nodeid.split("::")[-1], "outcome": "missing", "status": "missing",
                 "message": missing, "misconception": None}
        if r["outcome"] != "passed":
            failures.append(r)
    if expected and passed == len(expected):
        status = "done"
    elif expected and all(f["status"] == "not-started" for f in failures) and passed == 0:
        status = "not started"
    else:
        status = "failing"
    return status, passed, failures


def file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"<missing>"


def suite_digest() -> str:
    """A digest of the suite's machinery: the shared modules, the worker, the suite, examplar,
    the manifest and conftest.py."""
    h = hashlib.sha256()
    files = sorted(_NN_DIR.glob("*.py")) + [p for room in ("worker", "suite", "examplar")
                                            for p in sorted((_NN_DIR / room).glob("*.py"))]
    for path in files + [_NN_DIR / "katas.toml", PROJECT_ROOT / "conftest.py"]:
        h.update(str(path.relative_to(_NN_DIR.parent)).encode() + file_bytes(path))
    return h.hexdigest()
