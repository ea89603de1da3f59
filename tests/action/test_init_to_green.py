"""The promise of `mlgate init`: in an empty repository, the user writes a manifest of at
most 15 lines of YAML and no workflow at all, and the pull request's run is green."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlgate import scaffold
from tests.action import events
from tests.action.conftest import Repo
from tests.conftest import git

# the action, run by the workflow harness as GitHub runs it (docs/testing.md)
pytestmark = pytest.mark.e2e

# all the YAML the user writes
MANIFEST = """\
name: wine
data:
  train: data/train.csv
  test: data/test.csv
  target: cultivar
train:
  command: python train.py
model_checks:
  - {metric: accuracy, min: 0.85}
"""
TRAIN = """\
import os
import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
model.fit(frame.drop(columns=[target]), frame[target])
os.makedirs(os.path.dirname(os.environ["MLGATE_MODEL"]), exist_ok=True)
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""


def yaml_lines(text: str) -> int:
    return sum(
        1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


def test_from_init_in_an_empty_repository_to_a_green_pull_request(
    tmp_path: Path, github, warm_state: Path
) -> None:
    from sklearn.datasets import load_wine

    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    scaffold.init(root)
    workflows = {p: p.read_bytes() for p in (root / ".github/workflows").glob("*.yml")}
    (root / "mlops.yaml").write_text(MANIFEST)  # the user's whole configuration
    assert yaml_lines(MANIFEST) <= 15
    frame = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    test = frame.index % 4 == 0
    (root / "data").mkdir()
    frame[~test].to_csv(root / "data/train.csv", index=False)
    frame[test].to_csv(root / "data/test.csv", index=False)
    (root / "train.py").write_text(TRAIN)
    (root / ".gitignore").write_text("models/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a model, gated by mlgate")
    base = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "more-iterations")
    (root / "train.py").write_text(TRAIN.replace("max_iter=500", "max_iter=1000"))
    git(root, "commit", "-q", "-am", "more iterations")
    repo = Repo(
        root=root,
        base=base,
        head=git(root, "rev-parse", "HEAD"),
        github=github,
        state=warm_state,
    )

    result = repo.run(
        "mlgate.yml",
        "pull_request",
        events.pull_request(number=1, head_sha=repo.head, base_sha=repo.base),
    )
    assert result.conclusion == "success", result.log[-3000:]
    (comment,) = github.comments[1]
    assert "## ✅ wine: passed" in comment["body"]
    assert f"Compared with **main @ {base[:7]}**" in comment["body"]
    assert {p: p.read_bytes() for p in workflows} == workflows  # no workflow line written
