"""A dispatched promote, rollback or retrain is the default branch's (audit V, finding 2):
dispatched "from branch evil" (Actions -> mlgate dispatch -> Run workflow -> Use workflow
from), the job checks out that branch, and mlgate promoted under the branch's mlops.yaml:
`production: {requires: staging}` dropped, and the branch's deploy command run with the
environment's secrets, into the registry the default branch shares. The reviewers had
approved "promote v0.1.0 to production", and the record did not say which ref decided."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.ci import plan
from mlgate.errors import UserError
from tests.action import events
from tests.ci.test_plan import ctx_for
from tests.conftest import git
from tests.registry.conftest import make_project

PROMOTE = {"action": "promote", "version": "v0.1.0", "environment": "production"}
ROLLBACK = {"action": "rollback", "environment": "production"}
RETRAIN = {"action": "retrain", "environment": "staging"}


@pytest.mark.parametrize("inputs", [PROMOTE, ROLLBACK, RETRAIN, {}], ids=lambda i: str(i))
@pytest.mark.parametrize("ref", ["refs/heads/evil", "refs/tags/v9.9.9"])
def test_a_dispatch_from_another_ref_than_the_default_branch_is_refused(
    tmp_path: Path, inputs: dict[str, str], ref: str
) -> None:
    payload = events.workflow_dispatch(inputs, ref=ref)
    with pytest.raises(UserError) as refused:
        plan(ctx_for(tmp_path, "workflow_dispatch", payload))
    action = inputs.get("action", "run")
    said, hint = refused.value.message, refused.value.hint or ""
    assert said.startswith(f"{action} was dispatched from {ref}, not from the default branch main")
    assert "that ref's mlops.yaml" in said
    assert hint.startswith("dispatch it from main (Actions -> mlgate dispatch -> Run workflow")
    assert refused.value.exit_code == 2


def test_a_dispatch_whose_event_names_no_default_branch_is_refused(tmp_path: Path) -> None:
    payload = events.workflow_dispatch(PROMOTE)
    del payload["repository"]
    with pytest.raises(UserError, match="names no default branch"):
        plan(ctx_for(tmp_path, "workflow_dispatch", payload))


def test_a_dispatch_from_the_default_branch_says_which_ref_and_commit_decided(
    tmp_path: Path,
) -> None:
    payload = events.workflow_dispatch(PROMOTE)
    chosen = plan(ctx_for(tmp_path, "workflow_dispatch", payload))
    assert chosen.steps == ("promote",)
    assert chosen.reason.startswith("workflow_dispatch: promote v0.1.0 to production, from main")


def _ci(
    root: Path, tmp_path: Path, ref: str, inputs: dict[str, str]
) -> subprocess.CompletedProcess:
    """`mlgate ci` as the dispatch workflow's step runs it: an Actions runner's variables,
    GitHub's own workflow_dispatch payload, no token (nothing is posted)."""
    event = events.write(tmp_path / "event.json", events.workflow_dispatch(inputs, ref=ref))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MLGATE_GITHUB"))}
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="workflow_dispatch",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_REF=ref,
        GITHUB_SHA=git(root, "rev-parse", "HEAD"),
        GITHUB_REPOSITORY=events.REPOSITORY,
        GITHUB_ACTOR="approver",
        GITHUB_API_URL="http://127.0.0.1:9",
        GITHUB_SERVER_URL="http://127.0.0.1:9",
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(tmp_path / "output.txt"),
    )
    return subprocess.run(
        [sys.executable, "-m", "mlgate", "-C", str(root), "ci"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_audits_promotion_from_a_branch_that_dropped_requires_is_refused(
    tmp_path: Path,
) -> None:
    from mlgate.registry import operations

    environments = "environments:\n  staging: {}\n  production: {requires: staging}\n"
    project = make_project(tmp_path / "repo", environments=environments)
    root = project.root
    operations.register(project.where(), project.manifest, project.run)
    deployed = tmp_path / "evil-deployed"
    git(root, "checkout", "-q", "-b", "evil")
    manifest = root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "  production: {requires: staging}\n",
            f"  production: {{deploy: {{command: 'echo EVIL $MLGATE_VERSION > {deployed}'}}}}\n",
        )
    )
    git(root, "commit", "-q", "-am", "wip")
    done = _ci(root, tmp_path, "refs/heads/evil", PROMOTE)
    assert done.returncode == 2, done.stderr
    assert (
        "mlgate: error: promote was dispatched from refs/heads/evil, not from the default "
        "branch main" in done.stderr
    )
    assert not deployed.exists()
    assert git(root, "tag", "--list", "*#production#*") == ""  # production holds nothing
    # from main, the default branch's manifest decides: production requires staging
    git(root, "checkout", "-q", "main")
    done = _ci(root, tmp_path, "refs/heads/main", PROMOTE)
    assert done.returncode == 2
    assert "v0.1.0 has not been in staging, which production requires" in done.stderr
    assert not deployed.exists()
