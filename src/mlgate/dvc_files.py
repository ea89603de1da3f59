"""Files tracked by DVC: their hash read from DVC's own files, and absent ones pulled.

DVC records each tracked file's MD5 in `FILE.dvc` (after `dvc add`) or in `dvc.lock` (a
stage's output). Reading those needs no DVC, so every run names its data by DVC's hash
as well as by mlgate's sha256, and a run result says which DVC version of the data made
the model. Only pulling an absent file needs DVC itself (`mlgate[dvc]`), and only the
files the run reads are pulled.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml

from mlgate import words
from mlgate.errors import OutsideError, UserError

PULL_TIMEOUT_S = 3600.0


T = TypeVar("T")
MD5 = re.compile(r"[0-9a-f]{32}(\.dir)?")
MAX_BYTES = 16 * 2**20  # a DVC file larger than this is not read
MAX_ENTRIES = 10_000  # a stage's deps and outs, as a run result keeps them (schema.json)


@dataclass(frozen=True, kw_only=True)
class Tracked:
    md5: str  # DVC's hash of the file's content
    source: str  # where DVC says so: "data/train.csv.dvc", "dvc.lock (stage prepare)"
    raw: bool = False  # the MD5 of the file's bytes as they are (DVC 3's `hash: md5`)


def tracked(path: Path, root: Path) -> Tracked | None:
    """DVC's record of `path`: its own .dvc file, else a dvc.lock output in the folder of
    the manifest or above it, up to the repository's top; None when DVC tracks nothing."""
    own = Path(f"{path}.dvc")
    if _is_file(own):
        found = _from_dvc_file(own, path, root)
        if found:
            return Tracked(md5=found[0], source=_relative(own, root), raw=found[1])
    return locked(path, root)


def locked(path: Path, root: Path) -> Tracked | None:
    """`path` as a stage's output in a dvc.lock, searched from `root` up to the top of the
    repository."""
    folder = root.resolve()
    while True:
        lock = folder / "dvc.lock"
        if _is_file(lock):
            found_lock = _from_lock(lock, path, root)
            if found_lock:
                md5, raw, stage = found_lock
                return Tracked(md5=md5, source=f"{_relative(lock, root)} (stage {stage})", raw=raw)
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system: no DVC file by that name
        return False


def _from_dvc_file(dvc_file: Path, path: Path, root: Path) -> tuple[str, bool] | None:
    data = _yaml(dvc_file, root)
    outs = data.get("outs", []) if isinstance(data, dict) else []
    for out in _entries(outs, dvc_file, root):
        if _same(dvc_file.parent / str(out.get("path", "")), path):
            md5 = _md5(out, dvc_file, root)
            return (md5, _raw(out, md5)) if md5 else None
    return None


def _from_lock(lock: Path, path: Path, root: Path) -> tuple[str, bool, str] | None:
    data = _yaml(lock, root)
    stages = data.get("stages", {}) if isinstance(data, dict) else {}
    outs = [
        (str(stage), out)
        for stage, body in (stages.items() if isinstance(stages, dict) else ())
        for out in (body.get("outs", []) if isinstance(body, dict) else [])
        if isinstance(out, dict)
    ]
    for stage, out in _bounded(outs, lock, root):
        if _same(lock.parent / str(out.get("path", "")), path):
            md5 = _md5(out, lock, root)
            if md5:
                return md5, _raw(out, md5), stage
    return None


def _entries(entries: object, source: Path, root: Path) -> list[dict[str, object]]:
    """The mappings of a list of deps or outs."""
    found = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return _bounded(found, source, root)


def _bounded(items: list[T], source: Path, root: Path) -> list[T]:
    """More than MAX_ENTRIES is a damaged file: a few aliases can make millions, each
    compared with the data's path (45 s for a file of 47 KB)."""
    if len(items) > MAX_ENTRIES:
        raise UserError(
            f"{_relative(source, root)} lists {words.count(len(items), 'file')}, more than "
            f"the {MAX_ENTRIES:,} mlgate reads",
            hint="is it DVC's own file? `dvc status` says whether DVC can read it",
        )
    return items


def _raw(out: dict[str, object], md5: str) -> bool:
    """DVC 3 (`hash: md5`) hashes a file's bytes as they are; DVC 2 read text files with
    Windows line ends as Unix's first, and a folder's is the hash of its listing."""
    return out.get("hash") == "md5" and not md5.endswith(".dir")


def stage_hashes(root: Path, stage: str) -> dict[str, str]:
    """What dvc.lock says a stage ran on and wrote: path -> MD5, deps then outs."""
    lock = root / "dvc.lock"
    data = _yaml(lock, root) if lock.is_file() else None
    stages = data.get("stages", {}) if isinstance(data, dict) else {}
    body = stages.get(stage) if isinstance(stages, dict) else None
    found: dict[str, str] = {}
    for kind in ("deps", "outs"):
        for entry in _entries(body.get(kind, []) if isinstance(body, dict) else [], lock, root):
            md5 = _md5(entry, lock, root)
            if md5:
                found[str(entry.get("path"))] = md5
    if len(found) > MAX_ENTRIES:
        raise UserError(
            f"dvc.lock: stage {stage} lists {words.count(len(found), 'file')}, more than "
            f"the {MAX_ENTRIES:,} a run result keeps"
        )
    return found


def _md5(out: dict[str, object], source: Path, root: Path) -> str | None:
    """The entry's MD5; one that is not an MD5 (32 hex digits) is a damaged file, said so:
    it would go into the run result, and be wrong there."""
    value = out.get("md5")
    if value is None:
        return None
    if not (isinstance(value, str) and MD5.fullmatch(value)):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise UserError(
            f"{_relative(source, root)}: the md5 of '{out.get('path')}' is {shown}, not an "
            "MD5 hash (32 hex digits)",
            hint="the file is damaged: `dvc add` the data again (or `dvc repro` its stage)",
        )
    return value


def _yaml(path: Path, root: Path) -> object:
    shown = _relative(path, root)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError(f"{shown}: {path.stat().st_size:,} bytes, more than mlgate reads")
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{shown}: DVC's file could not be read: {first}") from exc


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
    data = _yaml(own, own.parent)
    return isinstance(data, dict) and bool(data.get("deps"))


def run(root: Path, args: list[str], *, absent: UserError, failed: str, hint: str) -> None:
    """`dvc ARGS` in `root`: `absent` raised when DVC is not installed; a failure said as
    `failed: what DVC said`, with `hint`. Not --quiet: that silenced DVC's own reason
    ("Checkout failed ... Is your cache up to date?"), and the error said only "code 1"."""
    from mlgate import proc  # only a pull or an update runs a process; validate reads files

    dvc = shutil.which("dvc")
    if dvc is None:
        raise absent
    try:
        proc.output([dvc, *args], cwd=root, timeout_s=PULL_TIMEOUT_S)
    except OutsideError as exc:
        raise OutsideError(f"{failed}: {_reason(str(exc))}", hint=hint) from exc


def _reason(said: str) -> str:
    """What DVC said from its first ERROR line on (the targets and its advice follow it),
    else the last lines it printed."""
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    first = next((i for i, line in enumerate(lines) if line.startswith("ERROR")), None)
    kept = " ".join(lines[first : first + 5] if first is not None else lines[-3:])
    return kept if len(kept) <= 600 else kept[:597] + "..."
