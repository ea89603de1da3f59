"""A release's assets, through GitHub's REST API: the release found by its tag or made,
its assets listed, one uploaded, one downloaded.

Only the Releases API is here: what to request, and what the answers mean. Every call,
the bytes of an upload or a download included, goes through `GitHub` (http.py), with its
one retry policy, pacing, errors and rule for where the token goes (the upload URL a
release names gets it only on the API's own origin or its `uploads.` host; the storage
a download is redirected to never does).

Two calls here are not in the subset of GitHub's description the tests check against
(listing a release's assets, and downloading one); docs/registry.md says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mlgate.github.http import GitHub, GitHubError, NotFound, UncertainWrite

MAX_ASSET_BYTES = 2 * 1024**3  # GitHub: each release asset under 2 GiB (this size is refused)
CONTENTS_HINT = (
    "the token needs the Contents permission: `permissions: contents: write` "
    "in the workflow (read is enough to download); a personal token: `repo`"
)


@dataclass(frozen=True, kw_only=True)
class Release:
    id: int
    tag: str
    upload_url: str  # an RFC 6570 template: https://uploads.github.com/...assets{?name,label}
    immutable: bool = False  # the repository's immutable releases: no asset can be added

    @classmethod
    def of(cls, data: Any) -> Release:
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("id"), int)
            or not isinstance(data.get("upload_url"), str)
        ):
            raise GitHubError("GitHub answered with something that is not a release")
        return cls(
            id=data["id"],
            tag=str(data.get("tag_name", "")),
            upload_url=data["upload_url"],
            immutable=data.get("immutable") is True,
        )


@dataclass(frozen=True, kw_only=True)
class Asset:
    id: int
    name: str
    size: int
    state: str  # "uploaded"; anything else is an upload still going on, or one that broke
    digest: str | None = None  # "sha256:<hex>", where GitHub has computed it

    @property
    def uploaded(self) -> bool:
        return self.state == "uploaded"

    @classmethod
    def of(cls, data: Any) -> Asset:
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("id"), int)
            or not isinstance(data.get("name"), str)
        ):
            raise GitHubError("GitHub answered with something that is not a release asset")
        digest = data.get("digest")
        return cls(
            id=data["id"],
            name=data["name"],
            size=int(data.get("size") or 0),
            state=str(data.get("state", "")),
            digest=digest if isinstance(digest, str) else None,
        )


class AssetExists(GitHubError):
    """422 on upload: an asset of that name is already in the release."""


class Releases:
    """One repository's releases and their assets, through one `GitHub` client."""

    def __init__(self, gh: GitHub, repository: str) -> None:
        self.gh = gh
        self.owner, _, self.repo = repository.partition("/")

    @property
    def _base(self) -> str:
        return f"/repos/{quote(self.owner)}/{quote(self.repo)}/releases"

    def find(self, tag: str) -> Release | None:
        """The published release with this tag; None when there is none (GitHub does not
        find drafts by tag)."""
        try:
            answer = self.gh.request("GET", f"{self._base}/tags/{quote(tag, safe='')}")
        except NotFound:
            return None
        return Release.of(answer.data)

    def create(self, tag: str, *, name: str, body: str) -> Release:
        """A published prerelease, never `latest`: a draft's assets would be invisible to
        read-only tokens and a draft is not found by its tag. A release made meanwhile by
        another job (422), or a create whose answer was lost, is looked up instead."""
        payload = {
            "tag_name": tag,
            "name": name,
            "body": body,
            "draft": False,
            "prerelease": True,
            "make_latest": "false",
        }
        try:
            answer = self.gh.request("POST", self._base, json=payload)
        except UncertainWrite:
            found = self.find(tag)
            if found is None:
                raise
            return found
        except GitHubError as exc:
            found = self.find(tag) if exc.status == 422 else None
            if found is None:
                raise
            return found
        return Release.of(answer.data)

    def assets(self, release: Release) -> list[Asset]:
        """Every asset, page by page (a release holds at most 1000)."""
        path = f"{self._base}/{release.id}/assets"
        return [Asset.of(item) for page in self.gh.paginate(path) for item in page]

    def upload(self, release: Release, name: str, source: Path) -> Asset:
        """One POST of the file's bytes to the release's upload URL. A lost answer raises
        UncertainWrite: the caller lists the assets before trying again, because a second
        upload of a name that arrived is refused (AssetExists)."""
        url = release.upload_url.split("{", 1)[0]  # the template's {?name,label} dropped
        try:
            answer = self.gh.upload(url, source, params={"name": name})
        except GitHubError as exc:
            if exc.status != 422:
                raise
            raise AssetExists(
                exc.message,
                method=exc.method,
                path=exc.path,
                status=exc.status,
                github_message=exc.github_message,
                hint=exc.hint,
            ) from None
        return Asset.of(answer.data)

    def download(self, asset: Asset, target: Path) -> None:
        """The asset's bytes into `target` (GitHub redirects to storage elsewhere)."""
        self.gh.download(f"{self._base}/assets/{asset.id}", target)
