"""Both models' predictions on the rows they share, and a metric of one side on them."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from mlgate.compare.distributions import PairedTest
from mlgate.manifest.spec import Compare
from mlgate.result.records import Significance


@dataclass(frozen=True, kw_only=True)
class Paired:
    """Both sides' predictions on the rows they share, in the candidate's class order."""

    y_true: np.ndarray
    candidate_pred: np.ndarray
    baseline_pred: np.ndarray
    candidate_scores: np.ndarray | None
    baseline_scores: np.ndarray | None
    n_classes: int
    positive_index: int
    same_data: bool
    rows: np.ndarray | None = None  # each paired row's place among the candidate's test rows
    classes: tuple[object, ...] = ()  # the labels the class indices stand for

    def absent_classes(self) -> list[object]:
        """The classes no row holds: a ROC area of 3+ classes is undefined without one."""
        present = set(np.unique(self.y_true).tolist())
        labels = self.classes if len(self.classes) == self.n_classes else range(self.n_classes)
        return [label for i, label in enumerate(labels) if i not in present]

    def only(self, rows: np.ndarray) -> Paired:
        """These rows alone (a slice's), as indices into the paired rows."""
        return replace(
            self,
            y_true=self.y_true[rows],
            candidate_pred=self.candidate_pred[rows],
            baseline_pred=self.baseline_pred[rows],
            candidate_scores=None if self.candidate_scores is None else self.candidate_scores[rows],
            baseline_scores=None if self.baseline_scores is None else self.baseline_scores[rows],
            rows=None if self.rows is None else self.rows[rows],
        )

    def test(self, metric: str, spec: Compare) -> PairedTest:
        """`metric`'s paired test on these rows, as the manifest's compare section sets it;
        ValueError (with the reason) where the metric is undefined on them."""
        from mlgate.compare import significance
        from mlgate.model.metrics import without_a_row

        if metric.startswith("roc_auc") and self.n_classes > 2 and (gone := self.absent_classes()):
            # said as the run says it, not as one class against the rest ("rows of one class")
            raise ValueError(without_a_row(gone))
        return significance.paired_test(
            metric,
            y_true=self.y_true,
            candidate_pred=self.candidate_pred,
            baseline_pred=self.baseline_pred,
            candidate_scores=self.candidate_scores,
            baseline_scores=self.baseline_scores,
            n_classes=self.n_classes,
            positive_index=self.positive_index,
            resamples=spec.resamples,
            seed=spec.seed,
            confidence=spec.confidence,
        )


def on_rows(name: str, paired: Paired, pred: np.ndarray, scores: np.ndarray | None) -> float | None:
    """One side's figure on the paired rows; None where it is undefined on them. A macro
    average is over the classes either model or the truth holds on these rows, for both
    sides alike (counts.shared_classes)."""
    from mlgate.model.metrics import compute

    if name.endswith("_macro") and paired.n_classes:
        return _macro_on_rows(name, paired, pred)
    classes: list[object] | None = list(range(paired.n_classes)) if paired.n_classes else None
    try:
        value = compute(
            name, paired.y_true, pred, scores, classes=classes, positive_index=paired.positive_index
        )
    except ValueError:
        return None
    return finite(value)


def _macro_on_rows(name: str, paired: Paired, pred: np.ndarray) -> float | None:
    from mlgate.model import counts

    n = paired.n_classes

    def table(said: np.ndarray) -> np.ndarray:  # a label the model does not know: one more
        truth, given = (counts.known_classes(a, n) for a in (paired.y_true, said))
        return counts.confusion(truth, given, n + 1)

    if not len(paired.y_true):
        return None
    present = counts.shared_classes(table(paired.candidate_pred), table(paired.baseline_pred))
    value = counts.label_metric(name, table(np.asarray(pred)), present=present)
    return finite(float(value))


def recorded(test: PairedTest, detectable: float | None = None) -> Significance:
    """A paired test as the run result keeps it."""
    return Significance(
        method=test.method,
        rows=test.rows,
        delta=test.delta,
        ci_low=test.ci_low,
        ci_high=test.ci_high,
        p_value=test.p_value,
        confidence=test.confidence,
        detectable_change=finite(detectable),
    )


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
