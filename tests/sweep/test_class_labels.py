"""A sweep names a class by its label where a figure is undefined, as a run does: its
ranking and its winner's held-out rows are scored from the kept predictions, whose
classes are indices, and "1 class without a row here (3)" named the index of 'rare'
(audit W, finding 1)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from mlgate.model.metrics import compute_each
from mlgate.sweep import ranking

LABELS = ("high", "low", "mid", "rare")


def _kept(rows: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, rows)  # no row of 'rare' (index 3)
    scores = rng.dirichlet(np.ones(4), rows)
    return y_true, scores.argmax(1), scores


def test_a_class_without_a_row_is_named_by_its_label() -> None:
    y_true, y_pred, scores = _kept()
    _, why = compute_each(["roc_auc"], y_true, y_pred, scores, classes=[0, 1, 2, 3], labels=LABELS)
    assert why == {"roc_auc": "undefined: 1 class without a row here ('rare')"}
    _, unnamed = compute_each(["roc_auc"], y_true, y_pred, scores, classes=[0, 1, 2, 3])
    assert unnamed == {"roc_auc": "undefined: 1 class without a row here (3)"}  # as given


def test_the_ranking_rows_name_it_so_too() -> None:
    y_true, y_pred, scores = _kept()
    parts = ranking._Parts(
        result=SimpleNamespace(evaluate=SimpleNamespace(task="classification")),  # type: ignore[arg-type]
        choosing=np.ones(len(y_true), bool),
        keys=np.arange(len(y_true)),
        y_true=y_true,
        y_pred=y_pred,
        scores=scores,
        classes=4,
        positive=1,
        labels=LABELS,
    )
    figure, why = ranking._measured("roc_auc", parts, parts.choosing)
    assert figure is None
    assert why == (
        "roc_auc is undefined on the rows that rank "
        "(undefined: 1 class without a row here ('rare'))"
    )
