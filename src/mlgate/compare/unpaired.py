"""A metric on two independent sets of rows (a version's test rows, and production rows
whose labels arrived): the change, its interval and its p-value, from one statistic.

The rows are not the same, so nothing pairs them. A label metric: each side's confusion
table is resampled on its own (multinomial counts of its cells, the same distribution as
resampling its rows) and the metric's change is read off the pairs of resamples. A
regression metric: each side's figure and per-row influence values (a mean's own terms;
the delta method's for RMSE, R² and the like), Welch's t on the two standard errors. The
interval and the p-value come from one bootstrap or one t statistic, so the interval
excludes zero exactly when p < 1 - confidence, as every paired test's does.
"""

from __future__ import annotations

import math

import numpy as np

from mlgate.compare import influence
from mlgate.compare.distributions import PairedTest, summarise, t_test
from mlgate.model import counts

UNPAIRED_COUNTS = "unpaired bootstrap of outcome counts"
WELCH = "Welch t on per-row influence values"
RESAMPLES = 2000


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
    """`metric` of confusion table `after` minus that of `before` (K x K counts each)."""
    rng = np.random.default_rng(seed)
    drawn = [_resampled(np.asarray(t, np.float64), resamples, rng) for t in (before, after)]
    values = [counts.label_metric(metric, t, positive_index=positive_index) for t in drawn]
    first, second = (
        float(counts.label_metric(metric, np.asarray(t, np.float64), positive_index=positive_index))
        for t in (before, after)
    )
    with np.errstate(invalid="ignore"):
        deltas = values[1] - values[0]
    return summarise(
        second - first,
        deltas,
        rows=int(np.asarray(after).sum()),
        confidence=confidence,
        method=UNPAIRED_COUNTS,
    )


def _resampled(table: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    rows = int(table.sum())
    flat = table.ravel()
    return rng.multinomial(rows, flat / rows, size=resamples).reshape(resamples, *table.shape)


def value_change(
    metric: str,
    before: tuple[np.ndarray, np.ndarray],
    after: tuple[np.ndarray, np.ndarray],
    *,
    confidence: float = 0.95,
) -> PairedTest:
    """A regression metric on rows `after` (targets, predictions) minus on rows `before`.
    ValueError for a metric with no closed form (the median error, the largest)."""
    sides = []
    for y, pred in (before, after):
        if len(y) < 2:
            raise ValueError("a side with fewer than two rows has no spread to test")
        value, spread = influence.values_alone(
            metric, np.asarray(y, np.float64), np.asarray(pred, np.float64)
        )
        sides.append((value, float(np.dot(spread, spread)) / (len(y) * (len(y) - 1)), len(y)))
    (first, var_first, n_first), (second, var_second, n_second) = sides
    variance = var_first + var_second
    df = (  # Welch-Satterthwaite's
        variance**2 / (var_first**2 / (n_first - 1) + var_second**2 / (n_second - 1))
        if variance > 0
        else 1.0
    )
    return t_test(
        second - first,
        math.sqrt(variance),
        df,
        rows=n_second,
        confidence=confidence,
        method=WELCH,
    )
