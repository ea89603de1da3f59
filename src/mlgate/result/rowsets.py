"""Row hashes as a compact set (RowSet): which rows a model was trained on.

Only membership is ever asked ("was this test row trained on?"), so each 64-bit hash
is cut to its leading bits, enough that a chance match is about one in a million test
rows, and the sorted prefixes are kept as differences, which compress well.
"""

from __future__ import annotations

import numpy as np

from mlgate.result import arrays
from mlgate.result.records import RowSet

SPARE_BITS = 20  # beyond log2(rows): a test row matches by chance with odds about 2**-20


def encode(keys: np.ndarray) -> RowSet:
    keys = np.asarray(keys, dtype=np.uint64)
    bits = min(64, max(1, int(np.ceil(np.log2(max(len(keys), 2)))) + SPARE_BITS))
    prefixes = np.sort(_prefix(keys, bits))  # sort and drop repeats: np.unique is far slower
    prefixes = prefixes[np.r_[True, prefixes[1:] != prefixes[:-1]]] if len(prefixes) else prefixes
    deltas = np.diff(prefixes, prepend=np.uint64(0))
    if len(deltas) and deltas.max() < 2**32:
        deltas = deltas.astype(np.uint32)  # the usual case: half the bytes before zlib
    return RowSet(rows=len(keys), bits=bits, deltas=arrays.encode(deltas))


def contains(rows: RowSet, keys: np.ndarray) -> np.ndarray:
    """For each key, whether a row with that hash is in the set."""
    prefixes = np.cumsum(arrays.decode(rows.deltas), dtype=np.uint64)
    wanted = _prefix(np.asarray(keys, dtype=np.uint64), rows.bits)
    found = np.zeros(len(wanted), dtype=bool)
    if not len(prefixes) or not len(wanted):
        return found
    order = np.argsort(wanted)  # looked up in order: far fewer cache misses
    ordered = wanted[order]
    at = np.minimum(np.searchsorted(prefixes, ordered), len(prefixes) - 1)
    found[order] = prefixes[at] == ordered
    return found


def _prefix(keys: np.ndarray, bits: int) -> np.ndarray:
    return keys >> np.uint64(64 - bits) if bits < 64 else keys
