"""The paired bootstrap of the calibration error, drawn through cells of rows.

The error depends on the rows only through each bin's sum of (hit - probability), per
model (`model.calibration`). The rows fall into at most 4 x BINS^2 cells by the
candidate's bin and hit and the baseline's bin and hit. A resample of rows is drawn as
multinomial counts of the cells (for the counts, the same distribution as resampling
rows), and each cell's two sums of gaps, given its count k, as the normal with k times
the cell's mean and k times its covariance: the exact mean and covariance of k rows
drawn with replacement (the baseline's drawn as the candidate's plus the difference, so
that two models that agree on a row add no spread for it). Within a cell the hits are
fixed and the probabilities lie in one bin a tenth wide, so those sums are close to
normal; tests hold the result to the row bootstrap. It costs O(resamples x cells),
whatever the number of rows.
"""

from __future__ import annotations

import numpy as np

from mlgate.model.calibration import BINS, Terms

SIDES = 2 * BINS  # a side's (bin, hit)


def deltas(
    candidate: Terms, baseline: Terms, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Candidate's error minus the baseline's, on each of `resamples` resamples of rows."""
    rows = len(candidate.bins)
    cells = (candidate.bins * 2 + candidate.hits) * SIDES + baseline.bins * 2 + baseline.hits
    size = np.bincount(cells, minlength=SIDES * SIDES).astype(np.float64)
    used = np.flatnonzero(size)
    held = size[used]

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(cells, weights=values, minlength=SIDES * SIDES)[used] / held

    # the baseline's gaps as the candidate's plus a difference: where the two models state
    # the same probabilities, the difference is 0 and so is its spread, exactly
    ours, apart = candidate.gaps, baseline.gaps - candidate.gaps
    mean_ours, mean_apart = mean(ours), mean(apart)
    var_ours = np.maximum(mean(ours * ours) - mean_ours**2, 0.0)
    var_apart = np.maximum(mean(apart * apart) - mean_apart**2, 0.0)
    covariance = mean(ours * apart) - mean_ours * mean_apart
    # the 2 x 2 covariance's Cholesky factor, cell by cell
    l11 = np.sqrt(var_ours)
    l21 = np.divide(covariance, l11, out=np.zeros_like(covariance), where=l11 > 0)
    l22 = np.sqrt(np.maximum(var_apart - l21**2, 0.0))

    drawn = rng.multinomial(rows, held / held.sum(), size=resamples).astype(np.float64)
    z1, z2 = rng.standard_normal((2, resamples, len(used)))
    root = np.sqrt(drawn)
    sum_ours = drawn * mean_ours + root * (l11 * z1)
    sum_theirs = sum_ours + (drawn * mean_apart + root * (l21 * z1 + l22 * z2))
    ours_error = _error(sum_ours, used // SIDES // 2, rows)
    return np.asarray(ours_error - _error(sum_theirs, used % SIDES // 2, rows), np.float64)


def _error(sums: np.ndarray, bins: np.ndarray, rows: int) -> np.ndarray:
    """Each resample's error from its cells' sums of gaps and the bin of each cell."""
    to_bin = np.zeros((len(bins), BINS))
    to_bin[np.arange(len(bins)), bins] = 1.0
    return np.asarray(np.abs(sums @ to_bin).sum(axis=1) / rows, np.float64)
