"""The workflows `mlgate init ml/churn` writes at the repository's top for a project in a
folder, run by the harness as GitHub would run them: the pull request's run works in the
folder and uploads its runs; a fork's run is handed over and the fork report posts it
from the download; the sweep's matrix uploads and its collect job finds the downloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.action import events
from tests.action.conftest import Repo, example_repo
from tests.action.test_sweep_workflow import SWEEP, labeled
from tests.conftest import git
from tests.harness.runner import JobResult

# the action, run by the workflow harness as GitHub runs it (docs/testing.md)
pytestmark = pytest.mark.e2e

NAME = "breast-cancer"  # the example's manifest's name


def mlgate(result: JobResult) -> dict[str, str]:
    step = next(s for s in result.steps if (s.uses or "").startswith("mlgate/mlgate@"))
    return step.outputs


def folder_repo(root: Path, github, state: Path) -> Repo:
    """Two projects in folders of one repository, on main; a branch that changes one. Their
    data and models are made ahead (`run_ahead`): these tests are about the folders."""
    return example_repo(
        root, github, state, folders={"ml/churn": None, "ml/fraud": "fraud"}, ahead=True
    )


def test_the_pull_request_and_the_fork_report_of_a_folders_project(
    tmp_path: Path, github, warm_state: Path
) -> None:
    """A fork's pull request: its run works in the folder and uploads from there (as any
    pull request's: the same job, without the token), and the fork report posts it."""
    repo = folder_repo(tmp_path / "repo", github, warm_state)
    fork = events.pull_request(number=8, head_sha=repo.head, base_sha=repo.base, fork=True)
    handed = repo.run("mlgate.ml-churn.yml", "pull_request", fork, run_id=9101)
    assert handed.conclusion == "success", handed.log[-3000:]
    assert mlgate(handed)["job"] == "fork-pull-request"
    assert mlgate(handed)["verdict"] == "passed"
    uploaded = repo.artifact(handed) / mlgate(handed)["run-id"]
    assert (uploaded / "run.json").is_file()
    # the report's path is relative to the working directory, and is there
    assert (repo.root / "ml/churn" / mlgate(handed)["report"]).is_file()
    handoff = uploaded / "handoff.json"
    assert json.loads(handoff.read_text())["manifest_path"] == "ml/churn/mlops.yaml"

    github.add_pull(fork["pull_request"])
    empty = tmp_path / "trusted-workspace"
    empty.mkdir()
    trusted = repo.run(
        "mlgate-fork-report.ml-churn.yml",
        "workflow_run",
        events.workflow_run(run_id=9101, head_sha=repo.head),
        job="report",
        workspace=empty,
    )
    assert trusted.conclusion == "success", trusted.log[-3000:]
    assert mlgate(trusted)["job"] == "fork-report" and mlgate(trusted)["verdict"] == "passed"
    (comment,) = github.comments[8]
    assert f"{NAME}: passed" in comment["body"]
    assert sorted(p.name for p in empty.iterdir()) == ["mlgate-run"]  # no checkout


def test_the_sweep_of_a_folders_project(tmp_path: Path, github, warm_state: Path) -> None:
    repo = folder_repo(tmp_path / "repo", github, warm_state)
    manifest = repo.root / "ml/churn/mlops.yaml"
    manifest.write_text(manifest.read_text() + SWEEP)
    git(repo.root, "commit", "-q", "-am", "Sweep C")
    repo.head = git(repo.root, "rev-parse", "HEAD")
    results = repo.run_workflow(
        "mlgate-sweep.ml-churn.yml", "pull_request", labeled(repo, "mlgate-sweep")
    )
    assert {job: r.conclusion for job, r in results.items()} == {
        "plan": "success",
        "run": "success",
        "collect": "success",
    }, results["collect"].log[-3000:]
    for index in range(2):
        uploaded = repo.artifact(results["run"], f"mlgate-sweep-{index}")
        assert list(uploaded.glob("*/.mlgate/runs/*/run.json"))
    assert mlgate(results["collect"])["verdict"] == "passed"
    assert (repo.root / "ml/churn/mlgate-sweep").is_dir()  # downloaded where it is read
    assert [c["name"] for c in github.check_runs] == [f"mlgate / {NAME} sweep"]
