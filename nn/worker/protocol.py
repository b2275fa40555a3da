"""The plain-data protocol between the trusted side and a worker process (``nn/worker/serve.py``).

Only plain data crosses: numeric and boolean ndarrays (dtype, shape, order and bytes,
rebuilt by the receiver, so no subclass and no ``__eq__`` survives), NumPy scalars, Python
scalars and strings, tuples, lists, dicts with string keys and NumPy Generators (as their
bit generator's state). A callable becomes a numbered callback. Everything received is
checked by ``decode`` and ``read_frame``: a malformed message is a ``ProtocolError``, never a
crash of the receiver, and nothing received is ever executed or unpickled.

Each message is a frame: ``NNW1``, the JSON part's length and the number of buffers, the
JSON part, then each buffer with its length. Standard library and NumPy only: the worker
loads this file as a plain module inside its sandbox.
"""
from __future__ import annotations

import json
import os
import select
import struct
import time

import numpy as np

MAGIC = b"NNW1"
MAX_JSON = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_DIMS = 32
MAX_SIDE = 1 << 32  # one dimension of an array; NumPy refuses far less than the product allows
MAX_ELEMENTS = 1 << 40  # the product of the dimensions, zeros counted as ones: nothing NumPy overflows on
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
    # The layout travels too, so that code which mishandles one meets it on the other side:
    # C order, Fortran order (a transposed view), or strided (a slice that is neither).
    if a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous:
        order = "F"
    elif a.ndim and a.size > 1 and not a.flags.c_contiguous and not a.flags.f_contiguous:
        order = "S"
    else:
        order = "C"
    buffers.append(a.tobytes(order="F" if order == "F" else "C"))
    node = {tag: len(buffers) - 1, "t": a.dtype.str, "s": list(a.shape), "o": order}
    if not a.flags.writeable:
        node["r"] = 1
    return node


def encode(value, buffers: list, callables: dict | None = None, depth: int = 0, identify=None):
    """``value`` as a JSON-ready tree; array bytes go to ``buffers``, callables to ``callables``.
    With ``identify(obj) -> int``, arrays, lists and dicts carry a token of their identity, so
    that the receiver can hand back the same object where the sender returned the same one."""
    if depth > MAX_DEPTH:
        raise Unsendable("a value nested too deeply")
    if identify is not None and isinstance(value, (np.ndarray, list, dict)):
        return {"I": identify(value), "v": _encode(value, buffers, callables, depth, identify)}
    return _encode(value, buffers, callables, depth, identify)


def _encode(value, buffers: list, callables: dict | None, depth: int, identify):
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
        return {"T": [encode(v, buffers, callables, depth + 1, identify) for v in value]}
    if isinstance(value, list):
        return {"L": [encode(v, buffers, callables, depth + 1, identify) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise Unsendable("a dict whose keys are not all strings")
        return {"D": [[str(k), encode(v, buffers, callables, depth + 1, identify)] for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        name = type(value.bit_generator).__name__
        if name not in BIT_GENERATORS:
            raise Unsendable(f"a Generator on a {name}")
        node = {"G": name, "st": encode(value.bit_generator.state, buffers, None, depth + 1)}
        seq = getattr(value.bit_generator, "seed_seq", None)
        if isinstance(seq, np.random.SeedSequence):  # spawn() must give the same children on both sides
            node["ss"] = [str(seq.entropy), [int(k) for k in seq.spawn_key], int(seq.pool_size),
                          int(seq.n_children_spawned)]
        return node
    if value is KEEP:  # an argument sent back unchanged: the receiver keeps its own
        return {"K": 0}
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
    except Exception:  # NumPy parses the string: whatever it refuses is refused here
        dt = None
    if dt is None or dt.kind not in "biuf" or dt.fields is not None or dt.subdtype is not None:
        raise ProtocolError(f"an array of dtype {str(dtype)[:20]!r} (only booleans, integers and floats)")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS or order not in ("C", "F", "S")
            or not all(type(n) is int and 0 <= n <= MAX_SIDE for n in shape)
            or np.prod([max(n, 1) for n in shape], dtype=object) > MAX_ELEMENTS):
        raise ProtocolError("an array with a malformed shape")
    if tag == "n" and shape:
        raise ProtocolError("a scalar with a shape")
    if order == "S" and not shape:
        raise ProtocolError("a strided array with no dimension")
    data = buffers[index]
    count = int(np.prod(shape, dtype=object)) if shape else 1
    if count * dt.itemsize != len(data):
        raise ProtocolError(f"an array of shape {tuple(shape)} and dtype {dt} with {len(data)} bytes")
    try:
        a = np.frombuffer(data, dtype=dt, count=count).reshape(shape, order="F" if order == "F" else "C")
        if order == "S":  # the same values in a strided view that no reshape can flatten without a copy
            if len(shape) == 1:
                wide = np.empty((2 * shape[0],), dtype=dt)
                wide[::2] = a
                a = wide[::2]
            else:
                wide = np.empty(tuple(shape[:-2]) + (2 * shape[-2], 3 * shape[-1]), dtype=dt)
                wide[..., ::2, ::3] = a
                a = wide[..., ::2, ::3]
    except (ValueError, TypeError, MemoryError, OverflowError) as exc:
        raise ProtocolError(f"an array NumPy cannot rebuild ({str(exc)[:80]})") from None
    if node.get("r") == 1:
        a.flags.writeable = False
    return a[()] if tag == "n" else a


def _seed_sequence(ss):
    """A SeedSequence rebuilt from ``[entropy, spawn_key, pool_size, n_children_spawned]``, or None."""
    if ss is None:
        return None
    if not (isinstance(ss, list) and len(ss) == 4 and isinstance(ss[0], str) and len(ss[0]) < 400
            and isinstance(ss[1], list) and len(ss[1]) < 64 and all(isinstance(k, int) and 0 <= k < 2 ** 64 for k in ss[1])
            and ss[2] in (4, 8, 16) and isinstance(ss[3], int) and 0 <= ss[3] < 2 ** 32):
        raise ProtocolError("a malformed seed sequence")
    return np.random.SeedSequence(int(ss[0]), spawn_key=tuple(ss[1]), pool_size=ss[2], n_children_spawned=ss[3])


def decode(node, buffers: list, make_callable=None, depth: int = 0, resolve=None):
    """The value a tree from ``encode`` stands for, checking every part of it. ``resolve(token,
    fresh)`` maps an identity token to the object to hand out (``fresh`` the first time).
    Whatever is wrong with ``node``, the one exception raised is a ProtocolError."""
    try:
        return _decode(node, buffers, make_callable, depth, resolve)
    except ProtocolError:
        raise
    except Exception as exc:  # a malformed value found by Python or NumPy rather than by a check here
        raise ProtocolError(f"a value that does not decode ({type(exc).__name__}: {str(exc)[:80]})") from None


def _decode(node, buffers: list, make_callable=None, depth: int = 0, resolve=None):
    if depth > MAX_DEPTH:
        raise ProtocolError("a value nested too deeply")
    if isinstance(node, dict) and "I" in node:
        token = node["I"]
        if not (isinstance(token, int) and not isinstance(token, bool) and set(node) == {"I", "v"}):
            raise ProtocolError("a malformed identity token")
        fresh = _decode(node["v"], buffers, make_callable, depth + 1, resolve)
        if not isinstance(fresh, (np.ndarray, list, dict)):
            raise ProtocolError("an identity token on a value that has none")
        return resolve(token, fresh) if resolve is not None else fresh
    if node is None or type(node) in (bool, int, float, str):
        return node
    if not isinstance(node, dict) or not node:
        raise ProtocolError(f"a value encoded as {type(node).__name__}")
    if "a" in node or "n" in node:
        return _decode_array(node, buffers, "a" if "a" in node else "n")
    if len(node) == 1 and isinstance(next(iter(node.values())), list) and next(iter(node)) in "TLD":
        tag, items = next(iter(node.items()))
        if tag == "T":
            return tuple(_decode(v, buffers, make_callable, depth + 1, resolve) for v in items)
        if tag == "L":
            return [_decode(v, buffers, make_callable, depth + 1, resolve) for v in items]
        if not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in items):
            raise ProtocolError("a dict with malformed entries")
        return {k: _decode(v, buffers, make_callable, depth + 1, resolve) for k, v in items}
    if "G" in node:
        if node["G"] not in BIT_GENERATORS:
            raise ProtocolError(f"a Generator on {node['G']!r}")
        try:
            bit_generator = getattr(np.random, node["G"])(_seed_sequence(node.get("ss")))
            bit_generator.state = _decode(node.get("st"), buffers, None, depth + 1)
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


# -- frames ---------------------------------------------------------------------------------

_PENDING: dict[int, bytearray] = {}  # bytes read ahead from each descriptor, not yet used


def forget(fd: int) -> None:
    """Drop what was read ahead from ``fd``: call it when the descriptor is closed."""
    _PENDING.pop(fd, None)


def _read_exact(fd: int, n: int, deadline: float | None = None) -> bytearray:
    """``n`` bytes from ``fd``, reading ahead in large chunks: a small message costs one read.
    With ``deadline`` (``time.monotonic()``), TimeoutError once it passes with bytes missing."""
    pending = _PENDING.setdefault(fd, bytearray())
    while len(pending) < n:
        if deadline is not None and not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            raise TimeoutError("the other side sent no complete message in time")
        chunk = os.read(fd, max(n - len(pending), 1 << 16) if n - len(pending) < 1 << 24 else 1 << 24)
        if not chunk:
            raise EOFError("the other side closed the channel")
        pending += chunk
    out = pending[:n]
    del pending[:n]
    return out


def write_frame(fd: int, message: dict, buffers: list = ()) -> None:
    """One message in as few writes as the pipe allows (one, for a small message)."""
    body = json.dumps(message, separators=(",", ":")).encode()
    parts = [MAGIC + struct.pack("<II", len(body), len(buffers)), body]
    for b in buffers:
        parts += [struct.pack("<Q", len(b)), b]
    data = memoryview(b"".join(parts))
    while data:
        data = data[os.write(fd, data):]


def read_frame(fd: int, max_bytes: int, deadline: float | None = None) -> tuple[dict, list]:
    """One message: its JSON part and its buffers, refused if larger than ``max_bytes`` in all;
    with ``deadline``, a TimeoutError if it is not all there by then (see ``_read_exact``).
    After any failure the channel is unusable, and what was read ahead from it is dropped."""
    try:
        return _read_frame(fd, max_bytes, deadline)
    except BaseException:
        forget(fd)
        raise


def _read_frame(fd: int, max_bytes: int, deadline: float | None) -> tuple[dict, list]:
    head = _read_exact(fd, 12, deadline)
    if head[:4] != MAGIC:
        raise ProtocolError("a frame that does not start with the protocol's magic bytes")
    size, count = struct.unpack("<II", head[4:])
    if size > min(MAX_JSON, max_bytes) or count > 10_000:
        raise ProtocolError(f"a frame of {size} bytes and {count} buffers is larger than allowed")
    try:
        message = json.loads(bytes(_read_exact(fd, size, deadline)))
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"a frame whose JSON does not parse ({str(exc)[:80]})") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise ProtocolError("a frame without an operation")
    total, buffers = size, []
    for _ in range(count):
        (n,) = struct.unpack("<Q", _read_exact(fd, 8, deadline))
        total += n
        if total > max_bytes:
            raise ProtocolError(f"a message of more than {max_bytes} bytes")
        buffers.append(_read_exact(fd, n, deadline))
    return message, buffers
