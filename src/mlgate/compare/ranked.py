"""The paired row bootstrap of an order statistic (the median, the largest value), cheap.

Which row is a resample's median depends only on the rows near the middle of the sorted
values: a resample draws about as many rows below the middle as above it, give or take
sqrt(rows)/2, so a window of 12 such deviations either side holds it (odds of missing it
below 1e-30). The largest drawn value is among the first 64 in descending order (each
left out with odds about 1/e). Every other row matters only through how many draws fall
below each model's window.

So a resample is drawn in two steps with exactly the row bootstrap's distribution: the
rows outside both models' windows as four cells (below or not below each model's
window), and the windows' rows as a fifth, from one multinomial; then the draws that
fell in the windows, spread over their rows uniformly. The cost grows with sqrt(rows),
not with rows. A resample whose statistic falls outside its window is drawn again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PREFIX = 64  # rows read for the largest value


@dataclass(frozen=True)
class _Side:
    window: np.ndarray  # row indices that can hold the statistic, in sorted order
    below: np.ndarray  # (rows,) bool: sorted below the window
    values: np.ndarray  # the window's values, in the same order


def _median_side(values: np.ndarray) -> _Side:
    rows = len(values)
    order = np.argsort(values, kind="stable")
    margin = int(6 * math.sqrt(rows)) + 16
    start, stop = max((rows - 1) // 2 - margin, 0), min(rows // 2 + margin + 1, rows)
    below = np.zeros(rows, dtype=bool)
    below[order[:start]] = True
    return _Side(order[start:stop], below, values[order[start:stop]])


def _max_side(values: np.ndarray) -> _Side:
    order = np.argsort(-values, kind="stable")[:PREFIX]
    return _Side(order, np.zeros(len(values), dtype=bool), values[order])


def deltas(
    statistic: str,
    candidate: np.ndarray,
    baseline: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(resamples,) resampled changes of `statistic` ("median" or "max"), rows paired."""
    rows = len(candidate)
    make = _median_side if statistic == "median" else _max_side
    sides = (make(candidate), make(baseline))
    drawn_one_by_one = np.union1d(sides[0].window, sides[1].window)
    column = np.full(rows, -1)
    column[drawn_one_by_one] = np.arange(len(drawn_one_by_one))
    outside = column < 0
    cell = (sides[0].below.astype(np.int64) + 2 * sides[1].below)[outside]
    weights = np.r_[np.bincount(cell, minlength=4), len(drawn_one_by_one)] / rows
    chunk = max(1, min(resamples, (1 << 21) // len(drawn_one_by_one)))
    out = np.empty(resamples)
    done = tries = 0
    while done < resamples:
        tries += 1
        if tries > 10 * (resamples // chunk + 1):  # odds below 1e-27 each: not chance
            raise RuntimeError(f"the {statistic} fell outside its window in most resamples")
        size = min(chunk, resamples - done)
        cells, counts = _draw(rows, weights, len(drawn_one_by_one), size, rng)
        (cand, cand_held), (base, base_held) = (
            _statistic(
                statistic, side, column, side.below[drawn_one_by_one], cells, counts, rows, bit
            )
            for side, bit in zip(sides, (1, 2), strict=True)
        )
        change = (cand - base)[cand_held & base_held]  # else drawn again
        out[done : done + len(change)] = change
        done += len(change)
    return out


def _draw(
    rows: int, weights: np.ndarray, window: int, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the four outside cells, and of each row drawn one by one, per resample."""
    cells = rng.multinomial(rows, weights, size=size)
    inside = cells[:, 4]
    owner = np.repeat(np.arange(size, dtype=np.int64), inside)
    drawn = owner * window + rng.integers(0, window, int(inside.sum()))
    counts = np.bincount(drawn, minlength=size * window).reshape(size, window)
    return cells[:, :4], counts


def _statistic(
    statistic: str,
    side: _Side,
    column: np.ndarray,
    below_one_by_one: np.ndarray,
    cells: np.ndarray,
    counts: np.ndarray,
    rows: int,
    bit: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One model's statistic per resample, and whether its window held it."""
    drawn = counts[:, column[side.window]]
    if statistic == "max":
        hit = drawn > 0
        return side.values[hit.argmax(axis=1)], np.any(hit, axis=1)
    # draws below the window: outside cells below it, and rows of the other model's
    # window that sort below this one's
    outside_below = np.array([(c & bit) > 0 for c in range(4)], dtype=np.int64)
    before = cells @ outside_below + counts[:, below_one_by_one].sum(axis=1)
    running = before[:, None] + np.cumsum(drawn, axis=1)
    middle = ((rows - 1) // 2, rows // 2)  # the two middle order statistics, from 0
    at = [np.minimum(np.count_nonzero(running <= m, axis=1), len(side.values) - 1) for m in middle]
    held = (before <= middle[0]) & (running[:, -1] > middle[1])
    return (side.values[at[0]] + side.values[at[1]]) / 2, held
