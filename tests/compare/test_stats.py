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

from mlgate.compare.stats import mcnemar, paired_bootstrap


@pytest.fixture(scope="module")
def models():
    X, y = load_breast_cancer(return_X_y=True)
    train, test = np.arange(len(y)) % 5 != 0, np.arange(len(y)) % 5 == 0
    good = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[train], y[train])
    weak = make_pipeline(StandardScaler(), LogisticRegression(C=1e-4)).fit(
        X[train][:, :2], y[train])
    return y[test], good.predict(X[test]), weak.predict(X[test][:, :2])


def f1_on(y: np.ndarray, pred: np.ndarray):
    return lambda rows: f1_score(y[rows], pred[rows], zero_division=0)


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
    assert result.ci_low < result.delta < result.ci_high


def test_mcnemar_known_counts() -> None:
    right_a = np.array([True] * 10 + [False] * 2 + [True] * 88)
    right_b = np.array([False] * 10 + [True] * 2 + [True] * 88)
    result = mcnemar(right_a, right_b)
    assert result.p_value == pytest.approx(2 * (1 + 12 + 66) / 4096)
    assert result.delta == pytest.approx(0.08)


def test_no_rows_is_an_error() -> None:
    with pytest.raises(ValueError, match="no paired rows"):
        mcnemar(np.array([], bool), np.array([], bool))
