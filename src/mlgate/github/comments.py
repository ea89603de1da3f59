"""One sticky comment per model on a pull request, updated in place on every push.

Found by a hidden marker, across every page of the pull request's comments, and only
among comments the token's own identity wrote: someone pasting the marker into their
own comment never has it overwritten. A POST whose answer was lost is followed by a
fresh look for the marker, so a flaky network never leaves two comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from mlgate.errors import UserError
from mlgate.github.http import GitHub, NotFound, UncertainWrite

COMMENT_LIMIT = 65_536
BOT = "github-actions[bot]"  # who GITHUB_TOKEN writes as
POST_TRIES = 3


@dataclass(frozen=True, kw_only=True)
class CommentOutcome:
    action: Literal["created", "updated", "unchanged"]
    id: int
    html_url: str
    duplicates: int = 0  # older comments of ours with the marker, left alone


def marker_for(model: str) -> str:
    """A marker no model name can close early (`-->`) or make ambiguous."""
    safe = re.sub(r"[^a-z0-9._-]+", "-", model.lower())[:100] or "model"
    return f"<!-- mlgate:model={safe} -->"


def identity(gh: GitHub, author: str | None = None) -> str:
    """The login the token writes as; GET /user only for tokens that are not GITHUB_TOKEN."""
    if author:
        return author
    if gh.installation_token:
        return BOT
    return str(gh.request("GET", "/user").data["login"])


def upsert_comment(gh: GitHub, owner: str, repo: str, number: int, *, marker: str, body: str,
                   author: str | None = None) -> CommentOutcome:
    if marker not in body:
        body = f"{body.rstrip()}\n\n{marker}\n"
    if len(body) > COMMENT_LIMIT:
        raise UserError(f"the comment has {len(body)} characters; GitHub takes at most "
                        f"{COMMENT_LIMIT}", hint="render it with a limit")
    login = identity(gh, author)
    path = f"/repos/{owner}/{repo}/issues/{number}/comments"
    ours = _ours(gh, path, marker, login)
    if ours:
        newest = ours[-1]
        if newest["body"] == body:
            return _outcome("unchanged", newest, len(ours) - 1)
        try:
            done = gh.request("PATCH", f"/repos/{owner}/{repo}/issues/comments/{newest['id']}",
                              json={"body": body})
            return _outcome("updated", done.data, len(ours) - 1)
        except NotFound:  # deleted between our list and our update: write it anew
            pass
    return _create(gh, path, marker, login, body, owner, repo)


def _create(gh: GitHub, path: str, marker: str, login: str, body: str, owner: str,
            repo: str) -> CommentOutcome:
    for _ in range(POST_TRIES):
        try:
            return _outcome("created", gh.request("POST", path, json={"body": body}).data)
        except UncertainWrite:
            found = _ours(gh, path, marker, login)
            if not found:
                continue  # it did not happen: posting again cannot make a second one
            newest = found[-1]
            if newest["body"] == body:
                return _outcome("created", newest, len(found) - 1)
            done = gh.request("PATCH", f"/repos/{owner}/{repo}/issues/comments/{newest['id']}",
                              json={"body": body})
            return _outcome("updated", done.data, len(found) - 1)
    raise UncertainWrite(f"POST {path}: no answer after {POST_TRIES} tries, and no comment "
                         "of ours appeared")


def _ours(gh: GitHub, path: str, marker: str, login: str) -> list[dict[str, Any]]:
    """Our marked comments, oldest first."""
    found = []
    for page in gh.paginate(path):
        for comment in page:
            user = comment.get("user") or {}
            if marker in (comment.get("body") or "") and user.get("login") == login:
                found.append(comment)
    return sorted(found, key=lambda c: (c.get("created_at", ""), c["id"]))


def _outcome(action: Any, comment: dict[str, Any], duplicates: int = 0) -> CommentOutcome:
    return CommentOutcome(action=action, id=int(comment["id"]),
                          html_url=str(comment.get("html_url", "")), duplicates=duplicates)
