"""Which job each event asks for, read from GitHub's real payloads: the pure half of
`mlgate ci`, every trigger and every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.ci import COMMANDS, plan
from mlgate.errors import UserError
from mlgate.github import context
from tests.action import events
from tests.conftest import FIXTURES

BASE, HEAD = "b" * 40, "h" * 40


def ctx_for(tmp_path: Path, name: str, payload: dict) -> context.ActionsContext:
    path = events.write(tmp_path / f"{name}.json", payload)
    loaded = context.load(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": name,
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": events.REPOSITORY,
            "GITHUB_REF": payload.get("ref", ""),
        }
    )
    assert loaded is not None
    return loaded


def test_a_pull_request_runs_and_posts(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path, "pull_request", events.pull_request(number=3, head_sha=HEAD, base_sha=BASE)
    )
    chosen = plan(ctx)
    assert (chosen.job, chosen.steps, chosen.handoff) == ("pull-request", ("run",), False)
    assert chosen.reason == "#3 into main"


def test_a_forks_pull_request_runs_with_its_settings_and_hands_over(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path,
        "pull_request",
        events.pull_request(number=3, head_sha=HEAD, base_sha=BASE, fork=True),
    )
    chosen = plan(ctx)
    assert (chosen.job, chosen.handoff, chosen.fork_settings) == ("fork-pull-request", True, True)


@pytest.mark.parametrize("action", ["closed", "labeled", "unlabeled", "assigned"])
def test_pull_request_activity_that_changes_no_code_does_nothing(
    tmp_path: Path, action: str
) -> None:
    ctx = ctx_for(
        tmp_path,
        "pull_request",
        events.pull_request(number=3, head_sha=HEAD, base_sha=BASE, action=action),
    )
    assert plan(ctx).steps == ()


@pytest.mark.parametrize("command", COMMANDS)
def test_pull_request_target_is_refused_whatever_the_command(tmp_path: Path, command: str) -> None:
    """`command: run` (or sweep, retrain, ...) went ahead on it, with the base repository's
    secrets, training the pull request's code without the fork settings."""
    ctx = ctx_for(
        tmp_path, "pull_request_target", events.pull_request(number=3, head_sha=HEAD, base_sha=BASE)
    )
    with pytest.raises(UserError, match="does not run on pull_request_target") as error:
        plan(ctx, command)
    assert "workflow_run" in error.value.hint


def test_a_push_to_the_default_branch_registers_and_compares_with_before(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, "push", events.push(ref="refs/heads/main", before=BASE, after=HEAD))
    chosen = plan(ctx)
    assert (chosen.job, chosen.steps, chosen.baseline) == (
        "merge",
        ("run", "register", "promote"),
        BASE,
    )


def test_a_push_elsewhere_only_runs_and_a_new_branch_has_no_baseline(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, "push", events.push(ref="refs/heads/wip", before="0" * 40, after=HEAD))
    chosen = plan(ctx)
    assert (chosen.job, chosen.steps, chosen.baseline) == ("branch", ("run",), None)


def test_the_fixtures_tag_deletion_does_nothing(tmp_path: Path) -> None:
    """The real push fixture deletes a tag."""
    import json

    payload = json.loads((FIXTURES / "github/events/push.json").read_text())
    chosen = plan(ctx_for(tmp_path, "push", payload))
    assert chosen.steps == () and "deletion" in chosen.reason


@pytest.mark.parametrize(
    ("inputs", "steps"),
    [
        ({"action": "retrain", "environment": "staging"}, ("run", "register", "promote")),
        ({"action": "promote", "version": "1.2.0", "environment": "production"}, ("promote",)),
        ({"action": "rollback", "environment": "production"}, ("rollback",)),
        ({}, ("run", "register", "promote")),
    ],
)
def test_a_dispatch_does_what_its_inputs_say(tmp_path: Path, inputs: dict, steps: tuple) -> None:
    chosen = plan(ctx_for(tmp_path, "workflow_dispatch", events.workflow_dispatch(inputs)))
    assert chosen.steps == steps
    if steps[0] != "run":  # retraining is not to an environment
        assert chosen.environment == inputs.get("environment")


@pytest.mark.parametrize(
    ("inputs", "said"),
    [
        ({"action": "promote", "environment": "production"}, "promote needs a version"),
        ({"action": "rollback"}, "rollback needs an environment"),
        ({"action": "deploy-everything"}, "unknown dispatch action 'deploy-everything'"),
    ],
)
def test_a_dispatch_missing_an_input_is_refused(tmp_path: Path, inputs: dict, said: str) -> None:
    with pytest.raises(UserError, match=said):
        plan(ctx_for(tmp_path, "workflow_dispatch", events.workflow_dispatch(inputs)))


def test_a_repository_dispatch_reads_its_client_payload(tmp_path: Path) -> None:
    import json

    payload = json.loads((FIXTURES / "github/events/repository_dispatch.json").read_text())
    payload.update(action="mlgate-rollback", client_payload={"environment": "staging"})
    chosen = plan(ctx_for(tmp_path, "repository_dispatch", payload))
    assert (chosen.steps, chosen.environment) == (("rollback",), "staging")


def test_a_schedule_monitors(tmp_path: Path) -> None:
    chosen = plan(ctx_for(tmp_path, "schedule", events.schedule("0 3 * * 1")))
    assert (chosen.job, chosen.steps, chosen.reason) == (
        "monitor",
        ("monitor",),
        "scheduled run (0 3 * * 1)",
    )


@pytest.mark.parametrize(
    ("event", "conclusion", "steps"),
    [
        ("pull_request", "success", ("post-handoff",)),
        ("pull_request", "failure", ("post-handoff",)),  # a failed gate is still a report
        ("pull_request", "cancelled", ()),
        ("push", "success", ()),
    ],
)
def test_workflow_run_posts_only_a_finished_pull_request_run(
    tmp_path: Path, event: str, conclusion: str, steps: tuple
) -> None:
    payload = events.workflow_run(run_id=5, head_sha=HEAD, event=event, conclusion=conclusion)
    assert plan(ctx_for(tmp_path, "workflow_run", payload)).steps == steps


def test_an_unhandled_event_and_an_unknown_command_name_what_is_handled(tmp_path: Path) -> None:
    import json

    payload = json.loads((FIXTURES / "github/events/issue_comment.created.json").read_text())
    ctx = ctx_for(tmp_path, "issue_comment", payload)
    with pytest.raises(UserError, match="does not handle the 'issue_comment' event") as error:
        plan(ctx)
    assert "pull_request, push, workflow_dispatch" in error.value.hint
    with pytest.raises(UserError, match="unknown command 'deploy'"):
        plan(ctx, "deploy")
    assert plan(ctx, "validate").steps == ("validate",)  # a forced command ignores it
