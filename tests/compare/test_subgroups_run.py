"""Slices and fairness through `mlgate run` and `mlgate compare`, as a user runs them: a
branch whose model loses a feature that matters only for the old fails the slice gate on
the old people's slices, says so in the terminal, the report, JUnit and run.json, and its
fairness figures are fairlearn's on the same rows; its robustness and permutation importance
stand beside the baseline's.

The branch's model is trained for real; main's training, run again at its commit for the
baseline, is a process that copies the model its train.py fitted ahead in this process on
the same rows and params (tests/compare/picked.py's `fit_ahead`: the same fit)."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference

from tests.compare import picked
from tests.conftest import git
from tests.test_cli_compare import mlgate

pytestmark = pytest.mark.e2e  # a training, and a baseline run at its commit

MANIFEST = """\
name: loans
data:
  train: data/train.csv
  test: data/test.csv
  target: repaid
train:
  command: python train.py
  timeout: 2m
evaluate:
  metrics: [accuracy, recall, roc_auc]
  positive_label: "yes"
  slices: [region, {column: age, bins: [18, 40, 65, 91]}]
  importance: {metric: recall, repeats: 3}
  discover: {metric: recall, worst: 3}
  latency: {batches: [1, 500], seconds: 0s}  # the first 20 calls of each only
model_checks:
  - {fairness: demographic_parity_difference, sensitive: region, max: 0.5,
     significance: no significant worsening}
  - {invariance: region, max_changed_fraction: 0}
  - {noise: [x1, x2], scale: 0.5}
compare:
  gates:
    recall: {significance: no significant drop, slices: true}
"""

TRAIN = """\
import os, joblib, pandas as pd, yaml
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
features = yaml.safe_load(open(os.environ["MLGATE_PARAMS"]))["features"]
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
model = make_pipeline(make_column_transformer(("passthrough", features)), LogisticRegression())
model.fit(frame.drop(columns=["repaid"]), frame["repaid"])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""


def data(rows: int, seed: int) -> str:
    """For people of 65 and over the label depends on x3 as well."""
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=(3, rows))
    age = rng.integers(18, 91, rows)
    old = age >= 65
    frame = pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "x3_old": np.where(old, x3, 0.0),
            "age": age,
            "region": rng.choice(["north", "south", "east"], rows),
            "repaid": np.where(x1 + x2 + 3 * old * x3 + rng.normal(size=rows) > 0, "yes", "no"),
        }
    )
    out = io.StringIO()
    frame.to_csv(out, index=False, float_format="%.6g")
    return out.getvalue()


def test_a_loss_on_the_old_fails_the_slice_gate_everywhere_it_is_reported(
    make_repo: Callable[..., Path],
) -> None:
    root = make_repo(
        {
            "mlops.yaml": MANIFEST,
            "train.py": picked.standing_in(TRAIN),  # main's model fitted ahead, just below
            "params.yaml": "features: [x1, x2, x3_old]\n",
            "data/train.csv": data(3000, 1),
            "data/test.csv": data(3000, 2),
            ".gitignore": "models/\n.mlgate/\n",
        }
    )
    picked.fit_ahead(TRAIN, root)
    main = git(root, "rev-parse", "--abbrev-ref", "HEAD")
    git(root, "checkout", "-q", "-b", "without-x3")
    (root / "params.yaml").write_text("features: [x1, x2]\n")
    (root / "train.py").write_text(TRAIN)  # the branch's model trained for real
    git(root, "commit", "-qam", "drop x3")
    assert mlgate("run", cwd=root).returncode == 0  # no baseline: only the model checks
    done = mlgate("compare", main, cwd=root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "failed: recall on each slice of region, age" in done.stdout
    assert "most clearly age = [65, 91]" in done.stdout

    run = json.loads(next((root / ".mlgate" / "runs").glob("*/run.json")).read_text())
    slices = run["compare"]["slices"]
    dropped = {s["value"] for s in slices if s["dropped"]}
    assert "[65, 91]" in dropped and not dropped & {
        "[18, 40)",
        "[40, 65)",
    }  # the young lost nothing
    assert {s["value"] for s in run["evaluate"]["slices"]} >= {"north", "[18, 40)"}
    (fair,) = run["compare"]["fairness"]
    test = pd.read_csv(root / "data" / "test.csv")
    mine = joblib.load(root / "models" / "model.joblib").predict(test.drop(columns=["repaid"]))
    assert fair["candidate"] == pytest.approx(
        demographic_parity_difference(
            test["repaid"] == "yes", mine == "yes", sensitive_features=test["region"]
        )
    )
    (model_check,) = [c for c in run["model"]["checks"] if c["id"].startswith("model.fairness")]
    assert model_check["observed"] == pytest.approx(fair["candidate"])

    # robustness, the baseline's measured on the same rows as the candidate's
    ours, theirs = run["evaluate"]["robustness"], run["compare"]["robustness"]
    assert [r["said"] for r in ours] == [r["said"] for r in theirs]
    assert ours[0]["changed"] == theirs[0]["changed"] == 0  # neither model reads region
    assert ours[1]["changed"] > 0 and theirs[1]["rows"] == 3000

    # permutation importance: the baseline leaned on x3_old, the candidate never saw it
    ours, theirs = run["evaluate"]["importance"], run["compare"]["importance"]
    leaned = {f["feature"]: f["mean"] for f in theirs["features"]}
    assert leaned["x3_old"] > 0.05 and leaned["region"] == 0.0
    assert {f["feature"]: f["mean"] for f in ours["features"]}["x3_old"] == 0.0

    # discovery scanned every column and found the loss on the old among the worst
    found = run["compare"]["discovered"]
    assert run["compare"]["discovery"] == "recall on the slices of 5 columns"
    assert found[0]["dropped"] and any(f["slicing"] in ("age", "x3_old") for f in found), found

    # both models timed together in the baseline's process, the candidate alone in its own
    together = {t["role"]: t for t in run["compare"]["latency"]}
    assert set(together) == {"candidate", "baseline"}
    assert [b["batch"] for b in together["baseline"]["batches"]] == [1, 500]
    assert (
        together["candidate"]["batches"][0]["calls"] == together["baseline"]["batches"][0]["calls"]
    )
    assert [t["role"] for t in run["evaluate"]["latency"]] == ["candidate"]

    markdown = mlgate("report", cwd=root).stdout
    assert "| | candidate | baseline |" in markdown
    assert "### Slices found by scanning every column" in markdown
    for section in ("### Robustness", "### Permutation importance", "### Latency and size"):
        assert section in markdown
    small = mlgate("report", "--limit", "4000", cwd=root).stdout
    assert len(small) <= 4000 and "Left out to stay within GitHub's size limit" in small
    assert "## ❌ loans: failed" in small
    assert "| disturbance | candidate | interval | baseline | interval |" in markdown
    assert "Moved most: x3_old (-" in markdown
    assert f"### ❌ recall on each slice: {len(dropped)} of 6 slices tested dropped" in markdown
    assert "### Fairness against the baseline" in markdown
    # calibration: both models binned on the paired rows, side by side
    assert [r["role"] for r in run["compare"]["reliability"]] == ["candidate", "baseline"]
    assert "| probability | rows | stated | observed | baseline rows |" in markdown
    junit = ET.fromstring(mlgate("report", "--format", "junit", cwd=root).stdout)
    failed = [
        case.get("name", "") for case in junit.iter("testcase") if case.find("failure") is not None
    ]
    assert "compare.slices.recall" in failed, failed  # a check is named by its id
