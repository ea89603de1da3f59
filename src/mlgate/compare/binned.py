"""The paired bootstrap of the calibration error, drawn through cells of rows.

The error depends on the rows only through each bin's sum of (hit - probability), per
model (`model.calibration`). The rows fall into at most SIDES^2 = 400 cells by the
candidate's bin and hit and the baseline's, and a resample of rows is drawn as counts of
those cells with each cell's sums of gaps from their exact mean and covariance
(`calibration.drawn_sums`; the baseline's as the candidate's plus the difference, so that
two models that agree on a row add no spread for it). Within a cell the hits are fixed and
the probabilities lie in one bin a tenth wide, so those sums are close to normal; tests
hold the result to the row bootstrap.
"""

from __future__ import annotations

import numpy as np

from mlgate.model.calibration import SIDES, Terms, drawn_sums, errors_of


def deltas(
    candidate: Terms, baseline: Terms, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Candidate's error minus the baseline's, on each of `resamples` resamples of rows."""
    rows = len(candidate.bins)
    cells = candidate.sides * SIDES + baseline.sides
    ours = candidate.gaps
    used, sum_ours, sum_apart = drawn_sums(cells, ours, baseline.gaps - ours, resamples, rng)
    theirs = errors_of(sum_ours + sum_apart, used % SIDES // 2, rows)
    return np.asarray(errors_of(sum_ours, used // SIDES // 2, rows) - theirs, np.float64)
