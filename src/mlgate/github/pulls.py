"""Pull requests: one as GitHub sees it now (the fork-safe workflow's source of truth, since
everything in a fork's uploaded artifact was written by the fork's own code), and the
retraining's one, opened or found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlgate.github.http import GitHub, GitHubError, UncertainWrite

POST_TRIES = 3


@dataclass(frozen=True, kw_only=True)
class PullRequest:
    number: int
    state: str  # open, closed
    head_sha: str
    head_repository: str | None  # owner/name; None when the fork was deleted
    base_repository: str
    base_ref: str = ""  # the branch it would merge into
    base_sha: str = ""  # that branch's commit, as GitHub last saw it for this pull request


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
            base_ref=str(base["ref"]),
            base_sha=str(base["sha"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GitHubError(
            f"GET {path}: GitHub's answer is not a pull request ({exc!r})", method="GET", path=path
        ) from exc


@dataclass(frozen=True, kw_only=True)
class PullOutcome:
    action: str  # created, updated, unchanged
    number: int
    html_url: str


def open_or_update(
    gh: GitHub, repository: str, *, head: str, base: str, title: str, body: str
) -> PullOutcome:
    """The one open pull request from branch `head` into `base`: created, or, when GitHub
    says one already exists (a 422, found, not an error) or the answer to the create was
    lost, the one listed, its title and body brought up to date."""
    owner, _, repo = repository.partition("/")
    path = f"/repos/{owner}/{repo}/pulls"
    for _ in range(POST_TRIES):
        try:
            made = gh.request(
                "POST", path, json={"title": title, "head": head, "base": base, "body": body}
            ).data
            return PullOutcome(
                action="created", number=int(made["number"]), html_url=str(made["html_url"])
            )
        except UncertainWrite:
            pass  # it may have been made: look before posting again
        except GitHubError as exc:
            if exc.status != 422 or "already exists" not in str(exc):
                raise
        listed = gh.request(
            "GET", path, params={"head": f"{owner}:{head}", "base": base, "state": "open"}
        ).data
        found = listed[0] if isinstance(listed, list) and listed else None
        if isinstance(found, dict):
            return _brought_up_to_date(gh, owner, repo, found, title, body)
    raise UncertainWrite(
        f"POST {path}: no pull request from {head} after {POST_TRIES} tries",
        method="POST",
        path=path,
    )


def _brought_up_to_date(
    gh: GitHub, owner: str, repo: str, found: dict[str, Any], title: str, body: str
) -> PullOutcome:
    number, url = int(found["number"]), str(found["html_url"])
    if found.get("title") == title and (found.get("body") or "") == body:
        return PullOutcome(action="unchanged", number=number, html_url=url)
    # a pull request is an issue: its title and body are edited through the issue
    where = f"/repos/{owner}/{repo}/issues/{number}"
    gh.request("PATCH", where, json={"title": title, "body": body})
    return PullOutcome(action="updated", number=number, html_url=url)
