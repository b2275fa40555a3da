"""A process that runs one implementation's functions on request, and the plain-data protocol
it speaks. One mechanism for every use: the grader's sandboxed worker, and the suite's
``--worker`` modes that run the same tests against the same code out of process.

The trusted side (``nn.suite.remote``) sends a function's name and its arguments; this
process calls the implementation's function and sends back the result, the arguments as
they are after the call (so in-place changes are seen), the warnings it raised and whether
it touched NumPy's global random state. Only plain data crosses: numeric and boolean
ndarrays (dtype, shape, order and bytes, rebuilt by the receiver, so no subclass and no
``__eq__`` survives), NumPy scalars, Python scalars and strings, tuples, lists, dicts with
string keys and NumPy Generators (as their bit generator's state). A callable argument, and
a function of another kata that the trusted side stands in for, becomes a callback that the
trusted side answers: its code never enters this process.

Everything received is checked (``decode``): a malformed message is a ``ProtocolError``,
never a crash of the receiver. Run as a script, this file needs only the standard library,
NumPy and ``impl.py`` beside it: in the sandbox those two files sit alone in a directory,
and the rest of ``nn`` is out of sight.
"""
from __future__ import annotations

import builtins
import json
import os
import struct
import sys
import traceback
import warnings

if __name__ == "__main__":  # run with -I -S: only this directory and NumPy's site directories
    sys.path[:0] = [os.path.dirname(os.path.abspath(__file__))] + sys.argv[3:]

import numpy as np  # noqa: E402

try:
    from . import impl as _impl
except ImportError:  # run as a script inside the sandbox, beside a copy of impl.py
    import impl as _impl  # type: ignore[no-redef]

MAGIC = b"NNW1"
MAX_JSON = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_DIMS = 32
# Generators travel as the state of one of NumPy's own bit generators, rebuilt by name.
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")


class _Keep:
    def __repr__(self) -> str:
        return "<a function, kept by the receiver>"


KEEP = _Keep()  # stands for a function among arguments sent back: the original stays


class ProtocolError(Exception):
    """A message that is not what the protocol allows: wrong framing, type, size or state."""


class Unsendable(TypeError):
    """A value of a type the protocol does not carry (an object, a set, a complex array ...)."""


# -- values ---------------------------------------------------------------------------------

def _array_node(a: np.ndarray, buffers: list, tag: str) -> dict:
    if a.dtype.kind not in "biuf" or a.dtype.fields is not None:
        raise Unsendable(f"an array of dtype {a.dtype} (only booleans, integers and floats are carried)")
    order = "F" if a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    buffers.append(a.tobytes(order=order))
    return {tag: len(buffers) - 1, "t": a.dtype.str, "s": list(a.shape), "o": order}


def encode(value, buffers: list, callables: dict | None = None, depth: int = 0):
    """``value`` as a JSON-ready tree; array bytes go to ``buffers``, callables to ``callables``."""
    if depth > MAX_DEPTH:
        raise Unsendable("a value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)) and type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.ndarray):
        return _array_node(np.asarray(value), buffers, "a")
    if isinstance(value, np.generic):
        return _array_node(np.asarray(value), buffers, "n")
    if isinstance(value, (bool, int, float, str)):  # subclasses travel as the plain type
        return {bool: bool, int: int, float: float, str: str}[next(t for t in (bool, int, float, str)
                                                                    if isinstance(value, t))](value)
    if isinstance(value, tuple):
        return {"T": [encode(v, buffers, callables, depth + 1) for v in value]}
    if isinstance(value, list):
        return {"L": [encode(v, buffers, callables, depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise Unsendable("a dict whose keys are not all strings")
        return {"D": [[str(k), encode(v, buffers, callables, depth + 1)] for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        name = type(value.bit_generator).__name__
        if name not in BIT_GENERATORS:
            raise Unsendable(f"a Generator on a {name}")
        return {"G": name, "st": encode(value.bit_generator.state, buffers, None, depth + 1)}
    if callable(value) and callables is not None:
        callables[len(callables)] = value
        return {"F": len(callables) - 1}
    if callable(value):  # a function sent back among arguments: the receiver keeps its own
        return {"K": 0}
    raise Unsendable(f"a value of type {type(value).__name__}")


def _decode_array(node: dict, buffers: list, tag: str) -> np.ndarray:
    index, dtype, shape, order = node[tag], node.get("t"), node.get("s"), node.get("o", "C")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(buffers):
        raise ProtocolError("an array refers to a missing buffer")
    try:
        dt = np.dtype(dtype) if isinstance(dtype, str) and len(dtype) < 8 else None
    except TypeError:
        dt = None
    if dt is None or dt.kind not in "biuf" or dt.fields is not None or dt.subdtype is not None:
        raise ProtocolError(f"an array of dtype {dtype!r} (only booleans, integers and floats)")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS or order not in ("C", "F")
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
        raise ProtocolError("an array with a malformed shape")
    if tag == "n" and shape:
        raise ProtocolError("a scalar with a shape")
    data = buffers[index]
    count = int(np.prod(shape, dtype=object)) if shape else 1
    if count * dt.itemsize != len(data):
        raise ProtocolError(f"an array of shape {tuple(shape)} and dtype {dt} with {len(data)} bytes")
    a = np.frombuffer(data, dtype=dt, count=count).reshape(shape, order=order)
    return a[()] if tag == "n" else a


def decode(node, buffers: list, make_callable=None, depth: int = 0):
    """The value a tree from ``encode`` stands for, checking every part of it."""
    if depth > MAX_DEPTH:
        raise ProtocolError("a value nested too deeply")
    if node is None or type(node) in (bool, int, float, str):
        return node
    if not isinstance(node, dict) or not node:
        raise ProtocolError(f"a value encoded as {type(node).__name__}")
    if "a" in node or "n" in node:
        return _decode_array(node, buffers, "a" if "a" in node else "n")
    if len(node) == 1 and isinstance(next(iter(node.values())), list) and next(iter(node)) in "TLD":
        tag, items = next(iter(node.items()))
        if tag == "T":
            return tuple(decode(v, buffers, make_callable, depth + 1) for v in items)
        if tag == "L":
            return [decode(v, buffers, make_callable, depth + 1) for v in items]
        if not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in items):
            raise ProtocolError("a dict with malformed entries")
        return {k: decode(v, buffers, make_callable, depth + 1) for k, v in items}
    if "G" in node:
        if node["G"] not in BIT_GENERATORS:
            raise ProtocolError(f"a Generator on {node['G']!r}")
        bit_generator = getattr(np.random, node["G"])()
        try:
            bit_generator.state = decode(node.get("st"), buffers, None, depth + 1)
        except ProtocolError:
            raise
        except Exception as exc:  # NumPy checks the state itself
            raise ProtocolError(f"a Generator state NumPy refuses ({exc})") from None
        return np.random.Generator(bit_generator)
    if "F" in node and make_callable is not None and isinstance(node["F"], int):
        return make_callable(node["F"])
    if node == {"K": 0}:
        return KEEP
    raise ProtocolError(f"an unknown value tag {sorted(node)[:3]}")


def update_in_place(original, new):
    """Make ``original`` hold what ``new`` holds, keeping the identity of arrays, dicts, lists
    and Generators, so that whoever holds them sees a change made on the other side.
    Returns the object to keep in the container (``new`` where ``original`` cannot change)."""
    if new is KEEP:
        return original
    if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if original.shape == new.shape and original.flags.writeable:
            np.copyto(original, new, casting="unsafe")
            return original
        return new
    if isinstance(original, dict) and isinstance(new, dict):
        for key in [k for k in original if k not in new]:
            del original[key]
        for key, value in new.items():
            original[key] = update_in_place(original[key], value) if key in original else value
        return original
    if isinstance(original, list) and isinstance(new, list):
        kept = [update_in_place(o, n) for o, n in zip(original, new)]
        original[:] = kept + new[len(kept):]
        return original
    if isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
        if type(original.bit_generator) is type(new.bit_generator):
            original.bit_generator.state = new.bit_generator.state
            return original
    return new


def update_arguments(args: tuple, kwargs: dict, new) -> None:
    """Carry changes to a call's arguments, sent back as ``(args, kwargs)``, into the originals."""
    if not (isinstance(new, tuple) and len(new) == 2 and isinstance(new[0], tuple) and isinstance(new[1], dict)):
        raise ProtocolError("the arguments sent back are not (args, kwargs)")
    for old, value in zip(args, new[0]):
        update_in_place(old, value)
    for key, value in new[1].items():
        if key in kwargs:
            update_in_place(kwargs[key], value)


# -- frames ---------------------------------------------------------------------------------

def _read_exact(fd: int, n: int) -> bytearray:
    out = bytearray(n)
    view, got = memoryview(out), 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        view[got:got + len(chunk)] = chunk
        got += len(chunk)
    return out


def write_frame(fd: int, message: dict, buffers: list = ()) -> None:
    body = json.dumps(message, separators=(",", ":")).encode()
    parts = [MAGIC + struct.pack("<II", len(body), len(buffers)), body]
    for b in buffers:
        parts += [struct.pack("<Q", len(b)), b]
    for part in parts:
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


def read_frame(fd: int, max_bytes: int) -> tuple[dict, list]:
    """One message: its JSON part and its buffers, refused if larger than ``max_bytes`` in all."""
    head = _read_exact(fd, 12)
    if head[:4] != MAGIC:
        raise ProtocolError("a frame that does not start with the protocol's magic bytes")
    size, count = struct.unpack("<II", head[4:])
    if size > min(MAX_JSON, max_bytes) or count > 100_000:
        raise ProtocolError(f"a frame of {size} bytes and {count} buffers is larger than allowed")
    try:
        message = json.loads(bytes(_read_exact(fd, size)))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a frame whose JSON does not parse ({str(exc)[:80]})") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise ProtocolError("a frame without an operation")
    total, buffers = size, []
    for _ in range(count):
        (n,) = struct.unpack("<Q", _read_exact(fd, 8))
        total += n
        if total > max_bytes:
            raise ProtocolError(f"a message of more than {max_bytes} bytes")
        buffers.append(_read_exact(fd, n))
    return message, buffers


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


class Worker:
    """The serving loop: loads modules, stands in for other katas, runs calls."""

    def __init__(self, directory: str, label: str, rfd: int, wfd: int, max_bytes: int = 1 << 30):
        self.rfd, self.wfd, self.max_bytes = rfd, wfd, max_bytes
        self.functions: dict[str, list] = {}
        self.implementation = _impl.Implementation(directory, stand_ins=self._stand_in_module, label=label)
        self.patches: list = []
        self.outer: list = []  # the arguments of the calls in progress, innermost last

    def send(self, message: dict, values: dict | None = None) -> None:
        buffers: list = []
        try:
            message.update({k: encode(v, buffers) for k, v in (values or {}).items()})
        except (Unsendable, RecursionError, ValueError) as exc:
            message, buffers = {"op": "raise", "type": "Unsendable", "bases": [], "where": "",
                                "message": f"the result cannot be sent to the grader: {exc}"}, []
        write_frame(self.wfd, message, buffers)

    def _callback(self, ident, name: str | None = None):
        def call_back(*args, **kwargs):
            buffers: list = []
            request = {"op": "callback", "id": ident, "name": name,
                       "args": encode((args, kwargs), buffers),
                       "outer": encode(self.outer[-1], buffers) if self.outer else None}
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
        for module, attr, value in reversed(self.patches):
            setattr(module, attr, value)
        self.patches = []
        modules = self.implementation.loaded_modules()
        for fname, module_name in message["names"].items():
            original = getattr(modules.get(module_name), fname, None)
            if original is None:
                continue
            stand_in = self._callback(None, fname)
            for module in modules.values():
                for attr, value in list(vars(module).items()):
                    if value is original:
                        self.patches.append((module, attr, value))
                        setattr(module, attr, stand_in)
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
        rng_before = np.random.get_state(legacy=False)
        caught: list = []
        self.outer.append((args, kwargs))
        try:
            with warnings.catch_warnings(record=True) as caught, np.errstate(**message.get("errstate", {})):
                warnings.simplefilter("always")
                value = fn(*args, **kwargs)
            reply, values = {"op": "return"}, {"value": value}
        except BaseException as exc:  # the implementation's exception is the answer
            reply, values = {"op": "raise", **describe_exception(exc, self.implementation)}, {}
        finally:
            self.outer.pop()
        reply["warnings"] = [[w.category.__name__, str(w.message)[:500]] for w in caught[:20]]
        reply["global_rng"] = not _same_state(rng_before, np.random.get_state(legacy=False))
        values["args"] = (args, kwargs)
        self.send(reply, values)


def _same_state(a: dict, b: dict) -> bool:
    try:
        return json.dumps(a, sort_keys=True, default=lambda x: np.asarray(x).tolist()) == \
            json.dumps(b, sort_keys=True, default=lambda x: np.asarray(x).tolist())
    except (TypeError, ValueError):
        return False


def main(argv: list[str]) -> int:
    """``worker.py IMPL_DIR LABEL [SITE_DIR ...]``: serve on the standard input and output."""
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
