"""predict_proba returning a DataFrame of the positive class's column alone (audit Y,
finding 9): an array of that column was said to be "1 column; expected 2, one per class
(no, yes)", the same as a DataFrame was told its rows "do not add up to 1" and "expected
an array of 60 x 1 probabilities", as if one column were right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate import manifest as manifests
from mlgate.model import evaluate, loading

SCORING = """\
import numpy as np, pandas as pd
def _p(frame):
    return 1 / (1 + np.exp(-frame["x1"].to_numpy()))
def predict(frame):
    return np.where(_p(frame) > 0.5, "yes", "no")
def yes_only(frame):
    return pd.DataFrame({"yes": _p(frame)})
def no_only(frame):
    return pd.DataFrame({"no": 1 - _p(frame)})
def yes_only_array(frame):
    return _p(frame)[:, None]
def two_of_three(frame):
    p = _p(frame)
    return pd.DataFrame({"no": (1 - p) / 2, "yes": p / 2})
"""

MANIFEST = """\
name: frame1
data: {train: train.csv, test: test.csv, target: label}
train:
  command: python train.py
  outputs: {model: models/m.npy}
evaluate:
  metrics: [accuracy, roc_auc, log_loss]
  predict: scoring1:predict
  predict_proba: scoring1:PROBA
"""

ONE_OF_TWO = (
    "returned 1 column; expected 2, one per class (no, yes) (a binary classifier's "
    "probabilities of both classes, not the positive class's alone): return a DataFrame "
    "whose columns are the labels, or an array with a column per label in sorted order"
)


@pytest.fixture(autouse=True)
def own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLGATE_MODEL", "")


def scored(root: Path, proba: str, labels: tuple[str, ...] = ("no", "yes")) -> evaluate.Scored:
    rng = np.random.default_rng(1)
    for name in ("train", "test"):
        x = rng.normal(size=60)
        label = np.where(x + rng.normal(size=60) > 0, "yes", "no").astype(object)
        if len(labels) == 3:
            label[::7] = labels[0]  # a third label in the data, the model has no column of
        pd.DataFrame({"x1": x, "label": label}).to_csv(root / f"{name}.csv", index=False)
    (root / "train.py").write_text("")
    (root / "scoring1.py").write_text(SCORING)
    (root / "mlops.yaml").write_text(MANIFEST.replace("PROBA", proba))
    loaded = manifests.load(root / "mlops.yaml")
    model = loading.for_manifest(loaded, root / "models" / "m.npy")
    return evaluate.score(loaded, model, pd.read_csv(root / "test.csv"))


def refused(root: Path, proba: str, labels: tuple[str, ...] = ("no", "yes")) -> str:
    with pytest.raises(evaluate.EvaluationError) as error:
        scored(root, proba, labels)
    return str(error.value)


@pytest.mark.parametrize("proba", ["yes_only", "no_only", "yes_only_array"])
def test_one_class_column_is_one_column_of_two_as_a_frame_and_an_array(
    tmp_path: Path, proba: str
) -> None:
    said = refused(tmp_path, proba)
    assert said == f"evaluate.predict_proba (mlops.yaml:9, scoring1:{proba}) {ONE_OF_TWO}"


def test_a_frame_lacking_a_label_seen_names_it(tmp_path: Path) -> None:
    said = refused(tmp_path, "two_of_three", labels=("maybe", "no", "yes"))
    assert said.startswith(
        "evaluate.predict_proba (mlops.yaml:9, scoring1:two_of_three) returned a column for "
        "each of no, yes, and none for maybe; expected 3, one per class (maybe, no, yes)"
    ), said
