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


def with_md5(
    path: Path, root: Path, *, unix_lines: bool = False
) -> tuple[FileFingerprint, frozenset[str]]:
    """The fingerprint, and the MD5s of the same bytes in the same pass: DVC's hash, to
    check a DVC-tracked file against. With `unix_lines`, also the MD5 of the bytes with
    Windows line ends read as Unix's, as DVC 2 hashed a file it took for text."""
    return _hashed(path, root, md5=True, unix_lines=unix_lines)


def _hashed(
    path: Path, root: Path, *, md5: bool, unix_lines: bool = False
) -> tuple[FileFingerprint, frozenset[str]]:
    digest = hashlib.sha256()
    dvc = hashlib.md5(usedforsecurity=False) if md5 else None
    unix = hashlib.md5(usedforsecurity=False) if unix_lines else None
    carried = b""  # a "\r" that ended one block: its "\n" may begin the next
    size = 0
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    try:
        with path.open("rb", buffering=0) as stream:
            while read := stream.readinto(buffer):
                digest.update(view[:read])
                if dvc is not None:
                    dvc.update(view[:read])
                if unix is not None:
                    block = carried + bytes(view[:read])
                    carried = b"\r" if block.endswith(b"\r") else b""
                    unix.update(block[: len(block) - len(carried)].replace(b"\r\n", b"\n"))
                size += read
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror or exc}") from exc
    if unix is not None:
        unix.update(carried)
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    found = FileFingerprint(path=Path(relative).as_posix(), sha256=digest.hexdigest(), bytes=size)
    md5s = {h.hexdigest() for h in (dvc, unix) if h is not None}
    return found, frozenset(md5s)
