"""The action and workflows we ship: no expression reaches a shell, every action pinned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT

FILES = [REPO_ROOT / "action.yml", *sorted((REPO_ROOT / ".github/workflows").glob("*.yml")),
         *sorted((REPO_ROOT / "templates").rglob("*.yml"))]
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def steps(document: dict) -> list[dict]:
    if "runs" in document:
        return document["runs"]["steps"]
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_expression_is_interpolated_into_a_shell(path: Path) -> None:
    for step in steps(yaml.safe_load(path.read_text())):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_third_party_actions_are_pinned_by_commit(path: Path) -> None:
    for step in steps(yaml.safe_load(path.read_text())):
        uses = step.get("uses")
        if uses and not uses.startswith(("./", "OWNER/mlgate@")):
            assert PINNED.match(uses), f"{path.name}: {uses} is not pinned by full SHA"


@pytest.mark.parametrize("path", [p for p in FILES if p.name != "action.yml"],
                         ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_workflows_least_privilege_and_checkouts_keep_no_credentials(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    writes = {"pull-requests": "write", "checks": "write"}  # the report: comment and check
    reports = path.name in ("pull-request.yml", "mlgate.yml") and "templates" in path.parts
    assert document["permissions"] == {"contents": "read", **(writes if reports else {})}
    for step in steps(document):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
