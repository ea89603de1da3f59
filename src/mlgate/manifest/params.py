"""The params file (train.params, else params.yaml), read with the manifest's safety.

It is YAML as DVC reads it (1.2 core schema; merge keys allowed, since params files use
them), with the same limits as the manifest, so a small alias bomb or a 5000-digit
number is a located problem, not a hang or a traceback. The run records it flattened
as `dvc params diff` shows it: {"train": {"C": 1}} -> {"train.C": 1}.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlgate import files, yaml_source
from mlgate.errors import ManifestError, Problem, UserError

MAX_BYTES = 8 * 2**20
MAX_VALUES = 200_000  # a grid of hyper-parameters, not a data set


def problems(root: Path, relative: str | None, manifest_name: str) -> list[Problem]:
    """What is wrong inside the params file, for `validate`; a file that is missing or
    not a file is the manifest's problem (`train.params`), reported there."""
    if relative is None:
        return []
    path = root / relative
    try:
        if files.not_a_file(path):
            return []
    except OSError:
        return []
    name = os.path.normpath(os.path.join(os.path.dirname(manifest_name), relative))
    try:
        return _document(path, name).problems
    except yaml_source.YamlProblems as exc:
        return exc.problems
    except UserError as exc:  # too large, unreadable
        return [Problem(file=name, line=1, column=1, path="", message=str(exc))]


def read(root: Path, relative: str | None) -> dict[str, Any]:
    """The params, flattened; a ManifestError locates anything wrong in the file."""
    return flatten(nested(root, relative))


def nested(root: Path, relative: str | None) -> dict[str, Any]:
    """The params as the file nests them (a key may hold a dot: `read` would not say)."""
    if relative is None:
        return {}
    path = root / relative
    files.require_regular(path, "train.params", relative)
    try:
        doc = _document(path, relative)
    except yaml_source.YamlProblems as exc:
        raise ManifestError(exc.problems, subject=f"the params file {relative}") from exc
    if doc.problems:
        raise ManifestError(doc.problems, subject=f"the params file {relative}")
    return doc.data if isinstance(doc.data, dict) else {}


def _document(path: Path, name: str) -> yaml_source.Document:
    raw = files.read_bytes(path, limit=MAX_BYTES, name=name)
    return yaml_source.load_bytes(
        raw, name, what="params file", max_bytes=MAX_BYTES, max_values=MAX_VALUES, merge_keys=True
    )


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
