"""The Actions context, read from GitHub's real webhook payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlgate.errors import UserError
from mlgate.github import context
from tests.conftest import FIXTURES

EVENTS = FIXTURES / "github" / "events"
PAYLOADS = sorted(EVENTS.glob("*.json"))
PULL_REQUESTS = ["pull_request.opened", "pull_request.synchronize", "pull_request.closed"]


def env(event: str, payload: Path, **more: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(payload),
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SHA": "m" * 40,
        "GITHUB_TOKEN": "ghs_secret",
        **more,
    }


def load(event: str, payload: Path, **more: str) -> context.ActionsContext:
    ctx = context.load(env(event, payload, **more))
    assert ctx is not None
    return ctx


def edited(tmp_path: Path, change: Any) -> Path:
    payload = json.loads((EVENTS / "pull_request.opened.json").read_text())
    change(payload)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return path


def test_every_payload_in_the_fixtures_is_covered() -> None:
    assert len(PAYLOADS) >= 10 and {p.stem for p in PAYLOADS} >= {*PULL_REQUESTS, "push"}


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.stem for p in PAYLOADS])
def test_every_real_payload_gives_a_context(payload: Path) -> None:
    event = payload.stem.split(".")[0]
    data = json.loads(payload.read_text())
    ctx = load(event, payload)
    assert ctx.event_name == event and ctx.default_branch == "master"
    assert (ctx.owner, ctx.repo) == ("Codertocat", "Hello-World")
    assert ctx.sha == "m" * 40 and "ghs_secret" not in repr(ctx)
    if event == "pull_request":
        assert ctx.pull_number == data["number"] == data["pull_request"]["number"]
        assert ctx.head_sha == data["pull_request"]["head"]["sha"]
    else:  # a push, a dispatch, a comment, a check run: no pull request to post to
        assert (ctx.pull_number, ctx.head_sha, ctx.base_sha, ctx.is_fork) == (
            None,
            None,
            None,
            False,
        )


@pytest.mark.parametrize("name", PULL_REQUESTS)
def test_a_pull_request_event(name: str) -> None:
    payload = EVENTS / f"{name}.json"
    pr = json.loads(payload.read_text())["pull_request"]
    ctx = load("pull_request", payload)
    assert ctx.pull_number == pr["number"] == 2
    assert ctx.head_sha == pr["head"]["sha"] and ctx.head_sha != ctx.sha  # not the merge
    assert (ctx.head_ref, ctx.base_ref, ctx.base_sha) == (
        pr["head"]["ref"],
        pr["base"]["ref"],
        pr["base"]["sha"],
    )
    assert ctx.is_fork is False and ctx.default_branch == "master"
    assert ctx.run_url == "https://github.com/Codertocat/Hello-World/actions/runs/42"


def test_pull_request_target_reads_the_same_pull_request() -> None:
    ctx = load("pull_request_target", EVENTS / "pull_request.opened.json")
    assert ctx.pull_number == 2 and ctx.head_sha is not None


def test_a_fork_is_recognised(tmp_path: Path) -> None:
    def fork(p: dict[str, Any]) -> None:
        p["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"

    assert load("pull_request", edited(tmp_path, fork)).is_fork


def test_a_pull_request_from_a_deleted_fork_is_a_fork(tmp_path: Path) -> None:
    """GitHub sends `head.repo: null` once the fork is gone; its token is read-only too."""

    def deleted(p: dict[str, Any]) -> None:
        p["pull_request"]["head"]["repo"] = None

    assert load("pull_request", edited(tmp_path, deleted)).is_fork


def test_outside_actions_there_is_no_context() -> None:
    assert context.load({"GITHUB_EVENT_NAME": "push"}) is None
    assert context.load({"GITHUB_ACTIONS": "false", "GITHUB_REPOSITORY": "o/r"}) is None


def test_urls_are_honoured_for_github_enterprise() -> None:
    ctx = load(
        "push",
        EVENTS / "push.json",
        GITHUB_API_URL="https://ghe.example/api/v3/",
        GITHUB_SERVER_URL="https://ghe.example",
    )
    assert ctx.api_url == "https://ghe.example/api/v3"
    assert ctx.run_url == "https://ghe.example/Codertocat/Hello-World/actions/runs/42"
    assert load("push", EVENTS / "push.json").api_url == "https://api.github.com"


@pytest.mark.parametrize(
    "names,expected",
    [
        (("MLGATE_GITHUB_TOKEN", "GITHUB_TOKEN", "INPUT_TOKEN"), "MLGATE_GITHUB_TOKEN"),
        (("GITHUB_TOKEN", "INPUT_TOKEN"), "GITHUB_TOKEN"),
        (("INPUT_TOKEN",), "INPUT_TOKEN"),
        ((), None),
    ],
)
def test_the_token_comes_from_the_first_variable_set(
    names: tuple[str, ...], expected: str | None
) -> None:
    variables = env("push", EVENTS / "push.json")
    del variables["GITHUB_TOKEN"]
    variables |= {name: f"value of {name}" for name in names}
    ctx = context.load(variables)
    assert ctx is not None and ctx.token == (f"value of {expected}" if expected else None)
    assert "value of" not in repr(ctx)


def test_a_github_apps_login_can_be_named() -> None:
    ctx = load("push", EVENTS / "push.json", MLGATE_GITHUB_LOGIN="acme-ml[bot]")
    assert ctx.login == "acme-ml[bot]" and load("push", EVENTS / "push.json").login is None


def test_the_repository_falls_back_to_the_payload() -> None:
    variables = env("push", EVENTS / "push.json")
    del variables["GITHUB_REPOSITORY"]
    ctx = context.load(variables)
    assert ctx is not None and ctx.repository == "Codertocat/Hello-World"


def test_a_missing_or_broken_event_file_is_a_clear_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="GITHUB_EVENT_PATH: cannot read") as error:
        context.load(env("push", tmp_path / "missing.json"))
    assert error.value.exit_code == 2 and "unset GITHUB_ACTIONS" in str(error.value)
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(UserError, match="is not JSON"):
        context.load(env("push", bad))


def test_no_event_file_at_all_is_an_empty_payload() -> None:
    """What a harness that sets only GITHUB_ACTIONS gets: no pull request, no error."""
    ctx = context.load({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r"})
    assert ctx is not None and ctx.pull_number is None and ctx.token is None
    with pytest.raises(UserError, match="GITHUB_REPOSITORY"):
        context.load({"GITHUB_ACTIONS": "true"})


def test_outside_actions_the_token_is_one_the_user_exported() -> None:
    """`context.token` is where every command reads the token: in a workflow as the
    context does (the action's input too), elsewhere only what a user exports."""
    inside = env("push", EVENTS / "push.json")
    del inside["GITHUB_TOKEN"]
    inside["INPUT_TOKEN"] = "from the action"
    assert context.token(inside) == "from the action" == load_token(inside)
    outside = {"INPUT_TOKEN": "not here", "GITHUB_TOKEN": "exported"}
    assert context.token(outside) == "exported"
    assert context.token({**outside, "MLGATE_GITHUB_TOKEN": "mlgate's"}) == "mlgate's"
    assert context.token({"INPUT_TOKEN": "not here"}) is None


def load_token(environ: dict[str, str]) -> str | None:
    ctx = context.load(environ)
    assert ctx is not None
    return ctx.token


def test_a_named_pull_request_is_reported_on_by_this_repository() -> None:
    ctx = load("push", EVENTS / "push.json")
    named = ctx.for_pull_request(7, head_sha="h" * 40)
    assert (named.pull_number, named.head_sha, named.is_fork) == (7, "h" * 40, False)
    assert named.repository == ctx.repository and named.token == ctx.token
