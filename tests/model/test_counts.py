"""Label metrics from confusion tables equal scikit-learn's, edge cases included."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from mlgate.manifest.metrics import METRICS
from mlgate.model import counts
from mlgate.model.metrics import compute


def oracle() -> contextlib.AbstractContextManager[None]:
    """scikit-learn as the oracle, without checking the arguments this file hands it (the
    types of its parameters; labels finite): the same figures, a third of the time less
    (a few hundred examples of some 20 calls each; checked equal on 200 random cases)."""
    return sklearn.config_context(skip_parameter_validation=True, assume_finite=True)


def sklearn_values(
    y_true: np.ndarray, y_pred: np.ndarray, positive: int, *, binary_metrics: bool = True
) -> dict[str, float]:
    """scikit-learn's figures (precision, recall and F1 of one averaging from one call of
    the function behind precision_score, recall_score and f1_score); `binary_metrics`:
    those of counts.BINARY too, where the labels are 0 and 1."""
    binary = binary_metrics and set(np.unique(np.r_[y_true, y_pred])) <= {0, 1}
    with warnings.catch_warnings(), oracle():
        warnings.simplefilter("ignore")  # undefined-metric warnings are the point here
        values = {
            "accuracy": skm.accuracy_score(y_true, y_pred),
            "balanced_accuracy": skm.balanced_accuracy_score(y_true, y_pred),
            "matthews_corrcoef": skm.matthews_corrcoef(y_true, y_pred),
            "cohen_kappa": skm.cohen_kappa_score(y_true, y_pred),
        }
        averages = [("_macro", "macro"), ("_weighted", "weighted"), ("_micro", "micro")]
        for suffix, average in [*averages, *([("", "binary")] if binary else [])]:
            kept = {"pos_label": positive} if average == "binary" else {}
            precision, recall, f1, _ = skm.precision_recall_fscore_support(
                y_true, y_pred, average=average, zero_division=0, **kept
            )
            values |= {f"precision{suffix}": precision, f"recall{suffix}": recall}
            values[f"f1{suffix}"] = f1
            values[f"jaccard{suffix}"] = skm.jaccard_score(
                y_true, y_pred, average=average, zero_division=0, **kept
            )
        if binary:
            ratios = skm.class_likelihood_ratios(y_true, y_pred, labels=[1 - positive, positive])
            values["positive_likelihood_ratio"], values["negative_likelihood_ratio"] = ratios
    return values


def assert_same(got: float, expected: float, name: str) -> None:
    if np.isnan(expected):
        assert np.isnan(got), name
    else:
        assert np.isclose(got, expected, rtol=1e-12, atol=1e-15), (name, got, expected)


@st.composite
def labelled(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Labels 0..k-1 and predictions, often degenerate: one class, all wrong, gaps."""
    k = draw(st.integers(1, 5))
    rows = draw(st.integers(1, 60))
    y_true = np.array(draw(st.lists(st.integers(0, k - 1), min_size=rows, max_size=rows)))
    shape = draw(st.sampled_from(["random", "one class", "all wrong", "all right"]))
    if shape == "one class":
        y_pred = np.full(rows, draw(st.integers(0, k - 1)))
    elif shape == "all wrong":
        y_pred = (y_true + 1) % max(k, 2)
    elif shape == "all right":
        y_pred = y_true.copy()
    else:
        y_pred = np.array(draw(st.lists(st.integers(0, k - 1), min_size=rows, max_size=rows)))
    return y_true, y_pred, int(max(y_true.max(), y_pred.max())) + 1


@settings(max_examples=400, deadline=None)
@given(labelled(), st.integers(0, 1))
def test_every_label_metric_equals_scikit_learn(case, positive: int) -> None:
    y_true, y_pred, k = case
    table = counts.confusion(y_true, y_pred, max(k, 2))  # room for the positive class
    for name, expected in sklearn_values(y_true, y_pred, positive).items():
        got = counts.label_metric(name, table, positive_index=positive)
        assert_same(float(got), expected, name)


def test_the_names_are_mlgates_label_metrics() -> None:
    label = {n for n, m in METRICS.items() if m.task == "classification" and m.needs == "labels"}
    assert label == counts.LABEL_METRICS
    assert set(sklearn_values(np.array([0, 1]), np.array([1, 1]), 1)) == label


def test_a_batch_of_tables_is_scored_table_by_table() -> None:
    rng = np.random.default_rng(3)
    tables = rng.integers(0, 6, size=(50, 4, 4))
    tables[0] = 0
    tables[0, 2, 2] = 5  # one class only: kappa undefined, MCC 0
    tables[1, :, 1:] = 0  # one class predicted
    for name in counts.LABEL_METRICS:
        batch = counts.label_metric(name, tables, positive_index=1)
        assert batch.shape == (50,)
        one_by_one = [counts.label_metric(name, t, positive_index=1) for t in tables]
        np.testing.assert_array_equal(batch, one_by_one)
    assert np.isnan(counts.label_metric("cohen_kappa", tables[0]))
    assert counts.label_metric("matthews_corrcoef", tables[0]) == 0


def test_classes_absent_from_both_sides_do_not_count() -> None:
    y_true, y_pred = np.array([0, 0, 3, 3, 3]), np.array([0, 3, 3, 3, 0])
    wide = counts.confusion(y_true, y_pred, 6)  # classes 1, 2, 4, 5 never occur
    for name, expected in sklearn_values(y_true, y_pred, 1).items():
        assert_same(float(counts.label_metric(name, wide)), expected, name)


def test_the_positive_class_picks_the_binary_column() -> None:
    table = counts.confusion(np.array([0, 0, 1, 1, 1]), np.array([0, 1, 1, 1, 0]), 2)
    assert counts.label_metric("recall", table, positive_index=0) == 0.5
    assert counts.label_metric("recall", table, positive_index=1) == pytest.approx(2 / 3)


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a label metric"):
        counts.label_metric("roc_auc", np.eye(2))


# metrics.compute now takes the table's way for label metrics; same values as before


@settings(max_examples=150, deadline=None)
@given(labelled(), st.integers(0, 1), st.booleans())
def test_compute_equals_scikit_learn_on_named_labels(case, positive: int, strings: bool) -> None:
    y_true, y_pred, _ = case
    names = np.array(["benign", "malignant", "other", "x", "y"])
    if strings:
        y_true, y_pred = names[y_true], names[y_pred]
    classes = list(np.unique(np.r_[y_true, y_pred]))
    binary = len(classes) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = sklearn_values(y_true, y_pred, 1, binary_metrics=False)  # BINARY: below
        if binary:  # the positive class by its label, as metrics.compute is told it
            pos = classes[positive]
            with oracle():
                # precision_score, recall_score and f1_score are this one call's figures
                precision, recall, f1, _ = skm.precision_recall_fscore_support(
                    y_true, y_pred, pos_label=pos, average="binary", zero_division=0
                )
                jaccard = skm.jaccard_score(y_true, y_pred, pos_label=pos, zero_division=0)
                labels = [classes[1 - positive], pos]
                ratios = skm.class_likelihood_ratios(y_true, y_pred, labels=labels)
            given = {"precision": precision, "recall": recall, "f1": f1, "jaccard": jaccard}
            said, true = y_pred == pos, y_true == pos
            for name, value in given.items():
                undefined = not {"precision": said, "recall": true}.get(name, said | true).any()
                expected[name] = np.nan if undefined else value  # NaN: 0/0
            expected["positive_likelihood_ratio"], expected["negative_likelihood_ratio"] = ratios
        labels = np.union1d(y_true, y_pred)
        table = counts.confusion(
            *(np.searchsorted(labels, a) for a in (y_true, y_pred)), len(labels)
        )
        for name, value in expected.items():
            # 0/0 is said, not given as scikit-learn's 0 or NaN: precision with nothing
            # predicted positive, MCC and kappa on rows all of one class
            none = name not in counts.BINARY and bool(counts.no_figure(name, table))
            if (name in counts.BINARY and np.isnan(value)) or none:
                with pytest.raises(ValueError, match="undefined"):
                    compute(name, y_true, y_pred, None, classes=classes, positive_index=positive)
                continue
            got = compute(name, y_true, y_pred, None, classes=classes, positive_index=positive)
            assert_same(got, value, name)


def test_compute_leaves_unusual_labels_to_scikit_learn() -> None:
    words, numbers = np.array(["a", "b", "a"]), np.array([0, 1, 0])
    with pytest.raises(ValueError, match=r"[Mm]ix"):
        compute("f1_macro", words, numbers, None, classes=["a", "b"])
    with pytest.raises(ValueError, match=r"continuous|unknown"):
        compute("accuracy", np.array([0.5, 1.0]), np.array([1.0, 1.0]), None)
    # a third label beside the two classes: scikit-learn's binary f1 refuses it
    with pytest.raises(ValueError):
        compute(
            "f1", np.array(["a", "b", "c"]), np.array(["a", "b", "b"]), None, classes=["a", "b"]
        )
    floats = compute("f1_macro", np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0]), None)
    assert floats == pytest.approx(skm.f1_score([0, 1, 1], [0, 0, 1], average="macro"))


def test_a_figure_that_divides_by_zero_is_undefined_with_its_reason() -> None:
    """scikit-learn's zero_division=0 made precision with nothing predicted positive
    0.0000, a figure the model never earned; the monitor already said "undefined"."""
    y = np.array(["b", "b", "b"])
    assert np.isnan(skm.f1_score(y, y, pos_label="a", zero_division=np.nan))
    with pytest.raises(ValueError, match=r"^undefined: no row is of the positive class, nor"):
        compute("f1", y, y, None, classes=["a", "b"], positive_index=0)
    truth, none_said = np.array([0, 1, 1, 0]), np.array([0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"^undefined: no row was predicted positive$"):
        compute("precision", truth, none_said, None, classes=[0, 1])
    assert compute("recall", truth, none_said, None, classes=[0, 1]) == 0.0  # 0 of 2
    with pytest.raises(ValueError, match=r"^undefined: no row is of the positive class$"):
        compute("recall", none_said, truth, None, classes=[0, 1])


def test_no_figure_is_where_scikit_learns_zero_is_a_convention() -> None:
    """MCC of rows all predicted one class is 0/0, which scikit-learn gives as 0: a
    labelled batch the model answered alike read as MCC falling to 0, and "decayed"."""
    one_answer = np.array([[40, 0], [13, 0]])  # every row predicted the first class
    both = np.array([[40, 3], [5, 8]])
    assert counts.no_figure("matthews_corrcoef", one_answer)
    assert not counts.no_figure("matthews_corrcoef", both)
    assert counts.label_metric("matthews_corrcoef", one_answer) == 0  # the convention
    assert counts.no_figure("precision", one_answer)  # nothing predicted positive
    assert not counts.no_figure("recall", one_answer)  # 0 of 13 found: a real 0
    assert counts.why_no_figure("matthews_corrcoef") == "every row of one class, true or predicted"
