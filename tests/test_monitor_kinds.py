"""Production rows the model cannot take because a column holds another kind of value than
the training file did: a category exported as codes met scikit-learn's "ufunc 'isnan' not
supported ...", naming no column, where the docs promise the column."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from mlgate import monitor


def test_a_category_exported_as_codes_is_named_with_its_column() -> None:
    train = pd.DataFrame({"clinic": ["north", "south", "east"] * 20, "age": range(60)})
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["clinic"]), remainder="passthrough"),
        LogisticRegression(max_iter=500),
    ).fit(train, [0, 1] * 30)
    codes = pd.DataFrame({"clinic": [0, 1, 2] * 5, "age": range(15)})
    trained = {"clinic": "String", "age": "Int64"}
    with pytest.raises(monitor.Unscorable) as refused:
        monitor._scored(lambda: model.predict(codes), "prod.csv", codes, trained)
    assert refused.value.message.endswith(
        "(column 'clinic' holds numbers where the training data held text)"
    ), refused.value.message
    assert monitor._kinds_apart(train, trained) == ""  # as trained: nothing apart
