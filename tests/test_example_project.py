"""The bundled example, run as the README's quick start runs it, twice, leaving no trace."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.conftest import EXAMPLE, git


def clone_of_example(tmp_path: Path) -> Path:
    root = tmp_path / "clone"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(
        "data", "models", ".mlgate", "__pycache__"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "example")
    return root


def test_quick_start_runs_twice_and_leaves_the_clone_clean(tmp_path: Path) -> None:
    root = clone_of_example(tmp_path)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "mlgate", "run", "-C", str(root)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("breast-cancer: PASSED - all ")
        assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert len(list((root / ".mlgate/runs").glob("*/run.json"))) == 2


def test_prepared_data_is_deterministic_and_shaped(tmp_path: Path) -> None:
    root = clone_of_example(tmp_path)
    subprocess.run([sys.executable, "prepare.py"], cwd=root, check=True, capture_output=True)
    first = (root / "data/train.csv").read_bytes(), (root / "data/test.csv").read_bytes()
    subprocess.run([sys.executable, "prepare.py"], cwd=root, check=True, capture_output=True)
    assert ((root / "data/train.csv").read_bytes(), (root / "data/test.csv").read_bytes()) == first
    train, test = pd.read_csv(root / "data/train.csv"), pd.read_csv(root / "data/test.csv")
    assert train.shape == (455, 31) and test.shape == (114, 31)
    assert set(train["diagnosis"]) == {"benign", "malignant"}
    assert "mean_radius" in train.columns
