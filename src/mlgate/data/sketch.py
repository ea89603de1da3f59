"""A deterministic, mergeable quantile summary whose rank error is known and carried.

Randomised sketches (KLL, as Apache DataSketches and whylogs use) give a different summary
of the same data on every run, and a KS statistic computed from two of them naively is
off by up to their rank errors: on two samples of one 1M-row distribution it flags drift
most of the time. This summary keeps the values at `size` evenly spaced ranks of the
sorted data: the same data gives the same summary, byte for byte, and the empirical CDF
read from it is within `epsilon` of the data's at every point. Merging two summaries
re-draws the evenly spaced ranks from both and adds the re-drawing's error to the
larger of the two, so the bound stays true after any number of merges.

Below `size` values the summary is the data itself (epsilon 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlgate.data import two_sample

SIZE = 2048  # values kept: 16 KiB as float64, under 50 KiB as JSON


@dataclass(frozen=True)
class Summary:
    values: np.ndarray  # sorted; each stands for `count / values.size` of the data
    count: int  # how many values were summarised
    epsilon: float  # |F_summary(x) - F_data(x)| <= epsilon at every x

    @classmethod
    def of(cls, data: np.ndarray, size: int = SIZE) -> Summary:
        """From the data's values (any order, finite)."""
        ordered = np.sort(data)
        return cls.of_sorted(ordered, size)

    @classmethod
    def of_sorted(cls, ordered: np.ndarray, size: int = SIZE) -> Summary:
        n = ordered.size
        if n <= size:
            return cls(values=ordered.astype(float), count=n, epsilon=0.0)
        # the value at rank ceil(i * n / size), i = 1..size: F(x) between i/size - 1/size and i/size
        ranks = np.ceil(np.arange(1, size + 1) * (n / size)).astype(np.int64) - 1
        return cls(values=ordered[ranks].astype(float), count=n, epsilon=1.0 / size)

    def resized(self, size: int = SIZE) -> Summary:
        """At most `size` values: the data's own ranks when the summary is exact, else
        evenly spaced ranks of the summary (each value stands for as many of the data),
        whose CDF is within 1 / size of the summary's."""
        if self.values.size <= size:
            return self
        if self.epsilon == 0.0:
            return Summary.of_sorted(self.values, size)
        redrawn = Summary.of_sorted(self.values, size)
        return Summary(
            values=redrawn.values, count=self.count, epsilon=min(1.0, self.epsilon + 1.0 / size)
        )

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The share of the summarised values at or below each x (within epsilon)."""
        return np.searchsorted(self.values, x, side="right") / self.values.size

    def merge(self, other: Summary, size: int = SIZE) -> Summary:
        """Both summaries' values, weighted by what each stands for, re-drawn at `size`
        evenly spaced ranks."""
        if self.count == 0:
            return other
        if other.count == 0:
            return self
        exact = self.epsilon == 0.0 and other.epsilon == 0.0
        if exact and self.count + other.count <= size:
            both = np.sort(np.concatenate([self.values, other.values]))
            return Summary(values=both, count=both.size, epsilon=0.0)
        values = np.concatenate([self.values, other.values])
        weights = np.concatenate(
            [
                np.full(self.values.size, self.count / self.values.size),
                np.full(other.values.size, other.count / other.values.size),
            ]
        )
        order = np.argsort(values, kind="stable")
        values, cumulative = values[order], np.cumsum(weights[order])
        total = self.count + other.count
        wanted = np.arange(1, size + 1) * (total / size)
        picked = np.minimum(np.searchsorted(cumulative, wanted - 1e-9 * total), values.size - 1)
        # the weighted CDF is within the inputs' errors, weighted, of the data's; the value
        # first reaching each target gives floor(G * size) / size, within 1 / size of it
        carried = (self.count * self.epsilon + other.count * other.epsilon) / total
        return Summary(values=values[picked], count=total, epsilon=min(1.0, carried + 1.0 / size))


def ks_bounds(a: Summary, b: Summary) -> tuple[float, float]:
    """The KS statistic read from two summaries, and how far the data's can be from it."""
    points = np.concatenate([a.values, b.values])
    gap = float(np.max(np.abs(a.cdf(points) - b.cdf(points)))) if points.size else 0.0
    return gap, a.epsilon + b.epsilon


def quantile_distance(a: Summary, b: Summary, levels: int = SIZE) -> float:
    """A lower bound of the Wasserstein distance between the data the two summaries stand
    for: at each of `levels` evenly spaced levels, how far apart the data's two quantiles
    must be, given the range each summary leaves its quantile in (its rank error). So a
    profile can hide a shift, never make one: one value read at each level (at the top
    level, each side's maximum) overstated a heavy tail's distance forty-fold."""
    p = (np.arange(levels) + 0.5) / levels
    a_low, a_high = _quantile_range(a, p)
    b_low, b_high = _quantile_range(b, p)
    gap = np.maximum(0.0, np.maximum(a_low - b_high, b_low - a_high))
    return float(np.mean(gap))


def _quantile_range(s: Summary, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the data's quantile at each level p can lie. Value j stands at rank (j + 1) /
    m of the data, give or take the error merges carried (epsilon beyond the 1 / m of its
    own evenly spaced ranks): the quantile lies between the values either side of p, each
    moved out by that slack; at most the maximum, which the summary keeps; below its first
    value, the minimum is unknown."""
    m = s.values.size
    if m == 0:
        return np.full(p.size, -np.inf), np.full(p.size, np.inf)
    if s.epsilon == 0.0:  # the data itself
        exact = s.values[np.clip(np.ceil(p * m).astype(np.int64) - 1, 0, m - 1)]
        return exact, exact
    slack = max(0.0, s.epsilon - 1.0 / m)
    low = np.ceil((p - slack) * m).astype(np.int64) - 2
    high = np.minimum(np.ceil((p + slack) * m).astype(np.int64) - 1, m - 1)
    below = np.where(low >= 0, s.values[np.clip(low, 0, m - 1)], -np.inf)
    return below, s.values[high]


def _quantiles(s: Summary, p: np.ndarray) -> np.ndarray:
    index = np.minimum((p * s.values.size).astype(np.int64), s.values.size - 1)
    return s.values[index]


def decile_counts(reference: Summary, current: Summary) -> tuple[np.ndarray, np.ndarray]:
    """Each side's share in the bins raw data gets (`two_sample.psi_edges`), as counts (for
    PSI). Exact summaries give the data's counts; others, counts read off their CDFs, with
    an edge's own values in its bin as raw data has them (the share strictly below it)."""
    if reference.epsilon == 0 and current.epsilon == 0:
        return two_sample.decile_counts(reference.values, current.values)
    edges = two_sample.psi_edges(reference.values, _quantiles(reference, two_sample.DECILES))

    def counts(s: Summary) -> np.ndarray:
        below = np.searchsorted(s.values, edges, side="left") / s.values.size
        return np.diff(np.concatenate([[0.0], below, [1.0]])) * s.count

    return counts(reference), counts(current)
