"""Train a logistic regression on data/train.csv and save it where mlgate asks.

mlgate hands the paths over as MLGATE_* variables; run by hand, the defaults apply.
"""

import os
from pathlib import Path

import joblib
import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

params = yaml.safe_load(Path(os.environ.get("MLGATE_PARAMS", "params.yaml")).read_text())["train"]
target = os.environ.get("MLGATE_TARGET", "diagnosis")
frame = pd.read_csv(os.environ.get("MLGATE_DATA_TRAIN", "data/train.csv"))

model = make_pipeline(
    StandardScaler(),
    LogisticRegression(C=params["C"], max_iter=params["max_iter"]),
)
model.fit(frame.drop(columns=[target]), frame[target])

out = Path(os.environ.get("MLGATE_MODEL", "models/model.joblib"))
out.parent.mkdir(parents=True, exist_ok=True)
joblib.dump(model, out)
print(f"trained on {len(frame)} rows; model written to {out.name}")
