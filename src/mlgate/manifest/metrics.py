"""The metrics a manifest may name, as data: each one's task, direction and what it needs.

The manifest checks names and tasks against this table, the comparison reads each
metric's direction from it, and `model.metrics` computes the values. It is plain data
so that the manifest, at the bottom of the layers, can hold it without scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from mlgate import bounds

# the fairness figure that is higher the fairer (1: every group alike); the differences are
# lower the fairer (0). validate reads it, which must not import the fairness code
HIGHER_IS_FAIRER = frozenset({"demographic_parity_ratio"})

Task = Literal["classification", "regression"]
Needs = Literal["labels", "scores"]


@dataclass(frozen=True, kw_only=True)
class Metric:
    name: str
    task: Task
    greater_is_better: bool
    needs: Needs = "labels"  # "scores": probabilities or decision values
    binary_only: bool = False
    top_k: int | None = None  # the true class among the k most probable: more classes than k
    quantile: float | None = None  # the pinball loss of a prediction of this quantile
    power: float | None = None  # the Tweedie deviance of this power
    within: tuple[float, float] = (-math.inf, math.inf)  # the values the figure can take

    def change_within(self) -> tuple[float, float]:
        """The changes of the figure that can happen: an interval of a change is cut to
        them (an AUC cannot rise by 1.04)."""
        low, high = self.within
        return low - high, high - low


SHARE = (0.0, 1.0)  # a share of rows, an area, a probability's error
SIGNED = (-1.0, 1.0)  # a correlation
LOSS = (0.0, math.inf)
SKILL = (-math.inf, 1.0)  # the share of a reference's loss saved: 1 at best, no floor


def _m(
    name: str,
    task: Task,
    better: bool,
    *,
    needs: Needs = "labels",
    binary_only: bool = False,
    top_k: int | None = None,
    quantile: float | None = None,
    power: float | None = None,
    within: tuple[float, float] = SHARE,
) -> Metric:
    return Metric(
        name=name,
        task=task,
        greater_is_better=better,
        needs=needs,
        binary_only=binary_only,
        top_k=top_k,
        quantile=quantile,
        power=power,
        within=within,
    )


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
        _m("precision_micro", "classification", True),  # single-label: each is accuracy
        _m("recall_micro", "classification", True),
        _m("f1_weighted", "classification", True),
        _m("precision_weighted", "classification", True),
        _m("recall_weighted", "classification", True),
        _m("jaccard", "classification", True, binary_only=True),
        _m("jaccard_macro", "classification", True),
        _m("jaccard_micro", "classification", True),
        _m("jaccard_weighted", "classification", True),
        # sensitivity / (1 - specificity), and (1 - sensitivity) / specificity
        _m("positive_likelihood_ratio", "classification", True, binary_only=True, within=LOSS),
        _m("negative_likelihood_ratio", "classification", False, binary_only=True, within=LOSS),
        _m("matthews_corrcoef", "classification", True, within=SIGNED),
        _m("cohen_kappa", "classification", True, within=SIGNED),
        _m("roc_auc", "classification", True, needs="scores"),
        # more than two classes: each class against the rest weighted by its rows (roc_auc
        # averages them equally), or each pair of classes against each other (Hand and
        # Till), averaged or weighted by the pair's rows; with two, each is roc_auc
        _m("roc_auc_ovr_weighted", "classification", True, needs="scores"),
        _m("roc_auc_ovo", "classification", True, needs="scores"),
        _m("roc_auc_ovo_weighted", "classification", True, needs="scores"),
        _m("average_precision", "classification", True, needs="scores", binary_only=True),
        _m("log_loss", "classification", False, needs="scores", within=LOSS),
        _m("brier_score", "classification", False, needs="scores", binary_only=True),
        # the share of the loss of always stating the class frequencies that the model saves
        _m("d2_log_loss", "classification", True, needs="scores", within=SKILL),
        _m("d2_brier", "classification", True, needs="scores", within=SKILL),
        # expected calibration error: ten bins of the stated probability (model.calibration)
        _m("calibration_error", "classification", False, needs="scores"),
        *(
            _m(f"top_{k}_accuracy", "classification", True, needs="scores", top_k=k)
            for k in (2, 3, 5)
        ),
        _m("r2", "regression", True, within=SKILL),
        _m("explained_variance", "regression", True, within=SKILL),
        # the share of the absolute error of always predicting the median that the model saves
        _m("d2_absolute_error", "regression", True, within=SKILL),
        _m("mae", "regression", False, within=LOSS),
        _m("mse", "regression", False, within=LOSS),
        _m("rmse", "regression", False, within=LOSS),
        _m("mape", "regression", False, within=LOSS),
        _m("median_ae", "regression", False, within=LOSS),
        _m("max_error", "regression", False, within=LOSS),
        # errors of the logarithm: targets and predictions above -1
        _m("msle", "regression", False, within=LOSS),
        _m("rmsle", "regression", False, within=LOSS),
        # deviances: counts (targets >= 0) and positive amounts (targets > 0), predictions > 0
        _m("poisson_deviance", "regression", False, within=LOSS),
        _m("gamma_deviance", "regression", False, within=LOSS),
        # quantile regression: the model predicts the q-th percentile (pinball_loss_50 is
        # half the absolute error)
        *(
            _m(f"pinball_loss_{q}", "regression", False, quantile=q / 100, within=LOSS)
            for q in (5, 10, 25, 50, 75, 90, 95)
        ),
        # Tweedie deviances between Poisson (power 1) and gamma (2), compound Poisson-gamma
        # amounts such as insurance claims: tweedie_deviance_1_5 is power 1.5 (an underscore
        # for the point: a dot in a name reads as a path in a metrics file)
        *(
            _m(f"tweedie_deviance_1_{d}", "regression", False, power=1 + d / 10, within=LOSS)
            for d in range(1, 10)
        ),
    ]
}

DEFAULT_METRICS: dict[Task, tuple[str, ...]] = {
    "classification": ("accuracy", "f1_macro", "roc_auc", "log_loss"),
    "regression": ("rmse", "mae", "r2"),
}


# what says the same of more than two classes, where there is such a metric
_MANY_CLASSES = {
    "brier_score": "d2_brier (the Brier score's skill over all classes) or log_loss",
    "average_precision": "roc_auc (one-vs-rest macro)",
}


def for_many_classes(name: str) -> str:
    """Advice for a two-class metric asked of more classes: the run and validate say it."""
    if f"{name}_macro" in METRICS:
        return f"use {name}_macro (or {name}_weighted)"
    if name in _MANY_CLASSES:
        return f"use {_MANY_CLASSES[name]}"
    return "with more it has no single value"


# the paired test each metric gets (compare/significance.py) resamples, but for McNemar's
# exact test of accuracy and the closed forms; checked against it by the tests
RESAMPLED_BY_NAME = frozenset({"calibration_error", "median_ae", "max_error"})


def resampled(name: str) -> bool:
    """Whether `name`'s paired test is a bootstrap, which compare.resamples bounds."""
    metric = METRICS[name]
    labels = metric.task == "classification" and metric.needs == "labels"
    return (labels and name != "accuracy") or name in RESAMPLED_BY_NAME


def fewest_resamples(confidence: float) -> int:
    """The fewest resamples an interval at `confidence` can be drawn from: one resample
    past either end must leave p = 2 / (B + 1) below 1 - confidence."""
    alpha = bounds.alpha(confidence)
    size = max(int(2 / alpha) - 2, 1)
    while not 2 / (size + 1) < alpha:
        size += 1
    return size
