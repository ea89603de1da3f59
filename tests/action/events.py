"""Event payloads for the action's tests: GitHub's real webhook payloads (the fixtures),
with the fields that name this test's repository, commits and pull request changed.

GitHub ships no workflow_run or schedule payload among the fixtures: the workflow_run
one is built here and checked against the `workflow-run` schema of GitHub's REST
description, whose run objects the webhook's `workflow_run` is; schedule's payload is
one field.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES

EVENTS = FIXTURES / "github" / "events"
SPEC = FIXTURES / "github" / "rest-api-subset.json"
REPOSITORY = "Codertocat/Hello-World"  # the fixtures' repository
FORK = "forker/Hello-World"


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def _repository(full_name: str, default_branch: str) -> dict[str, Any]:
    repo = copy.deepcopy(_fixture("pull_request.opened")["repository"])
    owner, name = full_name.split("/")
    repo.update(full_name=full_name, name=name, default_branch=default_branch)
    repo["owner"]["login"] = owner
    return repo


def pull_request(
    *,
    number: int,
    head_sha: str,
    base_sha: str,
    head_ref: str = "feature",
    base_ref: str = "main",
    fork: bool = False,
    title: str = "Tune C",
    body: str = "",
    action: str = "synchronize",
) -> dict[str, Any]:
    event = _fixture(
        "pull_request.synchronize" if action == "synchronize" else "pull_request.opened"
    )
    event.update(action=action, number=number, repository=_repository(REPOSITORY, base_ref))
    pr = event["pull_request"]
    pr.update(number=number, title=title, body=body, state="open", merge_commit_sha=head_sha)
    pr["head"].update(
        sha=head_sha,
        ref=head_ref,
        label=f"x:{head_ref}",
        repo=_repository(FORK if fork else REPOSITORY, base_ref),
    )
    pr["base"].update(sha=base_sha, ref=base_ref, repo=_repository(REPOSITORY, base_ref))
    return event


def push(*, ref: str, before: str, after: str, default_branch: str = "main") -> dict[str, Any]:
    event = _fixture("push")
    event.update(
        ref=ref,
        before=before,
        after=after,
        created=False,
        deleted=False,
        repository={**event["repository"], "default_branch": default_branch},
    )
    return event


def workflow_dispatch(inputs: dict[str, Any], ref: str = "refs/heads/main") -> dict[str, Any]:
    event = _fixture("workflow_dispatch")
    event.update(inputs=inputs, ref=ref)
    event["repository"]["default_branch"] = "main"
    return event


def schedule(cron: str = "17 4 * * *") -> dict[str, Any]:
    return {"schedule": cron}


def workflow_run(
    *,
    run_id: int,
    head_sha: str,
    head_branch: str = "feature",
    head_repository: str = FORK,
    event: str = "pull_request",
    conclusion: str = "success",
) -> dict[str, Any]:
    """A `workflow_run` completed event for the pull-request workflow's run."""
    base = _repository(REPOSITORY, "main")
    url = f"https://api.github.com/repos/{REPOSITORY}/actions/runs/{run_id}"
    run = {
        "id": run_id,
        "node_id": f"WFR_{run_id}",
        "name": "mlgate",
        "head_branch": head_branch,
        "head_sha": head_sha,
        "path": ".github/workflows/mlgate.yml",
        "run_number": 7,
        "display_title": "Tune C",
        "event": event,
        "status": "completed",
        "conclusion": conclusion,
        "workflow_id": 4242,
        "url": url,
        "html_url": f"https://github.com/{REPOSITORY}/actions/runs/{run_id}",
        "created_at": "2026-11-23T08:00:00Z",
        "updated_at": "2026-11-23T08:05:00Z",
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"https://api.github.com/repos/{REPOSITORY}/check-suites/1",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "workflow_url": f"https://api.github.com/repos/{REPOSITORY}/actions/workflows/4242",
        "pull_requests": [],  # GitHub leaves it empty for a fork's pull request
        "head_commit": {
            "id": head_sha,
            "tree_id": head_sha,
            "message": "Tune C",
            "timestamp": "2026-11-23T07:59:00Z",
            "author": None,
            "committer": None,
        },
        "repository": base,
        "head_repository": _repository(head_repository, "main"),
    }
    problems = check_against_description(run, "workflow-run")
    assert not problems, problems
    return {
        "action": "completed",
        "workflow_run": run,
        "repository": base,
        "sender": _fixture("workflow_dispatch")["sender"],
    }


def check_against_description(value: Any, schema: str) -> list[str]:
    from openapi_schema_validator import OAS30Validator

    validator = OAS30Validator({"$ref": f"#/components/schemas/{schema}", **_components()})
    return [e.message for e in validator.iter_errors(value)]


@functools.cache
def _components() -> dict[str, Any]:
    return {"components": json.loads(SPEC.read_text())["components"]}


def write(path: Path, payload: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))
    return path
