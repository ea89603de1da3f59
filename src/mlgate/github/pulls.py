"""A pull request as GitHub sees it now: the fork-safe workflow's source of truth, since
everything in a fork's uploaded artifact was written by the fork's own code."""

from __future__ import annotations

from dataclasses import dataclass

from mlgate.github.http import GitHub, GitHubError


@dataclass(frozen=True, kw_only=True)
class PullRequest:
    number: int
    state: str  # open, closed
    head_sha: str
    head_repository: str | None  # owner/name; None when the fork was deleted
    base_repository: str


def get(gh: GitHub, owner: str, repo: str, number: int) -> PullRequest:
    path = f"/repos/{owner}/{repo}/pulls/{number}"
    data = gh.request("GET", path).data
    try:
        head, base = data["head"], data["base"]
        return PullRequest(
            number=int(data["number"]),
            state=str(data["state"]),
            head_sha=str(head["sha"]),
            head_repository=(head.get("repo") or {}).get("full_name"),
            base_repository=str(base["repo"]["full_name"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GitHubError(
            f"GET {path}: GitHub's answer is not a pull request ({exc!r})", method="GET", path=path
        ) from exc
