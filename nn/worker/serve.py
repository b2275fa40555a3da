"""A process that runs one implementation's functions on request: the one mechanism behind
the grader's sandboxed worker and the suite's ``--worker`` modes, which run the same tests
against the same code out of process. It speaks ``nn/worker/protocol.py``.

The trusted side (``nn.worker.remote``) sends a function's name and its arguments; this
process calls the implementation's function and sends back the result, the arguments as
they are after the call (so in-place changes are seen), the warnings it raised and whether
it touched NumPy's global random state. Only plain data crosses: numeric and boolean
ndarrays (dtype, shape, order and bytes, rebuilt by the receiver, so no subclass and no
``__eq__`` survives), NumPy scalars, Python scalars and strings, tuples, lists, dicts with
string keys and NumPy Generators (as their bit generator's state). A callable argument, and
a function of another kata that the trusted side stands in for, becomes a callback that the
trusted side answers: its code never enters this process.

Run as a script, this file needs only the standard library, NumPy, and ``impl.py``,
``protocol.py`` and ``changes.py`` beside it: in the sandbox those four files sit alone in a
directory, and the rest of ``nn`` is out of sight.
"""
from __future__ import annotations

import builtins
import os
import sys
import traceback
import warnings
from collections import OrderedDict

if __name__ == "__main__":  # run with -I -S: only this directory and NumPy's site directories
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__))] + sys.argv[3:]

import numpy as np  # noqa: E402

try:
    from .. import impl as _impl
    from .changes import changed, remember, update_arguments
    from .protocol import ProtocolError, Unsendable, decode, encode, read_frame, write_frame
except ImportError:  # run as a script inside the sandbox, beside copies of impl.py, protocol.py and changes.py
    import impl as _impl  # type: ignore[no-redef]
    from changes import changed, remember, update_arguments  # type: ignore[no-redef]
    from protocol import ProtocolError, Unsendable, decode, encode, read_frame, write_frame  # type: ignore[no-redef]


# -- the worker's side ----------------------------------------------------------------------

def describe_exception(exc: BaseException, implementation) -> dict:
    """What the trusted side needs to report an exception: its name, the builtin classes it
    derives from, its message and the implementation's line where it was raised."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        path = os.path.realpath(frame.filename)
        if os.path.dirname(path) == str(implementation.path):
            stem = os.path.splitext(os.path.basename(path))[0]
            where = f"{implementation.display(stem)}, line {frame.lineno}: {(frame.line or '').strip()}"
    bases = [c.__name__ for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c]
    try:
        message = str(exc)
    except Exception:  # a learner's exception whose __str__ fails is still an exception
        message = "<the exception's message could not be read>"
    return {"type": type(exc).__name__, "bases": bases, "message": message[:4000], "where": where}


KEPT = 512  # returned objects kept alive, so that their identity tokens stay true


class Worker:
    """The serving loop: loads modules, stands in for other katas, runs calls."""

    def __init__(self, directory: str, label: str, rfd: int, wfd: int, max_bytes: int = 1 << 30):
        self.rfd, self.wfd, self.max_bytes = rfd, wfd, max_bytes
        self.functions: dict[str, list] = {}
        self.implementation = _impl.Implementation(directory, stand_ins=self._stand_in_module, label=label)
        self.patches: list = []
        # The calls in progress, innermost last: [args, kwargs, what the trusted side holds of them].
        self.outer: list = []
        self.kept: OrderedDict = OrderedDict()  # id -> (token, object) of objects returned lately
        self.tokens = 0

    def identify(self, obj) -> int:
        """A token for a returned object, the same while it lives (it is kept alive here, so
        its id is not reused): returning one object twice is seen as such on the other side."""
        entry = self.kept.get(id(obj))
        if entry is not None and entry[1] is obj:
            self.kept.move_to_end(id(obj))
            return entry[0]
        self.tokens += 1
        self.kept[id(obj)] = (self.tokens, obj)
        if len(self.kept) > KEPT:
            self.kept.popitem(last=False)
        return self.tokens

    def send(self, message: dict, values: dict | None = None) -> None:
        buffers: list = []
        try:
            message.update({k: encode(v, buffers, identify=self.identify if k == "value" else None)
                            for k, v in (values or {}).items()})
        except (Unsendable, RecursionError, ValueError) as exc:
            message, buffers = {"op": "raise", "type": "Unsendable", "bases": [], "where": "",
                                "message": f"the result cannot be sent to the grader: {exc}"}, []
        write_frame(self.wfd, message, buffers)

    def _callback(self, ident, name: str | None = None):
        def call_back(*args, **kwargs):
            buffers: list = []
            request = {"op": "callback", "id": ident, "name": name,
                       "args": encode((args, kwargs), buffers),
                       "outer": encode(self._outer_changes(), buffers) if self.outer else None}
            write_frame(self.wfd, request, buffers)
            reply = self.wait({"return", "raise"})
            update_arguments(args, kwargs, reply["args"])
            if reply["op"] == "raise":
                kind = getattr(builtins, reply.get("type", ""), None)
                kind = kind if isinstance(kind, type) and issubclass(kind, Exception) else RuntimeError
                raise kind(reply.get("message", ""))
            return reply["value"]
        call_back.__name__ = name or "f"
        return call_back

    def _outer_changes(self):
        """The arguments of the call in progress, as far as they changed since the trusted
        side last saw them: what a callback answered there may read."""
        entry = self.outer[-1]
        sent, entry[2] = changed((entry[0], entry[1]), entry[2])
        return sent

    def _stand_in_module(self, module: str):
        stand_in = type(sys)(module)
        for fname in self.functions.get(module, ()):
            setattr(stand_in, fname, self._callback(None, fname))
        return stand_in

    def wait(self, expected: set) -> dict:
        """Serve requests until a message of an ``expected`` kind arrives; return it decoded."""
        while True:
            message, buffers = read_frame(self.rfd, self.max_bytes)
            op = message["op"]
            if op in expected:
                for key in ("value", "args"):
                    message[key] = decode(message.get(key), buffers)
                return message
            getattr(self, "op_" + op.replace("-", "_"), self.op_unknown)(message, buffers)

    def serve(self) -> None:
        try:
            self.wait(set())
        except (EOFError, BrokenPipeError):
            return

    def op_unknown(self, message, buffers):
        raise ProtocolError(f"an unknown operation {message['op']!r}")

    def op_exit(self, message, buffers):
        raise EOFError

    def op_load(self, message, buffers):
        self.functions = {str(k): [str(f) for f in v] for k, v in message["functions"].items()}
        name = message["module"]
        if message.get("broken"):
            self.implementation._broken[name] = message["broken"]
            self.implementation._stand_in(name)
            self.send({"op": "loaded", "error": message["broken"]})
            return
        try:
            self.implementation.module(name)
            error = None
        except _impl.ImplementationError as exc:
            error = str(exc)
        except BaseException as exc:  # anything else at import time is the implementation's
            error = f"importing {self.implementation.display(name)} raised {type(exc).__name__}"
            self.implementation._broken[name] = error
            self.implementation._stand_in(name)
        self.send({"op": "loaded", "error": error})

    def op_stand_ins(self, message, buffers):
        """Replace the named functions of other katas, wherever the implementation refers to
        them, by callbacks answered by the trusted side; undo the previous replacement first."""
        for container, key, value in reversed(self.patches):
            _impl.restore(container, key, value)
        self.patches = []
        modules = self.implementation.loaded_modules()
        for fname, module_name in message["names"].items():
            original = getattr(modules.get(module_name), fname, None)
            if original is None:
                continue
            stand_in = self._callback(None, fname)
            for module in modules.values():
                for container, key in _impl.references(vars(module), original):
                    self.patches.append((container, key, _impl.replace(container, key, original, stand_in)))
        self.send({"op": "ok"})

    def op_call(self, message, buffers):
        module, fname = message["module"], message["function"]
        try:
            fn = getattr(self.implementation.module(module), fname, None)
        except _impl.ImplementationError as exc:
            self.send({"op": "missing", "message": str(exc)})
            return
        if not callable(fn):
            self.send({"op": "missing", "message": f"{self.implementation.display(module)} has no function {fname}()"})
            return
        args, kwargs = decode(message["args"], buffers, lambda i: self._callback(i))
        rng_before = np.random.get_state()
        caught: list = []
        self.outer.append([args, kwargs, remember((args, kwargs))])
        try:
            with warnings.catch_warnings(record=True) as caught, np.errstate(**message.get("errstate", {})):
                warnings.simplefilter("always")
                value = fn(*args, **kwargs)
            reply, values = {"op": "return"}, {"value": value}
        except BaseException as exc:  # the implementation's exception is the answer
            reply, values = {"op": "raise", **describe_exception(exc, self.implementation)}, {}
            if isinstance(exc, TypeError) and not _impl.binds(fn, args, kwargs):
                reply["signature"] = True
        finally:
            entry = self.outer.pop()
        reply["warnings"] = [[w.category.__name__, str(w.message)[:500]] for w in caught[:20]]
        reply["global_rng"] = not _same_state(rng_before, np.random.get_state())
        if reply["op"] == "return":
            reply["is_argument"] = _argument_returned(values["value"], args)
        values["args"] = changed((args, kwargs), entry[2])[0]  # only what changed goes back
        self.send(reply, values)


def _argument_returned(value, args: tuple):
    """The position of the array argument that ``value`` is (itself, or a view of all of it), or
    None: the other side then hands back its own argument, so "returns a new array" can be checked."""
    if not isinstance(value, np.ndarray):
        return None
    for i, arg in enumerate(args):
        if isinstance(arg, np.ndarray) and (value is arg or (
                value.shape == arg.shape and value.strides == arg.strides and value.dtype == arg.dtype
                and value.__array_interface__["data"][0] == arg.__array_interface__["data"][0])):
            return i
    return None


def _same_state(a: tuple, b: tuple) -> bool:
    """Two of NumPy's legacy global states: the same generator, position and key."""
    return a[0] == b[0] and a[2:] == b[2:] and np.array_equal(a[1], b[1])


def main(argv: list[str]) -> int:
    """``serve.py IMPL_DIR LABEL [SITE_DIR ...]``: serve on the standard input and output."""
    directory, label = argv[0], argv[1]
    # The protocol gets private copies of the standard streams; what the implementation
    # prints goes to standard error, which the trusted side keeps apart from any verdict.
    rfd, wfd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    Worker(directory, label, rfd, wfd).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
