"""Row hashes as a compact set (RowSet): which rows a model was trained on.

Only membership is ever asked ("was this test row trained on?"), so each 64-bit hash
is cut to its leading bits, enough that a chance match is about one in a million test
rows, and the sorted prefixes are kept as differences, which compress well.
"""

from __future__ import annotations

import numpy as np

from mlgate.result import arrays
from mlgate.result.model import RowSet

SPARE_BITS = 20  # beyond log2(rows): a test row matches by chance with odds about 2**-20


def encode(keys: np.ndarray) -> RowSet:
    keys = np.asarray(keys, dtype=np.uint64)
    bits = min(64, max(1, int(np.ceil(np.log2(max(len(keys), 2)))) + SPARE_BITS))
    prefixes = np.unique(_prefix(keys, bits))
    deltas = np.diff(prefixes, prepend=np.uint64(0))
    return RowSet(rows=len(keys), bits=bits, deltas=arrays.encode(deltas))


def contains(rows: RowSet, keys: np.ndarray) -> np.ndarray:
    """For each key, whether a row with that hash is in the set."""
    prefixes = np.cumsum(arrays.decode(rows.deltas), dtype=np.uint64)
    wanted = _prefix(np.asarray(keys, dtype=np.uint64), rows.bits)
    return np.isin(wanted, prefixes, assume_unique=False)


def _prefix(keys: np.ndarray, bits: int) -> np.ndarray:
    return keys >> np.uint64(64 - bits) if bits < 64 else keys
