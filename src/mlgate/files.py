"""What a path the user named is, and its bytes, without ever blocking on it.

Opening a named pipe (FIFO) for reading waits until some process opens it for writing,
and a device such as /dev/zero never ends: a path that is not a regular file is named
for what it is instead of being read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mlgate import spelling, words
from mlgate.errors import UserError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def from_folder(path: Path | str, folder: str) -> str:
    """`path` as one standing in `folder` can use it: relative when it lies there, else
    absolute (a path the user is shown, from where they started mlgate, before -C)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, folder)
    return absolute if relative == ".." or relative.startswith(".." + os.sep) else relative


def nearby(target: Path) -> Path | None:
    """The file beside `target` whose name is closest to its name: a typo's "did you mean"."""
    folder = target.parent
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:  # not a folder, or not one we may read
        return None
    close = spelling.closest(target.name, names, cutoff=0.7)
    return folder / close[0] if close else None


def not_a_file(path: Path) -> str | None:
    """None for a regular file (or a link to one); else what the path is, e.g. 'a directory'.

    Raises FileNotFoundError when nothing is there; never opens the path.
    """
    return _kind(os.stat(path).st_mode)


def require_regular(path: Path, key: str, shown: str | None = None) -> None:
    """Refuse what is not a regular file before a reader opens it: a FIFO would block the
    run, a device such as /dev/zero would never end. `key` is the manifest key, `shown`
    the path as the user wrote it."""
    shown = str(path) if shown is None else shown
    try:
        kind = not_a_file(path)
    except OSError as exc:
        raise UserError(f"{key}: file '{shown}' does not exist") from exc
    if kind:
        raise UserError(f"{key}: '{shown}' is {kind}, not a regular file")


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: Path, *, limit: int, name: str) -> bytes:
    """A regular file's bytes, at most `limit` of them; `name` is how errors refer to it.

    The path is opened without blocking and checked on the open descriptor, so a FIFO
    put there after a check cannot hang the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise UserError(f"{name}: file does not exist") from exc
    except OSError as exc:
        raise UserError(f"{name}: cannot read: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as handle:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise UserError(f"{name} is {kind}, not a regular file")
        try:
            raw = handle.read(limit + 1)
        except OSError as exc:
            raise UserError(f"{name}: cannot read: {exc.strerror}") from exc
    if len(raw) > limit:
        raise TooLarge(
            f"{name} is larger than {words.size(limit)}, more than mlgate reads from such a file"
        )
    return raw


class TooLarge(UserError):
    """A file over what mlgate reads of its kind (a manifest's caller locates it)."""
