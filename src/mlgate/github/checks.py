"""The red or green mark on the commit: a check run carrying the report and annotations,
or a commit status where the token may not create check runs.

Each check run is created with a random `external_id`, so that after a POST whose answer
was lost mlgate can tell its own run from one an earlier attempt of the job made. GitHub
appends the annotations of every update, so an update whose answer was lost is not sent
again blindly either: the run's `annotations_count` says whether it was carried out.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mlgate.errors import UserError
from mlgate.github.http import Forbidden, GitHub, UncertainWrite

OUTPUT_LIMIT = 65_535  # characters: a check run's summary, and its text
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_TITLE_LIMIT = 255  # characters
ANNOTATION_MESSAGE_LIMIT = 64 * 1024  # bytes ("64 KB")
DESCRIPTION_LIMIT = 140  # a commit status's description
POST_TRIES = 3
SETTLE_S = 2.0  # before looking for a check run whose POST answer was lost
Conclusion = Literal["success", "failure", "neutral"]
LEVELS = ("notice", "warning", "failure")


@dataclass(frozen=True, kw_only=True)
class Annotation:
    path: str  # from the repository's top
    start_line: int  # 1-based
    end_line: int
    level: Literal["notice", "warning", "failure"]
    message: str
    title: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.start_line <= self.end_line:
            raise ValueError(
                f"annotation lines {self.start_line}-{self.end_line} are not a "
                "range of 1-based lines"
            )
        if self.level not in LEVELS:
            raise ValueError(f"annotation level {self.level!r} is not one of {LEVELS}")

    def to_api(self) -> dict[str, object]:
        """The Checks API's shape, cut to its limits (the text is untrusted and unbounded)."""
        data: dict[str, object] = {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "annotation_level": self.level,
            "message": _cut_bytes(self.message or "(no message)", ANNOTATION_MESSAGE_LIMIT),
        }
        if self.title:
            data["title"] = _cut(self.title, ANNOTATION_TITLE_LIMIT)
        return data


@dataclass(frozen=True, kw_only=True)
class CheckOutcome:
    kind: Literal["check_run", "commit_status"]
    id: int | None
    url: str
    annotations: int = 0  # how many went with the check run


def publish_check(
    gh: GitHub,
    owner: str,
    repo: str,
    *,
    head_sha: str,
    name: str,
    conclusion: Conclusion,
    title: str,
    summary: str,
    text: str | None = None,
    annotations: Sequence[Annotation] = (),
    details_url: str | None = None,
) -> CheckOutcome:
    """A completed check run with every annotation (50 a request); a commit status instead
    when the token may not create check runs (403)."""
    _guard("summary", summary)
    if text is not None:
        _guard("text", text)
    output: dict[str, object] = {"title": title, "summary": summary}
    if text:
        output["text"] = text
    batches = [
        [a.to_api() for a in annotations[i : i + ANNOTATIONS_PER_REQUEST]]
        for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    body: dict[str, object] = {
        "name": name,
        "head_sha": head_sha,
        "external_id": f"mlgate-{secrets.token_hex(12)}",
        "status": "completed",
        "conclusion": conclusion,
        "output": {**output, "annotations": batches[0]},
    }
    if details_url:
        body["details_url"] = details_url
    try:
        created = _create(gh, owner, repo, body)
    except Forbidden:
        return _status(
            gh,
            owner,
            repo,
            head_sha=head_sha,
            name=name,
            conclusion=conclusion,
            title=title,
            details_url=details_url,
        )
    check_id = int(created["id"])
    sent = len(batches[0])
    for batch in batches[1:]:  # each update appends its annotations to the run's
        _append(gh, owner, repo, body, check_id, {**output, "annotations": batch}, sent)
        sent += len(batch)
    return CheckOutcome(
        kind="check_run",
        id=check_id,
        url=str(created.get("html_url") or ""),
        annotations=len(annotations),
    )


def _create(gh: GitHub, owner: str, repo: str, body: dict[str, Any]) -> dict[str, Any]:
    path = f"/repos/{owner}/{repo}/check-runs"
    for _ in range(POST_TRIES):
        try:
            created: dict[str, Any] = gh.request("POST", path, json=body).data
            return created
        except UncertainWrite:  # look before writing again: one check run per publish
            gh.wait(SETTLE_S, "")
            found = _find(gh, owner, repo, body)
            if found is not None:
                return found
    raise UncertainWrite(
        f"POST {path}: no answer after {POST_TRIES} tries, and no check run of ours appeared",
        method="POST",
        path=path,
    )


def _append(
    gh: GitHub,
    owner: str,
    repo: str,
    body: dict[str, Any],
    check_id: int,
    output: dict[str, Any],
    before: int,
) -> None:
    """One batch of annotations onto the run that holds `before`. Sent again only when
    the run's count says the lost one was not carried out: a second copy of the batch
    would be appended."""
    path = f"/repos/{owner}/{repo}/check-runs/{check_id}"
    for _ in range(POST_TRIES):
        try:
            gh.request("PATCH", path, json={"output": output}, idempotent=False)
            return
        except UncertainWrite:
            gh.wait(SETTLE_S, "")
            found = _find(gh, owner, repo, body)
            count = ((found or {}).get("output") or {}).get("annotations_count")
            if not isinstance(count, int):
                raise UncertainWrite(
                    f"PATCH {path}: its answer was lost, and the check run's annotations "
                    "could not be counted to tell whether it was carried out",
                    method="PATCH",
                    path=path,
                ) from None
            if count > before:
                return  # carried out: its answer alone was lost
    raise UncertainWrite(
        f"PATCH {path}: no answer after {POST_TRIES} tries, and the annotations did not appear",
        method="PATCH",
        path=path,
    )


def reported(gh: GitHub, repository: str, sha: str, name: str) -> bool:
    """Whether a check run `name` is on commit `sha` (a retraining that died after its pull
    request opened left none); False where the token may not read check runs."""
    owner, repo = repository.split("/", 1)
    listing = f"/repos/{owner}/{repo}/commits/{sha}/check-runs"
    try:
        return any(
            isinstance(run, dict) and run.get("name") == name
            for page in gh.paginate(
                listing, {"check_name": name, "filter": "all"}, key="check_runs"
            )
            for run in page
        )
    except Forbidden:
        return False


def _find(gh: GitHub, owner: str, repo: str, body: dict[str, Any]) -> dict[str, Any] | None:
    listing = f"/repos/{owner}/{repo}/commits/{body['head_sha']}/check-runs"
    query = {"check_name": body["name"], "filter": "all"}
    for page in gh.paginate(listing, query, key="check_runs"):
        for run in page:
            if isinstance(run, dict) and run.get("external_id") == body["external_id"]:
                return run
    return None


def _status(
    gh: GitHub,
    owner: str,
    repo: str,
    *,
    head_sha: str,
    name: str,
    conclusion: Conclusion,
    title: str,
    details_url: str | None,
) -> CheckOutcome:
    """A commit status says less (no summary, no annotations) but needs only
    `statuses: write`; "neutral" has no status of its own and reads as success."""
    body = {
        "state": "failure" if conclusion == "failure" else "success",
        "description": _cut(title, DESCRIPTION_LIMIT),
        "context": f"mlgate/{name.removeprefix('mlgate / ')}",
    }
    if details_url:
        body["target_url"] = details_url
    path = f"/repos/{owner}/{repo}/statuses/{head_sha}"
    for attempt in range(POST_TRIES):
        try:
            done = gh.request("POST", path, json=body).data
            break
        except UncertainWrite:  # a second status with the same context replaces the first
            if attempt + 1 == POST_TRIES:
                raise
    return CheckOutcome(
        kind="commit_status",
        id=done.get("id"),
        url=str(done.get("target_url") or done.get("url") or ""),
    )


def _guard(field: str, value: str) -> None:
    """The report layer trims to these limits; this only refuses what would fail anyway."""
    if len(value) > OUTPUT_LIMIT:
        raise UserError(
            f"the check run's {field} has {len(value)} characters; GitHub takes at "
            f"most {OUTPUT_LIMIT}",
            hint="render the report with a limit",
        )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"
