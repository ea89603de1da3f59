"""A configuration runs what the sweep hashed: a project edited while the sweep runs is
refused for the configurations copied after the edit (their results were filed under the
old code's hash, and resumed as finished), and data behind a symlinked folder is hashed
(a changed shared dataset was "not run again", and its stale winner gated PASSED)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from mlgate import manifest as manifests
from mlgate.sweep import copies, local, space
from tests.sweep.test_local import PICK_TRAINED, project

pytestmark = pytest.mark.e2e  # every configuration trains

# the first configuration's training edits the project itself (COPY/../../..), as a
# `git checkout` or an editor's save during a long sweep would, before the next is copied
EDIT_THE_PROJECT = (
    "import pathlib, yaml\n"
    "if yaml.safe_load(open('params.yaml'))['train']['C'] == 0.5:\n"
    "    notes = pathlib.Path('../../../notes.txt')\n"
    "    if notes.read_text() != 'edited':\n"
    "        notes.write_text('edited')\n" + PICK_TRAINED
)


def test_a_project_edited_during_the_sweep_is_not_run_under_the_hash_it_had(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path, "sweep:\n  grid: {train.C: [0.5, 1.0]}\n", EDIT_THE_PROJECT, (0.5, 1.0)
    )
    (root / "notes.txt").write_text("as it was")
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    finished = local.sweep(loaded, made, workers=1)
    assert finished[0].status == "passed", finished[0].message
    assert finished[1].status == "error"
    assert "the project changed after the sweep began" in finished[1].message
    assert "notes.txt differs" in finished[1].message
    assert not (root / local.SWEEPS / f"{finished[1].key}.json").exists()  # nothing to resume
    # the project as it now is: both run (under its own hash), none resumed from before
    again = local.sweep(loaded, made, workers=1)
    assert [f.status for f in again] == ["passed", "passed"], [f.message for f in again]
    assert [f.resumed for f in again] == [False, False]


def test_a_symlinked_data_folder_is_hashed_through_and_its_changes_run_again(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.5, 1.0]}\n", PICK_TRAINED, (0.5, 1.0))
    shared = tmp_path / "common"
    (root / "data").rename(shared)
    (root / "data").symlink_to(shared)  # data -> a shared dataset
    (root / "loop").symlink_to(".")  # a link to a folder above: hashed once, no loop
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    finished = local.sweep(loaded, made, workers=2)
    assert [f.status for f in finished] == ["passed", "passed"], [f.message for f in finished]
    assert [f.resumed for f in local.sweep(loaded, made, workers=2)] == [True, True]
    test = shared / "test.csv"
    test.write_text("\n".join(test.read_text().splitlines()[:-5]) + "\n")  # five rows fewer
    changed = local.sweep(loaded, made, workers=2)
    assert [f.resumed for f in changed] == [False, False]
    assert [f.status for f in changed] == ["passed", "passed"], [f.message for f in changed]
    # copied as it was, a relative link (data -> ../common) named .mlgate/sweeps/common
    (root / "data").unlink()
    (root / "data").symlink_to(os.path.relpath(shared, root))
    test.write_text("\n".join(test.read_text().splitlines()[:-5]) + "\n")
    relative = local.sweep(loaded, made, workers=2)
    assert [f.status for f in relative] == ["passed", "passed"], [f.message for f in relative]
    assert [f.resumed for f in relative] == [False, False]


def test_the_fingerprint_follows_symlinked_folders_and_is_what_it_was_without_them(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    (root / "code").mkdir(parents=True)
    (root / "code" / "train.py").write_text("print(1)\n")
    (root / "params.yaml").write_text("C: 1\n")
    # the digest of a project without links is the one earlier releases gave (a sweep
    # resumes across the upgrade): sha256 over each path, NUL, its content's sha256
    import hashlib

    expected = hashlib.sha256()
    for name in ("params.yaml", "code/train.py"):  # each folder's files, then its folders
        content = hashlib.sha256((root / name).read_bytes()).digest()
        expected.update(name.encode() + b"\0" + content)
    assert copies.fingerprint(root).digest == expected.hexdigest()
    shared = tmp_path / "common"
    shared.mkdir()
    (shared / "train.csv").write_text("x,y\n1,2\n")
    (root / "data").symlink_to(shared)
    (root / "data" / "up").symlink_to(root)  # a loop through the link
    before = copies.fingerprint(root)
    assert "data/train.csv" in dict(before.files)
    (shared / "train.csv").write_text("x,y\n1,3\n")
    after = copies.fingerprint(root)
    assert copies.changed(before, after) == ["data/train.csv"]
    assert after.digest != before.digest


def test_a_failing_configuration_shows_its_last_lines_and_log_and_no_last_word_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said only "exited with code 1" (its ModuleNotFoundError in a log under a key
    printed nowhere), and the last line read PASSED above an exit code of 1."""
    from mlgate.cli.main import main

    refuse = (
        "import os, yaml\n"
        "if yaml.safe_load(open(os.environ['MLGATE_PARAMS']))['train']['C'] == 0.5:\n"
        "    raise SystemExit('C=0.5 is not allowed here')\n" + PICK_TRAINED
    )
    root = project(tmp_path, "sweep:\n  grid: {train.C: [0.5, 1.0]}\n", refuse, (0.5, 1.0))
    assert main(["sweep", "-C", str(root), "--workers", "1"]) == 1
    said = capsys.readouterr()
    assert "exited with code 1" in said.err
    assert "  last lines of its output:\n    C=0.5 is not allowed here" in said.err
    [log] = [line.split("log: ", 1)[1] for line in said.err.splitlines() if "  log: " in line]
    assert log.startswith(".mlgate/sweeps/") and log.endswith("/train.log")
    assert "C=0.5 is not allowed here" in (root / log).read_text()
    last = said.out.strip().splitlines()[-1]
    assert last.startswith("sweep: FAILED - 1 of 2 configurations did not finish (")
    assert "PASSED" in said.out  # the winner's own run did pass: said, then not the last word


def test_an_optuna_search_checks_each_batch_against_the_project_as_it_began(
    tmp_path: Path,
) -> None:
    """Each batch of trials hashed the project anew: trials of code edited between two
    batches were ranked together in one search."""
    from mlgate.sweep import engine

    edit_then_pick = (
        "import os, pathlib, shutil\n"
        "notes = pathlib.Path('../../../notes.txt')\n"
        "if notes.read_text() != 'edited':\n"
        "    notes.write_text('edited')\n"
        "shutil.copy('trained/1.0.joblib', os.environ['MLGATE_MODEL'])\n"
    )
    search = (
        "sweep:\n  optuna:\n    trials: 3\n    seed: 3\n    space:\n"
        "      train.C: {low: 0.1, high: 10, log: true}\n  metric: accuracy\n"
    )
    root = project(tmp_path, search, edit_then_pick, (1.0,))
    (root / "notes.txt").write_text("as it was")
    loaded = manifests.load(root / "mlops.yaml")
    finished = engine.sweep(loaded, engine.Where(workers=1))
    assert len(finished) == 3
    assert finished[0].status == "passed", finished[0].message
    for later in finished[1:]:
        assert later.status == "error"
        assert "the project changed after the sweep began" in later.message
        assert "notes.txt differs" in later.message


def test_a_copy_reads_through_each_link_what_the_project_does(tmp_path: Path) -> None:
    """A relative link out of the project, or into a folder the copy leaves out (DVC's
    symlinked cache), named nothing in the copy; the copy must hash as the project."""
    import shutil

    root = tmp_path / "project"
    (root / ".dvc" / "cache").mkdir(parents=True)
    (root / ".dvc" / "cache" / "ab12").write_text("x,y\n1,2\n")
    (root / "data").mkdir()
    (root / "data" / "train.csv").symlink_to("../.dvc/cache/ab12")
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "test.csv").write_text("x,y\n3,4\n")
    (root / "linked").symlink_to("../common")
    (root / "gone").symlink_to("../nothing/here")  # broken in both: stays as it is
    (root / "code").mkdir()
    (root / "code" / "same.py").symlink_to("../train.py")  # within: stays relative
    (root / "train.py").write_text("print(1)\n")
    work = tmp_path / "copy"
    shutil.copytree(root, work, ignore=copies._left_out(root), symlinks=True)
    copies._links_kept(root, work)
    assert (work / "data" / "train.csv").read_text() == "x,y\n1,2\n"
    assert (work / "linked" / "test.csv").read_text() == "x,y\n3,4\n"
    assert os.readlink(work / "gone") == "../nothing/here"
    assert os.readlink(work / "code" / "same.py") == "../train.py"
    assert copies.fingerprint(work).digest == copies.fingerprint(root).digest


def test_rays_copy_may_lack_what_gitignore_names_but_not_differ(tmp_path: Path) -> None:
    """Ray ships the project less what .gitignore names (a .venv, logs): every task was
    refused as "changed", where the training needs none of it."""
    from types import SimpleNamespace

    from mlgate.errors import UserError

    root = tmp_path / "project"
    (root / "logs").mkdir(parents=True)
    (root / "logs" / "last.txt").write_text("ignored by git")
    (root / "train.py").write_text("print(1)\n")
    expected = copies.fingerprint(root)
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "train.py").write_text("print(1)\n")
    manifest: Any = SimpleNamespace(outputs=lambda: [])
    copies._as_hashed(shipped, manifest, expected, shipped=True, project=root)
    with pytest.raises(UserError, match=r"logs/last\.txt differs"):
        copies._as_hashed(shipped, manifest, expected, shipped=False, project=root)
    (shipped / "train.py").write_text("print(2)\n")
    with pytest.raises(UserError, match=r"train\.py differs"):
        copies._as_hashed(shipped, manifest, expected, shipped=True, project=root)


def test_a_model_written_through_a_link_out_of_the_project_is_refused(tmp_path: Path) -> None:
    """`models -> ../common-models`, made absolute in each copy: configurations side by side
    wrote one model file, each over the other's, and were ranked on whichever landed."""
    from mlgate import manifest as manifests
    from mlgate.errors import UserError

    work = tmp_path / "work"
    work.mkdir()
    (work / "mlops.yaml").write_text(
        "name: x\ndata: {train: a.csv, test: b.csv, target: y}\n"
        "train: {command: python t.py, outputs: {model: models/m.joblib}}\n"
    )
    (tmp_path / "common-models").mkdir()
    (work / "models").symlink_to(tmp_path / "common-models")
    loaded = manifests.parse(
        (work / "mlops.yaml").read_bytes(), name="mlops.yaml", root=work, files=False
    )
    with pytest.raises(UserError, match=r"models/m\.joblib is written by each configuration"):
        copies._writes_its_own(work, loaded)
    (work / "models").unlink()
    (work / "models").mkdir()  # its own folder: fine
    copies._writes_its_own(work, loaded)


def test_a_linked_dataset_is_not_read_again_for_each_copy_unless_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each configuration's copy re-read every file behind `data -> /datasets/...` (0.73 s
    per 20,000 files, minutes for a million); a file that is still the same file (device,
    inode, size, times) keeps its digest, and one rewritten is read again."""
    dataset = tmp_path / "common"
    dataset.mkdir()
    for i in range(50):
        (dataset / f"{i}.csv").write_text(f"x\n{i}\n")
    root, work = tmp_path / "project", tmp_path / "work"
    for folder in (root, work):
        folder.mkdir()
        (folder / "train.py").write_text("print(1)\n")
        (folder / "data").symlink_to(dataset)
    (work / "train.py").write_text("print(1)\n")  # a copy: its own files, the same link
    before = copies.fingerprint(root)
    read: list[str] = []
    real = copies._content

    def counted(path: Path) -> str:
        read.append(str(path))
        return real(path)

    monkeypatch.setattr(copies, "_content", counted)
    again = copies.fingerprint(work, known=before)
    assert again.digest == before.digest
    assert read == [str(work / "train.py")]  # the copy's own file only
    (dataset / "7.csv").write_text("x\n8\n")  # rewritten, the same size
    read.clear()
    changed = copies.fingerprint(work, known=before)
    assert copies.changed(before, changed) == ["data/7.csv"]
    assert str(work / "data" / "7.csv") in read


def test_a_link_to_a_folder_above_the_project_hashes_alike_in_its_copies(tmp_path: Path) -> None:
    """`up -> ..` reached the project itself from each copy (.mlgate/sweeps/KEY/up/project)
    and hashed it in, where the project's own hash stopped at itself: every configuration
    was refused, "up/project/train.py differs"."""
    import shutil

    root = tmp_path / "project"
    root.mkdir()
    (root / "train.py").write_text("print(1)\n")
    (tmp_path / "notes.txt").write_text("beside the project\n")
    (root / "up").symlink_to("..")
    work = root / ".mlgate" / "sweeps" / "k"
    shutil.copytree(root, work, ignore=copies._left_out(root), symlinks=True)
    copies._links_kept(root, work)
    before = copies.fingerprint(root)
    assert "up/notes.txt" in dict(before.files)
    assert copies.changed(before, copies.fingerprint(work)) == ["up/project/train.py"]
    assert copies.changed(before, copies.fingerprint(work, also=(root,))) == []  # as a copy
