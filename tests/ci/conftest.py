"""Real runs of the example with their hand-overs, as a fork's job leaves them."""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import shutil
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
    """A real run of the example, with its hand-over written as a fork's job writes it:
    its data and model made ahead by its own scripts (`_made_ahead`), as for
    `pull_request_run`."""
    from mlgate import manifest as manifests
    from mlgate import pipeline, scaffold
    from mlgate.result import runs

    root = tmp_path_factory.mktemp("ex")
    scaffold.init(root, example=True)
    _made_ahead(root, tmp_path_factory.mktemp("ahead"), ("0.5",))  # the params' own C
    loaded = manifests.load(root / "mlops.yaml")
    result = pipeline.run(loaded)
    folder = runs.run_dir(root, result.run_id)
    handoff.write(folder, loaded, FORK_CTX, "models/mlops.yaml")
    return folder


# The example's own prepare.py and train.py, run once here ahead of the runs (in this
# process: the same code on the same seeded data, so the same bytes), and in the project
# scripts that copy what they wrote: 4 processes of ~50 ms in place of 4 importing
# scikit-learn (9 to 12 s of this module's setup, on a loaded 2-core machine).
COPY_DATA = """\
import os, shutil, sys
from pathlib import Path
for env, name in (("MLGATE_DATA_TRAIN", "train.csv"), ("MLGATE_DATA_TEST", "test.csv")):
    path = Path(os.environ.get(env, "data/" + name))
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(AHEAD, name), path)
sys.stdout.write(open(os.path.join(AHEAD, "prepare.log")).read())
"""
COPY_MODEL = """\
import os, shutil, sys, yaml
from pathlib import Path
C = yaml.safe_load(open(os.environ.get("MLGATE_PARAMS", "params.yaml")))["train"]["C"]
out = Path(os.environ.get("MLGATE_MODEL", "models/model.joblib"))
out.parent.mkdir(parents=True, exist_ok=True)
shutil.copy(os.path.join(AHEAD, str(C), "model.joblib"), out)
sys.stdout.write(open(os.path.join(AHEAD, str(C), "train.log")).read())
"""


def _made_ahead(root: Path, ahead: Path, cs: tuple[str, ...]) -> None:
    """The example at `root` with its prepare.py and train.py run here, in `ahead` (train.py
    once for each C of `cs`), and replaced by `COPY_DATA` and `COPY_MODEL`."""
    scripts = ahead / "scripts"
    scripts.mkdir()
    for name in ("prepare.py", "train.py"):
        shutil.copy(root / name, scripts / name)
    params = root / "params.yaml"
    _ran_ahead(
        scripts / "prepare.py",
        ahead,
        "prepare.log",
        MLGATE_PARAMS=str(params),
        MLGATE_DATA_TRAIN=str(ahead / "train.csv"),
        MLGATE_DATA_TEST=str(ahead / "test.csv"),
    )
    for c in cs:
        (ahead / c).mkdir()
        tuned = ahead / f"params-{c}.yaml"
        tuned.write_text(params.read_text().replace("C: 0.5", f"C: {c}"))
        _ran_ahead(
            scripts / "train.py",
            ahead / c,
            "train.log",
            MLGATE_PARAMS=str(tuned),
            MLGATE_DATA_TRAIN=str(ahead / "train.csv"),
            MLGATE_TARGET="diagnosis",
            MLGATE_MODEL=str(ahead / c / "model.joblib"),
        )
    told = f"AHEAD = {str(ahead)!r}\n"
    (root / "prepare.py").write_text(told + COPY_DATA)
    (root / "train.py").write_text(told + COPY_MODEL)


def _ran_ahead(script: Path, ahead: Path, log: str, **env: str) -> None:
    """`script` run in this process with mlgate's MLGATE_* variables; its output kept."""
    said = io.StringIO()
    with pytest.MonkeyPatch.context() as monkeypatch, contextlib.redirect_stdout(said):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        runpy.run_path(str(script), run_name="__main__")
    (ahead / log).write_text(said.getvalue())


@pytest.fixture(scope="session")
def pull_request_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/ci/conftest.py's `pull_request_run` (the example on a branch a commit past
    main, C 0.5 -> 0.4, compared with main's model, with its hand-over; the manifest at
    `mlops.yaml`, the same at both commits), its data and both models made ahead by the
    example's own scripts: a run copies them (`COPY_DATA`, `COPY_MODEL`, committed at both
    commits, so main's baseline run copies main's C 0.5 model). mlgate's run is the same:
    its stages, the baseline trained at main in its own work tree, the comparison."""
    from mlgate import manifest as manifests
    from mlgate import pipeline, scaffold
    from mlgate.result import runs

    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(tmp_path_factory.mktemp("home"), monkeypatch)
        root = tmp_path_factory.mktemp("pull") / "repo"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        scaffold.init(root, example=True)
        _made_ahead(root, tmp_path_factory.mktemp("ahead"), ("0.5", "0.4"))
        params = root / "params.yaml"
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "the example")
        git(root, "checkout", "-q", "-b", "feature")
        params.write_text(params.read_text().replace("C: 0.5", "C: 0.4"))
        git(root, "commit", "-q", "-am", "Tune C")
        loaded = manifests.load(root / "mlops.yaml")
        result = pipeline.run(loaded, env={**os.environ, "GITHUB_BASE_REF": "main"})
    assert result.compare is not None and result.compare.baseline.kind == "git"
    folder = runs.run_dir(root, result.run_id)
    handoff.write(folder, loaded, FORK_CTX, "mlops.yaml")
    return folder
