"""The Actions context, read from GitHub's real webhook payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.errors import UserError
from mlgate.github import context
from tests.conftest import SHARED

EVENTS = SHARED / "fixtures" / "github" / "events"


def env(event: str, payload: Path, **more: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(payload), "GITHUB_REPOSITORY": "Codertocat/Hello-World",
            "GITHUB_RUN_ID": "42", "GITHUB_SHA": "m" * 40, "GITHUB_TOKEN": "ghs_secret",
            **more}


@pytest.mark.parametrize("name", ["pull_request.opened", "pull_request.synchronize",
                                  "pull_request.closed"])
def test_a_pull_request_event(name: str) -> None:
    payload = EVENTS / f"{name}.json"
    pr = json.loads(payload.read_text())["pull_request"]
    ctx = context.load(env("pull_request", payload))
    assert ctx is not None
    assert ctx.pull_number == pr["number"] == 2
    assert ctx.head_sha == pr["head"]["sha"] and ctx.head_sha != ctx.sha
    assert (ctx.base_ref, ctx.base_sha) == (pr["base"]["ref"], pr["base"]["sha"])
    assert ctx.is_fork is False and ctx.default_branch == "master"
    assert (ctx.owner, ctx.repo) == ("Codertocat", "Hello-World")
    assert ctx.run_url == "https://github.com/Codertocat/Hello-World/actions/runs/42"
    assert "ghs_secret" not in repr(ctx)


def test_a_fork_is_recognised(tmp_path: Path) -> None:
    payload = json.loads((EVENTS / "pull_request.opened.json").read_text())
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"
    forked = tmp_path / "event.json"
    forked.write_text(json.dumps(payload))
    ctx = context.load(env("pull_request", forked))
    assert ctx is not None and ctx.is_fork


@pytest.mark.parametrize("name,event", [("push", "push"), ("workflow_dispatch",
                                         "workflow_dispatch"), ("release.published", "release")])
def test_other_events_have_no_pull_request(name: str, event: str) -> None:
    ctx = context.load(env(event, EVENTS / f"{name}.json"))
    assert ctx is not None and ctx.pull_number is None and ctx.head_sha is None
    assert ctx.default_branch == "master"


def test_outside_actions_there_is_no_context() -> None:
    assert context.load({"GITHUB_EVENT_NAME": "push"}) is None


def test_an_enterprise_api_url_is_honoured() -> None:
    ctx = context.load(env("push", EVENTS / "push.json",
                           GITHUB_API_URL="https://ghe.example/api/v3"))
    assert ctx is not None and ctx.api_url == "https://ghe.example/api/v3"


def test_an_unreadable_event_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="GITHUB_EVENT_PATH: cannot read"):
        context.load(env("push", tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(UserError, match="is not JSON"):
        context.load(env("push", bad))
