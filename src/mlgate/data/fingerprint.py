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
    digest = hashlib.sha256()
    size = 0
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    try:
        with path.open("rb", buffering=0) as stream:
            while read := stream.readinto(buffer):
                digest.update(view[:read])
                size += read
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror or exc}") from exc
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return FileFingerprint(path=Path(relative).as_posix(), sha256=digest.hexdigest(), bytes=size)
