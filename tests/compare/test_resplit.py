"""A re-split baseline: the base model trained on rows the candidate tests on.

The project splits one data file in `prepare.py` with a seed; a branch that changes only
the seed puts many of its test rows into the base model's training data. The comparison
must score both sides only on test rows neither model was trained on, say how many it
left out and why, and fall back to "different data" when too few remain. The same holds
for a baseline from a file and from a registry stage. Expected figures are recomputed
here with scikit-learn, independently of mlgate.

The first test trains both sides for real. In the others, each commit's training is still a
process, but copies the model its train.py fitted ahead in this process on exactly the rows
that commit's prepare.py writes (`tests/compare/picked.py`'s `fit_ahead`: the same fit,
without a process importing pandas and scikit-learn for each side); the splits are still
prepared for real at each commit.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate import manifest as manifests
from mlgate import pipeline, promotion
from mlgate.registry import operations
from mlgate.report import markdown, text
from mlgate.result import document
from tests.compare import picked
from tests.conftest import git

pytestmark = pytest.mark.e2e  # each test runs both sides, on two splits

PREPARE = """\
import pandas as pd
SEED = {seed}
frame = pd.read_csv("data/all.csv")
test = frame.sample(frac={test_size}, random_state=SEED)
train = frame.drop(test.index)
train.to_csv("data/train.csv", index=False)
test.to_csv("data/test.csv", index=False)
"""

TRAIN = """\
import os, joblib, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
model.fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""
TRAIN_C = TRAIN.replace("max_iter=2000", "max_iter=2000, C=0.5")  # a branch's

MANIFEST = """\
name: cancer
data:
  prepare: python prepare.py
  train: data/train.csv
  test: data/test.csv
  target: target
train:
  command: python train.py
  timeout: 2m
evaluate:
  task: classification
  metrics: [accuracy, log_loss]
compare:
  baseline: {baseline}
  gates:
    accuracy: {{min_change: -0.05}}
    log_loss: {{max_change: 0.5}}
environments:
  production: {{}}
"""


def dataset(name: str) -> pd.DataFrame:
    from sklearn import datasets

    loaded = getattr(datasets, f"load_{name}")(as_frame=True).frame
    loaded.columns = [f"x{i}" for i in range(loaded.shape[1] - 1)] + ["target"]
    return loaded


def split(frame: pd.DataFrame, seed: int, test_size: float) -> tuple[pd.DataFrame, ...]:
    """`PREPARE`'s split (pandas only: importing scikit-learn would double the script's time)."""
    test = frame.sample(frac=test_size, random_state=seed)
    return frame.drop(test.index), test


def project(
    make_repo: Callable[..., Path],
    *,
    data: str = "breast_cancer",
    test_size: float = 0.4,
    baseline: str = "main",
    ahead: bool = True,
) -> Path:
    """The project committed on its first branch. `ahead`: its train.py copies the model
    fitted ahead (`picked.fit_ahead`) on the rows of the commit run (`run`), this one's
    fitted now, for a baseline's run at it."""
    files = {
        "mlops.yaml": MANIFEST.format(baseline=baseline),
        "prepare.py": PREPARE.format(seed=0, test_size=test_size),
        "train.py": picked.standing_in(TRAIN) if ahead else TRAIN,
        "data/all.csv": dataset(data).to_csv(index=False),
        ".gitignore": "models/\ndata/train.csv\ndata/test.csv\n",
    }
    root = make_repo(files)
    if ahead:
        picked.fit_ahead(TRAIN, root)
    return root


def train_c(root: Path) -> None:
    """A branch whose training sets C (`TRAIN_C`), on the same split."""
    git(root, "checkout", "-q", "-b", "same")
    fitted = (root / "train.py").read_text().startswith(picked.FITTED_MARK)
    (root / "train.py").write_text(picked.standing_in(TRAIN_C) if fitted else TRAIN_C)
    git(root, "commit", "-qam", "C")


def resplit(root: Path, seed: int, test_size: float = 0.4) -> None:
    git(root, "checkout", "-q", "-b", "resplit")
    (root / "prepare.py").write_text(PREPARE.format(seed=seed, test_size=test_size))
    git(root, "commit", "-qam", "another split seed")


def fitted(train: pd.DataFrame):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return model.fit(train.drop(columns=["target"]), train["target"])


def keys(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(row) for row in frame.itertuples(index=False)]


def unseen(test: pd.DataFrame, *trained: pd.DataFrame) -> pd.DataFrame:
    seen = {k for frame in trained for k in keys(frame)}
    return test[[k not in seen for k in keys(test)]]


def run(root: Path, **compare_with: str):
    script = (root / "train.py").read_text()
    for train in (TRAIN, TRAIN_C):  # the model for this commit's rows, if it copies one
        if script == picked.standing_in(train):
            picked.fit_ahead(train, root)
    loaded = manifests.load(root / "mlops.yaml")
    return pipeline.run(loaded, compare=not compare_with.get("no_compare"))


def figures(model, rows: pd.DataFrame) -> tuple[float, float]:
    X, y = rows.drop(columns=["target"]), rows["target"]
    return accuracy_score(y, model.predict(X)), log_loss(
        y, model.predict_proba(X), labels=model.classes_
    )


def report_of(result) -> str:
    return markdown.render(result)


def test_a_git_baseline_is_scored_only_on_rows_neither_model_trained_on(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, ahead=False)  # both sides trained for real
    resplit(root, seed=1)
    result = run(root)
    frame = dataset("breast_cancer")
    base_train, _ = split(frame, 0, 0.4)
    ours_train, ours_test = split(frame, 1, 0.4)
    clean = unseen(ours_test, base_train, ours_train)
    inside = len(ours_test) - len(unseen(ours_test, base_train))
    assert 30 <= len(clean) < len(ours_test) and inside > 0

    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert b.source == "scored on the candidate's test rows"
    assert (b.paired_rows, b.candidate_rows) == (len(clean), len(ours_test))
    assert b.rows_in_baseline_training == inside
    assert b.rows_not_scored_by_baseline == 0 and b.training_rows_unknown == ()
    assert b.same_data is False
    # both sides' figures are the models' own on the clean rows, not the inflated ones
    base_acc, base_loss = figures(fitted(base_train), clean)
    ours_acc, ours_loss = figures(fitted(ours_train), clean)
    gate = {g.metric: g for g in compared.gates}
    assert gate["accuracy"].baseline == pytest.approx(base_acc, abs=1e-12)
    assert gate["accuracy"].candidate == pytest.approx(ours_acc, abs=1e-12)
    assert gate["log_loss"].baseline == pytest.approx(base_loss, rel=1e-4)
    assert gate["log_loss"].candidate == pytest.approx(ours_loss, rel=1e-4)
    inflated, _ = figures(fitted(base_train), ours_test)
    assert inflated != pytest.approx(base_acc)  # what the old comparison would have shown
    sig = gate["accuracy"].significance
    assert sig is not None and sig.rows == len(clean)
    assert sig.delta == pytest.approx(ours_acc - base_acc)
    changed = {m.metric: m for m in compared.metrics}
    assert changed["accuracy"].baseline == pytest.approx(base_acc, abs=1e-12)

    report = report_of(result)
    assert "exactly the same rows" not in report and "on the same test rows" not in report
    assert f"{len(clean)} of the candidate's {len(ours_test)} test rows" in report
    assert f"{inside} left out: {inside} in the baseline's training data" in report
    assert "left out" in text.render(result)
    saved = json.loads((root / ".mlgate" / "runs" / result.run_id / "run.json").read_text())
    jsonschema.Draft202012Validator(document.schema()).validate(saved)


def test_too_few_unseen_rows_fall_back_to_different_data(make_repo: Callable[..., Path]) -> None:
    root = project(make_repo, data="iris", test_size=0.2)
    resplit(root, seed=1, test_size=0.2)
    result = run(root)
    frame = dataset("iris")
    base_train, base_test = split(frame, 0, 0.2)
    _, ours_test = split(frame, 1, 0.2)
    clean = unseen(ours_test, base_train)
    assert len(clean) < 30

    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert b.same_data is False and b.paired_rows == 0
    assert b.rows_in_baseline_training == len(ours_test) - len(clean)
    gate = {g.metric: g for g in compared.gates}
    # the baseline's own figures on its own test rows, said to be on different data
    own_acc, _ = figures(fitted(base_train), base_test)
    assert gate["accuracy"].baseline == pytest.approx(own_acc, abs=1e-12)
    assert gate["accuracy"].significance is None
    report = report_of(result)
    assert "measured on different data" in report
    assert "too few" in report and "exactly the same rows" not in report


def test_the_same_split_still_compares_on_the_same_rows(make_repo: Callable[..., Path]) -> None:
    root = project(make_repo, data="iris", test_size=0.2)
    train_c(root)
    result = run(root)
    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert b.same_data is True and b.paired_rows == b.candidate_rows == 30
    assert b.rows_in_baseline_training == b.rows_in_candidate_training == 0
    assert "both sides were scored on the same 30 test rows" in report_of(result)


def stored_base_run(root: Path) -> Path:
    """The base commit's own run, kept as a file the branch can name."""
    result = run(root, no_compare="1")
    kept = root / "baseline-run.json"
    shutil.copy(root / ".mlgate" / "runs" / result.run_id / "run.json", kept)
    return kept


def name_file_baseline(root: Path) -> None:
    manifest = root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text().replace("baseline: none", "baseline: {file: baseline-run.json}")
    )
    git(root, "add", "mlops.yaml", "baseline-run.json")
    git(root, "commit", "-qm", "the base run, kept")


def test_a_file_baseline_pairs_only_rows_both_tested_and_neither_trained_on(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, baseline="none")
    stored_base_run(root)
    name_file_baseline(root)
    resplit(root, seed=1)
    result = run(root)
    frame = dataset("breast_cancer")
    base_train, base_test = split(frame, 0, 0.4)
    ours_train, ours_test = split(frame, 1, 0.4)
    both = ours_test[[k in set(keys(base_test)) for k in keys(ours_test)]]
    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert b.kind == "file" and b.paired_rows == len(both) >= 30
    assert b.rows_not_scored_by_baseline == len(ours_test) - len(both)
    base_acc, _ = figures(fitted(base_train), both)
    gate = {g.metric: g for g in compared.gates}
    assert gate["accuracy"].baseline == pytest.approx(base_acc, abs=1e-12)
    assert gate["accuracy"].candidate == pytest.approx(
        figures(fitted(ours_train), both)[0], abs=1e-12
    )
    report = report_of(result)
    assert "not among the rows the baseline was scored on" in report
    assert "exactly the same rows" not in report


def test_a_run_without_training_rows_is_not_called_the_same_data(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, data="iris", test_size=0.2, baseline="none")
    kept = stored_base_run(root)
    old = json.loads(kept.read_text())
    del old["evaluate"]["train_rows"]  # as a run.json from before mlgate kept them
    kept.write_text(json.dumps(old))
    name_file_baseline(root)
    train_c(root)
    result = run(root)
    compared = result.compare
    assert compared is not None
    assert compared.baseline.training_rows_unknown == ("baseline",)
    assert compared.baseline.same_data is not True
    report = report_of(result)
    assert "the baseline's training rows are unknown" in report.lower()
    assert "same test rows" not in report


def test_a_registry_stage_is_a_baseline_scored_on_the_candidates_unseen_rows(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, baseline="{stage: production}")
    loaded = manifests.load(root / "mlops.yaml")
    base = pipeline.run(loaded, compare=False)
    where = operations.Where.of(loaded)
    version = operations.register(where, loaded, base).version
    promotion.promote(where, loaded, version, "production")
    resplit(root, seed=1)
    (root / "models" / "model.joblib").unlink()  # only the registry's copy is left
    result = run(root)
    frame = dataset("breast_cancer")
    base_train, _ = split(frame, 0, 0.4)
    ours_train, ours_test = split(frame, 1, 0.4)
    clean = unseen(ours_test, base_train, ours_train)
    compared = result.compare
    assert compared is not None
    b = compared.baseline
    assert (b.kind, b.ref) == ("stage", "production")
    assert version in b.name and b.commit == base.git.commit
    assert b.source == "scored on the candidate's test rows"
    assert b.paired_rows == len(clean) and b.rows_in_baseline_training > 0
    gate = {g.metric: g for g in compared.gates}
    assert gate["accuracy"].baseline == pytest.approx(
        figures(fitted(base_train), clean)[0], abs=1e-12
    )
    assert np.isfinite(gate["log_loss"].significance.p_value)  # type: ignore[union-attr]


def test_a_registry_stage_that_holds_nothing_is_the_first_model(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, data="iris", test_size=0.2, baseline="{stage: production}")
    compared = run(root).compare
    assert compared is not None and compared.baseline.kind == "none"
    assert "production holds no version of cancer yet" in compared.baseline.message


def test_a_candidate_with_a_new_column_still_leaves_out_the_baselines_training_rows(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo)
    resplit(root, seed=1)
    (root / "prepare.py").write_text(
        PREPARE.format(seed=1, test_size=0.4).replace(
            "test =", "frame['extra'] = frame['x0'] * 2\ntest ="
        )
    )
    git(root, "commit", "-qam", "a new feature column")
    result = run(root)
    frame = dataset("breast_cancer")
    base_train, _ = split(frame, 0, 0.4)
    ours_train, ours_test = split(frame, 1, 0.4)  # the same rows, before the new column
    clean = unseen(ours_test, base_train, ours_train)
    compared = result.compare
    assert compared is not None
    b = compared.baseline
    # the baseline's training rows are found in its own columns, not the candidate's
    assert b.rows_in_baseline_training == len(ours_test) - len(unseen(ours_test, base_train))
    assert b.paired_rows == len(clean)
    gate = {g.metric: g for g in compared.gates}
    assert gate["accuracy"].baseline == pytest.approx(
        figures(fitted(base_train), clean)[0], abs=1e-12
    )


def test_whole_numbers_written_without_their_point_still_find_the_baselines_rows(
    make_repo: Callable[..., Path],
) -> None:
    """A branch that writes wine's whole-number columns as 115 where main wrote 115.0, and
    re-splits: the baseline's training rows were hashed in its own file's types, none of
    the candidate's matched, and the report said "the same 54 rows, which neither model
    was trained on", 39 of them in the baseline's training data."""
    root = project(make_repo, data="wine", test_size=0.3)
    git(root, "checkout", "-q", "-b", "whole")
    whole = PREPARE.format(seed=3, test_size=0.3).replace(
        'frame = pd.read_csv("data/all.csv")\n',
        'frame = pd.read_csv("data/all.csv")\n'
        "for c in frame.columns:\n"
        "    if (frame[c] % 1 == 0).all():\n"
        "        frame[c] = frame[c].astype(int)\n",
    )
    (root / "prepare.py").write_text(whole)
    git(root, "commit", "-qam", "whole numbers as integers, another split")
    result = run(root)
    assert "115.0" not in (root / "data" / "test.csv").read_text()  # as the branch writes it
    frame = dataset("wine")
    base_train, _ = split(frame, 0, 0.3)
    _, ours_test = split(frame, 3, 0.3)
    inside = len(ours_test) - len(unseen(ours_test, base_train))
    assert inside > len(ours_test) // 2
    compared = result.compare
    assert compared is not None
    assert compared.baseline.rows_in_baseline_training == inside
    assert compared.baseline.same_data is False
