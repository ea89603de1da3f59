"""A `.onnx` model scored with onnxruntime (`mlgate[onnx]`), as any model exported to ONNX
is: scikit-learn's through skl2onnx, PyTorch's, TensorFlow's.

The model's inputs decide how the features are handed over: one input takes them as one
2-D array (in the order the features are given), several take a column each, matched by
name as ONNX names them (anything but letters, digits and underscores made `_`). The first
output is the prediction; a second, the class probabilities, as ZipMap writes them (a
label -> probability map per row) or as a rows x classes tensor whose classes are the
labels the model's classifier node declares.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": object,
    "tensor(bool)": np.bool_,
}


class OnnxError(Exception):
    """The file cannot be scored as an ONNX model; the message says why."""


def load(path: Path, shown: str) -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise OnnxError(
            f"{shown} is an ONNX model, and onnxruntime is not installed "
            "(pip install 'mlgate[onnx]')"
        ) from exc
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # a file onnxruntime cannot read: its own words
        raise OnnxError(f"could not load {shown}: {type(exc).__name__}: {exc}") from exc
    outputs = session.get_outputs()
    if len(outputs) >= 2:
        return ScoredOnnx(session, _class_labels(path))
    return Onnx(session)


class Onnx:
    """predict() over an onnxruntime session."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.inputs = session.get_inputs()

    def feed(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        if len(self.inputs) == 1:
            single = self.inputs[0]
            return {single.name: features.to_numpy().astype(TYPES.get(single.type, np.float32))}
        named = {_onnx_name(str(c)): c for c in features.columns}
        fed = {}
        for given in self.inputs:
            column = named.get(given.name)
            if column is None:
                raise ValueError(
                    f"the ONNX model takes an input '{given.name}' that no feature column "
                    f"names (the features: {', '.join(map(str, features.columns[:20]))})"
                )
            values: np.ndarray = (
                features[column].to_numpy().astype(TYPES.get(given.type, np.float32))
            )
            fed[given.name] = values.reshape(-1, 1)
        return fed

    def run(self, features: pd.DataFrame) -> list[Any]:
        return list(self.session.run(None, self.feed(features)))

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.run(features)[0]).reshape(len(features))


class ScoredOnnx(Onnx):
    """An ONNX classifier with a probability output."""

    def __init__(self, session: Any, labels: list[Any] | None) -> None:
        super().__init__(session)
        self.labels = labels

    def predict_proba(self, features: pd.DataFrame) -> pd.DataFrame:
        returned = self.run(features)[1]
        if isinstance(returned, list):  # ZipMap: a {label: probability} per row
            return pd.DataFrame.from_records(returned)
        scores = np.asarray(returned, dtype=float)
        if self.labels is None or len(self.labels) != scores.shape[1]:
            raise ValueError(
                "the ONNX model's probabilities are a tensor whose classes it does not name: "
                "export it with ZipMap (skl2onnx's default), or install onnx so that mlgate "
                "can read the labels its classifier declares"
            )
        return pd.DataFrame(scores, columns=self.labels)


def _class_labels(path: Path) -> list[Any] | None:
    """The labels a classifier node declares (`classlabels_*`), read with onnx if present."""
    try:
        import onnx
    except ImportError:
        return None
    for node in onnx.load(str(path)).graph.node:
        for attribute in node.attribute:
            if attribute.name == "classlabels_strings":
                return [s.decode() for s in attribute.strings]
            if attribute.name == "classlabels_int64s":
                return list(attribute.ints)
    return None


def _onnx_name(column: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", column)
