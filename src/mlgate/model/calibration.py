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

from mlgate.result.records import ReliabilityBin

BINS = 10
EDGES = np.linspace(0.0, 1.0, BINS + 1)
SIDES = 2 * BINS  # a row's (bin, hit)


@dataclass(frozen=True)
class Terms:
    """Each row's bin, whether it hit, and the probability it was given."""

    bins: np.ndarray  # int, 0..BINS-1
    hits: np.ndarray  # bool
    probabilities: np.ndarray

    @property
    def gaps(self) -> np.ndarray:
        return np.asarray(self.hits - self.probabilities, np.float64)

    @property
    def sides(self) -> np.ndarray:
        """Each row's (bin, hit), as one number below SIDES."""
        return np.asarray(self.bins * 2 + self.hits, np.int64)


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
    return errors_of(counts * found.gaps, found.bins, counts.sum(axis=1))


def errors_of(sums: np.ndarray, bins: np.ndarray, rows: float | np.ndarray) -> np.ndarray:
    """Each resample's error from (resamples, groups) sums of gaps, the bin of each group
    (a row, or a cell of rows) and the resample's rows."""
    to_bin = np.zeros((len(bins), BINS))
    to_bin[np.arange(len(bins)), bins] = 1.0
    return np.asarray(np.abs(sums @ to_bin).sum(axis=1) / rows, np.float64)


def drawn_sums(
    cells: np.ndarray,
    ours: np.ndarray,
    apart: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A bootstrap of rows drawn through cells of rows: the cells that hold rows, and on
    each resample each cell's sums of two per-row values (`ours`, and `apart`, another
    model's gap minus ours).

    The counts of the cells are multinomial (for the counts, the same distribution as
    resampling rows); given a cell's count k, its two sums are drawn from the normal with k
    times the cell's mean and k times its covariance: the exact mean and covariance of k
    rows drawn with replacement. Where `apart` is 0 in a cell (the models agree, or there is
    one model), so is its sum, exactly. O(resamples x cells), whatever the rows."""
    size = np.bincount(cells).astype(np.float64)
    used = np.flatnonzero(size)
    held = size[used]

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(cells, weights=values, minlength=len(size))[used] / held

    mean_ours, mean_apart = mean(ours), mean(apart)
    var_ours = np.maximum(mean(ours * ours) - mean_ours**2, 0.0)
    var_apart = np.maximum(mean(apart * apart) - mean_apart**2, 0.0)
    covariance = mean(ours * apart) - mean_ours * mean_apart
    # the 2 x 2 covariance's Cholesky factor, cell by cell
    l11 = np.sqrt(var_ours)
    l21 = np.divide(covariance, l11, out=np.zeros_like(covariance), where=l11 > 0)
    l22 = np.sqrt(np.maximum(var_apart - l21**2, 0.0))
    drawn = rng.multinomial(len(cells), held / held.sum(), size=resamples).astype(np.float64)
    z1, z2 = rng.standard_normal((2, resamples, len(used)))
    root = np.sqrt(drawn)
    sum_ours = drawn * mean_ours + root * (l11 * z1)
    return used, sum_ours, drawn * mean_apart + root * (l21 * z1 + l22 * z2)


def reliability(found: Terms) -> list[ReliabilityBin]:
    """The bins that hold rows, lowest first: the points of the reliability diagram."""
    rows = np.bincount(found.bins, minlength=BINS)
    stated = np.bincount(found.bins, weights=found.probabilities, minlength=BINS)
    hits = np.bincount(found.bins, weights=found.hits, minlength=BINS)
    return [
        ReliabilityBin(
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
    """The error with a percentile interval from a bootstrap of rows drawn through the
    (bin, hit) cells (`drawn_sums`). The error is biased upward on few rows, and so is the
    interval: two models are compared with a paired test, not two intervals. When every
    resample's error lies above the error itself (a well-calibrated model's few rows), the
    interval is stretched down to it: a figure is never shown outside its own interval."""
    gaps = found.gaps
    rng = np.random.default_rng(seed)
    used, sums, _ = drawn_sums(found.sides, gaps, np.zeros_like(gaps), resamples, rng)
    errors = errors_of(sums, used // 2, len(gaps))
    low, high = np.quantile(errors, [(1 - confidence) / 2, (1 + confidence) / 2])
    value = error(found)
    return Interval(value, min(float(low), value), max(float(high), value), "bootstrap percentiles")


def brier_interval(found: Terms, *, confidence: float = 0.95) -> Interval:
    """Two classes: the Brier score (the mean squared gap) with Student's t interval, cut
    to [0, 1], where the score lies (on a well-calibrated model the squares are skewed,
    and t's interval reached below 0: -0.0003; cutting it keeps its coverage)."""
    from scipy.special import stdtrit

    squares = found.gaps**2
    value = float(np.mean(squares))
    rows = len(squares)
    if rows < 2:
        return Interval(value, float("nan"), float("nan"), "Student's t")
    half = float(stdtrit(rows - 1, (1 + confidence) / 2)) * float(np.std(squares, ddof=1))
    half /= rows**0.5
    return Interval(value, max(value - half, 0.0), min(value + half, 1.0), "Student's t")
