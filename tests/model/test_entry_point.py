"""A model that is not a scikit-learn estimator, scored through `module:function` entry
points the manifest names: here a logistic model kept as NumPy weights (as a PyTorch or
XGBoost model would be kept in its own format), trained and scored with NumPy alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, roc_auc_score

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.model import evaluate, loading

TRAIN = """\
import os, numpy as np, pandas as pd
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
X = np.c_[np.ones(len(frame)), frame[["x1", "x2"]].to_numpy()]
y = (frame["label"] == "yes").to_numpy(float)
w = np.zeros(3)
for _ in range(300):  # gradient descent on the log loss
    w -= 0.5 * X.T @ (1 / (1 + np.exp(-X @ w)) - y) / len(y)
np.save(os.environ["MLGATE_MODEL"], w)
"""

SCORING = """\
import os, numpy as np, pandas as pd
def _p(frame):
    w = np.load(os.environ["MLGATE_MODEL"])
    return 1 / (1 + np.exp(-(w[0] + frame[["x1", "x2"]].to_numpy() @ w[1:])))
def predict(frame):
    return np.where(_p(frame) > 0.5, "yes", "no")
def predict_proba(frame):
    p = _p(frame)
    return pd.DataFrame({"yes": p, "no": 1 - p})  # any order: the columns name the classes
def wide(frame):
    return np.ones((len(frame), 3)) / 3
"""

MANIFEST = """\
name: numpy-model
data: {train: train.csv, test: test.csv, target: label}
train:
  command: python train.py
  outputs: {model: models/weights.npy}
evaluate:
  metrics: [accuracy, roc_auc, log_loss]
  predict: scoring:predict
  predict_proba: scoring:predict_proba
"""


@pytest.fixture(autouse=True)
def own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """for_manifest tells the functions the model's path in MLGATE_MODEL, as the scoring
    child's environment; here it is this process's, and must not outlive the test."""
    monkeypatch.setenv("MLGATE_MODEL", "")


def project(root: Path, manifest: str = MANIFEST) -> Path:
    rng = np.random.default_rng(0)
    for name, rows in (("train", 600), ("test", 300)):
        x = rng.normal(size=(rows, 2))
        label = np.where(x @ [1.5, -1.0] + rng.normal(size=rows) > 0, "yes", "no")
        pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "label": label}).to_csv(
            root / f"{name}.csv", index=False
        )
    (root / "train.py").write_text(TRAIN)
    (root / "scoring.py").write_text(SCORING)
    (root / "mlops.yaml").write_text(manifest)
    return root / "mlops.yaml"


@pytest.mark.e2e  # trains: the user's command in its own process
def test_a_numpy_model_is_run_and_scored_through_its_functions(tmp_path: Path) -> None:
    result = pipeline.run(manifests.load(project(tmp_path)), compare=False)
    assert result.evaluate.status == "passed", result.evaluate.message
    weights = np.load(tmp_path / "models" / "weights.npy")
    test = pd.read_csv(tmp_path / "test.csv")
    p = 1 / (1 + np.exp(-(weights[0] + test[["x1", "x2"]].to_numpy() @ weights[1:])))
    truth = test["label"] == "yes"
    assert result.evaluate.metrics["roc_auc"] == pytest.approx(roc_auc_score(truth, p))
    assert result.evaluate.metrics["log_loss"] == pytest.approx(log_loss(truth, p), rel=1e-5)
    assert result.evaluate.predictions is not None
    assert result.evaluate.predictions.classes == ("no", "yes")  # sorted, as classes_ are
    assert result.evaluate.positive_label is None or result.evaluate.positive_label == "yes"


@pytest.mark.parametrize(
    ("predict", "said"),
    [
        ("scorer:predict", "evaluate.predict names the module 'scorer', which is neither a file"),
        ("scoring:guess", "evaluate.predict names 'guess', which scoring does not define"),
    ],
)
def test_an_entry_point_that_is_not_there_is_named(tmp_path: Path, predict: str, said: str) -> None:
    path = project(tmp_path, MANIFEST.replace("scoring:predict\n", f"{predict}\n", 1))
    # validate refuses it too (tests/manifest/test_entry_points_validated.py); a manifest
    # read as data (files=False) leaves it to the import
    loaded = manifests.parse(path.read_bytes(), name="mlops.yaml", root=tmp_path, files=False)
    with pytest.raises(loading.ModelLoadError, match=said):
        loading.for_manifest(loaded, tmp_path / "weights.npy")


def test_probabilities_that_do_not_name_or_fit_the_classes_are_refused(tmp_path: Path) -> None:
    path = project(tmp_path, MANIFEST.replace("scoring:predict_proba", "scoring:wide"))
    loaded = manifests.load(path)
    np.save(tmp_path / "weights.npy", np.array([0.0, 1.0, -1.0]))
    model = loading.for_manifest(loaded, tmp_path / "weights.npy")
    with pytest.raises(evaluate.EvaluationError, match="returned 3 columns, and the model has no"):
        evaluate.score(loaded, model, pd.read_csv(tmp_path / "test.csv"))
    path = project(tmp_path, MANIFEST.replace("scoring:predict_proba", "scoring:numbered"))
    (tmp_path / "scoring.py").write_text(
        SCORING
        + "def numbered(frame):\n    return pd.DataFrame({0: _p(frame), 1: 1 - _p(frame)})\n"
    )
    loaded = manifests.load(path)
    model = loading.for_manifest(loaded, tmp_path / "weights.npy")
    with pytest.raises(evaluate.EvaluationError, match="returned columns named \\[0, 1\\]"):
        evaluate.score(loaded, model, pd.read_csv(tmp_path / "test.csv"))
