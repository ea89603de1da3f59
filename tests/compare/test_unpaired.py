"""A label metric on two independent sets of rows: the change equals the two figures'
difference, its spread the two binomial spreads together, and its interval excludes zero
exactly when its p-value is below 1 - confidence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from mlgate.compare.unpaired import label_change
from mlgate.model import counts


def table(rng: np.random.Generator, rows: int, right: float) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, rows)
    pred = np.where(rng.random(rows) < right, y, 1 - y)
    return y, pred


def test_the_change_is_the_difference_of_the_two_figures_scikit_learn_computes() -> None:
    rng = np.random.default_rng(1)
    (ya, pa), (yb, pb) = table(rng, 400, 0.9), table(rng, 300, 0.8)
    before, after = counts.confusion(ya, pa, 2), counts.confusion(yb, pb, 2)
    for metric, score in (("accuracy", accuracy_score), ("f1", f1_score)):
        test = label_change(metric, before, after, positive_index=1)
        assert test.delta == pytest.approx(score(yb, pb) - score(ya, pa))
        assert test.rows == 300 and test.method == "unpaired bootstrap of outcome counts"


def test_accuracys_spread_is_the_two_binomial_spreads_together() -> None:
    before, after = np.array([[180, 20], [20, 180]]), np.array([[120, 30], [30, 120]])
    test = label_change("accuracy", before, after, positive_index=1)
    a, b = 0.9, 0.8
    expected = math.sqrt(a * (1 - a) / 400 + b * (1 - b) / 300)
    assert test.std_error == pytest.approx(expected, rel=0.08)
    assert test.ci_high < 0 and test.p_value < 0.05


@pytest.mark.parametrize("seed", range(30))
def test_the_interval_and_the_p_value_never_disagree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    (ya, pa), (yb, pb) = table(rng, 120, 0.85), table(rng, 90, rng.uniform(0.7, 0.9))
    test = label_change(
        "accuracy", counts.confusion(ya, pa, 2), counts.confusion(yb, pb, 2), positive_index=1
    )
    assert (test.ci_low > 0 or test.ci_high < 0) == (test.p_value < 0.05)
