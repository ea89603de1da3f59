"""The metrics mlgate knows, as data, and their computation with scikit-learn.

The table is importable without scikit-learn (the manifest checks names and tasks
against it); scikit-learn is imported only when a metric is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

Task = Literal["classification", "regression"]
Needs = Literal["labels", "scores"]


@dataclass(frozen=True, kw_only=True)
class Metric:
    name: str
    task: Task
    greater_is_better: bool
    needs: Needs = "labels"  # "scores": probabilities or decision values
    binary_only: bool = False


def _m(name: str, task: Task, better: bool, **kw: object) -> Metric:
    return Metric(name=name, task=task, greater_is_better=better, **kw)  # type: ignore[arg-type]


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        _m("accuracy", "classification", True),
        _m("balanced_accuracy", "classification", True),
        _m("precision", "classification", True, binary_only=True),
        _m("recall", "classification", True, binary_only=True),
        _m("f1", "classification", True, binary_only=True),
        _m("precision_macro", "classification", True),
        _m("recall_macro", "classification", True),
        _m("f1_macro", "classification", True),
        _m("f1_micro", "classification", True),
        _m("f1_weighted", "classification", True),
        _m("matthews_corrcoef", "classification", True),
        _m("cohen_kappa", "classification", True),
        _m("roc_auc", "classification", True, needs="scores"),
        _m("average_precision", "classification", True, needs="scores", binary_only=True),
        _m("log_loss", "classification", False, needs="scores"),
        _m("brier_score", "classification", False, needs="scores", binary_only=True),
        _m("r2", "regression", True),
        _m("explained_variance", "regression", True),
        _m("mae", "regression", False),
        _m("mse", "regression", False),
        _m("rmse", "regression", False),
        _m("mape", "regression", False),
        _m("median_ae", "regression", False),
        _m("max_error", "regression", False),
    ]
}

DEFAULT_METRICS: dict[Task, tuple[str, ...]] = {
    "classification": ("accuracy", "f1_macro", "roc_auc", "log_loss"),
    "regression": ("rmse", "mae", "r2"),
}


def compute(
    name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    scores: np.ndarray | None,
    *,
    classes: list[object] | None = None,
    positive_index: int = 1,
) -> float:
    """One metric's value. `scores` is (rows, classes) probabilities for classifiers.

    Raises ValueError with a readable reason when the metric cannot be computed.
    """
    from sklearn import metrics as skm

    metric = METRICS[name]
    if metric.needs == "scores" and scores is None:
        raise ValueError("the model gives no probabilities (no predict_proba)")
    binary = classes is not None and len(classes) == 2
    if metric.binary_only and not binary:
        raise ValueError(f"'{name}' is defined for two classes; use {name}_macro or similar")
    pos = classes[positive_index] if binary and classes is not None else None

    if name == "accuracy":
        return float(skm.accuracy_score(y_true, y_pred))
    if name == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(y_true, y_pred))
    if name in ("precision", "recall", "f1"):
        fn = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
        return float(fn[name](y_true, y_pred, pos_label=pos, zero_division=0))
    if name.startswith(("precision_", "recall_", "f1_")):
        base, average = name.rsplit("_", 1)
        fn = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
        return float(fn[base](y_true, y_pred, average=average, zero_division=0))
    if name == "matthews_corrcoef":
        return float(skm.matthews_corrcoef(y_true, y_pred))
    if name == "cohen_kappa":
        return float(skm.cohen_kappa_score(y_true, y_pred))
    if name == "roc_auc":
        assert scores is not None
        if binary:
            return float(skm.roc_auc_score(y_true == pos, scores[:, positive_index]))
        return float(
            skm.roc_auc_score(y_true, scores, multi_class="ovr", average="macro", labels=classes)
        )
    if name == "average_precision":
        assert scores is not None
        return float(skm.average_precision_score(y_true == pos, scores[:, positive_index]))
    if name == "log_loss":
        return float(skm.log_loss(y_true, scores, labels=classes))
    if name == "brier_score":
        assert scores is not None
        return float(skm.brier_score_loss(y_true == pos, scores[:, positive_index]))
    regression = {
        "r2": skm.r2_score,
        "explained_variance": skm.explained_variance_score,
        "mae": skm.mean_absolute_error,
        "mse": skm.mean_squared_error,
        "mape": skm.mean_absolute_percentage_error,
        "median_ae": skm.median_absolute_error,
        "max_error": skm.max_error,
    }
    if name == "rmse":
        return float(skm.mean_squared_error(y_true, y_pred) ** 0.5)
    return float(regression[name](y_true, y_pred))
