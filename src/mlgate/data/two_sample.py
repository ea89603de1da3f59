"""Two-sample statistics for drift: each equals SciPy's reference to 1e-9 on the same data.

The numeric ones share one pass. Both the Kolmogorov-Smirnov statistic and the
Wasserstein distance are read off the two empirical CDFs at the merged sorted values, so a
column is sorted once and both come out of the same arrays (SciPy sorts, concatenates and
searches once per statistic). p-values come from SciPy's own distributions, so they agree
with `ks_2samp` and `chi2_contingency` by construction, not by re-derivation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial import distance

KS_EXACT_MAX_N = 10_000  # ks_2samp's `auto`: exact p-values up to this many rows a side
PSI_FLOOR = 1e-4  # an empty bin's share, so that PSI stays finite (the usual convention)


@dataclass(frozen=True)
class NumericShift:
    """What two samples of a numeric column differ by, from one sort."""

    ks: float  # sup |F_ref - F_cur|
    ks_p: float  # two-sided, as ks_2samp(method="auto") gives it
    wasserstein: float  # in the column's units
    reference_std: float  # population standard deviation (ddof 0)


def numeric_shift(reference: np.ndarray, current: np.ndarray) -> NumericShift:
    """Both samples non-empty, finite, float64."""
    ref = np.sort(reference)
    cur = np.sort(current)
    both = np.sort(np.concatenate([ref, cur]), kind="stable")  # merges two sorted runs
    gap = np.abs(
        np.searchsorted(ref, both, side="right") / ref.size
        - np.searchsorted(cur, both, side="right") / cur.size
    )
    ks = float(gap.max())
    wasserstein = float(np.sum(gap[:-1] * np.diff(both)))
    return NumericShift(
        ks=ks,
        ks_p=ks_p_value(reference, current, ks),
        wasserstein=wasserstein,
        reference_std=float(np.std(ref)),
    )


def ks_p_value(reference: np.ndarray, current: np.ndarray, d: float) -> float:
    """Exact below KS_EXACT_MAX_N rows a side (ks_2samp itself, cheap there), Smirnov's
    asymptotic distribution above it (what ks_2samp uses)."""
    if max(reference.size, current.size) <= KS_EXACT_MAX_N:
        return float(stats.ks_2samp(reference, current).pvalue)
    m, n = sorted((float(reference.size), float(current.size)), reverse=True)
    return float(np.clip(stats.kstwo.sf(d, np.round(m * n / (m + n))), 0.0, 1.0))


def normed_wasserstein(shift: NumericShift, pooled_std: float) -> float:
    """The distance in reference standard deviations. A constant reference has none: the
    pooled spread stands in, and two equal constants are 0 apart, never NaN."""
    if shift.wasserstein == 0.0:
        return 0.0
    scale = shift.reference_std if shift.reference_std > 0 else pooled_std
    return shift.wasserstein / scale if scale > 0 else math.inf


@dataclass(frozen=True)
class CategoricalShift:
    chi2: float
    chi2_p: float
    dof: int
    jensen_shannon: float  # the distance (square root of the divergence), natural log


def categorical_shift(reference: np.ndarray, current: np.ndarray) -> CategoricalShift:
    """Counts per category, aligned; categories absent from both are not passed."""
    ref_share = reference / reference.sum()
    cur_share = current / current.sum()
    js = float(distance.jensenshannon(ref_share, cur_share))
    if reference.size < 2:  # one category on both sides: nothing can differ
        return CategoricalShift(chi2=0.0, chi2_p=1.0, dof=0, jensen_shannon=0.0)
    result = stats.chi2_contingency(np.vstack([reference, current]))
    return CategoricalShift(
        chi2=float(result.statistic),
        chi2_p=float(result.pvalue),
        dof=int(result.dof),
        jensen_shannon=0.0 if math.isnan(js) else js,
    )


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins."""
    ref = np.maximum(reference / reference.sum(), PSI_FLOOR)
    cur = np.maximum(current / current.sum(), PSI_FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def decile_counts(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts in the reference's deciles (ties merge bins), for PSI on a numeric column."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, 11)[1:-1]))
    return (
        np.bincount(np.searchsorted(edges, reference, side="right"), minlength=edges.size + 1),
        np.bincount(np.searchsorted(edges, current, side="right"), minlength=edges.size + 1),
    )


def proportion_p(k_ref: int, n_ref: int, k_cur: int, n_cur: int) -> float:
    """Two-sided: do two shares (nulls, say) differ? Fisher's exact test when a cell is
    expected below 5, else the chi-square test of the 2x2 table (Yates-corrected, as
    chi2_contingency does)."""
    table = np.array([[k_ref, n_ref - k_ref], [k_cur, n_cur - k_cur]])
    if (table.sum(axis=0) == 0).any():  # all or none on both sides: equal
        return 1.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if expected.min() < 5:
        return float(stats.fisher_exact(table).pvalue)
    return float(stats.chi2_contingency(table).pvalue)


def excess_p(k: int, n: int, expected_share: float) -> float:
    """One-sided binomial: more than `expected_share` of n, if k of n were seen."""
    if k == 0:
        return 1.0
    return float(stats.binom.sf(k - 1, n, expected_share))
