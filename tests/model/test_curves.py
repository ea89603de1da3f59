"""Curves equal scikit-learn's at full resolution, ties included, and keep their values shrunk."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.model import curves
from mlgate.model.curves import GRID, Curve
from mlgate.result import arrays
from mlgate.result.records import Predictions


def generated(kind: str, rows: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(rows) < 0.3
    score = rng.normal(y * 1.2, 1.0)
    if kind == "ties":  # few distinct scores: most thresholds hold rows of both classes
        score = np.round(score * 2) / 2
    elif kind == "all tied":
        score = np.full(rows, 0.5)
    elif kind == "float32":
        score = score.astype(np.float32)
    elif kind == "perfect":
        score = y + rng.random(rows) * 0.5
    return y, score


KINDS = ["continuous", "ties", "all tied", "float32", "perfect"]


@pytest.mark.parametrize("kind", KINDS)
def test_full_roc_is_scikit_learns_to_the_bit(kind: str) -> None:
    y, score = generated(kind)
    curve = curves.roc(y, score, max_points=None)
    fpr, tpr, _ = skm.roc_curve(y, score)
    assert np.array_equal(curve.x, fpr) and np.array_equal(curve.y, tpr)
    assert curve.auc == skm.roc_auc_score(y, score)


@pytest.mark.parametrize("kind", KINDS)
def test_full_precision_recall_is_scikit_learns_in_ascending_recall(kind: str) -> None:
    y, score = generated(kind)
    curve = curves.precision_recall(y, score, max_points=None)
    precision, recall, _ = skm.precision_recall_curve(y, score)
    assert np.array_equal(curve.x, recall[::-1]) and np.array_equal(curve.y, precision[::-1])
    assert curve.auc == skm.average_precision_score(y, score)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=40))
def test_any_small_tied_input_matches_scikit_learn(rows: list[tuple[bool, int]]) -> None:
    y = np.array([r[0] for r in rows])
    score = np.array([r[1] for r in rows], dtype=float)
    if y.all() or not y.any():
        with pytest.raises(ValueError, match="both positive and negative"):
            curves.roc(y, score)
        return
    roc = curves.roc(y, score, max_points=None)
    fpr, tpr, _ = skm.roc_curve(y, score)
    assert np.array_equal(roc.x, fpr) and np.array_equal(roc.y, tpr)
    assert roc.auc == pytest.approx(skm.roc_auc_score(y, score), abs=1e-12)
    pr = curves.precision_recall(y, score, max_points=None)
    precision, recall, _ = skm.precision_recall_curve(y, score)
    assert np.array_equal(pr.x, recall[::-1]) and np.array_equal(pr.y, precision[::-1])
    assert pr.auc == pytest.approx(skm.average_precision_score(y, score), abs=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_a_shrunk_curve_keeps_endpoints_area_and_exact_values_on_the_grid(kind: str) -> None:
    y, score = generated(kind, rows=20_000)
    for make, at in ((curves.roc, curves.roc_at), (curves.precision_recall, curves.precision_at)):
        full, small = make(y, score, max_points=None), make(y, score, max_points=200)
        assert len(small.x) <= 200 and small.auc == full.auc
        assert (small.x[0], small.y[0]) == (full.x[0], full.y[0])
        assert (small.x[-1], small.y[-1]) == (full.x[-1], full.y[-1])
        assert list(small.x) == sorted(small.x)
        assert set(zip(small.x, small.y, strict=True)) <= set(zip(full.x, full.y, strict=True)) | {
            (g, v) for g, v in zip(GRID, at(full, GRID), strict=True)
        }
        assert np.array_equal(at(small, GRID), at(full, GRID))
        assert make(y, score, max_points=200) == small  # deterministic


def test_a_shrunk_roc_curve_never_falls() -> None:
    y, score = generated("continuous", rows=20_000)
    small = curves.roc(y, score)
    assert all(b >= a for a, b in zip(small.y, small.y[1:], strict=False))


def test_a_tight_budget_keeps_the_endpoints_without_the_grid() -> None:
    y, score = generated("continuous", rows=5000)
    small = curves.roc(y, score, max_points=5)
    assert len(small.x) <= 5 and small.x[0] == small.y[0] == 0.0 and small.x[-1] == small.y[-1] == 1
    with pytest.raises(ValueError, match="at least 2"):
        curves.roc(y, score, max_points=1)


def test_roc_at_interpolates_tied_diagonals_and_takes_the_top_of_a_rise() -> None:
    # (0,0) rises to (0,0.5), a tie runs diagonally to (0.5,1), then flat to (1,1)
    curve = Curve(x=(0.0, 0.0, 0.5, 1.0), y=(0.0, 0.5, 1.0, 1.0), auc=0.0)
    assert curves.roc_at(curve, (0.0, 0.25, 0.5, 0.75, 1.0)).tolist() == [0.5, 0.75, 1, 1, 1]
    # a step: flat at 0.2 until x=0.6, where it rises to 0.9
    step = Curve(x=(0.0, 0.0, 0.6, 0.6, 1.0), y=(0.0, 0.2, 0.2, 0.9, 1.0), auc=0.0)
    assert curves.roc_at(step, (0.3, 0.6, 0.8)).tolist() == pytest.approx([0.2, 0.9, 0.95])


def test_precision_at_reads_the_step_that_average_precision_sums() -> None:
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype=bool)
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    pr = curves.precision_recall(y, score, max_points=None)
    # recall 0.25 is first reached at precision 1, 0.5 at 2/3, 0.75 at 3/4, 1 at 4/7
    got = curves.precision_at(pr, (0.0, 0.1, 0.25, 0.3, 0.5, 0.75, 1.0))
    assert got.tolist() == pytest.approx([1, 1, 1, 2 / 3, 2 / 3, 3 / 4, 4 / 7])
    ap = sum(0.25 * p for p in (1, 2 / 3, 3 / 4, 4 / 7))
    assert pr.auc == pytest.approx(ap) == skm.average_precision_score(y, score)


@pytest.mark.parametrize(
    ("y", "score", "message"),
    [
        ([1, 1, 1], [0.1, 0.2, 0.3], "both positive and negative"),
        ([0, 1, 0], [0.1, np.nan, 0.3], "finite"),
        ([0, 1], [0.1, 0.2, 0.3], "2 labels but 3 scores"),
    ],
)
def test_inputs_a_curve_cannot_be_drawn_from_are_refused(y, score, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        curves.roc(np.array(y), np.array(score))


def test_confusion_counts_as_scikit_learn_and_leaves_unknown_labels_out() -> None:
    rng = np.random.default_rng(3)
    true = rng.integers(-1, 4, 500)  # -1: a label the model never saw
    pred = rng.integers(0, 4, 500)
    got = curves.confusion(true, pred, 4)
    assert got.tolist() == skm.confusion_matrix(true, pred, labels=[0, 1, 2, 3]).tolist()
    assert got.sum() == (true >= 0).sum()


def predictions(y_idx, pred_idx, scores, classes) -> Predictions:
    return Predictions(
        rows=len(y_idx),
        row_keys=arrays.encode(np.arange(len(y_idx), dtype=np.uint64)),
        y_true=arrays.encode(np.asarray(y_idx, dtype=np.int32)),
        y_pred=arrays.encode(np.asarray(pred_idx, dtype=np.int32)),
        scores=None if scores is None else arrays.encode(np.asarray(scores, dtype=np.float32)),
        classes=tuple(classes),
    )


def test_binary_run_gives_the_positive_class_curves() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(X[::2], y[::2])
    proba = model.predict_proba(X[1::2]).astype(np.float32)
    y_test, pred = y[1::2], model.predict(X[1::2])
    got = curves.from_predictions(predictions(y_test, pred, proba, ["malignant", "benign"]), 0)
    assert got.class_names == ("malignant", "benign") and got.positive == "malignant"
    assert got.confusion == tuple(map(tuple, skm.confusion_matrix(y_test, pred).tolist()))
    [(label, roc)], [(_, pr)] = got.roc, got.pr
    assert label == "malignant"
    assert roc.auc == skm.roc_auc_score(y_test == 0, proba[:, 0])
    assert pr.auc == skm.average_precision_score(y_test == 0, proba[:, 0])
    assert roc == curves.roc(y_test == 0, proba[:, 0])


def test_multiclass_run_gives_one_curve_per_class_against_the_rest() -> None:
    X, y = load_wine(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X[::2], y[::2])
    proba = model.predict_proba(X[1::2]).astype(np.float32)
    y_test = y[1::2]
    got = curves.from_predictions(predictions(y_test, proba.argmax(1), proba, "abc"), 1)
    assert got.positive is None and [label for label, _ in got.roc] == ["a", "b", "c"]
    expected = skm.roc_auc_score(y_test, proba, multi_class="ovr", average=None)
    assert [c.auc for _, c in got.roc] == pytest.approx(expected.tolist(), abs=1e-12)


def test_without_usable_scores_only_the_confusion_matrix_is_given() -> None:
    no_scores = curves.from_predictions(predictions([0, 1, 1], [0, 1, 0], None, "ab"), 1)
    assert no_scores.confusion == ((1, 0), (1, 1)) and no_scores.roc == no_scores.pr == ()
    nan = [[0.5, 0.5], [np.nan, 0.5], [0.1, 0.9]]
    assert curves.from_predictions(predictions([0, 1, 1], [0, 1, 0], nan, "ab"), 1).roc == ()


def test_rows_of_unknown_classes_are_left_out_of_the_curves() -> None:
    scores = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
    got = curves.from_predictions(predictions([0, 1, -1, 1], [0, 1, 0, 1], scores, "ab"), 1)
    assert got.roc[0][1] == curves.roc(np.array([0, 1, 1]), np.array([0.1, 0.8, 0.7]))


def test_a_hundred_thousand_rows_take_milliseconds() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(100_000) < 0.3).astype(np.int32)
    p = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    pred = predictions(y, (p > 0.5).astype(np.int32), np.c_[1 - p, p], "ab")
    best = min(_timed(lambda: curves.from_predictions(pred, 1)) for _ in range(3))
    assert best < 0.1, f"{best * 1000:.1f} ms"  # about 10 ms here; a loose bound against O(n²)


def _timed(work) -> float:
    """CPU time: the wall clock counts other processes' turns on a busy machine."""
    start = time.process_time()
    work()
    return time.process_time() - start
