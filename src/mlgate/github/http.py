"""A thin, careful client for GitHub's REST API (httpx, imported on first use; see
docs/github.md for why not an SDK).

Careful means: a timeout on every call; retries with backoff and jitter on 5xx and lost
answers; waits as long as GitHub says on rate limits (Retry-After, or the reset time),
up to a cap; never retries what would fail again (400/401/404/422, a 403 that is not a
rate limit); writes one at a time and a second apart, as GitHub asks of integrations;
and a POST whose answer was lost is never repeated blindly: `UncertainWrite` tells the
caller to look first. The token is sent only to the API's own origin, and appears in no
message, repr or progress line.

    OutsideError
     └── GitHubError        method, path, status and GitHub's own `message`
          ├── UncertainWrite    a POST went out and its answer was lost
          ├── RateLimited       a longer wait than the cap, or still limited after retries
          ├── Forbidden         a 403 that is not a rate limit (read-only or fork token)
          └── NotFound
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgate import __version__
from mlgate.errors import OutsideError, UserError

API_VERSION = "2022-11-28"
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
BACKOFF_FIRST_S = 0.5
BACKOFF_CAP_S = 8.0
UNTIMED_LIMIT_WAIT_S = 60.0  # GitHub: "wait at least one minute" when it names no time
ANNOUNCE_WAIT_S = 2.0  # waits this long are told to on_wait, lest they look like a hang
MAX_PAGES = 1000  # 100,000 items: far past any pull request's comments
MIN_WRITE_INTERVAL_S = 1.0  # GitHub: "wait at least one second" between mutative requests


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


class UncertainWrite(GitHubError):
    """A POST was sent and its answer lost: it may or may not have happened."""


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


class GitHub:
    """One connection pool to one GitHub API (github.com, GHE's `/api/v3`, or loopback)."""

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
        self._on_wait = on_wait
        self._write_lock = threading.Lock()
        self._last_write: float | None = None
        # httpx drops the Authorization header on a redirect to another origin
        self._client = httpx.Client(
            base_url=self.api_url,
            timeout=timeout_s,
            follow_redirects=True,
            headers={
                "Authorization": f"Bearer {token}",
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
    ) -> Response:
        """One call, retried where that is safe; path is relative to the API's root."""
        method = method.upper()
        if method not in WRITES:
            return self._send(method, path, params, json)
        with self._write_lock:  # one write at a time, even from several threads
            return self._send(method, path, params, json)

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Iterator[list[Any]]:
        """Each page of a list, 100 items a page, following GitHub's Link header.

        `key` names the list in endpoints that wrap it in an object (`check_runs`)."""
        query: Mapping[str, Any] | None = {**(params or {}), "per_page": 100}
        url, seen = path, set()
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
            url = self._next_page(page.headers.get("link", ""), path)
            query = None  # the next link carries its own query

    def wait(self, seconds: float, why: str) -> None:
        """Sleep (the injected sleep); a wait long enough to look like a hang is announced."""
        if seconds <= 0:
            return
        if self._on_wait is not None and why and seconds >= ANNOUNCE_WAIT_S:
            self._on_wait(self._scrub(f"GitHub: {why}; waiting {seconds:.0f}s"))
        self._sleep(seconds)

    # --- one call, and what to do with its answer ------------------------------------------
    def _send(self, method: str, path: str, params: Any, json: Any) -> Response:
        import httpx

        not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)  # never left
        tries = self.max_retries + 1
        for attempt in range(tries):
            more = attempt + 1 < tries
            if method in WRITES:
                self.pace()
            try:
                answer = self._client.request(method, path, params=params, json=json)
            except httpx.TransportError as exc:  # timeouts, resets, refused connections
                what = f"{method} {path}: no answer from GitHub ({self._transport(exc)})"
                if method == "POST" and not isinstance(exc, not_sent):
                    raise UncertainWrite(what, method=method, path=path) from None
                if not more:
                    raise GitHubError(
                        f"{what} after {tries} tries",
                        method=method,
                        path=path,
                        hint="check GITHUB_API_URL and the network",
                    ) from None
                self.wait(self.backoff(attempt), "no answer")
                continue
            finally:
                if method in WRITES:
                    self.wrote()
            status = answer.status_code
            if 200 <= status < 300:
                return Response(status=status, headers=answer.headers, data=json_of(answer))
            wait = self.rate_limit_wait(answer)
            if wait is not None:  # GitHub did not carry the request out: safe to send again
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
                        hint=(f"still rate limited after {tries} tries; run the job again later"),
                    )
                self.wait(wait, f"rate limited ({status})")
                continue
            if status >= 500:
                if method == "POST":
                    raise self._error(method, path, answer, UncertainWrite)
                if more:
                    self.wait(self.backoff(attempt), f"answered {status}")
                    continue
            raise self._classify(method, path, answer)
        raise AssertionError("unreachable")  # pragma: no cover

    def wrote(self) -> None:
        """A write just went out (this client's, or bytes sent beside it: releases.py)."""
        self._last_write = self._clock()

    def pace(self) -> None:
        """GitHub asks integrations to leave a second between mutative requests."""
        if self._last_write is not None:
            self.wait(self.min_write_interval_s - (self._clock() - self._last_write), "")

    def backoff(self, attempt: int) -> float:
        return min(BACKOFF_FIRST_S * 2**attempt, BACKOFF_CAP_S) * (1 + 0.25 * self._random.random())

    def rate_limit_wait(self, answer: Any) -> float | None:
        """Seconds GitHub asks us to wait, or None when the answer is not a rate limit."""
        if answer.status_code not in (403, 429):
            return None
        headers = answer.headers
        if "retry-after" in headers:
            try:
                return max(float(headers["retry-after"]), 0.0)
            except ValueError:  # an HTTP date: GitHub sends seconds, so this is rare
                return UNTIMED_LIMIT_WAIT_S
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            try:
                return max(float(headers["x-ratelimit-reset"]) - self._wall(), 0.0) + 1.0
            except ValueError:
                return UNTIMED_LIMIT_WAIT_S
        if answer.status_code == 429 or "rate limit" in _github_message(answer).lower():
            return UNTIMED_LIMIT_WAIT_S
        return None

    def _classify(self, method: str, path: str, answer: Any) -> GitHubError:
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
        answer: Any,
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

    def _next_page(self, link: str, path: str) -> str:
        """The next page's path, refusing a link that would carry the token elsewhere."""
        url = _next_link(link)
        if not url:
            return ""
        if not url.startswith(self.api_url + "/"):
            raise GitHubError(
                f"GET {path}: the next page is outside {self.api_url}; not following it",
                method="GET",
                path=path,
            )
        return url[len(self.api_url) :]

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def json_of(answer: Any) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _github_message(answer: Any) -> str:
    data = json_of(answer)
    said = data.get("message") if isinstance(data, dict) else None
    return said.strip()[:500] if isinstance(said, str) else ""


def _validation_details(answer: Any) -> str:
    """What a 422 says is wrong, e.g. `body: is too long (maximum is 65536 characters)`."""
    data = json_of(answer)
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


def _next_link(header: str) -> str:
    """The rel="next" URL of a Link header (`<url>; rel="next", <url>; rel="last"`)."""
    for part in header.split(","):
        target, _, rels = part.partition(";")
        if 'rel="next"' in rels.replace(" ", ""):
            return target.strip().removeprefix("<").removesuffix(">")
    return ""
