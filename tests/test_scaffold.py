"""`mlgate init`: starter files that validate, the example project, no silent overwrite."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from mlgate import manifest, scaffold
from mlgate.cli import main
from mlgate.errors import UserError
from tests.conftest import REPO_ROOT

EXAMPLE_SOURCE = REPO_ROOT / "templates" / "projects" / "breast-cancer"
EXAMPLE_FILES = tuple(sorted([*scaffold.WORKFLOWS, ".gitignore", "README.md", "mlops.yaml",
                              "params.yaml", "prepare.py", "train.py"]))


def test_starter_manifest_and_workflow_are_written_and_valid(tmp_path: Path) -> None:
    root = tmp_path / "Churn Model_2"
    (root).mkdir()
    (root / ".python-version").write_text("3.12.4\n")
    done = scaffold.init(root)
    assert done.written == (*sorted(scaffold.WORKFLOWS), "mlops.yaml")
    loaded = manifest.load(root / "mlops.yaml")
    assert loaded.name == "churn-model-2"
    for relative in scaffold.WORKFLOWS:
        text = (root / relative).read_text()
        workflow = yaml.safe_load(text)
        steps = workflow["jobs"]["model" if "fork" not in relative else "report"]["steps"]
        mlgate = next(s for s in steps if s.get("uses", "").startswith("mlgate/mlgate@"))
        assert mlgate["with"]["python-version"] == "3.12"
        assert not re.search(r"\$(?!\{\{)", text), f"{relative}: a placeholder is left"
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
    assert done.written == (*sorted(scaffold.WORKFLOWS), "mlops.yaml")
    assert manifest.load(tmp_path / "mlops.yaml").name == "churn"


def test_example_force_overwrites_every_file(tmp_path: Path) -> None:
    scaffold.init(tmp_path, example=True)
    (tmp_path / "train.py").write_text("edited\n")
    with pytest.raises(UserError, match=r"^11 files would be overwritten: \.github/"):
        scaffold.init(tmp_path, example=True)
    assert (tmp_path / "train.py").read_text() == "edited\n"
    scaffold.init(tmp_path, example=True, force=True)
    assert (tmp_path / "train.py").read_bytes() == (EXAMPLE_SOURCE / "train.py").read_bytes()


def test_a_folder_in_the_way_is_refused_even_with_force(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").mkdir()
    (tmp_path / ".github").write_text("a file where a folder goes\n")
    with pytest.raises(UserError, match="stands where mlgate would write: "
                       r"\.github/workflows/mlgate-dispatch\.yml, .*, mlops\.yaml") as error:
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


def _git_repo(path: Path, branch: str) -> Path:
    subprocess.run(["git", "init", "-q", "-b", branch, str(path)], check=True)
    return path


def test_the_default_branch_and_python_are_read_from_the_repository(tmp_path: Path) -> None:
    root = _git_repo(tmp_path / "repo", "trunk")
    (root / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.12"\n')
    scaffold.init(root)
    merge = yaml.safe_load((root / ".github/workflows/mlgate-merge.yml").read_text())
    assert merge[True]["push"]["branches"] == ["trunk"]  # YAML 1.1 reads `on` as True
    assert '"3.12"' in (root / ".github/workflows/mlgate.yml").read_text()


def test_a_python_older_than_mlgate_supports_gives_mlgates_default(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.9.18\n")
    assert scaffold.python_version(tmp_path) == scaffold.DEFAULT_PYTHON


def test_origins_default_branch_wins_over_the_checked_out_one(tmp_path: Path) -> None:
    origin = _git_repo(tmp_path / "origin", "develop")
    subprocess.run(["git", "-C", str(origin), "commit", "-q", "--allow-empty", "-m", "x"],
                   check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "-b", "feature"], check=True)
    assert scaffold.default_branch(clone) == "develop"


def test_init_check_says_up_to_date_missing_edited_and_out_of_date(tmp_path: Path) -> None:
    root = _git_repo(tmp_path / "repo", "main")
    scaffold.init(root)
    assert {c.status for c in scaffold.check(root)} == {"up to date"}
    (root / ".github/workflows/mlgate-monitor.yml").unlink()
    merge = root / ".github/workflows/mlgate-merge.yml"
    merge.write_text(merge.read_text().replace("timeout-minutes: 60", "timeout-minutes: 90"))
    pr = root / ".github/workflows/mlgate.yml"
    old = "mlgate/mlgate@" + "1" * 40 + " # v0.0.9"
    pr.write_text(pr.read_text().replace(scaffold.release.uses(), old))
    found = {c.path: c for c in scaffold.check(root)}
    assert found[".github/workflows/mlgate-monitor.yml"].status == "missing"
    assert found[".github/workflows/mlgate-merge.yml"].status == "edited"
    assert "-    timeout-minutes: 90" in found[".github/workflows/mlgate-merge.yml"].diff
    stale = found[".github/workflows/mlgate.yml"]
    assert stale.status == "out of date" and "v0.0.9" in stale.detail
    assert found[".github/workflows/mlgate-dispatch.yml"].status == "up to date"


def test_cli_init_check_exits_1_until_init_force(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = _git_repo(tmp_path / "repo", "main")
    assert main(["init", str(root), "--check"]) == 1
    assert ".github/workflows/mlgate.yml: missing" in capsys.readouterr().out
    assert main(["init", str(root)]) == 0
    assert main(["init", str(root), "--check", "--json"]) == 0
    assert '"up_to_date": true' in capsys.readouterr().out.split("next:")[-1]


def test_init_pins_the_action_asked_for_and_refuses_an_unpinned_one(tmp_path: Path) -> None:
    fork = "acme/mlgate@" + "a" * 40
    scaffold.init(tmp_path, action=fork)
    assert f"uses: {fork} # {scaffold.release.TAG}" in \
        (tmp_path / ".github/workflows/mlgate.yml").read_text()
    assert {c.status for c in scaffold.check(tmp_path, action=fork)} == {"up to date"}
    with pytest.raises(UserError, match="is not OWNER/REPO@COMMIT"):
        scaffold.init(tmp_path / "other", action="acme/mlgate@v1")


def test_init_check_of_a_folder_that_is_not_there_says_so(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is not a folder"):
        scaffold.check(tmp_path / "nowhere")
