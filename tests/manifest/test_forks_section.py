"""`forks:` says what a fork's pull request runs instead, with no secrets: a run that
uses it says so, and a normal run is untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgate import manifest, pipeline
from mlgate.errors import ManifestError
from tests import projects

# a preparation that needs a secret (a fork's run has none), and committed sample data
FORKABLE = (
    projects.IRIS_MANIFEST.replace(
        "data:\n",
        """data:
  prepare: python -c "import os, sys; os.environ.get('DATA_TOKEN') or sys.exit('no DATA_TOKEN')"
""",
        1,
    )
    + """forks:
  prepare: false
  data: {train: sample/train.csv, test: sample/test.csv}
"""
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    files = projects.iris_files(Path(), manifest=FORKABLE)
    files["sample/train.csv"] = files["data/train.csv"]
    files["sample/test.csv"] = files["data/test.csv"]
    return projects.write(tmp_path / "p", files)


def test_the_section_is_typed_and_says_what_changes(root: Path) -> None:
    loaded = manifest.load(root / "mlops.yaml")
    assert loaded.forks.changes() == (
        "data.prepare not run",
        "data.train read from sample/train.csv",
        "data.test read from sample/test.csv",
    )
    fork = loaded.for_fork()
    assert fork.data.prepare is None and fork.data.train == "sample/train.csv"
    assert loaded.data.prepare is not None  # the manifest itself is unchanged


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_a_forks_run_passes_without_the_secret_and_says_how_it_ran(root: Path) -> None:
    loaded = manifest.load(root / "mlops.yaml")
    no_secrets = {"PATH": os.environ["PATH"]}
    normal = pipeline.run(loaded, env=no_secrets, compare=False)
    assert normal.data.status == "failed" and "no DATA_TOKEN" in "\n".join(
        normal.data.prepare.log_tail
    )
    fork = pipeline.run(loaded, env=no_secrets, compare=False, fork=True)
    assert fork.passed, fork.summary
    assert fork.notes == (
        "fork pull request: data.prepare not run",
        "fork pull request: data.train read from sample/train.csv",
        "fork pull request: data.test read from sample/test.csv",
    )
    report = (root / ".mlgate/runs" / fork.run_id / "report.md").read_text()
    assert "> fork pull request: data.prepare not run" in report


def test_an_unknown_key_in_forks_is_located(root: Path) -> None:
    (root / "mlops.yaml").write_text(FORKABLE + "  secrets: none\n")
    with pytest.raises(ManifestError) as error:
        manifest.load(root / "mlops.yaml")
    (problem,) = error.value.problems
    assert problem.path == "forks.secrets" and "unknown key 'secrets'" in problem.message
    assert problem.line == FORKABLE.count("\n") + 1
