"""The workflows `mlgate init` writes, run by the harness on a real repository against the
loopback GitHub, one trigger at a time: what a user's repository would see."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.action import events
from tests.action.conftest import Repo, session_repo
from tests.conftest import git
from tests.harness.runner import JobResult

# the action, run by the workflow harness as GitHub runs it (docs/testing.md)
pytestmark = pytest.mark.e2e


def mlgate(result: JobResult) -> dict[str, str]:
    """The action's outputs (its step is the one that `uses:` the mlgate action)."""
    step = next(s for s in result.steps if (s.uses or "").startswith("mlgate/mlgate@"))
    return step.outputs


def pull_request(repo: Repo, **kw) -> dict:
    return events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base, **kw)


def test_pull_request_posts_one_comment_and_a_check_and_passes(trained_repo: Repo) -> None:
    repo = trained_repo  # trains for real, as the user's job does
    result = repo.run("mlgate.yml", "pull_request", pull_request(repo))
    assert result.conclusion == "success", result.log[-3000:]
    out = mlgate(result)
    assert out["verdict"] == "passed" and out["job"] == "pull-request"
    assert (repo.root / out["report"]).is_file() and out["run-id"]
    run = json.loads(Path(repo.root, out["report"]).with_name("run.json").read_text())
    assert run["run_id"] == out["run-id"]
    (comment,) = repo.github.comments[7]
    assert "<!-- mlgate:model=breast-cancer -->" in comment["body"]
    assert f"Compared with **main @ {repo.base[:7]}**" in comment["body"]
    (check,) = repo.github.check_runs
    assert check["head_sha"] == repo.head and check["conclusion"] == "success"
    assert "## ✅ breast-cancer: passed" in result.summary
    assert "### mlgate: pull-request job" in result.summary
    assert (repo.artifact(result) / out["run-id"] / "run.json").is_file()


def test_a_second_push_updates_the_same_comment(repo: Repo) -> None:
    repo.run("mlgate.yml", "pull_request", pull_request(repo))
    second = repo.run("mlgate.yml", "pull_request", pull_request(repo))
    assert second.conclusion == "success"
    assert len(repo.github.comments[7]) == 1
    assert "comment: updated" in second.log or "comment: unchanged" in second.log


def test_a_failing_gate_fails_the_job_with_an_annotation_on_the_manifest(repo: Repo) -> None:
    manifest = repo.root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text().replace("{metric: f1, min: 0.9}", "{metric: f1, min: 0.999}")
    )
    git(repo.root, "commit", "-q", "-am", "an f1 no model reaches")
    repo.head = git(repo.root, "rev-parse", "HEAD")
    result = repo.run("mlgate.yml", "pull_request", pull_request(repo))
    assert result.conclusion == "failure"
    assert mlgate(result)["verdict"] == "failed"
    (check,) = repo.github.check_runs
    assert check["conclusion"] == "failure"
    errors = [a for a in result.annotations if a.properties.get("file") == "mlops.yaml"]
    assert errors and errors[0].properties["line"] == str(
        manifest.read_text().splitlines().index("  - {metric: f1, min: 0.999}") + 1
    )
    # the artifact is kept for a failed gate too
    assert (repo.artifact(result) / mlgate(result)["run-id"] / "report.md").is_file()


@dataclass
class ForkRun:
    """A fork's pull request job, run once for the trusted workflow's tests."""

    head: str
    payload: dict
    run_id: int
    result: JobResult
    calls: int  # what the job asked of GitHub
    handoff: Path  # in its artifact, in the harness state

    def copied_as(self, run_id: int) -> Path:
        """The hand-over in a copy of the run's artifacts under `run_id`, for a test that
        changes it."""
        run = self.handoff.parents[2]  # artifacts/<run id>/mlgate-run/<mlgate run>/
        copy = run.with_name(str(run_id))
        shutil.copytree(run, copy)
        return copy / self.handoff.relative_to(run)


@pytest.fixture(scope="module")
def fork_run(warm_state: Path, tmp_path_factory: pytest.TempPathFactory) -> ForkRun:
    """The untrusted job trains and compares like any pull request's (seconds); what the
    trusted workflow does with its artifact is each test's own."""
    with session_repo(tmp_path_factory, warm_state, ahead=True) as repo:
        payload = pull_request(repo, fork=True)
        result = repo.run("mlgate.yml", "pull_request", payload, run_id=9001)
        calls = repo.github.total_calls()
    assert result.conclusion == "success", result.log[-3000:]
    handoff = repo.artifact(result) / mlgate(result)["run-id"] / "handoff.json"
    return ForkRun(repo.head, payload, 9001, result, calls, handoff)


def test_a_fork_hands_over_and_the_trusted_workflow_posts_it(
    repo: Repo, fork_run: ForkRun, tmp_path: Path
) -> None:
    assert repo.head == fork_run.head
    assert mlgate(fork_run.result)["job"] == "fork-pull-request"
    assert fork_run.calls == 0  # the fork's job calls nothing: no comment, no check
    handoff = fork_run.handoff
    assert json.loads(handoff.read_text())["head_sha"] == repo.head

    repo.github.add_pull(fork_run.payload["pull_request"])
    empty = tmp_path / "trusted-workspace"
    empty.mkdir()
    trusted = repo.run(
        "mlgate-fork-report.yml",
        "workflow_run",
        events.workflow_run(run_id=fork_run.run_id, head_sha=repo.head),
        job="report",
        workspace=empty,
    )
    assert trusted.conclusion == "success", trusted.log[-3000:]
    assert mlgate(trusted)["job"] == "fork-report"
    assert mlgate(trusted)["verdict"] == "passed"
    (comment,) = repo.github.comments[7]
    assert "breast-cancer: passed" in comment["body"]
    (check,) = repo.github.check_runs
    assert check["head_sha"] == repo.head
    assert sorted(p.name for p in empty.iterdir()) == ["mlgate-run"]  # no checkout


def test_the_trusted_workflow_refuses_a_handoff_for_another_commit(
    repo: Repo, fork_run: ForkRun, tmp_path: Path
) -> None:
    assert repo.head == fork_run.head
    handoff = fork_run.copied_as(9002)
    forged = json.loads(handoff.read_text()) | {"head_sha": repo.base}  # the fork's code wrote it
    handoff.write_text(json.dumps(forged))
    repo.github.add_pull(fork_run.payload["pull_request"])
    (tmp_path / "w").mkdir()
    trusted = repo.run(
        "mlgate-fork-report.yml",
        "workflow_run",
        events.workflow_run(run_id=9002, head_sha=repo.head),
        job="report",
        workspace=tmp_path / "w",
    )
    assert trusted.conclusion == "failure"
    assert repo.github.comments == {} and repo.github.check_runs == []
    assert "mlgate stopped" in trusted.summary and "not posted" in trusted.summary


def test_the_trusted_workflow_posts_nothing_for_a_pull_request_that_moved_on(
    repo: Repo, fork_run: ForkRun, tmp_path: Path
) -> None:
    assert repo.head == fork_run.head
    moved = json.loads(json.dumps(fork_run.payload["pull_request"]))
    moved["head"]["sha"] = "f" * 40
    repo.github.add_pull(moved)
    (tmp_path / "w").mkdir()
    trusted = repo.run(
        "mlgate-fork-report.yml",
        "workflow_run",
        events.workflow_run(run_id=fork_run.run_id, head_sha=repo.head),
        job="report",
        workspace=tmp_path / "w",
    )
    assert trusted.conclusion == "success"
    assert repo.github.comments == {}
    assert "has moved on to ffffffffffff" in trusted.summary
    # skipped quietly: no verdict of a report not posted (a stale run that had failed
    # made the step fail, verdict `failed`)
    assert mlgate(trusted).get("verdict", "") == ""


def test_merge_registers_and_promotes_to_the_environments_promoted_on_merge(
    trained_repo: Repo,
) -> None:
    repo = trained_repo  # trains for real, as the user's job does
    git(repo.root, "checkout", "-q", "main")
    git(repo.root, "merge", "-q", "--no-ff", "-m", "Merge #7", "feature")
    merged = git(repo.root, "rev-parse", "HEAD")
    result = repo.run(
        "mlgate-merge.yml",
        "push",
        events.push(ref="refs/heads/main", before=repo.base, after=merged),
    )
    assert result.conclusion == "success", result.log[-3000:]
    out = mlgate(result)
    assert out["job"] == "merge" and out["verdict"] == "passed" and out["version"] == "v0.1.0"
    assert f"Compared with **{repo.base[:12]}**" in result.summary  # the commit before
    assert "registered v0.1.0" in result.summary
    # the summary's text is inert Markdown: '#' escaped, and a word joiner so that GitHub
    # links no issue; a reader sees the tag itself
    seen = result.summary.replace("\\#\u2060", "#")
    assert "staging: empty -&gt; v0.1.0 (breast-cancer#staging#1)" in seen
    tags = git(repo.root, "tag", "--list", "--points-at", merged).split()
    assert sorted(tags) == ["breast-cancer#staging#1", "breast-cancer@v0.1.0"]
    assert repo.github.total_calls() == 0  # a push posts nothing


def test_dispatch_retrains_promotes_and_rolls_back_through_an_environment(
    trained_repo: Repo,
) -> None:
    repo = trained_repo  # trains for real, as the user's job does
    git(repo.root, "checkout", "-q", "main")
    retrain = repo.run(
        "mlgate-dispatch.yml",
        "workflow_dispatch",
        events.workflow_dispatch({"action": "retrain", "environment": "staging", "version": ""}),
    )
    assert retrain.conclusion == "success", retrain.log[-3000:]
    assert mlgate(retrain)["verdict"] == "passed" and mlgate(retrain)["version"] == "v0.1.0"
    assert retrain.environment == "staging"  # the environment's reviewers apply
    promote = repo.run(
        "mlgate-dispatch.yml",
        "workflow_dispatch",
        events.workflow_dispatch(
            {"action": "promote", "environment": "production", "version": "v0.1.0"}
        ),
    )
    assert promote.conclusion == "success", promote.log[-3000:]
    assert "production: empty -&gt; v0.1.0" in promote.summary
    rollback = repo.run(
        "mlgate-dispatch.yml",
        "workflow_dispatch",
        events.workflow_dispatch(
            {"action": "rollback", "environment": "production", "version": ""}
        ),
    )
    assert rollback.conclusion == "failure"  # nothing to go back to
    assert "no earlier version to roll back to: production holds v0.1.0" in rollback.summary
    assert any(
        "no earlier version" in a.message for a in rollback.annotations if a.level == "error"
    )


def test_schedule_monitors(repo: Repo) -> None:
    git(repo.root, "checkout", "-q", "main")
    result = repo.run("mlgate-monitor.yml", "schedule", events.schedule())
    assert result.conclusion == "success", result.log[-3000:]
    assert mlgate(result)["job"] == "monitor" and mlgate(result)["verdict"] == "passed"
    # the run says what it is, in the report's verdict
    assert "> scheduled run: the manifest names no production data (monitor.data)" in result.summary


def test_nothing_to_do_for_a_closed_pull_request(repo: Repo) -> None:
    result = repo.run("mlgate.yml", "pull_request", pull_request(repo, action="closed"))
    assert result.conclusion == "success"
    assert mlgate(result) == {
        "job": "nothing",
        "verdict": "",
        "report": "",
        "run-id": "",
        "version": "",
        "matrix": "",  # a sweep's plan only
    }
    assert "pull request closed: nothing a model depends on changed" in result.summary
