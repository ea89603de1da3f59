"""A real git repository with a model run that passed, and a bare origin beside it."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.manifest.spec import Manifest
from mlgate.registry.operations import Where
from mlgate.result import runs
from mlgate.result.records import RunResult
from tests import projects
from tests.conftest import git, in_fast_tier, shared_setup

ENVIRONMENTS = """environments:
  staging: {on: merge}
  production: {requires: staging}
"""


@dataclass
class Project:
    root: Path
    manifest: Manifest
    run: RunResult

    def where(self) -> Where:
        return Where.of(self.manifest)

    def next_commit(self, c: float) -> RunResult:
        """Another commit (the model's C changed) and its run: a training, so never of a
        project whose model was fitted ahead (it would copy the same model whatever C)."""
        from tests.ahead import MARK, PICK_MARK, fit_for

        train = self.root / "train.py"
        assert not train.read_text().startswith(MARK), (
            "a project trained ahead retrains nothing: a test that retrains is end to end "
            "(mark it e2e, docs/testing.md)"
        )
        if train.read_text().startswith(PICK_MARK):  # `picked_project`: its C fitted ahead
            fit_for(c)
        (self.root / "params.yaml").write_text(f"train:\n  C: {c}\n")
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", f"C = {c}")
        self.run = pipeline.run(self.manifest, compare=False)
        return self.run


def make_project(
    root: Path,
    *,
    origin: Path | None = None,
    environments: str = ENVIRONMENTS,
    files: dict[str, str] | None = None,
) -> Project:
    """The iris project committed in a new repository, and a run of it that passed.

    Each kind of project is trained once per process (a run is a training subprocess and
    an evaluation, seconds each) and copied: the copy is the same repository, commit and
    run, byte for byte, at `root`. In the fast tier, a project with the standard train.py
    has its model fitted ahead (tests/ahead.py: the same fit, without a process that
    imports scikit-learn for it once a worker, 2 to 4 s); an end-to-end test's trains as
    the user's does."""
    extra = files or {}
    if "train.py" not in extra and in_fast_tier():
        from tests.ahead import trained_ahead  # it imports this module

        extra = trained_ahead(extra, environments)
    dates = tuple(os.environ.get(name, "") for name in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"))
    key = (environments, tuple(sorted(extra.items())), dates)
    if key not in _TRAINED:
        with shared_setup():
            folder = Path(tempfile.mkdtemp(prefix="mlgate-iris-"))
            _TRAINED[key] = _train(folder, environments, extra)
    shutil.copytree(_TRAINED[key], root, symlinks=True)
    if origin is not None:
        git(root, "remote", "add", "origin", str(origin))
        git(root, "push", "-q", "origin", "main")
    loaded = manifests.load(root / "mlops.yaml")
    return Project(root=root, manifest=loaded, run=runs.read_latest(root))


_TRAINED: dict[tuple[object, ...], Path] = {}


def share_store(source: Path, clone: Path) -> None:
    """The folder store of `source` copied into another clone of its origin: a folder
    store belongs to one clone, and a promotion checks the version's objects are there
    (a team shares a bucket instead)."""
    store = Path(".mlgate") / "registry"
    shutil.copytree(source / store, clone / store, dirs_exist_ok=True)


def promote(project: Project) -> Project:
    """The project's run registered, and promoted to staging and then production."""
    from mlgate import promotion
    from mlgate.registry import operations

    where = project.where()
    version = operations.register(where, project.manifest, project.run).version
    for stage in ("staging", "production"):
        promotion.promote(where, project.manifest, version, stage)
    project.manifest = manifests.load(project.root / "mlops.yaml")
    return project


def _train(folder: Path, environments: str, files: dict[str, str]) -> Path:
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    root = folder / "repo"
    written = projects.iris_files(Path(), manifest=projects.IRIS_MANIFEST + environments)
    written[".gitignore"] = "models/\n"
    written.update(files)
    projects.write(root, written)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "iris")
    pipeline.run(manifests.load(root / "mlops.yaml"), compare=False)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "repo")


@pytest.fixture
def picked_project(tmp_path: Path) -> Project:
    """`project` whose training copies the model fitted ahead for params.yaml's C
    (tests/ahead.py's `PICK`), each commit's run still a run of mlgate's: for the
    end-to-end tests about what happens to a new commit's run, not how it trains."""
    from tests.ahead import picking

    return make_project(tmp_path / "repo", files=picking())


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    return bare
