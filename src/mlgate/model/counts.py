"""Label metrics from confusion tables, vectorised over a leading batch of tables.

Every label metric mlgate knows is a function of the (true class, predicted class)
counts alone, so one table replaces a pass over the rows per metric, and a batch of
resampled tables (the paired bootstrap's) is scored at once. scikit-learn's
conventions are kept exactly: a class counts when it occurs in y_true or y_pred,
zero divisions give 0, MCC is 0 when undefined, and Cohen's kappa and the likelihood
ratios NaN.

A table is (..., classes, classes): rows are the true class, columns the prediction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

BINARY = frozenset(
    {
        "precision",
        "recall",
        "f1",
        "jaccard",
        "positive_likelihood_ratio",
        "negative_likelihood_ratio",
    }
)
# averages that weigh every class alike, however few its rows: a thin class moves them
WEIGHS_EACH_CLASS = frozenset(
    {"balanced_accuracy", "precision_macro", "recall_macro", "f1_macro", "jaccard_macro"}
)
LABEL_METRICS = frozenset(
    {
        "accuracy",
        "balanced_accuracy",
        *BINARY,
        "precision_macro",
        "recall_macro",
        "f1_macro",
        "f1_micro",
        "precision_micro",
        "recall_micro",
        "jaccard_micro",
        "f1_weighted",
        "precision_weighted",
        "recall_weighted",
        "jaccard_macro",
        "jaccard_weighted",
        "matthews_corrcoef",
        "cohen_kappa",
    }
)


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """The (n_classes, n_classes) count table of class indices 0..n_classes-1."""
    cells = np.asarray(y_true, np.int64) * n_classes + np.asarray(y_pred, np.int64)
    return np.bincount(cells, minlength=n_classes**2).reshape(n_classes, n_classes)


def label_metric(
    name: str,
    tables: np.ndarray | Totals,
    *,
    positive_index: int = 1,
    present: np.ndarray | None = None,
) -> np.ndarray:
    """The metric of each table: shape (...) for tables of shape (..., K, K), or for their
    `Totals`.

    `positive_index` is the positive class of precision, recall and f1. `present`: the
    classes a macro average is over, (..., K); by default those in the table's truth or
    predictions, as scikit-learn's. Two models compared on the same rows are averaged over
    the same classes (`shared_classes`).
    """
    if name not in LABEL_METRICS:
        raise ValueError(f"'{name}' is not a label metric")
    t = Totals.of(tables)
    if present is not None:
        t = copy.copy(t)  # not the caller's
        t.present = np.broadcast_to(np.asarray(present, bool), t.present.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name in BINARY:
            return _BY_CLASS[name](t)[..., positive_index]
        return _SCORES[name](t)


def undefined(name: str, tables: np.ndarray | Totals, *, positive_index: int = 1) -> np.ndarray:
    """Where `name` divides by zero on each table, as scikit-learn warns it does and
    returns 0 (zero_division), and a run says "not computed": precision with nothing
    predicted positive, recall with no positive row, f1 and jaccard with neither. True
    where the figure `label_metric` gives is that 0. (A macro average scores such a class
    0, as scikit-learn does, and is computed.)"""
    if name not in ("precision", "recall", "f1", "jaccard"):  # no sums needed to say so
        shape = tables.n.shape if isinstance(tables, Totals) else np.shape(tables)[:-2]
        return np.zeros(shape, dtype=bool)
    t = Totals.of(tables)
    of = {"precision": t.pred, "recall": t.true}.get(name, t.true + t.pred)
    found: np.ndarray = of[..., positive_index] == 0
    return found


def no_figure(
    metric: str,
    tables: np.ndarray | Totals,
    positive_index: int = 1,
    *,
    values: np.ndarray | None = None,
) -> np.ndarray:
    """Where `metric` of each table is no figure: 0/0, which a table gives as 0
    (`undefined`) or NaN (kappa, the likelihood ratios), and MCC's 0 of a table whose
    true or predicted classes are one (0/0 too, scikit-learn's 0 a convention). A drawn
    table's 0 kept among the others pulled an interval down; a labelled batch all
    predicted one class read as MCC falling to 0."""
    if values is None:  # the caller's, where it has them: not computed twice a draw
        values = label_metric(metric, tables, positive_index=positive_index)
    found = undefined(metric, tables, positive_index=positive_index) | ~np.isfinite(values)
    if metric == "matthews_corrcoef":
        t = Totals.of(tables)
        for sums in (t.true, t.pred):
            found |= (sums > 0).sum(axis=-1) <= 1
    return np.asarray(found, bool)


_LACKS = {
    "positive_likelihood_ratio": "no false positive, or no positive row",
    "negative_likelihood_ratio": "no true negative, or no positive row",
    "cohen_kappa": "every row of one class, true and predicted",
    "matthews_corrcoef": "every row of one class, true or predicted",
}


def why_no_figure(metric: str) -> str:
    """What a table `no_figure` finds no figure of lacks."""
    return _LACKS.get(metric) or why_undefined(metric)


def why_undefined(metric: str) -> str:
    """What a figure `undefined` finds undefined lacks."""
    if metric == "precision":
        return "no row was predicted positive"
    if metric == "recall":
        return "no row is of the positive class"
    if metric in ("f1", "jaccard"):
        return "no row is of the positive class, nor predicted so"
    return "a class has no row (or none predicted) to divide by"


class Totals:
    """The sums every metric starts from, computed once per batch: of each table, each
    class's true positives, rows (support) and predictions, (..., K). Every label metric
    is a function of these alone."""

    def __init__(self, tp: np.ndarray, true: np.ndarray, pred: np.ndarray) -> None:
        self.tp = tp
        self.true = true
        self.pred = pred
        self.n: np.ndarray = self.true.sum(axis=-1)
        self.correct: np.ndarray = self.tp.sum(axis=-1)
        self.present: np.ndarray = (self.true + self.pred) > 0  # scikit-learn's unique_labels

    @classmethod
    def of(cls, tables: np.ndarray | Totals) -> Totals:
        """The totals of (..., K, K) tables (given totals as they are)."""
        if isinstance(tables, Totals):
            return tables
        tables = np.asarray(tables, dtype=np.float64)
        diagonal = np.diagonal(tables, axis1=-2, axis2=-1)
        return cls(diagonal, tables.sum(axis=-1), tables.sum(axis=-2))


def known_classes(classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Class indices, with those the model does not know (-1) as one extra class."""
    a = np.asarray(classes, np.int64)
    found: np.ndarray = np.where((a >= 0) & (a < n_classes), a, n_classes)
    return found


def shared_classes(*tables: np.ndarray | Totals) -> np.ndarray:
    """The classes any of `tables` (one per model, the same rows) holds in its truth or
    predictions: a macro average over one model's own was over 9 classes for one model
    and 10 for the other on a slice without class 0, and the change came out +0.074 where
    over the same classes it is -0.016."""
    seen = [Totals.of(t) for t in tables]
    found: np.ndarray = np.any([(t.true + t.pred) > 0 for t in seen], axis=0)
    return found


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (zero_division=0)."""
    return np.where(denominator == 0, 0.0, numerator / np.where(denominator == 0, 1, denominator))


def _precision(t: Totals) -> np.ndarray:
    return _divide(t.tp, t.pred)


def _recall(t: Totals) -> np.ndarray:
    return _divide(t.tp, t.true)


def _f1(t: Totals) -> np.ndarray:
    # scikit-learn's form, 2tp / (2tp + fp + fn), defined when precision or recall is not
    return _divide(2 * t.tp, t.true + t.pred)


def _jaccard(t: Totals) -> np.ndarray:
    # tp / (tp + fp + fn): the overlap of the predicted and the true class over their union
    return _divide(t.tp, t.true + t.pred - t.tp)


def _likelihood_ratio(positive: bool) -> Callable[[Totals], np.ndarray]:
    """Each class against the rest: LR+ = sensitivity / (1 - specificity), LR- = (1 -
    sensitivity) / specificity; NaN where scikit-learn leaves them undefined (no row of the
    class, or no false positive for LR+, no true negative for LR-)."""

    def ratio(t: Totals) -> np.ndarray:
        n = t.n[..., None]
        fp, fn = t.pred - t.tp, t.true - t.tp
        tn = n - t.true - fp
        top, bottom = (t.tp, fp) if positive else (fn, tn)
        undefined = (bottom == 0) | (t.true == 0)
        safe = np.where(undefined, 1, bottom * t.true)
        return np.where(undefined, np.nan, top * (n - t.true) / safe)

    return ratio


def _macro(per_class: Callable[[Totals], np.ndarray]) -> Callable[[Totals], np.ndarray]:
    def average(t: Totals) -> np.ndarray:
        values = np.where(t.present, per_class(t), 0.0)
        mean: np.ndarray = values.sum(axis=-1) / t.present.sum(axis=-1)
        return mean

    return average


def _balanced_accuracy(t: Totals) -> np.ndarray:
    # mean recall over the classes that occur in y_true; predicted-only classes are dropped
    seen = t.true > 0
    mean: np.ndarray = np.where(seen, _recall(t), 0.0).sum(axis=-1) / seen.sum(axis=-1)
    return mean


def _weighted(per_class: Callable[[Totals], np.ndarray]) -> Callable[[Totals], np.ndarray]:
    """Each class's figure weighted by its support (its rows in y_true)."""

    def average(t: Totals) -> np.ndarray:
        mean: np.ndarray = (per_class(t) * t.true).sum(axis=-1) / t.true.sum(axis=-1)
        return mean

    return average


def _f1_micro(t: Totals) -> np.ndarray:
    # summed over classes, fp and fn both total the wrong predictions: 2tp / (2n); micro
    # precision and recall are tp / n, accuracy, for the same reason
    return _divide(2 * t.correct, 2 * t.n)


def _jaccard_micro(t: Totals) -> np.ndarray:
    # summed tp / (tp + fp + fn): the right ones over the right ones and twice the wrong
    return _divide(t.correct, 2 * t.n - t.correct)


def _matthews(t: Totals) -> np.ndarray:
    covariance = t.correct * t.n - (t.true * t.pred).sum(axis=-1)
    spread = (t.n**2 - (t.pred * t.pred).sum(axis=-1)) * (t.n**2 - (t.true * t.true).sum(axis=-1))
    return np.where(spread == 0, 0.0, covariance / np.sqrt(np.where(spread == 0, 1, spread)))


def _kappa(t: Totals) -> np.ndarray:
    # 1 - observed disagreement / disagreement expected by chance (off-diagonal cells)
    expected = (t.n**2 - (t.pred * t.true).sum(axis=-1)) / t.n
    return np.where(expected == 0, np.nan, 1 - (t.n - t.correct) / expected)


_BY_CLASS: dict[str, Callable[[Totals], np.ndarray]] = {
    "precision": _precision,
    "recall": _recall,
    "f1": _f1,
    "jaccard": _jaccard,
    "positive_likelihood_ratio": _likelihood_ratio(positive=True),
    "negative_likelihood_ratio": _likelihood_ratio(positive=False),
}
_SCORES: dict[str, Callable[[Totals], np.ndarray]] = {
    "accuracy": lambda t: t.correct / t.n,
    "balanced_accuracy": _balanced_accuracy,
    "precision_macro": _macro(_precision),
    "recall_macro": _macro(_recall),
    "f1_macro": _macro(_f1),
    "f1_micro": _f1_micro,
    "precision_micro": _f1_micro,
    "recall_micro": _f1_micro,
    "jaccard_micro": _jaccard_micro,
    "f1_weighted": _weighted(_f1),
    "precision_weighted": _weighted(_precision),
    "recall_weighted": _weighted(_recall),
    "jaccard_macro": _macro(_jaccard),
    "jaccard_weighted": _weighted(_jaccard),
    "matthews_corrcoef": _matthews,
    "cohen_kappa": _kappa,
}
