"""DVC-tracked data, for real: `dvc init`, `dvc add`, a local remote, push, delete, and
mlgate pulling the file back and naming it by DVC's hash; a stage's output in dvc.lock."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlgate import manifest, pipeline
from mlgate.data import dvc_track
from mlgate.errors import UserError
from tests import projects
from tests.conftest import git

pytestmark = pytest.mark.e2e  # DVC's own processes, each a second or two

DVC = shutil.which("dvc", path=str(Path(sys.executable).parent)) or "dvc"


def dvc(root: Path, *args: str) -> str:
    done = subprocess.run([DVC, *args], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = projects.write(tmp_path / "repo", projects.iris_files(Path()))
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    dvc(root, "config", "core.analytics", "false")
    dvc(root, "add", "-q", "data/train.csv")
    dvc(root, "remote", "add", "-d", "local", str(tmp_path / "remote"))
    dvc(root, "push", "-q")
    return root


def test_an_absent_tracked_file_is_pulled_and_named_by_dvcs_hash(repo: Path) -> None:
    content = (repo / "data/train.csv").read_bytes()
    recorded = yaml.safe_load((repo / "data/train.csv.dvc").read_text())["outs"][0]["md5"]
    assert recorded == hashlib.md5(content).hexdigest()
    (repo / "data/train.csv").unlink()
    shutil.rmtree(repo / ".dvc/cache")  # only the remote has it now
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "passed", stage.message
    assert (repo / "data/train.csv").read_bytes() == content
    train, test = stage.datasets
    assert (train.dvc_md5, train.dvc_source) == (recorded, "data/train.csv.dvc")
    assert train.file.sha256 == hashlib.sha256(content).hexdigest()
    assert test.dvc_md5 is None and test.dvc_source is None


def test_without_dvc_installed_the_error_says_how_to_get_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "data/train.csv").unlink()
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", "/bin"]))
    with pytest.raises(UserError) as refused:
        dvc_track.pull(repo / "data/train.csv", repo, "data.train")
    assert "data.train: 'data/train.csv' is tracked by DVC and not here" in str(refused.value)
    assert refused.value.hint == "pip install 'mlgate[dvc]' (or run `dvc pull` before mlgate)"


def test_a_stage_output_is_found_in_dvc_lock(repo: Path) -> None:
    dvc(
        repo,
        "stage",
        "add",
        "-q",
        "-n",
        "prepare",
        "-d",
        "data/train.csv",
        "-o",
        "data/extra.csv",
        "cp data/train.csv data/extra.csv",
    )
    dvc(repo, "repro", "-q", "prepare")
    found = dvc_track.tracked(repo / "data/extra.csv", repo)
    assert found is not None and found.source == "dvc.lock (stage prepare)"
    assert found.md5 == hashlib.md5((repo / "data/extra.csv").read_bytes()).hexdigest()
    assert dvc_track.tracked(repo / "data/test.csv", repo) is None
