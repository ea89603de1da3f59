"""Every metric mlgate names, computed against scikit-learn called directly."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.manifest.metrics import DEFAULT_METRICS, METRICS
from mlgate.model.metrics import compute


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    labels = np.where(y == 1, "benign", "malignant")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(X[::2], labels[::2])
    X_test, y_test = X[1::2], labels[1::2]
    return y_test, model.predict(X_test), model.predict_proba(X_test), list(model.classes_)


@pytest.fixture(scope="module")
def regression():
    X, y = load_diabetes(return_X_y=True)
    model = Ridge().fit(X[::2], y[::2])
    return y[1::2], model.predict(X[1::2])


def binned_gap(hit, stated) -> float:
    """Expected calibration error from scikit-learn's reliability curve (ten uniform bins),
    each non-empty bin's gap weighted by its share of the rows."""
    observed, predicted = calibration_curve(hit, stated, n_bins=10, strategy="uniform")
    # rows per bin, closed on the right as the curve's bins are ([0, 0.1], (0.1, 0.2], ...):
    # numpy's bins close on the left, so count the negated values
    rows = np.histogram(-stated, bins=-np.linspace(0, 1, 11)[::-1])[0][::-1]
    return float(np.sum(rows[rows > 0] / len(hit) * np.abs(observed - predicted)))


def test_calibration_error_is_the_reliability_curves_gap_top_label_for_more_classes() -> None:
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = LogisticRegression(C=0.05, max_iter=500).fit(X[::2], labels[::2])
    proba, truth = model.predict_proba(X[1::2]), labels[1::2]
    top = model.classes_[proba.argmax(axis=1)]
    got = compute(
        "calibration_error", truth, top, proba, classes=list(model.classes_), positive_index=1
    )
    assert got == pytest.approx(binned_gap(top == truth, proba.max(axis=1)))
    assert 0 < got < 1
    with pytest.raises(ValueError, match="between 0 and 1"):  # decision values are not it
        compute("calibration_error", truth, top, proba * 3 - 1, classes=list(model.classes_))


def test_binary_metrics_match_scikit_learn(binary) -> None:
    y, pred, proba, classes = binary
    assert classes == ["benign", "malignant"]
    pos = 1  # "malignant"
    is_pos = y == "malignant"
    expected = {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred, pos_label="malignant"),
        "recall": skm.recall_score(y, pred, pos_label="malignant"),
        "f1": skm.f1_score(y, pred, pos_label="malignant"),
        "precision_macro": skm.precision_score(y, pred, average="macro"),
        "recall_macro": skm.recall_score(y, pred, average="macro"),
        "f1_macro": skm.f1_score(y, pred, average="macro"),
        "f1_micro": skm.f1_score(y, pred, average="micro"),
        "precision_micro": skm.precision_score(y, pred, average="micro"),
        "recall_micro": skm.recall_score(y, pred, average="micro"),
        "f1_weighted": skm.f1_score(y, pred, average="weighted"),
        "precision_weighted": skm.precision_score(y, pred, average="weighted"),
        "recall_weighted": skm.recall_score(y, pred, average="weighted"),
        "jaccard": skm.jaccard_score(y, pred, pos_label="malignant"),
        "jaccard_macro": skm.jaccard_score(y, pred, average="macro"),
        "jaccard_micro": skm.jaccard_score(y, pred, average="micro"),
        "jaccard_weighted": skm.jaccard_score(y, pred, average="weighted"),
        "positive_likelihood_ratio": skm.class_likelihood_ratios(
            y, pred, labels=["benign", "malignant"]
        )[0],
        "negative_likelihood_ratio": skm.class_likelihood_ratios(
            y, pred, labels=["benign", "malignant"]
        )[1],
        "matthews_corrcoef": skm.matthews_corrcoef(y, pred),
        "cohen_kappa": skm.cohen_kappa_score(y, pred),
        "roc_auc": skm.roc_auc_score(is_pos, proba[:, pos]),
        **dict.fromkeys(  # two classes: one area
            ("roc_auc_ovr_weighted", "roc_auc_ovo", "roc_auc_ovo_weighted"),
            skm.roc_auc_score(is_pos, proba[:, pos]),
        ),
        "d2_log_loss": skm.d2_log_loss_score(y, proba),
        "d2_brier": skm.d2_brier_score(y, proba, labels=classes),
        "average_precision": skm.average_precision_score(is_pos, proba[:, pos]),
        "log_loss": skm.log_loss(y, proba),
        "brier_score": skm.brier_score_loss(is_pos, proba[:, pos]),
        "calibration_error": binned_gap(is_pos, proba[:, pos]),
    }
    assert set(expected) == {
        m for m, spec in METRICS.items() if spec.task == "classification" and spec.top_k is None
    }
    for name, value in expected.items():
        got = compute(name, y, pred, proba, classes=classes, positive_index=pos)
        assert got == pytest.approx(value), name
    assert expected["positive_likelihood_ratio"] > 1 > expected["negative_likelihood_ratio"]
    assert 0 < expected["d2_log_loss"] < 1 and 0 < expected["d2_brier"] < 1


def test_top_k_accuracy_matches_scikit_learn_and_needs_more_classes_than_k() -> None:
    """Digits: ten classes; scores rounded to one decimal, so tied scores decide some rows."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X[::2], y[::2])
    proba = np.round(model.predict_proba(X[1::2]), 1)
    pred, truth, classes = model.predict(X[1::2]), y[1::2], list(model.classes_)
    top_k = {m: spec.top_k for m, spec in METRICS.items() if spec.top_k is not None}
    assert top_k == {"top_2_accuracy": 2, "top_3_accuracy": 3, "top_5_accuracy": 5}
    for name, k in top_k.items():
        expected = skm.top_k_accuracy_score(truth, proba, k=k, labels=classes)
        assert compute(name, truth, pred, proba, classes=classes) == pytest.approx(expected)
        assert 0.5 < expected < 1, name  # neither trivial nor broken
    few = truth % 3
    with pytest.raises(ValueError, match="needs more than 3 classes"):
        compute("top_3_accuracy", few, few, proba[:, :3], classes=[0, 1, 2])


def test_positive_class_changes_binary_metrics(binary) -> None:
    y, pred, proba, classes = binary
    as_malignant = compute("recall", y, pred, proba, classes=classes, positive_index=1)
    as_benign = compute("recall", y, pred, proba, classes=classes, positive_index=0)
    assert as_benign == pytest.approx(skm.recall_score(y, pred, pos_label="benign"))
    assert as_malignant != as_benign


def test_regression_metrics_match_scikit_learn(regression) -> None:
    y, pred = regression
    expected = {
        "r2": skm.r2_score(y, pred),
        "explained_variance": skm.explained_variance_score(y, pred),
        "d2_absolute_error": skm.d2_absolute_error_score(y, pred),
        "mae": skm.mean_absolute_error(y, pred),
        "mse": skm.mean_squared_error(y, pred),
        "rmse": skm.mean_squared_error(y, pred) ** 0.5,
        "mape": skm.mean_absolute_percentage_error(y, pred),
        "median_ae": skm.median_absolute_error(y, pred),
        "max_error": skm.max_error(y, pred),
        "msle": skm.mean_squared_log_error(y, pred),
        "rmsle": skm.root_mean_squared_log_error(y, pred),
        "poisson_deviance": skm.mean_poisson_deviance(y, pred),
        "gamma_deviance": skm.mean_gamma_deviance(y, pred),
        **{
            f"pinball_loss_{q}": skm.mean_pinball_loss(y, pred, alpha=q / 100)
            for q in (5, 10, 25, 50, 75, 90, 95)
        },
        **{
            f"tweedie_deviance_1_{d}": skm.mean_tweedie_deviance(y, pred, power=1 + d / 10)
            for d in range(1, 10)
        },
    }
    assert set(expected) == {m for m, spec in METRICS.items() if spec.task == "regression"}
    assert expected["pinball_loss_50"] == pytest.approx(expected["mae"] / 2)
    # between Poisson's deviance and gamma's, as the power is between theirs
    assert expected["tweedie_deviance_1_5"] != expected["tweedie_deviance_1_2"]
    for name, value in expected.items():
        assert compute(name, y, pred, None) == pytest.approx(value), name


def test_multiclass_roc_auc_and_binary_only_metrics() -> None:
    X, y = load_wine(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[::2], y[::2])
    proba, pred = model.predict_proba(X[1::2]), model.predict(X[1::2])
    classes = list(model.classes_)
    got = compute("roc_auc", y[1::2], pred, proba, classes=classes)
    assert got == pytest.approx(skm.roc_auc_score(y[1::2], proba, multi_class="ovr"))
    for multi_class, average in (("ovr", "weighted"), ("ovo", "macro"), ("ovo", "weighted")):
        name = f"roc_auc_{multi_class}" + ("_weighted" if average == "weighted" else "")
        expected = skm.roc_auc_score(y[1::2], proba, multi_class=multi_class, average=average)
        assert compute(name, y[1::2], pred, proba, classes=classes) == pytest.approx(expected)
    for name, score in (("d2_log_loss", skm.d2_log_loss_score), ("d2_brier", skm.d2_brier_score)):
        expected = score(y[1::2], proba, labels=classes)
        assert compute(name, y[1::2], pred, proba, classes=classes) == pytest.approx(expected)
    with pytest.raises(ValueError, match="defined for two classes; use f1_macro"):
        compute("f1", y[1::2], pred, proba, classes=classes)
    with pytest.raises(ValueError, match="defined for two classes"):
        compute("positive_likelihood_ratio", y[1::2], pred, proba, classes=classes)
    # each binary metric's advice names metrics that exist and take more classes
    # ("use brier_score_macro or similar" named none: validate then refused it)
    from mlgate.manifest.metrics import METRICS

    for name in [n for n, m in METRICS.items() if m.binary_only]:
        with pytest.raises(ValueError) as refused:
            compute(name, y[1::2], pred, proba, classes=classes)
        named = re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b|\blog_loss\b", str(refused.value))
        advised = [n for n in named if n != name]
        assert all(n in METRICS and not METRICS[n].binary_only for n in advised), advised
        for n in advised:
            assert compute(n, y[1::2], pred, proba, classes=classes) >= -1


def test_score_metrics_need_probabilities(binary) -> None:
    y, pred, _, classes = binary
    with pytest.raises(ValueError, match="no probabilities"):
        compute("roc_auc", y, pred, None, classes=classes)


def test_directions_and_defaults_are_consistent() -> None:
    assert not METRICS["log_loss"].greater_is_better and METRICS["roc_auc"].greater_is_better
    assert not METRICS["rmse"].greater_is_better and METRICS["r2"].greater_is_better
    for task, names in DEFAULT_METRICS.items():
        assert all(METRICS[n].task == task for n in names)


@pytest.mark.parametrize(
    ("name", "pred", "said"),
    [
        # the predictions', not the targets' (scikit-learn blamed "targets" for both)
        ("msle", [-2.0, 1.0], r"'msle' is undefined on these rows: 1 of 2 predictions is -1 or"),
        ("rmsle", [-1.0, -3.0], r"undefined on these rows: 2 of 2 predictions are -1 or less"),
        ("poisson_deviance", [0.0, 1.0], "strictly positive"),
        ("gamma_deviance", [0.0, 1.0], "strictly positive"),
        ("tweedie_deviance_1_5", [0.0, 1.0], "strictly positive"),
    ],
)
def test_a_metric_outside_its_domain_says_why(name: str, pred: list[float], said: str) -> None:
    """scikit-learn's own reason, which the report shows as why the metric is missing."""
    import numpy as np

    with pytest.raises(ValueError, match=said):
        compute(name, np.array([1.0, 2.0]), np.array(pred), None)


def test_a_log_error_names_the_side_below_minus_one() -> None:
    with pytest.raises(ValueError, match=r"1 of 2 targets is -1 or less, where log\(1 \+ x\)"):
        compute("rmsle", np.array([-1.0, 2.0]), np.array([1.0, 2.0]), None)


def test_mape_of_a_target_of_zero_is_undefined_not_eighty_trillion() -> None:
    """scikit-learn divides by its epsilon: one target of 0 made mape 83183393383104.95, and
    a gate was decided on it."""
    import numpy as np

    with pytest.raises(ValueError, match=r"'mape' is undefined on these rows: 1 of 3 targets is 0"):
        compute("mape", np.array([0.0, 2.0, 4.0]), np.array([0.5, 2.0, 4.0]), None)
    assert compute("mape", np.array([1.0, 2.0]), np.array([1.5, 2.0]), None) == 0.25


def test_an_undefined_likelihood_ratio_says_why() -> None:
    classes = ["no", "yes"]
    right = np.array(["no", "yes", "yes"])
    with pytest.raises(
        ValueError,
        match="positive_likelihood_ratio' is undefined on these rows: "
        "there is no false positive to divide by",
    ):
        compute("positive_likelihood_ratio", right, right, None, classes=classes)
    all_yes = np.array(["yes", "yes", "yes"])
    with pytest.raises(ValueError, match="no true negative to divide by"):
        compute("negative_likelihood_ratio", right, all_yes, None, classes=classes)
    with pytest.raises(ValueError, match="no test row is of the positive class"):
        compute(
            "negative_likelihood_ratio",
            np.array(["no", "no"]),
            np.array(["no", "yes"]),
            None,
            classes=classes,
        )
    # defined: scikit-learn's figure
    y, pred = np.array(["no", "no", "yes", "yes"]), np.array(["no", "yes", "yes", "no"])
    assert (
        compute("positive_likelihood_ratio", y, pred, None, classes=classes)
        == (skm.class_likelihood_ratios(y, pred, labels=classes)[0])
    )


def test_a_metric_undefined_on_the_rows_says_why_instead_of_warning() -> None:
    """A slice of a 3-class test set holding two of the classes: scikit-learn warned on
    the terminal ("Only one class is present in y_true", untrue of two classes) and gave
    NaN; the reason names the class without a row."""
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    rows = y > 0  # classes 1 and 2 only: class 0 against the rest has one class
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping would fail here
        with pytest.raises(ValueError, match=r"^undefined: 1 class without a row here \(0\)"):
            compute(
                "roc_auc",
                y[rows],
                model.predict(X[rows]),
                model.predict_proba(X[rows]),
                classes=[0, 1, 2],
            )
        # defined where every class is there: scikit-learn's value, nothing said
        assert compute(
            "roc_auc", y, model.predict(X), model.predict_proba(X), classes=[0, 1, 2]
        ) == pytest.approx(skm.roc_auc_score(y, model.predict_proba(X), multi_class="ovr"))


def test_figures_scikit_learn_gives_for_0_over_0_are_undefined_with_the_reason() -> None:
    """On rows of one class: roc_auc_ovo_weighted ended the run (ZeroDivisionError, exit
    3); average_precision with no positive row, and MCC on a slice predicted perfectly,
    read 0.0000 beside an accuracy of 1, and d2_log_loss -725972535767494.1250."""
    from mlgate.model.metrics import compute_each

    classes = ["barbera", "barolo", "grignolino"]
    y = np.array(["barolo"] * 6)
    scores = np.tile([0.1, 0.8, 0.1], (6, 1))
    names = ["roc_auc_ovo_weighted", "roc_auc_ovr_weighted", "matthews_corrcoef", "d2_log_loss"]
    values, errors = compute_each([*names, "accuracy"], y, y, scores, classes=classes)
    assert values == dict.fromkeys(names) | {"accuracy": 1.0}
    assert errors["d2_log_loss"] == (
        "undefined: every row is of one class, which its frequency states"
    )
    assert errors["roc_auc_ovo_weighted"] == (
        "undefined: 2 classes without a row here ('barbera', 'grignolino')"
    )
    assert errors["matthews_corrcoef"] == "undefined: every row of one class, true or predicted"
    no, yes = ["no"] * 5, ["no", "yes"]
    ap, why = compute_each(
        ["average_precision"], np.array(no), np.array(no), np.tile([0.7, 0.3], (5, 1)), classes=yes
    )
    assert (ap, why) == (
        {"average_precision": None},
        {"average_precision": "undefined: no row is of the positive class"},
    )


def test_a_targets_spread_of_zero_leaves_r2_explained_variance_and_d2_undefined() -> None:
    """A one-row slice showed explained_variance 1.0000 for a model 36 off its only row, and
    a slice of one target value an r2 of 0.0: scikit-learn's conventions for 0/0."""
    from mlgate.model.metrics import compute_each

    spread = ["r2", "explained_variance", "d2_absolute_error"]
    one, why_one = compute_each([*spread, "rmse"], np.array([151.0]), np.array([115.0]), None)
    assert one == dict.fromkeys(spread) | {"rmse": 36.0}
    assert why_one["explained_variance"] == (
        "'explained_variance' is undefined on these rows: one target has no spread to "
        "explain; mae or rmse measure the errors"
    )
    flat, why_flat = compute_each(spread, np.full(4, 5.0), np.array([4.0, 6.0, 5.0, 5.0]), None)
    assert flat == dict.fromkeys(spread)
    assert "the target is the same on all 4 of them" in why_flat["r2"]
    y, pred = np.array([1.0, 2.0, 4.0, 8.0]), np.array([1.5, 2.0, 3.0, 9.0])
    spread_out, _ = compute_each(spread, y, pred, None)
    assert spread_out == {
        "r2": pytest.approx(skm.r2_score(y, pred)),
        "explained_variance": pytest.approx(skm.explained_variance_score(y, pred)),
        "d2_absolute_error": pytest.approx(skm.d2_absolute_error_score(y, pred)),
    }


def test_a_metric_the_classes_cannot_have_says_so_before_asking_for_probabilities() -> None:
    """A top-2 accuracy of two classes from a LinearSVC said "no predict_proba", and the
    user went looking for probabilities the metric could never use."""
    y = np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match=r"needs more than 2 classes"):
        compute("top_2_accuracy", y, y, None, classes=[0, 1])
    with pytest.raises(
        ValueError,
        match=r"no predict_proba\): give it one .*CalibratedClassifierCV.*evaluate\.predict_proba",
    ):
        compute("roc_auc", y, y, None, classes=[0, 1])
