"""A GitHub Deployment for each promotion, so the environment's page on GitHub shows
which model version runs where: created, marked in_progress, then success or failure
(with the environment's URL) as the deployment itself ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mlgate.github.http import Forbidden, GitHub, GitHubError

PERMISSION_HINT = (
    "the workflow's job needs `permissions: deployments: write` for an "
    "environment with deploy.github (docs/registry.md)"
)

State = Literal["in_progress", "success", "failure", "error", "inactive"]


@dataclass(frozen=True, kw_only=True)
class Deployment:
    id: int
    url: str


def create(
    gh: GitHub,
    owner: str,
    repo: str,
    *,
    sha: str,
    environment: str,
    description: str,
    payload: dict[str, Any],
    production: bool = False,
) -> Deployment:
    """At the version's commit, with no merge and no status checks asked for: the gates
    were mlgate's to pass, and they passed."""
    try:
        answer = gh.request(
            "POST",
            f"/repos/{owner}/{repo}/deployments",
            json={
                "ref": sha,
                "environment": environment,
                "description": description[:140],
                "payload": payload,
                "auto_merge": False,
                "required_contexts": [],
                "production_environment": production,
                "task": "deploy",
            },
        )
    except Forbidden as exc:
        exc.hint = PERMISSION_HINT
        raise
    data = answer.data if isinstance(answer.data, dict) else {}
    if answer.status != 201 or not isinstance(data.get("id"), int):
        raise GitHubError(
            f"GitHub did not create the deployment ({data.get('message', '')})",
            method="POST",
            path=f"/repos/{owner}/{repo}/deployments",
            status=answer.status,
        )
    return Deployment(id=data["id"], url=str(data.get("url", "")))


def set_status(
    gh: GitHub,
    owner: str,
    repo: str,
    deployment: Deployment,
    state: State,
    *,
    description: str = "",
    environment_url: str = "",
    log_url: str = "",
) -> None:
    body: dict[str, Any] = {"state": state, "description": description[:140], "auto_inactive": True}
    if environment_url:
        body["environment_url"] = environment_url
    if log_url:
        body["log_url"] = log_url
    gh.request("POST", f"/repos/{owner}/{repo}/deployments/{deployment.id}/statuses", json=body)
