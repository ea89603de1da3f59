"""An ONNX classifier is served with its classes named: the labels its probabilities
carry (ZipMap's keys, or those its classifier node declares), in the order the run scored
them. It answered `"classes": []` beside its probabilities (the audit's finding 1): an
ONNX model has no `classes_`."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from skl2onnx import to_onnx
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.model.loading import load
from mlgate.serve.app import create_app
from mlgate.serve.schema import Field, InputSchema
from mlgate.serve.service import Service
from tests.serve.conftest import running

CULTIVARS = np.array(["nebbiolo", "barbera", "grignolino"])  # not in sorted order


@pytest.fixture(scope="module")
def wine() -> tuple[pd.DataFrame, pd.Series, object]:
    data = load_wine(as_frame=True)
    frame = data.frame.drop(columns="target").astype(np.float32)
    frame.columns = [c.replace("/", "_") for c in frame.columns]
    labels = pd.Series(CULTIVARS[data.target], name="cultivar")
    fitted = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return frame, labels, fitted.fit(frame, labels)


@pytest.mark.parametrize("zipmap", [True, False], ids=["zipmap", "tensor"])
def test_an_onnx_classifier_is_served_with_its_labels(
    tmp_path: Path, wine: tuple[pd.DataFrame, pd.Series, object], zipmap: bool
) -> None:
    frame, labels, fitted = wine
    options = None if zipmap else {id(fitted.steps[-1][1]): {"zipmap": False}}
    exported = to_onnx(fitted, frame.to_numpy()[:1], options=options)
    path = tmp_path / "model.onnx"
    path.write_bytes(exported.SerializeToString())
    model = load(path)
    assert not hasattr(model, "classes_")  # what the app read, and found nothing in
    schema = InputSchema(fields=tuple(Field(name=c, kind="number") for c in frame.columns))
    served = Service(model=model, schema=schema, metadata={"model": "wine", "version": None})
    rows = [0, 70, 150]  # one of each cultivar
    records = frame.iloc[rows].astype(float).to_dict("records")
    with running(create_app(served)) as url:
        answer = httpx.post(f"{url}/predict", json={"records": records}, timeout=10)
        alone = httpx.post(f"{url}/predict", json={"records": records[1:2]}, timeout=10)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["classes"] == sorted(CULTIVARS.tolist())  # as scikit-learn's classes_ are
    assert body["predictions"] == labels.iloc[rows].tolist()
    for prediction, shares in zip(body["predictions"], body["probabilities"], strict=True):
        assert body["classes"][int(np.argmax(shares))] == prediction
    expected = fitted.predict_proba(frame.iloc[rows])  # columns in the same sorted order
    assert np.allclose(body["probabilities"], expected, atol=1e-4)
    assert alone.json()["classes"] == body["classes"]
