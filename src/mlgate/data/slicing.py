"""Rows cut into slices by a column's values: one slice per category, per bin of a number
(quantile bins, or edges the manifest names), or per pair of two columns' slices. Every row
falls in exactly one slice; a missing value is a slice of its own, and so is a number
outside the edges named, so no row drops out of a slice table unseen. An item of more than
MOST slices keeps its largest and folds the rest into one slice, said by its label."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mlgate.manifest.spec import Slicing

MISSING = "(missing)"
QUANTILE_BINS = 4  # a numeric column named alone
MOST = 100  # slices of one item of evaluate.slices: the rest are folded into one


@dataclass(frozen=True, kw_only=True)
class Slices:
    """Each row's slice as a code into `labels`."""

    column: str
    codes: np.ndarray
    labels: tuple[str, ...]


def of(spec: Slicing, values: Mapping[str, np.ndarray]) -> Slices:
    """The slices the manifest's `spec` makes of these columns' values (one per row):
    numbers in bins (`spec.bins`, else quartiles), anything else by value."""
    parts = [
        by_bins(name, values[name], QUANTILE_BINS if spec.bins is None else spec.bins)
        if numeric(values[name])
        else by_category(name, values[name])
        for name in spec.columns
    ]
    return folded(parts[0] if len(parts) == 1 else crossed(parts[0], parts[1]))


def folded(slices: Slices, most: int = MOST) -> Slices:
    """At most `most` slices: past that, the largest `most - 1` and one slice of the rest
    (an identifier named by mistake would make a slice of every row)."""
    if len(slices.labels) <= most:
        return slices
    sizes = np.bincount(slices.codes, minlength=len(slices.labels))
    kept = np.sort(np.argsort(-sizes, kind="stable")[: most - 1])
    rest = len(slices.labels) - len(kept)
    new = np.full(len(slices.labels), len(kept))
    new[kept] = np.arange(len(kept))
    labels = (*(slices.labels[i] for i in kept), f"(the other {rest:,} values)")
    return Slices(column=slices.column, codes=new[slices.codes], labels=labels)


def numeric(values: np.ndarray) -> bool:
    return np.issubdtype(values.dtype, np.number) and values.dtype != np.bool_


def by_category(column: str, values: np.ndarray) -> Slices:
    """One slice per distinct value (as text); missing values are a slice of their own."""
    import pandas as pd

    series = pd.Series(values, dtype=object)
    text = series.astype(str).where(series.notna(), None)  # None and NaN alike: missing
    codes, distinct = pd.factorize(text, sort=True)
    labels = [str(v) for v in distinct]
    if (codes < 0).any():  # missing: a slice of its own, in its sorted place
        labels.append(MISSING)
        codes = np.where(codes < 0, len(labels) - 1, codes)
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels))
    return Slices(column=column, codes=rank[codes], labels=tuple(labels[i] for i in order))


def by_bins(column: str, values: np.ndarray, bins: int | Sequence[float] = QUANTILE_BINS) -> Slices:
    """`bins` quantile bins ([low, high), the last closed), cut at values the data holds:
    each cut the value at its quantile's place q·n in the sorted rows, rounded up (rows
    equal to a cut fall in the slice above it); or bins between the edges given,
    with a slice below the first and one above the last where values fall there. Missing
    values are a slice of their own. A cut between two values (95.225, interpolated) was
    shown rounded (95.22), and the label named a range its rows were not in."""
    numbers = np.asarray(values, dtype=float)
    present = ~np.isnan(numbers)  # an infinity is a number, past the edges: not missing
    if isinstance(bins, int):
        edges = np.empty(0)
        finite = np.isfinite(numbers)
        if finite.any():
            ordered = np.sort(numbers[finite])
            # ceil(i·n / bins) in integers: linspace's 0.6000000000000001 · 1,800 rounded
            # up to place 1,081, and five bins of 360 rows were 360/360/361/359/360
            at = -(-np.arange(bins + 1, dtype=np.int64) * ordered.size // bins)
            cuts = ordered[np.minimum(at, ordered.size - 1)]
            edges = np.unique(cuts)
            if len(edges) > 1 and (cuts[1:-1] == ordered[-1]).any():
                # a cut on the largest value: its rows are the slice above it, [max, max];
                # merged into the bin below, a 0/1 column was one slice of every row
                edges = np.append(edges, ordered[-1])
        if len(edges) == 1:  # one value throughout: one bin
            edges = np.repeat(edges, 2)
    else:
        edges = np.asarray(bins, dtype=float)
    last = len(edges) - 2
    labels = [f"< {_short(edges[0])}"] if len(edges) else []
    labels += [
        f"[{_short(lo)}, {_short(hi)}{']' if i == last else ')'}"
        for i, (lo, hi) in enumerate(itertools.pairwise(edges))
    ]
    labels += [f"> {_short(edges[-1])}", MISSING] if len(edges) else [MISSING]
    inner = np.searchsorted(edges, numbers, side="right")  # 0: below the first edge
    if len(edges):
        inner = np.where(numbers == edges[-1], len(edges) - 1, inner)  # the last bin is closed
    codes = np.where(present, inner, len(labels) - 1)
    return _compact(column, codes, labels)


def crossed(a: Slices, b: Slices) -> Slices:
    """The combination of two columns: one slice per pair of their slices that occurs."""
    width = len(b.labels)
    pairs = [f"{x} & {y}" for x in a.labels for y in b.labels]
    return _compact(f"{a.column} & {b.column}", a.codes * width + b.codes, pairs)


def _compact(column: str, codes: np.ndarray, labels: Sequence[str]) -> Slices:
    """Only the slices some row falls in, in the order of `labels`."""
    present, compact = np.unique(codes, return_inverse=True)
    return Slices(column=column, codes=compact, labels=tuple(labels[i] for i in present))


def _short(value: float) -> str:
    """The edge as it is: the shortest text that reads back as the same number (a cut is
    a value of the data, or one the manifest wrote), never rounded past it."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
