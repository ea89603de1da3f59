"""A score metric on the labelled production rows against the version's test rows: each
side's figure is scikit-learn's, its influence values are what leaving a row out moves
it by, every deal of the pooled rows is measured as its rows alone would be, unchanged
rows are called changed no more often than the test's level, and a metric without
influence values is said to have no test."""

from __future__ import annotations

import numpy as np
import pytest

from mlgate.compare import unpaired_scores
from mlgate.compare.unpaired import PERMUTED_ROWS
from mlgate.model import metrics

BINARY = ("roc_auc", "average_precision", "log_loss", "brier_score", "d2_log_loss", "d2_brier")
MANY = ("roc_auc", "roc_auc_ovr_weighted", "roc_auc_ovo", "roc_auc_ovo_weighted", "top_2_accuracy")


def scored(
    rng: np.random.Generator, rows: int, classes: int, *, ties: bool = False, skill: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Class indices, and probabilities that favour the true class by `skill`; rounded
    logits tie many scores."""
    y = rng.integers(0, classes, rows)
    logits = rng.normal(size=(rows, classes))
    logits[np.arange(rows), y] += skill
    if ties:
        logits = np.round(logits)
    chances = np.exp(logits)
    return y, (chances / chances.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize(("classes", "names"), [(2, BINARY), (4, MANY)])
def test_each_sides_figure_is_scikit_learns_and_its_influence_a_left_out_rows_move(
    classes: int, names: tuple[str, ...]
) -> None:
    y, scores = scored(np.random.default_rng(1), 150, classes)
    everything = list(range(classes))
    for metric in names:
        value, influence = unpaired_scores.alone(metric, y, scores, classes, 1)
        assert value == pytest.approx(
            metrics.compute(metric, y, y, scores.astype(np.float64), classes=everything), abs=1e-9
        )
        assert abs(influence.sum()) < 1e-8
        for row in (0, 17, 99):  # (n - 1) times what leaving the row out takes away
            rest = np.delete(np.arange(len(y)), row)
            without = metrics.compute(
                metric, y[rest], y[rest], scores[rest].astype(np.float64), classes=everything
            )
            assert (len(y) - 1) * (value - without) == pytest.approx(influence[row], abs=0.05)


@pytest.mark.parametrize("ties", [False, True])
def test_every_deal_is_measured_as_its_rows_alone_are(ties: bool) -> None:
    """The deals are measured many at once off one sort of the pooled rows; each must be
    the figure and spread its rows give alone."""
    rng = np.random.default_rng(2)
    for classes, names in ((2, ("roc_auc", "average_precision")), (3, MANY[:4])):
        y, scores = scored(rng, 90, classes, ties=ties)
        sides = np.zeros((3, len(y)))
        for side in sides:
            side[rng.choice(len(y), 40, replace=False)] = 1.0
        for metric in names:
            values, squares = unpaired_scores._Layout(metric, y, scores, 1).side(sides)
            for side, value, square in zip(sides, values, squares, strict=True):
                rows = np.flatnonzero(side)
                alone, influence = unpaired_scores.alone(metric, y[rows], scores[rows], classes, 1)
                assert value == pytest.approx(alone, abs=1e-12)
                assert square == pytest.approx(influence @ influence, rel=1e-9)


def test_a_worse_side_is_found_and_unchanged_rows_are_called_changed_at_the_tests_level() -> None:
    rng = np.random.default_rng(3)
    before = scored(rng, 300, 2)
    worse = unpaired_scores.score_change(
        "roc_auc", before, scored(rng, 60, 2, skill=0.2), n_classes=2, positive_index=1
    )
    assert worse.method == PERMUTED_ROWS and worse.rows == 60
    assert worse.ci_high < 0 and worse.p_value < 0.05
    called = [
        unpaired_scores.score_change(
            metric, before, scored(rng, 30, 2), n_classes=2, positive_index=1, resamples=199
        ).significant()
        for metric in ("roc_auc", "log_loss")
        for _ in range(40)
    ]
    assert sum(called) <= 8  # 5% of 80 is 4; 8 or more happens 5% of the time at most


def test_a_metric_without_influence_values_or_undefined_on_a_side_has_no_test() -> None:
    rng = np.random.default_rng(4)
    before, after = scored(rng, 100, 2), scored(rng, 40, 2)
    with pytest.raises(ValueError, match="calibration_error has no per-row influence values"):
        unpaired_scores.score_change(
            "calibration_error", before, after, n_classes=2, positive_index=1
        )
    one_class = (np.ones(40, np.int64), after[1])
    with pytest.raises(ValueError, match="undefined on rows of one class"):
        unpaired_scores.score_change("roc_auc", before, one_class, n_classes=2, positive_index=1)
