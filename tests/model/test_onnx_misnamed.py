"""An ONNX model written under a joblib name (init's default `models/model.joblib`) is
named as ONNX, with the name to give it: it was told to write joblib or pickle instead
(the audit's finding 9)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from skl2onnx import to_onnx
from sklearn.linear_model import LogisticRegression

from mlgate.model.loading import ModelLoadError, load


def _exported() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype(np.float32)
    fitted = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    return to_onnx(fitted, x[:1])


@pytest.mark.parametrize("how", ["skl2onnx", "onnx.helper"])
def test_an_onnx_model_under_a_joblib_name_is_said_to_be_one(tmp_path: Path, how: str) -> None:
    exported = _exported()
    if how == "onnx.helper":  # no producer: the graph follows the IR version
        exported = onnx.helper.make_model(exported.graph, opset_imports=exported.opset_import)
    path = tmp_path / "model.joblib"
    path.write_bytes(exported.SerializeToString())
    with pytest.raises(ModelLoadError) as error:
        load(path, shown="models/model.joblib (train.outputs.model)")
    said = str(error.value)
    assert said == (
        "could not load models/model.joblib (train.outputs.model): it is an ONNX model, which "
        "is read as one only from a file whose name ends in .onnx: write it there and name "
        "that path in train.outputs.model (models/model.onnx), with mlgate[onnx] installed"
    )
    renamed = path.rename(tmp_path / "model.onnx")  # and so named, it loads
    assert load(renamed).predict is not None
