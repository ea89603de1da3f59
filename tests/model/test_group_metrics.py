"""Metrics on every group at once equal metrics.compute (itself scikit-learn's) on each
group's rows alone, ties in the scores included; a group the formulas cannot take is
left for the caller."""

from __future__ import annotations

import numpy as np
import pytest

from mlgate.model import counts, group_metrics
from mlgate.model.metrics import compute


def rows(n_classes: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    size = 5000
    y = rng.integers(0, n_classes, size)
    logits = 1.5 * np.eye(n_classes)[y] + rng.normal(size=(size, n_classes))
    scores = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    scores = np.round(scores, 2)  # ties, as a model with few distinct scores gives
    scores /= scores.sum(axis=1, keepdims=True)
    groups = rng.choice(7, size, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.095, 0.005])
    return {"y": y, "pred": scores.argmax(axis=1), "scores": scores, "groups": groups}


@pytest.mark.parametrize("n_classes", [2, 3])
def test_each_group_is_its_rows_alone(n_classes: int) -> None:
    data = rows(n_classes, seed=n_classes)
    names = [n for n in (*counts.LABEL_METRICS, *group_metrics.SCORED)]
    for name in names:
        if not group_metrics.supported(name, n_classes):
            continue
        found = group_metrics.by_group(
            name,
            data["groups"],
            7,
            data["y"],
            data["pred"],
            data["scores"],
            n_classes=n_classes,
            positive_index=1,
        )
        assert not np.isnan(found).all(), name
        for group in range(7):
            alone = data["groups"] == group
            expected = compute(
                name,
                data["y"][alone],
                data["pred"][alone],
                data["scores"][alone],
                classes=list(range(n_classes)),
                positive_index=1,
            )
            assert found[group] == pytest.approx(expected, rel=1e-9, abs=1e-12), (name, group)


def test_a_group_of_one_class_or_an_unknown_label_is_left_to_the_caller() -> None:
    y = np.array([1, 1, 1, 0, 1, 0])
    groups = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([[0.2, 0.8], [0.4, 0.6], [0.3, 0.7], [0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    pred = scores.argmax(axis=1)
    auc = group_metrics.by_group(
        "roc_auc", groups, 2, y, pred, scores, n_classes=2, positive_index=1
    )
    assert np.isnan(auc[0]) and auc[1] == 1.0  # group 0 has no negative: undefined
    unknown = group_metrics.by_group(
        "accuracy",
        groups,
        2,
        np.array([1, 1, -1, 0, 1, 0]),
        pred,
        None,
        n_classes=2,
        positive_index=1,
    )
    assert np.isnan(unknown).all()


def test_a_group_where_precision_divides_by_zero_is_left_to_the_caller() -> None:
    """Group 0's rows are never predicted positive: its precision is 0/0, which
    metrics.compute says is undefined (a slice then shows n/a), not the 0 a table gives."""
    y = np.array([1, 0, 1, 1, 0, 1])
    pred = np.array([0, 0, 0, 1, 0, 1])
    groups = np.array([0, 0, 0, 1, 1, 1])
    found = group_metrics.by_group(
        "precision", groups, 2, y, pred, None, n_classes=2, positive_index=1
    )
    assert np.isnan(found[0]) and found[1] == 1.0
    with pytest.raises(ValueError, match="no row was predicted positive"):
        compute("precision", y[:3], pred[:3], None, classes=[0, 1])
    recall = group_metrics.by_group(
        "recall", groups, 2, y, pred, None, n_classes=2, positive_index=1
    )
    assert recall.tolist() == [0.0, 1.0]  # 0 of 2 positives found: defined, and 0
