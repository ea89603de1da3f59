"""NumPy arrays <-> EncodedArray: raw bytes, zlib, base64; loads with no pickle."""

from __future__ import annotations

import base64
import zlib

import numpy as np

from mlgate.result.model import EncodedArray


def encode(array: np.ndarray) -> EncodedArray:
    contiguous = np.ascontiguousarray(array)
    if contiguous.dtype.hasobject:
        raise TypeError("object arrays cannot be encoded; convert to numbers first")
    packed = zlib.compress(contiguous.tobytes(), level=6)
    return EncodedArray(
        dtype=contiguous.dtype.str,
        shape=tuple(contiguous.shape),
        data=base64.b64encode(packed).decode("ascii"),
    )


def decode(encoded: EncodedArray) -> np.ndarray:
    raw = zlib.decompress(base64.b64decode(encoded.data))
    return np.frombuffer(raw, dtype=np.dtype(encoded.dtype)).reshape(encoded.shape)
