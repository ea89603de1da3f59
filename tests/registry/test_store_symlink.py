"""What is at a folder store's object name is the object only when it is a file of the
store's own holding those bytes (audit V, finding 6): `put` skipped the copy whenever
`is_file()` said yes, which follows a symlink, so a commit that put
`.mlgate/registry/objects/<ab>/<cd...> -> ../../../../models/model.joblib` there (the
model's sha256 is known ahead when the training is deterministic) had `register` store
nothing: the registered model's only copy was the work tree's, lost at the next
training. A link is replaced with the bytes; reading refuses one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgate.errors import OutsideError
from mlgate.registry import artifacts, operations
from mlgate.registry.artifacts import LocalStore
from tests.conftest import git
from tests.registry.conftest import Project


def _object(project: Project) -> tuple[Path, str]:
    sha256 = artifacts.sha256_of(project.root / "models" / "model.joblib")
    store = project.where().store
    assert isinstance(store, LocalStore)
    return store.path(sha256), sha256


def test_a_committed_link_at_the_models_object_is_replaced_by_its_bytes(
    project: Project,
) -> None:
    model = project.root / "models" / "model.joblib"
    ours = model.read_bytes()
    target, sha256 = _object(project)
    target.parent.mkdir(parents=True)
    target.symlink_to(os.path.relpath(model, target.parent))
    git(project.root, "add", "-f", str(target))
    git(project.root, "commit", "-q", "-m", "placeholder")
    where = project.where()
    operations.register(where, project.manifest, project.run)
    assert not target.is_symlink() and target.is_file()
    assert target.read_bytes() == ours
    model.write_bytes(b"the next training's model")  # the work tree's file moves on
    assert where.store.get(sha256).read_bytes() == ours


def test_reading_refuses_a_link_even_to_the_right_bytes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    model = tmp_path / "model.bin"
    model.write_bytes(b"model")
    sha256 = store.put(model)
    path = store.path(sha256)
    path.unlink()
    path.symlink_to(model)  # what it points to could change after the check
    with pytest.raises(OutsideError, match="is a symlink"):
        store.get(sha256)
    assert store.put(model) == sha256  # and put makes it a file again
    assert not path.is_symlink() and store.get(sha256).read_bytes() == b"model"


def test_a_linked_fanout_folder_is_neither_read_nor_written_through(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    model = tmp_path / "model.bin"
    model.write_bytes(b"model")
    sha256 = artifacts.sha256_of(model)
    path = store.path(sha256)
    elsewhere = tmp_path / "worktree"
    elsewhere.mkdir()
    (elsewhere / path.name).symlink_to(model)
    path.parent.parent.mkdir(parents=True)
    path.parent.symlink_to(elsewhere)
    with pytest.raises(OutsideError, match="is a symlink"):
        store.get(sha256)
    store.put(model)
    assert not path.parent.is_symlink() and not path.is_symlink()
    assert path.read_bytes() == b"model" and (elsewhere / path.name).is_symlink()


def test_a_file_whose_bytes_changed_is_written_again_and_a_folder_refused(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    model = tmp_path / "model.bin"
    model.write_bytes(b"model")
    sha256 = store.put(model)
    path = store.path(sha256)
    path.chmod(0o644)
    path.write_bytes(b"torn")
    store.put(model)
    assert store.get(sha256).read_bytes() == b"model"
    path.unlink()
    path.mkdir()
    with pytest.raises(OutsideError, match="is a folder"):
        store.put(model)
