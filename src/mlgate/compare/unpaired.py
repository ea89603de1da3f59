"""A label metric on two independent sets of rows (a version's test rows, and production
rows whose labels arrived): the change, its interval and its p-value, from one bootstrap.

The rows are not the same, so nothing pairs them: each side's confusion table is
resampled on its own (multinomial counts of its cells, the same distribution as
resampling its rows) and the metric's change is read off the pairs of resamples. The
interval and the p-value come from one `summarise`, so the interval excludes zero exactly
when p < 1 - confidence, as every paired test's does.
"""

from __future__ import annotations

import numpy as np

from mlgate.compare.distributions import PairedTest, summarise
from mlgate.model import counts

UNPAIRED_COUNTS = "unpaired bootstrap of outcome counts"
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
