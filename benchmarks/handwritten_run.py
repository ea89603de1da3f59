"""What a user would write by hand instead of `mlgate run` for the example project.

The same steps as the example's mlops.yaml: prepare the data, the same data checks
(in pandas), the same training subprocess, the same model scored with the same
metrics and thresholds, and a JSON result. Run in the example's folder.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import pandas as pd
from sklearn import metrics

root = Path.cwd()
env = {
    **os.environ,
    "MLGATE_DATA_TRAIN": str(root / "data/train.csv"),
    "MLGATE_DATA_TEST": str(root / "data/test.csv"),
    "MLGATE_TARGET": "diagnosis",
    "MLGATE_MODEL": str(root / "models/model.joblib"),
    "MLGATE_PARAMS": str(root / "params.yaml"),
}
subprocess.run(["python", "prepare.py"], env=env, check=True, timeout=600)
train, test = pd.read_csv(root / "data/train.csv"), pd.read_csv(root / "data/test.csv")

checks = {}
for role, frame in (("train", train), ("test", test)):
    checks[f"{role}.rows"] = len(frame) >= 100
    checks[f"{role}.duplicates"] = frame.duplicated().mean() <= 0.01
    checks[f"{role}.target"] = "diagnosis" in frame
    diagnosis = frame["diagnosis"]
    checks[f"{role}.diagnosis"] = (
        diagnosis.notna().all() and diagnosis.isin(["benign", "malignant"]).all()
    )
    for column, low, high in (
        ("mean_radius", 0, 50),
        ("mean_texture", 0, None),
        ("mean_area", 0, None),
    ):
        values = frame[column]
        checks[f"{role}.{column}"] = bool(
            pd.api.types.is_numeric_dtype(values)
            and values.notna().all()
            and (values >= low).all()
            and (high is None or (values <= high).all())
        )
    concavity = frame["worst_concavity"].dropna()
    checks[f"{role}.worst_concavity"] = bool(concavity.between(0, 2).all())
checks["leakage"] = len(test.merge(train.drop_duplicates(), how="inner")) == 0
if not all(checks.values()):
    sys.exit(f"data checks failed: {[k for k, ok in checks.items() if not ok]}")

(root / "models").mkdir(exist_ok=True)
subprocess.run(["python", "train.py"], env=env, check=True, timeout=600)

model = joblib.load(root / "models/model.joblib")
X, y = test.drop(columns=["diagnosis"]), test["diagnosis"]
predicted, proba = model.predict(X), model.predict_proba(X)
positive = list(model.classes_).index("malignant")
scores = {
    "accuracy": metrics.accuracy_score(y, predicted),
    "f1": metrics.f1_score(y, predicted, pos_label="malignant"),
    "roc_auc": metrics.roc_auc_score(y == "malignant", proba[:, positive]),
    "log_loss": metrics.log_loss(y, proba),
}
checks["f1"] = scores["f1"] >= 0.9
checks["roc_auc"] = scores["roc_auc"] >= 0.97
(root / "result.json").write_text(
    json.dumps({"metrics": scores, "checks": {k: bool(v) for k, v in checks.items()}}, indent=2)
)
print(json.dumps(scores))
sys.exit(0 if all(checks.values()) else 1)
