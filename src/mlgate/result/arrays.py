"""NumPy arrays <-> EncodedArray: raw bytes, zlib, base64; loads with no pickle."""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from typing import Any

import numpy as np

from mlgate.result.records import EncodedArray


def plain(value: Any) -> Any:
    """A NumPy scalar as Python's own value (JSON's types, `==` with a label as read)."""
    return value.item() if hasattr(value, "item") else value


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
    """The array, or a ValueError: a number dtype, and exactly the bytes its shape needs,
    never inflating past them (the data may come from someone else's run.json)."""
    try:
        dtype = np.dtype(encoded.dtype)
    except TypeError as exc:
        raise ValueError(f"{encoded.dtype!r} is not a dtype") from exc
    if dtype.kind not in "biuf":
        raise ValueError(f"{encoded.dtype!r} is not a number dtype")
    size = math.prod(encoded.shape) * dtype.itemsize
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.b64decode(encoded.data, validate=True), size + 1)
    except (zlib.error, binascii.Error) as exc:
        raise ValueError(f"not base64 of zlib data: {exc}") from exc
    if len(raw) != size or not inflate.eof:
        held = "more than" if len(raw) > size or not inflate.eof else f"{len(raw):,} of"
        raise ValueError(  # "holds more than bytes": the number was left out
            f"holds {held} the {size:,} bytes its shape {list(encoded.shape)} needs"
        )
    return np.frombuffer(raw, dtype=dtype).reshape(encoded.shape)
