"""How many distinct values a column holds, estimated in 16 KiB whatever its length:
HyperLogLog (Flajolet et al., 2007) over polars' 64-bit hashes, with linear counting
below 2.5 registers a value. The standard error is 1.04 / sqrt(2 ** BITS), 0.8%; the
registers of two parts merge by their maximum. Used only where exact counting would hold
every distinct value of a file larger than memory (`frequent.Running`)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

BITS = 14  # 16,384 one-byte registers
REGISTERS = 1 << BITS
_REST = 64 - BITS  # the hash's bits left after the register's index


def empty() -> np.ndarray:
    return np.zeros(REGISTERS, dtype=np.uint8)


def add(registers: np.ndarray, values: pl.Series) -> None:
    """Each value's hash: its first BITS bits pick a register, which keeps the longest run
    of leading zeros (plus one) seen in the remaining bits. The seed is fixed: the same values
    give the same registers (in one polars version: polars does not promise its hashes
    across versions)."""
    if values.len() == 0:
        return
    hashed = values.hash(seed=0).to_numpy()
    index = (hashed >> np.uint64(_REST)).astype(np.intp)
    rest = (hashed & np.uint64((1 << _REST) - 1)).astype(np.float64)  # exact below 2**53
    _, length = np.frexp(rest)  # the bit length: 0 for 0
    rank = (_REST + 1 - length).astype(np.uint8)
    np.maximum.at(registers, index, rank)


def estimate(registers: np.ndarray) -> int:
    m = REGISTERS
    empty_registers = int(np.count_nonzero(registers == 0))
    raw = 0.7213 / (1 + 1.079 / m) * m * m / float(np.sum(np.ldexp(1.0, -registers.astype(int))))
    if raw <= 2.5 * m and empty_registers:
        return round(m * math.log(m / empty_registers))
    return round(raw)
