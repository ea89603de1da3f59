"""Atomic file writes: a reader sees the old file or the new one, never a torn one."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO


def write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write to a temporary file beside `path`, fsync it, then rename it over `path`.

    The file gets `mode` when given; otherwise a replaced file keeps its mode and a new
    one gets what `open()` would give it (0666 less the umask), as any other tool's
    output does: mkstemp's private 0600 is for the temporary name, not the result."""
    with _replacing(path, mode) as handle:
        handle.write(data)


def write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    write_bytes(path, text.encode("utf-8"), mode=mode)


def write_all(files: Sequence[tuple[Path, bytes]]) -> None:
    """Every file written and synced to a temporary name beside it before any is renamed
    over its own, in the order given: a full disk stops the writing before anything is
    replaced (a run's new report beside its old result). Renames need no space; one
    interrupted midway leaves the files before it new, so give the one that others
    describe first. No temporary file is left either way."""
    synced: list[tuple[str, Path]] = []
    try:
        with contextlib.ExitStack() as stack:  # each synced and closed as the block ends
            for path, data in files:
                temp, handle = stack.enter_context(_synced(path, None))
                handle.write(data)
                synced.append((temp, path))
        for done, (temp, path) in enumerate(synced):
            os.replace(temp, path)
            synced[done] = ("", path)
    except BaseException:  # those synced and not renamed
        for temp, _ in synced:
            if temp:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)
        raise
    for folder in {path.parent for _, path in synced}:
        _fsync_dir(folder)


def copy(source: Path, path: Path) -> None:
    """`source`'s bytes at `path`, streamed (a model can be bigger than memory likes)."""
    with _replacing(path, None) as handle, source.open("rb") as read:
        shutil.copyfileobj(read, handle, 1 << 20)


@contextlib.contextmanager
def _replacing(path: Path, mode: int | None) -> Iterator[BinaryIO]:
    """A temporary file beside `path`, renamed over it once written and synced."""
    with _synced(path, mode) as (temp, handle):
        yield handle
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _synced(path: Path, mode: int | None) -> Iterator[tuple[str, BinaryIO]]:
    """A temporary file beside `path` to write, flushed and synced when the block ends;
    removed if it raises, with `path` named in a write's error (which names no file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    final_mode = mode if mode is not None else _mode_for(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, final_mode)
        with os.fdopen(fd, "wb") as handle:
            yield temp, handle
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError) and exc.filename is None:
            raise type(exc)(exc.errno, exc.strerror, str(path)) from exc
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask; reading it means setting it, so it is set straight back."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible on every platform."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover (Windows cannot open a directory)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover (some file systems refuse fsync on a directory)
        pass
    finally:
        os.close(fd)
