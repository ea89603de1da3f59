"""Content fingerprints of files: the lineage of a run names its data by sha256."""

from __future__ import annotations

import contextlib
import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from mlgate.errors import UserError
from mlgate.result.records import FileFingerprint

BLOCK = 1 << 20  # 1 MiB: files of any size hash in constant memory


def file_fingerprint(path: Path, root: Path) -> FileFingerprint:
    """sha256 and size of `path`, named relative to `root` so it reads the same on any runner."""
    return _hashed(path, root, md5=False)[0]


def with_md5(path: Path, root: Path) -> tuple[FileFingerprint, str]:
    """The fingerprint, and the MD5 of the same bytes in the same pass: DVC 3's hash
    (`hash: md5`), to check a DVC-tracked file against."""
    found, md5s = _hashed(path, root, md5=True)
    return found, md5s[0]


def dos2unix_md5(path: Path) -> str:
    """The MD5 DVC 2 gave a file (DVC 3 keeps such records, without `hash: md5`), as
    dvc_data's `md5-dos2unix` computes it: read in chunks of exactly 1 MiB, a chunk whose
    first 512 bytes look like text hashed with its Windows line ends as Unix's, each chunk
    alone (a "\r\n" split between two stays as it is). A "\r" carried across chunks gave
    another MD5, and a large CSV from Windows was refused that DVC called up to date.
    Computed only when the MD5 of the bytes is not DVC's: it copies every chunk."""
    unix = hashlib.md5(usedforsecurity=False)
    try:
        with path.open("rb") as stream:  # buffered: read(n) is n bytes until the end
            while chunk := stream.read(BLOCK):
                unix.update(chunk.replace(b"\r\n", b"\n") if _text(chunk[:512]) else chunk)
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror or exc}") from exc
    return unix.hexdigest()


def _text(block: bytes) -> bool:
    """dvc_data's `istextblock`: no NUL byte, and at most 30% of bytes not text."""
    if b"\x00" in block:
        return False
    return len(block.translate(None, TEXT_CHARS)) / len(block) <= 0.30


TEXT_CHARS = bytes(range(32, 127)) + b"\n\r\t\f\b"


def _hashed(path: Path, root: Path, *, md5: bool) -> tuple[FileFingerprint, tuple[str, ...]]:
    """sha256 (and MD5) of the file in one read. The MD5 of each block is computed on
    another thread while the sha256 of the same block is (hashlib lets go of the GIL):
    one after the other, a tracked file took four times as long as an untracked one."""
    digest = hashlib.sha256()
    dvc = hashlib.md5(usedforsecurity=False) if md5 else None
    size = 0
    buffers = (bytearray(BLOCK), bytearray(BLOCK))  # one read while the other is hashed
    pending: Future[None] | None = None
    try:
        with (
            path.open("rb", buffering=0) as stream,
            ThreadPoolExecutor(1) if dvc is not None else contextlib.nullcontext() as pool,
        ):
            turn = 0
            while read := stream.readinto(buffers[turn]):
                view = memoryview(buffers[turn])[:read]
                if pool is not None and dvc is not None:
                    if pending is not None:
                        pending.result()  # the other buffer is free before it is read into
                    pending = pool.submit(dvc.update, view)
                digest.update(view)
                size += read
                turn ^= 1
            if pending is not None:
                pending.result()
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror or exc}") from exc
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    found = FileFingerprint(path=Path(relative).as_posix(), sha256=digest.hexdigest(), bytes=size)
    return found, (dvc.hexdigest(),) if dvc is not None else ()
