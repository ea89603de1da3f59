"""`mlgate init`: starter files that validate, the example project, no silent overwrite."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
import yaml

from mlgate import manifest, scaffold
from mlgate.cli import main
from mlgate.errors import UserError
from tests.conftest import REPO_ROOT

EXAMPLE_SOURCE = REPO_ROOT / "templates" / "projects" / "breast-cancer"
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
    mlgate = next(s for s in steps if s.get("uses", "").startswith("OWNER/mlgate@"))
    assert mlgate["with"] == {"python-version": "3.12"}
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write",
                                       "checks": "write"}
    assert "$" not in (root / ".github/workflows/mlgate.yml").read_text()
    # `$$` in the template is a literal dollar in the manifest's comment
    assert "writes the model to $MLGATE_MODEL" in (root / "mlops.yaml").read_text()


def test_templates_are_read_from_the_checkout_when_installed_editable() -> None:
    assert scaffold.templates_dir() == REPO_ROOT / "templates"


def test_existing_files_are_all_named_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_bytes(b"mine\n")
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/mlgate.yml").write_bytes(b"mine too\n")
    with pytest.raises(UserError) as error:
        scaffold.init(tmp_path)
    assert error.value.message == "2 files would be overwritten: .github/workflows/mlgate.yml, " \
        "mlops.yaml"
    assert error.value.hint == "pass --force to overwrite them"
    assert (tmp_path / "mlops.yaml").read_bytes() == b"mine\n"
    assert (tmp_path / ".github/workflows/mlgate.yml").read_bytes() == b"mine too\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == [".github", "mlgate.yml", "mlops.yaml",
                                                            "workflows"]


def test_one_existing_file_blocks_the_others_too(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("mine\n")
    with pytest.raises(UserError, match=r"1 file would be overwritten: mlops\.yaml"):
        scaffold.init(tmp_path)
    assert not (tmp_path / ".github").exists()


def test_force_overwrites(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("mine\n")
    done = scaffold.init(tmp_path, force=True, name="churn")
    assert done.written == (".github/workflows/mlgate.yml", "mlops.yaml")
    assert manifest.load(tmp_path / "mlops.yaml").name == "churn"


def test_example_force_overwrites_every_file(tmp_path: Path) -> None:
    scaffold.init(tmp_path, example=True)
    (tmp_path / "train.py").write_text("edited\n")
    with pytest.raises(UserError, match=r"^7 files would be overwritten: \.github/"):
        scaffold.init(tmp_path, example=True)
    assert (tmp_path / "train.py").read_text() == "edited\n"
    scaffold.init(tmp_path, example=True, force=True)
    assert (tmp_path / "train.py").read_bytes() == (EXAMPLE_SOURCE / "train.py").read_bytes()


def test_a_folder_in_the_way_is_refused_even_with_force(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").mkdir()
    (tmp_path / ".github").write_text("a file where a folder goes\n")
    with pytest.raises(UserError, match="stands where mlgate would write: "
                       r"\.github/workflows/mlgate\.yml, mlops\.yaml") as error:
        scaffold.init(tmp_path, force=True)
    assert error.value.hint == "move it away; --force replaces files, never folders"
    assert (tmp_path / "mlops.yaml").is_dir()
    assert (tmp_path / ".github").read_text() == "a file where a folder goes\n"


@pytest.mark.parametrize("name", ["Churn", "churn_model", "-churn", "churn-", "a" * 65, ""])
def test_an_invalid_name_is_refused_with_a_valid_suggestion(tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError, match="is not a valid model name") as error:
        scaffold.init(tmp_path / "repo", name=name)
    suggestion = error.value.hint.rsplit("'", 2)[1]
    assert scaffold.valid_name(suggestion)
    assert not (tmp_path / "repo").exists()


def test_example_takes_the_given_name(tmp_path: Path) -> None:
    scaffold.init(tmp_path, example=True, name="tumour-classifier")
    text = (tmp_path / "mlops.yaml").read_text()
    assert text.count("tumour-classifier") == 1 and "name: breast-cancer" not in text
    assert manifest.load(tmp_path / "mlops.yaml").name == "tumour-classifier"


def test_the_wheel_leaves_out_what_scaffold_leaves_out() -> None:
    wheel = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"]["wheel"]
    excluded = {pattern.rsplit("/", 1)[-1] for pattern in wheel["exclude"]}
    assert excluded == scaffold.GENERATED


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
    for relative in EXAMPLE_FILES:
        assert (tmp_path / "ex" / relative).read_bytes() == (project / relative).read_bytes()


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
