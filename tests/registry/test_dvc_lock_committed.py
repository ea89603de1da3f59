"""A version's commit must give back its model: a `train.dvc` run that retrained the stage
rewrote dvc.lock, and registering it before dvc.lock was committed tagged a commit whose
dvc.lock names the model before (`git checkout TAG && dvc checkout` gave another one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate import manifest, pipeline
from mlgate.errors import UserError
from mlgate.registry import operations
from mlgate.registry.operations import Where
from tests.conftest import git
from tests.data import test_dvc_track as track
from tests.data.test_dvc_track import dvc, trained_by_stage

pytestmark = pytest.mark.e2e  # DVC's own processes, each a second or two

templates = track.templates  # the tracked projects, made once a session
ENVIRONMENTS = "environments:\n  staging: {on: merge}\n"


def test_a_run_whose_dvc_lock_is_not_committed_is_not_registered(
    tmp_path: Path, templates: dict[str, Path]
) -> None:
    repo = track.copied(templates["data/train.csv"], tmp_path)
    trained_by_stage(repo)
    with open(repo / "mlops.yaml", "a", encoding="utf-8") as handle:
        handle.write(ENVIRONMENTS)
    dvc(repo, "repro", "-q", "train")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the stage, trained and locked")
    # the training changes and is committed; dvc.lock is not (as `mlgate run` leaves it)
    (repo / "train.py").write_text((repo / "train.py").read_text() + "# warm\n")
    git(repo, "commit", "-q", "-am", "train.py changed")
    loaded = manifest.load(repo / "mlops.yaml")
    result = pipeline.run(loaded, compare=False)
    assert result.passed, result.summary
    assert git(repo, "status", "--porcelain").strip() == "M dvc.lock"
    where = Where.of(loaded)
    with pytest.raises(UserError) as refused:
        operations.register(where, loaded, result)
    assert "dvc.lock at its commit" in refused.value.message
    assert "records another run of it" in refused.value.message
    assert "commit dvc.lock" in (refused.value.hint or "")
    assert git(repo, "tag", "--list").strip() == ""
    # committed, the same model again (DVC trains nothing), and it is registered
    git(repo, "commit", "-q", "-am", "dvc.lock")
    again = pipeline.run(loaded, compare=False)
    assert again.passed and again.train.model == result.train.model
    assert operations.register(where, loaded, again).version == "v0.1.0"
