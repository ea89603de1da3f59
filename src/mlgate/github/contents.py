"""A file of the repository at a commit, as GitHub holds it (the contents API): what a
fork's hand-over is checked against, since every byte of its artifact is the fork's; and
the paths of every file at a commit (the git trees API), where the base's manifest of a
model is looked for.

GitHub gives a file's bytes here, base64 in `content`, up to 1 MB; past that it answers
403 `too_large` (or, by some accounts, an empty `content` with the encoding `none`).
Both are said plainly: the bytes are not had, so nothing can be checked against them.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from mlgate import words
from mlgate.github.http import Forbidden, GitHub, GitHubError, NotFound

MAX_BYTES = 1 << 20  # GitHub's "1 MB" for a file's content through this API


def file_at(gh: GitHub, owner: str, repo: str, path: str, ref: str) -> bytes | None:
    """The bytes of `path` (from the repository's top) at `ref`; None where `ref` holds no
    file there (nothing, a folder, a submodule, a link that leaves the repository)."""
    where = f"/repos/{owner}/{repo}/contents/{quote(path, safe='/')}"
    try:
        data = gh.request("GET", where, params={"ref": ref}).data
    except NotFound:
        return None
    except Forbidden as exc:
        too_large = "too_large" in str(exc)
        raise _told(
            exc,
            f"GitHub gives files up to 1 MB through its contents API; {path} is larger"
            if too_large
            else "the job needs `contents: read` to read the repository's files",
        ) from None
    if not isinstance(data, dict) or data.get("type") != "file":
        return None  # a folder's listing, a submodule, a link to outside the repository
    size, content = data.get("size"), data.get("content")
    if not isinstance(size, int) or size > MAX_BYTES or data.get("encoding") != "base64":
        raise GitHubError(
            f"GET {where}: GitHub gave no content for {path} at {ref[:12]} "
            f"({words.count(size, 'byte') if isinstance(size, int) else 'no size'}; its "
            "contents API gives files up to 1 MB)",
            method="GET",
            path=where,
        )
    try:
        found = base64.b64decode(str(content), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise GitHubError(
            f"GET {where}: GitHub's content is not base64 ({exc})", method="GET", path=where
        ) from exc
    if len(found) != size:
        raise GitHubError(
            f"GET {where}: GitHub's content holds {words.count(len(found), 'byte')}, where "
            f"it says {size:,}",
            method="GET",
            path=where,
        )
    return found


def paths_at(gh: GitHub, owner: str, repo: str, ref: str) -> tuple[dict[str, int], bool]:
    """The path of every file at `ref` (from the repository's top) with its size in bytes,
    in one request; and whether that is all of them: GitHub cuts a listing of more than
    100,000 entries or 7 MB (`truncated`)."""
    where = f"/repos/{owner}/{repo}/git/trees/{quote(ref, safe='')}"
    try:
        data = gh.request("GET", where, params={"recursive": "1"}).data
    except Forbidden as exc:
        raise _told(exc, "the job needs `contents: read` to list the repository's files") from None
    tree = data.get("tree") if isinstance(data, dict) else None
    if not isinstance(tree, list):
        raise GitHubError(
            f"GET {where}: GitHub answered with no tree for {ref[:12]}", method="GET", path=where
        )
    found = {
        e["path"]: e["size"]
        for e in tree
        if isinstance(e, dict)
        and e.get("type") == "blob"
        and isinstance(e.get("path"), str)
        and isinstance(e.get("size"), int)
    }
    return found, data.get("truncated") is not True


def _told(exc: Forbidden, hint: str) -> Forbidden:
    """GitHub's refusal, with what it means for this request."""
    return Forbidden(
        str(exc),
        method=exc.method,
        path=exc.path,
        status=exc.status,
        github_message=exc.github_message,
        hint=hint,
    )
