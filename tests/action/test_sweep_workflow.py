"""The sweep workflow `mlgate init` writes, run whole by the harness on a real repository
as GitHub would run it for the `mlgate-sweep` label: the plan job's matrix expanded into
one job a configuration, each uploading its runs, and the collect job ranking them and
posting beside the pull request's own run; the ranking the local pool makes of the same
commit is the one the workflow reports."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlgate.result import runs
from tests.action import events
from tests.action.conftest import Repo, session_repo
from tests.conftest import git
from tests.harness.runner import JobResult

# the action, run by the workflow harness as GitHub runs it (docs/testing.md)
pytestmark = pytest.mark.e2e

WORKFLOW = "mlgate-sweep.yml"
# its winner, C=0.5 (main's own), passes the gates against main on the held-out rows; a
# grid whose winner drops f1 there fails the collect job, as it should
SWEEP = "sweep:\n  grid: {train.C: [0.5, 2.0]}\n"
NAME = "breast-cancer"  # the example's manifest's name
PULL = 7


def labeled(repo: Repo, label: str) -> dict[str, Any]:
    """A `pull_request` event for the label just put on the pull request: GitHub's payload
    then names it in a top-level `label`, and lists it among the pull request's labels."""
    payload = events.pull_request(
        number=PULL, head_sha=repo.head, base_sha=repo.base, action="labeled"
    )
    pr = payload["pull_request"]
    added = {
        **pr["labels"][0],
        "id": 4242,
        "node_id": "LA_mlgate",
        "url": f"https://api.github.com/repos/{events.REPOSITORY}/labels/{label}",
        "name": label,
        "default": False,
        "description": None,
    }
    assert not events.check_against_description(added, "label")
    pr["labels"].append(added)
    payload["label"] = added
    return payload


def with_a_sweep(repo: Repo) -> None:
    """The manifest's `sweep:`, committed on the pull request's branch."""
    manifest = repo.root / "mlops.yaml"
    manifest.write_text(manifest.read_text() + SWEEP)
    git(repo.root, "commit", "-q", "-am", "Sweep C")
    repo.head = git(repo.root, "rev-parse", "HEAD")


def mlgate(result: JobResult) -> dict[str, str]:
    """The action's outputs (its step is the one that `uses:` the mlgate action)."""
    step = next(s for s in result.steps if (s.uses or "").startswith("mlgate/mlgate@"))
    return step.outputs


@dataclass
class Swept:
    """The workflow's run for the label, and the local pool's sweep of the same commit."""

    repo: Repo
    results: dict[str, JobResult]
    comments: list[dict[str, Any]]
    check_runs: list[dict[str, Any]]
    pooled: dict[str, Any]  # `mlgate sweep --json`


@pytest.fixture(scope="module")
def swept(warm_state: Path, tmp_path_factory: pytest.TempPathFactory) -> Swept:
    """Four jobs (a plan, two configurations, the collect) and a local sweep: run once
    for the module's tests."""
    with session_repo(tmp_path_factory, warm_state) as repo:
        with_a_sweep(repo)
        results = repo.run_workflow(WORKFLOW, "pull_request", labeled(repo, "mlgate-sweep"))
        local = repo.root.parent / "local"
        git(repo.root.parent, "clone", "-q", "--branch", "feature", str(repo.root), str(local))
        done = subprocess.run(
            [sys.executable, "-m", "mlgate", "sweep", "-C", str(local), "--json", "--workers", "2"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr  # passed or failed, not an error
        return Swept(
            repo=repo,
            results=results,
            comments=repo.github.comments.get(PULL, []),
            check_runs=repo.github.check_runs,
            pooled=json.loads(done.stdout),
        )


def test_the_plan_makes_one_job_a_configuration_and_each_uploads_its_runs(
    swept: Swept,
) -> None:
    plan, run = swept.results["plan"], swept.results["run"]
    assert plan.conclusion == "success", plan.log[-3000:]
    include = json.loads(plan.outputs["matrix"])["include"]
    assert len(include) == 2 and len({entry["configurations"] for entry in include}) == 2
    assert [i.matrix for i in run.instances] == include
    assert [i.conclusion for i in run.instances] == ["success"] * 2, run.log[-3000:]
    assert run.conclusion == "success"
    assert [i.name for i in run.instances] == [
        f"Run configurations {entry['shard']}" for entry in include
    ]
    for index, (instance, entry) in enumerate(zip(run.instances, include, strict=True)):
        upload = next(s for s in instance.steps if (s.uses or "").startswith("actions/upload"))
        assert upload.outcome == "success"
        uploaded = swept.repo.artifact(run, f"mlgate-sweep-{index}")
        # the configuration's record (KEY.json, beside KEY.outcome.json), and its run
        (record,) = [p for p in uploaded.glob("*.json") if p.name.count(".") == 1]
        assert json.loads(record.read_text())["id"] == entry["configurations"]
        assert list(uploaded.glob("*/.mlgate/runs/*/run.json"))


def test_collect_posts_the_sweeps_comment_and_check_beside_the_pull_requests_own(
    swept: Swept,
) -> None:
    collect = swept.results["collect"]
    assert collect.conclusion == "success", collect.log[-3000:]
    assert mlgate(collect)["verdict"] == "passed"
    (comment,) = swept.comments  # the sweep's, and no other
    assert f"<!-- mlgate:sweep={NAME} -->" in comment["body"]
    assert "### Sweep: 2 configurations" in comment["body"]
    assert f"<!-- mlgate:model={NAME} -->" not in comment["body"]
    assert [c["name"] for c in swept.check_runs] == [f"mlgate / {NAME} sweep"]
    assert swept.check_runs[0]["head_sha"] == swept.repo.head


def test_the_workflow_ranks_as_the_local_pool_does(swept: Swept) -> None:
    collect = swept.results["collect"]
    gated = runs.read(swept.repo.root / Path(mlgate(collect)["report"]).with_name("run.json"))
    assert gated.sweep is not None
    ranked = [(c.id, c.figure) for c in gated.sweep.configurations]
    pooled = swept.pooled
    assert ranked == [(c["id"], c["figure"]) for c in pooled["configurations"]]
    assert all(figure is not None for _, figure in ranked)
    assert gated.sweep.winner == pooled["winner"]["id"] == ranked[0][0]
    assert gated.sweep.held_out == pooled["winner"]["held_out"]


def test_another_label_runs_no_job(repo: Repo) -> None:
    with_a_sweep(repo)
    results = repo.run_workflow(WORKFLOW, "pull_request", labeled(repo, "documentation"))
    assert {job: r.conclusion for job, r in results.items()} == {
        "plan": "skipped",
        "run": "skipped",
        "collect": "skipped",
    }
    assert all(r.steps == [] and r.instances == [] for r in results.values())
    assert repo.github.total_calls() == 0
