"""A configuration's copy of the project: the files copied, its values written into the
copy's params file in that file's own format, and what its project hashes to (a sweep
resumes a configuration whose project, params and values hash to a finished run)."""

from __future__ import annotations

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


def _outside(root: Path, named: str) -> Path | None:
    if "://" in named:
        return None
    path = Path(os.path.normpath(root / named))
    return None if path.is_relative_to(os.path.normpath(root)) else path


def write_params(manifest: Manifest, values: Mapping[str, Any]) -> None:
    """The configuration's values into the copy's params file, by path (`train.C`), in
    the file's own format: a JSON file written as YAML broke scripts that read it with
    `json.load`."""
    import yaml

    from mlgate.manifest.build import DEFAULT_PARAMS

    path = manifest.resolve(manifest.train.params or DEFAULT_PARAMS)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for dotted, value in values.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(_held_key(node, part), {})
        node[_held_key(node, last)] = value
    if path.suffix.lower() == ".json":
        atomic.write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        atomic.write_text(path, _yaml_1_2(data))


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}  # 1.2's, and 1.1's


def _yaml_1_2(data: Any) -> str:
    """PyYAML writes YAML 1.1, leaving "1e3" plain, which the params reader (YAML 1.2, as
    DVC reads it) took back as 1000.0: a text is quoted unless it is a plain word."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        plain = _PLAIN.fullmatch(value) is not None and value.lower() not in _WORDS
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain else '"')

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)


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
