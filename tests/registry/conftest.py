"""A real git repository with a model run that passed, and a bare origin beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.manifest.spec import Manifest
from mlgate.registry.operations import Where
from mlgate.result.records import RunResult
from tests import projects
from tests.conftest import git

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
        """Another commit (the model's C changed) and its run."""
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
    """The iris project committed in a new repository, and a run of it that passed."""
    written = projects.iris_files(Path(), manifest=projects.IRIS_MANIFEST + environments)
    written[".gitignore"] = "models/\n"
    written.update(files or {})
    projects.write(root, written)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "iris")
    if origin is not None:
        git(root, "remote", "add", "origin", str(origin))
        git(root, "push", "-q", "origin", "main")
    loaded = manifests.load(root / "mlops.yaml")
    return Project(root=root, manifest=loaded, run=pipeline.run(loaded, compare=False))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "repo")


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    return bare
