"""The trusted side of a worker: an implementation whose functions run in another process.

``RemoteImplementation`` starts a worker (``nn/worker/serve.py``, through ``nn.worker.sandbox``),
has it import the implementation module by module, and calls its functions with plain
data. Callbacks from the worker (a callable argument, or a function of another kata that
the suite stands in for with its oracle) run here. Every message is checked; a worker that
sends something malformed, dies or runs out of time is ended and started again for the next
call, and the check that was running fails. Nothing the worker sends is ever executed.
"""
from __future__ import annotations

import builtins
import os
import signal
import tempfile
import time
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .. import manifest
from ..impl import ImplementationError, shown
from .changes import changed, remember, update_arguments, update_in_place
from .protocol import ProtocolError, Unsendable, decode, encode, forget, read_frame, write_frame
from . import sandbox

MAX_MESSAGE = 64 * 1024 * 1024  # far above any check's data; bounds what a worker can make this process hold


class WorkerDied(Exception):
    """The worker process ended while it ran the implementation's code."""


class RemoteError(Exception):
    """Base of the exceptions rebuilt from a worker's report; ``where`` is the learner's line."""

    where = ""


_REBUILT: dict = {}


def rebuilt_exception(report: dict, label: str = "") -> BaseException:
    """An exception of the same name, deriving from the same builtin class, with the message."""
    bases = [getattr(builtins, b) for b in report.get("bases", []) if isinstance(b, str)
             and isinstance(getattr(builtins, b, None), type) and issubclass(getattr(builtins, b), Exception)]
    base = bases[0] if bases else Exception
    name = str(report.get("type", "Exception"))
    name = name if name.isidentifier() and len(name) <= 60 else "Exception"
    key = (name, base)
    if key not in _REBUILT:
        _REBUILT[key] = type(name, (RemoteError, base), {"__module__": "builtins"})
    exc = _REBUILT[key](str(report.get("message", ""))[:4000])
    where = str(report.get("where", ""))[:1000]
    exc.where = where if label and where.startswith(label) else ""  # only a line of the submission's own files
    exc.signature = report.get("signature") is True
    return exc


class RemoteImplementation:
    """An implementation directory served by a worker process in ``mode`` (process or bwrap)."""

    def __init__(self, directory: str | Path, mode: str, label: str | None = None, memory_mb: int = 2048,
                 import_timeout: float = 10.0, stand_in_functions=None):
        """``stand_in_functions``: the object whose functions answer the worker's calls to a
        function this side stands in for (the suite passes its oracles); without it no such
        call is answered."""
        self.path = Path(directory).resolve()
        if not self.path.is_dir():
            raise ImplementationError(f"implementation directory {self.path} does not exist")
        self.mode, self.memory_mb, self.import_timeout = mode, memory_mb, import_timeout
        self.label = label if label is not None else shown(self.path)
        self._tmp = tempfile.TemporaryDirectory(prefix="nn-worker-")
        self.files = sandbox.worker_files(Path(self._tmp.name) / "w")
        self.broken: dict[str, str] = {}
        self.proc = None
        self.stand_ins: dict[str, str] = {}
        self.stand_in_functions = stand_in_functions
        self._sent_stand_ins: dict | None = None
        self._outer: list = []
        self._deadline: float | None = None  # while a module is imported: when it must be done
        self.returned: OrderedDict = OrderedDict()  # (worker, token) -> the object handed out

    def display(self, module: str | None = None) -> str:
        return self.label + (f"{module}.py" if module else "")

    # -- the process -------------------------------------------------------------------

    def _start(self) -> None:
        """Start a worker and import the modules one by one, each with a time limit of its own
        (the check that asked for them is not charged), remembering the ones that fail."""
        paused = signal.getitimer(signal.ITIMER_REAL)[0] if hasattr(signal, "getitimer") else 0
        if paused:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            while not self._load_all():
                pass
        finally:
            if paused:
                signal.setitimer(signal.ITIMER_REAL, paused)

    def _load_all(self) -> bool:
        """One attempt: True when every module was tried, False when the worker must restart.
        Each module's import, with the callbacks it makes, must end within ``import_timeout``;
        a malformed message or a worker that ends while it imports fails that module alone."""
        self.proc = sandbox.start(self.mode, self.path, self.label, self.files, self.memory_mb)
        self.wfd, self.rfd = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        self._sent_stand_ins = None
        functions = {m: [f for k in manifest.katas() if k.module == m for f in k.functions] for m in manifest.MODULES}
        for name in manifest.MODULES:
            self._deadline = time.monotonic() + self.import_timeout
            try:
                self._send({"op": "load", "module": name, "functions": functions, "broken": self.broken.get(name)})
                reply = self._wait({"loaded"})
            except Exception as exc:  # whatever went wrong, it went wrong importing this module
                self.broken[name] = f"importing {self.display(name)} " + (
                    f"did not finish within {self.import_timeout:g} s (a loop at module level?)"
                    if isinstance(exc, TimeoutError) else
                    "ended the worker process (os._exit, a crash or a memory limit)" if isinstance(exc, WorkerDied) else
                    f"broke the worker's protocol ({str(exc)[:200] or type(exc).__name__})")
                self.stop()
                return False
            except BaseException:
                self.stop()
                raise  # a learner's Ctrl-C
            finally:
                self._deadline = None
            if reply.get("error"):
                self.broken[name] = str(reply["error"])[:4000]
        return True

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            self._stop(proc)
        finally:
            sandbox.release(proc)

    def _stop(self, proc) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for stream in (proc.stdin, proc.stdout):
            forget(stream.fileno())
            try:
                stream.close()
            except OSError:
                pass
        try:
            proc.wait(10)
        except Exception:  # a process that will not be reaped is left to the OS
            pass

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def _ensure(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            self._start()
        if self._sent_stand_ins != self.stand_ins:
            self._send({"op": "stand-ins", "names": self.stand_ins})
            self._wait({"ok"})
            self._sent_stand_ins = dict(self.stand_ins)

    # -- messages ----------------------------------------------------------------------

    def _send(self, message: dict, buffers: list = ()) -> None:
        try:
            write_frame(self.wfd, message, buffers)
        except (BrokenPipeError, ConnectionResetError):
            raise WorkerDied("the worker process ended") from None

    def _read(self) -> tuple[dict, list]:
        try:
            return read_frame(self.rfd, MAX_MESSAGE, self._deadline)
        except EOFError:
            raise WorkerDied("the worker process ended") from None
        except (ValueError, OverflowError, MemoryError) as exc:
            raise ProtocolError(str(exc)) from None

    def _wait(self, expected: set, callbacks: dict | None = None) -> dict:
        """Read until a message of an ``expected`` kind; answer callbacks on the way."""
        while True:
            message, buffers = self._read()
            op = message["op"]
            if op == "callback":
                self._answer(message, buffers, callbacks or {})
                continue
            if op not in expected:
                raise ProtocolError(f"the worker sent {op!r} where {' or '.join(sorted(expected))} was expected")
            message["_buffers"] = buffers
            return message

    def _answer(self, message: dict, buffers: list, callbacks: dict) -> None:
        ident, name = message.get("id"), message.get("name")
        if ident is not None:
            fn = callbacks.get(ident) if isinstance(ident, int) else None
            if fn is None:
                raise ProtocolError(f"a callback to an unknown function ({ident!r})")
        elif isinstance(name, str) and name in self.stand_ins and self.stand_in_functions is not None:
            fn = getattr(self.stand_in_functions, name)
        else:  # not a function this kata may lean on: the code that called it gets an error
            fn = _refused(name)
        try:
            args, kwargs = _arguments(decode(message.get("args"), buffers))
            if ident is None and _too_large(args, kwargs):
                fn = _refused(name, "arguments larger than any check passes")
            outer = decode(message.get("outer"), buffers)
            if outer is not None and self._outer:
                update_arguments(*self._outer[-1], outer)  # what the callback reads sees the worker's changes
        except ProtocolError:
            raise
        except Exception as exc:  # a malformed callback is the worker's fault: never this process's crash
            raise ProtocolError(f"a callback that does not decode ({type(exc).__name__})") from None
        out: list = []
        memory = remember((args, kwargs))
        try:
            value = fn(*args, **kwargs)
            reply, values = {"op": "return"}, {"value": value}
        except Exception as exc:  # the callback's error goes back to the code that called it
            reply, values = {"op": "raise", "type": type(exc).__name__, "message": str(exc)[:2000]}, {}
        values["args"] = changed((args, kwargs), memory)[0]  # only what the callback changed goes back
        try:
            reply.update({k: encode(v, out) for k, v in values.items()})
        except Unsendable as exc:
            out = []
            reply = {"op": "raise", "type": "TypeError", "message": f"the grader's answer cannot be sent: {exc}",
                     "args": encode(values["args"], out)}
        self._send(reply, out)

    def _resolve(self, token: int, fresh):
        """The object the worker returned before under ``token``, holding ``fresh``'s values now;
        the tokens are the worker's, so they restart with it."""
        key = (id(self.proc), token)
        old = self.returned.get(key)
        if old is not None and type(old) is type(fresh):
            fresh = update_in_place(old, fresh)
        self.returned[key] = fresh
        self.returned.move_to_end(key)
        while len(self.returned) > 512:
            self.returned.popitem(last=False)
        return fresh

    # -- what the suite calls ----------------------------------------------------------

    def module_error(self, module: str) -> str | None:
        return self.broken.get(module)

    def call(self, module: str, function: str, args: tuple, kwargs: dict):
        """``module.function(*args, **kwargs)`` in the worker; arguments changed in place there
        are changed here too. Raises the implementation's exception, rebuilt."""
        try:
            self._ensure()
        except BaseException:  # a malformed message, a dead worker, a time limit: start afresh next time
            self.stop()
            raise
        if module in self.broken:
            raise ImplementationError(self.broken[module])
        callbacks: dict = {}
        buffers: list = []
        request = {"op": "call", "module": module, "function": function,
                   "args": encode((tuple(args), dict(kwargs)), buffers, callbacks),
                   "errstate": {k: v for k, v in np.geterr().items()}}
        self._outer.append((args, kwargs))
        try:
            self._send(request, buffers)
            reply = self._wait({"return", "raise", "missing"}, callbacks)
            if reply["op"] == "missing":
                raise ImplementationError(str(reply.get("message", ""))[:2000])
            buffers = reply.pop("_buffers")
            returned_args = decode(reply.get("args"), buffers)
            value = decode(reply.get("value"), buffers, resolve=self._resolve)
            update_arguments(args, kwargs, returned_args)
            warned = reply.get("warnings")
            for category, text in [w for w in (warned if isinstance(warned, list) else [])[:20]
                                   if isinstance(w, list) and len(w) == 2]:
                kind = getattr(builtins, str(category), None)
                kind = kind if isinstance(kind, type) and issubclass(kind, Warning) else UserWarning
                warnings.warn(str(text), kind, stacklevel=2)
            if reply.get("global_rng"):
                np.random.random()  # the worker drew from NumPy's global state: so does this process
            if reply["op"] == "raise":
                raise rebuilt_exception(reply, self.label)
            same = reply.get("is_argument")
            if type(same) is int and 0 <= same < len(args) and isinstance(args[same], np.ndarray) \
                    and isinstance(value, np.ndarray) and value.shape == args[same].shape:
                return args[same] if value.dtype == args[same].dtype else value  # the worker returned it
            return value
        except (WorkerDied, ProtocolError):
            self.stop()
            raise
        except (ImplementationError, RemoteError):
            raise
        except BaseException:  # a time limit or an interrupt mid-call: the worker's state is unknown
            self.stop()
            raise
        finally:
            self._outer.pop()


def _refused(name, why: str = "not one this kata's checks stand in for"):
    def refuse(*args, **kwargs):
        raise RuntimeError(f"the grader's {name}() is not available here ({why})")
    return refuse


MAX_ELEMENTS = 10_000_000  # what a stand-in computes for the worker stays small


def _too_large(args: tuple, kwargs: dict) -> bool:
    """Arguments that would make a stand-in allocate more than any check needs."""
    def size(v) -> int:
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v[()]
        if isinstance(v, np.ndarray):
            return v.size
        if isinstance(v, (bool, np.bool_)):
            return 0
        if isinstance(v, (int, np.integer)):
            return min(abs(int(v)), 10 ** 18)
        if isinstance(v, (float, np.floating)):
            return int(min(abs(float(v)), 1e18)) if np.isfinite(float(v)) else MAX_ELEMENTS + 1
        if isinstance(v, (tuple, list)):
            return sum(size(x) for x in v)
        if isinstance(v, dict):
            return sum(size(x) for x in v.values())
        return 0
    ints = [size(v) for v in (*args, *kwargs.values()) if not isinstance(v, (dict, list, tuple))
            and not (isinstance(v, np.ndarray) and v.ndim > 0)]
    return size(args) + size(kwargs) > MAX_ELEMENTS or any(n > 100_000 for n in ints) or \
        (len(ints) >= 2 and np.prod([max(n, 1) for n in ints], dtype=float) > MAX_ELEMENTS)


def _arguments(value) -> tuple[tuple, dict]:
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], tuple) and isinstance(value[1], dict)):
        raise ProtocolError("a callback's arguments are not (args, kwargs)")
    return value
