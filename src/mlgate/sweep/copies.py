"""A configuration's copy of the project: the files copied, its values written into the
copy's params file in that file's own format, and what its project hashes to (a sweep
resumes a configuration whose project, params and values hash to a finished run)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import atomic
from mlgate.manifest.spec import Manifest
from mlgate.sweep.space import Configuration

if TYPE_CHECKING:
    from mlgate.result.records import RunResult

LEFT_OUT = (".git", ".mlgate", ".dvc/cache", "__pycache__")  # never copied into a configuration
# an editor's marks beside a file open in it: Emacs's lock link (.#train.py, made when a
# buffer is modified, before anything is saved) and auto-save file (#train.py#, written
# every few hundred keystrokes), Vim's swap file (.train.py.swp). No training reads them,
# and one appearing mid-sweep refused every configuration as edited
LOCK, SAVES = re.compile(r"\.#.+"), re.compile(r"\..+\.sw[a-p]|#.+#")


def run_copy(
    source: Path,
    work: Path,
    params: Mapping[str, Any],
    expected: Tree | None = None,
    *,
    shipped: bool = False,
) -> tuple[Manifest, RunResult]:
    """The project of the manifest `source` copied to `work` (what LEFT_OUT names left
    out), the values written into the copy's params file, and the copy run. `expected`:
    what the project hashed to when the sweep began; a copy that hashes otherwise (the
    project was edited since) is refused before it runs, as its results would be filed
    under the hash of code it did not run. `shipped`: the project is Ray's copy of it, which
    leaves out what .gitignore names: a file it lacks is no change (a training that needs
    one fails on its own, as it did)."""
    from mlgate import manifest as manifests
    from mlgate import pipeline

    root = source.parent
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(root, work, ignore=_left_out(root), symlinks=True)
    _links_kept(root, work)
    # the files were looked for in the project (`sweep` loads its manifest): here, data it
    # names outside the project would be looked for beside the copy
    copy = work / source.name
    copied = manifests.parse(copy.read_bytes(), name=str(copy), root=work, path=copy, files=False)
    if expected is not None:
        _as_hashed(work, copied, expected, shipped=shipped, project=root)
    _writes_its_own(work, copied)
    data = copied.data  # what lies outside the project is read where it is, not in the copy
    there = replace(
        data,
        train=_read_there(root, data.train),
        test=_read_there(root, data.test),
        reference=data.reference and _read_there(root, data.reference),
    )
    copied = replace(copied, data=there)
    write_params(copied, params)
    return copied, pipeline.run(copied, compare=False)


def _links_kept(root: Path, work: Path) -> None:
    """Each symlink copied that leads out of what the copy holds (out of the project, or
    into a folder it leaves out, such as `.dvc/cache`) made absolute: copied as it was,
    `data -> ../shared` named `.mlgate/sweeps/shared`, which is nothing. A link within the
    copy stays as it is, naming the copy's own file; a broken one stays broken."""
    inside = Path(os.path.realpath(root))
    for folder, dirs, names in os.walk(work):
        for name in dirs + names:
            link = Path(folder) / name
            original = root / link.relative_to(work)
            if not link.is_symlink() or os.path.isabs(os.readlink(link)) or not original.exists():
                continue
            was = Path(os.path.realpath(original))
            if not was.is_relative_to(inside) or _under_left_out(was.relative_to(inside)):
                link.unlink()
                link.symlink_to(was)


def _under_left_out(relative: Path) -> bool:
    """Whether a path in the project lies in what a copy leaves out (LEFT_OUT)."""
    parts = relative.parts
    prefixes = ("/".join(parts[:n]) for n in range(1, len(parts) + 1))
    return any(part in LEFT_OUT for part in parts) or any(p in LEFT_OUT for p in prefixes)


def _as_hashed(
    work: Path, copied: Manifest, expected: Tree, *, shipped: bool, project: Path
) -> None:
    """The copy holds what the sweep hashed at its start, or the configuration is refused."""
    from mlgate import words
    from mlgate.errors import UserError

    outside_files = [Path(p) for p in expected.outside]
    # the project is a folder above as the copy is: a link `up -> ..` reaches it from the
    # copy, and was hashed into it, where the project's own hash stopped at itself
    now = fingerprint(work, copied.outputs(), outside_files, expected, also=(project,))
    if now.digest == expected.digest:
        return
    differ = changed(expected, now)
    if shipped:  # Ray's copy lacks what .gitignore names (a .venv, logs)
        held = dict(now.files)
        differ = [p for p in differ if p in held and (held[p] or p not in expected.outside)]
    if not differ:
        return
    said = "differs" if len(differ) == 1 else f"differ ({words.count(len(differ), 'file')})"
    raise UserError(
        "the project changed after the sweep began, so this configuration would run other "
        f"code or data than the sweep hashed: {words.clip(', '.join(differ), 200)} {said}; "
        "it was not run",
        hint="run the sweep again once the project is as it should be (to go on editing "
        "during a sweep, sweep from a `git worktree` of its own)",
    )


DATA_ROLES = ("train", "test", "reference")


def outside(manifest: Manifest) -> list[Path]:
    """The data files the manifest names outside its project (`/data/train.csv`,
    `../common/test.csv`): a configuration's copy reads them where they are, and the
    sweep's fingerprint holds their content, or a changed file was "not run again"."""
    prepared = manifest.outputs()
    named = [getattr(manifest.data, role) for role in DATA_ROLES]
    found = [_outside(manifest.root, n) for n in named if n is not None and n not in prepared]
    return [f for f in found if f is not None]


def _writes_its_own(work: Path, manifest: Manifest) -> None:
    """What a configuration's run writes (its model, and the data its `data.prepare`
    writes) must be in its own copy: through a link out of the project, configurations
    running side by side wrote one file, each over the other's, and nothing said so."""
    from mlgate.errors import UserError

    written = [manifest.train.model]
    if manifest.data.prepare is not None:
        written += [manifest.data.train, manifest.data.test]
    inside = Path(os.path.realpath(work))
    for relative in written:
        path = Path(os.path.realpath(manifest.resolve(relative)))
        if not path.is_relative_to(inside):
            raise UserError(
                f"{relative} is written by each configuration, and it leads out of the "
                f"project (to {path}, through a link): configurations running side by side "
                "would write one file, each over the other's",
                hint="keep what the training and data.prepare write inside the project "
                "(a link may lead to what they only read)",
            )


def _read_there(root: Path, named: str) -> str:
    found = _outside(root, named)
    return named if found is None else str(found)


def in_copy(root: Path, named: str, inside: Path) -> str:
    """Where a configuration's copy (`inside`, relative to the project `root`) holds a data
    file the manifest names: in the copy, or where it is when it lies outside the project
    (`../common/test.csv` became `.mlgate/sweeps/common/test.csv`, which is nothing)."""
    found = _outside(root, named)
    return (inside / named).as_posix() if found is None else str(found)


def _outside(root: Path, named: str) -> Path | None:
    if "://" in named:
        return None
    path = Path(os.path.normpath(root / named))
    return None if path.is_relative_to(os.path.normpath(root)) else path


def write_params(manifest: Manifest, values: Mapping[str, Any]) -> None:
    """The configuration's values into the copy's params file, by path (`train.C`), in
    the file's own format, and nothing else changed: a JSON file written as YAML broke
    scripts that read it with `json.load`, and a file read as YAML 1.1 and written back
    turned the `1e-4` every configuration kept into the text "1e-4" (each training
    failed) and `010` into 8 (`sweep collect` refused each run)."""
    from mlgate.manifest import params
    from mlgate.manifest.build import DEFAULT_PARAMS

    named = manifest.train.params or DEFAULT_PARAMS
    path = manifest.resolve(named)
    if path.suffix.lower() == ".json":
        data = params.nested(manifest.root, named)  # refuses what cannot be read safely
        with contextlib.suppress(ValueError):  # JSON as json reads it, where it is JSON
            data = json.loads(path.read_text(encoding="utf-8"))
        atomic.write_text(path, json.dumps(_set(data, values), indent=2, ensure_ascii=False) + "\n")
        return
    # read as a run reads it (YAML 1.2), which also refuses what cannot be read safely
    wanted = _set(params.nested(manifest.root, named), values)
    text = path.read_text(encoding="utf-8")
    edited = _edited(text, values)
    if edited is None or not _reads_as(edited, wanted):
        edited = _yaml_1_2(wanted)  # the same values, without the file's comments and layout
    atomic.write_text(path, edited)


def _set(data: Any, values: Mapping[str, Any]) -> Any:
    """`data` with each value set at its path (a missing part becomes a mapping)."""
    data = {} if not isinstance(data, dict) else data
    for dotted, value in values.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(_held_key(node, part), {})
        node[_held_key(node, last)] = value
    return data


def _edited(text: str, values: Mapping[str, Any]) -> str | None:
    """The YAML text with each value written where the old one stands, every other
    character as it was (comments, quoting, `1e-3`); None where a path cannot be edited
    in place: a key the file lacks, or one reached through an alias or a merge key,
    whose text other keys share."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # the layout only: no values read
    except yaml.YAMLError:
        return None
    shared = _shared(root)
    spans = []
    for dotted, value in values.items():
        trail = _trail(root, dotted.split("."))
        if trail is None or any(id(node) in shared for node in trail):
            return None
        span = _span(text, trail[-1])
        if span is None:
            return None
        spans.append((*span, _flow(value)))
    for start, end, written in sorted(spans, reverse=True):
        text = text[:start] + written + text[end:]
    return text


def _trail(root: Any, parts: Sequence[str]) -> list[Any] | None:
    """The mapping nodes down a path, and its value's node last (None: not all there)."""
    import yaml

    trail = [root]
    for part in parts:
        node = trail[-1]
        if not isinstance(node, yaml.MappingNode):
            return None
        found = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part]
        if len(found) != 1:
            return None
        trail.append(found[0])
    return trail


def _shared(root: Any) -> set[int]:
    """The nodes reached more than once: an alias's (editing its text edits each)."""
    import yaml

    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return shared


def _span(text: str, node: Any) -> tuple[int, int] | None:
    """Where a node's text starts and ends: a block scalar's (`|`) or block list's end
    is past its line breaks and any comment after it, which stay."""
    import yaml

    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("|", ">"):
            end = start + len(text[start:end].rstrip())
        return None if end <= start else (start, end)  # `C:` (null) has no text to replace
    if node.flow_style or not node.value:
        return start, end
    last = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    inner = _span(text, last)
    return None if inner is None else (start, inner[1])


def _flow(value: Any) -> str:
    """A value as one line of YAML 1.2 (a list as `[64, 64]`), to stand where one was."""
    return _yaml_1_2([value], flow=True).strip()[1:-1]


def _reads_as(text: str, wanted: Any) -> bool:
    """Whether the edited text reads (YAML 1.2, as a run reads it) as the values wanted."""
    from mlgate import yaml_source
    from mlgate.manifest import params

    try:
        doc = yaml_source.parse(
            text, "params file", what="params file", max_values=params.MAX_VALUES, merge_keys=True
        )
    except yaml_source.YamlProblems:
        return False
    return not doc.problems and repr(doc.data) == repr(wanted)


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}  # 1.2's, and 1.1's


def _yaml_1_2(data: Any, *, flow: bool = False) -> str:
    """PyYAML writes YAML 1.1, leaving "1e3" plain, which the params reader (YAML 1.2, as
    DVC reads it) took back as 1000.0: a text is quoted unless it is a plain word."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        plain = _PLAIN.fullmatch(value) is not None and value.lower() not in _WORDS
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain else '"')

    Dumper.add_representer(str, text)
    width = 2**30 if flow else 80  # a flow value on one line: it stands in a block's place
    return yaml.dump(
        data,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=flow,
        width=width,
    )


def _held_key(node: Mapping[Any, Any], part: str) -> Any:
    """The key `part` names as YAML read it (`1:` is the number 1): a new text key "1"
    beside it would leave the script reading the old value."""
    return next((key for key in node if str(key) == part), part)


@dataclass(frozen=True, kw_only=True)
class Tree:
    """What a project hashed to, file by file (in hashing order: the data files outside
    it first, then its own files, folder by folder): a configuration's copy is hashed
    again and compared with it, so a project edited during a sweep is said, file by
    file, rather than its new code filed under the old code's hash."""

    files: tuple[tuple[str, str], ...]  # (path, sha256 of its content; "" if none)
    outside: tuple[str, ...] = ()  # the data files read where they are, by absolute path
    # each file's device, inode, size and times as hashed: a copy's file that is the same
    # file (a dataset behind a link) is not read again (0.73 s per 20,000 files a copy)
    stats: tuple[tuple[str, Stat], ...] = ()

    @property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for name, content in self.files:
            digest.update(name.encode() + b"\0" + bytes.fromhex(content))
        return digest.hexdigest()


Stat = tuple[int, int, int, int, int]  # st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns


def fingerprint(
    root: Path,
    outputs: Sequence[str] = (),
    outside: Sequence[Path] = (),
    known: Tree | None = None,
    also: Sequence[Path] = (),
) -> Tree:
    """The project as a configuration's copy would hold it: every file's path and content,
    but what a run writes (`outputs`: the model, prepared data), which each configuration
    writes afresh: a `mlgate run` between two sweeps would otherwise run every one again;
    and the data files it reads from `outside` the project. A folder that is a symlink
    is hashed through it (a `data` linked to a shared dataset was never hashed: changed
    data was "not run again"), once along each path (a link to a folder above is a loop).
    `known`: a tree hashed before, whose digest a file that is still the same file (its
    device, inode, size and times) keeps; `also`: folders to stop at as at `root` (a
    copy's project)."""
    hashing = _Hashing(known)
    files = [
        (str(path), hashing.content(str(path), path) if path.is_file() else "") for path in outside
    ]
    written = {os.path.normpath(o) for o in outputs}
    above = tuple(os.path.realpath(p) for p in (root, *also))
    files += _walked(root, Path(root), _left_out(root), written, above, hashing)
    return Tree(
        files=tuple(files),
        outside=tuple(str(p) for p in outside),
        stats=tuple(hashing.stats.items()),
    )


class _Hashing:
    """Each file's digest, read, or kept from `known` when it is still the same file."""

    def __init__(self, known: Tree | None) -> None:
        self.before = dict(known.stats) if known is not None else {}
        self.digests = dict(known.files) if known is not None else {}
        self.stats: dict[str, Stat] = {}

    def content(self, name: str, path: Path) -> str:
        try:
            st = os.stat(path)
        except OSError:
            return _content(path)
        stat = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        self.stats[name] = stat
        if self.before.get(name) == stat and name in self.digests:
            return self.digests[name]
        return _content(path)


def fingerprint_of(manifest: Manifest) -> Tree:
    """The manifest's project as a sweep hashes it: what a run writes left out, and the data
    files it names outside the project held."""
    return fingerprint(manifest.root, manifest.outputs(), outside(manifest))


def _walked(
    root: Path,
    folder: Path,
    ignore: Callable[[str, list[str]], set[str]],
    written: set[str],
    above: tuple[str, ...],
    hashing: _Hashing,
) -> list[tuple[str, str]]:
    """The files under `folder` as os.walk visits them (each folder's files, sorted, then
    its folders), symlinked folders followed unless they lead back to one `above`."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError:  # unreadable: the copy cannot hold it either
        return []
    skipped = ignore(str(folder), entries)
    dirs = [e for e in entries if e not in skipped and (folder / e).is_dir()]
    found = []
    for name in entries:
        path = folder / name
        relative = str(path.relative_to(root))
        if name in skipped or name in dirs or os.path.normpath(relative) in written:
            continue
        if not path.exists():  # a broken link: what it names is what the copy holds
            found.append((relative, hashlib.sha256(os.readlink(path).encode()).hexdigest()))
        else:
            found.append((relative, hashing.content(relative, path)))
    for name in dirs:
        real = os.path.realpath(folder / name)
        if real not in above:
            found += _walked(root, folder / name, ignore, written, (*above, real), hashing)
    return found


def _content(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def changed(before: Tree, after: Tree) -> list[str]:
    """The paths whose content differs between two trees, or that one of them lacks."""
    old, new = dict(before.files), dict(after.files)
    return sorted(p for p in {*old, *new} if old.get(p) != new.get(p))


def key_of(base: str, c: Configuration) -> str:
    return hashlib.sha256(f"{base}\0{c.id}".encode()).hexdigest()[:16]


def _editors(folder: str, name: str) -> bool:
    if SAVES.fullmatch(name):
        return True
    return LOCK.fullmatch(name) is not None and os.path.islink(os.path.join(folder, name))


def _left_out(root: Path) -> Callable[[str, list[str]], set[str]]:
    """shutil.copytree's ignore: mlgate's own folder, git's, DVC's cache, bytecode, an
    editor's marks."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).relative_to(root).as_posix()
        return {
            n
            for n in names
            if n in LEFT_OUT or f"{here}/{n}".removeprefix("./") in LEFT_OUT or _editors(folder, n)
        }

    return ignore
