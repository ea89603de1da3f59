"""A content-addressed folder for model files and run records: an object is named by its
sha256, written once (to a temporary name, then renamed), never changed; a promotion
copies nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from mlgate.errors import OutsideError, UserError

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def object_path(store: Path, sha256: str) -> Path:
    return store / "objects" / sha256[:2] / sha256[2:]


def put(store: Path, source: Path) -> str:
    """The file's sha256, after it is in the store (already there: nothing is copied)."""
    sha256 = sha256_of(source)
    target = object_path(store, sha256)
    if target.is_file():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    ignore = store / ".gitignore"
    if not ignore.exists():  # a store inside the checkout never dirties it
        ignore.write_text("# written by mlgate: the model store stays out of git\n*\n")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as f:
            shutil.copyfileobj(f, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o444)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutsideError(f"cannot write to the model store {store}: {exc.strerror}") from exc
    return sha256


def get(store: Path, sha256: str) -> Path:
    """The object's path, after checking it still has its sha256."""
    path = object_path(store, sha256)
    if not path.is_file():
        raise UserError(f"object {sha256[:12]} is not in the model store {store}",
                        hint="registry.artifacts in mlops.yaml names the store")
    if sha256_of(path) != sha256:
        raise OutsideError(f"object {sha256[:12]} in {store} is corrupt (its content changed)")
    return path
