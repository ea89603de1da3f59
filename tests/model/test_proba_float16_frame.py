"""predict_proba's answers as the user's own functions give them (audit T, findings 1
and 2): float16 probabilities are held to float16's rounding whatever holds them (a
DataFrame of label columns was refused, "adding up to 1.00012", the same values as an
array accepted), and the positive class's column alone is said to be one column of two,
naming the function that ran and its manifest line, not "model.predict_proba"."""

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
def _both(frame):
    p = _p(frame)
    return np.c_[1 - p, p].astype(np.float16)  # sorted: no, yes
def as_array(frame):
    return _both(frame)
def as_frame(frame):
    return pd.DataFrame(_both(frame), columns=["no", "yes"])[["yes", "no"]]
def positive_only(frame):
    return _p(frame)[:, None]
def zeros(frame):
    return np.zeros(len(frame), dtype=object)
"""

MANIFEST = """\
name: f16
data: {train: train.csv, test: test.csv, target: label}
train:
  command: python train.py
  outputs: {model: models/m.npy}
evaluate:
  metrics: [accuracy, roc_auc, log_loss]
  predict: scoring16:predict
  predict_proba: scoring16:PROBA
"""


@pytest.fixture(autouse=True)
def own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLGATE_MODEL", "")


def scored(root: Path, proba: str, predict: str = "predict") -> evaluate.Scored:
    rng = np.random.default_rng(1)
    for name in ("train", "test"):
        x = rng.normal(size=400)
        label = np.where(x + rng.normal(size=400) > 0, "yes", "no")
        pd.DataFrame({"x1": x, "label": label}).to_csv(root / f"{name}.csv", index=False)
    (root / "train.py").write_text("")
    (root / "scoring16.py").write_text(SCORING)
    text = MANIFEST.replace("PROBA", proba).replace("scoring16:predict\n", f"scoring16:{predict}\n")
    (root / "mlops.yaml").write_text(text)
    loaded = manifests.load(root / "mlops.yaml")
    model = loading.for_manifest(loaded, root / "models" / "m.npy")
    return evaluate.score(loaded, model, pd.read_csv(root / "test.csv"))


def test_float16_chances_off_by_their_rounding_are_accepted_in_an_array_and_a_frame(
    tmp_path: Path,
) -> None:
    from_array = scored(tmp_path, "as_array")
    from_frame = scored(tmp_path, "as_frame")
    test = pd.read_csv(tmp_path / "test.csv")
    p = 1 / (1 + np.exp(-test["x1"].to_numpy()))
    halves = np.c_[1 - p, p].astype(np.float16).astype(float)
    assert np.abs(halves.sum(1) - 1).max() > 1e-5  # float64's slack would refuse them
    assert from_frame.metrics == from_array.metrics
    assert from_frame.metrics["roc_auc"] == pytest.approx(from_array.metrics["roc_auc"])


def test_float16_rows_far_from_1_are_refused_in_a_frame_too() -> None:
    half = pd.DataFrame(np.full((4, 3), 1 / 6, dtype=np.float16), columns=["a", "b", "c"])
    with pytest.raises(evaluate.EvaluationError, match="do not add up to 1 on 4 of 4 rows"):
        evaluate.probabilities(half, 4, ["a", "b", "c"])
    near = pd.DataFrame(np.full((4, 3), 1 / 3, dtype=np.float16), columns=["a", "b", "c"])
    np.testing.assert_allclose(evaluate.probabilities(near, 4, ["a", "b", "c"]).sum(1), 1.0)


def test_the_positive_column_alone_is_one_column_of_two_from_the_function_that_ran(
    tmp_path: Path,
) -> None:
    with pytest.raises(evaluate.EvaluationError) as error:
        scored(tmp_path, "positive_only")
    assert str(error.value).startswith(
        "evaluate.predict_proba (mlops.yaml:9, scoring16:positive_only) returned 1 column; "
        "expected 2, one per class (no, yes)"
    )
    assert "model.predict_proba" not in str(error.value)


def test_labels_not_the_targets_name_the_predict_function_that_ran(tmp_path: Path) -> None:
    with pytest.raises(evaluate.EvaluationError) as error:
        scored(tmp_path, "as_array", predict="zeros")
    assert str(error.value).startswith(
        "evaluate.predict (mlops.yaml:8, scoring16:zeros) returned labels ('0') none of which"
    )
