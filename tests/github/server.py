"""A GitHub REST API on 127.0.0.1 that holds the client to GitHub's own description.

Every request is validated against tests/fixtures/github/rest-api-subset.json
(method, path, parameters, body, with its $refs) by openapi-core, together with the
headers GitHub asks for; every answer this fake gives is validated against the same
description wherever it describes that status. Whatever breaks it is recorded as a
violation (the `fake` fixture fails the test) and answered 404 or 422, as GitHub would.

Faults are scripted per operation and used once each, in order: a status with headers
and a body, a delay past the client's timeout, a write carried out whose answer is then
lost (an error status, or the connection dropped), a hook run first (deleting a comment
between the client's list and its update).

Releases are served too: an upload goes to the `upload_url` the fake hands out (GitHub
Enterprise's `/api/uploads` path on the same origin, unless a test names another), and an
asset's download is redirected to a second loopback server, `storage_url`, which records
whether a token came with it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.conftest import FIXTURES

SPEC = FIXTURES / "github" / "rest-api-subset.json"
BASE = "https://api.github.com"  # the description's server: requests are checked as if sent there
UPLOADS = "https://uploads.github.com"  # upload-release-asset's own server in the description
UPLOAD_PREFIX = "/api/uploads"  # where the fake takes uploads (GitHub Enterprise's path)
RELEASES = "/repos/{owner}/{repo}/releases"
ASSETS = "/repos/{owner}/{repo}/releases/{release_id}/assets"
ONE_ASSET = "/repos/{owner}/{repo}/releases/assets/{asset_id}"
EPOCH = datetime(2026, 11, 23, tzinfo=UTC)
NOW = "2026-11-23T00:00:00Z"
NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
NOT_ACCESSIBLE = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest",
}
SERVER_ERROR = {"message": "Server Error", "documentation_url": "https://docs.github.com/rest"}
REQUIRED_HEADERS = {  # header -> what its value must look like
    "Authorization": re.compile(r"Bearer \S+"),
    "Accept": re.compile(r"application/vnd\.github\+json"),
    "X-GitHub-Api-Version": re.compile(r"2022-11-28"),
    "User-Agent": re.compile(r"mlgate/\S+"),
}
Answer = tuple[int, dict[str, str], Any]
OTHER_HEADERS = {  # operations that ask for other headers than REQUIRED_HEADERS
    ONE_ASSET: {"Accept": re.compile(r"application/octet-stream")},
}

# Two operations the store needs are not in the subset. They are described here by hand,
# after GitHub's REST reference ("List release assets", "Get a release asset"), reusing
# the subset's own components, so the client's requests and the fake's answers are still
# checked for shape; docs/registry.md says these two were not checked against GitHub's
# own description.
BEYOND_SUBSET: dict[str, dict[str, Any]] = {
    ASSETS: {
        "get": {
            "operationId": "repos/list-release-assets",
            "parameters": [
                {"$ref": "#/components/parameters/owner"},
                {"$ref": "#/components/parameters/repo"},
                {"$ref": "#/components/parameters/release-id"},
                {"$ref": "#/components/parameters/per-page"},
                {"$ref": "#/components/parameters/page"},
            ],
            "responses": {
                "200": {
                    "description": "Response",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/release-asset"},
                            }
                        }
                    },
                },
                "404": {"$ref": "#/components/responses/not_found"},
            },
        }
    },
    ONE_ASSET: {
        "get": {
            "operationId": "repos/get-release-asset",
            "parameters": [
                {"$ref": "#/components/parameters/owner"},
                {"$ref": "#/components/parameters/repo"},
                {"name": "asset_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "responses": {
                "200": {
                    "description": "The asset's bytes (with Accept: application/octet-stream)",
                    "content": {
                        "application/octet-stream": {
                            "schema": {"type": "string", "format": "binary"}
                        }
                    },
                },
                "302": {"description": "Found: a short-lived storage URL in Location"},
                "404": {"$ref": "#/components/responses/not_found"},
            },
        }
    },
}


@functools.cache
def _description() -> dict[str, Any]:
    """The subset, plus BEYOND_SUBSET's operations."""
    spec = json.loads(SPEC.read_text())
    for path, operations in BEYOND_SUBSET.items():
        spec["paths"].setdefault(path, {}).update(operations)
    return spec


@functools.cache
def openapi():  # -> openapi_core.OpenAPI
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(_without_unmapped_discriminators(_description()))


def _without_unmapped_discriminators(node: Any) -> Any:
    """GitHub's checks/create body has a `discriminator` over inline `oneOf` schemas with no
    `mapping`; OpenAPI then reads the value ("completed") as a schema name that does not
    exist. The `oneOf` alone says the same thing, so the discriminator is dropped."""
    if isinstance(node, dict):
        if "discriminator" in node and "mapping" not in node["discriminator"]:
            node = {k: v for k, v in node.items() if k != "discriminator"}
        return {k: _without_unmapped_discriminators(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_unmapped_discriminators(v) for v in node]
    return node


def _openapi_request(
    method: str,
    path: str,
    query: str,
    body: bytes,
    *,
    base: str = BASE,
    content_type: str | None = None,
):
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    builder = EnvironBuilder(
        method=method,
        path=path,
        base_url=base,
        query_string=query,
        data=body or None,
        content_type=content_type or ("application/json" if body else None),
    )
    return WerkzeugOpenAPIRequest(Request(builder.get_environ()))


def _check_answer(request: Any, answer: Answer) -> str | None:
    """What is wrong with an answer, if the description says what this status looks like."""
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
    from openapi_core.templating.responses.exceptions import ResponseNotFound
    from werkzeug.wrappers import Response

    status, headers, data = answer
    binary = isinstance(data, bytes)
    body = data if binary else "" if data is None else json.dumps(data)
    kind = "application/octet-stream" if binary else "application/json"
    sent = Response(body, status=status, content_type=kind, headers=headers)
    try:
        openapi().validate_response(request, WerkzeugOpenAPIResponse(sent))
    except ResponseNotFound:  # e.g. a 502, or GitHub's 404 on a deleted comment's PATCH
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@functools.cache
def _templates() -> list[tuple[str, re.Pattern[str]]]:
    paths = _description()["paths"]
    ordered = sorted(paths, key=lambda t: t.count("{"))  # literal segments before parameters
    return [(t, re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(t)))) for t in ordered]


def template_of(path: str) -> str:
    """The description's path template a concrete path matches (literal segments win)."""
    for template, pattern in _templates():
        if pattern.fullmatch(path):
            return template
    return path


@dataclass
class Fault:
    """What to do instead of (or after) the normal answer, once."""

    status: int = 502
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # default: GitHub's {"message": ..., "documentation_url": ...}
    delay_s: float = 0.0  # sleep before answering (past the client's timeout: no answer)
    apply_first: bool = False  # carry the request out, then answer with the fault
    drop: bool = False  # close the connection instead of answering
    before: Callable[[], None] | None = None  # runs first, e.g. deleting a comment


def user(login: str, kind: str = "User") -> dict[str, Any]:
    uid = zlib.crc32(login.encode()) % 10**7
    url = f"{BASE}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": f"U_{uid}",
        "avatar_url": "https://avatars.githubusercontent.com/u/1",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "site_admin": False,
    }


BOT = user("github-actions[bot]", "Bot")


class FakeGitHub:
    """State and behaviour; `serve()` puts it on a loopback port."""

    def __init__(self) -> None:
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.check_runs: list[dict[str, Any]] = []
        self.check_annotations: dict[int, list[dict[str, Any]]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.pulls: dict[int, dict[str, Any]] = {}  # number -> a REST pull request
        self.deployments: list[dict[str, Any]] = []
        self.deployment_statuses: dict[int, list[dict[str, Any]]] = {}
        self.releases: list[dict[str, Any]] = []  # each with its "assets"
        self.blobs: dict[int, bytes] = {}  # asset id -> its bytes
        self.upload_root = ""  # where upload_url points; default: url + UPLOAD_PREFIX
        self.redirect_downloads = True  # as github.com does; False: the API sends the bytes
        self.storage_url = ""  # the second loopback server downloads are redirected to
        self.storage_log: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self.calls: Counter[tuple[str, str]] = Counter()  # (method, path template)
        self.log: list[tuple[str, str]] = []
        self.violations: list[str] = []
        self.in_flight = self.writes_in_flight = self.most_writes_in_flight = 0
        self.write_delay_s = 0.0  # every write takes this long: overlapping writes would show
        self.faults: dict[tuple[str, str], list[Fault]] = {}
        self.forbidden: set[tuple[str, str]] = set()  # operations the token may not do
        self.user_login = "octo-user"  # who a token that is not `ghs_` belongs to
        self.url = ""
        self.lock = threading.RLock()
        self._next_id = 1000

    # --- scripting -----------------------------------------------------------------------
    def fail(self, method: str, template: str, *faults: Fault) -> None:
        self.faults.setdefault((method, template), []).extend(faults)

    def add_comment(
        self, number: int, body: str, login: str = "someone", kind: str = "User"
    ) -> dict[str, Any]:
        with self.lock:
            comment = self._comment(number, body, user(login, kind))
            self.comments.setdefault(number, []).append(comment)
        return comment

    def add_pull(self, pull: dict[str, Any]) -> None:
        """A pull request as GET /pulls/{n} answers it, from a webhook payload's object."""
        with self.lock:
            self.pulls[int(pull["number"])] = pull

    def delete_comment(self, comment_id: int) -> None:
        with self.lock:
            for items in self.comments.values():
                items[:] = [c for c in items if c["id"] != comment_id]

    def total_calls(self) -> int:
        return sum(self.calls.values())

    def asset(self, name: str) -> dict[str, Any] | None:
        with self.lock:
            return next((a for r in self.releases for a in r["assets"] if a["name"] == name), None)

    def add_asset(
        self,
        tag: str,
        name: str,
        data: bytes,
        *,
        state: str = "uploaded",
        owner: str = "o",
        repo: str = "r",
    ) -> dict[str, Any]:
        """An asset put there behind the client's back (an upload that broke: state open)."""
        with self.lock:
            release = self._release_by_tag(tag)
            if release is None:
                release = self._release(owner, repo, {"tag_name": tag}, BOT)
                self.releases.append(release)
            asset = self._asset(name, data)
            asset["state"] = state
            release["assets"].append(asset)
        return asset

    # --- handling -------------------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, body: bytes, headers: dict[str, str]
    ) -> Answer | None:
        """The answer to one request (`headers` with lowercase names); None: drop the
        connection without one."""
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

        parts = urlsplit(raw_path)
        upload = parts.path.startswith(UPLOAD_PREFIX + "/")
        path = parts.path.removeprefix(UPLOAD_PREFIX if upload else "/api/v3")  # GHE's prefix
        root = self.url + parts.path[: len(parts.path) - len(path)]  # where Link URLs point
        expected = {**REQUIRED_HEADERS, **OTHER_HEADERS.get(template_of(path), {})}
        for name, pattern in expected.items():
            if not pattern.fullmatch(headers.get(name.lower(), "")):
                self.violations.append(f"{method} {path}: header {name} missing or wrong")
        request = _openapi_request(
            method,
            path,
            parts.query,
            body,
            base=UPLOADS if upload else BASE,
            content_type=headers.get("content-type") if upload else None,
        )
        try:
            openapi().validate_request(request)
        except (PathNotFound, OperationNotFound):
            self.violations.append(f"{method} {path}: not in GitHub's description")
            return 404, {}, NOT_FOUND
        except Exception as exc:  # every other validation failure is the client's fault
            self.violations.append(f"{method} {raw_path}: {type(exc).__name__}: {exc}")
            return 422, {}, {"message": "Validation Failed", "documentation_url": "x"}
        template = template_of(path)
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self.lock:
            self.calls[(method, template)] += 1
            self.log.append((method, template))
            queued = self.faults.get((method, template))
            fault = queued.pop(0) if queued else None
            writing = method != "GET"
            self.in_flight += 1
            self.writes_in_flight += writing
            self.most_writes_in_flight = max(self.most_writes_in_flight, self.writes_in_flight)
        try:
            return self._answer(method, path, parts.query, body, token, request, fault, root)
        finally:
            with self.lock:
                self.writes_in_flight -= writing
                self.in_flight -= 1

    def settle(self, timeout_s: float = 5.0) -> None:
        """Wait for requests still being answered (a delay past the client's timeout)."""
        deadline = time.monotonic() + timeout_s
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        body: bytes,
        token: str,
        request: Any,
        fault: Fault | None,
        root: str,
    ) -> Answer | None:
        if method != "GET" and self.write_delay_s:
            time.sleep(self.write_delay_s)
        if fault is None:
            answer = self._route(method, path, query, body, token, root)
        else:
            if fault.before:
                fault.before()
            if fault.apply_first:
                self._route(method, path, query, body, token, root)
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.drop:
                return None
            answer = fault.status, fault.headers, SERVER_ERROR if fault.body is None else fault.body
        problem = _check_answer(request, answer)
        if problem:
            self.violations.append(f"answer to {method} {path} breaks the description: {problem}")
        return answer

    def _route(
        self, method: str, path: str, query: str, body: bytes, token: str, root: str
    ) -> Answer:
        template = template_of(path)
        data = json.loads(body) if body and template != ASSETS else None  # assets: raw bytes
        segs = path.strip("/").split("/")
        with self.lock:
            if path == "/user":
                return self._user(token)
            if (method, template) in self.forbidden:
                return 403, {}, NOT_ACCESSIBLE
            author = BOT if token.startswith("ghs_") else user(self.user_login)
            if template.startswith(RELEASES):
                return self._releases_route(
                    method, template, segs, query, body, data, author, root + path
                )
            if template == "/repos/{owner}/{repo}/issues/{issue_number}/comments":
                number = int(segs[4])
                if method == "POST":
                    comment = self._comment(number, data["body"], author)
                    self.comments.setdefault(number, []).append(comment)
                    return 201, {}, comment
                return self._page(self.comments.get(number, []), query, root + path)
            if template == "/repos/{owner}/{repo}/issues/comments/{comment_id}":
                return self._one_comment(method, int(segs[5]), data)
            if template == "/repos/{owner}/{repo}/check-runs":
                run = self._check_run(data)
                self.check_runs.append(run)
                self.check_annotations[run["id"]] = list(data["output"].get("annotations", []))
                return 201, {}, run
            if template == "/repos/{owner}/{repo}/check-runs/{check_run_id}":
                run = next((r for r in self.check_runs if r["id"] == int(segs[4])), None)
                if run is None:
                    return 404, {}, NOT_FOUND
                self.check_annotations[run["id"]] += data["output"].get("annotations", [])
                run["output"]["annotations_count"] = len(self.check_annotations[run["id"]])
                return 200, {}, run
            if template == "/repos/{owner}/{repo}/commits/{ref}/check-runs":
                wanted = parse_qs(query).get("check_name", [None])[0]
                runs = [
                    r
                    for r in self.check_runs
                    if r["head_sha"] == segs[4] and wanted in (None, r["name"])
                ]
                status, headers, chunk = self._page(runs, query, root + path)
                return status, headers, {"total_count": len(runs), "check_runs": chunk}
            if template == "/repos/{owner}/{repo}/deployments" and method == "POST":
                deployment = self._deployment(root, segs, data, author)
                self.deployments.append(deployment)
                self.deployment_statuses[deployment["id"]] = []
                return 201, {}, deployment
            if (
                template == "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
                and method == "POST"
            ):
                found = self.deployment_statuses.get(int(segs[4]))
                if found is None:
                    return 404, {}, NOT_FOUND
                status = self._deployment_status(root, segs, data, author)
                found.append(status)
                return 201, {}, status
            if template == "/repos/{owner}/{repo}/pulls/{pull_number}":
                pull = self.pulls.get(int(segs[4]))
                return (404, {}, NOT_FOUND) if pull is None else (200, {}, pull)
            if template == "/repos/{owner}/{repo}/statuses/{sha}":
                status = self._status(segs[4], data)
                self.statuses.append(status)
                return 201, {}, status
        self.violations.append(f"{method} {path}: the fake does not implement it")
        return 404, {}, NOT_FOUND

    # --- releases and their assets -----------------------------------------------------
    def _releases_route(
        self,
        method: str,
        template: str,
        segs: list[str],
        query: str,
        body: bytes,
        data: Any,
        author: dict[str, Any],
        url: str,
    ) -> Answer:
        if template == RELEASES and method == "POST":
            if self._release_by_tag(data["tag_name"], drafts=True) is not None:
                return (
                    422,
                    {},
                    {
                        "message": "Validation Failed",
                        "documentation_url": "x",
                        "errors": [
                            {"resource": "Release", "code": "already_exists", "field": "tag_name"}
                        ],
                    },
                )
            release = self._release(segs[1], segs[2], data, author)
            self.releases.append(release)
            return 201, {}, release
        if template == RELEASES:
            return self._page(self.releases, query, url)
        if template == RELEASES + "/tags/{tag}":
            found = self._release_by_tag(unquote(segs[5]))
            return (404, {}, NOT_FOUND) if found is None else (200, {}, found)
        if template == ONE_ASSET:
            aid = int(segs[5])
            if not any(a["id"] == aid for r in self.releases for a in r["assets"]):
                return 404, {}, NOT_FOUND
            if not self.redirect_downloads:
                return 200, {}, self.blobs[aid]
            return 302, {"Location": f"{self.storage_url}/release-assets/{aid}?sig=sh0rt"}, None
        release = next((r for r in self.releases if r["id"] == int(segs[4])), None)
        if release is None:
            return 404, {}, NOT_FOUND
        if method == "GET":
            return self._page(release["assets"], query, url)
        name = parse_qs(query)["name"][0]
        if any(a["name"] == name for a in release["assets"]):  # GitHub: delete it first
            return (
                422,
                {},
                {
                    "message": "Validation Failed",
                    "documentation_url": "x",
                    "errors": [
                        {"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}
                    ],
                },
            )
        asset = self._asset(name, body, author)
        release["assets"].append(asset)
        return 201, {}, asset

    def _release_by_tag(self, tag: str, *, drafts: bool = False) -> dict[str, Any] | None:
        return next(
            (r for r in self.releases if r["tag_name"] == tag and (drafts or not r["draft"])), None
        )

    def _release(
        self, owner: str, repo: str, data: dict[str, Any], author: dict[str, Any]
    ) -> dict[str, Any]:
        rid = self._new_id()
        repo_url = f"{BASE}/repos/{owner}/{repo}"
        draft = bool(data.get("draft", False))
        uploads = self.upload_root or self.url + UPLOAD_PREFIX
        tag = data["tag_name"]
        return {
            "url": f"{repo_url}/releases/{rid}",
            "id": rid,
            "node_id": f"RE_{rid}",
            "html_url": f"https://github.com/{owner}/{repo}/releases/tag/{tag}",
            "assets_url": f"{repo_url}/releases/{rid}/assets",
            "upload_url": f"{uploads}/repos/{owner}/{repo}/releases/{rid}/assets{{?name,label}}",
            "tarball_url": f"{repo_url}/tarball/{tag}",
            "zipball_url": f"{repo_url}/zipball/{tag}",
            "tag_name": tag,
            "target_commitish": data.get("target_commitish", "main"),
            "name": data.get("name"),
            "body": data.get("body"),
            "draft": draft,
            "prerelease": bool(data.get("prerelease", False)),
            "created_at": _stamp(rid),
            "published_at": None if draft else _stamp(rid),
            "author": author,
            "assets": [],
        }

    def _asset(self, name: str, body: bytes, author: dict[str, Any] = BOT) -> dict[str, Any]:
        aid = self._new_id()
        self.blobs[aid] = body
        return {
            "url": f"{BASE}/repos/o/r/releases/assets/{aid}",
            "id": aid,
            "browser_download_url": f"https://github.com/o/r/releases/download/x/{name}",
            "node_id": f"RA_{aid}",
            "name": name,
            "label": None,
            "state": "uploaded",
            "content_type": "application/octet-stream",
            "size": len(body),
            "digest": f"sha256:{hashlib.sha256(body).hexdigest()}",
            "download_count": 0,
            "created_at": _stamp(aid),
            "updated_at": _stamp(aid),
            "uploader": author,
        }

    def _user(self, token: str) -> Answer:
        if token.startswith("ghs_"):  # installation tokens (GITHUB_TOKEN) are not users
            return 403, {}, NOT_ACCESSIBLE
        public = {"name": None, "company": None, "blog": "", "location": None, "email": None}
        public |= {"hireable": None, "bio": None, "public_repos": 0, "public_gists": 0}
        public |= {"followers": 0, "following": 0, "created_at": NOW, "updated_at": NOW}
        return 200, {}, {**user(self.user_login), "user_view_type": "public", **public}

    def _one_comment(self, method: str, cid: int, data: Any) -> Answer:
        for items in self.comments.values():
            for comment in items:
                if comment["id"] == cid:
                    if method == "DELETE":
                        items.remove(comment)
                        return 204, {}, None
                    if method == "PATCH":
                        comment["body"] = data["body"]
                        comment["updated_at"] = _stamp(self._new_id())
                    return 200, {}, comment
        return 404, {}, NOT_FOUND

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _comment(self, number: int, body: str, author: dict[str, Any]) -> dict[str, Any]:
        cid = self._new_id()
        repo = f"{BASE}/repos/o/r"
        return {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"{repo}/issues/comments/{cid}",
            "html_url": f"https://github.com/o/r/pull/{number}#issuecomment-{cid}",
            "body": body,
            "user": author,
            "created_at": _stamp(cid),
            "updated_at": _stamp(cid),
            "issue_url": f"{repo}/issues/{number}",
            "author_association": "NONE",
        }

    def _page(self, items: list[Any], query: str, url: str) -> Answer:
        """A page and GitHub's Link header: prev, next, last, first, where they exist."""
        params = parse_qs(query)
        per_page = min(int(params.get("per_page", ["30"])[0]), 100)
        page = int(params.get("page", ["1"])[0])
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        rest = {k: v[0] for k, v in params.items() if k not in ("per_page", "page")}

        def link(number: int, rel: str) -> str:
            extra = "".join(f"&{k}={v}" for k, v in rest.items())
            return f'<{url}?per_page={per_page}{extra}&page={number}>; rel="{rel}"'

        links = [link(page - 1, "prev")] if page > 1 else []
        links += [link(page + 1, "next"), link(last, "last")] if page < last else []
        links += [link(1, "first")] if page > 1 else []
        return 200, ({"Link": ", ".join(links)} if links else {}), chunk

    def _check_run(self, data: dict[str, Any]) -> dict[str, Any]:
        rid = self._new_id()
        output = data.get("output", {})
        app = {
            "id": 15368,
            "slug": "github-actions",
            "node_id": "MDM6QXBwMTUzNjg=",
            "owner": user("github", "Organization"),
            "name": "GitHub Actions",
            "description": "",
            "external_url": "https://help.github.com/en/actions",
            "html_url": "https://github.com/apps/github-actions",
            "created_at": NOW,
            "updated_at": NOW,
            "permissions": {},
            "events": [],
        }
        return {
            "id": rid,
            "head_sha": data["head_sha"],
            "node_id": f"CR_{rid}",
            "external_id": data.get("external_id", ""),
            "url": f"{BASE}/repos/o/r/check-runs/{rid}",
            "html_url": f"https://github.com/o/r/runs/{rid}",
            "details_url": data.get("details_url"),
            "status": data.get("status", "queued"),
            "conclusion": data.get("conclusion"),
            "started_at": NOW,
            "completed_at": NOW,
            "output": {
                "title": output.get("title"),
                "summary": output.get("summary"),
                "text": output.get("text"),
                "annotations_count": len(output.get("annotations", [])),
                "annotations_url": f"{BASE}/repos/o/r/check-runs/{rid}/annotations",
            },
            "name": data["name"],
            "check_suite": {"id": 1},
            "app": app,
            "pull_requests": [],
        }

    def _deployment(
        self, root: str, segs: list[str], data: dict[str, Any], author: dict[str, Any]
    ) -> dict[str, Any]:
        did = self._new_id()
        repo_url = f"{BASE}/repos/{segs[1]}/{segs[2]}"
        return {
            "id": did,
            "node_id": f"DE_{did}",
            "sha": data["ref"],
            "ref": data["ref"],
            "task": data.get("task", "deploy"),
            "payload": data.get("payload", {}),
            "original_environment": data.get("environment", "production"),
            "environment": data.get("environment", "production"),
            "description": data.get("description"),
            "creator": author,
            "created_at": _stamp(did),
            "updated_at": _stamp(did),
            "statuses_url": f"{repo_url}/deployments/{did}/statuses",
            "repository_url": repo_url,
            "url": f"{repo_url}/deployments/{did}",
            "transient_environment": data.get("transient_environment", False),
            "production_environment": data.get("production_environment", False),
        }

    def _deployment_status(
        self, root: str, segs: list[str], data: dict[str, Any], author: dict[str, Any]
    ) -> dict[str, Any]:
        sid = self._new_id()
        repo_url = f"{BASE}/repos/{segs[1]}/{segs[2]}"
        deployment_url = f"{repo_url}/deployments/{segs[4]}"
        return {
            "id": sid,
            "node_id": f"DES_{sid}",
            "state": data["state"],
            "creator": author,
            "description": data.get("description", ""),
            "environment_url": data.get("environment_url", ""),
            "log_url": data.get("log_url", ""),
            "deployment_url": deployment_url,
            "target_url": data.get("log_url", ""),
            "repository_url": repo_url,
            "url": f"{deployment_url}/statuses/{sid}",
            "created_at": _stamp(sid),
            "updated_at": _stamp(sid),
        }

    def _status(self, sha: str, data: dict[str, Any]) -> dict[str, Any]:
        sid = self._new_id()
        return {
            "url": f"{BASE}/repos/o/r/statuses/{sha}",
            "avatar_url": None,
            "id": sid,
            "node_id": f"ST_{sid}",
            "state": data["state"],
            "description": data.get("description"),
            "target_url": data.get("target_url"),
            "context": data.get("context", "default"),
            "created_at": NOW,
            "updated_at": NOW,
            "creator": BOT,
        }


def _stamp(serial: int) -> str:
    """A distinct, increasing time for each write, as GitHub's would be."""
    return (EPOCH + timedelta(seconds=serial)).strftime("%Y-%m-%dT%H:%M:%SZ")


def serve(fake: FakeGitHub) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve `fake` on 127.0.0.1 and a free port; stop with shutdown() and server_close()."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects of GitHub
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stall

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = fake.handle(self.command, self.path, body, headers)
            if answer is None:  # the connection drops without an answer
                self.close_connection = True
                return
            status, headers, data = answer
            binary = isinstance(data, bytes)  # an asset's bytes
            payload = data if binary else b"" if data is None else json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header(
                    "Content-Type",
                    "application/octet-stream" if binary else "application/json; charset=utf-8",
                )
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.close_connection = True

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    server, thread = _start(Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server, thread


def serve_storage(fake: FakeGitHub) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Where downloads are redirected (github.com's is another origin, with signed URLs):
    serves an asset's bytes and records each request's Authorization header."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            with fake.lock:
                fake.storage_log.append((path, self.headers.get("Authorization")))
                name = path.rsplit("/", 1)[-1]
                data = fake.blobs.get(int(name)) if name.isdigit() else None
            status, data = (404, b"") if data is None else (200, data)
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET  # an upload sent here by mistake is recorded, and answered 200

        def log_message(self, *args: object) -> None:
            pass

    server, thread = _start(Handler)
    fake.storage_url = f"http://127.0.0.1:{server.server_address[1]}"
    return server, thread


def _start(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server for `handler` on a free port of 127.0.0.1, answering on its own thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    return server, thread


@contextlib.contextmanager
def running() -> Iterator[FakeGitHub]:
    """A fake served for the block; afterwards, every violation fails the caller."""
    fake = FakeGitHub()
    servers = [serve(fake), serve_storage(fake)]
    try:
        yield fake
    finally:
        fake.settle()
        for server, thread in servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
    assert fake.violations == [], "requests or answers outside GitHub's description"
