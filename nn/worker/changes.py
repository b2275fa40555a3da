"""What goes back after a call across the worker protocol (``nn/worker/protocol.py``): the arguments
as they are after it, so that a change made in place on one side is made on the other.

Arguments go back after every call, and most do not change (a data set, a callback's inputs):
an array still the same object, in the same place, with the same bits (NaN is NaN, -0.0 is
not 0.0) goes back as KEEP, and the receiver keeps its own. Standard library and NumPy only,
with ``protocol.py`` beside it: the worker loads this file as a plain module in its sandbox.
"""
from __future__ import annotations

import numpy as np

try:
    from .protocol import KEEP, ProtocolError
except ImportError:  # a plain module inside the sandbox, beside a copy of protocol.py
    from protocol import KEEP, ProtocolError  # type: ignore[no-redef]


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
    if isinstance(original, tuple) and isinstance(new, tuple):  # a new tuple, holding the originals it can
        return tuple(update_in_place(o, n) for o, n in zip(original, new)) + new[len(original):]
    if isinstance(original, list) and isinstance(new, list):
        kept = [update_in_place(o, n) for o, n in zip(original, new)]
        original[:] = kept + new[len(kept):]
        return original
    if isinstance(original, np.random.Generator) and isinstance(new, np.random.Generator):
        if type(original.bit_generator) is type(new.bit_generator):
            original.bit_generator.state = new.bit_generator.state
            return original
    return new


def changed(value, memory):
    """``(to send, memory)``: ``value`` with KEEP for each array as ``memory`` (None, or from the
    last call) holds it, and the memory of what the receiver holds once this is sent."""
    if isinstance(value, np.ndarray):
        if isinstance(memory, tuple) and memory[0] is value and memory[1].dtype == value.dtype \
                and memory[1].shape == value.shape and value.itemsize in (1, 2, 4, 8) and np.array_equal(
                    *(a.view(f"i{a.itemsize}") for a in (value, memory[1]))):
            return KEEP, memory
        return value, (value, value.copy(order="K"))
    if isinstance(value, dict):  # its memory is a dict's, or nothing (a list made a dict: all sent)
        old = memory if isinstance(memory, dict) else {}
        pairs = {k: changed(v, old.get(k)) for k, v in value.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if isinstance(value, (tuple, list)):
        old = memory if isinstance(memory, list) else []
        pairs = [changed(v, old[i] if i < len(old) else None) for i, v in enumerate(value)]
        sent = [p[0] for p in pairs]
        return (tuple(sent) if isinstance(value, tuple) else sent), [p[1] for p in pairs]
    return value, None


def remember(value):
    """What the receiver holds of ``value`` once all of it is sent: the memory for ``changed``."""
    return changed(value, None)[1]


def update_arguments(args: tuple, kwargs: dict, new) -> None:
    """Carry changes to a call's arguments, sent back as ``(args, kwargs)``, into the originals."""
    if not (isinstance(new, tuple) and len(new) == 2 and isinstance(new[0], tuple) and isinstance(new[1], dict)):
        raise ProtocolError("the arguments sent back are not (args, kwargs)")
    for old, value in zip(args, new[0]):
        update_in_place(old, value)
    for key, value in new[1].items():
        if key in kwargs:
            update_in_place(kwargs[key], value)
