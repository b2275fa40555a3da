"""The worker protocol (nn/worker/protocol.py) and its trusted side (nn/worker/remote.py): values
cross unchanged, in-place changes come back, and anything malformed is a ProtocolError,
never a crash or a pass."""
from __future__ import annotations

import json
import os
import struct
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nn.impl import PROJECT_ROOT
from nn.worker.changes import changed, remember, update_arguments, update_in_place
from nn.worker.protocol import KEEP, ProtocolError, Unsendable, decode, encode, forget, read_frame, write_frame
from nn.worker.remote import RemoteError, RemoteImplementation, WorkerDied

SOLUTIONS = PROJECT_ROOT / "solutions"
DTYPES = st.sampled_from(["bool", "int8", "uint8", "int32", "int64", "uint64", "float16", "float32", "float64"])


def roundtrip(value, callables=None, make_callable=None):
    buffers: list = []
    node = encode(value, buffers, callables)
    node = json.loads(json.dumps(node))  # what crosses is JSON
    return decode(node, [bytearray(b) for b in buffers], make_callable)


@given(DTYPES.flatmap(lambda d: hnp.arrays(d, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))))
def test_arrays_cross_with_dtype_shape_and_values(a):
    b = roundtrip(a)
    assert type(b) is np.ndarray and b.dtype == a.dtype and b.shape == a.shape
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


@pytest.mark.parametrize("make", [lambda a: a, lambda a: a.T, lambda a: a[:, ::2], lambda a: np.asfortranarray(a)])
def test_layouts_cross(make):
    a = make(np.arange(24.0).reshape(4, 6))
    b = roundtrip(a)
    assert np.array_equal(a, b)
    assert (b.flags.c_contiguous, b.flags.f_contiguous) == (a.flags.c_contiguous, a.flags.f_contiguous)


def test_scalars_containers_generators_and_read_only_arrays():
    ro = np.ones((2, 2))
    ro.flags.writeable = False
    value = {"a": (1, 2.5, True, None, "s"), "b": [np.float32(1.5), np.int64(3)], "c": ro,
             "rng": np.random.default_rng(7)}
    out = roundtrip(value)
    assert out["a"] == (1, 2.5, True, None, "s")
    assert type(out["b"][0]) is np.float32 and type(out["b"][1]) is np.int64
    assert not out["c"].flags.writeable
    assert out["rng"].normal() == np.random.default_rng(7).normal()


@pytest.mark.parametrize("value", [object(), {1: 2}, np.array(["x"]), np.array([1 + 2j]), {1, 2},
                                   np.zeros(2, dtype=[("a", "f8")])])
def test_values_outside_the_protocol_are_refused_when_sent(value):
    with pytest.raises(Unsendable):
        encode(value, [])


def test_subclasses_arrive_as_plain_arrays():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, bool)

    b = roundtrip(np.zeros(3).view(Liar))
    assert type(b) is np.ndarray and not np.array_equal(b, np.ones(3))


def test_callables_become_callbacks_and_come_back_kept():
    callables: dict = {}
    out = roundtrip((len, 1), callables, make_callable=lambda i: ("callback", i))
    assert out == (("callback", 0), 1) and callables == {0: len}
    assert roundtrip((len,))[0] is KEEP
    assert update_in_place(len, KEEP) is len


@pytest.mark.parametrize("node, buffers", [
    ({"a": 0, "t": "|O", "s": [1], "o": "C"}, [b"\0" * 8]),
    ({"a": 0, "t": "<f8", "s": [2], "o": "C"}, [b"\0" * 8]),
    ({"a": 3, "t": "<f8", "s": [1], "o": "C"}, [b"\0" * 8]),
    ({"a": 0, "t": "<f8", "s": [-1], "o": "C"}, [b"\0" * 8]),
    ({"a": 0, "t": "<f8", "s": [1], "o": "X"}, [b"\0" * 8]),
    ({"n": 0, "t": "<f8", "s": [1], "o": "C"}, [b"\0" * 8]),
    ({"G": "Evil", "st": None}, []),
    ({"G": "PCG64", "st": {"D": [["bit_generator", "PCG64"]]}}, []),
    ({"Q": 1}, []),
    ({"D": [[1, 2]]}, []),
    ({"F": 0}, []),
    ([1, 2], []),
])
def test_malformed_values_are_protocol_errors(node, buffers):
    with pytest.raises(ProtocolError):
        decode(node, [bytearray(b) for b in buffers])


def test_deep_nesting_is_refused_both_ways():
    deep: list = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(Unsendable):
        encode(deep, [])
    node: dict = {"L": []}
    for _ in range(200):
        node = {"L": [node]}
    with pytest.raises(ProtocolError):
        decode(node, [])


@pytest.mark.parametrize("frame", [b"XXXX" + struct.pack("<II", 2, 0) + b"{}",
                                   b"NNW1" + struct.pack("<II", 1 << 30, 0),
                                   b"NNW1" + struct.pack("<II", 3, 0) + b"[1]",
                                   b"NNW1" + struct.pack("<II", 4, 0) + b"{x:1",
                                   b"NNW1" + struct.pack("<II", 11, 1) + b'{"op":"ok"}' + struct.pack("<Q", 1 << 40)])
def test_malformed_frames_are_protocol_errors(frame):
    r, w = os.pipe()
    os.write(w, frame)
    os.close(w)
    with pytest.raises((ProtocolError, EOFError)):
        read_frame(r, 1 << 20)
    os.close(r)


def test_a_frame_crosses_a_pipe():
    r, w = os.pipe()
    buffers: list = []
    write_frame(w, {"op": "x", "v": encode(np.arange(3), buffers)}, buffers)
    message, got = read_frame(r, 1 << 20)
    assert message["op"] == "x" and np.array_equal(decode(message["v"], got), np.arange(3))
    forget(r)
    os.close(r)
    os.close(w)


def test_update_in_place_keeps_identity():
    a = np.zeros(3)
    d = {"W": a, "gone": 1}
    lst = [np.zeros(2)]
    rng = np.random.default_rng(0)
    update_in_place(d, {"W": np.ones(3), "new": 2})
    update_in_place(lst, [np.ones(2), 5])
    update_in_place(rng, np.random.default_rng(1))
    assert d["W"] is a and np.all(a == 1) and "gone" not in d and d["new"] == 2
    assert np.all(lst[0] == 1) and lst[1] == 5
    assert rng.normal() == np.random.default_rng(1).normal()


def test_only_changed_arrays_are_sent_back():
    """An array still the same object, at the same place, with the same bits, goes back as KEEP;
    a change of one bit (-0.0 for 0.0), a new object or a new place goes back in full."""
    a, b, c, z = np.arange(3.0), np.ones((2, 2)), np.zeros(2), np.zeros(1)
    args = ({"W": a, "pair": (b, 1)}, [c, z])
    memory = remember((args, {}))
    sent, memory = changed((args, {}), memory)
    assert sent[0][0]["W"] is KEEP and sent[0][0]["pair"] == (KEEP, 1) and sent[0][1] == [KEEP, KEEP]
    z[0] = -0.0
    args[1].reverse()
    args[0]["W"] = a.copy()
    sent, memory = changed((args, {}), memory)
    assert sent[0][1][0] is z and sent[0][1][1] is c  # moved: sent, even though unchanged
    assert sent[0][0]["W"] is args[0]["W"] and sent[0][0]["pair"][0] is KEEP
    assert changed((args, {}), memory)[0][0][1] == [KEEP, KEEP]  # the memory follows what was sent
    args[1][0], args[0]["pair"] = {"was": "a list"}, {"now": b}  # a container of another kind: sent whole
    sent, memory = changed((args, {}), memory)
    assert sent[0][1][0] == {"was": "a list"} and sent[0][0]["pair"]["now"] is b


@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["write", "replace", "none"])), max_size=8))
def test_what_is_sent_back_makes_the_originals_equal_to_the_changed_arguments(edits):
    """However the arguments were changed, the sender's changes applied to the receiver's copy
    leave it equal to the sender's arguments, bit for bit."""
    def build():
        return ({"W": np.arange(4.0).reshape(2, 2), "t": (np.ones(2), np.zeros(3))}, [np.full(2, 7.0), np.eye(2)])
    theirs, ours = build(), build()  # the receiver's originals, and the sender's copy of them
    memory = remember((ours, {}))
    slots = [(ours[0], "W"), (ours[1], 0), (ours[1], 1)]
    for i, how in edits:
        container, key = slots[i % len(slots)]
        if how == "write":
            container[key][...] = container[key] + i
        elif how == "replace":
            container[key] = np.full(container[key].shape, float(i))
    if edits and edits[0][0] == 5:
        ours[0]["t"] = (ours[0]["t"][1], ours[0]["t"][0])
    sent, _ = changed((ours, {}), memory)
    buffers: list = []
    node = json.loads(json.dumps(encode(sent, buffers)))
    update_arguments(theirs, {}, decode(node, [bytearray(x) for x in buffers]))
    for mine, other in [(theirs[0]["W"], ours[0]["W"]), (theirs[1][0], ours[1][0]), (theirs[1][1], ours[1][1]),
                        (theirs[0]["t"][0], ours[0]["t"][0]), (theirs[0]["t"][1], ours[0]["t"][1])]:
        assert mine.shape == other.shape and mine.tobytes() == other.tobytes()


# -- the trusted side against a real worker ---------------------------------------------------

@pytest.fixture(scope="module")
def remote():
    r = RemoteImplementation(SOLUTIONS, "process")
    yield r
    r.close()


def test_calls_return_values_and_in_place_changes(remote, tmp_path):
    Z = np.array([[-1.0, 2.0], [3.0, -4.0]])
    assert np.array_equal(remote.call("activations", "relu", (Z,), {}), np.maximum(0, Z))
    x = np.array([[0.5, -1.0]])
    g = remote.call("gradcheck", "numerical_gradient", (lambda v: float(np.sum(v ** 3)), x), {})
    assert np.allclose(g, 3 * x ** 2, atol=1e-6) and np.array_equal(x, [[0.5, -1.0]])
    rng = np.random.default_rng(3)
    remote.call("initialization", "he_normal", (4, 3, rng), {})
    expected = np.random.default_rng(3)
    expected.normal(size=(4, 3))
    assert rng.normal() == expected.normal()  # the worker's draws advanced this Generator


def test_a_closure_over_the_argument_sees_the_workers_nudges(remote):
    params = {"W": np.array([[1.0, 2.0]])}
    grad = remote.call("gradcheck", "numerical_gradient", (lambda _: float(np.sum(params["W"] ** 2)), params["W"]), {})
    assert np.allclose(grad, 2 * params["W"], atol=1e-6)


def _broken(tmp_path, code: str) -> RemoteImplementation:
    d = tmp_path / "impl"
    d.mkdir()
    for p in SOLUTIONS.glob("*.py"):
        (d / p.name).write_text(p.read_text())
    with open(d / "activations.py", "a") as f:
        f.write("\n\n" + code)
    return RemoteImplementation(d, "process")


def test_exceptions_are_rebuilt_with_the_learners_line_and_warnings_reissued(tmp_path):
    r = _broken(tmp_path, "import warnings\ndef relu(Z):\n    warnings.warn('careful', RuntimeWarning)\n"
                          "    raise ValueError('operands could not be broadcast')\n")
    try:
        with warnings.catch_warnings(record=True) as caught, pytest.raises(ValueError) as info:
            warnings.simplefilter("always")
            r.call("activations", "relu", (np.zeros(2),), {})
        assert isinstance(info.value, RemoteError) and "activations.py, line" in info.value.where
        assert any(issubclass(w.category, RuntimeWarning) and "careful" in str(w.message) for w in caught)
    finally:
        r.close()


def test_a_dead_or_lying_worker_fails_the_call_and_is_restarted(tmp_path):
    r = _broken(tmp_path, "import os\ndef relu(Z):\n    os._exit(3)\n"
                          "def relu_backward(dA, Z):\n    os.write(4, b'NNW1garbage')\n    return dA\n")
    try:
        with pytest.raises(WorkerDied):
            r.call("activations", "relu", (np.zeros(2),), {})
        assert np.array_equal(r.call("activations", "softmax", (np.zeros((2, 1)),), {}), [[0.5], [0.5]])
        with pytest.raises((ProtocolError, WorkerDied)):
            for fd_guess in range(3):
                r.call("activations", "relu_backward", (np.zeros(2), np.zeros(2)), {})
    finally:
        r.close()


def test_an_object_returned_twice_is_one_object_on_this_side(tmp_path):
    """A forward that returns its module-level cache dict returns the same dict each time, in-process and here."""
    r = _broken(tmp_path, "")
    (r.path / "network.py").write_text((r.path / "network.py").read_text() + (
        "\n_CACHE = {}\ndef predict(params, X):\n    _CACHE['n'] = np.asarray(X).shape[1]\n    return _CACHE\n"
        "def accuracy(predictions, labels):\n    return {'fresh': np.zeros(1)}\n"))
    try:
        X = np.zeros((2, 3))
        first = r.call("network", "predict", ({}, X), {})
        second = r.call("network", "predict", ({}, np.zeros((2, 5))), {})
        assert first is second and first["n"] == 5
        a, b = r.call("network", "accuracy", (1, 2), {}), r.call("network", "accuracy", (1, 2), {})
        assert a is not b
    finally:
        r.close()


# -- malformed messages: a ProtocolError and nothing else, whatever the shape of the fault ---------

_ARRAY = {"a": 0, "t": "<f8", "s": [1], "o": "C"}


@pytest.mark.parametrize("node, buffers", [
    ({**_ARRAY, "s": [0, 1 << 62, 1 << 62]}, [b""]),  # zero bytes, but NumPy's size overflows
    ({**_ARRAY, "s": [0, 1 << 63]}, [b""]),
    ({**_ARRAY, "s": [1] * 33}, [b"\0" * 8]),  # more dimensions than allowed
    ({**_ARRAY, "s": [0] * 200}, [b""]),
    ({**_ARRAY, "s": [(1 << 32) + 1, 0]}, [b""]),  # one side too long
    ({**_ARRAY, "s": [1.0]}, [b"\0" * 8]),
    ({**_ARRAY, "s": [True]}, [b"\0" * 8]),
    ({**_ARRAY, "s": "1"}, [b"\0" * 8]),
    ({**_ARRAY, "s": [[1]]}, [b"\0" * 8]),
    ({**_ARRAY, "o": "S", "s": [0, 1 << 40]}, [b""]),
    ({**_ARRAY, "a": True}, [b"\0" * 8]),
    ({**_ARRAY, "a": -1}, [b"\0" * 8]),
    ({**_ARRAY, "a": "0"}, [b"\0" * 8]),
    ({**_ARRAY, "o": ["C"]}, [b"\0" * 8]),
    *[({**_ARRAY, "t": t}, [b"\0" * 8]) for t in
      ["O", "V8", "M8", "m8", "<U1", "S8", "(2)f8", "f8,i4", "i4 ", "c16", "", "x" * 100, 8, None, ["<f8"], "?" * 7]],
    ({"n": 0, "t": "<f8", "s": [], "o": "S"}, [b"\0" * 8]),
    ({"I": 1, "v": 5}, []),  # an identity token on a scalar
    ({"I": "1", "v": {"L": []}}, []),
    ({"I": 1, "v": {"L": []}, "x": 0}, []),
    ({"T": 5}, []), ({"L": "abc"}, []), ({"D": "abc"}, []), ({"D": [["k"]]}, []), ({"D": [[1, 2]]}, []),
    ({"T": [1], "L": [2]}, []), ({}, []), ({"K": 1}, []), ({"F": "0"}, []),
    ({"G": ["PCG64"]}, []), ({"G": "PCG64", "st": 5}, []),
    ({"G": "PCG64", "st": None, "ss": ["x", [], 4, 0]}, []),  # an entropy that is not a number
    ({"G": "PCG64", "st": None, "ss": ["1" * 500, [], 4, 0]}, []),
    ({"G": "PCG64", "st": None, "ss": ["1", [-1], 4, 0]}, []),
    ({"G": "MT19937", "st": {"D": [["bit_generator", "MT19937"], ["state", {"D": [["key", 5], ["pos", 0]]}]]}}, []),
    (dict(_ARRAY), None),  # buffers that are not a list
    (3.5j, []), (b"bytes", []), (["L"], []),
])
def test_every_malformed_value_is_a_protocol_error_and_nothing_else(node, buffers):
    with pytest.raises(ProtocolError):
        decode(node, buffers if buffers is None else [bytearray(b) for b in buffers])
    if isinstance(node, dict) and node:  # the same fault deep inside a container, and behind a token
        with pytest.raises(ProtocolError):
            decode({"T": [1, {"L": [{"D": [["k", node]]}]}]}, [bytearray(b) for b in buffers or []])
        with pytest.raises(ProtocolError):
            decode({"I": 7, "v": {"L": [node]}}, [bytearray(b) for b in buffers or []], resolve=lambda t, v: v)


@pytest.mark.parametrize("tag", ["T", "L", "D", "I"])
def test_nesting_past_the_limit_is_a_protocol_error_for_every_container(tag):
    node: object = 1
    for _ in range(300):
        node = {"D": [["k", node]]} if tag == "D" else {"I": 1, "v": {"L": [node]}} if tag == "I" else {tag: [node]}
    with pytest.raises(ProtocolError):
        decode(node, [], resolve=lambda t, v: v)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                     lambda kids: st.lists(kids, max_size=4)
                     | st.dictionaries(st.sampled_from(list("aIvTLDGnFKtsor") + ["st", "ss", "x"]), kids, max_size=4),
                     max_leaves=25)


@given(_JSON, st.lists(st.binary(max_size=16), max_size=3))
def test_any_json_tree_decodes_or_is_a_protocol_error(node, buffers):
    try:
        decode(node, [bytearray(b) for b in buffers], make_callable=lambda i: len, resolve=lambda t, v: v)
    except ProtocolError:
        pass


def _frame(message: dict, buffers: list = ()) -> bytes:
    body = json.dumps(message).encode()
    return b"NNW1" + struct.pack("<II", len(body), len(buffers)) + body + b"".join(
        struct.pack("<Q", len(b)) + b for b in buffers)


def _read(data: bytes, max_bytes: int = 1 << 20, close: bool = True, deadline: float | None = None):
    """``read_frame`` of ``data`` sent on a pipe by a thread (more than the pipe holds blocks a writer)."""
    import threading

    r, w = os.pipe()

    def send():
        try:
            os.write(w, data)
        except OSError:  # the reader stopped early and closed its end
            pass
        if close:
            os.close(w)
    writer = threading.Thread(target=send, daemon=True)
    writer.start()
    try:
        return read_frame(r, max_bytes, deadline)
    finally:
        forget(r)
        os.close(r)
        writer.join(10)
        if not close:
            os.close(w)


def test_a_frame_cut_anywhere_is_an_end_of_channel_or_a_protocol_error():
    whole = _frame({"op": "return", "value": {"a": 0, "t": "<f8", "s": [2], "o": "C"}}, [b"\0" * 16])
    assert _read(whole)[0]["op"] == "return"
    for cut in range(len(whole)):
        with pytest.raises((EOFError, ProtocolError)):
            _read(whole[:cut])


def test_a_frame_cut_short_by_a_sender_that_stays_is_a_timeout_with_a_deadline():
    import time

    whole = _frame({"op": "loaded", "error": None})
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        _read(whole[:7], close=False, deadline=time.monotonic() + 0.3)
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("data", [
    b"NNW1" + struct.pack("<II", 5, 0) + b'"op"x',  # JSON that is not an object
    b"NNW1" + struct.pack("<II", 9, 0) + b'{"op":1}x',  # an operation that is not a string
    b"NNW1" + struct.pack("<II", 2, 0) + b"\xff\xfe",  # not UTF-8
    b"NNW1" + struct.pack("<II", 12, 0) + b"[" * 12,
    b"NNW1" + struct.pack("<II", 10_000, 0) + b"[" * 10_000,  # nested past the parser's recursion limit
    b"NNW1" + struct.pack("<II", 11, 20_000) + b'{"op":"ok"}',  # too many buffers
    b"NNW1" + struct.pack("<II", 11, 2) + b'{"op":"ok"}' + struct.pack("<Q", 1 << 19) + b"\0" * (1 << 19)
    + struct.pack("<Q", 1 << 19) + b"\0" * 8,  # more bytes in all than allowed
    b"NNW1" + struct.pack("<II", 5016, 0) + b'{"op":"ok","n":' + b"9" * 5000 + b"}",  # past int's digit limit
])
def test_malformed_frames_of_every_kind_are_protocol_errors(data):
    with pytest.raises((ProtocolError, EOFError)):
        _read(data)


@given(st.binary(max_size=64))
def test_random_bytes_are_never_anything_but_a_protocol_error_or_the_end(data):
    try:
        _read(b"NNW1" + data)
    except (ProtocolError, EOFError):
        pass


# -- the trusted side: a malformed message fails what it came from, and nothing else ---------------

BAD_CALLBACK = ("import json as _j, os as _o, struct as _s\n"
                "def _bad_frame():\n"
                "    body = _j.dumps({'op': 'callback', 'id': None, 'name': 'relu', 'outer': None, 'args': {'T': [\n"
                "        {'T': [{'a': 0, 't': '<f8', 's': [0, 1 << 62, 1 << 62], 'o': 'C'}]}, {'D': []}]}}).encode()\n"
                "    frame = b'NNW1' + _s.pack('<II', len(body), 1) + body + _s.pack('<Q', 0)\n"
                "    for fd in range(3, 64):\n"
                "        try:\n"
                "            _o.write(fd, frame)\n"
                "        except OSError:\n"
                "            pass\n")


def test_a_malformed_callback_fails_the_call_as_a_protocol_error_and_the_next_call_works(tmp_path):
    r = _broken(tmp_path, BAD_CALLBACK + "def relu(Z):\n    _bad_frame()\n    import time\n    time.sleep(30)\n")
    try:
        with pytest.raises(ProtocolError):
            r.call("activations", "relu", (np.zeros(2),), {})
        assert np.array_equal(r.call("activations", "softmax", (np.zeros((2, 1)),), {}), [[0.5], [0.5]])
    finally:
        r.close()


@pytest.mark.parametrize("fault", ["a malformed callback", "half a frame, then a loop"])
def test_a_fault_at_import_breaks_that_module_alone(tmp_path, fault):
    code = (BAD_CALLBACK + "_bad_frame()\n" if fault == "a malformed callback" else
            "import os\nfor _fd in range(3, 64):\n    try:\n        os.write(_fd, b'NNW1\\x10')\n"
            "    except OSError:\n        pass\nwhile True:\n    pass\n")
    r = _broken(tmp_path, code)
    r.import_timeout = 3.0
    try:
        assert np.allclose(r.call("losses", "cross_entropy", (np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]])), {}),
                           np.log(2))
        message = r.module_error("activations")
        assert message and ("protocol" in message if fault == "a malformed callback" else "did not finish" in message)
        assert [m for m in ("losses", "layers", "network", "initialization", "gradcheck") if r.module_error(m)] == []
    finally:
        r.close()
