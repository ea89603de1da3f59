"""One way to ask a data file's questions, whether it is held in memory or scanned from disk.

A file larger than `load.STREAM_ABOVE` is checked as a polars LazyFrame scan (of a Parquet
file). Questions of the whole row (duplicates, leakage) are queries that polars' streaming
engine answers a batch at a time, holding the distinct rows' hashes; the column checks'
many questions are asked a few columns at a time (`answers`). Held in memory, the same
query runs on the frame as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

Table = pl.DataFrame | pl.LazyFrame


def collected(query: Table) -> pl.DataFrame:
    """A query's answer: a scan's run by the streaming engine."""
    return query.collect(engine="streaming") if isinstance(query, pl.LazyFrame) else query


def schema(frame: Table) -> pl.Schema:
    return frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema


def shape(frame: Table) -> pl.DataFrame:
    """The frame's columns and types without its rows: what planning a check needs."""
    return pl.DataFrame(schema=schema(frame)) if isinstance(frame, pl.LazyFrame) else frame


def height(frame: Table) -> int:
    if isinstance(frame, pl.DataFrame):
        return frame.height
    return int(collected(frame.select(pl.len())).item())


def answers(frame: Table, questions: Mapping[str, pl.Expr]) -> dict[str, Any]:
    """Each question's one-value answer. Of a scan, the questions are grouped by the columns
    they read and each group answered from just those columns read whole: memory holds the
    widest group (mostly one column), not the file. On 6,000,000 rows x 20 columns polars'
    streaming engine took 15.5 s over the same questions that this answered in memory."""
    if isinstance(frame, pl.DataFrame):  # lazily: a value many questions share is made once
        return frame.lazy().select(**questions).collect().row(0, named=True)
    groups: dict[tuple[str, ...], dict[str, pl.Expr]] = {}
    for name, expr in questions.items():
        groups.setdefault(tuple(sorted(set(expr.meta.root_names()))), {})[name] = expr
    found: dict[str, Any] = {}
    for columns, group in groups.items():
        if columns:
            part = frame.select(columns).collect().lazy().select(**group).collect()
        else:  # of no column: the row count, say
            part = collected(frame.select(**group))
        found |= part.row(0, named=True)
    return found
