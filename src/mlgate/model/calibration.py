"""Expected calibration error: how far the probabilities a model states are from how often
what they are about happens.

With two classes, the positive class's probability against whether the row is positive
(scikit-learn's `calibration_curve`); with more, the most probable class's probability
against whether it is the true class (top-label calibration). Ten bins of equal width,
drawn as `calibration_curve(strategy="uniform")` draws them: (0.1, 0.2], ..., the first
[0, 0.1]. The error is each bin's gap |rate observed - mean probability| weighted by the
bin's share of the rows, which is the same as (1/n) times the sum over bins of
|sum over the bin's rows of (hit - probability)|: one bincount.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINS = 10
EDGES = np.linspace(0.0, 1.0, BINS + 1)


@dataclass(frozen=True)
class Terms:
    """Each row's bin, whether it hit, and the probability it was given."""

    bins: np.ndarray  # int, 0..BINS-1
    hits: np.ndarray  # bool
    probabilities: np.ndarray

    @property
    def gaps(self) -> np.ndarray:
        return np.asarray(self.hits - self.probabilities, np.float64)


def terms(y: np.ndarray, scores: np.ndarray, positive_index: int = 1) -> Terms:
    """`y` as class indices into the columns of `scores`, (rows, classes) probabilities.

    Raises ValueError when a probability is outside [0, 1] (a decision value is not one).
    """
    y, scores = np.asarray(y), np.asarray(scores, np.float64)
    if scores.shape[1] == 2:
        stated = scores[:, positive_index]
        hits = y == positive_index
    else:
        top = np.argmax(scores, axis=1)  # ties: the first, as argmax breaks them
        stated = scores[np.arange(len(y)), top]
        hits = top == y
    if not np.all((stated >= 0) & (stated <= 1)):
        raise ValueError("calibration_error needs probabilities between 0 and 1")
    bins = np.searchsorted(EDGES[1:-1], stated, side="left")
    return Terms(bins=bins, hits=hits, probabilities=stated)


def error(found: Terms) -> float:
    gaps = np.bincount(found.bins, weights=found.gaps, minlength=BINS)
    return float(np.abs(gaps).sum() / len(found.bins))


def on_counts(found: Terms, counts: np.ndarray) -> np.ndarray:
    """The error of each resample, given as (resamples, rows) counts of draws."""
    counts = np.asarray(counts, np.float64)
    by_bin = np.zeros((len(found.bins), BINS))
    by_bin[np.arange(len(found.bins)), found.bins] = found.gaps
    return np.asarray(np.abs(counts @ by_bin).sum(axis=1) / counts.sum(axis=1), np.float64)


@dataclass(frozen=True)
class Bin:
    """One bin of the reliability diagram: its rows, the mean probability they were
    given, and how often they hit."""

    lower: float
    upper: float
    rows: int
    stated: float
    observed: float


def reliability(found: Terms) -> list[Bin]:
    """The bins that hold rows, lowest first: the points of the reliability diagram."""
    rows = np.bincount(found.bins, minlength=BINS)
    stated = np.bincount(found.bins, weights=found.probabilities, minlength=BINS)
    hits = np.bincount(found.bins, weights=found.hits, minlength=BINS)
    return [
        Bin(
            lower=float(EDGES[b]),
            upper=float(EDGES[b + 1]),
            rows=int(rows[b]),
            stated=float(stated[b] / rows[b]),
            observed=float(hits[b] / rows[b]),
        )
        for b in range(BINS)
        if rows[b]
    ]


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float
    method: str


def error_interval(
    found: Terms, *, confidence: float = 0.95, resamples: int = 1000, seed: int = 0
) -> Interval:
    """The error with a percentile interval from a bootstrap of rows, drawn as counts of
    the (bin, hit) cells with each cell's sum of gaps from its exact mean and variance (as
    `compare.binned` draws two models). The error is biased upward on few rows, and so is
    the interval: two models are compared with a paired test, not two intervals."""
    rows = len(found.bins)
    cells = found.bins * 2 + found.hits
    size = np.bincount(cells, minlength=2 * BINS).astype(np.float64)
    used = np.flatnonzero(size)
    held = size[used]
    gaps = found.gaps
    mean = np.bincount(cells, weights=gaps, minlength=2 * BINS)[used] / held
    square = np.bincount(cells, weights=gaps * gaps, minlength=2 * BINS)[used] / held
    spread = np.sqrt(np.maximum(square - mean**2, 0.0))
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(rows, held / held.sum(), size=resamples).astype(np.float64)
    sums = drawn * mean + np.sqrt(drawn) * spread * rng.standard_normal(drawn.shape)
    by_bin = np.zeros((len(used), BINS))
    by_bin[np.arange(len(used)), used // 2] = 1.0
    errors = np.abs(sums @ by_bin).sum(axis=1) / rows
    low, high = np.quantile(errors, [(1 - confidence) / 2, (1 + confidence) / 2])
    return Interval(error(found), float(low), float(high), "bootstrap percentiles")


def brier_interval(found: Terms, *, confidence: float = 0.95) -> Interval:
    """Two classes: the Brier score (the mean squared gap) with Student's t interval."""
    from scipy.special import stdtrit

    squares = found.gaps**2
    value = float(np.mean(squares))
    rows = len(squares)
    if rows < 2:
        return Interval(value, float("nan"), float("nan"), "Student's t")
    half = float(stdtrit(rows - 1, (1 + confidence) / 2)) * float(np.std(squares, ddof=1))
    half /= rows**0.5
    return Interval(value, value - half, value + half, "Student's t")
