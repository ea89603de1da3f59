"""Each metric's own interval (evaluate.intervals): for accuracy about the binomial
interval and covering the population's accuracy about as often as it says; for ROC AUC,
from resampled rows, around the figure and narrower with more rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mlgate.compare import intervals
from mlgate.manifest.spec import Compare
from mlgate.model.metrics import compute
from mlgate.result import arrays
from mlgate.result.records import EvaluateStage, Predictions


def stage(
    rows: int, seed: int, right: float = 0.8, names: tuple[str, ...] = ("accuracy", "roc_auc")
) -> EvaluateStage:
    """A binary classifier right on each row with probability `right`."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows)
    hit = rng.random(rows) < right
    pred = np.where(hit, y, 1 - y)
    p1 = np.clip(np.where(pred == 1, 0.7, 0.3) + rng.normal(0, 0.15, rows), 0.01, 0.99)
    scores = np.c_[1 - p1, p1].astype(np.float32)
    return EvaluateStage(
        status="passed",
        task="classification",
        metrics={n: compute(n, y, pred, scores, classes=[0, 1]) for n in names},
        predictions=Predictions(
            rows=rows,
            row_keys=arrays.encode(np.arange(rows, dtype=np.uint64)),
            y_true=arrays.encode(y.astype(np.int32)),
            y_pred=arrays.encode(pred.astype(np.int32)),
            scores=arrays.encode(scores),
            classes=(0, 1),
        ),
    )


def test_accuracys_interval_is_about_the_binomial_one() -> None:
    found = stage(2000, 1)
    (acc, auc) = intervals.of(found, Compare())
    p = found.metrics["accuracy"]
    assert p is not None and acc.metric == "accuracy"
    half = 1.96 * np.sqrt(p * (1 - p) / 2000)
    assert acc.low == pytest.approx(p - half, abs=0.004)
    assert acc.high == pytest.approx(p + half, abs=0.004)
    assert acc.method == "bootstrap of outcome counts"
    assert auc.low < found.metrics["roc_auc"] < auc.high
    assert auc.method == "bootstrap of rows, 200 resamples"
    (_, wide) = intervals.of(stage(300, 1), Compare())
    assert wide.high - wide.low > 1.8 * (auc.high - auc.low)  # 1/sqrt(rows)


def test_accuracys_interval_covers_the_populations_about_as_often_as_it_says() -> None:
    covered = sum(
        lo <= 0.8 <= hi
        for seed in range(200)
        for lo, hi in [
            (i.low, i.high)
            for i in intervals.of(stage(400, seed, names=("accuracy",)), Compare())
            if i.metric == "accuracy"
        ]
    )
    assert 180 <= covered <= 198  # 95% of 200 is 190


def test_a_biased_figure_stays_inside_its_own_interval() -> None:
    """The calibration error of a well-calibrated model's 300 rows sits below most of its
    resamples' (a resample repeats rows, which only adds gaps): read off the resamples
    alone, its interval left the figure out on 3 of these 40 seeds."""
    outside = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        p1 = rng.uniform(0, 1, 300)
        y = (rng.uniform(0, 1, 300) < p1).astype(np.int32)  # as likely as it says
        pred, scores = (p1 > 0.5).astype(np.int32), np.c_[1 - p1, p1]
        found = replace(
            stage(300, seed, names=()),
            metrics={"calibration_error": compute("calibration_error", y, pred, scores)},
        )
        kept = replace(
            found.predictions,
            y_true=arrays.encode(y),
            y_pred=arrays.encode(pred),
            scores=arrays.encode(scores),
        )
        (own,) = intervals.of(replace(found, predictions=kept), Compare())
        figure = found.metrics["calibration_error"]
        assert figure is not None and own.low <= figure <= own.high, (seed, figure, own)
        outside += figure in (own.low, own.high)  # where the resamples alone left it out
    assert outside >= 1  # not vacuous: the stretch was needed
