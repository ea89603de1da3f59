"""Real runs of the example with their hand-overs, as a fork's job leaves them."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from mlgate.ci import handoff
from mlgate.github.context import ActionsContext, WorkflowRun
from tests.action import events
from tests.conftest import git, isolate

HEAD = "a" * 40
BASE = "b" * 40  # the base branch's commit, as GitHub names it for pull request #7
RUN = WorkflowRun(
    id=5, event="pull_request", conclusion="success", head_sha=HEAD, head_repository=events.FORK
)
CTX = ActionsContext(event_name="workflow_run", repository=events.REPOSITORY, workflow_run=RUN)
FORK_CTX = replace(CTX, event_name="pull_request", pull_number=7, head_sha=HEAD, is_fork=True)


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the example, with its hand-over written as a fork's job writes it."""
    from mlgate import manifest as manifests
    from mlgate import pipeline, scaffold
    from mlgate.result import runs

    root = tmp_path_factory.mktemp("ex")
    scaffold.init(root, example=True)
    loaded = manifests.load(root / "mlops.yaml")
    result = pipeline.run(loaded)
    folder = runs.run_dir(root, result.run_id)
    handoff.write(folder, loaded, FORK_CTX, "models/mlops.yaml")
    return folder


@pytest.fixture(scope="session")
def pull_request_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the example as a pull request's job makes it: on a branch a commit
    past main (C 0.5 -> 0.4), compared with main's model, with its hand-over (the manifest
    at `mlops.yaml`, the same at both commits)."""
    from mlgate import manifest as manifests
    from mlgate import pipeline, scaffold
    from mlgate.result import runs

    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(tmp_path_factory.mktemp("home"), monkeypatch)
        root = tmp_path_factory.mktemp("pull") / "repo"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        scaffold.init(root, example=True)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "the example")
        git(root, "checkout", "-q", "-b", "feature")
        params = root / "params.yaml"
        params.write_text(params.read_text().replace("C: 0.5", "C: 0.4"))
        git(root, "commit", "-q", "-am", "Tune C")
        loaded = manifests.load(root / "mlops.yaml")
        result = pipeline.run(loaded, env={**os.environ, "GITHUB_BASE_REF": "main"})
    assert result.compare is not None and result.compare.baseline.kind == "git"
    folder = runs.run_dir(root, result.run_id)
    handoff.write(folder, loaded, FORK_CTX, "mlops.yaml")
    return folder
