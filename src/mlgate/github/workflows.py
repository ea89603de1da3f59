"""Starting a workflow by hand (`workflow_dispatch`), as the Actions tab's button does."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from mlgate.github.http import GitHub


def dispatch(
    gh: GitHub, repository: str, workflow: str, *, ref: str, inputs: Mapping[str, str]
) -> None:
    """Start `workflow` (its file name, e.g. mlgate-retrain.yml) on branch `ref`. GitHub
    answers 204 and no run id: the run appears in the workflow's list moments later."""
    path = f"/repos/{repository}/actions/workflows/{quote(workflow, safe='')}/dispatches"
    gh.request("POST", path, json={"ref": ref, "inputs": dict(inputs)})
