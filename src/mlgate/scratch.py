"""Temporary folders that name the process that made them, so that one an mlgate killed
outright left behind (a baseline's whole checkout, a deployment's copy of a model) is
known for what it is and removed by the next mlgate that makes one of its kind."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from mlgate import atomic, proc

OWNER = "owner"


def folder(prefix: str) -> Path:
    """A new temporary folder `prefix`..., its maker written in it; those of the same
    prefix whose makers are gone removed first."""
    for left in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        if left.is_dir() and not left.is_symlink() and gone(left):
            shutil.rmtree(left, ignore_errors=True)
    made = Path(tempfile.mkdtemp(prefix=prefix))
    pid = os.getpid()
    # whole or not there: another mlgate reading half of it took a live folder for one left
    atomic.write_text(made / OWNER, f"{pid} {proc.started_at(pid) or '-'} {_namespace()}\n")
    return made


def gone(made: Path) -> bool:
    """Whether the process that made `made` has ended (by its id and start time: the id
    alone may be another process's by now). No record, or one made in another process
    namespace (a container sharing /tmp, where that id names some other process): not
    ours to judge."""
    try:
        pid, started, *namespace = (made / OWNER).read_text().split()
        number = int(pid)
    except (OSError, ValueError):
        return False
    if namespace != [_namespace()] and namespace != []:  # [] : written before it was kept
        return False
    now = proc.started_at(number)
    if now is not None:
        return started not in ("-", now)
    try:  # no such process, or no /proc to ask (not Linux)
        os.kill(number, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _namespace() -> str:
    """This process's pid namespace ("-" where there is no /proc to say)."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"
