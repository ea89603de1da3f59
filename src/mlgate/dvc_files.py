"""Files tracked by DVC: their hash read from DVC's own files, and absent ones pulled.

DVC records each tracked file's MD5 in `FILE.dvc` (after `dvc add`) or in `dvc.lock` (a
stage's output). Reading those needs no DVC, so every run names its data by DVC's hash
as well as by mlgate's sha256, and a run result says which DVC version of the data made
the model. Only pulling an absent file needs DVC itself (`mlgate[dvc]`), and only the
files the run reads are pulled.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from mlgate.errors import OutsideError, UserError

PULL_TIMEOUT_S = 3600.0


@dataclass(frozen=True, kw_only=True)
class Tracked:
    md5: str  # DVC's hash of the file's content
    source: str  # where DVC says so: "data/train.csv.dvc", "dvc.lock (stage prepare)"


def tracked(path: Path, root: Path) -> Tracked | None:
    """DVC's record of `path`: its own .dvc file, else a dvc.lock output in the folder of
    the manifest or above it, up to the repository's top; None when DVC tracks nothing."""
    own = Path(f"{path}.dvc")
    if _is_file(own):
        found = _from_dvc_file(own, path)
        if found:
            return Tracked(md5=found, source=_relative(own, root))
    return locked(path, root)


def locked(path: Path, root: Path) -> Tracked | None:
    """`path` as a stage's output in a dvc.lock, searched from `root` up to the top of the
    repository."""
    folder = root.resolve()
    while True:
        lock = folder / "dvc.lock"
        if _is_file(lock):
            found_lock = _from_lock(lock, path)
            if found_lock:
                md5, stage = found_lock
                return Tracked(md5=md5, source=f"{_relative(lock, root)} (stage {stage})")
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system: no DVC file by that name
        return False


def _from_dvc_file(dvc_file: Path, path: Path) -> str | None:
    data = _yaml(dvc_file)
    for out in data.get("outs", []) if isinstance(data, dict) else []:
        if isinstance(out, dict) and _same(dvc_file.parent / str(out.get("path", "")), path):
            return _md5(out)
    return None


def _from_lock(lock: Path, path: Path) -> tuple[str, str] | None:
    data = _yaml(lock)
    stages = data.get("stages", {}) if isinstance(data, dict) else {}
    for stage, body in stages.items() if isinstance(stages, dict) else ():
        outs = body.get("outs", []) if isinstance(body, dict) else []
        for out in outs:
            if isinstance(out, dict) and _same(lock.parent / str(out.get("path", "")), path):
                md5 = _md5(out)
                if md5:
                    return md5, str(stage)
    return None


def stage_hashes(root: Path, stage: str) -> dict[str, str]:
    """What dvc.lock says a stage ran on and wrote: path -> MD5, deps then outs."""
    lock = root / "dvc.lock"
    data = _yaml(lock) if lock.is_file() else None
    stages = data.get("stages", {}) if isinstance(data, dict) else {}
    body = stages.get(stage) if isinstance(stages, dict) else None
    found: dict[str, str] = {}
    for kind in ("deps", "outs"):
        entries = body.get(kind, []) if isinstance(body, dict) else []
        for entry in entries if isinstance(entries, list) else []:
            md5 = _md5(entry) if isinstance(entry, dict) else None
            if md5:
                found[str(entry.get("path"))] = md5
    return found


def _md5(out: dict[str, object]) -> str | None:
    value = out.get("md5")
    return value if isinstance(value, str) and value else None


def _yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(f"{path.name}: DVC's file could not be read: {exc}") from exc


def _same(a: Path, b: Path) -> bool:
    return os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b))


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


def pull(path: Path, root: Path, key: str) -> None:
    """`dvc pull` of that one file, from the manifest's folder; DVC must be installed."""
    shown = _relative(path, root)
    run(
        root,
        ["pull", str(path)],
        absent=UserError(
            f"{key}: '{shown}' is tracked by DVC and not here, and DVC is not installed to pull it",
            hint="pip install 'mlgate[dvc]' (or run `dvc pull` before mlgate)",
        ),
        failed=f"{key}: `dvc pull` of '{shown}' failed",
        hint="check the DVC remote (dvc remote list) and its credentials",
    )


def imported(path: Path) -> bool:
    """`path` came by `dvc import` or `dvc import-url`: its .dvc file names a source
    (`deps`), which `dvc update` fetches again."""
    own = Path(f"{path}.dvc")
    if not _is_file(own):
        return False
    data = _yaml(own)
    return isinstance(data, dict) and bool(data.get("deps"))


def run(root: Path, args: list[str], *, absent: UserError, failed: str, hint: str) -> None:
    """`dvc ARGS --quiet` in `root`: `absent` raised when DVC is not installed; a failure
    said as `failed: what DVC said`, with `hint`."""
    from mlgate import proc  # only a pull or an update runs a process; validate reads files

    dvc = shutil.which("dvc")
    if dvc is None:
        raise absent
    try:
        proc.output([dvc, *args, "--quiet"], cwd=root, timeout_s=PULL_TIMEOUT_S)
    except OutsideError as exc:
        raise OutsideError(f"{failed}: {exc}", hint=hint) from exc
