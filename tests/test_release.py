"""The action's pin names a commit whose mlgate accepts everything this mlgate writes.

The harness maps the action to the local checkout, so it cannot see a stale pin: these
tests read the pinned commit itself out of this repository's history.
"""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from mlgate import action_pin
from tests.conftest import REPO_ROOT, git


def _release_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "release_script", REPO_ROOT / "scripts" / "release.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _release_script()


def test_the_pinned_commit_is_this_release() -> None:
    assert script.check(REPO_ROOT) == []


def _pinned_mlgate(tmp_path: Path) -> Path:
    """The pinned commit's src/ and templates/, as a folder to put on PYTHONPATH."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", action_pin.COMMIT, "src", "templates"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    target = tmp_path / "pinned"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def _validate(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, "-m", "mlgate", "validate", "-C", str(root)],
        capture_output=True,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("example", [False, True], ids=["starter", "example"])
def test_the_pinned_mlgate_validates_what_this_one_writes(
    tmp_path: Path, example: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """This mlgate's init and validate in this process; the pinned one's, in its own."""
    from mlgate.cli import main

    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    argv = ["init", str(project), *(["--example"] if example else [])]
    assert main(argv) == 0, capsys.readouterr()
    pinned_src = _pinned_mlgate(tmp_path)
    assert main(["validate", "-C", str(project)]) == 0, capsys.readouterr()
    pinned = _validate(project, pinned_src)
    assert pinned.returncode == 0, f"the pinned mlgate refuses it:\n{pinned.stderr}"
    version = subprocess.run(
        [sys.executable, "-c", "import mlgate; print(mlgate.__file__)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(pinned_src)},
    )
    assert version.stdout.strip().startswith(str(pinned_src)), "the pinned copy was not used"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    root = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(REPO_ROOT), str(root))
    return root


def test_a_release_pins_its_own_commit_everywhere(clone: Path) -> None:
    released, pinned = script.release(clone, "99.0.0")
    assert script.check(clone) == []
    assert git(clone, "log", "-1", "--format=%s", released) == "Release v99.0.0"
    assert git(clone, "rev-parse", f"{pinned}~1") == released
    workflows = sorted((clone / "templates").rglob("*.yml"))
    assert workflows and all(
        f"mlgate/mlgate@{released} # v99.0.0" in p.read_text()
        for p in workflows
        if "mlgate/mlgate@" in p.read_text()
    )
    assert f'COMMIT = "{released}"' in (clone / "src/mlgate/action_pin.py").read_text()
    assert "# v99.0.0" in (clone / "docs/action.md").read_text()


def test_the_check_fails_when_the_action_or_the_version_moves_on(clone: Path) -> None:
    script.release(clone, "99.0.0")
    action = clone / "action.yml"
    action.write_text(action.read_text() + "# a change\n")
    schema = clone / "src/mlgate/manifest/schema.json"
    schema.write_text(schema.read_text().replace('"version"', '"version"', 1) + "\n")
    docs = clone / "docs/action.md"
    docs.write_text(docs.read_text() + "\n    uses: mlgate/mlgate@<commit> # v98.0.0\n")
    version = clone / "src/mlgate/__init__.py"
    version.write_text(version.read_text().replace('"99.0.0"', '"99.1.0"'))
    problems = "\n".join(script.check(clone))
    assert "action.yml differs" in problems
    assert "schema.json differs" in problems
    assert "is version 99.0.0, the tree is 99.1.0" in problems
    assert "says v99.0.0 but the tree is version 99.1.0" in problems
    assert "docs/action.md shows 'mlgate/mlgate@<commit> # v98.0.0'" in problems


def test_a_release_refuses_a_dirty_tree_or_an_older_version(clone: Path) -> None:
    (clone / "README.md").write_text("changed")
    with pytest.raises(SystemExit, match="uncommitted"):
        script.release(clone, "99.0.0")
    git(clone, "checkout", "README.md")
    with pytest.raises(SystemExit, match="not newer"):
        script.release(clone, "0.0.1")
