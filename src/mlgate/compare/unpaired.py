"""A metric on two independent sets of rows (a version's test rows, and production rows
whose labels arrived): the change, its interval and its p-value, from one statistic.

The rows are not the same, so nothing pairs them. A label metric that is a share of rows
(accuracy; recall, precision and jaccard of the positive class): Agresti and Caffo's
interval of two proportions, each side given one more hit and one more miss, since a
side with every row right (38 of 38) has no spread of its own, and a resampled table
never fills its empty cell (p = 0.033 there, where Fisher's exact test gives 0.29). Any
other label metric: each side's confusion table is resampled on its own (multinomial
counts of its cells, the same distribution as resampling its rows) and the metric's
change is read off the pairs of resamples; a side whose figure never varies so is no
test. A regression metric: each side's figure and per-row influence values (a mean's own terms;
the delta method's for RMSE, R² and the like), Welch's t on the two standard errors. The
interval and the p-value come from one bootstrap or one t statistic, so the interval
excludes zero exactly when p < 1 - confidence, as every paired test's does.
"""

from __future__ import annotations

import math

import numpy as np

from mlgate.compare import influence
from mlgate.compare.distributions import PairedTest, agreeing, summarise, t_test
from mlgate.model import counts

UNPAIRED_COUNTS = "unpaired bootstrap of outcome counts"
AGRESTI_CAFFO = "Agresti-Caffo interval of two proportions"
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
    """`metric` of confusion table `after` minus that of `before` (K x K counts each).
    ValueError when no test can be taken (said in its words)."""
    sides = ("the version's test rows", "the labelled rows")
    for side, table in zip(sides, (before, after), strict=True):
        if counts.undefined(metric, np.asarray(table), positive_index=positive_index):
            raise ValueError(f"{metric} is undefined on {side}: {counts.why_undefined(metric)}")
    shares = [_share(metric, np.asarray(t, np.float64), positive_index) for t in (before, after)]
    if shares[0] is not None and shares[1] is not None:
        rows = int(np.asarray(after).sum())
        return _two_proportions(shares[0], shares[1], rows=rows, confidence=confidence)
    rng = np.random.default_rng(seed)
    drawn = [_resampled(np.asarray(t, np.float64), resamples, rng) for t in (before, after)]
    values = [  # a resample where the metric divides by zero is left out, not scored 0
        np.where(
            counts.undefined(metric, t, positive_index=positive_index),
            np.nan,
            counts.label_metric(metric, t, positive_index=positive_index),
        )
        for t in drawn
    ]
    for side, resampled in zip(
        ("the version's test rows", "the labelled rows"), values, strict=True
    ):
        finite = resampled[np.isfinite(resampled)]
        if len(finite) and finite.min() == finite.max():
            raise ValueError(
                f"{metric} on {side} is {float(finite[0]):.4g} in every resample: its confusion "
                "table has an empty cell the figure turns on, which resampling never fills, "
                "so a test would understate how much the figure could vary"
            )
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
    figures' own; the interval is centred where the added rows put it."""
    from scipy.special import ndtr, ndtri  # the normal's, without importing scipy.stats

    (x1, n1), (x2, n2) = first, second
    if not n1 or not n2:
        raise ValueError("one side has no row the figure is a share of")
    p1, p2 = (x1 + 1) / (n1 + 2), (x2 + 1) / (n2 + 2)
    centre = p2 - p1
    spread = math.sqrt(p1 * (1 - p1) / (n1 + 2) + p2 * (1 - p2) / (n2 + 2))
    alpha = 1 - confidence
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
