"""Where a run is, read from GitHub Actions' variables and the event payload.

Light on purpose (no HTTP client import): `mlgate run` reads it on every run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlgate.errors import UserError

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
TOKEN_VARIABLES = ("MLGATE_GITHUB_TOKEN", "GITHUB_TOKEN", "INPUT_TOKEN")  # first set wins
# outside a workflow there is no action input: a token the user exported, if any
LOCAL_TOKEN_VARIABLES = ("MLGATE_GITHUB_TOKEN", "GITHUB_TOKEN")


@dataclass(frozen=True, kw_only=True)
class WorkflowRun:
    """The run a `workflow_run` event reports on: GitHub's account of it, not the artifact's."""

    id: int
    event: str  # what started that run: pull_request, push, ...
    conclusion: str | None
    head_sha: str
    head_repository: str | None  # owner/name the head came from (a fork's, for forks)


@dataclass(frozen=True, kw_only=True)
class ActionsContext:
    event_name: str
    repository: str  # "owner/name"
    api_url: str = "https://api.github.com"  # GHE: https://HOST/api/v3
    server_url: str = "https://github.com"
    run_id: str = ""
    run_attempt: str = "1"
    sha: str = ""  # for pull_request events, the merge commit GitHub made
    ref: str = ""
    actor: str = ""
    workflow: str = ""
    job: str = ""
    pull_number: int | None = None
    head_sha: str | None = None  # the pull request's own head commit: checks belong there
    head_ref: str | None = None
    base_ref: str | None = None
    base_sha: str | None = None
    is_fork: bool = False  # the head lives in another repository (or one since deleted)
    default_branch: str | None = None
    step_summary: Path | None = None
    output: Path | None = None
    login: str | None = None  # MLGATE_GITHUB_LOGIN: who a GitHub App's token writes as
    action: str | None = None  # the event's activity: opened, synchronize, closed, ...
    inputs: Mapping[str, str] = field(default_factory=dict)  # dispatch inputs, as strings
    before: str | None = None  # push: the branch's previous head
    deleted: bool = False  # push: the ref was deleted
    schedule: str | None = None  # schedule: the cron line
    workflow_run: WorkflowRun | None = None
    token: str | None = field(default=None, repr=False)

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def repo(self) -> str:
        return self.repository.split("/", 1)[-1]

    @property
    def run_url(self) -> str:
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def main_branch(self) -> str:
        """The repository's default branch as the event names it; else the branch the
        workflow runs on (a schedule's and a dispatch's are the default branch's)."""
        return self.default_branch or self.ref.removeprefix("refs/heads/") or "main"

    def for_pull_request(self, number: int, *, head_sha: str | None) -> ActionsContext:
        """This job reporting on a pull request it names (the fork-safe workflow's
        `mlgate comment --pr N`): checks go to `head_sha`, and this repository posts."""
        return replace(self, pull_number=number, head_sha=head_sha, is_fork=False)


def load(environ: Mapping[str, str]) -> ActionsContext | None:
    """The context, or None outside GitHub Actions (GITHUB_ACTIONS is not `true`)."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    event = _event(environ.get("GITHUB_EVENT_PATH"))
    name = environ.get("GITHUB_EVENT_NAME", "")
    pr = _dict(event.get("pull_request")) if name in PULL_REQUEST_EVENTS else {}
    head, base = _dict(pr.get("head")), _dict(pr.get("base"))
    repository = environ.get("GITHUB_REPOSITORY") or _dict(event.get("repository")).get(
        "full_name", ""
    )
    if "/" not in repository:
        raise UserError(
            "GITHUB_ACTIONS is true but GITHUB_REPOSITORY is not set (expected owner/name)",
            hint="GitHub sets both on its runners; elsewhere set GITHUB_REPOSITORY=owner/name, "
            "or unset GITHUB_ACTIONS to run as on a laptop",
        )
    number = pr.get("number")
    return ActionsContext(
        event_name=name,
        repository=repository,
        api_url=(environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        server_url=(environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        run_id=environ.get("GITHUB_RUN_ID", ""),
        run_attempt=environ.get("GITHUB_RUN_ATTEMPT", "1"),
        sha=environ.get("GITHUB_SHA", ""),
        ref=environ.get("GITHUB_REF", ""),
        actor=environ.get("GITHUB_ACTOR", ""),
        workflow=environ.get("GITHUB_WORKFLOW", ""),
        job=environ.get("GITHUB_JOB", ""),
        pull_number=number if isinstance(number, int) else None,
        head_sha=head.get("sha") or None,
        head_ref=head.get("ref") or environ.get("GITHUB_HEAD_REF") or None,
        base_ref=base.get("ref") or environ.get("GITHUB_BASE_REF") or None,
        base_sha=base.get("sha") or None,
        is_fork=bool(pr) and _full_name(head) != _full_name(base),
        default_branch=_dict(event.get("repository")).get("default_branch"),
        step_summary=_path(environ.get("GITHUB_STEP_SUMMARY")),
        output=_path(environ.get("GITHUB_OUTPUT")),
        login=environ.get("MLGATE_GITHUB_LOGIN") or None,
        action=event.get("action") if isinstance(event.get("action"), str) else None,
        inputs=_inputs(name, event),
        before=event.get("before") if name == "push" else None,
        deleted=name == "push" and event.get("deleted") is True,
        schedule=event.get("schedule") if isinstance(event.get("schedule"), str) else None,
        workflow_run=_workflow_run(event) if name == "workflow_run" else None,
        token=token(environ),
    )


def token(environ: Mapping[str, str]) -> str | None:
    """The token for GitHub in a workflow (its context's) and outside one (exported by
    the user, for a private origin): the one place a command reads it from."""
    names = TOKEN_VARIABLES if environ.get("GITHUB_ACTIONS") == "true" else LOCAL_TOKEN_VARIABLES
    return next((environ[v] for v in names if environ.get(v)), None)


def _inputs(name: str, event: dict[str, Any]) -> dict[str, str]:
    """workflow_dispatch `inputs`, or repository_dispatch `client_payload` (its event type
    standing for `action` when the payload names none); values as the runner gives them."""
    if name == "workflow_dispatch":
        raw = _dict(event.get("inputs"))
    elif name == "repository_dispatch":
        raw = _dict(event.get("client_payload"))
        kind = event.get("action")
        if "action" not in raw and isinstance(kind, str) and kind.startswith("mlgate-"):
            raw = {**raw, "action": kind.removeprefix("mlgate-")}
    else:
        return {}
    return {str(k): _text(v) for k, v in raw.items() if v is not None}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _workflow_run(event: dict[str, Any]) -> WorkflowRun | None:
    run = _dict(event.get("workflow_run"))
    if not isinstance(run.get("id"), int) or not isinstance(run.get("head_sha"), str):
        return None
    conclusion = run.get("conclusion")
    return WorkflowRun(
        id=run["id"],
        event=str(run.get("event", "")),
        head_sha=run["head_sha"],
        conclusion=conclusion if isinstance(conclusion, str) else None,
        head_repository=_dict(run.get("head_repository")).get("full_name"),
    )


def _full_name(side: dict[str, Any]) -> str | None:
    """`owner/name` of a pull request's head or base; None when the fork was deleted."""
    name = _dict(side.get("repo")).get("full_name")
    return name if isinstance(name, str) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _event(path: str | None) -> dict[str, Any]:
    """The webhook payload.

    The runner always writes this file, so a path that cannot be read means mlgate runs
    under GITHUB_ACTIONS=true outside a real runner (a local harness, a container without
    the mount): the user's setup, hence a UserError. An unset path is an empty payload,
    for harnesses that only set GITHUB_ACTIONS."""
    if not path:
        return {}
    try:
        loaded = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise UserError(
            f"GITHUB_EVENT_PATH: cannot read '{path}': {exc.strerror or exc}",
            hint="in GitHub Actions the runner writes this file; elsewhere unset "
            "GITHUB_ACTIONS or point GITHUB_EVENT_PATH at a webhook payload",
        ) from exc
    except ValueError as exc:
        raise UserError(f"GITHUB_EVENT_PATH: '{path}' is not JSON: {exc}") from exc
    return _dict(loaded)
