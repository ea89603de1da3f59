"""One sticky comment per model on a pull request, updated in place on every push.

Found by a hidden marker, across every page of the pull request's comments, and only
among comments the token's own identity wrote: someone pasting the marker into their
own comment never has it overwritten. A POST whose answer was lost is followed by a
fresh look for the marker, so a flaky network never leaves two comments.

A write the token may not make (a fork's read-only token, no `pull-requests: write`)
raises `Forbidden`, an OutsideError whose message says what GitHub answered: callers
turn it into "no comment posted: ...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from mlgate.errors import UserError
from mlgate.github.http import GitHub, GitHubError, NotFound, UncertainWrite

COMMENT_LIMIT = 65_536  # characters, GitHub's limit on a comment's body
BOT = "github-actions[bot]"  # who GITHUB_TOKEN writes as
POST_TRIES = 3
SETTLE_S = 2.0  # before looking for a comment whose POST answer was lost


@dataclass(frozen=True, kw_only=True)
class CommentOutcome:
    action: Literal["created", "updated", "unchanged"]
    id: int
    html_url: str
    duplicates: int = 0  # older comments of ours with the marker, left alone


def marker_for(model: str, *, kind: str = "model") -> str:
    """A marker no model name can close early (`-->`) or make ambiguous. `kind` keeps
    apart comments of one model that must not replace each other (a run's, a sweep's).

    Manifest names are already `[a-z0-9-]`, which pass through unchanged."""
    safe = re.sub(r"[^a-z0-9._-]+", "-", model.lower())[:100] or "model"
    return f"<!-- mlgate:{kind}={safe} -->"


def identity(gh: GitHub, author: str | None = None) -> str:
    """The login the token writes as: `author` if given; github-actions[bot] for an
    installation token (GET /user refuses those); else one GET /user."""
    if author:
        return author
    if gh.installation_token:
        return BOT
    data = gh.request("GET", "/user").data
    login = data.get("login") if isinstance(data, dict) else None
    if not isinstance(login, str) or not login:
        raise GitHubError("GET /user: GitHub's answer has no login", method="GET", path="/user")
    return login


def upsert_comment(
    gh: GitHub,
    owner: str,
    repo: str,
    number: int,
    *,
    marker: str,
    body: str,
    author: str | None = None,
) -> CommentOutcome:
    """Create, update or leave alone our one comment carrying `marker` on issue/PR `number`."""
    if not body.rstrip().endswith(marker):
        body = f"{body.rstrip()}\n\n{marker}\n"
    if len(body) > COMMENT_LIMIT:
        raise UserError(
            f"the comment has {len(body)} characters; GitHub takes at most {COMMENT_LIMIT}",
            hint="render the report with a limit",
        )
    place = _Place(gh, owner, repo, number, marker, identity(gh, author))
    ours = place.ours()
    if ours:
        newest = ours[-1]
        if newest.get("body") == body:
            return _outcome("unchanged", newest, len(ours) - 1)
        try:
            return _outcome("updated", place.update(newest, body), len(ours) - 1)
        except NotFound:  # deleted between our list and our update: write it anew
            pass
    return _create(place, body)


def _create(place: _Place, body: str) -> CommentOutcome:
    for _ in range(POST_TRIES):
        try:
            return _outcome("created", place.post(body))
        except UncertainWrite:
            place.gh.wait(SETTLE_S, "")  # give a write that did happen time to be listed
            found = place.ours()
            if not found:
                continue  # it did not happen: posting again cannot make a second one
            newest, older = found[-1], len(found) - 1
            if newest.get("body") == body:
                return _outcome("created", newest, older)
            return _outcome("updated", place.update(newest, body), older)
    raise UncertainWrite(
        f"POST {place.path}: no answer after {POST_TRIES} tries, and no comment of ours appeared",
        method="POST",
        path=place.path,
    )


@dataclass(frozen=True)
class _Place:
    """A pull request's comments, as seen by one identity looking for one marker."""

    gh: GitHub
    owner: str
    repo: str
    number: int
    marker: str
    login: str

    @property
    def path(self) -> str:
        return f"/repos/{self.owner}/{self.repo}/issues/{self.number}/comments"

    def ours(self) -> list[dict[str, Any]]:
        """Our marked comments, oldest first, from every page."""
        found = [
            c
            for page in self.gh.paginate(self.path)
            for c in page
            if isinstance(c, dict)
            # the marker ends our comments: every workflow on GITHUB_TOKEN writes as the
            # same bot, and another's comment quoting a title that holds the marker was
            # taken for ours and overwritten
            and (c.get("body") or "").rstrip().endswith(self.marker)
            and (c.get("user") or {}).get("login") == self.login
        ]
        return sorted(found, key=lambda c: (c.get("created_at") or "", c["id"]))

    def post(self, body: str) -> dict[str, Any]:
        posted: dict[str, Any] = self.gh.request("POST", self.path, json={"body": body}).data
        return posted

    def update(self, comment: dict[str, Any], body: str) -> dict[str, Any]:
        where = f"/repos/{self.owner}/{self.repo}/issues/comments/{comment['id']}"
        updated: dict[str, Any] = self.gh.request("PATCH", where, json={"body": body}).data
        return updated


def _outcome(action: Any, comment: dict[str, Any], duplicates: int = 0) -> CommentOutcome:
    return CommentOutcome(
        action=action,
        id=int(comment["id"]),
        html_url=str(comment.get("html_url", "")),
        duplicates=duplicates,
    )
