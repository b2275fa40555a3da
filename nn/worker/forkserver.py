"""A warm process that forks one child per request: the suite's imports (NumPy, SciPy,
pytest, hypothesis, the plugin) are paid once, and each check or grading starts in a few
milliseconds instead of an interpreter start.

Only trusted code runs in the server and its children: a request names a function of the
project (``"nn.grade.child:run_forked"``) and its arguments, over a socket pair that only
the process that started the server holds. A child leads its own session (so it is ended
with ``os.killpg``), writes its output to the first descriptor it is given, and its exit
code to the second when it ends; further descriptors are handed to the function.
"""
from __future__ import annotations

import importlib
import json
import os
import socket
import subprocess
import sys
import threading

PRELOAD = ("numpy", "scipy.special", "pytest", "hypothesis", "hypothesis.extra.numpy", "nn.manifest", "nn.worker.serve",
           "nn.suite.plugin", "nn.suite.assertions", "nn.suite.strategies", "nn.suite.oracles", "nn.worker.remote",
           "nn.suite.gradient_check", "nn.suite.stats")


class Child:
    """A forked child: its pid, and the descriptor its exit code arrives on."""

    def __init__(self, pid: int, done_fd: int):
        self.pid, self.done_fd = pid, done_fd

    def wait(self, timeout: float | None = None) -> int | None:
        """The child's exit code; None if it died without one, or was not done in time."""
        import select

        if self.done_fd < 0:
            return None
        ready, _, _ = select.select([self.done_fd], [], [], timeout)
        if not ready:
            return None
        data = os.read(self.done_fd, 16)
        os.close(self.done_fd)
        self.done_fd = -1
        try:
            return int(data)
        except ValueError:
            return None

    def kill(self) -> None:
        import signal

        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.done_fd >= 0:
            os.close(self.done_fd)
            self.done_fd = -1


class ForkServer:
    """The client side: starts the server and asks it for children."""

    def __init__(self, env: dict | None = None, preload: tuple = PRELOAD):
        self.sock, theirs = socket.socketpair()
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([sys.executable, "-I", "-m", "nn.worker.forkserver", str(theirs.fileno()),
                                      ",".join(preload)], pass_fds=(theirs.fileno(),), env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        theirs.close()
        self.sock.settimeout(60)  # a server that stops answering is given up, never waited on forever
        self.replies = self.sock.makefile("rb")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, target: str, args: list, *, cwd: str, out_fd: int, fds: tuple = (), env: dict | None = None) -> Child:
        """Fork a child that runs ``target(*args, *fds)`` in ``cwd``; ``env`` is added to its environment."""
        done_r, done_w = os.pipe()
        try:
            with self.lock:
                request = json.dumps({"target": target, "args": args, "cwd": cwd, "env": env or {}}).encode()
                socket.send_fds(self.sock, [request], [out_fd, done_w, *fds])
                line = self.replies.readline()
        finally:
            os.close(done_w)
        if not line:
            os.close(done_r)
            raise OSError("the fork server ended")
        return Child(json.loads(line)["pid"], done_r)

    def close(self) -> None:
        try:
            self.replies.close()
            self.sock.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def die_with_parent() -> None:
    """Ask the kernel to end this process when its parent ends (Linux; elsewhere nothing)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(request: dict, fds: list) -> int:
    import signal

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the child waits for its own processes
    os.setsid()
    die_with_parent()  # a grader that dies takes its server with it, and the server its children
    os.dup2(fds[0], 1)
    os.dup2(fds[0], 2)
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    module, name = request["target"].split(":")
    return int(getattr(importlib.import_module(module), name)(*request["args"], *fds[2:]) or 0)


def _reap_orphans() -> None:
    """Become the parent of what a killed child leaves (its worker, its sandbox), so that they
    are reaped here rather than left to pile up as zombies."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap(*_) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def serve(sock_fd: int, preload: list[str]) -> int:
    import signal

    die_with_parent()
    _reap_orphans()
    signal.signal(signal.SIGCHLD, _reap)
    for module in preload:
        importlib.import_module(module)
    sock = socket.socket(fileno=sock_fd)
    while True:
        _reap()
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 16)
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
                code = _child(request, fds)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # whatever happens, this process must never return to the loop
                import traceback

                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os.write(fds[1], str(code).encode())
                finally:
                    os._exit(code)
        for fd in fds:
            os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode() + b"\n")


if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1]), [m for m in sys.argv[2].split(",") if m]))
