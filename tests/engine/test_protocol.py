"""The wire protocol: round trips, and refusal of anything that is not plain data."""

from __future__ import annotations

import io
import json
import pickle
import socket
import struct

import numpy as np
import pytest

from autograder.sandbox import protocol
from autograder.sandbox.protocol import Budget, HandleRef, ProtocolError


def roundtrip(value, **kwargs):
    tree, blobs = protocol.pack(value, **kwargs)
    tree = json.loads(json.dumps(tree))
    return protocol.unpack(tree, blobs)


def test_plain_values_round_trip_exactly():
    value = {"a": [1, 2.5, None, True, "s"], "t": (1, (2, 3)), 3: float("nan")}
    got = roundtrip(value)
    assert got["a"] == [1, 2.5, None, True, "s"]
    assert got["t"] == (1, (2, 3))
    assert np.isnan(got[3])


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "uint8", "bool", "complex128"])
def test_arrays_round_trip_with_dtype_and_shape(dtype):
    arr = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    got = roundtrip(arr)
    assert type(got) is np.ndarray and got.dtype == arr.dtype and np.array_equal(got, arr)


@pytest.mark.parametrize("array", [np.array(0.5), np.array(3), np.arange(6.0)[::2],
                                   np.ones((2, 3)).T])
def test_a_zero_dimensional_or_strided_array_keeps_its_shape(array):
    got = roundtrip(array)
    assert got.shape == array.shape and np.array_equal(got, array)


@pytest.mark.parametrize("array", [np.ones((2, 3)).T, np.arange(6).reshape(2, 3).T,
                                   np.asfortranarray(np.arange(24.0).reshape(2, 3, 4))])
def test_a_fortran_ordered_array_arrives_fortran_ordered(array):
    """A suite may call a function with a transposed matrix: it must arrive as one, not
    as a C-ordered copy that hides a function's dependence on memory layout."""
    got = roundtrip(array)
    assert np.array_equal(got, array) and got.dtype == array.dtype
    assert got.flags.f_contiguous and not got.flags.c_contiguous


def test_an_unknown_or_impossible_layout_is_a_protocol_error():
    tree, blobs = protocol.pack(np.arange(3.0))
    for layout in ("X", "F"):  # "F" is meaningless for one dimension
        with pytest.raises(ProtocolError, match="layout"):
            protocol.unpack({**tree, "o": layout}, blobs)


@pytest.mark.parametrize("array", [
    np.zeros(()), np.arange(3), np.linspace(0, 1, 12).reshape(3, 4),
    np.ones((2, 3, 4), dtype=np.float32), np.array([True, False]), np.array(["ab", "c"]),
    np.zeros((0, 3)), np.arange(6, dtype=">i4").reshape(2, 3), np.array([1 + 2j]),
    np.zeros((2, 3), dtype=np.uint64)])
def test_arrays_are_written_as_np_save_writes_them_and_read_back_writable(array):
    blob = protocol._array_to_npy(array)
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    assert blob == buf.getvalue()
    back = protocol.npy_to_array(blob)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array) and back.flags.writeable


@pytest.mark.parametrize("blob", [
    b"", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}",
    protocol._array_to_npy(np.zeros(3))[:-1]])
def test_truncated_arrays_are_refused(blob):
    with pytest.raises(ProtocolError):
        protocol.npy_to_array(blob)


def test_ndarray_subclass_arrives_as_a_plain_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    got = roundtrip(np.arange(3.0).view(Liar))
    assert type(got) is np.ndarray


def test_unsendable_object_becomes_a_handle_only_where_allowed():
    kept = []
    tree, _ = protocol.pack(object(), to_handle=lambda o: kept.append(o) or HandleRef(7, "object"))
    assert tree == {"t": "handle", "id": 7, "type": "object", "bases": []}
    with pytest.raises(ProtocolError):
        protocol.pack(object())


def test_a_handle_carries_its_base_class_names_within_bounds():
    ref = HandleRef(3, "Crate", ("Box", "Base"))
    tree, blobs = protocol.pack(ref)
    got = protocol.unpack(tree, blobs, from_handle=lambda r: r)
    assert got == ref
    for bases in (["x"] * (protocol.MAX_BASES + 1), ["x" * 101], "Box", [3]):
        with pytest.raises(ProtocolError):
            protocol.unpack({**tree, "bases": bases}, blobs, from_handle=lambda r: r)


def test_object_arrays_are_never_unpickled():
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ProtocolError, match="malformed array"):
        protocol.unpack({"t": "array", "b": 0}, [buf.getvalue()])


def test_a_raw_pickle_is_rejected():
    class Boom:
        def __reduce__(self):
            return (print, ("executed!",))

    with pytest.raises(ProtocolError):
        protocol.unpack({"t": "array", "b": 0}, [pickle.dumps(Boom())])


def test_structured_dtypes_are_rejected():
    buf = io.BytesIO()
    np.save(buf, np.zeros(2, dtype=[("a", "f8")]))
    with pytest.raises(ProtocolError, match="unsupported dtype"):
        protocol.unpack({"t": "array", "b": 0}, [buf.getvalue()])


@pytest.mark.parametrize("tree", [
    {"t": "pickle", "v": "x"}, {"t": "int", "v": 5}, {"t": "list", "v": {"a": 1}},
    {"t": "array", "b": 3}, {"t": "dict", "v": [[{"t": "list", "v": []}, {"t": "none"}]]},
    ["not", "a", "node"], {"t": "float", "v": "1" * 100},
])
def test_malformed_trees_raise_protocol_error(tree):
    with pytest.raises(ProtocolError):
        protocol.unpack(tree, [])


def test_deep_nesting_and_item_bombs_are_refused():
    deep = {"t": "none"}
    for _ in range(100):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(ProtocolError, match="too deeply"):
        protocol.unpack(deep, [])
    wide = {"t": "list", "v": [{"t": "none"}] * 50}
    with pytest.raises(ProtocolError):
        protocol.unpack(wide, [], Budget(max_items=10))


def test_frames_round_trip_and_oversized_frames_are_refused_early():
    a, b = socket.socketpair()
    protocol.send_frame(a, {"op": "x"}, [b"12345"])
    assert protocol.recv_frame(b) == ({"op": "x"}, [b"12345"])
    a.sendall(struct.pack("<II", 2**31, 0))
    with pytest.raises(ProtocolError, match="too large"):
        protocol.recv_frame(b, Budget(max_bytes=1024))
    a.close()
    b.close()


def test_a_frame_header_that_is_not_json_is_a_protocol_error():
    a, b = socket.socketpair()
    a.sendall(struct.pack("<II", 4, 0) + b"\xff\xfe{]")
    with pytest.raises(ProtocolError, match="malformed"):
        protocol.recv_frame(b)
