"""Group fairness of a classifier's decisions across a sensitive attribute, as fairlearn
defines it (`fairlearn.metrics`, method "between_groups": the largest gap, or the smallest
ratio, between any two groups).

Every figure is read from one table per group of (actual outcome, decision) counts, so a
bootstrap can redraw tables instead of rows (`compare.fairness`): the figures take
tables of any leading shape, (resamples, groups, 2, 2) as well as (groups, 2, 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlgate.manifest.metrics import HIGHER_IS_FAIRER

# lower is fairer for a difference (0: every group alike), higher for a ratio (1)
METRICS = {
    "demographic_parity_difference": "the gap between the groups' selection rates",
    "demographic_parity_ratio": "the lowest group's selection rate over the highest's",
    "equalized_odds_difference": "the larger of the gaps in true and false positive rates",
    "equal_opportunity_difference": "the gap between the groups' true positive rates",
}


def less_fair(metric: str, change: float) -> bool:
    """Whether a change of `metric` (new minus old) is a loss of fairness."""
    return (change > 0) != (metric in HIGHER_IS_FAIRER)


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One model's figure on its rows, with a bootstrap interval."""

    metric: str
    groups: int
    value: float
    low: float  # NaN when there were too few resamples for the confidence: `note` says
    high: float
    confidence: float
    note: str = ""


def tables(
    groups: np.ndarray, n_groups: int, actual: np.ndarray, decided: np.ndarray
) -> np.ndarray:
    """(groups, 2, 2) counts: [group, actual positive, decided positive]."""
    cells = (np.asarray(groups, np.int64) * 2 + np.asarray(actual, bool)) * 2 + np.asarray(
        decided, bool
    )
    counted = np.bincount(cells, minlength=n_groups * 4)
    return counted.reshape(n_groups, 2, 2).astype(np.float64)


def figure(metric: str, counts: np.ndarray) -> np.ndarray:
    """The metric of each table; NaN where a group it needs has no rows to rate (a group
    absent from a resample, or without actual positives for a true positive rate)."""
    counts = np.asarray(counts, np.float64)
    if metric in ("demographic_parity_difference", "demographic_parity_ratio"):
        selection = _rate(counts.sum(axis=-2)[..., 1], counts.sum(axis=(-2, -1)))
        if metric == "demographic_parity_ratio":  # no group selected at all: undefined
            return _rate(np.min(selection, axis=-1), np.max(selection, axis=-1))
        return _gap(selection)
    true_positive = _rate(counts[..., 1, 1], counts[..., 1, :].sum(axis=-1))
    if metric == "equal_opportunity_difference":
        return _gap(true_positive)
    if metric == "equalized_odds_difference":
        false_positive = _rate(counts[..., 0, 1], counts[..., 0, :].sum(axis=-1))
        worse: np.ndarray = np.maximum(_gap(true_positive), _gap(false_positive))
        return worse
    raise ValueError(f"unknown fairness metric {metric!r}; known: {', '.join(METRICS)}")


def why_undefined(metric: str, table: np.ndarray) -> str:
    """What one (groups, actual, decision) table lacks where `figure` is NaN: "a group has
    no rows to rate" was said of a ratio whose groups all had rows but none was selected."""
    counts = np.asarray(table, np.float64)
    if metric == "demographic_parity_ratio" and counts[..., 1].sum() == 0:
        return "no row of any group was predicted positive (0/0)"
    if metric in ("equal_opportunity_difference", "equalized_odds_difference"):
        if (counts[:, 1, :].sum(axis=-1) == 0).any():
            return "a group has no actual positive row, so no true positive rate"
        if metric == "equalized_odds_difference" and (counts[:, 0, :].sum(axis=-1) == 0).any():
            return "a group has no actual negative row, so no false positive rate"
    return "a group has no rows to rate"


def _rate(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, part / np.where(whole > 0, whole, 1), np.nan)


def _gap(rates: np.ndarray) -> np.ndarray:
    """Over the groups (the last axis); NaN when any group's rate is undefined."""
    gap: np.ndarray = np.max(rates, axis=-1) - np.min(rates, axis=-1)
    return gap


def positive_index(classes: Sequence[object], label: object) -> int:
    """The class whose decisions fairness compares: a binary model's positive class (the
    manifest's positive_label, else the greater label), or the class positive_label names
    among more; ValueError saying what to set where it cannot be told."""
    if label is not None:
        for i, c in enumerate(classes):
            if c == label or str(c) == str(label):
                return i
        shown = ", ".join(map(str, classes))
        raise ValueError(f"evaluate.positive_label {label!r} is not one of the classes: {shown}")
    if len(classes) == 2:
        return 1
    shown = ", ".join(map(str, list(classes)[:10]))
    raise ValueError(
        f"fairness compares the decisions for one class, and the model has "
        f"{len(classes)} ({shown}): name it in evaluate.positive_label"
    )
