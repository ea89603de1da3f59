"""Permutation importance is scikit-learn's own on the test rows (the same numbers as
calling it directly), bounded by a seeded sample, and a failure is kept with its reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC

from mlgate.manifest.spec import Importance
from mlgate.model import checks, importance


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1500, 3))
    return pd.DataFrame(
        {
            "strong": x[:, 0],
            "weak": x[:, 1],
            "noise": x[:, 2],
            "label": np.where(2 * x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=1500) > 0, "b", "a"),
            "amount": 3 * x[:, 0] + x[:, 1] + rng.normal(size=1500),
        }
    )


def test_a_classifiers_importance_is_scikit_learns(data: pd.DataFrame) -> None:
    X, y = data[["strong", "weak", "noise"]], data["label"]
    model = LogisticRegression().fit(X, y)
    found = importance.measure(
        Importance(repeats=4, seed=3),
        model,
        X,
        y,
        metric="roc_auc",
        classes=["a", "b"],
        positive_index=1,
    )
    theirs = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=4, random_state=3)
    assert [f.feature for f in found.features] == ["strong", "weak", "noise"]
    by_name = {f.feature: f for f in found.features}
    for name, mean, std in zip(
        X.columns, theirs.importances_mean, theirs.importances_std, strict=True
    ):
        assert by_name[name].mean == pytest.approx(mean, abs=1e-12)
        assert by_name[name].std == pytest.approx(std, abs=1e-12)
    assert found.rows == 1500 and found.repeats == 4 and not found.error


def test_a_lower_is_better_metric_still_ranks_what_matters_first(data: pd.DataFrame) -> None:
    X, y = data[["strong", "weak", "noise"]], data["amount"]
    model = LinearRegression().fit(X, y)
    found = importance.measure(
        Importance(), model, X, y, metric="mae", classes=None, positive_index=1
    )
    theirs = permutation_importance(
        model, X, y, scoring="neg_mean_absolute_error", n_repeats=5, random_state=0
    )
    assert found.features[0].feature == "strong" and found.features[0].mean > 1
    assert {f.feature: f.mean for f in found.features} == pytest.approx(
        dict(zip(X.columns, theirs.importances_mean, strict=True)), abs=1e-12
    )


def test_more_rows_than_the_bound_are_sampled(data: pd.DataFrame) -> None:
    X, y = data[["strong", "weak", "noise"]], data["label"]
    model = LogisticRegression().fit(X, y)
    spec = Importance(max_rows=200)
    found = importance.measure(
        spec, model, X, y, metric="accuracy", classes=["a", "b"], positive_index=1
    )
    again = importance.measure(
        spec, model, X, y, metric="accuracy", classes=["a", "b"], positive_index=1
    )
    assert found.rows == 200 and found == again  # seeded: the same rows and shuffles


def test_a_metric_the_model_cannot_give_fails_loudly(data: pd.DataFrame) -> None:
    X, y = data[["strong", "weak", "noise"]], data["label"]
    model = LinearSVC().fit(X, y)  # no predict_proba
    found = importance.measure(
        Importance(), model, X, y, metric="log_loss", classes=["a", "b"], positive_index=1
    )
    assert found.error.startswith("AttributeError") and not found.features
    check = checks.importance_check(found)
    assert check.status == "error" and "could not be computed: AttributeError" in check.message
