"""The computation of the metrics mlgate knows (the table is `manifest.metrics`).

scikit-learn is imported only when a metric is computed. Label metrics come from one
confusion table (`model.counts`, equal to scikit-learn's values and tested so);
scikit-learn computes the rest, and any labels out of the ordinary.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, ParamSpec

from mlgate import words
from mlgate.manifest.metrics import METRICS, for_many_classes

if TYPE_CHECKING:
    import numpy as np

P = ParamSpec("P")


def compute_each(
    names: Iterable[str],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    scores: np.ndarray | None,
    *,
    classes: list[object] | None = None,
    positive_index: int = 1,
    labels: Sequence[object] | None = None,
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Each metric's value, and why each that has none has none (a run records both)."""
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for name in names:
        try:
            value = compute(
                name,
                y_true,
                y_pred,
                scores,
                classes=classes,
                positive_index=positive_index,
                labels=labels,
            )
        except ValueError as exc:  # scikit-learn's reason may list every value it met
            values[name], errors[name] = None, words.clip(str(exc).splitlines()[0], 300)
            continue
        values[name] = value if math.isfinite(value) else None
        if values[name] is None:
            errors[name] = "the value is not a number"
    return values, errors


def _undefined_says_why(compute: Callable[P, float]) -> Callable[P, float]:
    """scikit-learn warns where a metric is undefined (a class missing from a slice's rows)
    and returns NaN: its words become the ValueError's reason, not a warning on the
    terminal."""

    @functools.wraps(compute)
    def quiet(*args: P.args, **kwargs: P.kwargs) -> float:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            value = compute(*args, **kwargs)
        reasons = [str(w.message).splitlines()[0] for w in said if str(w.message).strip()]
        if math.isnan(value) and reasons:
            raise ValueError(reasons[0])
        return value

    return quiet


@_undefined_says_why
def compute(
    name: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    scores: np.ndarray | None,
    *,
    classes: list[object] | None = None,
    positive_index: int = 1,
    labels: Sequence[object] | None = None,
) -> float:
    """One metric's value. `scores` is (rows, classes) probabilities for classifiers.
    `labels`: what `classes` stand for when they are indices (a run's kept predictions),
    so a reason names 'rare', not 3.

    Raises ValueError with a readable reason when the metric cannot be computed.
    """
    import numpy as np
    from sklearn import metrics as skm

    metric = METRICS[name]
    binary = classes is not None and len(classes) == 2
    if metric.binary_only and not binary:
        raise ValueError(f"'{name}' is defined for two classes; {for_many_classes(name)}")
    # before probabilities: a top-2 accuracy of two classes was blamed on a LinearSVC
    if metric.top_k is not None and (classes is None or len(classes) <= metric.top_k):
        more = words.count(metric.top_k, "class")
        raise ValueError(f"'{name}' needs more than {more} (with fewer it is 1 by definition)")
    if metric.needs == "scores" and scores is None:
        raise ValueError(
            "the model gives no probabilities (no predict_proba): give it one (scikit-learn's "
            "CalibratedClassifierCV around it, SVC(probability=True); a function of your own "
            f"in evaluate.predict_proba), or leave '{name}' out of the metrics, checks and "
            "gates"
        )
    pos = classes[positive_index] if binary and classes is not None else None
    if name.endswith("_likelihood_ratio"):
        _likelihood_ratio_defined(name, y_true, y_pred, pos)
    if metric.needs == "labels" and metric.task == "classification":
        value = _from_counts(name, y_true, y_pred, pos)
        if value is not None:
            return value

    if name == "accuracy":
        return float(skm.accuracy_score(y_true, y_pred))
    if name == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(y_true, y_pred))
    by_class = {
        "precision": skm.precision_score,
        "recall": skm.recall_score,
        "f1": skm.f1_score,
        "jaccard": skm.jaccard_score,
    }
    if name in by_class:
        value = float(by_class[name](y_true, y_pred, pos_label=pos, zero_division=0))
        _defined(name, y_true, y_pred, pos)
        return value
    if name.endswith("_likelihood_ratio"):
        assert classes is not None  # binary: the other class is the negative one
        labels = [classes[1 - positive_index], pos]
        ratios = skm.class_likelihood_ratios(y_true, y_pred, labels=labels)
        return float(ratios[0] if name.startswith("positive") else ratios[1])
    if name.startswith(("precision_", "recall_", "f1_", "jaccard_")):
        base, average = name.rsplit("_", 1)
        return float(by_class[base](y_true, y_pred, average=average, zero_division=0))
    if name == "matthews_corrcoef":
        return float(skm.matthews_corrcoef(y_true, y_pred))
    if name == "cohen_kappa":
        return float(skm.cohen_kappa_score(y_true, y_pred))
    if name.startswith("roc_auc"):
        assert scores is not None
        if binary:
            return float(skm.roc_auc_score(y_true == pos, scores[:, positive_index]))
        _every_class_present(y_true, classes, labels)
        multi_class = "ovo" if name.startswith("roc_auc_ovo") else "ovr"
        average = "weighted" if name.endswith("weighted") else "macro"
        return float(
            skm.roc_auc_score(
                y_true, scores, multi_class=multi_class, average=average, labels=classes
            )
        )
    if name in ("d2_log_loss", "d2_brier") and len(np.unique(y_true)) < 2:
        # the frequencies' loss is 0 (or its float dust): D² printed -725972535767494.1250
        raise ValueError("undefined: every row is of one class, which its frequency states")
    if name == "d2_log_loss":
        return float(skm.d2_log_loss_score(y_true, scores, labels=classes))
    if name == "d2_brier":
        return float(skm.d2_brier_score(y_true, scores, labels=classes))
    if name == "average_precision":
        assert scores is not None
        if not (y_true == pos).any():  # scikit-learn's 0, with a warning
            raise ValueError("undefined: no row is of the positive class")
        return float(skm.average_precision_score(y_true == pos, scores[:, positive_index]))
    if name == "log_loss":
        return float(skm.log_loss(y_true, scores, labels=classes))
    if metric.top_k is not None:
        return float(skm.top_k_accuracy_score(y_true, scores, k=metric.top_k, labels=classes))
    if name == "brier_score":
        assert scores is not None
        return float(skm.brier_score_loss(y_true == pos, scores[:, positive_index]))
    if name == "calibration_error":
        assert scores is not None
        return _calibration_error(y_true, scores, classes, positive_index)
    regression = {
        "r2": skm.r2_score,
        "explained_variance": skm.explained_variance_score,
        "d2_absolute_error": skm.d2_absolute_error_score,
        "mae": skm.mean_absolute_error,
        "mse": skm.mean_squared_error,
        "mape": skm.mean_absolute_percentage_error,
        "median_ae": skm.median_absolute_error,
        "max_error": skm.max_error,
        "msle": skm.mean_squared_log_error,
        "rmsle": skm.root_mean_squared_log_error,
        "poisson_deviance": skm.mean_poisson_deviance,
        "gamma_deviance": skm.mean_gamma_deviance,
    }
    if name == "rmse":
        return float(skm.mean_squared_error(y_true, y_pred) ** 0.5)
    if name in SPREAD_RATIOS:
        spread_defined(name, y_true)
    if name == "mape":
        relative_defined(y_true)
    if name in ("msle", "rmsle"):
        logs_defined(name, y_true, y_pred)
    if metric.quantile is not None:
        return float(skm.mean_pinball_loss(y_true, y_pred, alpha=metric.quantile))
    if metric.power is not None:
        return float(skm.mean_tweedie_deviance(y_true, y_pred, power=metric.power))
    return float(regression[name](y_true, y_pred))


# a regression figure divided by the targets' spread: 0/0 on rows of one target, where
# scikit-learn says 1 (explained_variance, or r2 of exact answers) or 0 (r2, d2), by convention
SPREAD_RATIOS = frozenset({"r2", "explained_variance", "d2_absolute_error"})


def spread_defined(name: str, y_true: np.ndarray) -> None:
    """r2, explained variance and D² divide by the targets' spread: on rows whose targets
    are all one value (a one-row slice) a model 36 off "explained all the variance"."""
    import numpy as np

    y = np.asarray(y_true, np.float64)
    spread = float(np.mean((y - y.mean()) ** 2)) if y.size else 0.0
    if spread <= 1e-12 * max(float(np.mean(y**2)) if y.size else 0.0, 1e-300):
        why = (
            "one target has no spread to explain"
            if len(y) == 1
            else f"the target is the same on {'both' if len(y) == 2 else f'all {len(y):,}'} "
            "of them, so there is no spread to explain"
        )
        raise ValueError(
            f"'{name}' is undefined on these rows: {why}; mae or rmse measure the errors"
        )


def logs_defined(name: str, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """log(1 + x) needs x above -1. scikit-learn said "targets contain values less than or
    equal to -1" of a model's predictions too, beside targets that were all 0 or more."""
    import numpy as np

    for side, values in (("target", y_true), ("prediction", y_pred)):
        below = int(np.count_nonzero(np.asarray(values, np.float64) <= -1))
        if below:
            raise ValueError(
                f"'{name}' is undefined on these rows: {words.of(below, len(values), side)} "
                f"{'is' if below == 1 else 'are'} -1 or less, where log(1 + x) is not "
                "defined; rmse or mae measure the errors without it"
            )


def relative_defined(y_true: np.ndarray) -> None:
    """mape is undefined where a target is 0: scikit-learn divides by its epsilon there
    (8e13 for one such row), and a paired test of those terms tested nothing."""
    import numpy as np

    zeros = int(np.count_nonzero(np.asarray(y_true, np.float64) == 0))
    if zeros:
        raise ValueError(
            f"'mape' is undefined on these rows: {words.of(zeros, len(y_true), 'target')} "
            f"{'is' if zeros == 1 else 'are'} 0, and an error relative to 0 has no size; "
            "mae or rmse measure the same errors"
        )


def _likelihood_ratio_defined(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, positive: object
) -> None:
    """scikit-learn's ratios are undefined (NaN) without positive rows, and LR+ without a
    false positive, LR- without a true negative: say which."""
    import numpy as np

    is_pos, said_pos = np.asarray(y_true) == positive, np.asarray(y_pred) == positive
    if not is_pos.any():
        why = "no test row is of the positive class"
    elif name.startswith("positive") and not (said_pos & ~is_pos).any():
        why = "there is no false positive to divide by"
    elif name.startswith("negative") and not (~said_pos & ~is_pos).any():
        why = "there is no true negative to divide by"
    else:
        return
    raise ValueError(f"'{name}' is undefined on these rows: {why}")


def _calibration_error(
    y_true: np.ndarray, scores: np.ndarray, classes: list[object] | None, positive_index: int
) -> float:
    """With the true labels as indices into the model's classes, the order of its scores'
    columns; a label the model does not know is never a hit."""
    import numpy as np

    from mlgate.model import calibration

    known = {label: i for i, label in enumerate(classes or range(scores.shape[1]))}
    index = np.array([known.get(label, -1) for label in y_true.tolist()], dtype=np.int64)
    return calibration.error(calibration.terms(index, scores, positive_index))


def _defined(name: str, y_true: np.ndarray, y_pred: np.ndarray, positive: object) -> None:
    """scikit-learn's path held to the confusion table's rule: the table of positive
    against the rest, refused where counts.undefined finds 0/0."""
    import numpy as np

    from mlgate.model import counts

    truth, said = (np.asarray(a) == positive for a in (y_true, y_pred))
    _refuse_undefined(name, counts.confusion(truth, said, 2), 1)


def _every_class_present(
    y_true: np.ndarray, classes: list[object] | None, labels: Sequence[object] | None
) -> None:
    """A class without a row has no area of its own against the others: scikit-learn said
    "Only one class is present" where two of three were, or divided by zero (ovo,
    weighted) and ended the run."""
    import numpy as np

    from mlgate.result.arrays import plain

    present = set(np.unique(y_true).tolist())
    given = list(classes or ())
    named = list(labels) if labels is not None and len(labels) == len(given) else given
    absent = [plain(n) for c, n in zip(given, named, strict=True) if plain(c) not in present]
    if absent:
        raise ValueError(without_a_row(absent))


def without_a_row(absent: list[object]) -> str:
    """Why a ROC area of three classes or more is not a figure on these rows."""
    named = words.first([repr(c) for c in absent[:5]], len(absent))
    return f"undefined: {words.count(len(absent), 'class')} without a row here ({named})"


def _refuse_undefined(name: str, table: np.ndarray, positive_index: int) -> None:
    """0/0 is undefined, not scikit-learn's 0 (zero_division): precision of a model that
    predicts no row positive is no figure, nor MCC on rows all of one class (0.0000 beside
    an accuracy of 1 on a slice)."""
    from mlgate.model import counts

    if counts.no_figure(name, table, positive_index=positive_index):
        raise ValueError(f"undefined: {counts.why_no_figure(name)}")


def _from_counts(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, positive: object
) -> float | None:
    """A label metric from the confusion table, or None to let scikit-learn decide.

    None for whatever scikit-learn would reject or read differently: no rows, shapes that
    differ, missing values, non-integer numbers, strings mixed with numbers, a positive
    class that does not occur beside another, more than two classes for a binary metric.
    """
    import numpy as np

    from mlgate.model import counts

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or len(y_true) == 0:
        return None
    true_coded, pred_coded = _codes(y_true), _codes(y_pred)
    if true_coded is None or pred_coded is None:
        return None
    (true_index, true_labels), (pred_index, pred_labels) = true_coded, pred_coded
    plain = [*true_labels.tolist(), *pred_labels.tolist()]
    if len({isinstance(v, str) for v in plain}) > 1 or not all(map(_label, plain)):
        return None
    labels = np.union1d(true_labels, pred_labels)  # scikit-learn's unique_labels, sorted
    table = counts.confusion(
        np.searchsorted(labels, true_labels)[true_index],
        np.searchsorted(labels, pred_labels)[pred_index],
        len(labels),
    )
    positive_index = 0
    if name in counts.BINARY:
        found = [i for i, v in enumerate(labels.tolist()) if v == positive]
        if len(labels) > 2 or not found:
            return None
        positive_index = found[0]
    _refuse_undefined(name, table, positive_index)
    return float(counts.label_metric(name, table, positive_index=positive_index))


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Each value's index into the sorted distinct values, and those values.

    Counted for integers in a dense range, hashed (pandas) otherwise: both in one pass,
    where sorting 100,000 labels per metric would take most of the time. None for
    missing values or values that do not sort together.
    """
    import numpy as np

    if values.dtype.kind in "biu":
        whole = values.astype(np.int64)
        low, high = int(whole.min()), int(whole.max())
        if high - low <= 4 * len(whole) + 1024:
            seen = np.bincount(whole - low) > 0
            return (np.cumsum(seen) - 1)[whole - low], np.flatnonzero(seen) + low
    import pandas as pd

    try:
        index, distinct = pd.factorize(values, sort=True)
    except TypeError:
        return None
    return None if np.any(index < 0) else (index, np.asarray(distinct))


def _label(value: object) -> bool:
    """A class label scikit-learn reads as one: a string, a bool or a whole number."""
    if isinstance(value, str | bool | int):
        return True
    return isinstance(value, float) and value.is_integer()
