"""Where a run is, read from GitHub Actions' variables and the event payload.

Light on purpose (no HTTP client import): `mlgate run` reads it on every run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.errors import UserError

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True, kw_only=True)
class ActionsContext:
    event_name: str
    repository: str  # "owner/name"
    api_url: str = "https://api.github.com"
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
    is_fork: bool = False
    default_branch: str | None = None
    step_summary: Path | None = None
    output: Path | None = None
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


def load(environ: Mapping[str, str]) -> ActionsContext | None:
    """The context, or None outside GitHub Actions."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    event = _event(environ.get("GITHUB_EVENT_PATH"))
    name = environ.get("GITHUB_EVENT_NAME", "")
    pr = event.get("pull_request") if name in PULL_REQUEST_EVENTS else None
    pr = pr if isinstance(pr, dict) else {}
    head, base = pr.get("head") or {}, pr.get("base") or {}
    head_repo = (head.get("repo") or {}).get("full_name")
    base_repo = (base.get("repo") or {}).get("full_name")
    repository = environ.get("GITHUB_REPOSITORY") or (event.get("repository") or {}).get(
        "full_name", "")
    if "/" not in repository:
        raise UserError("GITHUB_REPOSITORY is not set (expected owner/name)")
    return ActionsContext(
        event_name=name,
        repository=repository,
        api_url=environ.get("GITHUB_API_URL") or "https://api.github.com",
        server_url=environ.get("GITHUB_SERVER_URL") or "https://github.com",
        run_id=environ.get("GITHUB_RUN_ID", ""),
        run_attempt=environ.get("GITHUB_RUN_ATTEMPT", "1"),
        sha=environ.get("GITHUB_SHA", ""),
        ref=environ.get("GITHUB_REF", ""),
        actor=environ.get("GITHUB_ACTOR", ""),
        workflow=environ.get("GITHUB_WORKFLOW", ""),
        job=environ.get("GITHUB_JOB", ""),
        pull_number=pr.get("number") if isinstance(pr.get("number"), int) else None,
        head_sha=head.get("sha"),
        head_ref=head.get("ref") or environ.get("GITHUB_HEAD_REF") or None,
        base_ref=base.get("ref") or environ.get("GITHUB_BASE_REF") or None,
        base_sha=base.get("sha"),
        is_fork=bool(head_repo and base_repo and head_repo != base_repo),
        default_branch=(event.get("repository") or {}).get("default_branch"),
        step_summary=_path(environ.get("GITHUB_STEP_SUMMARY")),
        output=_path(environ.get("GITHUB_OUTPUT")),
        token=environ.get("MLGATE_GITHUB_TOKEN") or environ.get("GITHUB_TOKEN")
        or environ.get("INPUT_TOKEN") or None,
    )


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _event(path: str | None) -> dict[str, Any]:
    """The webhook payload; GitHub always writes one, so a missing file is a broken setup."""
    if not path:
        return {}
    try:
        loaded = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise UserError(f"GITHUB_EVENT_PATH: cannot read '{path}': {exc.strerror}") from exc
    except ValueError as exc:
        raise UserError(f"GITHUB_EVENT_PATH: '{path}' is not JSON: {exc}") from exc
    return loaded if isinstance(loaded, dict) else {}
