"""Files tracked by DVC: their hash read from DVC's own files, and absent ones pulled.

DVC records each tracked file's MD5 in `FILE.dvc` (after `dvc add`) or in `dvc.lock` (a
stage's output). A file inside a tracked folder (`dvc add data`) has its MD5 in the
folder's listing, which DVC keeps in its cache under the folder's `.dir` hash. Reading
those needs no DVC, so every run names its data by DVC's hash as well as by mlgate's
sha256, and a run result says which DVC version of the data made the model. Only pulling
an absent file needs DVC itself (`mlgate[dvc]`), and only the files the run reads are
pulled.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from mlgate import files, words, yaml_source
from mlgate.errors import OutsideError, UserError
from mlgate.yaml_source import KeyPath

PULL_TIMEOUT_S = 3600.0


MD5 = re.compile(r"[0-9a-f]{32}(\.dir)?")
BLANK = re.compile(r"[ \t\n\r]*")
MAX_BYTES = 4 * 2**20  # a DVC file larger than this is not read (10,000 entries: about 1.5 MB)
MAX_VALUES = 200_000  # 10,000 entries of a few keys each; aliases can name billions
MAX_ENTRIES = 10_000  # a stage's deps and outs, as a run result keeps them (schema.json)
CONFIG_BYTES = 2**20  # DVC's config: a few lines
MAX_LISTING_BYTES = 256 * 2**20  # a folder's listing: about 3 million files


@dataclass(frozen=True, kw_only=True)
class Tracked:
    # DVC's hash of the file's content; None for a file in a tracked folder whose listing
    # is not in DVC's cache (`dvc fetch` brings it): the run cannot say which it is
    md5: str | None
    source: str  # where DVC says so: "data/train.csv.dvc", "dvc.lock (stage prepare)"
    raw: bool = False  # the MD5 of the file's bytes as they are (DVC 3's `hash: md5`)
    unlisted: bool = False  # in a tracked folder whose version DVC holds lacks this file
    stage: str | None = None  # the dvc.lock stage whose output it is (`dvc commit` records it)


def tracked(path: Path, root: Path) -> Tracked | None:
    """DVC's record of `path`: its own .dvc file, else a dvc.lock output in the folder of
    the manifest or above it, up to the repository's top, else the .dvc file of a folder
    holding it; None when DVC tracks nothing."""
    own = _from_dvc_file(Path(f"{path}.dvc"), path, root)
    if own:
        return own
    found = locked(path, root)
    if found:
        return found
    for folder in _folders_holding(path, root):
        held = _from_dvc_file(Path(f"{folder}.dvc"), path, root)
        if held:
            return held
    return None


def locked(path: Path, root: Path) -> Tracked | None:
    """`path` as a stage's output in a dvc.lock, or inside a folder that is one, searched
    from `root` up to the top of the repository."""
    folder, top = root.resolve(), _top(root)
    while True:
        lock = folder / "dvc.lock"
        found = _from_lock(lock, path, root) if _there(lock) else None
        if found or folder == top or folder.parent == folder:
            return found
        folder = folder.parent


def _top(root: Path) -> Path:
    """The repository's top (git's, or DVC's: the folder holding .dvc/); outside any, the
    manifest's folder itself: a dvc.lock above it is no record of this project's."""
    start = root.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists() or (folder / ".dvc").is_dir():
            return folder
    return start


def _folders_holding(path: Path, root: Path) -> list[Path]:
    """The folders holding `path` inside the repository, nearest first (the top's own
    .dvc file would be outside it)."""
    top, found = _top(root), []
    for folder in Path(os.path.abspath(path)).parents:
        if folder == top or not folder.is_relative_to(top):
            break
        found.append(folder)
    return found


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system: no DVC file by that name
        return False


def _there(path: Path) -> bool:
    """Something is at `path`, a link to nothing too: a DVC file there that cannot be
    read (a link to /dev/zero, a FIFO, a folder) is an error said, not "DVC tracks
    nothing", which had the run record tracked data as untracked."""
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):  # a name too long for the file system
        return False


def _from_dvc_file(dvc_file: Path, path: Path, root: Path) -> Tracked | None:
    if not _there(dvc_file):
        return None
    doc = _document(dvc_file, root)
    _shaped(doc, (), dict, "a mapping (outs: ...)", dvc_file, root)
    outs = _shaped(doc, ("outs",), list, "a list of outputs (- path: ...)", dvc_file, root)
    _bounded(len(outs or ()), dvc_file, root)
    for n in range(len(outs or ())):
        found = _record(_output(doc, ("outs", n), dvc_file, root), dvc_file, path, root)
        if found:
            return found
    return None


def _from_lock(lock: Path, path: Path, root: Path) -> Tracked | None:
    doc = _document(lock, root)
    _shaped(doc, (), dict, "a mapping (stages: ...)", lock, root)
    stages = _shaped(doc, ("stages",), dict, "a mapping of stages", lock, root) or {}
    bodies = []
    for stage in stages:
        _shaped(doc, ("stages", stage), dict, "a mapping (cmd, deps, outs)", lock, root)
        outs = _shaped(doc, ("stages", stage, "outs"), list, "a list of outputs", lock, root)
        bodies.append((stage, outs or []))
    # counted before any is gone through: aliases make one list every stage's outs, and
    # the pairs were built first (100,000,000 of them: 47 s and 7 GB before the refusal)
    _bounded(sum(len(outs) for _, outs in bodies), lock, root)
    for stage, outs in bodies:
        source = f"{_relative(lock, root)} (stage {stage})"
        for n in range(len(outs)):
            out = _output(doc, ("stages", stage, "outs", n), lock, root)
            if found := _record(out, lock, path, root, source):
                return replace(found, stage=str(stage))
    return None


def _shaped(
    doc: yaml_source.Document, at: KeyPath, kind: type, said: str, source: Path, root: Path
) -> Any:
    """The value at `at` (None when a key on the way is absent), which must be of `kind`:
    DVC's file of another shape ("expected a list, in outs", says `dvc status`) was taken
    for one that tracks nothing, and the run named tracked data untracked."""
    value: Any = doc.data
    for key in at:
        listed = isinstance(value, list) and isinstance(key, int) and key < len(value)
        if not (listed or (isinstance(value, dict) and key in value)):
            return None
        value = value[key]
    if isinstance(value, kind):
        return value
    where = ".".join(str(k) for k in at) or "the file"
    raise _misshapen(doc, at, source, root, f"{where} is {_kind_of(value)}, not {said}")


def _output(doc: yaml_source.Document, at: KeyPath, source: Path, root: Path) -> dict[str, Any]:
    """An output (or dep), which names its file (`path: ...`), as DVC's own always do."""
    out: dict[str, Any] = _shaped(doc, at, dict, "an entry (path: ..., md5: ...)", source, root)
    if isinstance(out.get("path"), str) and out["path"]:
        return out
    raise _misshapen(doc, at, source, root, "an entry with no path (path: FILE)")


def _misshapen(
    doc: yaml_source.Document, at: KeyPath, source: Path, root: Path, what: str
) -> UserError:
    mark = doc.mark_of(at)
    return UserError(
        f"{_relative(source, root)}:{mark.line}:{mark.column}: {what}, as DVC writes it",
        hint="is it DVC's own file? `dvc status` says what DVC makes of it; `dvc add` the "
        "data again (or `dvc repro` its stage) writes it anew",
    )


def _kind_of(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return f"{shown} (a {type(value).__name__})"


def _record(
    out: dict[str, object], dvc_file: Path, path: Path, root: Path, source: str = ""
) -> Tracked | None:
    """What the output `out` of `dvc_file` says of `path`: it is the file, or a folder
    holding it (whose listing, in DVC's cache, has the file's own MD5)."""
    source = source or _relative(dvc_file, root)
    named = dvc_file.parent / str(out.get("path", ""))
    if _same(named, path):
        md5 = _md5(out, dvc_file, root)
        return Tracked(md5=md5, source=source, raw=_raw(out, md5)) if md5 else None
    inside = _inside(path, named)
    if inside is None:
        return None
    folder_md5 = _md5(out, dvc_file, root)
    if not folder_md5 or not folder_md5.endswith(".dir"):
        return None  # a file of that name, or no hash yet: not a folder DVC holds
    source = f"{source} (folder {out.get('path')})"
    listing = _listing(folder_md5, dvc_file)
    if listing is None:
        return Tracked(md5=None, source=source)
    md5 = _listed(listing, folder_md5, inside, root)
    if md5 is None:
        return Tracked(md5=None, source=source, unlisted=True)
    return Tracked(md5=md5, source=source, raw=out.get("hash") == "md5")


def _inside(path: Path, folder: Path) -> str | None:
    """`path` relative to `folder`, as DVC's listing writes it; None when not inside."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(folder))
    if relative == os.curdir or relative.split(os.sep)[0] == os.pardir:
        return None
    return Path(relative).as_posix()


def _listing(folder_md5: str, dvc_file: Path) -> Path | None:
    """Where DVC's cache keeps a tracked folder's listing (DVC 3's layout, then DVC 2's);
    None when the cache lacks it."""
    cache = _cache(dvc_file)
    if cache is None:
        return None
    digits = folder_md5.removesuffix(".dir")
    for layout in (cache / "files" / "md5", cache):
        found = layout / digits[:2] / f"{digits[2:]}.dir"
        if _is_file(found):
            return found
    return None


def cache_object(md5: str, near: Path) -> Path | None:
    """Where DVC's cache keeps the object named `md5` (DVC 3's layout, else DVC 2's) in
    the DVC project holding `near`; None outside any."""
    cache = _cache(near)
    if cache is None:
        return None
    layouts = (cache / "files" / "md5", cache)
    for layout in layouts:
        found = layout / md5[:2] / md5[2:]
        if _there(found):
            return found
    return layouts[0] / md5[:2] / md5[2:]


def _listed(listing: Path, folder_md5: str, inside: str, root: Path) -> str | None:
    """The MD5 the listing (a JSON list of {md5, relpath}) gives `inside`, None when it
    lists no such file. Its own MD5 must be its name, as DVC checks: a listing edited or
    left from another version named a file the recorded folder does not hold. Read an
    entry at a time, so memory holds the text and one entry: 250 MB of `[[], [], ...]`
    read whole took 6.5 GB before it was found damaged."""
    shown = _relative(listing, root)
    hint = f"delete {shown} and `dvc fetch` the folder's .dvc file again (or `dvc add` the folder)"
    damaged = UserError(f"{shown}: DVC's listing of a tracked folder is damaged", hint=hint)
    raw = files.read_bytes(listing, limit=MAX_LISTING_BYTES, name=shown)
    named = folder_md5.removesuffix(".dir")
    if (actual := hashlib.md5(raw, usedforsecurity=False).hexdigest()) != named:
        raise UserError(
            f"{shown}: DVC's listing of a tracked folder is damaged: its MD5 is {actual}, "
            f"not {named} as its name says, so it lists another version of the folder",
            hint=hint,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise damaged from exc
    decoder = json.JSONDecoder()
    at = _blank(text, 0)
    if text[at : at + 1] != "[":
        raise damaged
    at = _blank(text, at + 1)
    while text[at : at + 1] != "]":
        try:
            entry, at = decoder.raw_decode(text, at)
        except (ValueError, RecursionError) as exc:
            raise damaged from exc
        md5, relpath = (
            (entry.get("md5"), entry.get("relpath")) if isinstance(entry, dict) else (0, 0)
        )
        if not (isinstance(md5, str) and MD5.fullmatch(md5) and isinstance(relpath, str)):
            raise damaged
        if relpath == inside:
            return md5
        at = _blank(text, at)
        if text[at : at + 1] == ",":
            at = _blank(text, at + 1)
        elif text[at : at + 1] != "]":
            raise damaged
    return None


def _blank(text: str, at: int) -> int:
    """The first position from `at` that is not JSON's white space."""
    found = BLANK.match(text, at)
    return found.end() if found else at


def _cache(dvc_file: Path) -> Path | None:
    """DVC's cache folder: `.dvc/cache` of the DVC project holding `dvc_file`, or the
    `cache.dir` its config names (relative to `.dvc/`, as DVC reads it)."""
    for folder in Path(os.path.abspath(dvc_file)).parents:
        own = folder / ".dvc"
        if own.is_dir():
            chosen = own / "cache"
            for name in ("config", "config.local"):  # the local config wins, as in DVC
                named = _cache_dir_named(own / name)
                if named:
                    chosen = own / os.path.expanduser(named)
            return chosen
        if (folder / ".git").exists():  # the repository's top: no DVC project above it
            return None
    return None


def _cache_dir_named(config_file: Path) -> str | None:
    """`cache.dir` in one of DVC's config files, if it names one."""
    return _configured(config_file, "cache", "dir")


def default_remote(root: Path, *, committed: bool = False) -> str | None:
    """The DVC project's default remote (`core.remote`, the local config winning), if it
    names one: `dvc repro --pull` needs one, and fails without. The project is the
    nearest `.dvc/` at or above `root`, up to the repository's top, as DVC finds it: read
    at `root` only, one at the top with the manifest in a subfolder had no remote, and a
    fresh clone trained without `--pull` and failed on data it never pulled."""
    for folder in (root.resolve(), *root.resolve().parents):
        own = folder / ".dvc"
        if own.is_dir():
            named = None
            # `committed`: .dvc/config alone, as a fresh clone has it (config.local is
            # kept out of git by DVC)
            for name in ("config",) if committed else ("config", "config.local"):
                named = _configured(own / name, "core", "remote") or named
            return named
        if (folder / ".git").exists():
            return None
    return None


def _configured(config_file: Path, section: str, key: str) -> str | None:
    """A value in one of DVC's config files. A regular file of at most CONFIG_BYTES only:
    a committed link to /dev/zero filled memory until the OOM killer stopped the run, and
    a FIFO hung it."""
    config = configparser.ConfigParser(interpolation=None)
    try:
        text = files.read_bytes(config_file, limit=CONFIG_BYTES, name=config_file.name)
        config.read_string(text.decode("utf-8"))
    except (UserError, configparser.Error, UnicodeDecodeError):
        return None
    return config.get(section, key, fallback=None)


def _bounded(count: int, source: Path, root: Path) -> None:
    """More than MAX_ENTRIES is a damaged file: a few aliases can make millions, each
    compared with the data's path (45 s for a file of 47 KB)."""
    if count > MAX_ENTRIES:
        raise UserError(
            f"{_relative(source, root)} lists {words.count(count, 'file')}, more than "
            f"the {MAX_ENTRIES:,} mlgate reads",
            hint="is it DVC's own file? `dvc status` says whether DVC can read it",
        )


def _raw(out: dict[str, object], md5: str) -> bool:
    """DVC 3 (`hash: md5`) hashes a file's bytes as they are; DVC 2 read text files with
    Windows line ends as Unix's first, and a folder's is the hash of its listing."""
    return out.get("hash") == "md5" and not md5.endswith(".dir")


@dataclass(frozen=True)
class Stages:
    """dvc.yaml's stage names; `generating`: those that make stages of their own
    (`foreach`, `matrix`), run as `NAME@KEY`."""

    names: tuple[str, ...]
    generating: frozenset[str]
    outs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a plain stage's outputs
    keys: dict[str, frozenset[str]] = field(default_factory=dict)  # a foreach's, when listed
    # `dvc repro` runs no frozen stage: it records whatever files stand at its outputs
    frozen: frozenset[str] = frozenset()
    # the params files a plain stage reads (posix, from dvc.yaml's folder)
    params: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def writes(self, stage: str, path: str) -> bool:
        """`path` (posix, from dvc.yaml's folder) is one of the stage's outputs, or inside
        an output folder."""
        wanted = PurePosixPath(path)
        for out in self.outs.get(stage, ()):
            folder = PurePosixPath(out.rstrip("/"))
            if wanted == folder or folder in wanted.parents:
                return True
        return False

    def __contains__(self, stage: object) -> bool:
        group, _, key = str(stage).partition("@")
        if stage in self.names:
            return True
        return group in self.generating and (group not in self.keys or key in self.keys[group])


def stages(path: Path, root: Path) -> Stages | None:
    """The stages dvc.yaml declares; None when there is no dvc.yaml. One that cannot be
    read (damaged, a FIFO, too large, aliases without end) is a UserError saying why."""
    if not path.exists() and not path.is_symlink():
        return None
    data = _yaml(path, root)
    declared = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(declared, dict):
        raise UserError(f"{_relative(path, root)} holds no mapping of stages (stages: ...)")
    generating = frozenset(
        str(name)
        for name, body in declared.items()
        if isinstance(body, dict) and ("foreach" in body or "matrix" in body)
    )
    return Stages(
        names=tuple(str(name) for name in declared),
        generating=generating,
        keys={
            str(name): keys
            for name, body in declared.items()
            if isinstance(body, dict) and (keys := _foreach_keys(body.get("foreach"))) is not None
        },
        outs={
            str(name): _outs(body)
            for name, body in declared.items()
            # a stage run in another folder (wdir) names its outputs from there
            if isinstance(body, dict) and str(name) not in generating and "wdir" not in body
        },
        frozen=frozenset(
            str(name)
            for name, body in declared.items()
            if isinstance(body, dict) and body.get("frozen") is True
        ),
        params={
            str(name): _params_files(body)
            for name, body in declared.items()
            if isinstance(body, dict) and str(name) not in generating
        },
    )


def _params_files(body: dict[str, object]) -> tuple[str, ...]:
    """The params files a stage reads: a key alone is params.yaml's (DVC's default), a
    mapping names its file (`- train.yaml: [n_estimators]`); from dvc.yaml's folder."""
    entries = body.get("params")
    found: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        named = (
            [DEFAULT_PARAMS]
            if isinstance(entry, str)
            else list(entry)
            if isinstance(entry, dict)
            else []
        )
        wdir = str(body.get("wdir") or ".")
        found += [os.path.normpath(os.path.join(wdir, str(n))).replace(os.sep, "/") for n in named]
    return tuple(dict.fromkeys(found))


def _foreach_keys(items: object) -> frozenset[str] | None:
    """The keys DVC names a foreach's stages by (`train@KEY`): a list's values (its
    indices, for values that are not scalars), a mapping's keys; None when they are not
    written out (a `${...}` of params, a matrix)."""
    if isinstance(items, dict):
        return frozenset(str(k) for k in items)
    if isinstance(items, list):
        scalar = all(isinstance(i, str | int | float | bool) for i in items)
        return frozenset(str(i) if scalar else str(n) for n, i in enumerate(items))
    return None


def _outs(body: dict[str, object]) -> tuple[str, ...]:
    """A stage's declared outputs (outs, metrics, plots), each as its path: an entry is a
    path, or a mapping of a path to its options (`- model.pkl: {cache: false}`)."""
    found: list[str] = []
    for kind in ("outs", "metrics", "plots"):
        entries = body.get(kind)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, str):
                found.append(entry)
            elif isinstance(entry, dict):
                found += [str(key) for key in entry]
    return tuple(found)


DEFAULT_PARAMS = "params.yaml"  # where DVC reads a stage's params named by key alone


@dataclass(frozen=True)
class LockedStage:
    """What dvc.lock says a stage ran with: its command, the MD5s of what it read and
    wrote, and its params by file and key, the values that trained the model (the
    manifest's params file may not be the one the stage reads)."""

    hashes: dict[str, str]  # path -> MD5, deps then outs (an out wins a path that is both)
    outs: dict[str, str]
    params: dict[str, dict[str, Any]]  # params file -> key -> value, as dvc.lock has them
    cmd: str


def stage_hashes(root: Path, stage: str) -> dict[str, str]:
    """What dvc.lock says a stage ran on and wrote: path -> MD5, deps then outs."""
    found = locked_stage(root, stage)
    return found.hashes if found else {}


def committed_stage(root: Path, commit: str, stage: str) -> LockedStage | None:
    """The stage as the dvc.lock committed at `commit` records it (what `git checkout` and
    `dvc checkout` give back); None when that commit's dvc.lock records none."""
    import tempfile

    from mlgate import git

    raw = git.show(root, commit, git.prefix(root) + "dvc.lock")
    if raw is None:
        return None
    with tempfile.TemporaryDirectory(prefix="mlgate-lock-") as scratch:
        (Path(scratch) / "dvc.lock").write_bytes(raw)
        return locked_stage(Path(scratch), stage)


def locked_stage(root: Path, stage: str) -> LockedStage | None:
    """The stage as the dvc.lock beside dvc.yaml records it; None when it records none."""
    lock = root / "dvc.lock"
    if not _there(lock):
        return None
    doc = _document(lock, root)
    _shaped(doc, (), dict, "a mapping (stages: ...)", lock, root)
    stages = _shaped(doc, ("stages",), dict, "a mapping of stages", lock, root) or {}
    if stage not in stages:
        return None
    body = _shaped(doc, ("stages", stage), dict, "a mapping (cmd, deps, outs)", lock, root)
    kinds: dict[str, dict[str, str]] = {}
    for kind in ("deps", "outs"):
        entries = _shaped(doc, ("stages", stage, kind), list, "a list", lock, root) or []
        _bounded(len(entries), lock, root)
        kinds[kind] = {}
        for n in range(len(entries)):
            entry = _output(doc, ("stages", stage, kind, n), lock, root)
            md5 = _md5(entry, lock, root)
            if md5:
                kinds[kind][str(entry["path"])] = md5
    found = {**kinds["deps"], **kinds["outs"]}
    if len(found) > MAX_ENTRIES:
        raise UserError(
            f"dvc.lock: stage {stage} lists {words.count(len(found), 'file')}, more than "
            f"the {MAX_ENTRIES:,} a run result keeps"
        )
    params = _shaped(doc, ("stages", stage, "params"), dict, "a mapping", lock, root) or {}
    cmd = body.get("cmd")
    return LockedStage(
        hashes=found,
        outs=kinds["outs"],
        params={str(f): _plain(v) if isinstance(v, dict) else {} for f, v in params.items()},
        cmd=" && ".join(map(str, cmd)) if isinstance(cmd, list) else str(cmd or ""),
    )


def _plain(value: Any) -> Any:
    """A params value as JSON holds it: YAML's dates and other types as their text, a
    float that is not finite as its text (JSON has none)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    return str(value)


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
    """A DVC file's data (see `_document`)."""
    return _document(path, root).data


def _document(path: Path, root: Path) -> yaml_source.Document:
    """A DVC file read as the manifest is: a regular file, bounded in size, in the values
    aliases expand to and in depth (a 584-byte file of aliases named 387 million paths,
    and ran mlgate out of memory), each failure located; with where each value stands."""
    shown = _relative(path, root)
    raw = files.read_bytes(path, limit=MAX_BYTES, name=shown)
    try:
        doc = yaml_source.load_bytes(
            raw, shown, what="DVC file", max_bytes=MAX_BYTES, max_values=MAX_VALUES
        )
    except yaml_source.YamlProblems as exc:
        raise UserError(f"DVC's file could not be read: {exc.problems[0]}") from exc
    if doc.problems:
        raise UserError(f"DVC's file could not be read: {doc.problems[0]}")
    return doc


def _same(a: Path, b: Path) -> bool:
    return os.path.normpath(os.path.abspath(a)) == os.path.normpath(os.path.abspath(b))


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


def pull(path: Path, root: Path, key: str, *, stage: str | None = None) -> None:
    """`dvc pull` of that one file, from the manifest's folder; DVC must be installed.
    `stage`: the dvc.lock stage that writes it, which can make it again instead."""
    shown = _relative(path, root)
    hint = "check the DVC remote (dvc remote list) and its credentials"
    declared = stages(root / "dvc.yaml", root) if stage is not None else None
    if stage is not None and declared is not None and stage not in declared:
        hint = (
            f"dvc.lock names it an output of stage '{stage}', which dvc.yaml no longer has "
            f"(its stages: {', '.join(declared.names) or 'none'}): dvc.lock is stale; "
            f"`dvc repro` brings it up to date (commit it), or {hint}"
        )
    elif stage is not None:
        hint = (
            f"it is an output of DVC stage '{stage}': `dvc repro {stage}` makes it again (or "
            f"set data.prepare: dvc repro {stage}); or {hint}"
        )
    run(
        root,
        ["pull", str(path)],
        absent=UserError(
            f"{key}: '{shown}' is tracked by DVC and not here, and DVC is not installed to pull it",
            hint="pip install 'mlgate[dvc]' (or run `dvc pull` before mlgate)",
        ),
        failed=f"{key}: `dvc pull` of '{shown}' failed",
        hint=hint,
    )


def import_of(path: Path) -> Path | None:
    """The .dvc file by which `path` came (`dvc import`, `dvc import-url`), its own or a
    folder's holding it: it names a source (`deps`), which `dvc update` fetches again."""
    holding = _folders_holding(path, path.parent)
    for dvc_file in [Path(f"{path}.dvc")] + [Path(f"{f}.dvc") for f in holding]:
        if _is_file(dvc_file):
            data = _yaml(dvc_file, dvc_file.parent)
            if isinstance(data, dict) and data.get("deps"):
                return dvc_file
    return None


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
    after what decided it, said before: "No remote provided and no default remote set.",
    "WARNING: ... Missing cache files: md5: ..." (its ERROR is the same for both); else
    the last lines it printed."""
    said = re.sub(r"^`[^`]*` exited with code -?\d+: ", "", said)  # proc's words, not DVC's
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    first = next((i for i, line in enumerate(lines) if line.startswith("ERROR")), None)
    if first is None:
        kept = " ".join(lines[-3:])
    else:
        before = [line for line in lines[:first] if line not in UNTOLD][-3:]
        kept = " ".join([*before, *lines[first : first + 5]])
    return kept if len(kept) <= 600 else kept[:597] + "..."


UNTOLD = frozenset({"Everything is up to date."})  # said by DVC before its ERROR, untrue
