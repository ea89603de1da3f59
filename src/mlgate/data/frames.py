"""One way to ask a data file's questions, whether it is held in memory or scanned from disk.

A file larger than `load.STREAM_ABOVE` is checked as a polars LazyFrame scan: each question
is a query that polars' streaming engine answers a batch at a time, so memory holds a batch
and the answers (and, for a question that needs them, the distinct values: unique values,
duplicate rows). Held in memory, the same query runs on the frame as it is.
"""

from __future__ import annotations

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
