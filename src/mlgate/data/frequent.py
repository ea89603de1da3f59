"""Each category's count over a file's batches, in memory bounded whatever the file.

Exact while a column has at most HELD distinct values. Beyond that, each time the
batches' counts are added up, only the HELD most frequent values are kept and the rest
are counted together (`dropped`), a frequent-values summary: a kept value's count is then
short of the data's by at most `error`, the sum of the largest count each cut let go (a
value cut and seen again starts from zero). A column of millions of identifiers thus
holds HELD values and the batches' counts since the last cut (FOLD), not millions. Once
cut, `distinct` is HyperLogLog's estimate (data.distinct, 0.8%) and `once` the values seen
once among those kept plus those cut at a count of one (an over-estimate when a cut value
comes back, never above `distinct`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mlgate.data import distinct

HELD = 100_000  # distinct values kept between batches once a column has more
FOLD = 1_000_000  # batches' counts held before they are added up


@dataclass(frozen=True)
class Tally:
    counted: pl.DataFrame  # columns `value`, `count`: every value, or the most frequent once cut
    distinct: int
    once: int  # values seen exactly once
    dropped: int = 0  # rows in the values cut
    error: int = 0  # how far any count in `counted` can be short (0: exact)

    @classmethod
    def of(cls, counted: pl.DataFrame) -> Tally:
        """Of every value's count: exact."""
        once = int(counted.select((pl.col("count") == 1).sum()).item() or 0)
        return cls(counted=counted, distinct=counted.height, once=once)

    @property
    def total(self) -> int:
        return int(self.counted["count"].sum()) + self.dropped


def counted(values: pl.Series) -> pl.DataFrame:
    """Each value's count (non-null text)."""
    return values.rename("value").value_counts(name="count").cast({"count": pl.Int64})


class Running:
    """One column's counts so far; `add` a batch's values, `tally` at the end."""

    def __init__(self) -> None:
        self.held, self.fold = HELD, FOLD
        self.parts: list[pl.DataFrame] = []  # the counts so far, then batches' own
        self.registers: np.ndarray | None = None  # from the first cut on
        self.dropped = self.error = self.once_cut = 0

    def add(self, values: pl.Series) -> None:
        self.parts.append(counted(values))
        # added up once the batches' counts outgrow the counts so far: each value is
        # re-counted a few times, not once a batch
        if sum(part.height for part in self.parts[1:]) > max(self.parts[0].height, self.fold):
            self.parts = [self._cut(self._folded())]

    def tally(self) -> Tally:
        folded = self._folded()
        if self.registers is None and folded.height <= self.held:
            return Tally.of(folded)
        kept = self._cut(folded)
        self.parts = [kept]  # a second tally gives the same, cutting nothing twice
        assert self.registers is not None
        # an estimate, kept within what is certain: at least the values kept, at most
        # one value a row
        total = int(kept["count"].sum()) + self.dropped
        values = min(max(distinct.estimate(self.registers), kept.height), total)
        return Tally(
            counted=kept,
            distinct=values,
            once=min(Tally.of(kept).once + self.once_cut, values),
            dropped=self.dropped,
            error=self.error,
        )

    def _folded(self) -> pl.DataFrame:
        if len(self.parts) == 1:
            return self.parts[0]
        if not self.parts:
            return counted(pl.Series(values=[], dtype=pl.String))
        return pl.concat(self.parts).group_by("value").agg(pl.col("count").sum())

    def _cut(self, folded: pl.DataFrame) -> pl.DataFrame:
        """The HELD most frequent (ties by value: the same file gives the same counts); the
        rest counted together. Every value seen since the last cut is in `folded`, so the
        estimate of distinct values sees each of them."""
        if self.registers is None and folded.height <= self.held:
            return folded
        if self.registers is None:
            self.registers = distinct.empty()
        distinct.add(self.registers, folded["value"])
        if folded.height <= self.held:
            return folded
        kept = folded.top_k(self.held, by=["count", "value"], reverse=[False, True])
        cut = folded.join(kept.select("value"), on="value", how="anti")["count"]
        self.dropped += int(cut.sum())
        self.error += int(cut.max())  # type: ignore[arg-type]
        self.once_cut += int((cut == 1).sum())
        return kept
