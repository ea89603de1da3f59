"""How fast a model answers: the time of `predict` on batches of test rows after a warm-up
(p50, p95, p99 and rows per second), its file's size and how long it takes to load.

Two models (a candidate and its baseline) are measured in one process, their calls
interleaved one for one, so that whatever else the machine does at a moment slows both
alike and their ratio means something; measured apart on a shared CI runner, two medians
can differ by more than the models do.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlgate.result.records import BatchLatency, Latency

WARM_UP = 3  # calls per model and batch before any is timed
LOADS = 3  # loads per model, the median kept
MIN_CALLS = 20
MAX_CALLS = 2000


@dataclass(frozen=True, kw_only=True)
class Timed:
    """One model to time: its role in the report, how to load it, where its file is."""

    role: str  # "candidate" | "baseline"
    load: Callable[[], Any]
    path: Path
    given: Callable[[Any], pd.DataFrame]  # the test rows as this model is given them


def measure(
    models: Sequence[Timed],
    *,
    batches: Sequence[int],
    seconds: float,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[Latency, ...]:
    """Each model's figures; `seconds` bounds the timed calls of each batch size (all
    models together), beyond the first MIN_CALLS each."""
    loaded: dict[str, Any] = {}
    loads: dict[str, list[float]] = {m.role: [] for m in models}
    errors: dict[str, str] = {}
    for _ in range(LOADS):
        for m in models:
            if m.role in errors:
                continue
            start = clock()
            try:
                loaded[m.role] = m.load()
            except Exception as exc:  # the user's model: said, not raised
                errors[m.role] = f"could not be loaded: {type(exc).__name__}: {exc}"
                continue
            loads[m.role].append(clock() - start)
    timed = [m for m in models if m.role not in errors]
    figures: dict[str, list[BatchLatency]] = {m.role: [] for m in models}
    for batch in batches:
        try:
            given = [m.given(loaded[m.role]) for m in timed]
            rows = [g.iloc[np.resize(np.arange(len(g)), batch)] for g in given]
            calls = _interleaved([loaded[m.role] for m in timed], rows, seconds, clock)
        except Exception as exc:
            said = f"predict failed on a batch of {batch:,}: {type(exc).__name__}: {exc}"
            errors.update({m.role: said for m in timed})
            break
        for m, times in zip(timed, calls, strict=True):
            figures[m.role].append(_figures(batch, times))
    return tuple(
        Latency(
            role=m.role,
            file_bytes=m.path.stat().st_size if m.path.is_file() else _folder_bytes(m.path),
            load_ms=1000 * statistics.median(loads[m.role]) if loads[m.role] else None,
            batches=tuple(figures[m.role]) if m.role not in errors else (),
            error=errors.get(m.role, "")[:300],
        )
        for m in models
    )


def _interleaved(
    models: Sequence[Any],
    rows: Sequence[pd.DataFrame],
    seconds: float,
    clock: Callable[[], float],
) -> list[list[float]]:
    """Each model's call times on its rows, the models called in turn."""
    for _ in range(WARM_UP):
        for model, batch in zip(models, rows, strict=True):
            model.predict(batch)
    times: list[list[float]] = [[] for _ in models]
    started = clock()
    while len(times[0]) < MAX_CALLS and (len(times[0]) < MIN_CALLS or clock() - started < seconds):
        for model, batch, kept in zip(models, rows, times, strict=True):
            start = clock()
            model.predict(batch)
            kept.append(clock() - start)
    return times


def _figures(batch: int, times: list[float]) -> BatchLatency:
    ms = np.asarray(times) * 1000
    p50, p95, p99 = (float(v) for v in np.percentile(ms, [50, 95, 99]))
    return BatchLatency(
        batch=batch,
        calls=len(times),
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        rows_per_s=batch / (p50 / 1000) if p50 > 0 else None,
    )


def _folder_bytes(path: Path) -> int:
    """A model kept as a folder (a saved model directory): the sum of its files."""
    if not path.is_dir():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
