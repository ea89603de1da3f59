"""Is a metric's change real or noise? Tests on paired rows, seeded, pure.

A 114-row test set moves F1 by more than most gates allow, so a gate can ask for the
change to be significant (or for a drop not to be). Both tests here compare the
candidate and the baseline on the same rows, which is far more sensitive than comparing
two scores computed on different data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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

    The p-value is the bootstrap's two-sided estimate: twice the share of resampled
    differences on the far side of zero (never below 1/resamples).
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
    deltas = deltas[np.isfinite(deltas)]
    if len(deltas) == 0:
        raise ValueError("the metric is undefined on every resample")
    tail = (1 - confidence) / 2
    low, high = np.quantile(deltas, [tail, 1 - tail])
    far_side = min(np.mean(deltas <= 0), np.mean(deltas >= 0))
    p_value = min(1.0, max(2 * far_side, 1 / len(deltas)))
    if np.all(deltas == 0):
        p_value = 1.0
    return PairedTest(method="paired bootstrap", rows=rows, delta=float(delta),
                      ci_low=float(low), ci_high=float(high), p_value=float(p_value),
                      confidence=confidence)


def mcnemar(candidate_right: np.ndarray, baseline_right: np.ndarray, *,
            confidence: float = 0.95) -> PairedTest:
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
    return PairedTest(method="McNemar (exact)", rows=rows, delta=delta,
                      ci_low=delta - z * spread, ci_high=delta + z * spread,
                      p_value=p_value, confidence=confidence)


def _binomial_two_sided(k: int, n: int) -> float:
    """P(X <= k or X >= n - k) for X ~ Binomial(n, 1/2), with k <= n/2."""
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def _z(confidence: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + confidence / 2)
