"""Write data/train.csv and data/test.csv from scikit-learn's bundled breast-cancer data.

mlgate runs this as `data.prepare` and tells it where to write through MLGATE_DATA_TRAIN
and MLGATE_DATA_TEST; run by hand, it writes to data/. The split is seeded, so the bytes
are the same on every run.
"""

import os
from pathlib import Path

import yaml
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

params = yaml.safe_load(Path(os.environ.get("MLGATE_PARAMS", "params.yaml")).read_text())
prepare = params["prepare"]

frame = load_breast_cancer(as_frame=True).frame
frame.columns = [c.replace(" ", "_") for c in frame.columns]
# scikit-learn codes malignant as 0 and benign as 1; names say it plainly
frame["diagnosis"] = frame.pop("target").map({0: "malignant", 1: "benign"})

train, test = train_test_split(
    frame, test_size=prepare["test_size"], random_state=prepare["seed"],
    stratify=frame["diagnosis"],
)
for data, env, default in ((train, "MLGATE_DATA_TRAIN", "data/train.csv"),
                           (test, "MLGATE_DATA_TEST", "data/test.csv")):
    path = Path(os.environ.get(env, default))
    path.parent.mkdir(parents=True, exist_ok=True)
    data.to_csv(path, index=False, float_format="%.6g")
    print(f"wrote {path.name}: {len(data)} rows")
