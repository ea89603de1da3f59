"""The red or green mark on the commit: a check run with the summary and annotations, or a
commit status where the token may not create check runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mlgate.github.http import Forbidden, GitHub, UncertainWrite

OUTPUT_LIMIT = 65_535  # a check run's summary and text, each
ANNOTATIONS_PER_REQUEST = 50
Conclusion = Literal["success", "failure", "neutral"]


@dataclass(frozen=True, kw_only=True)
class Annotation:
    path: str  # from the repository's top
    start_line: int
    end_line: int
    level: Literal["notice", "warning", "failure"]
    message: str
    title: str = ""

    def to_api(self) -> dict[str, object]:
        data: dict[str, object] = {"path": self.path, "start_line": self.start_line,
                                   "end_line": self.end_line,
                                   "annotation_level": self.level,
                                   "message": self.message[:OUTPUT_LIMIT]}
        if self.title:
            data["title"] = self.title[:255]
        return data


@dataclass(frozen=True, kw_only=True)
class CheckOutcome:
    kind: Literal["check_run", "commit_status"]
    id: int | None
    url: str


def publish_check(gh: GitHub, owner: str, repo: str, *, head_sha: str, name: str,
                  conclusion: Conclusion, title: str, summary: str, text: str | None = None,
                  annotations: Sequence[Annotation] = (),
                  details_url: str | None = None) -> CheckOutcome:
    batches = [list(annotations[i:i + ANNOTATIONS_PER_REQUEST])
               for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)] or [[]]
    output = {"title": title[:255], "summary": summary[:OUTPUT_LIMIT]}
    if text:
        output["text"] = text[:OUTPUT_LIMIT]
    body: dict[str, object] = {"name": name, "head_sha": head_sha, "status": "completed",
                               "conclusion": conclusion,
                               "output": {**output,
                                          "annotations": [a.to_api() for a in batches[0]]}}
    if details_url:
        body["details_url"] = details_url
    try:
        created = _create(gh, owner, repo, body, head_sha, name)
    except Forbidden:
        return _status(gh, owner, repo, head_sha=head_sha, name=name, conclusion=conclusion,
                       title=title, details_url=details_url)
    check_id = int(created["id"])
    for batch in batches[1:]:
        gh.request("PATCH", f"/repos/{owner}/{repo}/check-runs/{check_id}",
                   json={"output": {**output, "annotations": [a.to_api() for a in batch]}})
    return CheckOutcome(kind="check_run", id=check_id, url=str(created.get("html_url", "")))


def _create(gh: GitHub, owner: str, repo: str, body: dict[str, object], head_sha: str,
            name: str) -> dict[str, object]:
    try:
        return gh.request("POST", f"/repos/{owner}/{repo}/check-runs", json=body).data
    except UncertainWrite:  # look before writing again: one check run per run
        listed = gh.request("GET", f"/repos/{owner}/{repo}/commits/{head_sha}/check-runs",
                            params={"check_name": name, "filter": "latest"}).data
        runs = listed.get("check_runs", []) if isinstance(listed, dict) else []
        if runs:
            return runs[0]
        return gh.request("POST", f"/repos/{owner}/{repo}/check-runs", json=body).data


def _status(gh: GitHub, owner: str, repo: str, *, head_sha: str, name: str,
            conclusion: Conclusion, title: str, details_url: str | None) -> CheckOutcome:
    body = {"state": "success" if conclusion != "failure" else "failure",
            "description": title if len(title) <= 140 else title[:139] + "…",
            "context": f"mlgate/{name.removeprefix('mlgate / ')}"}
    if details_url:
        body["target_url"] = details_url
    done = gh.request("POST", f"/repos/{owner}/{repo}/statuses/{head_sha}", json=body).data
    return CheckOutcome(kind="commit_status", id=done.get("id"), url=str(done.get("url", "")))
