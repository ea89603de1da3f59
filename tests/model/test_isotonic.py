"""The estimate's isotonic map is scikit-learn's IsotonicRegression(y_min=0, y_max=1,
out_of_bounds="clip"), thresholds and answers alike, without its checks on every call."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from mlgate.model.estimate import isotonic


@pytest.mark.parametrize("seed", range(6))
def test_the_map_is_scikit_learns_to_the_bit_with_ties_and_one_value(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for rows in (1, 2, 7, 300):
        x = np.round(rng.random(rows), int(rng.integers(1, 4)))  # scores that tie
        hits = (rng.random(rows) < x).astype(np.float64)
        fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, hits)
        xs, ys = isotonic(x, hits)
        np.testing.assert_array_equal(xs, fitted.X_thresholds_)
        np.testing.assert_array_equal(ys, fitted.y_thresholds_)
        probe = np.concatenate([x, rng.random(40) * 1.4 - 0.2])  # beyond the ends too
        np.testing.assert_array_equal(np.interp(probe, xs, ys), fitted.predict(probe))
    same = isotonic(np.full(5, 0.3), np.array([1.0, 0, 0, 1, 1]))
    assert same[0].tolist() == [0.3] and same[1].tolist() == [0.6]


def test_scores_an_ulp_apart_are_one_score_and_nan_is_refused_as_scikit_learn_does() -> None:
    """0.3 and 0.1 + 0.2 (0.30000000000000004) are one score to scikit-learn, which pools
    scores nearer than float64's resolution: np.unique alone kept them apart and moved a
    calibrated chance by 0.05 on a random forest's probabilities."""
    x = np.array([0.3, 0.3, 0.1 + 0.2, 0.1 + 0.2, 0.5, 0.5])
    hits = np.array([1.0, 0, 0, 1, 1, 1])
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(x, hits)
    xs, ys = isotonic(x, hits)
    assert (xs.tolist(), ys.tolist()) == ([0.3, 0.5], [0.5, 1.0])
    np.testing.assert_array_equal(xs, fitted.X_thresholds_)
    rng = np.random.default_rng(1)
    for _ in range(300):  # scores a few ulps off rounded ones, as sums in another order give
        base = np.round(rng.random(int(rng.integers(1, 200))), 2)
        moved = base * (1 + rng.integers(-3, 4, len(base)) * np.finfo(np.float64).eps)
        hits = (rng.random(len(base)) < base).astype(np.float64)
        fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(moved, hits)
        xs, ys = isotonic(moved, hits)
        np.testing.assert_array_equal(xs, fitted.X_thresholds_)
        np.testing.assert_array_equal(ys, fitted.y_thresholds_)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="NaN or infinity"):
            isotonic(np.array([0.1, bad, 0.4]), np.array([0.0, 1.0, 1.0]))
