"""Small real projects for end-to-end tests: scikit-learn's iris, breast-cancer and diabetes
data."""

from __future__ import annotations

import textwrap
from pathlib import Path

TRAIN_CLASSIFIER = """\
import os, joblib, pandas as pd, yaml
from sklearn.linear_model import LogisticRegression
params = yaml.safe_load(open(os.environ["MLGATE_PARAMS"]))
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = LogisticRegression(C=params["train"]["C"], max_iter=500)
model.fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
print("trained on", len(frame), "rows")
"""

TRAIN_REGRESSOR = """\
import os, joblib, pandas as pd
from sklearn.linear_model import Ridge
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
joblib.dump(Ridge().fit(frame.drop(columns=[target]), frame[target]), os.environ["MLGATE_MODEL"])
"""

IRIS_MANIFEST = """\
name: iris
data:
  train: data/train.csv
  test: data/test.csv
  target: species
  columns:
    sepal_length: {type: number, min: 0, nullable: false}
    species: {type: category, values: [setosa, versicolor, virginica]}
  checks:
    rows: {min: 20}
train:
  command: python train.py
  timeout: 2m
evaluate:
  metrics: [accuracy, f1_macro, roc_auc]
model_checks:
  - {metric: accuracy, min: 0.8}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text) if relative.endswith(".yaml") else text)
    return root


def iris_files(
    root: Path, *, manifest: str = IRIS_MANIFEST, train: str = TRAIN_CLASSIFIER
) -> dict[str, str]:
    """Files of a three-class project; the data split is fixed (every 5th row is test)."""
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    frame.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    frame["species"] = frame["species"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    test = frame.index % 5 == 0
    return {
        "mlops.yaml": manifest,
        "params.yaml": "train:\n  C: 1.0\n",
        "train.py": train,
        "data/train.csv": frame[~test].to_csv(index=False),
        "data/test.csv": frame[test].to_csv(index=False),
    }


def diabetes_files() -> dict[str, str]:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    test = frame.index % 4 == 0
    return {
        "mlops.yaml": "name: diabetes\ndata: {train: data/train.csv, test: data/test.csv, "
        "target: target}\ntrain: {command: python train.py}\n",
        "train.py": TRAIN_REGRESSOR,
        "data/train.csv": frame[~test].to_csv(index=False),
        "data/test.csv": frame[test].to_csv(index=False),
    }


CANCER_MANIFEST = """\
name: cancer
data: {train: data/train.csv, test: data/test.csv, target: target}
train: {command: python train.py, timeout: 2m}
evaluate: {metrics: [accuracy]}
environments:
  staging: {on: merge}
  production: {requires: staging}
"""


def cancer_files(manifest: str = CANCER_MANIFEST) -> dict[str, str]:
    """Three rows in five are test rows: 342 of 569, enough to calibrate the label-free
    estimate on (iris keeps 30)."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    test = frame.index % 5 < 3
    return {
        "mlops.yaml": manifest,
        "data/train.csv": frame[~test].to_csv(index=False),
        "data/test.csv": frame[test].to_csv(index=False),
    }
