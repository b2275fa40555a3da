"""The grading process for one submission: started by nn/grade/engine.py, never by hand.

It is trusted: it runs the grader's own copy of the kata tests with pytest, and never
imports a line of the submission. The submission's functions run in a worker process
(``nn/worker/serve.py``), sandboxed with bubblewrap where it works (``--worker bwrap``), and reach
this process only as plain data through a checked protocol. Each result leaves over an
inherited pipe that the worker never holds.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile


class Channel:
    """Numbered JSON messages to the grader, one per line, over an inherited pipe."""

    def __init__(self, fd: int):
        self._fd, self._n = fd, 0

    def send(self, **message) -> None:
        self._n += 1
        message["seq"] = self._n
        data = (json.dumps(message, sort_keys=True) + "\n").encode()
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except BrokenPipeError:  # the grader is gone: nobody will read another result
            os._exit(1)


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", required=True)
    parser.add_argument("--tests", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--result-fd", type=int, default=-1)
    parser.add_argument("--katas", required=True)
    parser.add_argument("--worker", default="bwrap", choices=["process", "bwrap"])
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--test-timeout", type=float, default=10.0)
    parser.add_argument("--label", default=None)  # how messages name the submission's folder
    return parser.parse_args(argv)


def _harness_imports():
    """Everything grading needs (already imported when forked by the fork server)."""
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import scipy.special  # noqa: F401
    from hypothesis.extra import numpy as _hnp  # noqa: F401

    from nn import manifest
    from nn.worker import serve as worker  # noqa: F401
    from nn.grade import hooks  # noqa: F401
    from nn.suite import assertions, oracles, plugin, strategies
    from nn.worker import remote, sandbox  # noqa: F401


def run(args) -> int:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # A backstop for the trusted side too: what a submission sends back is bounded by the
    # protocol, and this bounds whatever the checks compute from it.
    limit = max(4096, 2 * args.memory_mb) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _harness_imports()
    import pytest

    from nn import manifest
    from nn.grade import hooks

    hooks.CHANNEL["channel"] = Channel(args.result_fd)
    katas = [manifest.get(k) for k in args.katas.split(",")]
    files = sorted({k.test_file for k in katas})
    # Messages name the submission's files as the student knows them (--label, ``katas/layers.py``),
    # else from the scratch directory as impl/layers.py: the same words every time the same
    # submission is graded. Temporary files go there too,
    # so nothing is left behind when the grader removes it.
    os.chdir(args.scratch)
    os.environ["TMPDIR"] = args.scratch
    tempfile.tempdir = None
    files = [os.path.join(args.tests, f) for f in files]
    # No terminal report: its timings would make two gradings of one submission differ.
    code = pytest.main(["-p", "no:cacheprovider", "-p", "no:warnings", "-p", "no:stepwise", "-p", "no:terminal",
                        "-p", "no:doctest", "-p", "nn.grade.hooks", "-p", "no:junitxml", "-p", "no:pastebin",
                        "-p", "no:legacypath", "-p", "no:logging", "-p", "no:faulthandler", "-p", "no:debugging",
                        "--nn-tbstyle=no", f"--impl={args.impl}", f"--worker={args.worker}",
                        *([f"--impl-label={args.label}"] if args.label is not None else []),
                        f"--worker-memory-mb={args.memory_mb}", f"--check-timeout={args.test_timeout}",
                        "--rootdir", args.tests, "-m", " or ".join(k.marker for k in katas), *files])
    hooks.CHANNEL["channel"].send(type="done", exit=int(code))
    return 0


def run_forked(argv: list, result_fd: int) -> int:
    """The entry point when forked by the grader's fork server (``nn.worker.forkserver``)."""
    args = parse(argv)
    args.result_fd = result_fd
    return run(args)


def main(argv=None) -> int:
    return run(parse(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
