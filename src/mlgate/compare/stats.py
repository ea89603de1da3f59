"""Is a metric's change real or noise? Tests on paired rows, seeded, pure.

A 114-row test set moves F1 by more than most gates allow, so a gate can ask for the
change to be significant (or for a drop not to be). Both tests here compare the
candidate and the baseline on the same rows, which is far more sensitive than comparing
two scores computed on different data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

Score = Callable[[np.ndarray], float]  # the metric on a subset of rows, given by index


@dataclass(frozen=True, kw_only=True)
class PairedTest:
    method: str  # "paired bootstrap" | "McNemar (exact)"
    rows: int
    delta: float  # candidate minus baseline on the paired rows
    ci_low: float  # confidence interval of delta
    ci_high: float
    p_value: float  # two-sided, against "no difference"
    confidence: float = 0.95
    std_error: float = math.nan  # of delta; NaN when the test gives none

    def significant(self, alpha: float | None = None) -> bool:
        return self.p_value < (1 - self.confidence if alpha is None else alpha)


def paired_bootstrap(
    candidate: Score,
    baseline: Score,
    rows: int,
    *,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedTest:
    """Resample rows with replacement; score both models on each same resample.

    Any metric, one Python call per resample: the general case. `compare.significance`
    has the vectorised ones mlgate's own metrics use.
    """
    if rows == 0:
        raise ValueError("no paired rows to compare")
    everything = np.arange(rows)
    delta = candidate(everything) - baseline(everything)
    rng = np.random.default_rng(seed)
    deltas = np.empty(resamples)
    for i in range(resamples):
        sample = rng.integers(0, rows, rows)
        deltas[i] = candidate(sample) - baseline(sample)
    return summarise(float(delta), deltas, rows=rows, confidence=confidence)


def summarise(
    delta: float,
    deltas: np.ndarray,
    *,
    rows: int,
    confidence: float = 0.95,
    method: str = "paired bootstrap",
) -> PairedTest:
    """A bootstrap distribution of candidate-minus-baseline as a test.

    Percentile interval; the p-value is the bootstrap's two-sided estimate: twice the
    share of resampled differences on the far side of zero (never below 1/resamples).
    Resamples where the metric is undefined (one class drawn, ...) are left out.
    """
    deltas = deltas[np.isfinite(deltas)]
    if len(deltas) == 0:
        raise ValueError("the metric is undefined on every resample")
    tail = (1 - confidence) / 2
    low, high = np.quantile(deltas, [tail, 1 - tail])
    far_side = min(np.mean(deltas <= 0), np.mean(deltas >= 0))
    p_value = min(1.0, max(2 * far_side, 1 / len(deltas)))
    if np.all(deltas == 0):
        p_value = 1.0
    spread = float(np.std(deltas, ddof=1)) if len(deltas) > 1 else math.nan
    return PairedTest(
        method=method,
        rows=rows,
        delta=delta,
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(p_value),
        confidence=confidence,
        std_error=spread,
    )


def resample_counts(
    rows: int, resamples: int, rng: np.random.Generator, *, cells: int = 1 << 16
) -> Iterator[np.ndarray]:
    """How often each row is drawn, per resample: (chunk, rows) float counts, in chunks.

    The same resamples as drawing row indices with replacement, as counts, so that a
    metric can be a weighted sum (a matrix product). A chunk holds about `cells` counts
    (a single resample past that), so that a metric's passes over it stay in the cache.
    """
    chunk = max(1, min(resamples, cells // max(rows, 1)))
    offsets = np.arange(chunk, dtype=np.int64)[:, None] * rows
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        drawn = rng.integers(0, rows, size=(size, rows)) + offsets[:size]
        yield (
            np.bincount(drawn.ravel(), minlength=size * rows).reshape(size, rows).astype(np.float64)
        )


def mcnemar(
    candidate_right: np.ndarray, baseline_right: np.ndarray, *, confidence: float = 0.95
) -> PairedTest:
    """Exact McNemar test of accuracy: only rows where exactly one model is right count."""
    rows = len(candidate_right)
    if rows == 0:
        raise ValueError("no paired rows to compare")
    gains = int(np.sum(candidate_right & ~baseline_right))
    losses = int(np.sum(~candidate_right & baseline_right))
    discordant = gains + losses
    p_value = _binomial_two_sided(min(gains, losses), discordant)
    delta = (gains - losses) / rows
    # Wald interval of a paired difference of proportions
    spread = math.sqrt(max(discordant - (gains - losses) ** 2 / rows, 0.0)) / rows
    z = _z(confidence)
    return PairedTest(
        method="McNemar (exact)",
        rows=rows,
        delta=delta,
        ci_low=delta - z * spread,
        ci_high=delta + z * spread,
        p_value=p_value,
        confidence=confidence,
        std_error=spread,
    )


def _binomial_two_sided(k: int, n: int) -> float:
    """P(X <= k or X >= n - k) for X ~ Binomial(n, 1/2), with k <= n/2."""
    if n == 0:
        return 1.0
    if n <= 1000:  # exact in integers; past this the sum of big integers gets slow
        return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    from scipy.special import bdtr  # the binomial tail as a regularised incomplete beta

    return min(1.0, 2 * float(bdtr(k, n, 0.5)))


def _z(confidence: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + confidence / 2)
