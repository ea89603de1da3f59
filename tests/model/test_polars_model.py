"""A model whose predict() uses polars, scored by `mlgate run` in the same process as the
data checks that ran polars first: the child the model is scored in once waited for ever
on the caller's polars thread pool, and the run said the model "did not finish"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn import metrics as skm

from mlgate.cli import main
from tests import projects

MODEL = """\
import polars as pl
from sklearn.linear_model import LogisticRegression


class Standardised:
    def fit(self, X, y):
        frame = pl.from_pandas(X)
        self.means = frame.mean().row(0)
        self.stds = frame.std().row(0)
        self.model = LogisticRegression(max_iter=500).fit(self._scaled(X), y)
        self.classes_ = self.model.classes_
        return self

    def _scaled(self, X):
        frame = pl.from_pandas(X)
        return frame.with_columns(
            (pl.col(c) - m) / s for c, m, s in zip(frame.columns, self.means, self.stds)
        ).to_numpy()

    def predict(self, X):
        return self.model.predict(self._scaled(X))

    def predict_proba(self, X):
        return self.model.predict_proba(self._scaled(X))
"""

TRAIN = """\
import os

import joblib
import pandas as pd

from standardised import Standardised

train = pd.read_csv("data/train.csv")
os.makedirs("models", exist_ok=True)
model = Standardised().fit(train.drop(columns=["species"]), train["species"])
joblib.dump(model, "models/model.joblib")
"""


@pytest.mark.e2e  # it trains
def test_a_model_that_predicts_with_polars_is_scored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = projects.IRIS_MANIFEST.replace(
        "evaluate:\n  metrics: [accuracy, f1_macro, roc_auc]\n",
        "evaluate:\n  metrics: [accuracy, f1_macro, roc_auc]\n  timeout: 30s\n",
    )
    files = projects.iris_files(tmp_path, manifest=manifest, train=TRAIN)
    root = projects.write(tmp_path / "iris", {**files, "standardised.py": MODEL})
    monkeypatch.chdir(root)
    code = main(["run", "--json"])
    found = json.loads(capsys.readouterr().out)
    assert found["evaluate"]["status"] == "passed", found["evaluate"]
    assert code == 0

    import joblib
    import pandas as pd

    monkeypatch.syspath_prepend(str(root))
    model = joblib.load(root / "models/model.joblib")
    test = pd.read_csv(root / "data/test.csv")
    expected = skm.accuracy_score(test["species"], model.predict(test.drop(columns=["species"])))
    assert found["evaluate"]["metrics"]["accuracy"] == pytest.approx(expected)
