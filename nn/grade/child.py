"""The grading process for one submission: started by nn/grade/engine.py, never by hand.

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

    def student_on_stack(depth: int | None = None) -> bool:
        """Is the submission's code on the stack: anywhere, or within ``depth`` frames of the event?"""
        frame = sys._getframe(2)
        seen = 0
        while frame is not None and (depth is None or seen < depth):
            if frame.f_code.co_filename.startswith(impl):
                return True
            frame = frame.f_back
            seen += 1
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
                           "os.forkpty", "pty.spawn", "os.kill", "os.killpg", "socket.connect", "socket.bind"):
                # Nothing a kata needs: refused whenever the submission's code is on the stack.
                if student_on_stack():
                    raise PermissionError(f"{event} is not allowed during grading")
            elif event in ("ctypes.dlopen", "ctypes.dlsym", "ctypes.cdata", "ctypes.addressof", "ctypes.string_at",
                           "ctypes.wstring_at", "ctypes.call_function", "gc.get_objects", "gc.get_referrers",
                           "gc.get_referents", "sys.setprofile", "sys.settrace", "sys._current_frames",
                           "code.__new__", "function.__new__", "sys._getframe"):
                # Libraries the submission may use (scipy.stats, say) do these things internally:
                # refused only when the submission itself, or a thin wrapper it calls, does them.
                if student_on_stack(depth=2):
                    raise PermissionError(f"{event} is not allowed during grading")
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


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", required=True)
    parser.add_argument("--tests", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--forbid", action="append", default=[])
    parser.add_argument("--result-fd", type=int, default=-1)
    parser.add_argument("--key-fd", type=int, default=-1)
    parser.add_argument("--katas", required=True)
    parser.add_argument("--skip-modules", default="")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--test-timeout", type=float, default=10.0)
    return parser.parse_args(argv)


def _harness_imports():
    """Everything grading needs, imported before any submission code can run."""
    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import scipy.special  # noqa: F401
    from hypothesis.extra import numpy as _hnp  # noqa: F401

    from nn import manifest  # noqa: F401
    from nn.grade import guard, hooks  # noqa: F401
    from nn.suite import assertions, oracles, plugin, strategies  # noqa: F401


def run(args) -> int:
    key = os.read(args.key_fd, 64)
    os.close(args.key_fd)
    channel = Channel(args.result_fd, key)
    del key
    _limits(args.memory_mb, file_mb=64)
    armed = _audit_hook(args.scratch, args.forbid, args.impl)
    _harness_imports()
    import pytest

    from nn import manifest
    from nn.grade import guard
    from nn.suite import plugin

    # The snapshot of the grader's modules is taken at session start, once pytest is set up.
    plugin.GRADING.update(channel=channel, armed=armed, skip=set(filter(None, args.skip_modules.split(","))),
                          guard_factory=guard.Snapshot)
    katas = [manifest.get(k) for k in args.katas.split(",")]
    files = sorted({k.test_file for k in katas})
    # From the scratch directory, messages name the submission's files as impl/layers.py:
    # the same words every time the same submission is graded.
    os.chdir(args.scratch)
    files = [os.path.join(args.tests, f) for f in files]
    # No terminal report: its timings would make two gradings of one submission differ.
    code = pytest.main(["-p", "no:cacheprovider", "-p", "no:warnings", "-p", "no:stepwise", "-p", "no:terminal",
                        "-p", "no:doctest", "-p", "nn.grade.hooks", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:legacypath",
                        "-p", "no:logging", "-p", "no:faulthandler", "-p", "no:debugging", "--nn-tbstyle=no",
                        f"--impl={args.impl}", f"--kata-timeout={args.test_timeout}", "--rootdir", args.tests,
                        "-m", " or ".join(k.marker for k in katas), *files])
    channel.send(type="done", exit=int(code))
    return 0


def serve(sock_fd: int) -> int:
    """A fork server: import the harness once, then fork one grading process per request.

    Requests arrive on a Unix socket with three descriptors (result pipe, key pipe, output
    pipe); the reply is the new process's pid. No submission code ever runs in this process.
    """
    import socket

    _harness_imports()
    sock = socket.socket(fileno=sock_fd)
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        except OSError:
            return 0
        if not data:
            return 0
        request = json.loads(data)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                sock.close()
                os.setsid()
                os.dup2(fds[2], 1)
                os.dup2(fds[2], 2)
                os.environ["HOME"] = request["scratch"]
                args = parse(request["argv"])
                args.result_fd, args.key_fd = fds[0], fds[1]
                code = run(args)
            except BaseException:  # whatever happens, this process must never return to the loop
                pass
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        return serve(int(argv[1]))
    return run(parse(argv))


if __name__ == "__main__":
    sys.exit(main())
