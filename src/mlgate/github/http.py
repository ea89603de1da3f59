"""A thin, careful client for GitHub's REST API (httpx, imported on first use; see
docs/github.md for why not an SDK): the one transport every GitHub call goes through,
JSON and a release asset's streamed bytes alike.

Careful means: a timeout on every call; retries with backoff and jitter on 5xx and lost
answers; waits as long as GitHub says on rate limits (Retry-After, or the reset time),
up to a cap; never retries what would fail again (400/401/404/422, a 403 that is not a
rate limit); writes one at a time and a second apart, as GitHub asks of integrations;
and a POST whose answer was lost is never repeated blindly: `UncertainWrite` tells the
caller to look first (so is any write the caller says is not idempotent: a check run's
PATCH appends its annotations). The token is sent only to the API's own origin and its `uploads.`
host (see `may_have_token`), never to where a download is redirected, and appears in no
message, repr or progress line.

    OutsideError
     └── GitHubError        method, path, status and GitHub's own `message`
          ├── UncertainWrite    a POST (or a write not idempotent) went out, its answer lost
          ├── RateLimited       a longer wait than the cap, or still limited after retries
          ├── Forbidden         a 403 that is not a rate limit (read-only or fork token)
          └── NotFound
"""

from __future__ import annotations

import contextlib
import functools
import math
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from mlgate import __version__
from mlgate.errors import OutsideError, UserError

if TYPE_CHECKING:
    import ssl

    import httpx

API_VERSION = "2022-11-28"
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
BACKOFF_FIRST_S = 0.5
BACKOFF_CAP_S = 8.0
UNTIMED_LIMIT_WAIT_S = 60.0  # GitHub: "wait at least one minute" when it names no time
ANNOUNCE_WAIT_S = 2.0  # waits this long are told to on_wait, lest they look like a hang
MAX_PAGES = 1000  # 100,000 items: far past any pull request's comments
MIN_WRITE_INTERVAL_S = 1.0  # GitHub: "wait at least one second" between mutative requests
CHUNK = 1 << 20  # bytes read or written at a time when a file is streamed
MAX_REDIRECTS = 3  # a download: GitHub's one redirect to storage, and some room
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class GitHubError(OutsideError):
    """GitHub answered with an error, or did not answer at all (status None)."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        github_message: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.method, self.path, self.status = method, path, status
        self.github_message = github_message


STORAGE_HINT = (
    "GitHub's API answered and sent the download on to that host, its storage for release "
    "assets: the storage or the network to it failed; run again (a proxy or firewall may "
    "block that host; https://www.githubstatus.com says whether GitHub's storage is down)"
)


class StorageError(GitHubError):
    """A download the API redirected to storage on another host, failed there: `cut`
    when its bytes broke off part way (not retried: the caller starts it over)."""

    def __init__(self, message: str, *, cut: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.cut = cut


class UncertainWrite(GitHubError):
    """A POST (or another write the caller said is not idempotent) was sent and its
    answer lost: it may or may not have happened."""


class RateLimited(GitHubError):
    """GitHub asked for a longer wait than a job should sit idle (max_wait_s), or was still
    limiting after every retry."""


class Forbidden(GitHubError):
    """A 403 that is not a rate limit: the token may not do this (a fork's read-only token,
    a workflow without `pull-requests: write`, a personal token creating a check run)."""


class NotFound(GitHubError):
    pass


@dataclass(frozen=True, kw_only=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(repr=False)
    data: Any = field(repr=False)
    links: Mapping[str | None, Mapping[str, str]] = field(default_factory=dict, repr=False)


@functools.cache
def _certificates() -> ssl.SSLContext:
    """The trusted certificates, read once a process: each client httpx makes reads
    certifi's bundle again (30 ms; a promotion or a retraining makes several clients)."""
    import httpx

    return httpx.create_ssl_context()


class GitHub:
    """One connection pool to one GitHub API (github.com, GHE's `/api/v3`, or loopback),
    one token, and one retry policy for every request sent through it."""

    def __init__(
        self,
        api_url: str,
        token: str | None,
        *,
        timeout_s: float = 10.0,
        max_retries: int = 4,
        min_write_interval_s: float | None = None,  # None: MIN_WRITE_INTERVAL_S
        max_wait_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        seed: int | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        if not token:
            raise UserError(
                "no GitHub token",
                hint="set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{ github.token }}`)"
                ", or pass `token:` to the action",
            )
        import httpx

        self.api_url = api_url.rstrip("/")
        self.timeout_s, self.max_retries, self.max_wait_s = timeout_s, max_retries, max_wait_s
        self.min_write_interval_s = (
            MIN_WRITE_INTERVAL_S if min_write_interval_s is None else min_write_interval_s
        )
        self._token = token
        self._sleep, self._clock, self._wall = sleep, clock, wall
        self._random = random.Random(seed)
        self._on_wait = on_wait or _on_stderr  # a silent wait of a minute looks like a hang
        self._write_lock = threading.Lock()
        self._last_write: float | None = None
        # The token is added per request (`_build`), only where may_have_token allows;
        # httpx drops it again on a redirect to another origin.
        self._client = httpx.Client(
            base_url=self.api_url,
            timeout=timeout_s,
            verify=_certificates(),
            follow_redirects=True,
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"mlgate/{__version__}",
            },
        )

    def __repr__(self) -> str:
        return f"GitHub({self.api_url!r})"

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    @property
    def installation_token(self) -> bool:
        """An app installation token (`ghs_`, which GITHUB_TOKEN is): GET /user refuses it."""
        return self._token.startswith("ghs_")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Response:
        """One JSON call, retried where that is safe; path is relative to the API's root.

        `idempotent`: whether sending it twice does what sending it once does; by default
        every method but POST. A write that is not (a check run's PATCH, which appends its
        annotations) raises UncertainWrite when its answer is lost, as a POST does."""
        method = method.upper()

        def once() -> httpx.Response:
            return self._client.send(self._build(method, path, params=params, json=json))

        return _response(self._send(method, path, once, idempotent=idempotent))

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Iterator[list[Any]]:
        """Each page of a list, 100 items a page, following GitHub's Link header.

        `key` names the list in endpoints that wrap it in an object (`check_runs`)."""
        query: Mapping[str, Any] | None = {**(params or {}), "per_page": 100}
        url, seen = path, set[str]()
        while url and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            page = self.request("GET", url, params=query)
            items = page.data.get(key) if key and isinstance(page.data, dict) else page.data
            if not isinstance(items, list):
                raise GitHubError(
                    f"GET {path}: GitHub answered with something that is not a list",
                    method="GET",
                    path=path,
                    status=page.status,
                )
            yield items
            url = self._next_page(page.links.get("next", {}).get("url", ""), path)
            query = None  # the next link carries its own query

    def upload(self, url: str, source: Path, *, params: Mapping[str, str]) -> Response:
        """A file's bytes in one streamed POST to `url` (a release's upload URL: the API's
        origin, or its uploads host; anywhere else is refused before anything is sent).
        Retried, paced and rate-limited as every POST is."""
        path = urlsplit(url).path
        if not may_have_token(self.api_url, url):
            raise GitHubError(
                f"the upload URL is on {_show(url)}, which is neither the API "
                f"({_show(self.api_url)}) nor its uploads host; not sending the token there",
                method="POST",
                path=path,
                hint="check GITHUB_API_URL",
            )
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": str(source.stat().st_size),
        }

        def once() -> httpx.Response:
            with source.open("rb") as f:
                request = self._build(
                    "POST", url, params=params, headers=headers, content=_chunks(f)
                )
                return self._client.send(request)

        return _response(self._send("POST", path, once))

    def download(self, path: str, target: Path) -> None:
        """The bytes at `path` (relative to the API's root) into `target`, streamed. GitHub
        answers with a redirect to short-lived storage on another origin, which gets no
        token; at most MAX_REDIRECTS, never from https to http. Retried as every GET is,
        each try starting the file over."""

        import httpx

        storage: list[str] = []  # the host the last try went to, when not the API's

        def once() -> httpx.Response:
            url = self.api_url + path
            storage.clear()
            for _ in range(MAX_REDIRECTS + 1):
                request = self._build("GET", url, headers={"Accept": "application/octet-stream"})
                if _origin(url) != _origin(self.api_url):
                    storage[:] = [_origin(url)[1] or _show(url)]
                answer = self._client.send(request, stream=True, follow_redirects=False)
                try:
                    location = answer.headers.get("location")
                    if answer.status_code in REDIRECTS and location:
                        url = self._redirect(path, url, location)
                        continue
                    if 200 <= answer.status_code < 300:
                        with target.open("wb") as out:
                            try:
                                # as it arrives: a chunk size held back what came before a cut
                                for chunk in answer.iter_bytes():
                                    out.write(chunk)
                            except httpx.TransportError as exc:
                                if not storage:
                                    raise
                                raise StorageError(  # not retried here: the caller's
                                    f"GET {path}: the download from the release asset's "
                                    f"storage ({storage[0]}) broke off "
                                    f"({self._transport(exc)})",
                                    method="GET",
                                    path=path,
                                    hint=STORAGE_HINT,
                                    cut=True,
                                ) from None
                    else:
                        answer.read()  # GitHub's message, for the error
                    return answer
                finally:
                    answer.close()
            raise GitHubError(
                f"GET {path}: more than {MAX_REDIRECTS} redirects", method="GET", path=path
            )

        try:
            self._send("GET", path, once)
        except StorageError:
            raise
        except GitHubError as exc:
            if not storage:
                raise
            # the API answered with the redirect; the storage it named failed
            said = exc.message.partition(f"GET {path}: ")[2]
            for before, after in (("no answer from GitHub", "gave no answer"), ("GitHub ", "")):
                if said.startswith(before + (" " if after else "answered")):
                    raise StorageError(
                        f"GET {path}: the release asset's storage ({storage[0]}) "
                        f"{after}{said[len(before) :]}",
                        method="GET",
                        path=path,
                        status=exc.status,
                        hint=STORAGE_HINT,
                    ) from None
            raise

    def wait(self, seconds: float, why: str) -> None:
        """Sleep (the injected sleep); a wait long enough to look like a hang is announced."""
        if seconds <= 0:
            return
        if self._on_wait is not None and why and seconds >= ANNOUNCE_WAIT_S:
            self._on_wait(self._scrub(f"GitHub: {why}; waiting {seconds:.0f}s"))
        self._sleep(seconds)

    # --- the retry policy: one try at a time, and what to do with its answer ----------------
    def _send(
        self,
        method: str,
        path: str,
        once: Callable[[], httpx.Response],
        *,
        idempotent: bool | None = None,  # None: every method but POST
    ) -> httpx.Response:
        """`once` sends the request (each time anew) and returns GitHub's answer, read;
        this decides whether to wait and send it again, or what to raise."""
        import httpx

        not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)  # never left
        tries = self.max_retries + 1
        writing = method in WRITES
        uncertain = not (method != "POST" if idempotent is None else idempotent)
        # one write at a time, even from several threads
        with self._write_lock if writing else contextlib.nullcontext():
            for attempt in range(tries):
                more = attempt + 1 < tries
                if writing:
                    self._pace()
                try:
                    answer = once()
                except httpx.TransportError as exc:  # timeouts, resets, refused connections
                    what = f"{method} {path}: no answer from GitHub ({self._transport(exc)})"
                    if uncertain and not isinstance(exc, not_sent):
                        raise UncertainWrite(what, method=method, path=path) from None
                    if not more:
                        raise GitHubError(
                            f"{what} after {tries} tries",
                            method=method,
                            path=path,
                            hint="check GITHUB_API_URL and the network",
                        ) from None
                    self.wait(self._backoff(attempt), "no answer")
                    continue
                finally:
                    if writing:
                        self._last_write = self._clock()
                status = answer.status_code
                if 200 <= status < 300:
                    return answer
                wait = self._rate_limit_wait(answer)
                if wait is not None:  # GitHub did not carry the request out: safe to resend
                    if wait > self.max_wait_s:
                        raise self._error(
                            method,
                            path,
                            answer,
                            RateLimited,
                            hint=(
                                f"GitHub asked for {wait:.0f}s more (mlgate waits at most "
                                f"{self.max_wait_s:.0f}s); run the job again later"
                            ),
                        )
                    if not more:
                        raise self._error(
                            method,
                            path,
                            answer,
                            RateLimited,
                            hint=f"still rate limited after {tries} tries; run the job again later",
                        )
                    self.wait(wait, f"rate limited ({status})")
                    continue
                if status >= 500:
                    if uncertain:
                        raise self._error(method, path, answer, UncertainWrite)
                    if more:
                        self.wait(self._backoff(attempt), f"answered {status}")
                        continue
                raise self._classify(method, path, answer)
        raise AssertionError("unreachable")  # pragma: no cover

    def _build(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: Iterator[bytes] | None = None,
    ) -> httpx.Request:
        """The request, with the token only where may_have_token allows."""
        request = self._client.build_request(
            method, url, params=params, json=json, headers=headers, content=content
        )
        if may_have_token(self.api_url, str(request.url)):
            request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def _pace(self) -> None:
        """GitHub asks integrations to leave a second between mutative requests."""
        if self._last_write is not None:
            self.wait(self.min_write_interval_s - (self._clock() - self._last_write), "")

    def _backoff(self, attempt: int) -> float:
        return min(BACKOFF_FIRST_S * 2.0**attempt, BACKOFF_CAP_S) * (
            1 + 0.25 * self._random.random()
        )

    def _rate_limit_wait(self, answer: httpx.Response) -> float | None:
        """Seconds GitHub asks us to wait, or None when the answer is not a rate limit."""
        if answer.status_code not in (403, 429):
            return None
        headers = answer.headers
        if "retry-after" in headers:  # an HTTP date (GitHub sends seconds) or `nan`: untimed
            after = _seconds(headers["retry-after"])
            return UNTIMED_LIMIT_WAIT_S if after is None else after
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            reset = _seconds(headers["x-ratelimit-reset"])
            return UNTIMED_LIMIT_WAIT_S if reset is None else max(reset - self._wall(), 0) + 1.0
        if answer.status_code == 429 or "rate limit" in _github_message(answer).lower():
            return UNTIMED_LIMIT_WAIT_S
        return None

    def _classify(self, method: str, path: str, answer: httpx.Response) -> GitHubError:
        status = answer.status_code
        if status == 401:
            return self._error(
                method, path, answer, GitHubError, hint="the token is invalid or has expired"
            )
        if status == 403:
            return self._error(
                method,
                path,
                answer,
                Forbidden,
                hint=(
                    "the token lacks a permission this needs (pull-requests: write, checks: write, "
                    "statuses: write), or it is a fork's read-only token"
                ),
            )
        if status == 404:
            return self._error(method, path, answer, NotFound)
        return self._error(method, path, answer, GitHubError)

    def _error(
        self,
        method: str,
        path: str,
        answer: httpx.Response,
        kind: type[GitHubError],
        *,
        hint: str | None = None,
    ) -> GitHubError:
        said = self._scrub(_github_message(answer))
        details = self._scrub(_validation_details(answer))
        text = f"{method} {path}: GitHub answered {answer.status_code}"
        text += f": {said}" if said else ""
        text += f" ({details})" if details else ""
        return kind(
            text,
            method=method,
            path=path,
            status=answer.status_code,
            github_message=said,
            hint=hint,
        )

    def _transport(self, exc: Exception) -> str:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return f"{type(exc).__name__} after {self.timeout_s:g}s"
        said = self._scrub(str(exc))[:200]
        return f"{type(exc).__name__}: {said}" if said else type(exc).__name__

    def _next_page(self, url: str, path: str) -> str:
        """The next page's path, refusing a link that would carry the token elsewhere."""
        if not url:
            return ""
        if not url.startswith(self.api_url + "/"):
            raise GitHubError(
                f"GET {path}: the next page is outside {self.api_url}; not following it",
                method="GET",
                path=path,
            )
        return url[len(self.api_url) :]

    def _redirect(self, path: str, current: str, location: str) -> str:
        """Where a download is redirected, refused when that leaves https."""
        target = urljoin(current, location)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https") or (
            scheme == "http" and urlsplit(self.api_url).scheme.lower() == "https"
        ):
            raise GitHubError(
                f"GET {path}: GitHub redirected the download to {_show(target)}; not "
                "following a redirect away from https",
                method="GET",
                path=path,
            )
        return target

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def may_have_token(api_url: str, url: str) -> bool:
    """May a request to `url` carry the token of the API at `api_url`? Only on the API's
    own origin (GitHub Enterprise Server serves uploads there too, at /api/uploads), or on
    the API host's `uploads.` sibling with the same scheme and port (api.github.com ->
    uploads.github.com); never a URL with credentials in it."""
    api, target = _origin(api_url), _origin(url)
    if not target[1]:
        return False
    sibling = api[1].startswith("api.") and target[1] == "uploads." + api[1][4:]
    return target == api or (sibling and (target[0], target[2]) == (api[0], api[2]))


def _response(answer: httpx.Response) -> Response:
    return Response(
        status=answer.status_code,
        headers=answer.headers,
        data=_json_of(answer),
        links=answer.links,
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


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


def _json_of(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _github_message(answer: httpx.Response) -> str:
    data = _json_of(answer)
    said = data.get("message") if isinstance(data, dict) else None
    return said.strip()[:500] if isinstance(said, str) else ""


def _validation_details(answer: httpx.Response) -> str:
    """What a 422 says is wrong, e.g. `body: is too long (maximum is 65536 characters)`."""
    data = _json_of(answer)
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = []
    for e in errors[:5]:
        if isinstance(e, dict):
            where = e.get("field") or e.get("resource") or ""
            what = e.get("message") or e.get("code") or ""
            parts.append(f"{where}: {what}" if where else str(what))
        elif isinstance(e, str):
            parts.append(e)
    return "; ".join(parts)[:500]


def _seconds(value: str) -> float | None:
    """A header's number of seconds, when it is one (`nan` made time.sleep raise)."""
    try:
        found = float(value)
    except ValueError:
        return None
    return found if math.isfinite(found) and found >= 0 else None


def _on_stderr(said: str) -> None:
    """A wait told where the job's log is (no caller passed one: every wait was silent)."""
    print(f"mlgate: {said}", file=sys.stderr, flush=True)
