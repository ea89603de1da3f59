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
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import atomic
from mlgate.manifest.spec import Manifest
from mlgate.sweep.space import Configuration

if TYPE_CHECKING:
    from mlgate.result.records import RunResult

LEFT_OUT = (".git", ".mlgate", ".dvc/cache", "__pycache__")  # never copied into a configuration


def run_copy(source: Path, work: Path, params: Mapping[str, Any]) -> tuple[Manifest, RunResult]:
    """The project of the manifest `source` copied to `work` (what LEFT_OUT names left
    out), the values written into the copy's params file, and the copy run."""
    from mlgate import manifest as manifests
    from mlgate import pipeline

    root = source.parent
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(root, work, ignore=_left_out(root), symlinks=True)
    # the files were looked for in the project (`sweep` loads its manifest): here, data it
    # names outside the project would be looked for beside the copy
    copy = work / source.name
    copied = manifests.parse(copy.read_bytes(), name=str(copy), root=work, path=copy, files=False)
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


DATA_ROLES = ("train", "test", "reference")


def outside(manifest: Manifest) -> list[Path]:
    """The data files the manifest names outside its project (`/data/train.csv`,
    `../common/test.csv`): a configuration's copy reads them where they are, and the
    sweep's fingerprint holds their content, or a changed file was "not run again"."""
    prepared = manifest.outputs()
    named = [getattr(manifest.data, role) for role in DATA_ROLES]
    found = [_outside(manifest.root, n) for n in named if n is not None and n not in prepared]
    return [f for f in found if f is not None]


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


def fingerprint(root: Path, outputs: Sequence[str] = (), outside: Sequence[Path] = ()) -> str:
    """The project as a configuration's copy would hold it: every file's path and content,
    but what a run writes (`outputs`: the model, prepared data), which each configuration
    writes afresh: a `mlgate run` between two sweeps would otherwise run every one again;
    and the data files it reads from `outside` the project."""
    digest = hashlib.sha256()
    for path in outside:
        digest.update(str(path).encode() + b"\0")
        if path.is_file():
            with path.open("rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())
    ignore = _left_out(root)
    written = {os.path.normpath(o) for o in outputs}
    for folder, dirs, names in os.walk(root):
        skipped = ignore(folder, dirs + names)
        skipped |= {n for n in names if os.path.relpath(Path(folder) / n, root) in written}
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        for name in sorted(n for n in names if n not in skipped):
            path = Path(folder) / name
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            with path.open("rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()


def key_of(base: str, c: Configuration) -> str:
    return hashlib.sha256(f"{base}\0{c.id}".encode()).hexdigest()[:16]


def _left_out(root: Path) -> Callable[[str, list[str]], set[str]]:
    """shutil.copytree's ignore: mlgate's own folder, git's, DVC's cache, bytecode."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).relative_to(root).as_posix()
        return {n for n in names if n in LEFT_OUT or f"{here}/{n}".removeprefix("./") in LEFT_OUT}

    return ignore
