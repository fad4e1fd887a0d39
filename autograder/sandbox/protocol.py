"""The narrow wire protocol between the trusted grader and the untrusted worker.

A frame is a JSON header plus zero or more binary blobs, each blob one array in
NumPy's ``.npy`` format::

    u32 header length | u32 blob count | header (UTF-8 JSON) | (u64 length | blob)*

Values travel as tagged JSON trees (see :func:`encode` and :func:`decode`). Arrays
are read back with ``np.load(..., allow_pickle=False)``, so nothing a worker sends
is ever unpickled, and every decoded value is a plain builtin or a base-class
``np.ndarray``: no student-defined method can run on the trusted side.

Both sides import this module; it must stay free of anything secret and import
nothing but the standard library and NumPy.
"""

from __future__ import annotations

import io
import json
import re
import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_HEAD = struct.Struct("<II")
_BLOB = struct.Struct("<Q")

#: dtype kinds allowed across the wire: bool, signed/unsigned int, float, complex, unicode.
ALLOWED_KINDS = frozenset("biufcU")
MAX_BASES = 16  # base-class names a handle carries
ANY_KEYWORD = "**"  # in a signature's defaults: it takes any keyword (**kwargs)


class ProtocolError(Exception):
    """A frame or value that breaks the protocol (malformed, too large, wrong type)."""


@dataclass(frozen=True)
class Budget:
    """Limits applied while reading and decoding one frame."""

    max_bytes: int = 64 * 2**20
    max_items: int = 100_000
    max_depth: int = 32
    max_str: int = 1_000_000


@dataclass(frozen=True)
class HandleRef:
    """An object that stays inside the worker, named by its id there."""

    id: int
    type_name: str
    bases: tuple[str, ...] = ()  # the names of the classes it derives from (not object)


@dataclass(frozen=True)
class RngSeed:
    """Asks the worker to build ``np.random.default_rng(seed)`` for a call argument."""

    seed: int


# ---------------------------------------------------------------------------
# framing


def send_frame(sock: socket.socket, header: dict, blobs: Sequence[bytes] = ()) -> None:
    """Write one frame (header and blobs) to a stream socket."""
    head = json.dumps(header, allow_nan=False).encode()
    parts = [_HEAD.pack(len(head), len(blobs)), head]
    for blob in blobs:
        parts += [_BLOB.pack(len(blob)), blob]
    sock.sendall(b"".join(parts))


def read_exact(sock: socket.socket, n: int) -> bytes:
    """Exactly ``n`` bytes from a stream socket; EOFError if it closes first."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("the peer closed the connection")
        buf += chunk
    return bytes(buf)


def recv_frame(sock: socket.socket, budget: Budget = Budget()) -> tuple[dict, list[bytes]]:
    """Read one frame, refusing it as soon as its declared size exceeds ``budget``."""
    head_len, n_blobs = _HEAD.unpack(read_exact(sock, _HEAD.size))
    if head_len > budget.max_bytes or n_blobs > budget.max_items:
        raise ProtocolError(f"frame too large ({head_len} header bytes, {n_blobs} arrays)")
    total = head_len
    try:
        header = json.loads(read_exact(sock, head_len))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ProtocolError(f"malformed frame header: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not a JSON object")
    blobs = []
    for _ in range(n_blobs):
        (size,) = _BLOB.unpack(read_exact(sock, _BLOB.size))
        total += size
        if total > budget.max_bytes:
            raise ProtocolError(f"frame larger than the {budget.max_bytes} byte limit")
        blobs.append(read_exact(sock, size))
    return header, blobs


# ---------------------------------------------------------------------------
# values


# The header ``np.save`` writes for a C-ordered array of a plain dtype (format 1.0),
# padded with spaces to a multiple of 64 bytes and ended by a newline.
_NPY_MAGIC = b"\x93NUMPY\x01\x00"
_NPY_HEADER = re.compile(rb"\{'descr': '([<>|][biufcU]\d{1,4})', 'fortran_order': False, "
                         rb"'shape': \(((?:\d{1,12}, )*\d{1,12},?)?\), \} *\n")


def _array_to_npy(a: np.ndarray) -> bytes:
    """``a`` (C-contiguous) as the bytes ``np.save`` writes; built directly for plain
    dtypes, which is most of the protocol's time otherwise."""
    if a.dtype.kind not in ALLOWED_KINDS or a.dtype.names or not a.flags.c_contiguous:
        buf = io.BytesIO()
        np.save(buf, a, allow_pickle=False)
        return buf.getvalue()
    shape = "(" + "".join(f"{d}, " for d in a.shape).removesuffix(" ") + ")"
    if len(a.shape) > 1:
        shape = shape.removesuffix(",)") + ")"
    header = f"{{'descr': '{a.dtype.str}', 'fortran_order': False, 'shape': {shape}, }}"
    pad = -(len(_NPY_MAGIC) + 2 + len(header) + 1) % 64
    text = (header + " " * pad + "\n").encode("latin1")
    return b"".join([_NPY_MAGIC, struct.pack("<H", len(text)), text, a.tobytes()])


def _parse_npy(blob: bytes) -> np.ndarray | None:
    """The array of a blob in exactly the form :func:`_array_to_npy` writes (a copy, so
    it is writable like ``np.load``'s); None for anything else."""
    if not blob.startswith(_NPY_MAGIC) or len(blob) < 10:
        return None
    (size,) = struct.unpack_from("<H", blob, 8)
    match = _NPY_HEADER.fullmatch(blob, 10, 10 + size)
    if match is None:
        return None
    dtype = np.dtype(match[1].decode())
    shape = tuple(int(d) for d in (match[2] or b"").split(b",") if d.strip())
    count = 1
    for d in shape:
        count *= d
    if dtype.itemsize == 0 or len(blob) - 10 - size != count * dtype.itemsize:
        return None
    return np.frombuffer(blob, dtype, count, 10 + size).reshape(shape).copy()


def npy_to_array(blob: bytes, budget: Budget = Budget()) -> np.ndarray:
    """Load one ``.npy`` blob without pickles; only plain numeric or string dtypes pass."""
    try:
        arr = _parse_npy(blob)
        if arr is None:
            arr = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:  # np.load raises many types on garbage
        raise ProtocolError(f"malformed array: {exc}") from None
    if type(arr) is not np.ndarray or arr.dtype.kind not in ALLOWED_KINDS or arr.dtype.names:
        raise ProtocolError(f"array of unsupported dtype {arr.dtype}")
    if arr.size > budget.max_bytes:
        raise ProtocolError("array too large")
    return arr


class Encoder:
    """Turns a value into a tagged JSON tree plus ``.npy`` blobs.

    ``to_handle`` decides what happens to an object that has no wire form: the
    worker keeps it and sends a handle; the trusted side refuses it.
    """

    def __init__(self, to_handle=None) -> None:
        self.blobs: list[bytes] = []
        self._to_handle = to_handle

    def encode(self, x: Any, depth: int = 0) -> dict:
        if depth > 64:
            raise ProtocolError("value nested too deeply")
        if x is None:
            return {"t": "none"}
        if isinstance(x, bool | np.bool_):
            return {"t": "bool", "v": bool(x)}
        if isinstance(x, int | np.integer):
            return {"t": "int", "v": str(int(x))}
        if isinstance(x, float | np.floating):
            return {"t": "float", "v": float.__repr__(float(x))}
        if isinstance(x, str):
            return {"t": "str", "v": str.__str__(x)}
        if isinstance(x, HandleRef):
            return {"t": "handle", "id": x.id, "type": x.type_name, "bases": list(x.bases)}
        if isinstance(x, RngSeed):
            return {"t": "rng", "seed": str(int(x.seed))}
        if isinstance(x, np.ndarray | complex | np.complexfloating):
            return self._array(x)
        if isinstance(x, list | tuple):
            tag = "tuple" if isinstance(x, tuple) else "list"
            return {"t": tag, "v": [self.encode(v, depth + 1) for v in x]}
        if isinstance(x, dict):
            items = [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in x.items()]
            return {"t": "dict", "v": items}
        return self._other(x)

    def _array(self, x: Any) -> dict:
        arr = np.asarray(x)
        if arr.dtype.kind not in ALLOWED_KINDS or arr.dtype.names:
            return self._other(x)
        # A Fortran-ordered array (a transpose, say) crosses as its C-ordered transpose and
        # is transposed back, so a function is called with the layout the suite chose.
        fortran = arr.ndim > 1 and arr.flags.f_contiguous and not arr.flags.c_contiguous
        if fortran:
            arr = arr.T
        # not np.ascontiguousarray, which turns a 0-d array (one number) into shape (1,)
        contiguous = arr if arr.flags.c_contiguous else np.array(arr, order="C")
        self.blobs.append(_array_to_npy(contiguous.view(np.ndarray)))
        return {"t": "array", "b": len(self.blobs) - 1, **({"o": "F"} if fortran else {})}

    def _other(self, x: Any) -> dict:
        if self._to_handle is None:
            raise ProtocolError(f"cannot send a value of type {type(x).__name__}")
        return self.encode(self._to_handle(x))


class Decoder:
    """Rebuilds a value from a tagged JSON tree, checking types and sizes as it goes.

    ``from_handle`` and ``from_rng`` map handles and seeds to local objects.
    """

    def __init__(self, blobs: list[bytes], budget: Budget = Budget(),
                 from_handle=None, from_rng=None) -> None:
        self.blobs = blobs
        self.budget = budget
        self.items = 0
        self._from_handle = from_handle or (lambda ref: ref)
        self._from_rng = from_rng

    def decode(self, node: Any, depth: int = 0) -> Any:
        self.items += 1
        if depth > self.budget.max_depth or self.items > self.budget.max_items:
            raise ProtocolError("value too deeply nested or with too many items")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise ProtocolError("malformed value")
        tag = node["t"]
        method = getattr(self, "_" + tag, None)
        if tag not in _TAGS or method is None:
            raise ProtocolError(f"unknown value tag {tag!r}")
        try:
            return method(node, depth)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ProtocolError(f"malformed {tag} value: {exc}") from None

    def _none(self, node, depth):
        return None

    def _bool(self, node, depth):
        if not isinstance(node["v"], bool):
            raise TypeError("not a boolean")
        return node["v"]

    def _int(self, node, depth):
        text = self._text(node["v"], limit=4000)
        return int(text)

    def _float(self, node, depth):
        return float(self._text(node["v"], limit=64))

    def _str(self, node, depth):
        return self._text(node["v"], limit=self.budget.max_str)

    def _text(self, v, limit):
        if not isinstance(v, str) or len(v) > limit:
            raise TypeError("string missing or too long")
        return v

    def _list(self, node, depth):
        return [self.decode(v, depth + 1) for v in self._seq(node["v"])]

    def _tuple(self, node, depth):
        return tuple(self._list(node, depth))

    def _dict(self, node, depth):
        out = {}
        for pair in self._seq(node["v"]):
            if not isinstance(pair, list) or len(pair) != 2:
                raise TypeError("dict item is not a pair")
            key = self.decode(pair[0], depth + 1)
            if not isinstance(key, str | int | float | bool | tuple | type(None)):
                raise TypeError("unhashable dict key")
            out[key] = self.decode(pair[1], depth + 1)
        return out

    def _seq(self, v):
        if not isinstance(v, list):
            raise TypeError("not a list")
        return v

    def _array(self, node, depth):
        index = node["b"]
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise IndexError("array blob index out of range")
        arr = npy_to_array(self.blobs[index], self.budget)
        self.items += arr.size
        layout = node.get("o", "C")
        if layout not in ("C", "F") or (layout == "F" and arr.ndim < 2):
            raise ValueError("unknown array layout")
        return arr.T if layout == "F" else arr

    def _handle(self, node, depth):
        if not isinstance(node["id"], int) or isinstance(node["id"], bool):
            raise TypeError("handle id is not an integer")
        bases = self._seq(node.get("bases", []))
        if len(bases) > MAX_BASES:
            raise TypeError("too many base classes")
        ref = HandleRef(node["id"], self._text(node.get("type", "object"), limit=200),
                        tuple(self._text(b, limit=100) for b in bases))
        return self._from_handle(ref)

    def _rng(self, node, depth):
        seed = int(self._text(node["seed"], limit=40))
        if self._from_rng is None:
            raise TypeError("random generators are not accepted here")
        return self._from_rng(seed)


_TAGS = frozenset({"none", "bool", "int", "float", "str", "list", "tuple", "dict", "array",
                   "handle", "rng"})


def pack(value: Any, to_handle=None) -> tuple[dict, list[bytes]]:
    """Encode ``value``; returns the JSON tree and the blobs it refers to."""
    enc = Encoder(to_handle)
    return enc.encode(value), enc.blobs


def unpack(node: Any, blobs: list[bytes], budget: Budget = Budget(),
           from_handle=None, from_rng=None) -> Any:
    """Decode a tree produced by :func:`pack`, validating every node."""
    return Decoder(blobs, budget, from_handle, from_rng).decode(node)
