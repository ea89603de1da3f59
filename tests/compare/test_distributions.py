"""Paired tests on real models: noise is called noise, a real gain is called real."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.compare.distributions import mcnemar, paired_bootstrap, resample_counts, summarise


@pytest.fixture(scope="module")
def models():
    X, y = load_breast_cancer(return_X_y=True)
    train, test = np.arange(len(y)) % 5 != 0, np.arange(len(y)) % 5 == 0
    good = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[train], y[train])
    weak = make_pipeline(StandardScaler(), LogisticRegression(C=1e-4)).fit(
        X[train][:, :2], y[train]
    )
    return y[test], good.predict(X[test]), weak.predict(X[test][:, :2])


def f1_on(y: np.ndarray, pred: np.ndarray):
    """F1 of the positive class on the resampled rows: scikit-learn's f1_score(...,
    zero_division=0) in a few NumPy sums (its input checks cost a millisecond a call,
    and a bootstrap calls it thousands of times); the test below holds them equal."""

    def f1(rows: np.ndarray) -> float:
        truth, said = y[rows] == 1, pred[rows] == 1
        true_positives = np.count_nonzero(truth & said)
        both = np.count_nonzero(truth) + np.count_nonzero(said)
        return 2 * true_positives / both if both else 0.0

    return f1


def test_the_bootstraps_f1_is_scikit_learns(models) -> None:
    y, good, weak = models
    rng = np.random.default_rng(0)
    samples = [rng.integers(0, len(y), len(y)) for _ in range(20)]
    samples += [np.arange(len(y)), np.flatnonzero(y == 0), np.flatnonzero(good == 0)]
    for pred in (good, weak, 1 - good, np.zeros_like(good)):
        for rows in samples:
            expected = f1_score(y[rows], pred[rows], zero_division=0)
            assert f1_on(y, pred)(rows) == pytest.approx(expected, abs=1e-15)


def test_a_real_gain_is_significant_and_seeded(models) -> None:
    y, good, weak = models
    first = paired_bootstrap(f1_on(y, good), f1_on(y, weak), len(y), resamples=500, seed=7)
    again = paired_bootstrap(f1_on(y, good), f1_on(y, weak), len(y), resamples=500, seed=7)
    assert first == again
    assert first.delta == pytest.approx(f1_score(y, good) - f1_score(y, weak))
    assert first.delta > 0 and first.ci_low > 0 and first.significant()


def test_the_same_model_is_no_difference(models) -> None:
    y, good, _ = models
    same = paired_bootstrap(f1_on(y, good), f1_on(y, good), len(y), resamples=200)
    assert (same.delta, same.ci_low, same.ci_high, same.p_value) == (0, 0, 0, 1.0)
    assert not same.significant()


def test_a_tiny_change_on_a_small_set_is_noise(models) -> None:
    y, good, _ = models
    flipped = good.copy()
    flipped[:2] = 1 - flipped[:2]  # two predictions changed out of 114
    test = paired_bootstrap(f1_on(y, flipped), f1_on(y, good), len(y), resamples=1000)
    assert 0 < abs(test.delta) < 0.03
    assert test.ci_low <= test.delta <= test.ci_high
    assert not test.significant() and test.p_value > 0.05


def test_mcnemar_matches_scipys_exact_binomial_test(models) -> None:
    y, good, weak = models
    right_good, right_weak = good == y, weak == y
    result = mcnemar(right_good, right_weak)
    gains = int(np.sum(right_good & ~right_weak))
    losses = int(np.sum(~right_good & right_weak))
    assert result.p_value == pytest.approx(binomtest(gains, gains + losses).pvalue)
    assert result.delta == pytest.approx(right_good.mean() - right_weak.mean())
    assert result.ci_low <= result.delta <= result.ci_high
    # the interval is Clopper-Pearson's on the candidate's share of the discordant rows
    share = binomtest(gains, gains + losses).proportion_ci(0.95, method="exact")
    scale = (gains + losses) / len(y)
    assert result.ci_low == pytest.approx(scale * (2 * share.low - 1), rel=1e-9)
    assert result.ci_high == pytest.approx(scale * (2 * share.high - 1), rel=1e-9)


def test_mcnemar_known_counts() -> None:
    right_a = np.array([True] * 10 + [False] * 2 + [True] * 88)
    right_b = np.array([False] * 10 + [True] * 2 + [True] * 88)
    result = mcnemar(right_a, right_b)
    assert result.p_value == pytest.approx(2 * (1 + 12 + 66) / 4096)
    assert result.delta == pytest.approx(0.08)


def test_no_rows_is_an_error() -> None:
    with pytest.raises(ValueError, match="no paired rows"):
        mcnemar(np.array([], bool), np.array([], bool))


def test_mcnemar_on_many_rows_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    right_a, right_b = rng.random(200_000) < 0.9, rng.random(200_000) < 0.897
    result = mcnemar(right_a, right_b)  # 36,000 discordant rows: a minute as a sum of big ints
    gains = int(np.sum(right_a & ~right_b))
    losses = int(np.sum(~right_a & right_b))
    assert result.p_value == pytest.approx(binomtest(gains, gains + losses).pvalue, rel=1e-9, abs=0)
    # with 36,000 discordant rows the exact interval is the normal one
    assert result.std_error == pytest.approx((result.ci_high - result.delta) / 1.959964, rel=0.01)
    assert result.std_error == pytest.approx((result.delta - result.ci_low) / 1.959964, rel=0.01)


def test_the_bootstrap_reports_its_standard_error(models) -> None:
    y, good, weak = models
    test = paired_bootstrap(f1_on(y, good), f1_on(y, weak), len(y), resamples=300, seed=1)
    # the interval of a roughly normal delta spans about four standard errors
    assert 3 < (test.ci_high - test.ci_low) / test.std_error < 5


def test_summarise_leaves_out_undefined_resamples() -> None:
    defined = np.linspace(-0.1, 0.4, 100)
    deltas = np.r_[np.nan, defined[:50], np.inf, defined[50:], -np.inf]
    test = summarise(0.25, deltas, rows=10)
    assert np.count_nonzero(defined <= 0) == 20
    assert test.p_value == pytest.approx(2 * (20 + 1) / 101)
    assert test.std_error == pytest.approx(np.std(defined, ddof=1))
    # the 2nd smallest and 2nd largest: 2 on a side is the most that keeps p below 0.05
    assert (test.ci_low, test.ci_high) == (defined[1], defined[98])
    with pytest.raises(ValueError, match="undefined on every resample"):
        summarise(0.0, np.array([np.nan]), rows=10)


def test_resample_counts_are_rows_drawn_with_replacement() -> None:
    chunks = list(resample_counts(1000, 250, np.random.default_rng(5), cells=40_000))
    assert [len(c) for c in chunks] == [40] * 6 + [10]
    drawn = np.vstack(chunks)
    assert drawn.shape == (250, 1000) and np.all(drawn.sum(axis=1) == 1000)
    # each row is drawn Binomial(1000, 1/1000) times: mean 1, variance 0.999
    assert drawn.mean() == pytest.approx(1.0)
    assert drawn.var() == pytest.approx(0.999, rel=0.02)
    rng = np.random.default_rng(5)  # the same draws as indices, counted
    first = np.bincount(
        rng.integers(0, 1000, (40, 1000)).ravel() + np.repeat(np.arange(40) * 1000, 1000),
        minlength=40_000,
    ).reshape(40, 1000)
    np.testing.assert_array_equal(chunks[0], first)
