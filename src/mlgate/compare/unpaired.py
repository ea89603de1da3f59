"""A metric on two independent sets of rows (a version's test rows, and production rows
whose labels arrived): the change, its interval and its p-value, from one statistic.

The rows are not the same, so nothing pairs them. A label metric that is a share of rows
(accuracy; recall, precision and jaccard of the positive class): Agresti and Caffo's
interval of two proportions, each side given one more hit and one more miss, since a
side with every row right (38 of 38) has no spread of its own (p = 0.033 there from a
resampled table, where Fisher's exact test gives 0.29).

Any other metric, of labels (f1, MCC, balanced accuracy, ...) or of regression errors
(RMSE, MAE, R², ...): a studentized permutation test. The statistic is the change over
its standard error, each side's by the delta method (a regression metric's per-row
influence values; a label metric's gradient in its confusion table's cells). The two
sides' rows are pooled and dealt out again at random, as many to each side as it had,
2,000 times; the p-value counts the deals whose statistic is at least as far out as the
observed one. When the labelled rows are drawn as the test rows were, every deal is as
likely as the observed one, so the test holds its level exactly, however few rows and
however skewed or heavy-tailed their errors; studentized, it also holds asymptotically
when only the figure, not the whole distribution, is unchanged (Janssen 1997; Chung and
Romano 2013). Welch's t on the influence values called 9 to 10% of unchanged labelled
sets changed at the 5% level with 5 to 10 rows, and up to half with heavy-tailed errors;
the bootstrap of each side's table 6 to 9.5% (docs/monitor.md); a bootstrap-t, 31% for
a near-perfect classifier at 30 rows. The interval is the change less its standard error
times the deals' own quantiles of the statistic, so it excludes zero exactly when
p < 1 - confidence, by counting, as every paired test's does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from mlgate import bounds
from mlgate.compare import influence
from mlgate.compare.distributions import PairedTest, agreeing, held, permuted
from mlgate.manifest.metrics import METRICS
from mlgate.model import counts

PERMUTED_COUNTS = "studentized permutation test of outcome counts"
PERMUTED_ROWS = "studentized permutation test of rows"
AGRESTI_CAFFO = "Agresti-Caffo interval of two proportions"
RESAMPLES = 2000  # deals of the pooled rows
# pooled rows past this are dealt in part: the smaller side whole (up to half of it) and a
# random part of the larger, which moves the statistic's spread little by then; the
# observed statistic is always of every row. (2,000 deals of 10,000 rows: 0.5 to 0.8 s
# a metric)
DEALT_AT_MOST = 10_000
STEP = 1e-6  # the label metrics' gradient: a cell moved by this share of the rows


def label_change(
    metric: str,
    before: np.ndarray,
    after: np.ndarray,
    *,
    positive_index: int,
    confidence: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> PairedTest:
    """`metric` of confusion table `after` minus that of `before` (K x K counts each).
    ValueError when no test can be taken (said in its words)."""
    sides = ("the version's test rows", "the labelled rows")
    for side, table in zip(sides, (before, after), strict=True):
        if counts.undefined(metric, np.asarray(table), positive_index=positive_index):
            raise ValueError(f"{metric} is undefined on {side}: {counts.why_undefined(metric)}")
    shares = [_share(metric, np.asarray(t, np.float64), positive_index) for t in (before, after)]
    if shares[0] is not None and shares[1] is not None:
        rows = int(np.asarray(after).sum())
        test = _two_proportions(shares[0], shares[1], rows=rows, confidence=confidence)
        return held(test, METRICS[metric].change_within())
    tables = [np.asarray(t, np.float64) for t in (before, after)]
    (first, var_first), (second, var_second) = (
        _table_spread(metric, t, positive_index) for t in tables
    )
    pooled = np.asarray(before, np.int64) + np.asarray(after, np.int64)
    if np.count_nonzero(pooled) == 1:
        raise ValueError(
            f"every row of both sides is in one cell of the confusion table: {metric} is "
            f"{float(second):.4g} however they are dealt, so there is nothing to test"
        )
    rows = int(tables[1].sum())
    rng = np.random.default_rng(seed)
    dealt = rng.multivariate_hypergeometric(pooled.ravel(), rows, size=resamples)
    dealt_after = dealt.reshape(resamples, *pooled.shape).astype(np.float64)
    dealt_before = pooled - dealt_after
    (drawn_first, drawn_var_first), (drawn_second, drawn_var_second) = (
        _table_spread(metric, t, positive_index) for t in (dealt_before, dealt_after)
    )
    return permuted(
        metric,
        PERMUTED_COUNTS,
        (float(second - first), float(var_first + var_second)),
        (drawn_second - drawn_first, drawn_var_first + drawn_var_second),
        rows=rows,
        confidence=confidence,
    )


def _table_spread(metric: str, tables: np.ndarray, positive: int) -> tuple[np.ndarray, np.ndarray]:
    """`metric` of each table (..., K, K) and its variance by the delta method: a row of
    cell c moves the figure by g_c, n times its derivative in that cell's count, so the
    variance is that of g over the rows, over n - 1. NaN where the figure is undefined
    (divides by zero). An empty cell holds no row to move it, and a class no row is of
    (or predicted as) stays out of a macro average while the others move."""
    value = np.where(
        counts.undefined(metric, tables, positive_index=positive),
        np.nan,
        counts.label_metric(metric, tables, positive_index=positive),
    )
    k = tables.shape[-1]
    rows = tables.sum(axis=(-2, -1))
    present = (tables.sum(axis=-1) + tables.sum(axis=-2)) > 0
    flat = tables.reshape(*tables.shape[:-2], k * k)
    step = STEP * rows
    moment, square = np.zeros_like(rows), np.zeros_like(rows)
    for cell in np.flatnonzero(flat.reshape(-1, k * k).any(axis=0)):
        moved = flat.copy()
        moved[..., cell] += step
        shifted = counts.label_metric(
            metric, moved.reshape(tables.shape), positive_index=positive, present=present
        )
        share = flat[..., cell] / rows
        with np.errstate(invalid="ignore", over="ignore"):
            slope = np.where(share > 0, (shifted - value) / STEP, 0.0)  # n d(metric)/d(cell)
        moment = moment + share * slope
        square = square + share * slope**2
    variance = np.maximum(square - moment**2, 0.0) / np.maximum(rows - 1, 1)
    return value, variance


def _share(metric: str, table: np.ndarray, positive: int) -> tuple[float, float] | None:
    """(hits, rows) for a metric that is a share of rows; None for any other."""
    hits, true, said = np.diagonal(table), table.sum(axis=1), table.sum(axis=0)
    if metric in ("accuracy", "f1_micro", "precision_micro", "recall_micro"):
        return float(hits.sum()), float(table.sum())
    of = {"recall": true, "precision": said, "jaccard": true + said - hits}.get(metric)
    return None if of is None else (float(hits[positive]), float(of[positive]))


def _two_proportions(
    first: tuple[float, float], second: tuple[float, float], *, rows: int, confidence: float
) -> PairedTest:
    """Agresti and Caffo (2000): the Wald interval of p2 - p1 with one hit and one miss
    added to each side; the p-value from the same z, so the two agree. The change is the
    figures' own; the interval is centred where the added rows put it (`held` then keeps
    the change inside it, and it inside [-1, 1])."""
    from scipy.special import ndtr, ndtri  # the normal's, without importing scipy.stats

    (x1, n1), (x2, n2) = first, second
    if not n1 or not n2:
        raise ValueError("one side has no row the figure is a share of")
    p1, p2 = (x1 + 1) / (n1 + 2), (x2 + 1) / (n2 + 2)
    centre = p2 - p1
    spread = math.sqrt(p1 * (1 - p1) / (n1 + 2) + p2 * (1 - p2) / (n2 + 2))
    alpha = bounds.alpha(confidence)
    half = float(ndtri(1 - alpha / 2)) * spread
    low, high = centre - half, centre + half
    return PairedTest(
        method=AGRESTI_CAFFO,
        rows=rows,
        delta=x2 / n2 - x1 / n1,
        ci_low=low,
        ci_high=high,
        p_value=agreeing(float(2 * ndtr(-abs(centre) / spread)), low, high, alpha),
        confidence=confidence,
        std_error=spread,
    )


def value_change(
    metric: str,
    before: tuple[np.ndarray, np.ndarray],
    after: tuple[np.ndarray, np.ndarray],
    *,
    confidence: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> PairedTest:
    """A regression metric on rows `after` (targets, predictions) minus on rows `before`.
    ValueError for a metric with no closed form (the median error, the largest), or a
    side without spread."""
    sides = []
    for y, pred in (before, after):
        if len(y) < 2:
            raise ValueError("a side with fewer than two rows has no spread to test")
        value, spread = influence.values_alone(
            metric, np.asarray(y, np.float64), np.asarray(pred, np.float64)
        )
        sides.append((value, float(np.dot(spread, spread)) / (len(y) * (len(y) - 1))))
    (first, var_first), (second, var_second) = sides
    y = np.concatenate([np.asarray(before[0], np.float64), np.asarray(after[0], np.float64)])
    pred = np.concatenate([np.asarray(before[1], np.float64), np.asarray(after[1], np.float64)])
    rng = np.random.default_rng(seed)
    kept, first_rows = dealt_rows(len(before[0]), len(after[0]), rng)
    drawn, drawn_var = np.empty(resamples), np.empty(resamples)
    for at, order in deals(kept, resamples, rng):
        a, b = order[:, :first_rows], order[:, first_rows:]
        with np.errstate(divide="ignore", invalid="ignore"):
            va, sa = influence.values_and_variances(metric, y[a], pred[a])
            vb, sb = influence.values_and_variances(metric, y[b], pred[b])
        drawn[at], drawn_var[at] = vb - va, sa + sb
    return permuted(
        metric,
        PERMUTED_ROWS,
        (second - first, var_first + var_second),
        (drawn, drawn_var),
        rows=len(after[0]),
        confidence=confidence,
    )


def deals(
    kept: np.ndarray, resamples: int, rng: np.random.Generator, *, cells: int = 1 << 20
) -> Iterator[tuple[slice, np.ndarray]]:
    """The deals of `kept`'s rows, a chunk at a time (each row of `order` one deal, about
    `cells` cells a chunk), and where in the `resamples` they go."""
    chunk = max(1, cells // len(kept))
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        yield slice(start, start + size), rng.permuted(np.tile(kept, (size, 1)), axis=1)


def dealt_rows(first: int, second: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """The pooled rows' indices the deals rearrange (the first side's `first` rows, then
    the second's), and how many of them each deal gives the first side: every row, up to
    DEALT_AT_MOST in all; past it the smaller side whole (up to half of it) and a random
    part of the larger, keeping at least two rows a side."""
    if first + second <= DEALT_AT_MOST:
        return np.arange(first + second), first
    small = min(min(first, second), DEALT_AT_MOST // 2)
    keep = (small, DEALT_AT_MOST - small) if first <= second else (DEALT_AT_MOST - small, small)
    parts = [
        offset + (np.arange(n) if k >= n else np.sort(rng.choice(n, k, replace=False)))
        for offset, n, k in ((0, first, keep[0]), (first, second, keep[1]))
    ]
    return np.concatenate(parts), len(parts[0])
