"""ROC and precision-recall curves and the confusion matrix, from a run's stored predictions.

NumPy only, so a report can draw them without scikit-learn. At full resolution the curves
equal scikit-learn's `roc_curve` and `precision_recall_curve` (ties included); they are then
shrunk to a couple of hundred points that keep the endpoints, the shape, and the exact values
on GRID, where the Mermaid charts read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlgate.result import arrays
from mlgate.result.records import Predictions

# Where the Mermaid charts read the curves: every percent. A line on a numeric x-axis
# `min --> max` gets its n values placed at steps of (max - min + 1) / n in Mermaid 10 and
# (max - min) / (n - 1) in Mermaid 11 (10.9.1 and 11.17.2 read); the two agree only when
# n = max - min + 1, so the charts use a 0 --> 100 axis in percent with 101 values.
GRID: tuple[float, ...] = tuple(i / 100 for i in range(101))


@dataclass(frozen=True, kw_only=True)
class Curve:
    """Points in drawing order (x ascending) and the area under the curve.

    A ROC curve (x: false positive rate, y: true positive rate) is drawn with straight lines
    between points; a precision-recall curve (x: recall, y: precision) is a step function,
    precision at recall r being the y of the first point with x >= r. Its `auc` is the
    average precision (the area under that step function), as scikit-learn computes it.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    auc: float


@dataclass(frozen=True, kw_only=True)
class Curves:
    """What the report draws for a classification run, from its RunResult alone."""

    class_names: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows: actual class, columns: predicted class
    # binary: the positive class only; more classes: each class against the rest. A class
    # without positive or negative rows has no curve.
    roc: tuple[tuple[str, Curve], ...] = ()
    pr: tuple[tuple[str, Curve], ...] = ()
    positive: str | None = None  # binary runs


def roc(y_true_binary: np.ndarray, score: np.ndarray, max_points: int | None = 200) -> Curve:
    """scikit-learn's `roc_curve` and `roc_auc_score`; `max_points=None` keeps every point."""
    fps, tps = _counts(y_true_binary, score)
    return _roc(fps, tps, max_points)


def precision_recall(
    y_true_binary: np.ndarray, score: np.ndarray, max_points: int | None = 200
) -> Curve:
    """scikit-learn's `precision_recall_curve` (in ascending recall) and average precision."""
    fps, tps = _counts(y_true_binary, score)
    return _pr(fps, tps, max_points)


def confusion(y_true_idx: np.ndarray, y_pred_idx: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts[actual, predicted]. Indices outside 0..n-1 (a label the model never saw, stored
    as -1) are left out, as scikit-learn's `confusion_matrix(labels=...)` leaves them out."""
    true = np.asarray(y_true_idx, dtype=np.int64).ravel()
    pred = np.asarray(y_pred_idx, dtype=np.int64).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"{true.size} true labels but {pred.size} predictions")
    known = (true >= 0) & (true < n_classes) & (pred >= 0) & (pred < n_classes)
    flat = np.bincount(true[known] * n_classes + pred[known], minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def roc_at(curve: Curve, fpr: np.ndarray | tuple[float, ...]) -> np.ndarray:
    """True positive rate at each false positive rate: linear between points (tied scores
    give a diagonal), and the top of a vertical rise, the best rate at that FPR."""
    return _roc_at(np.asarray(curve.x), np.asarray(curve.y), np.asarray(fpr, dtype=np.float64))


def precision_at(curve: Curve, recall: np.ndarray | tuple[float, ...]) -> np.ndarray:
    """Precision at each recall, read off the step function that average precision sums."""
    return _precision_at(
        np.asarray(curve.x), np.asarray(curve.y), np.asarray(recall, dtype=np.float64)
    )


def from_predictions(
    pred: Predictions, positive_index: int, *, max_points: int | None = 200
) -> Curves:
    """Curves for a classification run. Rows whose true class the model does not know are
    left out; without usable scores (none stored, wrong shape, not finite) there are no
    curves, only the confusion matrix."""
    if pred.classes is None:
        raise ValueError("curves need a classification run's predictions")
    names = tuple(str(c) for c in pred.classes)
    n = len(names)
    y_true = arrays.decode(pred.y_true).astype(np.int64)
    matrix = confusion(y_true, arrays.decode(pred.y_pred), n)
    table = tuple(tuple(int(v) for v in row) for row in matrix)
    positive = names[positive_index] if n == 2 else None
    scores = arrays.decode(pred.scores) if pred.scores is not None else None
    if scores is None or scores.shape != (y_true.size, n) or not np.isfinite(scores).all():
        return Curves(class_names=names, confusion=table, positive=positive)
    known = (y_true >= 0) & (y_true < n)
    y_true, scores = y_true[known], scores[known]
    rocs, prs = [], []
    for k in [positive_index] if n == 2 else range(n):
        is_k = y_true == k
        if is_k.all() or not is_k.any():
            continue
        fps, tps = _counts(is_k, scores[:, k])  # one sort serves both curves
        rocs.append((names[k], _roc(fps, tps, max_points)))
        prs.append((names[k], _pr(fps, tps, max_points)))
    return Curves(
        class_names=names, confusion=table, roc=tuple(rocs), pr=tuple(prs), positive=positive
    )


def _counts(y_true_binary: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positives at each distinct score, highest first; tied rows share one
    threshold, so their order in the sort does not matter (scikit-learn's rule)."""
    y = np.asarray(y_true_binary).ravel().astype(bool)
    s = np.asarray(score).ravel()
    if y.shape != s.shape:
        raise ValueError(f"{y.size} labels but {s.size} scores")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite numbers")
    positives = int(np.count_nonzero(y))
    if positives in (0, y.size):
        raise ValueError("a curve needs both positive and negative rows")
    order = np.argsort(s)[::-1]
    s, y = s[order], y[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), y.size - 1]
    tps = np.cumsum(y, dtype=np.float64)[ends]
    return 1.0 + ends - tps, tps


def _roc(fps: np.ndarray, tps: np.ndarray, max_points: int | None) -> Curve:
    if fps.size > 2:  # drop points on a straight line between their neighbours
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps = fps[corner], tps[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    fpr, tpr = fps / fps[-1], tps / tps[-1]
    area = float(np.trapezoid(tpr, fpr))
    return _shrink(fpr, tpr, area, max_points, roc=True)


def _pr(fps: np.ndarray, tps: np.ndarray, max_points: int | None) -> Curve:
    # scikit-learn's order (recall falling, ending at recall 0, precision 1), so that the
    # average precision is summed in the same order, to the same bits
    precision = np.r_[(tps / (tps + fps))[::-1], 1.0]
    recall = np.r_[(tps / tps[-1])[::-1], 0.0]
    area = float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))
    return _shrink(recall[::-1], precision[::-1], area, max_points, roc=False)


def _shrink(
    x: np.ndarray, y: np.ndarray, area: float, max_points: int | None, *, roc: bool
) -> Curve:
    """At most `max_points` points of the curve: the exact values at GRID (when the budget
    allows), and the rest spread evenly along the curve's length, which keeps the
    endpoints and puts points where the curve turns rather than where it is flat."""
    if max_points is not None and x.size > max_points:
        if max_points < 2:
            raise ValueError("max_points must be at least 2")
        grid = np.asarray(GRID) if max_points >= len(GRID) + 2 else np.empty(0)
        on_grid = _roc_at(x, y, grid) if roc else _precision_at(x, y, grid)
        keep = _spread(x, y, max_points - grid.size)
        x, y = np.r_[x[keep], grid], np.r_[y[keep], on_grid]
        # drawing order: x ascending; at one x a ROC curve rises, a PR curve falls
        order = np.lexsort((y if roc else -y, x))
        x, y = x[order], y[order]
        new = np.r_[True, (np.diff(x) != 0) | (np.diff(y) != 0)]
        x, y = x[new], y[new]
    return Curve(x=tuple(x.tolist()), y=tuple(y.tolist()), auc=area)


def _spread(x: np.ndarray, y: np.ndarray, count: int) -> np.ndarray:
    """Indices of about `count` points evenly spaced by arc length, first and last included."""
    length = np.r_[0.0, np.cumsum(np.hypot(np.diff(x), np.diff(y)))]
    targets = np.linspace(0.0, length[-1], count)
    after = np.clip(np.searchsorted(length, targets), 1, x.size - 1)
    nearer_before = targets - length[after - 1] < length[after] - targets
    picked = np.where(nearer_before, after - 1, after)
    picked[0], picked[-1] = 0, x.size - 1
    return np.unique(picked)


def _roc_at(x: np.ndarray, y: np.ndarray, q: np.ndarray) -> np.ndarray:
    q = np.clip(q, x[0], x[-1])
    first = np.flatnonzero(np.r_[True, np.diff(x) != 0])  # x is sorted: runs of one x
    last = np.r_[first[1:] - 1, x.size - 1]
    ux = x[first]
    low, high = y[first], y[last]  # a ROC curve never falls, so these bound each vertical run
    i = np.clip(np.searchsorted(ux, q, side="right") - 1, 0, ux.size - 1)
    j = np.minimum(i + 1, ux.size - 1)
    span = ux[j] - ux[i]
    t = np.divide(q - ux[i], span, out=np.zeros_like(q), where=span > 0)
    return np.where(ux[i] == q, high[i], high[i] + t * (low[j] - high[i]))


def _precision_at(x: np.ndarray, y: np.ndarray, q: np.ndarray) -> np.ndarray:
    return y[np.clip(np.searchsorted(x, q, side="left"), 0, x.size - 1)]
