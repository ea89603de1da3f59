"""What a run records of DVC, and what it refuses, for real (DVC's own processes, a local
remote): a DVC stage's params as dvc.lock has them, a frozen stage, a tracked folder's
listing checked against its name, DVC files of the wrong shape, a DVC project above the
manifest's folder, a damaged cache object pulled, a file that could not be checked."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from mlgate import dvc_files, manifest, pipeline
from mlgate.errors import ManifestError, UserError
from mlgate.manifest import lint
from tests import ahead
from tests.conftest import git
from tests.data import test_dvc_track as track
from tests.data.test_dvc_track import dvc, trained_by_stage

pytestmark = pytest.mark.e2e  # DVC's own processes, each a second or two

templates = track.templates  # the tracked projects, made once a session


@pytest.fixture
def repo(tmp_path: Path, templates: dict[str, Path]) -> Path:
    return track.copied(templates["data/train.csv"], tmp_path)


@pytest.fixture
def folder_repo(tmp_path: Path, templates: dict[str, Path]) -> Path:
    return track.copied(templates["data"], tmp_path)


TRAIN_WITH_PARAMS = """\
import joblib, pandas as pd, yaml
from sklearn.linear_model import LogisticRegression
steps = yaml.safe_load(open("train.yaml"))["max_iter"]
frame = pd.read_csv("data/train.csv")
model = LogisticRegression(max_iter=steps).fit(frame.drop(columns=["species"]), frame["species"])
joblib.dump(model, "models/model.joblib")
"""


def test_a_stage_reading_params_from_another_file_records_what_dvc_lock_says(
    repo: Path,
) -> None:
    """The stage read train.yaml (max_iter: 300); the run result's only params were
    params.yaml's, which did not train the model, and dvc.lock's were dropped."""
    (repo / "train.py").write_text(TRAIN_WITH_PARAMS)
    (repo / "train.yaml").write_text("max_iter: 300\n")
    (repo / "models").mkdir()
    dvc(repo, "stage", "add", "-q", "-n", "train", "-d", "data/train.csv", "-d", "train.py",
        "-p", "train.yaml:max_iter", "-o", "models/model.joblib", "python train.py")  # fmt: skip
    text = (repo / "mlops.yaml").read_text()
    (repo / "mlops.yaml").write_text(text.replace("  command: python train.py\n", "  dvc: train\n"))
    loaded = manifest.load(repo / "mlops.yaml")
    (warned,) = [w for w in lint.warnings(loaded, "mlops.yaml") if w.path == "train.dvc"]
    assert "stage 'train' reads its params from train.yaml" in warned.message
    assert "recorded as train.dvc_params" in warned.message
    result = pipeline.run(loaded, compare=False)
    assert result.passed, result.summary
    assert result.train.dvc_params == {"train.yaml": {"max_iter": 300}}
    assert result.train.dvc_cmd == "python train.py"
    assert result.params == {"train.C": 1.0}  # params.yaml's, as train.params says
    runs = sorted((repo / ".mlgate" / "runs").glob("*/run.json"))
    kept = json.loads(runs[-1].read_text())["train"]
    assert kept["dvc_params"] == {"train.yaml": {"max_iter": 300}}


def test_a_frozen_training_stage_is_refused_by_validate(repo: Path) -> None:
    trained_by_stage(repo, ahead_on=((repo / "data/train.csv").read_text(),))
    dvc(repo, "repro", "-q", "train")
    dvc(repo, "freeze", "-q", "train")
    with pytest.raises(ManifestError) as refused:
        manifest.load(repo / "mlops.yaml")
    assert "train.dvc: dvc.yaml's stage 'train' is frozen (frozen: true)" in str(refused.value)
    assert "`dvc unfreeze train`" in str(refused.value)


def test_a_model_dvc_repro_adopted_without_training_is_no_trained_model(repo: Path) -> None:
    """A frozen stage: `dvc repro` ran nothing, took the model put there by hand into
    dvc.lock, and the run recorded it as trained by the stage's code (train passed)."""
    # frozen after validate: the run itself must see it
    loaded = trained_by_stage(repo, ahead_on=((repo / "data/train.csv").read_text(),))
    dvc(repo, "repro", "-q", "train")
    dvc(repo, "freeze", "-q", "train")
    lock = (repo / "dvc.lock").read_bytes()
    import joblib
    from sklearn.dummy import DummyClassifier

    frame = __import__("pandas").read_csv(repo / "data/train.csv")
    by_hand = DummyClassifier().fit(frame.drop(columns=["species"]), frame["species"])
    joblib.dump(by_hand, repo / "models/model.joblib")
    result = pipeline.run(loaded, compare=False)
    assert not result.passed and result.train.status == "error"
    assert result.train.message.startswith("`dvc repro train` did not run the stage")
    assert (repo / "dvc.lock").read_bytes() == lock  # the user's record as it was


def test_a_folder_listing_that_does_not_hash_to_its_name_is_not_used(folder_repo: Path) -> None:
    """A stale or edited listing in the cache gave a changed file's MD5: the run named it
    by a folder version (data.dvc's) that does not hold it."""
    (listing,) = (folder_repo / ".dvc/cache").rglob("*.dir")
    entries = json.loads(listing.read_text())
    with open(folder_repo / "data/train.csv", "a", encoding="utf-8") as handle:
        handle.write("5.0,3.4,1.5,0.2,setosa\n")
    changed = hashlib.md5((folder_repo / "data/train.csv").read_bytes()).hexdigest()
    for entry in entries:
        if entry["relpath"] == "train.csv":
            entry["md5"] = changed
    listing.chmod(0o644)
    listing.write_text(json.dumps(entries))
    with pytest.raises(UserError) as refused:
        dvc_files.tracked(folder_repo / "data/train.csv", folder_repo)
    assert "DVC's listing of a tracked folder is damaged: its MD5 is " in str(refused.value)
    assert "`dvc fetch` the folder's .dvc file again" in (refused.value.hint or "")
    with pytest.raises(ManifestError, match="listing of a tracked folder is damaged: its MD5"):
        manifest.load(folder_repo / "mlops.yaml")  # validate says it, as the run would


def test_dvc_files_of_the_wrong_shape_are_said_where(repo: Path) -> None:
    """`outs: hello`, a .dvc linked to /dev/zero, `stages: hello`: each was "DVC tracks
    nothing", and the run recorded tracked data as untracked (exit 0)."""
    dvc_file = repo / "data/train.csv.dvc"
    dvc_file.write_text("outs: hello\n")
    with pytest.raises(ManifestError) as refused:
        manifest.load(repo / "mlops.yaml")
    assert "data/train.csv.dvc:1:7: outs is 'hello' (a str), not a list of outputs" in str(
        refused.value
    )
    dvc_file.write_text("outs:\n- md5: " + "0" * 32 + "\n")
    with pytest.raises(ManifestError, match=r"train.csv.dvc:2:3: an entry with no path"):
        manifest.load(repo / "mlops.yaml")
    dvc_file.unlink()
    dvc_file.symlink_to("/dev/zero")
    with pytest.raises(ManifestError, match=r"data/train.csv.dvc is a .*, not a regular file"):
        manifest.load(repo / "mlops.yaml")
    dvc_file.unlink()
    trained_by_stage(repo)
    (repo / "dvc.lock").write_text("schema: '2.0'\nstages: hello\n")
    with pytest.raises(ManifestError) as refused:
        manifest.load(repo / "mlops.yaml")
    assert "dvc.lock:2:9: stages is 'hello' (a str), not a mapping of stages" in str(refused.value)


def test_a_dvc_project_above_the_manifest_gives_its_remote_to_the_training(
    repo: Path, tmp_path: Path
) -> None:
    """`.dvc/` at the repository's top, the manifest in ml/: a fresh clone trained with
    `dvc repro train`, no `--pull`, and failed (exit 1) on data it never pulled."""
    sub = repo / "ml"
    sub.mkdir()
    for name in ("mlops.yaml", "params.yaml", "train.py"):
        shutil.move(repo / name, sub / name)
    text = (sub / "mlops.yaml").read_text().replace("data/", "../data/")
    (sub / "mlops.yaml").write_text(text.replace("  command: python train.py\n", "  dvc: train\n"))
    (sub / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    outs: [models/model.joblib]\n"
    )
    assert dvc_files.default_remote(sub) == "local"
    from mlgate.pipeline import stages

    loaded = manifest.load(sub / "mlops.yaml")
    assert stages._training(loaded).argv == ("dvc", "repro", "--pull", "train")


def test_a_damaged_cache_object_pulled_is_said_not_recorded(repo: Path, tmp_path: Path) -> None:
    """DVC checks out a cache object without hashing it: the hint was `dvc add`, which
    records the damaged bytes as the new version."""
    recorded = yaml.safe_load((repo / "data/train.csv.dvc").read_text())["outs"][0]["md5"]
    cached = repo / ".dvc/cache/files/md5" / recorded[:2] / recorded[2:]
    cached.chmod(0o644)
    content = cached.read_bytes()
    cached.write_bytes(content.replace(b"5.1", b"9.1", 1))  # the same size: DVC sees nothing
    (repo / "data/train.csv").unlink()
    dvc(repo, "remote", "remove", "local")
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "error"
    assert stage.message.startswith(
        "data/train.csv was pulled by DVC just now and is not the version that "
        "data/train.csv.dvc holds"
    )
    assert f".dvc/cache/files/md5/{recorded[:2]}/{recorded[2:]} does not hash" in stage.message
    assert "`dvc add data/train.csv` to record" not in stage.message
    assert "then `dvc pull data/train.csv` fetches it again" in stage.message


def test_a_file_not_checked_against_dvc_is_said_in_the_runs_notes(folder_repo: Path) -> None:
    """The folder's listing not in the cache: the run named data by a committed data.dvc
    at a clean commit, and nothing outside run.json's null said it was not checked."""
    # its training copies the model train.py fitted ahead on these rows (tests/ahead.py)
    (folder_repo / "train.py").write_text(ahead.rows_picking()["train.py"])
    (folder_repo / ".gitignore").write_text(".mlgate/\n")
    git(folder_repo, "add", "-A")
    git(folder_repo, "commit", "-q", "-m", "tracked")
    shutil.rmtree(folder_repo / ".dvc/cache")
    result = pipeline.run(manifest.load(folder_repo / "mlops.yaml"), compare=False)
    assert result.passed, result.summary
    note = (
        "data.train: data/train.csv was not checked against DVC's version of it: data.dvc "
        "(folder data) tracks its folder, whose listing is not in DVC's cache (`dvc fetch "
        "data.dvc` brings it)"
    )
    assert note in result.notes and note in result.data.message
    (report,) = sorted((folder_repo / ".mlgate" / "runs").glob("*/report.md"))
    assert "was not checked against DVC's version" in report.read_text()


def test_a_link_to_nothing_at_a_tracked_path_is_not_pulled_over(repo: Path) -> None:
    """The link's target absent, `dvc pull` replaced the user's link with a file."""
    data = repo / "data/train.csv"
    data.unlink()
    data.symlink_to(repo / "elsewhere.csv")
    stage = pipeline.check_data(manifest.load(repo / "mlops.yaml"))
    assert stage.status == "error"
    assert stage.message.startswith("data.train: 'data/train.csv' is a link to nothing (")
    assert data.is_symlink()
