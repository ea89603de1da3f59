"""A real run of the example with its hand-over, as a fork's job leaves it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mlgate.ci import handoff
from mlgate.github.context import ActionsContext, WorkflowRun
from tests.action import events

HEAD = "a" * 40
RUN = WorkflowRun(
    id=5, event="pull_request", conclusion="success", head_sha=HEAD, head_repository=events.FORK
)
CTX = ActionsContext(event_name="workflow_run", repository=events.REPOSITORY, workflow_run=RUN)


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
    ctx = replace(CTX, event_name="pull_request", pull_number=7, head_sha=HEAD, is_fork=True)
    handoff.write(folder, loaded, ctx, "models/mlops.yaml")
    return folder
