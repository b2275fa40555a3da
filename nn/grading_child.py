"""The grading process for one submission: started by nn/grading.py, never by hand.

It sets resource limits, installs an audit hook that the submission cannot remove, reads
a one-time key, and runs the grader's own copy of the kata tests. Each result leaves over
an inherited pipe, signed with the key; nothing the submission prints or writes to a file
is read by the grader.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import resource
import sys
import threading


def _limits(memory_mb: int, file_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * 1024 * 1024, file_mb * 1024 * 1024))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _audit_hook(scratch: str, forbidden: list[str], impl: str):
    """Refuse what a submission has no business doing while it is graded."""
    scratch = os.path.realpath(scratch) + os.sep
    forbidden = [os.path.realpath(f) for f in forbidden]
    impl = os.path.realpath(impl) + os.sep
    guard = threading.local()
    armed = {"on": False}

    def inside(path) -> bool:
        try:
            real = os.path.realpath(os.fsdecode(path)) if not isinstance(path, int) else None
        except (TypeError, ValueError):
            return False
        return real is not None and any(real == f or real.startswith(f + os.sep) for f in forbidden)

    def writes_outside(path) -> bool:
        if isinstance(path, int):
            return False
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return True
        return not (real + os.sep).startswith(scratch) and not real.startswith("/dev/null")

    def student_on_stack() -> bool:
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename.startswith(impl):
                return True
            frame = frame.f_back
        return False

    def hook(event, args):
        if getattr(guard, "busy", False):
            return
        guard.busy = True
        try:
            if event == "open":
                path, mode, flags = args
                if inside(path):
                    raise PermissionError("the grader's solutions are not readable during grading")
                writing = (mode and any(c in str(mode) for c in "wax+")) or (flags and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
                if armed["on"] and writing and writes_outside(path):
                    raise PermissionError(f"writing {path} is not allowed during grading")
            elif event == "import" and args[0] and (args[0] == "solutions" or args[0].startswith("solutions.")):
                raise ImportError("solutions is not importable during grading")
            elif event in ("os.listdir", "os.scandir") and args and inside(args[0]):
                raise PermissionError("the grader's solutions are not readable during grading")
            elif not armed["on"]:
                return
            elif event in ("os.rename", "os.replace", "os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                           "os.symlink", "os.link", "os.truncate", "shutil.rmtree", "os.utime"):
                if any(writes_outside(a) for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))):
                    raise PermissionError(f"{event} outside the scratch directory is not allowed during grading")
            elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                           "os.forkpty", "pty.spawn", "os.kill", "os.killpg", "socket.connect", "socket.bind",
                           "ctypes.dlopen", "ctypes.dlsym", "ctypes.cdata", "ctypes.addressof", "ctypes.string_at",
                           "ctypes.wstring_at", "ctypes.call_function", "gc.get_objects", "gc.get_referrers",
                           "gc.get_referents", "sys.setprofile", "sys.settrace", "sys._current_frames",
                           "code.__new__", "function.__new__"):
                if student_on_stack():
                    raise PermissionError(f"{event} is not allowed during grading")
            elif event == "sys._getframe" and student_on_stack():
                raise PermissionError("frame inspection is not allowed during grading")
        finally:
            guard.busy = False

    sys.addaudithook(hook)
    return armed


class Channel:
    """Signed, numbered messages to the grader over an inherited pipe."""

    def __init__(self, fd: int, key: bytes):
        self._fd, self._key, self._n = fd, key, 0

    def send(self, **message) -> None:
        self._n += 1
        message["seq"] = self._n
        body = json.dumps(message, sort_keys=True)
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        data = f"{mac} {body}\n".encode()
        while data:
            written = os.write(self._fd, data)
            data = data[written:]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", required=True)
    parser.add_argument("--tests", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--forbid", action="append", default=[])
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("--key-fd", type=int, required=True)
    parser.add_argument("--katas", required=True)
    parser.add_argument("--skip-modules", default="")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--test-timeout", type=float, default=10.0)
    args = parser.parse_args(argv)

    key = os.read(args.key_fd, 64)
    os.close(args.key_fd)
    channel = Channel(args.result_fd, key)
    del key
    _limits(args.memory_mb, file_mb=64)
    armed = _audit_hook(args.scratch, args.forbid, args.impl)

    # The harness is imported before any submission code, so what the submission later
    # does to these modules is seen by the integrity check, not believed.
    import numpy  # noqa: F401
    import pytest
    import scipy.special  # noqa: F401

    from nn import grading_guard, manifest, pytest_plugin

    pytest_plugin.GRADING.update(channel=channel, armed=armed, skip=set(filter(None, args.skip_modules.split(","))),
                                 guard_factory=grading_guard.Snapshot)
    katas = [manifest.get(k) for k in args.katas.split(",")]
    files = sorted({k.test_file for k in katas})
    # From the scratch directory, messages name the submission's files as impl/layers.py:
    # the same words every time the same submission is graded.
    os.chdir(args.scratch)
    files = [os.path.join(args.tests, f) for f in files]
    code = pytest.main(["-p", "no:cacheprovider", "-p", "no:warnings", "-p", "no:stepwise", "-p", "no:terminal",
                        f"--impl={args.impl}", f"--kata-timeout={args.test_timeout}", "--rootdir", args.tests,
                        "-m", " or ".join(k.marker for k in katas), *files])
    channel.send(type="done", exit=int(code))
    return 0


if __name__ == "__main__":
    sys.exit(main())
