"""Two-sample statistics for drift: each equals SciPy's reference to 1e-9 on the same data.

The numeric ones share one pass. Both the Kolmogorov-Smirnov statistic and the
Wasserstein distance are read off the two empirical CDFs at the merged sorted values, so a
column is sorted once and both come out of the same arrays (SciPy sorts, concatenates and
searches once per statistic). p-values come from SciPy's own distributions, so they agree
with `ks_2samp` and `chi2_contingency` by construction, but for one range SciPy computes
slowly (`smirnov_tail`), summed here by the same formula and tested against SciPy's.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

# SciPy's statistics take a second to import (more than the drift of a million rows takes
# to compute): imported where a p-value is computed, and early on another thread by a run
# that will need them (pipeline/warmup.py), so that profiles and checks never wait for it

KS_EXACT_MAX_N = 10_000  # ks_2samp's `auto`: exact p-values up to this many rows a side
PSI_FLOOR = 1e-4  # an empty bin's share, so that PSI stays finite (the usual convention)


@dataclass(frozen=True)
class NumericShift:
    """What two samples of a numeric column differ by, from one sort."""

    ks: float  # sup |F_ref - F_cur|
    ks_p: float  # two-sided, as ks_2samp(method="auto") gives it
    wasserstein: float  # in the column's units
    reference_std: float  # population standard deviation (ddof 0)


def numeric_shift(
    reference: np.ndarray, current: np.ndarray, *, presorted: bool = False
) -> NumericShift:
    """Both samples non-empty, finite, float64; `presorted`: both already in order (polars
    sorts a column in a third of NumPy's time)."""
    ref = reference if presorted else np.sort(reference)
    cur = current if presorted else np.sort(current)
    both, ref_below, cur_below = _merged(ref, cur)
    gap = np.abs(ref_below / ref.size - cur_below / cur.size)
    # inside a run of equal values the counts are partial: the CDFs are read at its end
    ends = np.empty(both.size, dtype=bool)
    np.not_equal(both[:-1], both[1:], out=ends[:-1])
    ends[-1] = True
    ks = float(gap[ends].max())
    wasserstein = float(np.sum(gap[:-1] * np.diff(both)))  # a run's inner steps are 0 wide
    return NumericShift(
        ks=ks,
        ks_p=ks_p_value(reference, current, ks),
        wasserstein=wasserstein,
        reference_std=float(np.std(ref)),
    )


def _merged(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two sorted samples merged, with how many of each are at or before each place.

    One binary search of the current sample in the reference places every value: no sort
    of the union and no search of the union in each side (a quarter of the work)."""
    at = np.searchsorted(ref, cur, side="right") + np.arange(cur.size)
    from_cur = np.zeros(ref.size + cur.size, dtype=bool)
    from_cur[at] = True
    both = np.empty(ref.size + cur.size)
    both[at] = cur
    both[~from_cur] = ref
    cur_below = np.cumsum(from_cur)
    ref_below = np.arange(1, both.size + 1) - cur_below
    return both, ref_below, cur_below


def ks_p_value(reference: np.ndarray, current: np.ndarray, d: float) -> float:
    """Exact below KS_EXACT_MAX_N rows a side (ks_2samp itself, cheap there), Smirnov's
    asymptotic distribution above it (what ks_2samp uses)."""
    if max(reference.size, current.size) <= KS_EXACT_MAX_N:
        from scipy import stats

        with warnings.catch_warnings():  # where the exact sum fails SciPy says so, and
            warnings.simplefilter("ignore", RuntimeWarning)  # falls back as it does below
            return float(stats.ks_2samp(reference, current).pvalue)
    return ks_asymptotic_p(d, reference.size, current.size)


def ks_asymptotic_p(d: float, n_reference: int, n_current: int) -> float:
    """Smirnov's distribution of the two-sample statistic, as ks_2samp's asymptotic mode."""
    from scipy import stats

    m, n = sorted((float(n_reference), float(n_current)), reverse=True)
    en = int(np.round(m * n / (m + n)))
    if SMIRNOV_SUMMED[0] < en <= SMIRNOV_SUMMED[1] and d < 0.5 and 2.2 <= en * d * d < 370:
        return float(np.clip(2 * smirnov_tail(en, d), 0.0, 1.0))
    return float(np.clip(stats.kstwo.sf(d, en), 0.0, 1.0))


# where kstwo.sf takes twice Smirnov's one-sided tail and SciPy sums its series a term at a
# time, holding the GIL: 0.6 s a column at 1,000,000 rows a side, for every p-value below
# about 0.02 (scipy.stats._ksstats._kolmogn; above 10^6 SciPy approximates instead)
SMIRNOV_SUMMED = (140, 1_000_000)


def smirnov_tail(n: int, x: float) -> float:
    """P(D+ >= x) for n values, Birnbaum and Tingey's exact sum, every term at once in log
    space: 30 ms where SciPy's loop takes 600 ms at n = 500,000, within 1e-9 of it (tests)."""
    from scipy import special

    j = np.arange(0, math.floor(n * (1 - x)) + 1, dtype=float)
    # the last term is 0 when n (1 - x) is whole: 1 - x - j / n may round below 0 there
    with np.errstate(divide="ignore"):
        logs = (
            special.gammaln(n + 1)
            - special.gammaln(j + 1)
            - special.gammaln(n - j + 1)
            + (n - j) * np.log1p(np.maximum(-x - j / n, -1.0))
            + (j - 1) * np.log(x + j / n)
        )
    top = float(logs.max())
    return x * math.exp(top) * float(np.exp(logs - top).sum())


def normed(distance: float, reference_std: float, pooled_std: float) -> float:
    """A Wasserstein distance in reference standard deviations. A constant reference has
    none: the pooled spread stands in, and two equal constants are 0 apart, never NaN."""
    if distance == 0.0:
        return 0.0
    scale = reference_std if reference_std > 0 else pooled_std
    return distance / scale if scale > 0 else math.inf


@dataclass(frozen=True)
class CategoricalShift:
    chi2: float
    chi2_p: float
    dof: int
    jensen_shannon: float  # the distance (square root of the divergence), natural log
    cramers_v: float = 0.0  # from the chi-square without Yates' correction, as SciPy's own


def categorical_shift(reference: np.ndarray, current: np.ndarray) -> CategoricalShift:
    """Counts per category, aligned; categories absent from both are not passed."""
    from scipy import stats
    from scipy.spatial import distance

    ref_share = reference / reference.sum()
    cur_share = current / current.sum()
    js = float(distance.jensenshannon(ref_share, cur_share))
    if reference.size < 2:  # one category on both sides: nothing can differ
        return CategoricalShift(chi2=0.0, chi2_p=1.0, dof=0, jensen_shannon=0.0)
    table = np.vstack([reference, current])
    result = stats.chi2_contingency(table)  # Yates' correction on a 2 x 2 table: its p-value
    plain = (
        stats.chi2_contingency(table, correction=False).statistic
        if result.dof == 1
        else result.statistic
    )
    return CategoricalShift(
        chi2=float(result.statistic),
        chi2_p=float(result.pvalue),
        dof=int(result.dof),
        jensen_shannon=0.0 if math.isnan(js) else js,
        cramers_v=math.sqrt(float(plain) / float(table.sum())),  # a 2 x k table: min side 1
    )


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins."""
    ref = np.maximum(reference / reference.sum(), PSI_FLOOR)
    cur = np.maximum(current / current.sum(), PSI_FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


DECILES = np.linspace(0, 1, 11)[1:-1]


def decile_counts(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts in the bins of `psi_edges` (the reference's deciles), for PSI on a numeric
    column: a value falls in the bin of the last edge at or below it."""
    ordered = np.sort(reference)
    edges = psi_edges(ordered, np.quantile(ordered, DECILES))
    return (
        np.bincount(np.searchsorted(edges, ordered, side="right"), minlength=edges.size + 1),
        np.bincount(np.searchsorted(edges, current, side="right"), minlength=edges.size + 1),
    )


def psi_edges(ordered: np.ndarray, deciles: np.ndarray) -> np.ndarray:
    """The bins' lower edges for PSI, from the sorted reference and its deciles. Deciles
    tie on a value holding a tenth of the reference, and the merged bin hid values it never
    held: a constant reference put every value at or above it in one bin (PSI 0 however
    far the column moved). So such a value, and the largest when a decile falls on it, gets
    a bin of its own, and what lies above it the next one; below the lowest edge is a bin
    already. Deciles of distinct values give the usual decile bins, unchanged."""
    edges, ties = np.unique(deciles, return_counts=True)
    own = (ties > 1) | (edges == ordered[-1])
    return np.union1d(edges, np.nextafter(edges[own], np.inf))


FISHER = "Fisher's exact"
YATES = "chi-square (2x2, Yates)"


@dataclass(frozen=True)
class ProportionTest:
    p_value: float
    test: str  # FISHER or YATES: the report names the one that gave p


def proportions(k_ref: int, n_ref: int, k_cur: int, n_cur: int) -> ProportionTest:
    """Two-sided: do two shares (nulls, say) differ? Fisher's exact test when a cell is
    expected below 5, else the chi-square test of the 2x2 table (Yates-corrected, as
    chi2_contingency does)."""
    from scipy import stats

    table = np.array([[k_ref, n_ref - k_ref], [k_cur, n_cur - k_cur]])
    if (table.sum(axis=0) == 0).any():  # all or none on both sides: equal
        return ProportionTest(1.0, FISHER)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if expected.min() < 5:
        return ProportionTest(float(stats.fisher_exact(table).pvalue), FISHER)
    return ProportionTest(float(stats.chi2_contingency(table).pvalue), YATES)
