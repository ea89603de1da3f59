"""Each metric of a run with a confidence interval of its own (evaluate.intervals): how far
the figure could move on another test set of the same size from the same population.

Label metrics resample the confusion table's cells as multinomial counts (the same
distribution as resampling the rows, at a cost that does not grow with them, with
compare.resamples resamples); every other metric resamples the rows and computes the
metric on each resample, ROW_RESAMPLES times at most, since each costs a full pass. The
interval is read off the resamples as the paired tests read theirs (`distributions.interval`),
and holds the figure itself.
"""

from __future__ import annotations

import numpy as np

from mlgate.compare.distributions import drawn_cells, holding, interval
from mlgate.manifest.spec import Compare
from mlgate.model import counts
from mlgate.model.metrics import compute
from mlgate.result import arrays
from mlgate.result.records import EvaluateStage, MetricInterval

ROW_RESAMPLES = 200
CELLS_AT_ONCE = 1 << 20


def of(evaluated: EvaluateStage, spec: Compare) -> tuple[MetricInterval, ...]:
    """An interval for each metric the run computed; a metric the resamples leave
    undefined is left out (its figure stands alone in the report)."""
    kept = evaluated.predictions
    if kept is None:
        return ()
    y_true, y_pred = arrays.decode(kept.y_true), arrays.decode(kept.y_pred)
    scores = arrays.decode(kept.scores) if kept.scores is not None else None
    n_classes = len(kept.classes or ())
    found = []
    for name, value in evaluated.metrics.items():
        if value is None:
            continue
        rng = np.random.default_rng(spec.seed)
        labels = n_classes and name in counts.LABEL_METRICS and y_true.min(initial=0) >= 0
        try:
            if name == "calibration_error" and scores is not None:
                found.append(_calibration(value, y_true, scores, evaluated, spec))
                continue
            if labels and y_pred.min(initial=0) >= 0:
                drawn = _from_counts(name, y_true, y_pred, n_classes, evaluated, spec, rng)
                method = "bootstrap of outcome counts"
            else:
                drawn = _from_rows(name, y_true, y_pred, scores, n_classes, evaluated, rng, spec)
                method = f"bootstrap of rows, {min(spec.resamples, ROW_RESAMPLES)} resamples"
            low, high = interval(drawn, spec.confidence)
        except ValueError:
            continue
        # the calibration error of a well-calibrated model's 300 rows lay below every
        # resample's on 3 seeds in 40
        low, high = holding(value, (low, high))
        found.append(
            MetricInterval(
                metric=name, low=low, high=high, confidence=spec.confidence, method=method
            )
        )
    return tuple(found)


def _calibration(
    value: float, y_true: np.ndarray, scores: np.ndarray, evaluated: EvaluateStage, spec: Compare
) -> MetricInterval:
    """The interval the report's calibration section gives, at the manifest's confidence,
    resamples and seed: the rows drawn through their (bin, hit) cells. A row bootstrap of
    200 resamples here beside it gave the same error two intervals in one report."""
    from mlgate.model import calibration

    drawn = calibration.error_interval(
        calibration.terms(y_true, scores, evaluated.positive_index),
        confidence=spec.confidence,
        resamples=spec.resamples,
        seed=spec.seed,
    )
    return MetricInterval(
        metric="calibration_error",
        low=min(drawn.low, value),
        high=max(drawn.high, value),
        confidence=spec.confidence,
        method=f"bootstrap of rows through their bins, {spec.resamples} resamples",
    )


def _from_counts(
    name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int,
    evaluated: EvaluateStage,
    spec: Compare,
    rng: np.random.Generator,
) -> np.ndarray:
    table = counts.confusion(y_true, y_pred, n_classes).ravel()
    occupied = np.flatnonzero(table)
    chunk = max(1, CELLS_AT_ONCE // max(len(occupied), 1))
    parts = []
    for draws in drawn_cells(table[occupied], spec.resamples, rng, chunk=chunk):
        full = np.zeros((len(draws), n_classes * n_classes))
        full[:, occupied] = draws
        parts.append(
            counts.label_metric(
                name,
                full.reshape(len(draws), n_classes, n_classes),
                positive_index=evaluated.positive_index,
            )
        )
    return np.concatenate(parts)


def _from_rows(
    name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    scores: np.ndarray | None,
    n_classes: int,
    evaluated: EvaluateStage,
    rng: np.random.Generator,
    spec: Compare,
) -> np.ndarray:
    rows = len(y_true)
    classes: list[object] | None = list(range(n_classes)) if n_classes else None
    drawn = np.empty(min(spec.resamples, ROW_RESAMPLES))
    for i in range(len(drawn)):
        pick = rng.integers(0, rows, rows)
        try:
            drawn[i] = compute(
                name,
                y_true[pick],
                y_pred[pick],
                None if scores is None else scores[pick],
                classes=classes,
                positive_index=evaluated.positive_index if n_classes else 1,
            )
        except ValueError:  # undefined on this resample (one class drawn, say)
            drawn[i] = np.nan
    return drawn
