"""Content fingerprints of files: the lineage of a run names its data by sha256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mlgate.errors import UserError
from mlgate.result.records import FileFingerprint

BLOCK = 1 << 20  # 1 MiB: files of any size hash in constant memory


def file_fingerprint(path: Path, root: Path) -> FileFingerprint:
    """sha256 and size of `path`, named relative to `root` so it reads the same on any runner."""
    return _hashed(path, root, md5=False)[0]


def with_md5(path: Path, root: Path) -> tuple[FileFingerprint, str]:
    """The fingerprint, and the MD5 of the same bytes in the same pass: DVC's hash, to
    check a DVC-tracked file against."""
    return _hashed(path, root, md5=True)


def _hashed(path: Path, root: Path, *, md5: bool) -> tuple[FileFingerprint, str]:
    digest = hashlib.sha256()
    dvc = hashlib.md5(usedforsecurity=False) if md5 else None
    size = 0
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    try:
        with path.open("rb", buffering=0) as stream:
            while read := stream.readinto(buffer):
                digest.update(view[:read])
                if dvc is not None:
                    dvc.update(view[:read])
                size += read
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror or exc}") from exc
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    found = FileFingerprint(path=Path(relative).as_posix(), sha256=digest.hexdigest(), bytes=size)
    return found, dvc.hexdigest() if dvc is not None else ""
