"""A fairness figure with no interval says why: across a column with a group of a row or
two (108 values of a number), every resample leaves a group out and the figure is
undefined on each; the note blamed "1000 resamples", which 10,000 would not have mended."""

from __future__ import annotations

import numpy as np

from mlgate.compare import fairness


def test_a_figure_no_resample_defines_is_not_blamed_on_too_few_resamples() -> None:
    rng = np.random.default_rng(0)
    groups = np.arange(120) % 100  # 80 groups of one row, 20 of two
    actual, decided = rng.random((2, 120)) < 0.4
    for resamples in (1000, 10_000):
        found = fairness.alone(
            "demographic_parity_difference", groups, actual, decided, resamples=resamples
        )
        assert np.isnan(found.low) and np.isnan(found.high)
        assert found.note == (
            "no 0.95 interval: the figure is undefined on every resample (each leaves out a "
            "whole group)"
        )
    few = fairness.alone("demographic_parity_difference", groups % 2, actual, decided, resamples=30)
    assert few.note == (
        "no 0.95 interval: 30 resamples cannot bound one, it takes at least 40 (compare.resamples)"
    )
