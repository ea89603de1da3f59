"""Every drift statistic equals SciPy's reference implementation on the same samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial import distance

from mlgate.data import corrections, two_sample

TOL = 1e-9


def samples(n_ref: int, n_cur: int, *, shift: float = 0.0, seed: int = 0, ties: bool = False):
    rng = np.random.default_rng(seed)
    ref = rng.normal(size=n_ref)
    cur = rng.normal(loc=shift, size=n_cur)
    if ties:  # rounded: many equal values on both sides
        ref, cur = np.round(ref, 1), np.round(cur, 1)
    return ref, cur


@pytest.mark.parametrize(
    ("n_ref", "n_cur", "shift", "ties"),
    [
        (40, 35, 0.0, False),
        (500, 800, 0.3, False),
        (1_000, 1_000, 0.0, True),
        (9_000, 10_000, 0.05, False),  # the last sizes ks_2samp computes exactly
        (20_000, 15_000, 0.0, False),  # asymptotic from here
        (200_000, 150_000, 0.02, True),
    ],
)
def test_ks_and_wasserstein_equal_scipys(n_ref: int, n_cur: int, shift: float, ties: bool) -> None:
    ref, cur = samples(n_ref, n_cur, shift=shift, ties=ties)
    shift_found = two_sample.numeric_shift(ref, cur)
    expected = stats.ks_2samp(ref, cur)
    assert shift_found.ks == pytest.approx(expected.statistic, abs=TOL)
    assert shift_found.ks_p == pytest.approx(expected.pvalue, rel=TOL, abs=1e-300)
    assert shift_found.wasserstein == pytest.approx(
        stats.wasserstein_distance(ref, cur), rel=TOL, abs=TOL
    )
    assert shift_found.reference_std == pytest.approx(np.std(ref), rel=TOL)


@pytest.mark.parametrize(
    ("n", "nx2"),
    [
        *((141, 2.2), (141, 20.0), (1_000, 2.5), (1_000, 200.0), (30_000, 4.0)),
        *((30_000, 300.0), (200_000, 2.2), (200_000, 10.0), (200_000, 40.0), (1_000_000, 3.0)),
    ],
)
def test_the_summed_smirnov_tail_is_scipys(n: int, nx2: float) -> None:
    """Where SciPy sums Smirnov's series term by term, mlgate sums it at once: the same
    p-value, to 1e-9 absolute and 1e-8 relative (n up to 10^6, where SciPy stops summing)."""
    x = float(np.sqrt(nx2 / n))
    expected = float(stats.kstwo.sf(x, n))
    found = two_sample.ks_asymptotic_p(x, 2 * n, 2 * n)  # 2n and 2n rows: an effective n
    assert found == pytest.approx(expected, abs=TOL, rel=1e-8)
    assert 0 < found < 0.03  # the p-values SciPy is slow for: significant drift


@settings(max_examples=150, deadline=None)
@given(n=st.integers(141, 5_000), share=st.floats(0.0, 1.0), whole=st.booleans())
def test_the_summed_tail_is_scipys_anywhere_in_its_range(n: int, share: float, whole: bool) -> None:
    """Any n and x where it applies; `whole`: x = k / n, where n (1 - x) is a whole number
    and the series' last term is 0."""
    x = float(np.sqrt((2.2 + share * 367.0) / n))
    if whole:
        x = math.ceil(x * n) / n
    x = min(x, 0.4999)
    expected = float(np.clip(stats.kstwo.sf(x, n), 0.0, 1.0))
    assert two_sample.ks_asymptotic_p(x, 2 * n, 2 * n) == pytest.approx(expected, abs=TOL, rel=1e-8)


def test_a_real_shift_is_found_and_none_is_not() -> None:
    same = two_sample.numeric_shift(*samples(5_000, 5_000, seed=1))
    moved = two_sample.numeric_shift(*samples(5_000, 5_000, shift=0.2, seed=1))
    assert same.ks_p > 0.05 and moved.ks_p < 1e-6
    assert two_sample.normed(moved.wasserstein, 1.0, 1.0) == pytest.approx(0.2, abs=0.04)


def test_a_constant_reference_is_never_nan() -> None:
    ones = np.ones(100)
    equal = two_sample.numeric_shift(ones, ones)
    assert equal.ks == 0.0 and equal.ks_p == 1.0
    assert two_sample.normed(equal.wasserstein, equal.reference_std, 0.0) == 0.0
    other = two_sample.numeric_shift(ones, np.full(100, 3.0))
    pooled = float(np.std(np.r_[ones, np.full(100, 3.0)]))  # 1.0
    assert two_sample.normed(other.wasserstein, other.reference_std, pooled) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("ref", "cur"),
    [
        ([50, 30, 20], [45, 35, 20]),
        ([500, 300, 200, 7], [400, 350, 240, 0]),
        ([60, 40], [30, 70]),  # one degree of freedom: Yates' correction, as SciPy applies it
        ([100_000, 250_000, 650_000], [101_000, 249_000, 650_000]),
    ],
)
def test_chi_square_and_jensen_shannon_equal_scipys(ref: list[int], cur: list[int]) -> None:
    a, b = np.array(ref, dtype=float), np.array(cur, dtype=float)
    found = two_sample.categorical_shift(a, b)
    expected = stats.chi2_contingency(np.vstack([a, b]))
    assert found.chi2 == pytest.approx(expected.statistic, rel=TOL, abs=TOL)
    assert found.chi2_p == pytest.approx(expected.pvalue, rel=TOL, abs=1e-300)
    assert found.dof == expected.dof
    # Cramér's V as SciPy has it: a 2 x 2 table's from the chi-square without Yates' correction
    v = stats.contingency.association(np.vstack([a, b]).astype(np.int64), method="cramer")
    assert found.cramers_v == pytest.approx(v, rel=TOL, abs=TOL)
    assert found.jensen_shannon == pytest.approx(
        distance.jensenshannon(a / a.sum(), b / b.sum()), abs=TOL
    )


def test_psi_by_hand() -> None:
    ref, cur = np.array([50.0, 50.0]), np.array([25.0, 75.0])
    by_hand = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert two_sample.psi(ref, cur) == pytest.approx(by_hand, abs=TOL)
    empty_bin = two_sample.psi(np.array([10.0, 0.0]), np.array([5.0, 5.0]))
    assert np.isfinite(empty_bin) and empty_bin > 1


def test_deciles_hold_a_tenth_of_the_reference_each() -> None:
    ref, cur = samples(10_000, 3_000, seed=4)
    ref_counts, cur_counts = two_sample.decile_counts(ref, cur)
    assert ref_counts.sum() == 10_000 and cur_counts.sum() == 3_000
    assert np.all(np.abs(ref_counts - 1_000) <= 1)


def test_psi_on_distinct_values_is_the_usual_decile_psi() -> None:
    """Bins change only where deciles tie: values all distinct keep the textbook figure."""
    ref, cur = samples(5_000, 4_000, shift=0.2, seed=7)
    edges = np.quantile(ref, np.linspace(0, 1, 11)[1:-1])
    ref_share = np.histogram(ref, np.concatenate([[-np.inf], edges, [np.inf]]))[0] / ref.size
    cur_share = np.histogram(cur, np.concatenate([[-np.inf], edges, [np.inf]]))[0] / cur.size
    by_hand = np.sum((cur_share - ref_share) * np.log(cur_share / ref_share))
    assert two_sample.psi(*two_sample.decile_counts(ref, cur)) == pytest.approx(by_hand, abs=TOL)


@pytest.mark.parametrize(
    ("reference", "current"),
    [
        ([5.0] * 100, [5.0] * 80 + [6.0] * 20),  # constant: every decile is 5
        ([5.0] * 100, [5.0] * 80 + [4.0] * 20),
        ([0.0] * 95 + [1.0] * 5, [0.0] * 50 + [1.0] * 50),  # 0 holds every decile
        ([0.0] * 85 + [1.0] * 15, [0.0] * 85 + [1.0] * 5 + [2.0] * 10),  # above the largest
    ],
)
def test_psi_sees_values_a_value_holding_a_decile_hid(
    reference: list[float], current: list[float]
) -> None:
    """Deciles tied on a value merged their bins: every value at or above a constant
    reference fell in its one bin, and PSI was 0 however far the column moved."""
    counts = two_sample.decile_counts(np.array(reference), np.array(current))
    assert two_sample.psi(*counts) > 0.2
    assert two_sample.psi(*two_sample.decile_counts(np.array(reference), np.array(reference))) == 0


def test_two_proportions_use_fisher_when_a_cell_is_small_and_say_which() -> None:
    """The report said "two-proportion p" of both, and neither is the z-test that name
    suggests: someone recomputing got another p-value."""
    small = two_sample.proportions(0, 100, 1, 100)
    assert small.p_value == pytest.approx(stats.fisher_exact([[0, 100], [1, 99]]).pvalue, abs=TOL)
    assert small.test == "Fisher's exact"
    big = two_sample.proportions(500, 10_000, 700, 10_000)
    assert big.p_value == pytest.approx(  # about 3e-9: an absolute slack would hide it
        stats.chi2_contingency([[500, 9_500], [700, 9_300]]).pvalue, rel=TOL, abs=0
    )
    assert big.test == "chi-square (2x2, Yates)"
    assert two_sample.proportions(0, 100, 0, 50).p_value == 1.0


def test_holm_and_bh_by_hand() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, made monotone
    assert corrections.adjust(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: sorted p * 4 / rank = 0.02, 0.02, 0.04, 0.04, made monotone from the top
    assert corrections.adjust(p, "bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert corrections.adjust([0.9, 0.8], "holm") == [1.0, 1.0]
    assert corrections.adjust([], "bh") == []
    with pytest.raises(ValueError, match="holm, bh"):
        corrections.adjust([0.1], "bonferroni")
