"""`mlgate init ml/churn`: a project in a folder of its repository gets its workflows at
the repository's top, where GitHub reads them, each made for that folder; `init --check`
follows them there; a folder's name reaches them only when it can go in as it is."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlgate import scaffold
from mlgate.cli import main
from mlgate.errors import UserError

FOLDER = "ml/churn"
FILES = {
    "mlgate.yml": "mlgate.ml-churn.yml",
    "mlgate-fork-report.yml": "mlgate-fork-report.ml-churn.yml",
    "mlgate-merge.yml": "mlgate-merge.ml-churn.yml",
    "mlgate-dispatch.yml": "mlgate-dispatch.ml-churn.yml",
    "mlgate-monitor.yml": "mlgate-monitor.ml-churn.yml",
    "mlgate-retrain.yml": "mlgate-retrain.ml-churn.yml",
    "mlgate-sweep.yml": "mlgate-sweep.ml-churn.yml",
}


def repository(top: Path, branch: str = "main") -> Path:
    subprocess.run(["git", "init", "-q", "-b", branch, str(top)], check=True)
    return top


def workflows(top: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((top / ".github/workflows").glob("*.yml"))}


def mlgate_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").startswith("mlgate/mlgate@")]


def checks_out(job: dict[str, Any]) -> bool:
    return any(s.get("uses", "").startswith("actions/checkout@") for s in job["steps"])


def test_the_workflows_of_a_folders_project_are_at_the_top_and_work_in_its_folder(
    tmp_path: Path,
) -> None:
    top = repository(tmp_path / "repo")
    done = scaffold.init(top / "ml" / "churn")  # a folder that is not there yet
    assert done.below_top == FOLDER
    assert done.written == (
        *sorted(f"../../.github/workflows/{name}" for name in FILES.values()),
        ".gitignore",
        "mlops.yaml",
    )
    assert (top / FOLDER / "mlops.yaml").is_file() and not (top / FOLDER / ".github").exists()
    found = workflows(top)
    assert sorted(found) == sorted(FILES.values())
    documents = {name: yaml.safe_load(text) for name, text in found.items()}
    for name, text in found.items():
        assert text.startswith(
            "# the mlgate project in ml/churn/ (`mlgate init ml/churn` wrote this file)\n"
        )
        assert not re.search(r"\$(?!\{\{)", text), f"{name}: a placeholder is left"
        document = documents[name]
        assert document["name"].endswith(" (ml/churn)"), name
        assert document["concurrency"]["group"].startswith("mlgate-ml/churn-"), name
        for job_name, job in document["jobs"].items():
            for step in mlgate_steps(job):
                # the fork report's job checks out nothing: it reads its download where it is
                wanted = FOLDER if checks_out(job) else None
                assert step["with"].get("working-directory") == wanted, (name, job_name)
                assert step["with"].get("manifest") is None  # relative to working-directory

    pull_request = documents["mlgate.ml-churn.yml"]
    assert pull_request["name"] == "mlgate (ml/churn)"
    # what a required status check names: "Gate the model" was every project's
    assert pull_request["jobs"]["model"]["name"] == "Gate the model (ml/churn)"
    assert pull_request[True]["pull_request"] == {  # YAML 1.1 reads `on` as True
        "paths": ["ml/churn/**", ".github/workflows/mlgate.ml-churn.yml"]
    }
    (upload,) = [s for s in pull_request["jobs"]["model"]["steps"] if "upload" in s["uses"]]
    assert upload["with"]["path"] == "ml/churn/.mlgate/runs/"
    assert upload["with"]["name"] == "mlgate-run"  # one upload a run: no other project's
    merge = documents["mlgate-merge.ml-churn.yml"]
    (upload,) = [s for s in merge["jobs"]["model"]["steps"] if "upload" in s["uses"]]
    assert upload["with"]["path"] == "ml/churn/.mlgate/runs/"
    # a merge that changes only another project's files registers (and deploys) no new
    # version of this one
    assert merge[True]["push"] == {
        "branches": ["main"],
        "paths": ["ml/churn/**", ".github/workflows/mlgate-merge.ml-churn.yml"],
    }

    fork = documents["mlgate-fork-report.ml-churn.yml"]
    assert fork[True]["workflow_run"]["workflows"] == ["mlgate (ml/churn)"]
    (job,) = fork["jobs"].values()
    (download,) = [s for s in job["steps"] if "download" in s["uses"]]
    assert download["with"]["path"] == "mlgate-run" and download["with"]["name"] == "mlgate-run"
    assert mlgate_steps(job)[0]["with"].get("artifact") is None  # mlgate-run, as downloaded

    sweep = documents["mlgate-sweep.ml-churn.yml"]
    assert sweep[True]["pull_request"] == {
        "types": ["labeled"],
        "paths": ["ml/churn/**", ".github/workflows/mlgate-sweep.ml-churn.yml"],
    }
    (upload,) = [s for s in sweep["jobs"]["run"]["steps"] if "upload" in s["uses"]]
    assert upload["with"]["path"].split() == [
        "ml/churn/.mlgate/sweeps/*.json",
        "ml/churn/.mlgate/sweeps/*/.mlgate/runs/",
    ]
    collect = sweep["jobs"]["collect"]["steps"]
    (download,) = [s for s in collect if "download" in s["uses"]]
    assert download["with"]["path"] == "ml/churn/mlgate-sweep"
    # the action's artifact input is relative to its working-directory: the same folder
    assert mlgate_steps(sweep["jobs"]["collect"])[0]["with"]["artifact"] == "mlgate-sweep"
    # the comments name the files and workflows as they are now
    assert "mlgate-fork-report.ml-churn.yml posts the comment" in found["mlgate.ml-churn.yml"]
    assert "Actions -> mlgate sweep (ml/churn) -> Run workflow" in found[FILES["mlgate-sweep.yml"]]
    assert "start mlgate-retrain.ml-churn.yml" in found[FILES["mlgate-monitor.yml"]]


def test_at_the_top_the_workflows_are_as_the_templates_say(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo")
    scaffold.init(top)
    found = workflows(top)
    assert sorted(found) == sorted(FILES)
    for text in found.values():
        assert "working-directory" not in text and "paths:" not in text and "ml/" not in text
        assert not text.startswith("# the mlgate project in")
    assert yaml.safe_load(found["mlgate.yml"])["name"] == "mlgate"


def test_init_check_follows_a_folders_workflows_to_the_top(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = repository(tmp_path / "repo")
    (top / FOLDER).mkdir(parents=True)
    assert main(["-C", str(top), "init", "--check", FOLDER]) == 1
    assert ".github/workflows/mlgate.ml-churn.yml: missing" in capsys.readouterr().out
    assert main(["-C", str(top), "init", FOLDER]) == 0
    capsys.readouterr()
    assert main(["-C", str(top), "init", "--check", FOLDER]) == 0
    said = capsys.readouterr().out
    assert said.count(": up to date") == len(FILES)
    assert main(["-C", str(top), "init", "--check", "--json", FOLDER]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["up_to_date"] is True and document["below_top"] == FOLDER
    assert {w["path"] for w in document["workflows"]} == {
        f"../../.github/workflows/{name}" for name in FILES.values()
    }

    pull_request = top / ".github/workflows/mlgate.ml-churn.yml"
    pull_request.write_text(pull_request.read_text().replace('"ml/churn/**"', '"ml/**"'))
    assert main(["-C", str(top), "init", "--check", FOLDER]) == 1
    said = capsys.readouterr().out
    assert ".github/workflows/mlgate.ml-churn.yml: edited" in said
    assert '-      - "ml/**"\n+      - "ml/churn/**"\n' in said
    assert said.rstrip().endswith(f"mlgate init {FOLDER} --force")
    assert main(["-C", str(top), "init", FOLDER, "--force"]) == 0
    assert main(["-C", str(top), "init", "--check", FOLDER]) == 0
    # the top's own check knows nothing of the folder's files
    assert {c.status for c in scaffold.check(top)} == {"missing"}


def test_two_projects_of_one_repository_keep_their_own_workflows(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo")
    scaffold.init(top / "ml" / "churn")
    churn = workflows(top)
    scaffold.init(top / "ml" / "fraud", force=True)  # --force replaces only its own
    scaffold.init(top)  # and a project at the top, too
    both = workflows(top)
    assert len(both) == 3 * len(FILES)
    assert {name: both[name] for name in churn} == churn
    names = [yaml.safe_load(text)["name"] for text in both.values()]
    assert len(set(names)) == len(names)  # workflow_run names a workflow by its name
    groups = [yaml.safe_load(text)["concurrency"]["group"] for text in both.values()]
    assert len(set(groups)) == len(groups)  # no project's run cancels another's
    fraud = yaml.safe_load(both["mlgate-fork-report.ml-fraud.yml"])
    assert fraud[True]["workflow_run"]["workflows"] == ["mlgate (ml/fraud)"]
    for folder in ("ml/churn", "ml/fraud", ""):
        assert {c.status for c in scaffold.check(top / folder)} == {"up to date"}


def test_a_folder_whose_workflows_would_be_named_as_anothers_is_refused(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo")
    scaffold.init(top / "ml" / "churn")
    before = workflows(top)
    with pytest.raises(UserError, match="is the workflow of the project in ml/churn") as caught:
        scaffold.init(top / "ml-churn", force=True)
    assert "ml-churn's would have the same name" in str(caught.value)
    assert workflows(top) == before and not (top / "ml-churn").exists()


@pytest.mark.parametrize(
    ("folder", "problem"),
    [
        ("ml/my churn", "it holds a space"),
        ("ml/it's", 'it holds "\'"'),
        ('ml/say "hi"', "it holds a space, '\"'"),
        ("ml/$HOME", "it holds '$'"),
        ("ml/${{ github.token }}", "it holds a space, '$', '{', '}'"),
        ("ml/x: y", "it holds a space, ':'"),
        ("ml/a#b", "it holds '#'"),
        ("ml/**", "it holds '*'"),
        ("ml/[ab]", "it holds '[', ']'"),
        ("ml/!x", "it holds '!'"),
        ("ml/é", "it holds 'é'"),
        ("ml/-rf", "'-rf' starts with '-'"),
        ("ml/.hidden", "'.hidden' starts with '.'"),
    ],
)
def test_a_folder_that_cannot_go_into_a_workflow_as_it_is_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str, problem: str
) -> None:
    top = repository(tmp_path / "repo")
    (top / folder).mkdir(parents=True)
    with pytest.raises(UserError) as caught:
        scaffold.init(top / folder)
    assert (
        caught.value.message
        == f"the folder {folder!r} cannot go into a workflow as it is: {problem}"
    )
    assert "letters, digits, '_', '.' and '-'" in (caught.value.hint or "")
    assert not (top / ".github").exists() and list((top / folder).iterdir()) == []
    with pytest.raises(UserError, match="cannot go into a workflow"):
        scaffold.check(top / folder)
    assert main(["-C", str(top), "init", "--", folder]) == 2
    assert "cannot go into a workflow" in capsys.readouterr().err


def test_the_suggested_folder_is_one_that_can(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo")
    (top / "ml" / "my churn").mkdir(parents=True)
    with pytest.raises(UserError) as caught:
        scaffold.init(top / "ml" / "my churn")
    assert "such as 'ml/my-churn'" in (caught.value.hint or "")
    assert scaffold._unsafe_folder(scaffold._safe_folder("-a/.b/c d$")) == ""
    # the same names at the top of a repository never reach a workflow: a plain init
    odd = repository(tmp_path / "my $project")
    scaffold.init(odd)
    assert yaml.safe_load((odd / ".github/workflows/mlgate.yml").read_text())["name"] == "mlgate"


def test_a_folder_outside_its_repositorys_top_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git naming a top the folder is not in (a worktree set in git's config): `..`
    would reach the workflows."""
    from mlgate import git

    (tmp_path / "elsewhere" / "churn").mkdir(parents=True)
    monkeypatch.setattr(git, "toplevel", lambda directory: tmp_path / "repo")
    with pytest.raises(UserError, match="is outside its git repository"):
        scaffold.init(tmp_path / "elsewhere" / "churn")
    assert not (tmp_path / ".github").exists()


def test_dotdot_in_the_folder_given_is_where_it_leads(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo")
    (top / "ml" / "churn").mkdir(parents=True)
    assert scaffold.below_top(top / "ml" / "churn" / ".." / "churn") == FOLDER
    assert scaffold.below_top(top / "ml" / "..") == ""


def test_a_default_branch_that_cannot_go_into_the_merge_workflow_is_refused(
    tmp_path: Path,
) -> None:
    top = repository(tmp_path / "repo", branch='we"ird')
    with pytest.raises(UserError, match="the default branch 'we\"ird' cannot go into"):
        scaffold.init(top)
    assert not (top / ".github").exists()


def test_the_example_in_a_folder_has_its_workflows_at_the_top_alone(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo", branch="trunk")
    done = scaffold.init(top / "examples" / "bc", example=True)
    assert not (top / "examples/bc/.github").exists()
    assert sorted(workflows(top)) == sorted(
        name.replace(".yml", ".examples-bc.yml", 1) for name in FILES
    )
    assert "mlops.yaml" in done.written and "params.yaml" in done.written
    merge = yaml.safe_load((top / ".github/workflows/mlgate-merge.examples-bc.yml").read_text())
    assert merge[True]["push"]["branches"] == ["trunk"]  # the repository's, read from above
    assert {c.status for c in scaffold.check(top / "examples" / "bc")} == {"up to date"}


def test_a_second_project_of_the_same_folder_name_is_named_for_its_path(tmp_path: Path) -> None:
    """`teams/a/churn` and `teams/b/churn` were both `churn`: one model's registry tags,
    comments and retraining branch for two projects."""
    top = repository(tmp_path / "repo")
    scaffold.init(top / "teams" / "a" / "churn")
    scaffold.init(top / "teams" / "b" / "churn")
    scaffold.init(top / "teams" / "fraud")
    names = {
        folder: yaml.safe_load((top / folder / "mlops.yaml").read_text())["name"]
        for folder in ("teams/a/churn", "teams/b/churn", "teams/fraud")
    }
    assert names == {
        "teams/a/churn": "churn",
        "teams/b/churn": "teams-b-churn",
        "teams/fraud": "fraud",
    }
    assert scaffold.init(top / "teams" / "c" / "churn", name="churn-c").written  # asked: kept
    assert "name: churn-c\n" in (top / "teams/c/churn/mlops.yaml").read_text()
