"""One model's calibration figures with their intervals: the Brier score's is Student's t
on the squared gaps, and the calibration error's is the row bootstrap's, drawn through
cells."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from mlgate.model import calibration


def binary(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < 0.4).astype(np.int64)
    p = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    return y, np.c_[1 - p, p]


def test_the_brier_interval_is_students_t_on_the_squared_gaps() -> None:
    y, scores = binary(300, seed=1)
    found = calibration.brier_interval(calibration.terms(y, scores, 1))
    squares = (scores[:, 1] - y) ** 2
    assert found.value == pytest.approx(skm.brier_score_loss(y, scores[:, 1]), abs=1e-15)
    low, high = stats.t.interval(0.95, len(y) - 1, loc=squares.mean(), scale=stats.sem(squares))
    assert (found.low, found.high) == pytest.approx((low, high), abs=1e-12)


def test_the_brier_interval_stays_where_the_score_can_be() -> None:
    """On a nearly perfect model the squares are skewed and t's interval reached below 0
    (a Brier score of -0.0003 is no score)."""
    y = np.r_[np.zeros(99, dtype=np.int64), 1]
    p = np.r_[np.full(99, 0.001), 0.2]  # one row far off, the rest nearly exact
    found = calibration.brier_interval(calibration.terms(y, np.c_[1 - p, p], 1))
    squares = (p - y) ** 2
    low, high = stats.t.interval(0.95, len(y) - 1, loc=squares.mean(), scale=stats.sem(squares))
    assert low < 0 and found.low == 0.0 and found.high == pytest.approx(high, abs=1e-12)


@pytest.mark.parametrize("rows", [200, 3000])
def test_the_error_interval_is_the_row_bootstraps(rows: int) -> None:
    y, scores = binary(rows, seed=2)
    found = calibration.terms(y, scores, 1)
    ours = calibration.error_interval(found, resamples=4000, seed=7)
    rng = np.random.default_rng(8)
    drawn = rng.multinomial(rows, np.full(rows, 1 / rows), size=4000)
    plain = calibration.on_counts(found, drawn)
    low, high = np.quantile(plain, [0.025, 0.975])
    spread = float(np.std(plain))
    assert ours.value == calibration.error(found)
    assert abs(ours.low - low) < 0.15 * spread and abs(ours.high - high) < 0.15 * spread
    assert ours == calibration.error_interval(found, resamples=4000, seed=7)  # seeded


def test_the_error_stays_inside_its_own_interval() -> None:
    """A well-calibrated model's error on 300 rows sits below nearly all of its resamples'
    (a resample repeats rows, which only adds gaps): the percentiles alone left it out."""
    stretched = 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        p = rng.random(300)
        y = (rng.random(300) < p).astype(np.int64)  # as likely as it says
        found = calibration.error_interval(calibration.terms(y, np.c_[1 - p, p], 1))
        assert found.low <= found.value <= found.high, (seed, found)
        stretched += found.low == found.value
    assert stretched >= 1  # not vacuous
