"""A release's assets, through GitHub's REST API: the release found by its tag or made,
its assets listed, one uploaded, one downloaded.

JSON calls go through `GitHub` (http.py), with its retries, pacing and errors. Bytes do
not fit that client, which speaks JSON to the API's own origin only: an upload goes to
the origin the release's `upload_url` names, and a download is redirected to storage
elsewhere. So bytes go through a second httpx client here, paced, backed off and
waiting on rate limits by that same `GitHub` (one clock for every write), with a
stricter rule for the token: it is sent to the API's origin, to the upload origin only
when that is the API's own host (GitHub Enterprise Server: `/api/uploads`) or its
`uploads.` sibling (api.github.com -> uploads.github.com), and never anywhere else, a
redirect's target included unless it is the API's origin.

Two calls here are not in the subset of GitHub's description the tests check against
(listing a release's assets, and downloading one); docs/registry.md says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urljoin, urlsplit

from mlgate import __version__
from mlgate.github.http import (
    API_VERSION,
    Forbidden,
    GitHub,
    GitHubError,
    NotFound,
    UncertainWrite,
    json_of,
)

CHUNK = 1 << 20
MAX_ASSET_BYTES = 2 * 1024**3  # GitHub: each release asset under 2 GiB
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
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
    """One repository's releases and their assets."""

    def __init__(self, gh: GitHub, token: str, repository: str) -> None:
        import httpx

        self.gh = gh  # its pacing, backoff and rate-limit reading serve the bytes too
        self.owner, _, self.repo = repository.partition("/")
        self._token = token
        self._http = httpx.Client(
            timeout=gh.timeout_s,
            follow_redirects=False,
            headers={"User-Agent": f"mlgate/{__version__}", "X-GitHub-Api-Version": API_VERSION},
        )

    def close(self) -> None:
        self._http.close()

    @property
    def _base(self) -> str:
        return f"/repos/{quote(self.owner)}/{quote(self.repo)}/releases"

    # --- JSON, through GitHub -----------------------------------------------------------
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

    # --- bytes, through a client of our own ---------------------------------------------
    def upload(self, release: Release, name: str, source: Path) -> Asset:
        """One POST of the file's bytes. A lost answer raises UncertainWrite: the caller
        lists the assets before trying again, because a second upload of a name that
        arrived is refused (AssetExists)."""
        url = upload_target(self.gh.api_url, release.upload_url)
        size = source.stat().st_size
        self.gh.pace()
        try:
            answer = self._send(
                "POST",
                url,
                params={"name": name},
                source=source,
                headers={
                    "Authorization": f"Bearer {self._token}",
                    "Accept": "application/vnd.github+json",
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(size),
                },
            )
        finally:
            self.gh.wrote()
        if answer.status_code == 201:
            return Asset.of(json_of(answer))
        where = f"POST {urlsplit(url).path}"
        raise _error(where, answer, AssetExists if answer.status_code == 422 else None)

    def download(self, asset: Asset, target: Path) -> None:
        """The asset's bytes into `target`: GitHub answers 302 to a short-lived storage URL
        on another origin, which gets no token; a failure part-way starts over."""
        first = f"{self.gh.api_url}{self._base}/assets/{asset.id}"
        tries = self.gh.max_retries + 1
        for attempt in range(tries):
            try:
                with target.open("wb") as out:
                    self._download_once(first, out)
                return
            except _Again as again:
                if attempt + 1 == tries:
                    raise GitHubError(
                        f"GET {urlsplit(first).path}: {again} after {tries} tries",
                        method="GET",
                        path=urlsplit(first).path,
                    ) from None
                self.gh.wait(self.gh.backoff(attempt), str(again))
        raise AssertionError("unreachable")  # pragma: no cover

    def _download_once(self, url: str, out: IO[bytes]) -> None:
        import httpx

        api = _origin(self.gh.api_url)
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"Accept": "application/octet-stream"}
            if _origin(url) == api:
                headers["Authorization"] = f"Bearer {self._token}"
            where = f"GET {urlsplit(url).path}"
            try:
                with self._http.stream("GET", url, headers=headers) as answer:
                    status = answer.status_code
                    if status in REDIRECTS and "location" in answer.headers:
                        url = _redirect(url, answer.headers["location"], self.gh.api_url)
                        continue
                    if status >= 500:
                        raise _Again(f"answered {status}")
                    if status != 200:
                        answer.read()
                        raise _error(where, answer)
                    for chunk in answer.iter_bytes(CHUNK):
                        out.write(chunk)
                    return
            except httpx.TransportError as exc:
                raise _Again(f"no answer ({type(exc).__name__})") from None
        raise GitHubError(f"GET {urlsplit(url).path}: more than {MAX_REDIRECTS} redirects")

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str],
        source: Path,
        headers: dict[str, str],
    ) -> Any:
        """An upload, sent again only when it surely never left, or GitHub asked us to wait
        (a rate limit: it did nothing)."""
        import httpx

        not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
        path = urlsplit(url).path
        where = f"{method} {path}"
        tries = self.gh.max_retries + 1
        for attempt in range(tries):
            try:
                with source.open("rb") as f:
                    request = self._http.build_request(
                        method, url, params=params, headers=headers, content=_chunks(f)
                    )
                    answer = self._http.send(request)
            except httpx.TransportError as exc:
                what = f"{where}: no answer from GitHub ({type(exc).__name__})"
                if not isinstance(exc, not_sent):
                    raise UncertainWrite(what, method=method, path=path) from None
                if attempt + 1 == tries:
                    raise GitHubError(what, method=method, path=path) from None
                self.gh.wait(self.gh.backoff(attempt), "no answer")
                continue
            if answer.status_code >= 500:
                raise _error(where, answer, UncertainWrite)
            wait = self.gh.rate_limit_wait(answer)
            if wait is not None and wait <= self.gh.max_wait_s and attempt + 1 < tries:
                self.gh.wait(wait, f"rate limited ({answer.status_code})")
                continue
            return answer
        raise AssertionError("unreachable")  # pragma: no cover


class _Again(Exception):
    """A download that may succeed if started over."""


def upload_target(api_url: str, template: str) -> str:
    """The upload URL from the release's `upload_url` template, refused unless its origin
    may have the token: the API's own (GHES serves uploads at /api/uploads), or the API
    host's `uploads.` sibling with the same scheme and port."""
    url = template.split("{", 1)[0]
    api, target = _origin(api_url), _origin(url)
    sibling = api[1].startswith("api.") and target[1] == "uploads." + api[1][4:]
    if target == api or (sibling and (target[0], target[2]) == (api[0], api[2])):
        return url
    raise GitHubError(
        f"the release's upload URL is on {_show(url)}, which is neither the API "
        f"({_show(api_url)}) nor its uploads host; not sending the token there",
        hint="check GITHUB_API_URL",
    )


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
    if parts.username or parts.password:  # credentials in a URL: no origin we trust
        return ("", "", 0)
    return scheme, (parts.hostname or "").lower(), port


def _show(url: str) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}"


def _redirect(current: str, location: str, api_url: str) -> str:
    target = urljoin(current, location)
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https") or (
        scheme == "http" and urlsplit(api_url).scheme.lower() == "https"
    ):
        raise GitHubError(
            f"GitHub redirected the download to {_show(target)}; not following "
            "a redirect away from https"
        )
    return target


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


def _error(where: str, answer: Any, kind: type[GitHubError] | None = None) -> GitHubError:
    data = json_of(answer)
    said = data.get("message") if isinstance(data, dict) else None
    said = said.strip()[:300] if isinstance(said, str) else ""
    status = answer.status_code
    hint = None
    if kind is None:
        kind = {403: Forbidden, 404: NotFound}.get(status, GitHubError)
        hint = (
            CONTENTS_HINT
            if status == 403
            else ("the token is invalid or has expired" if status == 401 else None)
        )
    method, _, path = where.partition(" ")
    return kind(
        f"{where}: GitHub answered {status}" + (f": {said}" if said else ""),
        method=method,
        path=path,
        status=status,
        github_message=said,
        hint=hint,
    )
