"""The iris project whose "training" copies the model fitted ahead for params.yaml's C,
as `PICK_TRAINED` in tests/sweep/test_local.py does: for the tests of what a comparison
finds and says, which training for real (1.9 s of CPU a run, a git baseline's run too,
most of it importing scikit-learn) would only slow. The models are files of the project,
committed with it, so a git baseline's run at its commit picks the one its own params
name; each is the fit `projects.TRAIN_CLASSIFIER` makes for that C."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from tests import projects

PICK = (
    "import os, shutil, yaml\n"
    "C = yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C']\n"
    "shutil.copy(f'trained/{C}.joblib', os.environ['MLGATE_MODEL'])\n"
)
CS = (0.05, 0.5, 1.0)  # the values of C the tests set (1.0: params.yaml's)


def iris_files(manifest: str = projects.IRIS_MANIFEST) -> dict[str, str | bytes]:
    """`projects.iris_files`, with `PICK` for train.py and a model for each of `CS`."""
    files: dict[str, str | bytes] = {}
    files.update(projects.iris_files(Path(), manifest=manifest, train=PICK))
    files.update({f"trained/{c}.joblib": model for c, model in _models().items()})
    return files


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """`projects.write`, for files of bytes too."""
    projects.write(root, {k: v for k, v in files.items() if isinstance(v, str)})
    for relative, content in files.items():
        if isinstance(content, bytes):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(content)
    return root


def model(c: float) -> Any:
    """The model fitted ahead for `c`, loaded: to score by hand what a run reports."""
    import joblib

    return joblib.load(io.BytesIO(_models()[c]))


@functools.cache
def _models() -> dict[float, bytes]:
    """Fitted once per process, on the training rows as the script reads them."""
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    text = projects.iris_files(Path())["data/train.csv"]
    frame = pd.read_csv(io.StringIO(text))
    X, y = frame.drop(columns=["species"]), frame["species"]
    found = {}
    for c in CS:
        kept = io.BytesIO()
        joblib.dump(LogisticRegression(C=c, max_iter=500).fit(X, y), kept)
        found[c] = kept.getvalue()
    return found
