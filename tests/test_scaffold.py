"""`mlgate init`: starter files that validate, the example project, no silent overwrite."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import polars as pl
import pytest
import yaml

from mlgate import manifest, scaffold
from mlgate.cli import main
from mlgate.errors import UserError
from tests.conftest import REPO_ROOT, git

EXAMPLE_SOURCE = REPO_ROOT / "templates" / "projects" / "breast-cancer"
EXAMPLE_FILES = tuple(
    sorted(
        [
            *scaffold.WORKFLOWS,
            ".gitignore",
            "README.md",
            "mlops.yaml",
            "params.yaml",
            "prepare.py",
            "train.py",
        ]
    )
)


def test_starter_manifest_and_workflow_are_written_and_valid(tmp_path: Path) -> None:
    root = tmp_path / "Churn Model_2"
    (root).mkdir()
    (root / ".python-version").write_text("3.12.4\n")
    done = scaffold.init(root)
    assert done.written == (*sorted(scaffold.WORKFLOWS), ".gitignore", "mlops.yaml")
    loaded = manifest.load(root / "mlops.yaml")
    assert loaded.name == "churn-model-2"
    for relative in scaffold.WORKFLOWS:
        text = (root / relative).read_text()
        workflow = yaml.safe_load(text)
        for job in workflow["jobs"].values():  # every job that runs the action
            steps = job["steps"]
            mlgate = next(s for s in steps if s.get("uses", "").startswith("mlgate/mlgate@"))
            assert mlgate["with"]["python-version"] == "3.12"
        assert not re.search(r"\$(?!\{\{)", text), f"{relative}: a placeholder is left"
    # `$$` in the template is a literal dollar in the manifest's comment
    assert "must write the model to $MLGATE_MODEL" in (root / "mlops.yaml").read_text()


def test_templates_are_read_from_the_checkout_when_installed_editable() -> None:
    assert scaffold.templates_dir() == REPO_ROOT / "templates"


HAND_WRITTEN = """\
# my own manifest, written by hand
name: churn
data:
  prepare: python prepare.py
  train: interim/prepared/train.parquet
  test: interim/prepared/test.parquet
  target: churned
train:
  command: python fit.py
  outputs:
    model: artifacts/model[v1].joblib
"""


def test_an_existing_manifest_is_kept_and_what_is_missing_is_added(tmp_path: Path) -> None:
    """init wrote nothing beside a manifest, and --force (which init --check suggested)
    replaced the hand-written one."""
    (tmp_path / "mlops.yaml").write_text(HAND_WRITTEN)
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/mlgate.yml").write_text("mine too\n")
    (tmp_path / ".gitignore").write_text("*.pyc\ninterim/prepared/train.parquet")
    done = scaffold.init(tmp_path)
    assert (tmp_path / "mlops.yaml").read_text() == HAND_WRITTEN
    assert (tmp_path / ".github/workflows/mlgate.yml").read_text() == "mine too\n"
    assert done.written == (
        ".github/workflows/mlgate-dispatch.yml",
        ".github/workflows/mlgate-fork-report.yml",
        ".github/workflows/mlgate-merge.yml",
        ".github/workflows/mlgate-monitor.yml",
        ".github/workflows/mlgate-retrain.yml",
        ".github/workflows/mlgate-sweep.yml",
        ".gitignore",
    )
    assert [p for p, _ in done.kept] == [".github/workflows/mlgate.yml", "mlops.yaml"]
    assert dict(done.kept)["mlops.yaml"] == (
        "it is your manifest; `--overwrite mlops.yaml` replaces it"
    )
    # what the manifest declares a run writes: ignored, with what was there kept
    assert done.ignored == (
        "/.mlgate/",
        "/artifacts/model\\[v1].joblib",
        "/interim/prepared/test.parquet",
    )
    assert (tmp_path / ".gitignore").read_text() == (
        "*.pyc\ninterim/prepared/train.parquet\n\n" + scaffold.IGNORE_HEADER + "\n/.mlgate/\n"
        "/artifacts/model\\[v1].joblib\n/interim/prepared/test.parquet\n"
    )
    # --force replaces mlgate's files, never the manifest; a second run adds nothing
    again = scaffold.init(tmp_path, force=True)
    assert again.written == (".github/workflows/mlgate.yml",) and again.ignored == ()
    assert (tmp_path / "mlops.yaml").read_text() == HAND_WRITTEN
    assert [p for p, _ in again.kept] == ["mlops.yaml"]
    assert again.unchanged == done.written[:-1]  # the six workflows written the first time


def test_a_second_init_says_what_it_kept_added_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second init named only the manifest it kept, said "wrote .gitignore" where it
    had added a line, and wrote the header comment into .gitignore again."""
    (tmp_path / ".gitignore").write_text("venv/\n")
    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "added to " in out and "wrote " + str(tmp_path / ".gitignore") not in out
    manifest = tmp_path / "mlops.yaml"
    manifest.write_text(manifest.read_text().replace("data/train.csv", "data/fresh.csv"))
    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"added to {tmp_path / '.gitignore'}: /data/fresh.csv (what a run writes)"
    assert out[1].startswith(f"kept {manifest}: it is your manifest")
    assert out[2] == "up to date: 7 files as this mlgate writes them"
    assert (tmp_path / ".gitignore").read_text().count(scaffold.IGNORE_HEADER) == 1
    assert (tmp_path / ".gitignore").read_text().endswith("/data/test.csv\n\n/data/fresh.csv\n")


def test_the_ignored_outputs_are_what_git_ignores(make_repo) -> None:
    """The lines init adds make git see a run's outputs as ignored, and nothing else."""
    root = make_repo({"mlops.yaml": HAND_WRITTEN, "fit.py": "", "prepare.py": ""})
    scaffold.init(root)
    outputs = [
        ".mlgate/runs/x/run.json",
        "artifacts/model[v1].joblib",
        "interim/prepared/train.parquet",
        "interim/prepared/test.parquet",
    ]
    for output in outputs:
        (root / output).parent.mkdir(parents=True, exist_ok=True)
        (root / output).write_text("written by a run")
    (root / "artifacts/modelv.joblib").write_text("not an output")
    status = git(root, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert sorted(status) == sorted(
        [
            "?? .github/workflows/mlgate-dispatch.yml",
            "?? .github/workflows/mlgate-fork-report.yml",
            "?? .github/workflows/mlgate-merge.yml",
            "?? .github/workflows/mlgate-monitor.yml",
            "?? .github/workflows/mlgate-retrain.yml",
            "?? .github/workflows/mlgate-sweep.yml",
            "?? .github/workflows/mlgate.yml",
            "?? .gitignore",
            "?? artifacts/modelv.joblib",
        ]
    )


def test_overwrite_names_the_manifest_to_replace(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text("mine\n")
    done = scaffold.init(tmp_path, overwrite=("mlops.yaml",), name="churn")
    assert "mlops.yaml" in done.written
    assert manifest.load(tmp_path / "mlops.yaml").name == "churn"
    with pytest.raises(UserError) as error:
        scaffold.init(tmp_path, overwrite=("train.py",))
    assert error.value.message == "--overwrite train.py: init does not write it"


def test_a_manifest_under_its_other_name_is_kept_too(tmp_path: Path) -> None:
    (tmp_path / "mlops.yml").write_text(HAND_WRITTEN)
    done = scaffold.init(tmp_path, force=True)
    assert not (tmp_path / "mlops.yaml").exists()
    assert "mlops.yaml" not in done.written and (tmp_path / "mlops.yml").read_text() == HAND_WRITTEN
    assert "/interim/prepared/test.parquet" in done.ignored


def test_overwrite_replaces_the_manifest_under_the_name_it_has(tmp_path: Path) -> None:
    """`--overwrite mlops.yaml` where the manifest is mlops.yml wrote a second manifest
    beside it, and `--overwrite mlops.yml` was refused as a file init does not write."""
    for named in ("mlops.yaml", "mlops.yml"):
        (tmp_path / "mlops.yml").write_text(HAND_WRITTEN)
        done = scaffold.init(tmp_path, overwrite=(named,), name="churn")
        assert not (tmp_path / "mlops.yaml").exists()
        assert "mlops.yml" in done.written and done.manifest == "mlops.yml"
        assert manifest.load(tmp_path / "mlops.yml").name == "churn"


def test_example_force_replaces_its_files_but_not_an_edited_manifest(tmp_path: Path) -> None:
    scaffold.init(tmp_path, example=True)
    (tmp_path / "train.py").write_text("edited\n")
    (tmp_path / "mlops.yaml").write_text((tmp_path / "mlops.yaml").read_text() + "# mine\n")
    again = scaffold.init(tmp_path, example=True)
    assert again.written == () and [p for p, _ in again.kept] == ["mlops.yaml", "train.py"]
    assert (tmp_path / "train.py").read_text() == "edited\n"
    scaffold.init(tmp_path, example=True, force=True)
    assert (tmp_path / "train.py").read_bytes() == (EXAMPLE_SOURCE / "train.py").read_bytes()
    assert (tmp_path / "mlops.yaml").read_text().endswith("# mine\n")


def test_a_folder_in_the_way_is_refused_even_with_force(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").mkdir()
    (tmp_path / ".github").write_text("a file where a folder goes\n")
    with pytest.raises(
        UserError,
        match="stands where mlgate would write: "
        r"\.github/workflows/mlgate-dispatch\.yml, .*, mlops\.yaml",
    ) as error:
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
        "targets"
    ]["wheel"]
    excluded = {pattern.rsplit("/", 1)[-1] for pattern in wheel["exclude"]}
    assert excluded == scaffold.GENERATED


def test_example_is_copied_without_generated_files(tmp_path: Path, monkeypatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(scaffold.templates_dir(), templates)
    project = templates / "projects" / "breast-cancer"
    for generated in (
        "data/train.csv",
        "models/model.joblib",
        ".mlgate/runs/x/run.json",
        "__pycache__/train.cpython-311.pyc",
    ):
        (project / generated).parent.mkdir(parents=True, exist_ok=True)
        (project / generated).write_text("left by a run")
    monkeypatch.setattr(scaffold, "templates_dir", lambda: templates)
    done = scaffold.init(tmp_path / "ex", example=True)
    assert done.written == EXAMPLE_FILES
    assert sorted(
        p.relative_to(tmp_path / "ex").as_posix()
        for p in (tmp_path / "ex").rglob("*")
        if p.is_file()
    ) == sorted(EXAMPLE_FILES)
    for relative in EXAMPLE_FILES:
        assert (tmp_path / "ex" / relative).read_bytes() == (project / relative).read_bytes()


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(UserError, match="is a file, not a folder"):
        scaffold.init(tmp_path / "f")


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("Churn Model", "churn-model"),
        ("--x--", "x"),
        ("ÄÖ", "model"),
        ("a" * 80, "a" * 64),
        ("credit_risk.v2", "credit-risk-v2"),
    ],
)
def test_slug_gives_valid_model_names(folder: str, expected: str) -> None:
    assert scaffold.slug(folder) == expected


def test_cli_init_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "ex"), "--example"]) == 0
    out = capsys.readouterr().out
    ex = tmp_path / "ex"  # run from elsewhere: the next commands name the folder
    assert "mlops.yaml" in out
    assert out.endswith(f"next: mlgate -C {ex} validate, then mlgate -C {ex} run\n")
    assert main(["init", str(tmp_path / "ex"), "--example"]) == 0
    assert "nothing to do: every file is there and up to date" in capsys.readouterr().out


def test_example_refuses_to_write_over_the_projects_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`init --example` beside the user's data/train.csv wrote the example's prepare.py,
    whose first run overwrote it (lost for good when untracked), and a .gitignore of data/."""
    (tmp_path / "data").mkdir()
    for name in ("train.csv", "test.csv"):
        (tmp_path / "data" / name).write_text("customer_id,churned\n1,yes\n")
    assert main(["init", str(tmp_path), "--example"]) == 2
    said = capsys.readouterr().err
    assert (
        "2 files of this project would be overwritten by the example's first `mlgate run`: "
        "data/train.csv, data/test.csv by data.prepare `python prepare.py`"
    ) in said
    assert "in an empty folder" in said and "`mlgate init` to start from your own" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written
    (tmp_path / "data/test.csv").unlink()
    (tmp_path / "models").mkdir()
    (tmp_path / "models/model.joblib").write_text("mine")
    with pytest.raises(
        UserError,
        match=r"models/model\.joblib by train\.command `python train\.py`; "
        r"data/train\.csv by data\.prepare `python prepare\.py`\n",
    ):
        scaffold.init(tmp_path, example=True)


def test_the_examples_own_outputs_do_not_stop_a_second_init(tmp_path: Path) -> None:
    """What the example's run wrote is declared by the manifest there: init goes on."""
    scaffold.init(tmp_path, example=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data/train.csv").write_text("written by prepare.py\n")
    (tmp_path / "train.py").write_text("edited\n")
    scaffold.init(tmp_path, example=True, force=True)
    assert (tmp_path / "train.py").read_bytes() == (EXAMPLE_SOURCE / "train.py").read_bytes()


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
    subprocess.run(
        ["git", "-C", str(origin), "commit", "-q", "--allow-empty", "-m", "x"], check=True
    )
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "-b", "feature"], check=True)
    assert scaffold.default_branch(clone) == "develop"


def test_a_feature_branch_checked_out_is_not_taken_for_the_default(tmp_path: Path) -> None:
    """Without a remote, init on a feature branch wrote the merge workflow for that branch,
    while compare called main the default."""
    root = _git_repo(tmp_path / "repo", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "x")
    git(root, "checkout", "-q", "-b", "feature")
    scaffold.init(root)
    merge = yaml.safe_load((root / ".github/workflows/mlgate-merge.yml").read_text())
    assert merge[True]["push"]["branches"] == ["main"]
    from mlgate import git as mlgate_git

    assert mlgate_git.default_branch(root) == "main"  # the branch compare says is the default


def test_init_check_says_up_to_date_missing_edited_and_out_of_date(tmp_path: Path) -> None:
    root = _git_repo(tmp_path / "repo", "main")
    scaffold.init(root)
    assert {c.status for c in scaffold.check(root)} == {"up to date"}
    (root / ".github/workflows/mlgate-monitor.yml").unlink()
    merge = root / ".github/workflows/mlgate-merge.yml"
    merge.write_text(merge.read_text().replace("timeout-minutes: 60", "timeout-minutes: 90"))
    pr = root / ".github/workflows/mlgate.yml"
    old = "mlgate/mlgate@" + "1" * 40 + " # v0.0.9"
    pr.write_text(pr.read_text().replace(scaffold.action_pin.uses(), old))
    found = {c.path: c for c in scaffold.check(root)}
    assert found[".github/workflows/mlgate-monitor.yml"].status == "missing"
    assert found[".github/workflows/mlgate-merge.yml"].status == "edited"
    assert "-    timeout-minutes: 90" in found[".github/workflows/mlgate-merge.yml"].diff
    stale = found[".github/workflows/mlgate.yml"]
    assert stale.status == "out of date" and "v0.0.9" in stale.detail
    assert found[".github/workflows/mlgate-dispatch.yml"].status == "up to date"


def test_cli_init_check_exits_1_until_init_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _git_repo(tmp_path / "repo", "main")
    assert main(["init", str(root), "--check"]) == 1
    assert ".github/workflows/mlgate.yml: missing" in capsys.readouterr().out
    assert main(["init", str(root)]) == 0
    assert main(["init", str(root), "--check", "--json"]) == 0
    assert '"up_to_date": true' in capsys.readouterr().out.split("next:")[-1]


def test_init_pins_the_action_asked_for_and_refuses_an_unpinned_one(tmp_path: Path) -> None:
    fork = "acme/mlgate@" + "a" * 40
    scaffold.init(tmp_path, action=fork)
    assert (
        f"uses: {fork} # for-mlgate-{scaffold.action_pin.TAG}"  # not mlgate's own release
        in (tmp_path / ".github/workflows/mlgate.yml").read_text()
    )
    assert {c.status for c in scaffold.check(tmp_path, action=fork)} == {"up to date"}
    with pytest.raises(UserError, match="is not OWNER/REPO@COMMIT"):
        scaffold.init(tmp_path / "other", action="acme/mlgate@v1")


def test_init_check_of_a_folder_that_is_not_there_says_so(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is not a folder"):
        scaffold.check(tmp_path / "nowhere")


def test_init_check_suggests_only_what_leaves_the_manifest_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`init --check` suggested --force, which replaced the hand-written manifest."""
    root = _git_repo(tmp_path / "repo", "main")
    (root / "mlops.yaml").write_text(HAND_WRITTEN)
    assert main(["init", str(root)]) == 0
    merge = root / ".github/workflows/mlgate-merge.yml"
    merge.write_text(merge.read_text().replace("timeout-minutes: 60", "timeout-minutes: 90"))
    capsys.readouterr()
    assert main(["init", str(root), "--check"]) == 1
    said = capsys.readouterr().out
    assert f"{root / '.github/workflows/mlgate-merge.yml'}: edited" in said
    suggested = said.splitlines()[-1].rsplit(": ", 1)[1]
    assert suggested == f"mlgate init {root} --force"
    assert main(shlex.split(suggested)[1:]) == 0
    assert (root / "mlops.yaml").read_text() == HAND_WRITTEN
    assert main(["init", str(root), "--check"]) == 0


def _wine_parquet(root: Path, test_rows: int = 54) -> None:
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    frame["cultivar"] = frame.pop("target").map({0: "barolo", 1: "grignolino", 2: "barbera"})
    (root / "data").mkdir(parents=True)
    frame = frame.sample(frac=1, random_state=0)  # pandas keeps the index: __index_level_0__
    frame.iloc[:-test_rows].to_parquet(root / "data/train.parquet")
    frame.iloc[-test_rows:].to_parquet(root / "data/test.parquet")


def test_the_starter_manifest_reads_the_projects_parquet_files(tmp_path: Path) -> None:
    """init guessed data/train.csv, target: label and rows: {min: 100} beside Parquet files
    whose test set had 54 rows."""
    _wine_parquet(tmp_path)
    (tmp_path / "data/notes.csv").write_text("a,b\n1,2\n")  # neither train nor test
    done = scaffold.init(tmp_path)
    raw = yaml.safe_load((tmp_path / "mlops.yaml").read_text())
    assert raw["data"]["train"] == "data/train.parquet"
    assert raw["data"]["test"] == "data/test.parquet"
    assert raw["data"]["target"] == "cultivar"
    assert raw["data"]["checks"]["rows"] == {"min": 50}
    assert "prepare" not in raw["data"]  # the files are there: nothing has to write them
    assert raw["evaluate"]["task"] == "classification"
    assert "data/test.parquet: 54 rows, 14 columns" in done.read
    assert "target 'cultivar': the last column; check it" in done.read
    text = (tmp_path / "mlops.yaml").read_text()
    assert "#   target 'cultivar': the last column; check it\n" in text
    assert "# the smallest file has 54 rows today" in text
    assert manifest.load(tmp_path / "mlops.yaml").data.rows_min == 50


def test_the_starter_manifest_finds_a_regression_target_and_the_scripts(tmp_path: Path) -> None:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    (tmp_path / "input").mkdir()
    frame.iloc[:400].to_csv(tmp_path / "input/diabetes_training.csv", index=False)
    frame.iloc[400:].to_csv(tmp_path / "input/diabetes_holdout.csv", index=False)
    (tmp_path / "src").mkdir()
    (tmp_path / "src/train_model.py").write_text("")
    (tmp_path / "prepare.py").write_text("")
    scaffold.init(tmp_path)
    loaded = manifest.load(tmp_path / "mlops.yaml")
    assert (loaded.data.train, loaded.data.test) == (
        "input/diabetes_training.csv",
        "input/diabetes_holdout.csv",
    )
    assert loaded.data.target == "target" and loaded.evaluate.task == "regression"
    assert loaded.data.rows_min == 40  # the holdout has 42 rows
    assert loaded.data.prepare is not None and loaded.data.prepare.display == "python prepare.py"
    assert loaded.train.command.display == "python src/train_model.py"
    assert [c.metric for c in loaded.model_checks] == ["r2"]


def test_a_target_one_class_dominates_is_gated_on_what_a_constant_model_fails(
    tmp_path: Path,
) -> None:
    """`accuracy >= 0.8` whatever the balance: on 3% churners a model always saying "no"
    passed (0.97) and a useful one failed. Balanced accuracy scores the constant 0.5."""
    from sklearn.dummy import DummyClassifier
    from sklearn.metrics import balanced_accuracy_score

    churned = ["yes" if i % 100 < 3 else "no" for i in range(400)]
    frame = pl.DataFrame({"tenure": range(400), "churned": churned})
    frame.write_csv(tmp_path / "train.csv")
    frame.tail(100).write_csv(tmp_path / "test.csv")
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert (
        '  - {metric: balanced_accuracy, min: 0.6}  # the majority class "no" alone scores '
        "0.97 accuracy; any constant model 0.5 balanced accuracy at most\n"
    ) in text
    loaded = manifest.load(tmp_path / "mlops.yaml")
    ((check,), (gate,)) = loaded.model_checks, loaded.compare.gates
    assert (check.metric, gate.metric) == ("balanced_accuracy", "balanced_accuracy")
    constant = DummyClassifier().fit(frame[["tenure"]], churned).predict(frame[["tenure"]])
    assert balanced_accuracy_score(churned, constant) < check.min  # type: ignore[operator]
    # balanced classes keep accuracy, its floor above what the majority class scores
    frame.with_columns(churned=pl.col("tenure") % 2 == 0).write_csv(tmp_path / "train.csv")
    scaffold.init(tmp_path, overwrite=("mlops.yaml",))
    text = (tmp_path / "mlops.yaml").read_text()
    assert '- {metric: accuracy, min: 0.8}  # the majority class "True" alone scores 0.5' in text
    assert "    accuracy: {min_change: -0.01}  # a drop of at most 0.01\n" in text


def test_a_training_script_named_fit_is_found(tmp_path: Path) -> None:
    (tmp_path / "fit.py").write_text("")
    scaffold.init(tmp_path)
    assert manifest.load(tmp_path / "mlops.yaml").train.command.display == "python fit.py"


def test_with_nothing_to_read_the_starter_says_what_is_not_there(tmp_path: Path) -> None:
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert "# no train data file was found" in text
    assert "prepare.py does not exist yet" in text and "train.py does not exist yet" in text
    assert manifest.load(tmp_path / "mlops.yaml").data.target == "label"


@pytest.mark.parametrize(
    ("rows", "floor"),
    [(1, 1), (7, 7), (54, 50), (114, 100), (455, 400), (1000, 1000), (98_765, 90_000)],
)
def test_rows_min_rounds_down_to_one_figure(rows: int, floor: int) -> None:
    from mlgate.survey import round_down

    assert round_down(rows) == floor


@pytest.mark.parametrize(
    ("paths", "pair"),
    [
        (["data/test.csv", "data/train.csv"], ("data/train.csv", "data/test.csv")),
        (["data/val.csv", "data/test.csv", "data/train.csv"], ("data/train.csv", "data/test.csv")),
        (
            ["raw/train.csv", "raw/test.csv", "data/train.parquet", "data/test.parquet"],
            ("raw/train.csv", "raw/test.csv"),
        ),
        (["a/train.csv", "b/test.parquet"], ("a/train.csv", "b/test.parquet")),
        (["data/all.csv"], (None, None)),
    ],
)
def test_train_and_test_files_are_paired_by_name_folder_and_format(paths, pair) -> None:
    from mlgate.survey import pick_pair

    assert pick_pair(paths) == pair


@pytest.mark.parametrize(
    ("line", "patterns", "covered"),
    [
        ("/models/model.joblib", ["models/"], True),
        ("/models/model.joblib", ["/models"], True),
        ("/models/model.joblib", ["*.joblib"], True),
        ("/models/model.joblib", ["/model.joblib"], False),  # anchored: only at the top
        ("/models/model.joblib", ["model.joblib"], True),  # unanchored: at any depth
        ("/models/model.joblib", ["# models/", "!models/"], False),
        ("/.mlgate/", [".mlgate/"], True),
        ("/data/train.csv", ["/data/test.csv"], False),
    ],
)
def test_a_gitignore_line_already_covered_is_not_added(
    line: str, patterns: list[str], covered: bool
) -> None:
    assert scaffold._covered(line, patterns) is covered


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_files_too_big_to_hold_seed_the_same_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Over `load.STREAM_ABOVE` the files are profiled in batches: the same starter columns."""
    from mlgate.data import load

    seeded = {}
    for way, limit in (("whole", load.STREAM_ABOVE), ("batches", 0)):
        root = tmp_path / way
        _wine_parquet(root)
        if fmt == "csv":
            for path in (root / "data").glob("*.parquet"):
                frame = pl.read_parquet(path).drop("__index_level_0__")
                frame.write_csv(path.with_suffix(".csv"))
                path.unlink()
        monkeypatch.setattr(load, "STREAM_ABOVE", limit)
        scaffold.init(root)
        seeded[way] = yaml.safe_load((root / "mlops.yaml").read_text())["data"]["columns"]
    assert seeded["batches"] == seeded["whole"]
    assert seeded["whole"]["cultivar"]["values"] == ["barbera", "barolo", "grignolino"]


def test_the_starter_columns_come_from_the_data_and_pass_on_it(tmp_path: Path) -> None:
    """Profiles of both files seed data.columns: each column's type, `nullable: false`
    where nothing is missing, the values of a category with few; the data passes them."""
    from mlgate import pipeline

    _wine_parquet(tmp_path)
    scaffold.init(tmp_path)
    raw = yaml.safe_load((tmp_path / "mlops.yaml").read_text())
    columns = raw["data"]["columns"]
    assert columns["alcohol"] == {"type": "number", "nullable": False}
    assert columns["proline"] == {"type": "number", "nullable": False}
    assert columns["cultivar"] == {
        "type": "category",
        "nullable": False,
        "values": ["barbera", "barolo", "grignolino"],
    }
    assert "__index_level_0__" not in columns
    stage = pipeline.check_data(manifest.load(tmp_path / "mlops.yaml"))
    assert stage.status == "passed", [c.message for c in stage.checks if not c.passed]
    # per file: 14 columns present, typed and never missing, and the values of one
    assert sum(".columns." in c.id for c in stage.checks) == 2 * (14 * 3 + 1)


NARROWER = """\
import os, joblib, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
keep = ColumnTransformer([("sepals", "passthrough", ["sepal_length", "sepal_width"])])
model = make_pipeline(keep, LogisticRegression(max_iter=500))
joblib.dump(model.fit(frame.drop(columns=[target]), frame[target]), os.environ["MLGATE_MODEL"])
"""


@pytest.mark.e2e  # trains on two branches through `mlgate` processes
def test_the_starter_manifest_gates_a_pull_request_that_makes_the_model_worse(
    make_repo,
) -> None:
    """The starter once had no compare.gates, so accuracy falling from 0.97 to 0.87 passed."""
    import json
    import sys

    from tests import projects

    files = projects.iris_files(Path())
    del files["mlops.yaml"]
    root = make_repo(files, commit=False)
    scaffold.init(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "starter")
    git(root, "checkout", "-q", "-b", "narrower")
    (root / "train.py").write_text(NARROWER)
    git(root, "commit", "-q", "-am", "two columns are enough")

    def mlgate(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mlgate", *args]
        return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)

    done = mlgate("run")
    assert done.returncode == 0, done.stdout + done.stderr  # the model checks alone pass
    done = mlgate("compare", "main", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    (gate,) = json.loads(done.stdout)["compare"]["gates"]
    assert (gate["metric"], gate["status"]) == ("accuracy", "failed")
    assert gate["baseline"] - gate["candidate"] > 0.05


def test_the_starter_names_an_id_column_and_doubts_a_target_unique_per_row(
    tmp_path: Path,
) -> None:
    """A unique `sample_id` was seeded as an ordinary column: the model was handed it, and
    leakage compared it, so three training rows copied into the test file under new ids
    passed. A target with a different value on every row (a date, last in the file) was
    taken as the labels without a word."""
    import pandas as pd
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    frame.insert(0, "sample_id", [f"s{i:04d}" for i in range(len(frame))])
    frame["harvest"] = pd.date_range("2020-01-01", periods=len(frame)).strftime("%Y-%m-%d")
    (tmp_path / "data").mkdir()
    frame.iloc[:120].to_json(tmp_path / "data/train.jsonl", orient="records", lines=True)
    frame.iloc[120:].to_json(tmp_path / "data/test.jsonl", orient="records", lines=True)
    said = "\n".join(scaffold.init(tmp_path).read)
    assert "id 'sample_id': named as an id, a different value on every training row" in said
    assert (
        "'harvest' holds a different value on every training row: an id or a date rather "
        "than something to predict? set data.target"
    ) in said
    loaded = manifest.load(tmp_path / "mlops.yaml")
    assert loaded.data.id == "sample_id" and loaded.data.target == "harvest"
    # dates written as text in JSON Lines are seeded as what they hold (it said string)
    (harvest,) = [c for c in loaded.data.columns if c.name == "harvest"]
    assert harvest.type == "datetime"
    # with the target set right, nothing else is doubted
    frame[["sample_id", "harvest", *frame.columns[1:-1]]].iloc[:120].to_json(
        tmp_path / "data/train.jsonl", orient="records", lines=True
    )
    (tmp_path / "mlops.yaml").unlink()
    again = "\n".join(scaffold.init(tmp_path).read)
    assert "target 'cultivar'" in again and "rather than something" not in again


def test_init_below_the_repositorys_top_writes_the_workflows_where_github_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mlgate init ml/churn` wrote workflows GitHub never reads, and `--check` called them
    up to date; `--manifest` was ignored and a second manifest written at the top.
    (tests/test_scaffold_subfolder.py: what the workflows written for a folder hold.)"""
    from mlgate.cli import main

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "ml" / "churn").mkdir(parents=True)
    assert main(["-C", str(tmp_path), "init", "ml/churn"]) == 0
    said = capsys.readouterr().out
    assert f"wrote {tmp_path}/.github/workflows/mlgate.ml-churn.yml\n" in said
    assert (
        "ml/churn is a folder of the repository: its workflows are in the top's "
        ".github/workflows (where GitHub reads them), their mlgate steps working in ml/churn"
    ) in said
    churn = tmp_path / "ml" / "churn"  # -C named the repository: paths from where it began
    assert said.rstrip().endswith(
        f"next: check {churn}/mlops.yaml, then mlgate -C {churn} validate"
    )
    assert not (churn / ".github").exists()
    assert scaffold.below_top(tmp_path / "ml" / "churn") == "ml/churn"
    assert scaffold.below_top(tmp_path) == ""
    assert main(["-C", str(tmp_path), "init", "--check", "ml/churn"]) == 0
    assert "mlgate.ml-churn.yml: up to date" in capsys.readouterr().out
    assert main(["-C", str(tmp_path), "--manifest", "ml/churn/mlops.yaml", "init"]) == 2
    assert "mlgate init takes the project's folder" in capsys.readouterr().err
    assert not (tmp_path / "mlops.yaml").exists()


def test_a_parquet_projects_workflows_install_pyarrow_and_check_says_so(tmp_path: Path) -> None:
    """The action installs png alone by default: a Parquet project's first pull request
    failed at validate ("pyarrow is not installed")."""
    import polars as pl

    (tmp_path / "data").mkdir()
    frame = pl.DataFrame({"x": [float(i) for i in range(40)], "target": [i % 2 for i in range(40)]})
    for name in ("train", "test"):
        frame.write_parquet(tmp_path / "data" / f"{name}.parquet")
    scaffold.init(tmp_path)
    flows = {p.name: p.read_text() for p in (tmp_path / ".github/workflows").glob("*.yml")}
    steps = sum(text.count('python-version: "') for text in flows.values())
    installs = sum(text.count("extras: png,parquet") for text in flows.values())
    assert installs == steps - 1  # every mlgate step but the fork report's, which renders
    for text in flows.values():  # still YAML, the line inside its step's `with:`
        for job in yaml.safe_load(text)["jobs"].values():
            for step in job.get("steps", []):
                if "python-version" in step.get("with", {}):
                    assert step["with"].get("extras") in ("png,parquet", "")
    assert 'extras: ""' in flows["mlgate-fork-report.yml"]
    assert "extras: png,parquet" not in flows["mlgate-fork-report.yml"]
    assert all(c.status == "up to date" for c in scaffold.check(tmp_path))
    manifest = tmp_path / "mlops.yaml"
    assert "  # features: [x]  " in manifest.read_text()  # its own columns (was: age, plan)
    manifest.write_text(manifest.read_text().replace(".parquet", ".csv"))
    assert {c.status for c in scaffold.check(tmp_path)} == {"up to date", "edited"}
    assert scaffold.extras_for(b"train: {dvc: train}\n") == "png,dvc"
    assert scaffold.extras_for(b"data: {train: a.csv, format: parquet}\n") == "png,parquet"
    assert scaffold.extras_for(b"data: [oops\n") == ""


def test_a_dvc_pipelines_stages_become_the_training_and_the_preparation(tmp_path: Path) -> None:
    """init wrote `command: python train.py` and `prepare: python prepare.py` beside a
    dvc.yaml whose stages do both."""
    from mlgate import manifest as manifests

    (tmp_path / "data").mkdir()
    rows = "x,target\n" + "".join(f"{i},{i % 2}\n" for i in range(40))
    for name in ("train", "test"):
        (tmp_path / "data" / f"{name}.csv").write_text(rows)
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n"
        "  split:\n    cmd: python split.py\n    outs: [data/train.csv, data/test.csv]\n"
        "  fit:\n    cmd: python fit.py\n    deps: [data/train.csv]\n"
        "    outs: [models/rf.joblib]\n    metrics: [{scores.json: {cache: false}}]\n"
    )
    scaffold.init(tmp_path)
    text = (tmp_path / "mlops.yaml").read_text()
    assert "  prepare: dvc repro split  # dvc.yaml's stage that writes the data files\n" in text
    assert "  dvc: fit     # dvc.yaml's stage that writes the model: run as dvc repro\n" in text
    assert "  outputs: {model: models/rf.joblib}\n" in text
    loaded = manifests.parse(text.encode(), name="mlops.yaml", root=tmp_path, files=False)
    assert (loaded.train.dvc_stage, loaded.train.model) == ("fit", "models/rf.joblib")
    flows = (tmp_path / ".github/workflows/mlgate.yml").read_text()
    assert "extras: png,dvc" in flows
    # with a default remote, the stage's inputs `dvc add` tracks are pulled: a fresh clone
    # (CI's, the baseline's worktree) has none, and every gate failed on the baseline
    (tmp_path / ".dvc").mkdir()
    # a remote in config.local alone is this machine's: a fresh clone has none to pull from
    (tmp_path / ".dvc" / "config.local").write_text("[core]\n    remote = mine\n")
    scaffold.init(tmp_path, overwrite=("mlops.yaml",))
    assert "  prepare: dvc repro split  #" in (tmp_path / "mlops.yaml").read_text()
    (tmp_path / ".dvc" / "config").write_text("[core]\n    remote = store\n")
    (tmp_path / ".dvc" / "config.local").unlink()
    scaffold.init(tmp_path, overwrite=("mlops.yaml",))
    text = (tmp_path / "mlops.yaml").read_text()
    assert (
        "  prepare: dvc repro --pull split  # dvc.yaml's stage that writes the data files, "
        "its inputs pulled from 'store'\n"
    ) in text


def test_file_and_column_names_reach_the_starter_manifest_as_names(tmp_path: Path) -> None:
    """A script named `train #1.py` became `command: python "train` (the rest a YAML
    comment), one named `prepare $(id).py` a command substitution in the shell, and a
    column named 2020 an integer key."""
    (tmp_path / "data").mkdir()
    rows = "2020,yes,target\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40))
    for name in ("train", "test"):
        (tmp_path / "data" / f"{name}.csv").write_text(rows)
    (tmp_path / "train #1.py").write_text("")
    (tmp_path / "prepare $(id).py").write_text("")
    scaffold.init(tmp_path)
    raw = yaml.safe_load((tmp_path / "mlops.yaml").read_text())
    assert raw["train"]["command"] == "python 'train #1.py'"
    assert raw["data"]["prepare"] == "python 'prepare $(id).py'"
    assert shlex.split(raw["data"]["prepare"]) == ["python", "prepare $(id).py"]
    assert {"2020", "yes"} <= set(raw["data"]["columns"])
    loaded = manifest.load(tmp_path / "mlops.yaml")
    assert loaded.train.command is not None


def test_example_refuses_to_mix_into_a_project_with_its_own_manifest(tmp_path: Path) -> None:
    """Beside a project's own mlops.yaml and fit_model.py, `init --example` added its
    params.yaml and scripts, and every run then recorded the example's params (train.C:
    0.5) for a Ridge that never read them."""
    own = "name: mine\ndata: {train: d/a.csv, test: d/b.csv, target: y}\n"
    (tmp_path / "mlops.yaml").write_text(own + "train: {command: python fit_model.py}\n")
    with pytest.raises(UserError) as refused:
        scaffold.init(tmp_path, example=True)
    assert refused.value.message.startswith(
        "this folder has a manifest of its own (mlops.yaml): the example's scripts and "
        "params.yaml would stand beside it"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlops.yaml"]  # nothing written
