"""`register` after a run that was killed outright: that run's training had torn the model
file (the last passing run's model, copied aside first), and register said the file
"changed since run ... wrote it; run again", which retrains. It puts the copy back first,
as `mlgate run` and `mlgate check model` do, and says so."""

from __future__ import annotations

import pytest

from mlgate import kept_model
from mlgate.cli import main
from tests.conftest import git
from tests.registry.conftest import Project


def killed_training(project: Project) -> None:
    """What a run killed outright mid-training leaves: the model copied aside, no lock
    held, a torn file in its place."""
    model = project.manifest.resolve(project.manifest.train.model)
    copy, note, _ = kept_model._names(project.root, model.resolve())
    assert kept_model._copied(model, copy, note, "killed")
    model.write_bytes(b"torn")


def test_register_puts_back_the_model_a_killed_run_tore_and_registers_it(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    killed_training(project)
    assert main(["-C", str(project.root), "register"]) == 0
    said = capsys.readouterr()
    assert "put back model.joblib as it was before run killed's training" in said.err
    assert "iris v0.1.0: tag iris@v0.1.0" in said.out
    assert git(project.root, "tag", "-l").split() == ["iris@v0.1.0"]
