"""`mlgate check model` says which run wrote the model file it scores, and warns when that
run's commit is not the checked-out one (audit P, finding 6: on a branch after main's run,
`check model --baseline main` scored main's model, compared it with itself and printed
PASSED with +0.0000, naming no run or commit)."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pytest

from mlgate.cli import main
from tests.conftest import git
from tests.registry.conftest import make_project


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def test_the_model_files_run_and_commit_are_said_and_another_commits_is_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "repo")
    root, run = project.root, project.run
    trained_at = head(root)
    assert run.git.commit == trained_at and run.train.model is not None
    model = "models/model.joblib"

    # the commit its run trained: said, no warning
    assert main(["-C", str(root), "check", "model"]) == 0
    out, err = capsys.readouterr()
    assert (
        f"model: {model} was written by run {run.run_id} at commit {trained_at[:7]} (main), "
        "the checked-out commit"
    ) in out
    assert "warning" not in err

    # a branch's commit, main's model still on disk (its own run not made)
    git(root, "checkout", "-q", "-b", "pr-alpha")
    (root / "params.yaml").write_text("train:\n  C: 0.05\n")
    git(root, "commit", "-q", "-am", "C = 0.05")
    branch_head = head(root)
    assert main(["-C", str(root), "check", "model", "--baseline", "main"]) == 0
    out, err = capsys.readouterr()
    assert (
        f"mlgate: warning: {model} was written by run {run.run_id} at commit "
        f"{trained_at[:7]} (main), not at the checked-out commit {branch_head[:7]} "
        "(pr-alpha): that commit's model is scored as this one's; `mlgate run` trains the "
        "checked-out commit's\n"
    ) in err
    assert "PASSED" in out and "the checked-out commit" not in out
    assert main(["-C", str(root), "check", "model", "--json"]) == 0
    origin = json.loads(capsys.readouterr().out)["model_origin"]
    assert origin["run_id"] == run.run_id and origin["commit"] == trained_at
    assert origin["checked_out"] == branch_head and origin["same_commit"] is False

    # bytes no run wrote (the same model saved again, compressed): its origin is unknown
    path = root / model
    joblib.dump(joblib.load(path), path, compress=3)
    assert main(["-C", str(root), "check", "model"]) == 0
    out, err = capsys.readouterr()
    assert (
        f"mlgate: warning: no run of this project wrote {model} (none of the runs in "
        ".mlgate/runs records its sha256): the commit its model comes from is not known"
    ) in err
