"""A thin, careful client for GitHub's REST API (httpx; see docs/github.md for why).

Careful means: a timeout on every call; retries with backoff on 5xx and lost answers,
waits as long as GitHub says on rate limits (Retry-After, or the reset time), never
retries what would fail again (400/401/404/422); writes one at a time, a second apart,
as GitHub asks of integrations; and a POST whose answer was lost is never repeated
blindly: `UncertainWrite` tells the caller to look first. The token appears in no
message, repr or log.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgate import __version__
from mlgate.errors import OutsideError, UserError

WRITES = ("POST", "PATCH", "PUT", "DELETE")


class GitHubError(OutsideError):
    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.status = status


class UncertainWrite(GitHubError):
    """A POST was sent and its answer lost: it may or may not have happened."""


class Forbidden(GitHubError):
    """403 that is not a rate limit: the token may not do this (a fork's read-only token)."""


class NotFound(GitHubError):
    pass


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any = field(repr=False)


class GitHub:
    def __init__(self, api_url: str, token: str | None, *, timeout_s: float = 10.0,
                 max_retries: int = 4, min_write_interval_s: float = 1.0,
                 max_wait_s: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, seed: int | None = None) -> None:
        if not token:
            raise UserError("no GitHub token", hint="set GITHUB_TOKEN (in a workflow: "
                            "`env: GITHUB_TOKEN: ${{ github.token }}`), or pass `token:` to "
                            "the action")
        import httpx

        self._token = token
        self._client = httpx.Client(
            base_url=api_url.rstrip("/"), timeout=timeout_s, follow_redirects=False,
            headers={"Authorization": f"Bearer {token}",
                     "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28",
                     "User-Agent": f"mlgate/{__version__}"})
        self.api_url = api_url.rstrip("/")
        self.max_retries, self.max_wait_s = max_retries, max_wait_s
        self.min_write_interval_s = min_write_interval_s
        self._sleep, self._clock, self._wall = sleep, clock, wall
        self._random = random.Random(seed)
        self._last_write: float | None = None

    def __repr__(self) -> str:
        return f"GitHub({self.api_url!r})"

    @property
    def installation_token(self) -> bool:
        """GITHUB_TOKEN is an app installation token (`ghs_`): it acts as github-actions[bot]."""
        return self._token.startswith("ghs_")

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None) -> Response:
        import httpx

        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            if method in WRITES:
                self._pace()
            try:
                answer = self._client.request(method, path, params=params, json=json)
            except httpx.TransportError as exc:  # timeouts, resets, refused connections
                what = f"{method} {path}: no answer ({type(exc).__name__})"
                if method == "POST":
                    raise UncertainWrite(what) from None
                if last:
                    raise GitHubError(what + f" after {attempt + 1} tries") from None
                self._sleep(self._backoff(attempt))
                continue
            if answer.status_code < 400:
                return Response(answer.status_code, answer.headers, _json(answer))
            wait = self._rate_limit_wait(answer)
            if wait is not None:  # GitHub did not carry the request out: safe to send again
                if wait > self.max_wait_s or last:
                    raise GitHubError(f"{method} {path}: rate limited by GitHub for "
                                      f"{wait:.0f}s more", status=answer.status_code)
                self._sleep(wait)
                continue
            if answer.status_code >= 500:
                if method == "POST":
                    raise UncertainWrite(self._message(method, path, answer),
                                         status=answer.status_code)
                if not last:
                    self._sleep(self._backoff(attempt))
                    continue
            raise self._error(method, path, answer)
        raise AssertionError("unreachable")  # pragma: no cover

    def paginate(self, path: str, params: Mapping[str, Any] | None = None
                 ) -> Iterator[list[Any]]:
        """Each page of a list, 100 items a page, following GitHub's Link header."""
        query: dict[str, Any] | None = {**(params or {}), "per_page": 100}
        url = path
        while url:
            page = self.request("GET", url, params=query)
            yield page.data if isinstance(page.data, list) else []
            url = _next_link(page.headers.get("link", ""), self.api_url)
            query = None  # the next link carries its own query

    def close(self) -> None:
        self._client.close()

    def _pace(self) -> None:
        if self._last_write is not None:
            remaining = self.min_write_interval_s - (self._clock() - self._last_write)
            if remaining > 0:
                self._sleep(remaining)
        self._last_write = self._clock()

    def _backoff(self, attempt: int) -> float:
        return min(0.5 * 2**attempt, 8.0) * (1 + 0.25 * self._random.random())

    def _rate_limit_wait(self, answer: Any) -> float | None:
        if answer.status_code not in (403, 429):
            return None
        retry_after = answer.headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(float(retry_after), 0.0)
            except ValueError:
                return 60.0
        if answer.headers.get("x-ratelimit-remaining") == "0":
            reset = answer.headers.get("x-ratelimit-reset", "")
            try:
                return max(float(reset) - self._wall(), 0.0) + 1.0
            except ValueError:
                return 60.0
        if "secondary rate limit" in str(_json(answer)).lower():
            return 60.0  # GitHub: wait at least a minute when it gives no time
        return None

    def _message(self, method: str, path: str, answer: Any) -> str:
        data = _json(answer)
        said = data.get("message", "") if isinstance(data, dict) else ""
        text = f"{method} {path}: GitHub answered {answer.status_code}" + (
            f": {said}" if said else "")
        return text.replace(self._token, "***")

    def _error(self, method: str, path: str, answer: Any) -> GitHubError:
        message, status = self._message(method, path, answer), answer.status_code
        if status == 401:
            return GitHubError(message, status=status, hint="the token is invalid or expired")
        if status == 403:
            return Forbidden(message, status=status, hint="the token lacks a permission this "
                             "needs (pull-requests: write, checks: write), or it is a fork's "
                             "read-only token")
        if status == 404:
            return NotFound(message, status=status)
        return GitHubError(message, status=status)


def _json(answer: Any) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _next_link(header: str, api_url: str) -> str:
    for part in header.split(","):
        if 'rel="next"' in part:
            url = part.split(";")[0].strip().strip("<>")
            return url[len(api_url):] if url.startswith(api_url) else url
    return ""
