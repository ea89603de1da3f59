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

from mlgate import dvc_files, manifest, pipeline
from mlgate.errors import UserError
from tests import ahead, projects
from tests.conftest import git, isolate

pytestmark = pytest.mark.e2e  # DVC's own processes, each a second or two

DVC = shutil.which("dvc", path=str(Path(sys.executable).parent)) or "dvc"


def dvc(root: Path, *args: str) -> str:
    done = subprocess.run([DVC, *args], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def tracked_project(folder: Path, added: str) -> Path:
    """The iris project in a git repository, `added` tracked by DVC and pushed to a local
    remote beside it (folder/remote)."""
    root = projects.write(folder / "repo", projects.iris_files(Path()))
    git(root, "init", "-q", "-b", "main")
    dvc(root, "init", "-q")
    dvc(root, "config", "core.analytics", "false")
    dvc(root, "add", "-q", added)
    dvc(root, "remote", "add", "-d", "local", str(folder / "remote"))
    dvc(root, "push", "-q")
    return root


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each kind of tracked project made once (DVC's init, add and push take seconds);
    every test gets a copy of its own."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(tmp_path_factory.mktemp("home"), monkeypatch)
        return {
            added: tracked_project(tmp_path_factory.mktemp("template"), added).parent
            for added in ("data/train.csv", "data")
        }


def copied(template: Path, tmp_path: Path) -> Path:
    """The template's repository and remote copied under `tmp_path`, the remote renamed in
    DVC's config (as `dvc remote modify` would)."""
    shutil.copytree(template, tmp_path, symlinks=True, dirs_exist_ok=True)
    config = tmp_path / "repo" / ".dvc" / "config"
    config.write_text(
        config.read_text().replace(str(template / "remote"), str(tmp_path / "remote"))
    )
    return tmp_path / "repo"


@pytest.fixture
def repo(tmp_path: Path, templates: dict[str, Path]) -> Path:
    return copied(templates["data/train.csv"], tmp_path)


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


def test_a_file_changed_since_dvc_add_is_no_version_dvc_knows(repo: Path) -> None:
    """The run result names its data by DVC's hash: for a file edited after `dvc add` it
    named a version the run never read (dvc status: modified)."""
    recorded = yaml.safe_load((repo / "data/train.csv.dvc").read_text())["outs"][0]["md5"]
    with open(repo / "data/train.csv", "a", encoding="utf-8") as handle:
        handle.write("5.0,3.4,1.5,0.2,setosa\n")
    now = hashlib.md5((repo / "data/train.csv").read_bytes()).hexdigest()
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "error"
    assert stage.message.startswith(
        f"data/train.csv is not the version that data/train.csv.dvc holds (its MD5 is {now}, "
        f"DVC's {recorded})"
    )
    assert "`dvc add data/train.csv` to record this version" in stage.message
    dvc(repo, "add", "-q", "data/train.csv")  # recorded: the run says so
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "passed" and stage.datasets[0].dvc_md5 == now


@pytest.mark.parametrize(
    "md5", ["<script>alert(1)</script> | `x`", "ZZZ not an md5", "6c9a1171517"]
)
def test_a_damaged_hash_in_dvcs_file_is_said_not_recorded(repo: Path, md5: str) -> None:
    """It went into run.json, which mlgate's own schema then refused to read back."""
    dvc_file = repo / "data/train.csv.dvc"
    record = yaml.safe_load(dvc_file.read_text())
    record["outs"][0]["md5"] = md5
    dvc_file.write_text(yaml.safe_dump(record))
    from mlgate.errors import ManifestError

    with pytest.raises(ManifestError) as refused:  # validate reads it, the data there or not
        manifest.load(repo / "mlops.yaml")
    assert "data/train.csv.dvc: the md5 of 'train.csv' is " in str(refused.value)
    assert "not an MD5 hash (32 hex digits)" in str(refused.value)


def test_a_dvc_lock_of_millions_of_outputs_is_refused_at_once(repo: Path) -> None:
    """Aliases make a small file list millions of outputs, each compared with the data's
    path: a 47 KB dvc.lock kept validate busy for 45 s."""
    import time

    body = "{outs: [" + ", ".join(["*o"] * 3000) + "]}"
    (repo / "dvc.lock").write_text(
        "schema: '2.0'\nanchor: &o {path: elsewhere.csv, md5: " + "0" * 32 + "}\n"
        "stages:\n  s0: &s " + body + "\n" + "".join(f"  s{i}: *s\n" for i in range(1, 40))
    )
    started = time.monotonic()
    with pytest.raises(UserError, match=r"dvc.lock:\d+:\d+: the DVC file expands to more than"):
        dvc_files.locked(repo / "data/test.csv", repo)
    assert time.monotonic() - started < 5


def test_a_pull_that_fails_says_dvcs_reason(repo: Path, tmp_path: Path) -> None:
    from mlgate.errors import OutsideError

    (repo / "data/train.csv").unlink()
    shutil.rmtree(repo / ".dvc/cache")
    shutil.rmtree(tmp_path / "remote")  # the remote gone: nothing to pull from
    with pytest.raises(OutsideError) as failed:
        dvc_files.pull(repo / "data/train.csv", repo, "data.train")
    said = str(failed.value)
    assert said.startswith("data.train: `dvc pull` of 'data/train.csv' failed: ")
    told = said.split("failed: ", 1)[1]
    assert "exited with code" not in told and "ERROR" in told  # DVC's words, not ours
    # what decided it, which DVC says before its ERROR (the same ERROR for a remote that
    # lacks the file and for no remote at all), and not its untrue "up to date"
    assert "Missing cache files" in told and "Everything is up to date" not in told
    (repo / ".dvc/config").write_text("")  # no remote at all
    with pytest.raises(OutsideError) as failed:
        dvc_files.pull(repo / "data/train.csv", repo, "data.train")
    assert "No remote provided and no default remote set." in str(failed.value)
    with pytest.raises(OutsideError):  # a run stopped there leaves no empty run folder
        pipeline.run(manifest.load(repo / "mlops.yaml"))
    assert not [p for p in (repo / ".mlgate" / "runs").glob("*") if p.is_dir()]


def test_without_dvc_installed_the_error_says_how_to_get_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "data/train.csv").unlink()
    monkeypatch.setenv("PATH", os.pathsep.join(["/usr/bin", "/bin"]))
    with pytest.raises(UserError) as refused:
        dvc_files.pull(repo / "data/train.csv", repo, "data.train")
    assert "data.train: 'data/train.csv' is tracked by DVC and not here" in str(refused.value)
    assert refused.value.hint == "pip install 'mlgate[dvc]' (or run `dvc pull` before mlgate)"


def add_stage(repo: Path, name: str, deps: list[str], out: str, command: str) -> None:
    needs = [arg for dep in deps for arg in ("-d", dep)]
    dvc(repo, "stage", "add", "-q", "-n", name, *needs, "-o", out, command)


def made_by_a_stage(repo: Path, stage: str, out: str, command: str) -> None:
    """`out` written by a DVC stage of data/train.csv, run: dvc.lock names it."""
    add_stage(repo, stage, ["data/train.csv"], out, command)
    dvc(repo, "repro", "-q", stage)


def test_a_stage_output_is_found_in_dvc_lock(repo: Path) -> None:
    made_by_a_stage(repo, "prepare", "data/extra.csv", "cp data/train.csv data/extra.csv")
    found = dvc_files.tracked(repo / "data/extra.csv", repo)
    assert found is not None and found.source == "dvc.lock (stage prepare)"
    assert found.md5 == hashlib.md5((repo / "data/extra.csv").read_bytes()).hexdigest()
    assert dvc_files.tracked(repo / "data/test.csv", repo) is None


DVC_TRAIN = """\
import joblib, pandas as pd
from sklearn.linear_model import LogisticRegression
frame = pd.read_csv("data/train.csv")
model = LogisticRegression(max_iter=500).fit(frame.drop(columns=["species"]), frame["species"])
joblib.dump(model, "models/model.joblib")
"""


def trained_by_stage(repo: Path, *, ahead_on: tuple[str, ...] = ()) -> manifest.Manifest:
    """A DVC stage `train` (data/train.csv and train.py in, the model out) as the
    manifest's training step. `ahead_on`: texts of data/train.csv the stage will read, for
    which its train.py was run ahead (tests/ahead.py's `stage_ahead`): the stage copies
    what it wrote, for the tests of what DVC and mlgate do around the stage; without them
    it trains as the user's does."""
    script = DVC_TRAIN
    for rows in ahead_on:
        script = ahead.stage_ahead(DVC_TRAIN, {"data/train.csv": rows}, ("models/model.joblib",))
    (repo / "train.py").write_text(script)
    (repo / "models").mkdir()
    add_stage(
        repo, "train", ["data/train.csv", "train.py"], "models/model.joblib", "python train.py"
    )
    text = (repo / "mlops.yaml").read_text()
    (repo / "mlops.yaml").write_text(text.replace("  command: python train.py\n", "  dvc: train\n"))
    return manifest.load(repo / "mlops.yaml")


def test_a_dvc_stage_trains_and_its_lock_hashes_go_into_the_run(repo: Path) -> None:
    loaded = trained_by_stage(repo)
    assert loaded.train.command.argv == ("dvc", "repro", "train")
    result = pipeline.run(loaded, compare=False)
    assert result.passed, result.summary
    model = hashlib.md5((repo / "models/model.joblib").read_bytes()).hexdigest()
    data = hashlib.md5((repo / "data/train.csv").read_bytes()).hexdigest()
    assert result.train.dvc_lock is not None
    assert result.train.dvc_lock["models/model.joblib"] == model
    assert result.train.dvc_lock["data/train.csv"] == data
    again = pipeline.run(loaded, compare=False)  # nothing changed: DVC skips the stage
    assert again.passed, again.summary


def test_a_fresh_clone_pulls_what_the_stage_wrote_instead_of_training_again(
    repo: Path, tmp_path: Path
) -> None:
    """A fresh clone (CI's) has no stage output in its cache: `dvc repro train` trained
    again, leaving dvc.lock changed and recording a model nobody committed, where DVC's
    own `dvc repro --pull` takes the pushed one and skips the stage."""
    loaded = trained_by_stage(repo, ahead_on=((repo / "data/train.csv").read_text(),))
    dvc(repo, "repro", "-q", "train")
    dvc(repo, "push", "-q")
    model = hashlib.md5((repo / "models/model.joblib").read_bytes()).hexdigest()
    (repo / ".gitignore").write_text(".mlgate/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "trained by DVC")
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(repo), str(fresh))
    result = pipeline.run(manifest.load(fresh / "mlops.yaml"), compare=False)
    assert result.passed, result.summary
    assert result.train.outcome is not None
    assert result.train.outcome.command == "dvc repro --pull train"
    assert (
        result.train.dvc_lock is not None and result.train.dvc_lock["models/model.joblib"] == model
    )
    assert hashlib.md5((fresh / "models/model.joblib").read_bytes()).hexdigest() == model
    assert git(fresh, "status", "--porcelain") == ""  # dvc.lock as committed
    assert loaded.train.command.argv == ("dvc", "repro", "train")  # as the manifest says


def test_a_stage_that_rewrites_the_checked_data_stops_the_run(repo: Path) -> None:
    """With a stale dvc.lock the data checks read the old files, `dvc repro train` ran the
    stage before it, which rewrote them, and the run passed on data nobody checked (5 test
    rows under a floor of 20), recording the old files' hashes."""
    dvc(repo, "remove", "-q", "data/train.csv.dvc")
    (repo / "data/source.csv").write_bytes((repo / "data/train.csv").read_bytes())
    copy = "cp data/source.csv data/train.csv"
    add_stage(repo, "prepare", ["data/source.csv"], "data/train.csv", copy)
    source = (repo / "data/source.csv").read_text().splitlines(keepends=True)
    # the stage's training, run ahead on the rows it reads before and after the source
    # goes stale
    loaded = trained_by_stage(repo, ahead_on=("".join(source), "".join(source[:-30])))
    dvc(repo, "repro", "-q")
    assert pipeline.run(loaded, compare=False).passed  # dvc.lock up to date
    (repo / "data/source.csv").write_text("".join(source[:-30]))  # stale: no dvc repro
    result = pipeline.run(loaded, compare=False)
    assert not result.passed and result.train.status == "error"
    assert result.train.message.startswith(
        "`dvc repro train` rewrote data/train.csv after the data checks had read them"
    )
    assert "set data.prepare to the `dvc repro` of the stage that writes them" in (
        result.train.message
    )
    # a fresh clone: the stage's output is in no cache, pushed nowhere; DVC makes it again
    from mlgate.errors import OutsideError

    (repo / "data/train.csv").unlink()
    shutil.rmtree(repo / ".dvc/cache")
    with pytest.raises(OutsideError) as failed:
        pipeline.check_data(loaded)
    assert (failed.value.hint or "").startswith(
        "it is an output of DVC stage 'prepare': `dvc repro prepare` makes it again"
    )
    # the stage renamed in dvc.yaml, dvc.lock not made again: `dvc repro prepare` was the
    # hint, and DVC answered "Stage 'prepare' not found"
    yaml_text = (repo / "dvc.yaml").read_text()
    (repo / "dvc.yaml").write_text(yaml_text.replace("  prepare:", "  split:"))
    with pytest.raises(OutsideError) as failed:
        pipeline.check_data(loaded)
    assert (failed.value.hint or "").startswith(
        "dvc.lock names it an output of stage 'prepare', which dvc.yaml no longer has (its "
        "stages: split, train): dvc.lock is stale; `dvc repro` brings it up to date"
    )


def test_a_stage_dvc_yaml_lacks_is_named_with_its_stages(repo: Path) -> None:
    from mlgate.errors import ManifestError

    (repo / "dvc.yaml").write_text("stages:\n  train:\n    cmd: python train.py\n")
    text = (repo / "mlops.yaml").read_text()
    (repo / "mlops.yaml").write_text(text.replace("  command: python train.py\n", "  dvc: trian\n"))
    with pytest.raises(ManifestError) as refused:
        manifest.load(repo / "mlops.yaml")
    assert (
        "train.dvc: dvc.yaml has no stage 'trian' (its stages: train); did you mean 'train'?"
        in (str(refused.value))
    )
    # data.prepare's `dvc repro STAGE` the same: a misspelt one passed, and DVC stopped the run
    (repo / "dvc.yaml").write_text(
        "stages:\n  prepare:\n    cmd: python prepare.py\n  train:\n    cmd: python train.py\n"
    )
    for prepare in (
        "dvc repro prepar",
        "dvc repro --pull prepar",
        "{command: dvc repro prepar}",
        "[dvc, repro, prepar]",
        "{command: [dvc, repro, --pull, prepar]}",
    ):
        (repo / "mlops.yaml").write_text(
            text.replace("data:\n", f"data:\n  prepare: {prepare}\n", 1)
        )
        with pytest.raises(ManifestError) as refused:
            manifest.load(repo / "mlops.yaml")
        assert (
            "dvc.yaml has no stage 'prepar' (its stages: prepare, train); did you mean 'prepare'?"
            in str(refused.value)
        ), prepare
    # no dvc.yaml at all: said, as train.dvc's is
    (repo / "dvc.yaml").rename(repo / "elsewhere.yaml")
    (repo / "mlops.yaml").write_text(
        text.replace("data:\n", "data:\n  prepare: dvc repro prepare\n", 1)
    )
    with pytest.raises(
        ManifestError, match=r"needs a dvc\.yaml beside the manifest; none is there"
    ):
        manifest.load(repo / "mlops.yaml")
    (repo / "elsewhere.yaml").rename(repo / "dvc.yaml")
    # a stage's name, not a file DVC reproduces whole (dvc.yaml, a .dvc file): those stand
    for prepare in ("dvc repro prepare", "dvc repro dvc.yaml", "dvc repro --pull raw.csv.dvc"):
        (repo / "mlops.yaml").write_text(
            text.replace("data:\n", f"data:\n  prepare: {prepare}\n", 1)
        )
        assert manifest.load(repo / "mlops.yaml").data.prepare is not None, prepare


@pytest.fixture
def folder_repo(tmp_path: Path, templates: dict[str, Path]) -> Path:
    """The data folder tracked as one (`dvc add data`), as image and multi-file datasets
    are; pushed to a local remote."""
    return copied(templates["data"], tmp_path)


def test_files_of_a_tracked_folder_are_pulled_and_named_by_their_own_md5(
    folder_repo: Path,
) -> None:
    """The listing DVC keeps for the folder has each file's MD5: before, a file inside
    `data.dvc`'s folder was no DVC file at all (validate said to track it with DVC)."""
    contents = {n: (folder_repo / "data" / n).read_bytes() for n in ("train.csv", "test.csv")}
    shutil.rmtree(folder_repo / "data")
    shutil.rmtree(folder_repo / ".dvc/cache")  # only the remote has it now
    loaded = manifest.load(folder_repo / "mlops.yaml")  # validate: tracked, pulled later
    stage = pipeline.check_data(loaded)
    assert stage.status == "passed", stage.message
    for dataset, name in zip(stage.datasets, ("train.csv", "test.csv"), strict=True):
        assert (folder_repo / "data" / name).read_bytes() == contents[name]
        assert dataset.dvc_md5 == hashlib.md5(contents[name]).hexdigest()
        assert dataset.dvc_source == "data.dvc (folder data)"


def test_a_file_changed_or_added_in_a_tracked_folder_is_no_version_dvc_knows(
    folder_repo: Path,
) -> None:
    with open(folder_repo / "data/test.csv", "a", encoding="utf-8") as handle:
        handle.write("5.0,3.4,1.5,0.2,setosa\n")
    stage = pipeline.check_data(manifest.load(folder_repo / "mlops.yaml"))
    assert stage.status == "error"
    assert stage.message.startswith(
        "data/test.csv is not the version that data.dvc (folder data) holds (its MD5 is "
    )
    shutil.copy(folder_repo / "data/test.csv", folder_repo / "data/holdout.csv")
    dvc(folder_repo, "add", "-q", "data")  # test.csv recorded; holdout.csv with it
    text = (folder_repo / "mlops.yaml").read_text()
    (folder_repo / "mlops.yaml").write_text(text.replace("data/test.csv", "data/later.csv"))
    shutil.copy(folder_repo / "data/test.csv", folder_repo / "data/later.csv")  # not added
    from mlgate.errors import ManifestError

    with pytest.raises(ManifestError) as refused:  # what the run would refuse, validate does
        manifest.load(folder_repo / "mlops.yaml")
    assert (
        "data.test: 'data/later.csv' is tracked by DVC, but the version of its folder that "
        "data.dvc (folder data) holds does not list it"
    ) in str(refused.value)


def test_without_the_folders_listing_the_file_is_tracked_but_its_md5_unknown(
    folder_repo: Path,
) -> None:
    """DVC's cache lacks the listing (garbage-collected, another machine's cache): the
    run says which folder, and names no MD5 it could not check."""
    shutil.rmtree(folder_repo / ".dvc/cache")
    stage = pipeline.check_data(manifest.load(folder_repo / "mlops.yaml"))
    assert stage.status == "passed", stage.message
    assert [(d.dvc_md5, d.dvc_source) for d in stage.datasets] == [
        (None, "data.dvc (folder data)")
    ] * 2


def test_a_cache_dir_set_in_dvcs_config_is_where_the_listing_is_read(
    folder_repo: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "shared-cache"
    shutil.move(folder_repo / ".dvc/cache", moved)
    dvc(folder_repo, "cache", "dir", "--local", str(moved))
    found = dvc_files.tracked(folder_repo / "data/train.csv", folder_repo)
    md5 = hashlib.md5((folder_repo / "data/train.csv").read_bytes()).hexdigest()
    assert found is not None and (found.md5, found.raw) == (md5, True)


@pytest.mark.parametrize("listing", ['{"not": "a list"}', '[{"md5": "x", "relpath": 1}]', "[["])
def test_a_damaged_folder_listing_is_said(folder_repo: Path, listing: str) -> None:
    (written,) = (folder_repo / ".dvc/cache").rglob("*.dir")
    written.chmod(0o644)
    written.write_text(listing)
    with pytest.raises(UserError, match="DVC's listing of a tracked folder is damaged"):
        dvc_files.tracked(folder_repo / "data/train.csv", folder_repo)


def test_a_file_in_a_stages_output_folder_is_found_in_dvc_lock(repo: Path) -> None:
    command = "mkdir -p data/split && cp data/train.csv data/split/part.csv"
    made_by_a_stage(repo, "split", "data/split", command)
    found = dvc_files.tracked(repo / "data/split/part.csv", repo)
    assert found is not None and found.source == "dvc.lock (stage split) (folder data/split)"
    assert found.md5 == hashlib.md5((repo / "data/split/part.csv").read_bytes()).hexdigest()
    assert dvc_files.tracked(repo / "data/splitter.csv", repo) is None  # a name, not inside


@pytest.mark.parametrize("kind", ["link to /dev/zero", "FIFO"])
def test_a_hostile_dvc_config_is_not_read(folder_repo: Path, kind: str) -> None:
    """Git keeps links: a pull request's .dvc/config -> /dev/zero filled memory until the
    OOM killer stopped the run, and a FIFO hung it. Such a config names no cache."""
    import time

    config = folder_repo / ".dvc" / "config.local"
    if kind == "FIFO":
        os.mkfifo(config)
    else:
        config.symlink_to("/dev/zero")
    started = time.monotonic()
    found = dvc_files.tracked(folder_repo / "data/train.csv", folder_repo)
    assert time.monotonic() - started < 5
    md5 = hashlib.md5((folder_repo / "data/train.csv").read_bytes()).hexdigest()
    assert found is not None and found.md5 == md5  # the default cache, where the listing is


def test_a_dvc_2_record_is_checked_as_dvc_2_hashed(repo: Path) -> None:
    """A record without `hash: md5` (DVC 2's, which DVC 3 reads and keeps) was never
    checked: a file changed since gave the run DVC's old MD5, a hash it does not have.
    DVC 2 hashed a text file with its Windows line ends read as Unix's."""
    crlf = (repo / "data/train.csv").read_bytes().replace(b"\n", b"\r\n")
    (repo / "data/train.csv").write_bytes(crlf)
    as_dvc_2 = hashlib.md5(crlf.replace(b"\r\n", b"\n")).hexdigest()
    record = {"outs": [{"md5": as_dvc_2, "size": len(crlf), "path": "train.csv"}]}
    (repo / "data/train.csv.dvc").write_text(yaml.safe_dump(record))
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "passed", stage.message
    assert stage.datasets[0].dvc_md5 == as_dvc_2
    with open(repo / "data/train.csv", "ab") as handle:
        handle.write(b"5.0,3.4,1.5,0.2,setosa\r\n")
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "error"
    assert stage.message.startswith("data/train.csv is not the version that data/train.csv.dvc")


def test_a_stage_output_changed_since_is_recorded_with_dvc_commit(repo: Path) -> None:
    """`dvc add` of a stage's output is refused by DVC (it overlaps the stage): the hint
    named it."""
    made_by_a_stage(repo, "prepare", "data/extra.csv", "cp data/train.csv data/extra.csv")
    text = (repo / "mlops.yaml").read_text()
    (repo / "mlops.yaml").write_text(text.replace("data/test.csv", "data/extra.csv"))
    with open(repo / "data/extra.csv", "a", encoding="utf-8") as handle:
        handle.write("5.0,3.4,1.5,0.2,setosa\n")
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "error"
    assert "not the version that dvc.lock (stage prepare) holds" in stage.message
    hint = "`dvc commit data/extra.csv` (or `dvc repro prepare`) to record this version"
    assert hint in stage.message


def test_dvc_files_that_would_take_minutes_or_gigabytes_are_refused_at_once(
    folder_repo: Path,
) -> None:
    """A 1.3 MB dvc.lock of aliases made 100,000,000 outputs (47 s, 7 GB); 250 MB of
    `[[], [], ...]` as a folder's listing took 6.5 GB; a 15 MiB .dvc file 2 minutes."""
    import time

    body = "{outs: *l}"
    (folder_repo / "dvc.lock").write_text(
        "schema: '2.0'\no: &o {path: zzz, md5: " + "0" * 32 + "}\n"
        "l: &l [" + ", ".join(["*o"] * 1000) + "]\n"
        "stages:\n" + "".join(f"  s{i}: {body}\n" for i in range(20_000))
    )
    started = time.monotonic()
    with pytest.raises(UserError, match=r"dvc.lock:\d+:\d+: the DVC file expands to more than"):
        dvc_files.locked(folder_repo / "data/test.csv", folder_repo)
    assert time.monotonic() - started < 10
    (folder_repo / "dvc.lock").unlink()
    (listing,) = (folder_repo / ".dvc/cache").rglob("*.dir")
    listing.chmod(0o644)
    listing.write_text("[" + "[], " * 10_000_000 + "[]]")
    started = time.monotonic()
    with pytest.raises(UserError, match="listing of a tracked folder is damaged"):
        dvc_files.tracked(folder_repo / "data/train.csv", folder_repo)
    assert time.monotonic() - started < 5
    (folder_repo / "data.dvc").write_text("outs:\n" + "- {}\n" * 1_500_000)  # 6 MB
    started = time.monotonic()
    with pytest.raises(UserError, match=r"data\.dvc is larger than 4 MiB, more than mlgate"):
        dvc_files.tracked(folder_repo / "data/train.csv", folder_repo)
    assert time.monotonic() - started < 1


def test_validate_says_what_would_stop_the_pull(folder_repo: Path) -> None:
    """A name the tracked folder's listing lacks (a typo), and a damaged DVC file, were
    "valid"; the run then said the file does not exist, or that DVC's file was damaged."""
    from mlgate.errors import ManifestError

    shutil.rmtree(folder_repo / "data")
    text = (folder_repo / "mlops.yaml").read_text()
    (folder_repo / "mlops.yaml").write_text(text.replace("data/test.csv", "data/tset.csv"))
    with pytest.raises(ManifestError) as refused:
        manifest.load(folder_repo / "mlops.yaml")
    assert (
        "data.test: 'data/tset.csv' is tracked by DVC, but the version of its folder that "
        "data.dvc (folder data) holds does not list it"
    ) in str(refused.value)
    (folder_repo / "data.dvc").write_text("outs:\n- md5: [unclosed\n  path: data\n")
    with pytest.raises(ManifestError) as refused:
        manifest.load(folder_repo / "mlops.yaml")
    assert (
        "data.train: 'data/train.csv' is tracked by DVC, but DVC's file could not be read: "
        "data.dvc:3:7: invalid YAML"
    ) in str(refused.value)
