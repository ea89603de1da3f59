"""The bundled example, run as the README's quick start runs it, twice, leaving no trace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from mlgate import manifest
from tests.conftest import EXAMPLE, git

pytestmark = pytest.mark.e2e  # the quick start, run as a user runs it


def clone_of_example(tmp_path: Path) -> Path:
    root = tmp_path / "clone"
    shutil.copytree(
        EXAMPLE, root, ignore=shutil.ignore_patterns("data", "models", ".mlgate", "__pycache__")
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "example")
    return root


def test_quick_start_runs_twice_and_leaves_the_clone_clean(tmp_path: Path) -> None:
    root = clone_of_example(tmp_path)
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "mlgate", "run", "-C", str(root)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("breast-cancer: PASSED - all ")
        assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert len(list((root / ".mlgate/runs").glob("*/run.json"))) == 2


def test_run_by_hand_with_the_default_paths(tmp_path: Path) -> None:
    """Without mlgate the scripts use data/, models/ and params.yaml in their folder."""
    root = clone_of_example(tmp_path)
    subprocess.run([sys.executable, "prepare.py"], cwd=root, check=True, capture_output=True)
    first = (root / "data/train.csv").read_bytes(), (root / "data/test.csv").read_bytes()
    subprocess.run([sys.executable, "prepare.py"], cwd=root, check=True, capture_output=True)
    assert ((root / "data/train.csv").read_bytes(), (root / "data/test.csv").read_bytes()) == first
    train, test = pd.read_csv(root / "data/train.csv"), pd.read_csv(root / "data/test.csv")
    assert train.shape == (455, 31) and test.shape == (114, 31)
    assert set(train["diagnosis"]) == {"benign", "malignant"}
    assert "mean_radius" in train.columns

    run_script(root, "train.py", {})
    assert joblib.load(root / "models/model.joblib")[-1].C == 0.5
    # the parameters come from the file mlgate names, not from a constant
    (tmp_path / "weak.yaml").write_text("train:\n  C: 0.00001\n  max_iter: 1000\n")
    weak = tmp_path / "weak.joblib"
    run_script(
        root, "train.py", {"MLGATE_PARAMS": str(tmp_path / "weak.yaml"), "MLGATE_MODEL": str(weak)}
    )
    assert joblib.load(weak)[-1].C == 0.00001


def run_script(root: Path, script: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, script],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_scripts_follow_the_paths_mlgate_hands_them(tmp_path: Path) -> None:
    """Data, params and model elsewhere than the defaults: the scripts must read the env."""
    root = clone_of_example(tmp_path)
    elsewhere = tmp_path / "run"
    (elsewhere / "model").mkdir(parents=True)  # mlgate creates the model's folder
    params = elsewhere / "params.yaml"
    params.write_text((root / "params.yaml").read_text())
    env = {
        "MLGATE_DATA_TRAIN": str(elsewhere / "in" / "train.csv"),
        "MLGATE_DATA_TEST": str(elsewhere / "in" / "test.csv"),
        "MLGATE_TARGET": "diagnosis",
        "MLGATE_MODEL": str(elsewhere / "model" / "model.joblib"),
        "MLGATE_PARAMS": str(params),
        "MLGATE_ROOT": str(root),
        "MLGATE_RUN_ID": "20260101T000000Z-test",
    }
    run_script(root, "prepare.py", env)
    first = [Path(env[k]).read_bytes() for k in ("MLGATE_DATA_TRAIN", "MLGATE_DATA_TEST")]
    run_script(root, "prepare.py", env)
    assert [Path(env[k]).read_bytes() for k in ("MLGATE_DATA_TRAIN", "MLGATE_DATA_TEST")] == first
    train, test = pd.read_csv(env["MLGATE_DATA_TRAIN"]), pd.read_csv(env["MLGATE_DATA_TEST"])
    assert (train.shape, test.shape) == ((455, 31), (114, 31))
    # stratified: the 37% malignant share holds in both halves
    assert (train["diagnosis"] == "malignant").sum() == 170
    assert (test["diagnosis"] == "malignant").sum() == 42

    run_script(root, "train.py", env)
    assert not (root / "data").exists() and not (root / "models").exists()
    model = joblib.load(env["MLGATE_MODEL"])
    features = test.drop(columns=["diagnosis"])
    f1 = f1_score(test["diagnosis"], model.predict(features), pos_label="malignant")
    scores = model.predict_proba(features)[:, list(model.classes_).index("malignant")]
    auc = roc_auc_score(test["diagnosis"] == "malignant", scores)

    # the manifest's own thresholds, read through mlgate: they hold, with little to spare
    (root / "data").mkdir()
    for key, name in (("MLGATE_DATA_TRAIN", "train.csv"), ("MLGATE_DATA_TEST", "test.csv")):
        shutil.copy(env[key], root / "data" / name)
    loaded = manifest.load(root / "mlops.yaml")
    bounds = {check.metric: check.min for check in loaded.model_checks}
    assert set(bounds) == {"f1", "roc_auc"}
    assert bounds["f1"] <= f1 < bounds["f1"] + 0.1
    assert bounds["roc_auc"] <= auc < bounds["roc_auc"] + 0.05
    assert loaded.data.target == "diagnosis" and loaded.evaluate.positive_label == "malignant"
