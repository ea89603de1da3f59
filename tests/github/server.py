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

Issues and pull requests share one sequence of numbers, and a pull request is an issue
too (listed among the issues with a `pull_request` key), as on GitHub. pulls/create knows
the branches a test registers (`main` is there) and refuses, with GitHub's own 422s, an
unknown head or base, a head with no commits, and a second open pull request for one head
and base. Labels an issue names are created if the repository lacks them. Workflow
dispatches are recorded; once a test registers workflows, any other answers 404.

A repository's files are served at a commit (repos/get-content): those a test adds, or,
with `git_root` set, a real repository's own, read with git. A file comes base64 in
`content` up to 1 MB, and past that GitHub's 403 `too_large`; a folder, its entries. The
commit's whole tree is listed too (git/get-tree, `recursive`), never cut (`truncated`).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import re
import subprocess
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.conftest import FIXTURES

SPEC = FIXTURES / "github" / "rest-api-subset.json"
BASE = "https://api.github.com"  # the description's server: requests are checked as if sent there
UPLOADS = "https://uploads.github.com"  # upload-release-asset's own server in the description
UPLOAD_PREFIX = "/api/uploads"  # where the fake takes uploads (GitHub Enterprise's path)
RELEASES = "/repos/{owner}/{repo}/releases"
ASSETS = "/repos/{owner}/{repo}/releases/{release_id}/assets"
ONE_ASSET = "/repos/{owner}/{repo}/releases/assets/{asset_id}"
ISSUES = "/repos/{owner}/{repo}/issues"
ONE_ISSUE = ISSUES + "/{issue_number}"
PULLS = "/repos/{owner}/{repo}/pulls"
DISPATCH = "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
CONTENTS = "/repos/{owner}/{repo}/contents/{path}"
TREE = "/repos/{owner}/{repo}/git/trees/{tree_sha}"
CONTENT_LIMIT = 1 << 20  # GitHub: "1 MB or smaller: all features of this endpoint"
TOO_LARGE = {
    "message": "This API returns blobs up to 1 MB in size. The requested blob is too large to "
    "fetch via the API, but you can use the Git Data API to request blobs up to 100 MB in size.",
    "errors": [{"resource": "Blob", "field": "data", "code": "too_large"}],
    "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
}
CREATE_PULL_DOCS = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
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
# own description. A third, the fork report's listing of the base commit's files
# (git/get-tree), is written as GitHub's description writes it, its `git-tree` schema
# inline (its 409 and 422 answers left out: the subset lacks their components).
BEYOND_SUBSET: dict[str, dict[str, Any]] = {
    TREE: {
        "get": {
            "operationId": "git/get-tree",
            "parameters": [
                {"$ref": "#/components/parameters/owner"},
                {"$ref": "#/components/parameters/repo"},
                {
                    "name": "tree_sha",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "x-multi-segment": True,
                },
                {
                    "name": "recursive",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "Response",
                    "content": {
                        "application/json": {
                            "schema": {
                                "title": "Git Tree",
                                "type": "object",
                                "properties": {
                                    "sha": {"type": "string"},
                                    "url": {"type": "string", "format": "uri"},
                                    "truncated": {"type": "boolean"},
                                    "tree": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "path": {"type": "string"},
                                                "mode": {"type": "string"},
                                                "type": {"type": "string"},
                                                "sha": {"type": "string"},
                                                "size": {"type": "integer"},
                                                "url": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                                "required": ["sha", "url", "tree", "truncated"],
                            }
                        }
                    },
                },
                "404": {"$ref": "#/components/responses/not_found"},
            },
        }
    },
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

    spec = _description()
    return OpenAPI.from_dict(_without_unreadable_discriminators(spec, spec))


def _without_unreadable_discriminators(node: Any, spec: dict[str, Any]) -> Any:
    """Two `discriminator`s in GitHub's description cannot be read, and the `oneOf` each
    sits on says the same thing alone, so they are dropped: checks/create's body has one
    over inline schemas with no `mapping` (OpenAPI reads the value, "completed", as the
    name of a schema that does not exist), and get-content's answer one that maps
    "array" to a folder's listing, an array, which has no property to read it from."""
    if isinstance(node, dict):
        if "discriminator" in node and not _readable(node["discriminator"], spec):
            node = {k: v for k, v in node.items() if k != "discriminator"}
        return {k: _without_unreadable_discriminators(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_unreadable_discriminators(v, spec) for v in node]
    return node


def _readable(discriminator: dict[str, Any], spec: dict[str, Any]) -> bool:
    """A mapping whose every schema is an object, which has the property to read."""
    mapping = discriminator.get("mapping")
    if not mapping:
        return False
    schemas = spec["components"]["schemas"]
    return all(schemas[ref.rsplit("/", 1)[1]].get("type") == "object" for ref in mapping.values())


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
    """Each template as a pattern, a parameter's value one segment, or several for one
    the description marks `x-multi-segment` (contents' `path`: `models/mlops.yaml`)."""
    paths = _description()["paths"]
    ordered = sorted(paths, key=lambda t: t.count("{"))  # literal segments before parameters

    def pattern(template: str) -> re.Pattern[str]:
        several = _multi_segment(template)
        return re.compile(
            re.sub(
                r"\\{([^}]+)\\}",
                lambda m: f"(?P<{m[1]}>.+)" if m[1] in several else f"(?P<{m[1]}>[^/]+)",
                re.escape(template),
            )
        )

    return [(t, pattern(t)) for t in ordered]


@functools.cache
def _multi_segment(template: str) -> frozenset[str]:
    """The template's parameters whose value may hold slashes (`x-multi-segment`)."""
    spec = _description()
    found = set()
    for operation in spec["paths"][template].values():
        for parameter in operation.get("parameters", []):
            if "$ref" in parameter:
                parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
            if parameter.get("in") == "path" and parameter.get("x-multi-segment"):
                found.add(parameter["name"])
    return frozenset(found)


def template_of(path: str) -> str:
    """The description's path template a concrete path matches (literal segments win)."""
    for template, pattern in _templates():
        if pattern.fullmatch(path):
            return template
    return path


def one_segment(path: str) -> str:
    """The path as openapi-core can match it: it takes a parameter's value as one segment
    only, so the slashes in a multi-segment one (`contents/models/mlops.yaml`) are
    validated as another character (the description types that value a string)."""
    for template, pattern in _templates():
        found = pattern.fullmatch(path)
        if found is None:
            continue
        several = _multi_segment(template)
        if not several:
            return path
        spans = sorted(found.span(name) for name in several)
        parts, at = [], 0
        for start, end in spans:
            parts += [path[at:start], path[start:end].replace("/", "~")]
            at = end
        return "".join([*parts, path[at:]])
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
_REPO_URLS = {  # a repository's URL properties: path under its API URL
    **{f"{k}_url": f"/{k}" for k in ("contributors", "deployments", "downloads", "events")},
    **{f"{k}_url": f"/{k}" for k in ("forks", "hooks", "languages", "merges", "stargazers")},
    **{f"{k}_url": f"/{k}" for k in ("subscribers", "subscription", "tags", "teams")},
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "statuses_url": "/statuses/{sha}",
    "trees_url": "/git/trees{/sha}",
}


def repository(owner: str, name: str) -> dict[str, Any]:
    """A `repository` with every property the description requires: a pull request's
    head and base carry one each."""
    full = f"{owner}/{name}"
    rid = zlib.crc32(full.encode()) % 10**8
    url, html = f"{BASE}/repos/{full}", f"https://github.com/{full}"
    counts = ("forks", "forks_count", "stargazers_count", "watchers", "watchers_count", "size")
    flags = {"has_issues": True, "has_projects": True, "has_wiki": True, "has_downloads": True}
    return {
        "id": rid,
        "node_id": f"R_{rid}",
        "name": name,
        "full_name": full,
        "owner": user(owner),
        "private": False,
        "html_url": html,
        "description": None,
        "fork": False,
        "url": url,
        **{key: url + tail for key, tail in _REPO_URLS.items()},
        "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "mirror_url": None,
        "homepage": None,
        "language": None,
        **dict.fromkeys(counts, 0),
        "open_issues": 0,
        "open_issues_count": 0,
        "default_branch": "main",
        **flags,
        "has_pages": False,
        "archived": False,
        "disabled": False,
        "license": None,
        "pushed_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
    }


@functools.cache
def _simple_pull_keys() -> tuple[str, ...]:
    """pulls/list answers `pull-request-simple`s: the full object's keys it describes."""
    return tuple(_description()["components"]["schemas"]["pull-request-simple"]["properties"])


def _invalid(docs: str, *errors: dict[str, str]) -> Answer:
    """GitHub's 422 for what the description allows but the repository's state refuses."""
    return (
        422,
        {},
        {"message": "Validation Failed", "errors": list(errors), "documentation_url": docs},
    )


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class FakeGitHub:
    """State and behaviour; `serve()` puts it on a loopback port."""

    def __init__(self) -> None:
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.check_runs: list[dict[str, Any]] = []
        self.check_annotations: dict[int, list[dict[str, Any]]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.pulls: dict[int, dict[str, Any]] = {}  # number -> a REST pull request
        self.issues: dict[int, dict[str, Any]] = {}  # number -> issue (pull requests too)
        self.labels: dict[str, dict[str, Any]] = {}  # lowercased name -> the repository's label
        self.branches: dict[str, str] = {"main": hashlib.sha1(b"main").hexdigest()}
        self.workflows: dict[str, int] = {}  # file name -> id; empty: every workflow exists
        self.files: dict[str, dict[str, bytes]] = {}  # ref -> path -> bytes, as tests add them
        self.git_root: Path | None = None  # a git repository whose commits are served too
        self.dispatches: list[dict[str, Any]] = []  # {"workflow_id", "ref", "inputs"}
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
        """A pull request as GET /pulls/{n} answers it, from a webhook payload's object;
        listed among the issues too, as GitHub does."""
        with self.lock:
            self.pulls[int(pull["number"])] = pull
            self.issues[int(pull["number"])] = self._issue_of_pull(pull)

    def add_issue(
        self,
        title: str,
        body: str | None = None,
        labels: Iterable[str] = (),
        login: str = "someone",
        kind: str = "User",
        state: str = "open",
    ) -> dict[str, Any]:
        """An issue someone else opened (or closed) before the client looks."""
        with self.lock:
            author = user(login, kind)
            repo_url = f"{BASE}/repos/o/r"
            issue = self._issue(repo_url, self._next_number(), title, body, author, labels)
            if state != "open":
                self._update_issue(issue, {"state": state}, author)
            self.issues[issue["number"]] = issue
        return issue

    def add_branch(self, name: str, sha: str | None = None) -> None:
        """A branch pulls/create may name as head or base (GitHub refuses others)."""
        with self.lock:
            self.branches[name] = sha or hashlib.sha1(name.encode()).hexdigest()

    def add_workflow(self, file_name: str) -> int:
        """Once any is added, a dispatch to a workflow not added answers 404, as GitHub's."""
        with self.lock:
            return self.workflows.setdefault(file_name, self._new_id())

    def add_file(self, path: str, data: bytes, ref: str) -> None:
        """A file of the repository at `ref` (a commit's sha, as a pull request names it)."""
        with self.lock:
            self.files.setdefault(ref, {})[path] = data

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
            one_segment(path),
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
            if template in (ISSUES, ONE_ISSUE, ONE_ISSUE + "/labels"):
                return self._issues_route(method, template, segs, query, data, author, root + path)
            if template == PULLS and method == "POST":
                return self._create_pull(segs, data, author)
            if template == PULLS:
                return self._page(self._pulls_listed(query), query, root + path)
            if template == "/repos/{owner}/{repo}/pulls/{pull_number}":
                pull = self.pulls.get(int(segs[4]))
                return (404, {}, NOT_FOUND) if pull is None else (200, {}, dict(pull))
            if template == DISPATCH:
                return self._dispatch(segs, data)
            if template == CONTENTS:
                return self._contents(path, query)
            if template == TREE:
                return self._tree(path)
            if template == "/repos/{owner}/{repo}/statuses/{sha}":
                status = self._status(segs[4], data)
                self.statuses.append(status)
                return 201, {}, status
        self.violations.append(f"{method} {path}: the fake does not implement it")
        return 404, {}, NOT_FOUND

    # --- a repository's files ---------------------------------------------------------------
    def _contents(self, path: str, query: str) -> Answer:
        """repos/get-content with GitHub's default media type: a file's object, base64,
        or the 403 GitHub gives past 1 MB; a folder's entries; else 404."""
        owner, repo, _, name = path.strip("/").split("/", 4)[1:]
        name = unquote(name)
        ref = parse_qs(query).get("ref", ["main"])[0]
        data = self._file(ref, name)
        if data is not None:
            if len(data) > CONTENT_LIMIT:
                return 403, {}, TOO_LARGE
            packed = base64.encodebytes(data).decode()  # GitHub's: a line every 60 characters
            found = self._content_item(owner, repo, ref, name, "file", data)
            return 200, {}, {**found, "content": packed, "encoding": "base64"}
        entries = self._folder(ref, name)
        if not entries:
            return 404, {}, NOT_FOUND
        return 200, {}, [self._content_item(owner, repo, ref, *e) for e in entries]

    def _tree(self, path: str) -> Answer:
        """git/get-tree of a commit, recursive: every file (blob) at `ref`, whole (a commit
        a test names but gave no files holds none)."""
        owner, repo, _, _, ref = path.strip("/").split("/", 5)[1:]
        ref = unquote(ref)
        names = set(self.files.get(ref, {}))
        listed = self._git("ls-tree", "-r", "-z", "--name-only", ref) if self.git_root else None
        names |= {n.decode() for n in (listed or b"").split(b"\0") if n}
        entries = []
        for name in sorted(names):
            data = self._file(ref, name) or b""
            item = self._content_item(owner, repo, ref, name, "file", data)
            entries.append(
                {
                    "path": name,
                    "mode": "100644",
                    "type": "blob",
                    "sha": item["sha"],
                    "size": len(data),
                    "url": item["git_url"],
                }
            )
        url = f"{BASE}/repos/{owner}/{repo}/git/trees/{ref}"
        return 200, {}, {"sha": ref, "url": url, "tree": entries, "truncated": False}

    def _file(self, ref: str, name: str) -> bytes | None:
        if name in self.files.get(ref, {}):
            return self.files[ref][name]
        if self.git_root is None or self._git("cat-file", "-t", f"{ref}:{name}") != b"blob\n":
            return None
        return self._git("cat-file", "blob", f"{ref}:{name}")

    def _folder(self, ref: str, name: str) -> list[tuple[str, str, bytes | None]]:
        """(path, type, bytes) of each entry of folder `name` at `ref`."""
        added = self.files.get(ref, {})
        below = {p[len(name) + 1 :].partition("/") for p in added if p.startswith(name + "/")}
        found = [
            (
                f"{name}/{first}",
                "dir" if rest else "file",
                None if rest else added[f"{name}/{first}"],
            )
            for first, _, rest in sorted(below)
        ]
        if self.git_root is None or self._git("cat-file", "-t", f"{ref}:{name}") != b"tree\n":
            return found
        kinds = {"blob": "file", "tree": "dir", "commit": "submodule"}
        for line in filter(None, (self._git("ls-tree", "-z", f"{ref}:{name}") or b"").split(b"\0")):
            about, _, entry = line.decode().partition("\t")
            kind, path = kinds[about.split(" ")[1]], f"{name}/{entry}"
            found.append((path, kind, self._file(ref, path) if kind == "file" else None))
        return found

    def _git(self, *args: str) -> bytes | None:
        done = subprocess.run(
            ["git", "-C", str(self.git_root), *args], capture_output=True, check=False
        )
        return done.stdout if done.returncode == 0 else None

    def _content_item(
        self, owner: str, repo: str, ref: str, name: str, kind: str, data: bytes | None
    ) -> dict[str, Any]:
        size = len(data or b"")
        sha = hashlib.sha1(b"blob %d\0" % size + (data or b"")).hexdigest()
        where, file = quote(name), kind == "file"
        url = f"{BASE}/repos/{owner}/{repo}/contents/{where}?ref={ref}"
        git_url = f"{BASE}/repos/{owner}/{repo}/git/{'blobs' if file else 'trees'}/{sha}"
        html = f"https://github.com/{owner}/{repo}/{'blob' if file else 'tree'}/{ref}/{where}"
        raw = f"https://raw.githubusercontent.com/{owner}/{repo}/{ref}/{where}"
        return {
            "type": kind,
            "size": size,
            "name": name.rsplit("/", 1)[-1],
            "path": name,
            "sha": sha,
            "url": url,
            "git_url": git_url,
            "html_url": html,
            "download_url": raw if file else None,
            "_links": {"git": git_url, "self": url, "html": html},
        }

    # --- issues, pull requests, workflow dispatches ---------------------------------------
    def _issues_route(
        self,
        method: str,
        template: str,
        segs: list[str],
        query: str,
        data: Any,
        author: dict[str, Any],
        url: str,
    ) -> Answer:
        repo_url = f"{BASE}/repos/{segs[1]}/{segs[2]}"
        if template == ISSUES and method == "POST":
            number = self._next_number()
            title, labels = str(data["title"]), data.get("labels", [])
            issue = self._issue(repo_url, number, title, data.get("body"), author, labels)
            self.issues[number] = issue
            return 201, {"Location": issue["url"]}, self._issue_view(issue)
        if template == ISSUES:
            return self._page(self._issues_listed(query), query, url)
        issue = self.issues.get(int(segs[4]))
        if issue is None:
            return 404, {}, NOT_FOUND
        if template.endswith("/labels"):  # a list, or {"labels": [...]}
            wanted = data if isinstance(data, list) else (data or {}).get("labels", [])
            self._update_issue(issue, {"labels": [*issue["labels"], *wanted]}, author)
            return 200, {}, list(issue["labels"])
        if method == "PATCH":
            self._update_issue(issue, data or {}, author)
        return 200, {}, self._issue_view(issue)

    def _issues_listed(self, query: str) -> list[dict[str, Any]]:
        """issues/list-for-repo's filters and order (milestone, assignee, type, mentioned:
        ignored; nothing here sets them)."""
        q = {k: v[0] for k, v in parse_qs(query).items()}
        state, creator, since = q.get("state", "open"), q.get("creator", "").lower(), q.get("since")
        wanted = {n.strip().lower() for n in q.get("labels", "").split(",") if n.strip()}
        found = [
            self._issue_view(i)
            for i in self.issues.values()
            if state in ("all", i["state"])
            and wanted <= {(x if isinstance(x, str) else x["name"]).lower() for x in i["labels"]}
            and creator in ("", (i["user"] or {}).get("login", "").lower())
            and (since is None or _when(i["updated_at"]) >= _when(since))
        ]
        sort = q.get("sort", "created")  # the description's enum: created, updated, comments
        key = {"created": "created_at", "updated": "updated_at"}.get(sort, "comments")
        found.sort(key=lambda i: (i[key], i["number"]), reverse=q.get("direction") != "asc")
        return found

    def _pulls_listed(self, query: str) -> list[dict[str, Any]]:
        q = {k: v[0] for k, v in parse_qs(query).items()}
        state, head, base = q.get("state", "open"), q.get("head", ""), q.get("base")
        pulls = [
            p
            for p in self.pulls.values()
            if state in ("all", p["state"])
            # GitHub ignores a head without its owner (`owner:branch`), silently
            and (":" not in head or p["head"]["label"].lower() == head.lower())
            and base in (None, p["base"]["ref"])
        ]
        sort = q.get("sort", "created")
        key = {"updated": "updated_at", "popularity": "comments"}.get(sort, "created_at")
        direction = q.get("direction", "desc" if sort == "created" else "asc")
        pulls.sort(key=lambda p: (p.get(key, 0), p["number"]), reverse=direction == "desc")
        return [{k: p[k] for k in _simple_pull_keys() if k in p} for p in pulls]

    def _create_pull(self, segs: list[str], data: dict[str, Any], author: dict[str, Any]) -> Answer:
        """GitHub's checks, in its order; the refusals are its own 422s, word for word."""
        owner, repo, base = segs[1], segs[2], data["base"]
        if "issue" in data or "head_repo" in data:
            self.violations.append("POST pulls: `issue` and `head_repo` are not in the fake")
            return 404, {}, NOT_FOUND
        head_owner, _, branch = data["head"].rpartition(":")
        if not data.get("title"):
            return _invalid(
                CREATE_PULL_DOCS, {"resource": "Issue", "code": "missing_field", "field": "title"}
            )
        if head_owner.lower() not in ("", owner.lower()) or branch not in self.branches:
            return _invalid(
                CREATE_PULL_DOCS, {"resource": "PullRequest", "field": "head", "code": "invalid"}
            )
        if base not in self.branches:
            return _invalid(
                CREATE_PULL_DOCS, {"resource": "PullRequest", "field": "base", "code": "invalid"}
            )
        if self.branches[branch] == self.branches[base]:
            said = f"No commits between {base} and {branch}"
            return _invalid(
                CREATE_PULL_DOCS, {"resource": "PullRequest", "code": "custom", "message": said}
            )
        label = f"{owner}:{branch}"
        if any(
            p["state"] == "open"
            and p["head"]["label"].lower() == label.lower()
            and p["base"]["ref"] == base
            for p in self.pulls.values()
        ):
            said = f"A pull request already exists for {label}."
            return _invalid(
                CREATE_PULL_DOCS, {"resource": "PullRequest", "code": "custom", "message": said}
            )
        pull = self._pull(owner, repo, self._next_number(), data, author, branch)
        self.pulls[pull["number"]] = pull
        self.issues[pull["number"]] = self._issue_of_pull(pull)
        return 201, {"Location": pull["url"]}, dict(pull)

    def _dispatch(self, segs: list[str], data: dict[str, Any]) -> Answer:
        workflow = unquote(segs[5])
        known = {*self.workflows, *map(str, self.workflows.values())}
        if self.workflows and workflow not in known:
            return 404, {}, NOT_FOUND
        self.dispatches.append(
            {"workflow_id": workflow, "ref": data["ref"], "inputs": data.get("inputs", {})}
        )
        if not data.get("return_run_details"):
            return 204, {}, None
        rid = self._new_id()
        run = f"{segs[1]}/{segs[2]}/actions/runs/{rid}"
        details = {"run_url": f"{BASE}/repos/{run}", "html_url": f"https://github.com/{run}"}
        return 200, {}, {"workflow_run_id": rid, **details}

    def _next_number(self) -> int:
        """Issues and pull requests share one sequence, from 1."""
        return max([*self.issues, *self.pulls], default=0) + 1

    def _issue(
        self,
        repo_url: str,
        number: int,
        title: str,
        body: str | None,
        author: dict[str, Any],
        labels: Iterable[Any],
    ) -> dict[str, Any]:
        iid = self._new_id()
        url = f"{repo_url}/issues/{number}"
        return {
            "id": iid,
            "node_id": f"I_{iid}",
            "url": url,
            "repository_url": repo_url,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "timeline_url": f"{url}/timeline",
            "html_url": url.replace(f"{BASE}/repos/", "https://github.com/"),
            "number": number,
            "state": "open",  # no state_reason yet: the description's enum leaves out null
            "title": title,
            "body": body,
            "user": author,
            "labels": self._labels(repo_url, labels),
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": 0,
            "closed_at": None,
            "closed_by": None,
            "created_at": _stamp(iid),
            "updated_at": _stamp(iid),
            "author_association": "NONE",
        }

    def _issue_of_pull(self, pull: dict[str, Any]) -> dict[str, Any]:
        """The issue every pull request also is: its own id, the pull's fields."""
        repo_url = pull["issue_url"].rsplit("/issues/", 1)[0]
        issue = self._issue(
            repo_url, int(pull["number"]), pull["title"], pull.get("body"), pull["user"], ()
        )
        links = {k: pull[k] for k in ("url", "html_url", "diff_url", "patch_url")}
        issue.update(
            {k: pull[k] for k in ("html_url", "state", "labels", "created_at", "updated_at")},
            closed_at=pull.get("closed_at"),
            draft=bool(pull.get("draft", False)),
            pull_request={**links, "merged_at": pull.get("merged_at")},
        )
        return issue

    def _issue_view(self, issue: dict[str, Any]) -> dict[str, Any]:
        """A copy to answer with (serialized after the lock is let go), its comment count
        counted now."""
        comments = len(self.comments.get(issue["number"], []))
        return {**issue, "labels": list(issue["labels"]), "comments": comments}

    def _update_issue(
        self, issue: dict[str, Any], data: dict[str, Any], author: dict[str, Any]
    ) -> None:
        """issues/update; on a pull request's number, the pull request changes with it."""
        stamp = _stamp(self._new_id())
        if data.get("title") is not None:
            issue["title"] = str(data["title"])
        if "body" in data:
            issue["body"] = data["body"]
        if "labels" in data:
            issue["labels"] = self._labels(issue["repository_url"], data["labels"])
        state = data.get("state", issue["state"])
        if state != issue["state"]:  # the description: state_reason is ignored otherwise
            closing = state == "closed"
            reason = data.get("state_reason") or ("completed" if closing else "reopened")
            issue.update(state=state, state_reason=reason)
            issue.update(
                closed_at=stamp if closing else None, closed_by=author if closing else None
            )
        issue["updated_at"] = stamp
        pull = self.pulls.get(issue["number"])
        if pull is not None and "pull_request" in issue:
            synced = ("title", "body", "state", "closed_at", "updated_at")
            pull.update({k: issue[k] for k in synced}, labels=list(issue["labels"]))

    def _labels(self, repo_url: str, wanted: Iterable[Any]) -> list[dict[str, Any]]:
        """The labels named (strings, or objects with a name or an id), each once; one the
        repository lacks is created, as GitHub does for a token that may push."""
        found: list[dict[str, Any]] = []
        for item in wanted:
            name = item if isinstance(item, str) else item.get("name")
            if name is None:
                label = next((x for x in self.labels.values() if x["id"] == item.get("id")), None)
            elif name.lower() in self.labels:
                label = self.labels[name.lower()]
            else:
                lid = self._new_id()
                label = {
                    "id": lid,
                    "node_id": f"LA_{lid}",
                    "url": f"{repo_url}/labels/{quote(name)}",
                    "name": name,
                    "description": None,
                    "color": "ededed",
                    "default": False,
                }
                self.labels[name.lower()] = label
            if label is not None and all(x["id"] != label["id"] for x in found):
                found.append(label)
        return found

    def _pull(
        self,
        owner: str,
        repo: str,
        number: int,
        data: dict[str, Any],
        author: dict[str, Any],
        branch: str,
    ) -> dict[str, Any]:
        pid = self._new_id()
        repo_url = f"{BASE}/repos/{owner}/{repo}"
        html = f"https://github.com/{owner}/{repo}/pull/{number}"
        where = repository(owner, repo)

        def side(ref: str) -> dict[str, Any]:
            sha = self.branches[ref]
            return {
                "label": f"{owner}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": where["owner"],
                "repo": where,
            }

        links = {
            "self": f"{repo_url}/pulls/{number}",
            "html": html,
            "issue": f"{repo_url}/issues/{number}",
            "comments": f"{repo_url}/issues/{number}/comments",
            "review_comments": f"{repo_url}/pulls/{number}/comments",
            "review_comment": f"{repo_url}/pulls/comments{{/number}}",
            "commits": f"{repo_url}/pulls/{number}/commits",
            "statuses": f"{repo_url}/statuses/{self.branches[branch]}",
        }
        return {
            "url": links["self"],
            "id": pid,
            "node_id": f"PR_{pid}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            **{f"{k}_url": links[k] for k in ("issue", "commits", "comments", "statuses")},
            **{f"{k}_url": links[k] for k in ("review_comments", "review_comment")},
            "number": number,
            "state": "open",
            "locked": False,
            "title": data["title"],
            "user": author,
            "body": data.get("body"),
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": _stamp(pid),
            "updated_at": _stamp(pid),
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": side(branch),
            "base": side(data["base"]),
            "_links": {k: {"href": v} for k, v in links.items()},
            "author_association": "NONE",
            "auto_merge": None,
            "draft": bool(data.get("draft", False)),
            "merged": False,
            "mergeable": None,  # GitHub works it out after answering
            "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": None,
            "comments": 0,
            "review_comments": 0,
            "maintainer_can_modify": bool(data.get("maintainer_can_modify", False)),
            "commits": 1,
            "additions": 0,
            "deletions": 0,
            "changed_files": 0,
        }

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
            extra = "".join(f"&{k}={quote(v, safe=',:/')}" for k, v in rest.items())
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


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: twenty clients connecting at once under
    # load had a connection reset in a fresh clone's run (GitHub takes them all)
    request_queue_size = 128


def _start(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server for `handler` on a free port of 127.0.0.1, answering on its own thread."""
    server = _Server(("127.0.0.1", 0), handler)
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
