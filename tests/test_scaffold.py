"""`mlgate init`: starter files that validate, the example project, no silent overwrite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mlgate import manifest, scaffold
from mlgate.cli import main
from mlgate.errors import UserError

EXAMPLE_FILES = (".github/workflows/mlgate.yml", ".gitignore", "README.md", "mlops.yaml",
                 "params.yaml", "prepare.py", "train.py")


def test_starter_manifest_and_workflow_are_written_and_valid(tmp_path: Path) -> None:
    root = tmp_path / "Churn Model_2"
    (root).mkdir()
    (root / ".python-version").write_text("3.12.4\n")
    done = scaffold.init(root)
    assert done.written == (".github/workflows/mlgate.yml", "mlops.yaml")
    loaded = manifest.load(root / "mlops.yaml")
    assert loaded.name == "churn-model-2"
    workflow = yaml.safe_load((root / ".github/workflows/mlgate.yml").read_text())
    steps = workflow["jobs"]["model"]["steps"]
    assert steps[-1]["with"] == {"python-version": "3.12"}
    assert workflow["permissions"] == {"contents": "read"}
    assert "$" not in (root / ".github/workflows/mlgate.yml").read_text()


def test_existing_files_are_all_named_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("mine\n")
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/mlgate.yml").write_text("mine too\n")
    with pytest.raises(UserError) as error:
        scaffold.init(tmp_path)
    assert error.value.message == "2 files would be overwritten: .github/workflows/mlgate.yml, " \
        "mlops.yaml"
    assert error.value.hint == "pass --force to overwrite them"
    assert (tmp_path / "mlops.yaml").read_text() == "mine\n"
    assert (tmp_path / ".github/workflows/mlgate.yml").read_text() == "mine too\n"


def test_one_existing_file_blocks_the_others_too(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("mine\n")
    with pytest.raises(UserError, match=r"1 file would be overwritten: mlops\.yaml"):
        scaffold.init(tmp_path)
    assert not (tmp_path / ".github").exists()


def test_force_overwrites(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("mine\n")
    scaffold.init(tmp_path, force=True, name="churn")
    assert manifest.load(tmp_path / "mlops.yaml").name == "churn"


def test_example_is_copied_without_generated_files(tmp_path: Path, monkeypatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(scaffold.templates_dir(), templates)
    project = templates / "projects" / "breast-cancer"
    for generated in ("data/train.csv", "models/model.joblib", ".mlgate/runs/x/run.json",
                      "__pycache__/train.cpython-311.pyc"):
        (project / generated).parent.mkdir(parents=True, exist_ok=True)
        (project / generated).write_text("left by a run")
    monkeypatch.setattr(scaffold, "templates_dir", lambda: templates)
    done = scaffold.init(tmp_path / "ex", example=True)
    assert done.written == EXAMPLE_FILES
    assert sorted(p.relative_to(tmp_path / "ex").as_posix()
                  for p in (tmp_path / "ex").rglob("*") if p.is_file()) == sorted(EXAMPLE_FILES)


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(UserError, match="is a file, not a folder"):
        scaffold.init(tmp_path / "f")


@pytest.mark.parametrize(("folder", "expected"), [
    ("Churn Model", "churn-model"), ("--x--", "x"), ("ÄÖ", "model"), ("a" * 80, "a" * 64),
    ("credit_risk.v2", "credit-risk-v2"),
])
def test_slug_gives_valid_model_names(folder: str, expected: str) -> None:
    assert scaffold.slug(folder) == expected


def test_cli_init_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "ex"), "--example"]) == 0
    out = capsys.readouterr().out
    assert "mlops.yaml" in out and out.endswith("next: mlgate validate, then mlgate run\n")
    assert main(["init", str(tmp_path / "ex"), "--example"]) == 2
    assert "would be overwritten" in capsys.readouterr().err
