"""A GitHub REST API on 127.0.0.1 that holds the client to GitHub's own description.

Every request is validated against ../shared/fixtures/github/rest-api-subset.json
(method, path, parameters, body) with openapi-core, and every answer this fake gives is
validated against the same description, so neither side can drift from GitHub's. A
request the description does not allow is recorded as a violation (the fixture fails the
test). Faults are scripted per operation: a status with headers, a delay past the
client's timeout, a write carried out whose answer is then lost, a comment deleted
between list and update.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import SHARED

SPEC = SHARED / "fixtures" / "github" / "rest-api-subset.json"
BASE = "https://api.github.com"
NOW = "2026-11-23T00:00:00Z"


@functools.cache
def openapi():  # -> openapi_core.OpenAPI
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(_without_unmapped_discriminators(json.loads(SPEC.read_text())))


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


def _werkzeug_request(method: str, path: str, query: str, body: bytes | None):
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    builder = EnvironBuilder(method=method, path=path, base_url=BASE, query_string=query,
                             data=body or None,
                             content_type="application/json" if body else None)
    return WerkzeugOpenAPIRequest(Request(builder.get_environ()))


def validate_response(request: Any, status: int, data: Any, headers: dict[str, str]) -> None:
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
    from werkzeug.wrappers import Response

    answer = Response(json.dumps(data), status=status, content_type="application/json",
                      headers=headers)
    openapi().validate_response(request, WerkzeugOpenAPIResponse(answer))


@functools.cache
def _templates() -> list[tuple[str, re.Pattern[str]]]:
    paths = json.loads(SPEC.read_text())["paths"]
    ordered = sorted(paths, key=lambda t: t.count("{"))  # literal segments before parameters
    return [(t, re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(t)))) for t in ordered]


@dataclass
class Fault:
    """What to do instead of (or after) the normal answer, once."""

    status: int = 502
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay_s: float = 0.0  # sleep before answering (past the client's timeout: no answer)
    apply_first: bool = False  # carry the request out, then answer with the fault
    before: Callable[[], None] | None = None  # runs first, e.g. deleting a comment


def user(login: str, kind: str = "User") -> dict[str, Any]:
    uid = abs(hash(login)) % 10**6
    url = f"{BASE}/users/{login}"
    return {
        "login": login, "id": uid, "node_id": f"U_{uid}",
        "avatar_url": "https://avatars.githubusercontent.com/u/1", "gravatar_id": "",
        "url": url, "html_url": f"https://github.com/{login}",
        "followers_url": f"{url}/followers", "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}", "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions", "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "type": kind, "site_admin": False,
    }


class FakeGitHub:
    """State and behaviour; `serve()` puts it on a loopback port."""

    def __init__(self) -> None:
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.check_runs: list[dict[str, Any]] = []
        self.check_annotations: dict[int, list[dict[str, Any]]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.calls: Counter[tuple[str, str]] = Counter()
        self.log: list[tuple[str, str]] = []
        self.violations: list[str] = []
        self.faults: dict[tuple[str, str], list[Fault]] = {}
        self.forbidden: set[tuple[str, str]] = set()  # operations the token may not do
        self.user_login = "octo-user"
        self._next_id = 1000
        self.lock = threading.Lock()
        self.url = ""

    # --- scripting -----------------------------------------------------------------------
    def fail(self, method: str, template: str, *faults: Fault) -> None:
        self.faults.setdefault((method, template), []).extend(faults)

    def add_comment(self, number: int, body: str, login: str = "someone",
                    kind: str = "User") -> dict[str, Any]:
        comment = self._comment(number, body, user(login, kind))
        self.comments.setdefault(number, []).append(comment)
        return comment

    def total_calls(self) -> int:
        return sum(self.calls.values())

    # --- handling -------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, body: bytes, token: str
               ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path = parts.path.removeprefix("/api/v3")  # GitHub Enterprise's prefix
        from openapi_core.templating.paths.exceptions import PathNotFound

        request = _werkzeug_request(method, path, parts.query, body)
        try:
            openapi().validate_request(request)
        except PathNotFound:
            self.violations.append(f"{method} {path}: not in GitHub's description")
            return 404, {}, {"message": "Not Found", "documentation_url": "x"}
        except Exception as exc:  # every other validation failure is the client's fault
            self.violations.append(f"{method} {raw_path}: {type(exc).__name__}: {exc}")
            return 422, {}, {"message": "Validation Failed", "documentation_url": "x"}
        template = self._template(path)
        with self.lock:
            self.calls[(method, template)] += 1
            self.log.append((method, template))
            queued = self.faults.get((method, template))
            fault = queued.pop(0) if queued else None
        if fault is not None:
            if fault.before:
                fault.before()
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.apply_first:
                self._route(method, path, parts.query, body, token)
            return fault.status, fault.headers, fault.body or {
                "message": "Server Error", "documentation_url": "x"}
        status, headers, data = self._route(method, path, parts.query, body, token)
        if status < 300:
            try:
                validate_response(request, status, data, headers)
            except Exception as exc:
                self.violations.append(f"answer to {method} {path} breaks the description: "
                                       f"{exc}")
        return status, headers, data

    @staticmethod
    def _template(path: str) -> str:
        """The description's path template a concrete path matches (literal segments win)."""
        for template, pattern in _templates():
            if pattern.fullmatch(path):
                return template
        return path

    def _route(self, method: str, path: str, query: str, body: bytes, token: str
               ) -> tuple[int, dict[str, str], Any]:
        data = json.loads(body) if body else None
        segs = path.strip("/").split("/")
        if path == "/user":
            if token.startswith("ghs_"):
                return 403, {}, {"message": "Resource not accessible by integration",
                                 "documentation_url": "x"}
            return 200, {}, {**user(self.user_login), "user_view_type": "public",
                             "name": None, "company": None,
                             "blog": "", "location": None, "email": None, "hireable": None,
                             "bio": None, "public_repos": 0, "public_gists": 0,
                             "followers": 0, "following": 0, "created_at": NOW,
                             "updated_at": NOW}
        template = self._template(path)
        if (method, template) in self.forbidden:
            return 403, {}, {"message": "Resource not accessible by integration",
                             "documentation_url": "x"}
        author = user("github-actions[bot]", "Bot") if token.startswith("ghs_") \
            else user(self.user_login)
        if segs[3:4] == ["issues"] and segs[-1] == "comments":
            number = int(segs[4])
            if method == "POST":
                comment = self._comment(number, data["body"], author)
                with self.lock:
                    self.comments.setdefault(number, []).append(comment)
                return 201, {}, comment
            return self._page(self.comments.get(number, []), query, path)
        if segs[3:5] == ["issues", "comments"]:
            cid = int(segs[5])
            for items in self.comments.values():
                for comment in items:
                    if comment["id"] == cid:
                        if method == "PATCH":
                            comment["body"] = data["body"]
                            comment["updated_at"] = NOW
                        return 200, {}, comment
            return 404, {}, {"message": "Not Found", "documentation_url": "x"}
        if segs[3] == "check-runs":
            if method == "POST":
                run = self._check_run(data)
                self.check_runs.append(run)
                self.check_annotations[run["id"]] = list(data["output"].get("annotations", []))
                return 201, {}, run
            run = next(r for r in self.check_runs if r["id"] == int(segs[4]))
            self.check_annotations[run["id"]] += data["output"].get("annotations", [])
            return 200, {}, run
        if segs[3] == "commits" and segs[-1] == "check-runs":
            runs = [r for r in self.check_runs if r["head_sha"] == segs[4]]
            return 200, {}, {"total_count": len(runs), "check_runs": runs}
        if segs[3] == "statuses":
            status = self._status(segs[4], data)
            self.statuses.append(status)
            return 201, {}, status
        self.violations.append(f"{method} {path}: the fake does not implement it")
        return 404, {}, {"message": "Not Found", "documentation_url": "x"}

    def _new_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    def _comment(self, number: int, body: str, author: dict[str, Any]) -> dict[str, Any]:
        cid = self._new_id()
        repo = f"{BASE}/repos/o/r"
        return {"id": cid, "node_id": f"IC_{cid}", "url": f"{repo}/issues/comments/{cid}",
                "html_url": f"https://github.com/o/r/pull/{number}#issuecomment-{cid}",
                "body": body, "user": author, "created_at": f"2026-11-23T00:00:{cid % 60:02d}Z",
                "updated_at": NOW, "issue_url": f"{repo}/issues/{number}",
                "author_association": "NONE"}

    def _page(self, items: list[dict[str, Any]], query: str, path: str
              ) -> tuple[int, dict[str, str], Any]:
        params = parse_qs(query)
        per_page = int(params.get("per_page", ["30"])[0])
        page = int(params.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page: page * per_page]
        last = max((len(items) + per_page - 1) // per_page, 1)
        links = []
        if page < last:
            links.append(f'<{self.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{self.url}{path}?per_page={per_page}&page={last}>; rel="last"')
        return 200, ({"Link": ", ".join(links)} if links else {}), chunk

    def _check_run(self, data: dict[str, Any]) -> dict[str, Any]:
        rid = self._new_id()
        output = data.get("output", {})
        app = {"id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=",
               "owner": user("github", "Organization"), "name": "GitHub Actions",
               "description": "", "external_url": "https://help.github.com/en/actions",
               "html_url": "https://github.com/apps/github-actions", "created_at": NOW,
               "updated_at": NOW, "permissions": {}, "events": []}
        return {"id": rid, "head_sha": data["head_sha"], "node_id": f"CR_{rid}",
                "external_id": "", "url": f"{BASE}/repos/o/r/check-runs/{rid}",
                "html_url": f"https://github.com/o/r/runs/{rid}",
                "details_url": data.get("details_url"), "status": data.get("status", "queued"),
                "conclusion": data.get("conclusion"), "started_at": NOW, "completed_at": NOW,
                "output": {"title": output.get("title"), "summary": output.get("summary"),
                           "text": output.get("text"), "annotations_count": 0,
                           "annotations_url": f"{BASE}/repos/o/r/check-runs/{rid}/annotations"},
                "name": data["name"], "check_suite": {"id": 1}, "app": app,
                "pull_requests": []}

    def _status(self, sha: str, data: dict[str, Any]) -> dict[str, Any]:
        sid = self._new_id()
        return {"url": f"{BASE}/repos/o/r/statuses/{sha}", "avatar_url": None, "id": sid,
                "node_id": f"ST_{sid}", "state": data["state"],
                "description": data.get("description"), "target_url": data.get("target_url"),
                "context": data.get("context", "default"), "created_at": NOW,
                "updated_at": NOW, "creator": user("github-actions[bot]", "Bot")}


def serve(fake: FakeGitHub) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            status, headers, data = fake.handle(self.command, self.path, body, token)
            payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
