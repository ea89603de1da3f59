"""`.onnx` models scored with onnxruntime give the metrics scikit-learn gives the model they
were exported from (skl2onnx, with ZipMap and without), whether they take one input or a
column each; a file that is not ONNX is refused in onnxruntime's words."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlgate import manifest as manifests
from mlgate.model import evaluate, loading

MANIFEST = """\
name: onnx
data: {train: data.csv, test: data.csv, target: label}
train:
  command: python train.py
  outputs: {model: model.onnx}
evaluate:
  metrics: [accuracy, roc_auc, log_loss]
"""


@pytest.fixture
def data(tmp_path: Path) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(600, 2))
    frame = pd.DataFrame(
        {
            "x1": x[:, 0],
            "x2": x[:, 1],
            "plan": rng.choice(["free", "pro"], 600),
            "label": np.where(x[:, 0] - x[:, 1] + rng.normal(size=600) > 0, "yes", "no"),
        }
    )
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "mlops.yaml").write_text(MANIFEST)
    return frame


def to_onnx(*args: Any, **kwargs: Any) -> Any:
    """skl2onnx's `to_onnx`, imported when a test exports: importing it takes a second,
    which each worker paid at collection (each collects every module) to run these tests
    on one."""
    from skl2onnx import to_onnx as exported

    return exported(*args, **kwargs)


@pytest.mark.parametrize("zipmap", [True, False])
def test_an_exported_model_scores_as_the_model_it_came_from(
    tmp_path: Path, data: pd.DataFrame, zipmap: bool
) -> None:
    features = data[["x1", "x2"]]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(features, data["label"])
    options = None if zipmap else {id(model.steps[-1][1]): {"zipmap": False}}
    exported = to_onnx(model, features.to_numpy()[:1].astype(np.float32), options=options)
    (tmp_path / "model.onnx").write_bytes(exported.SerializeToString())
    loaded = manifests.load(tmp_path / "mlops.yaml")
    loaded = replace(loaded, data=replace(loaded.data, features=("x1", "x2")))
    onnx = loading.for_manifest(loaded, tmp_path / "model.onnx")
    scored = evaluate.score(loaded, onnx, data)
    p = model.predict_proba(features)[:, 1]
    truth = data["label"] == "yes"
    assert scored.metrics["roc_auc"] == pytest.approx(roc_auc_score(truth, p), abs=1e-6)
    assert scored.metrics["log_loss"] == pytest.approx(log_loss(truth, p), abs=1e-5)
    assert scored.predictions.classes == ("no", "yes")


def test_a_model_taking_a_column_each_is_fed_by_name(tmp_path: Path, data: pd.DataFrame) -> None:
    features = data[["x1", "x2", "plan"]]
    model = make_pipeline(
        make_column_transformer((StandardScaler(), ["x1", "x2"]), (OneHotEncoder(), ["plan"])),
        LogisticRegression(),
    ).fit(features, data["label"])
    # one input per column (float32: ONNX's ZipMap takes no doubles)
    exported = to_onnx(model, features.iloc[:1].astype({"x1": np.float32, "x2": np.float32}))
    (tmp_path / "model.onnx").write_bytes(exported.SerializeToString())
    onnx = loading.load(tmp_path / "model.onnx")
    assert list(onnx.predict(features)) == list(model.predict(features))
    assert np.allclose(
        onnx.predict_proba(features)[["no", "yes"]], model.predict_proba(features), atol=1e-5
    )
    with pytest.raises(ValueError, match="takes an input 'plan' that no feature column names"):
        onnx.predict(features.drop(columns=["plan"]))


def test_a_file_that_is_not_onnx_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(loading.ModelLoadError, match=r"could not load model\.onnx: "):
        loading.load(tmp_path / "model.onnx")
