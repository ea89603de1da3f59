"""Metrics files as DVC keeps them (JSON or YAML), so DVC users keep theirs.

Nested keys flatten with dots, as `dvc metrics show` prints them. A comparison uses
the numbers; `dvc metrics diff` also shows strings and booleans, so `leaves` keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mlgate.errors import UserError

MAX_BYTES = 8 * 2**20
MAX_VALUES = 200_000


def parse(text: str | bytes, *, source: str) -> dict[str, int | float]:
    """Flattened numeric leaves of a metrics file; a clear error for anything else."""
    return {
        k: v
        for k, v in leaves(text, source=source).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def leaves(text: str | bytes, *, source: str) -> dict[str, Any]:
    """Every scalar leaf, flattened and sorted, as DVC shows them (lists and nulls left out)."""
    loaded = _load(text, source)
    if not isinstance(loaded, Mapping):
        raise UserError(
            f"{source}: a metrics file holds a mapping of names to numbers, "
            f"found {type(loaded).__name__}"
        )
    return dict(sorted(_scalars(loaded)))


def _load(text: str | bytes, source: str) -> Any:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if source.endswith(".json"):
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise UserError(f"{source}: not a metrics file (not UTF-8 text)") from exc
        except (ValueError, RecursionError) as exc:  # nesting past the parser's stack
            raise UserError(f"{source}: not valid JSON: {exc}") from exc
    return read_yaml(raw, source, what="metrics file")  # YAML reads JSON too


def read_yaml(raw: bytes, source: str, *, what: str) -> Any:
    """A DVC file's data, read with the manifest's limits; a UserError says where it is
    wrong (`source` names the file and the revision)."""
    from mlgate import yaml_source

    try:
        doc = yaml_source.load_bytes(
            raw, source, what=what, max_bytes=MAX_BYTES, max_values=MAX_VALUES, merge_keys=True
        )
    except yaml_source.YamlProblems as exc:
        raise UserError(_located(exc.problems)) from exc
    if doc.problems:
        raise UserError(_located(doc.problems))
    return doc.data


def _located(problems: list[Any]) -> str:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (
        f"{first.file}: line {first.line}, column {first.column}: "
        f"{first.path + ': ' if first.path else ''}{first.message}{more}"
    )


def _scalars(tree: Mapping[Any, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found += _scalars(value, f"{name}.")
        elif isinstance(value, str | int | float | bool):
            found.append((name, value))
    return found


def dvc_metrics_paths(dvc_yaml: Any) -> set[str]:
    """Metrics files a dvc.yaml declares: top-level `metrics:` and each stage's."""
    found: set[str] = set()
    if not isinstance(dvc_yaml, dict):
        return found
    found.update(p for p in dvc_yaml.get("metrics", []) or [] if isinstance(p, str))
    for stage in (dvc_yaml.get("stages") or {}).values():
        for entry in (stage or {}).get("metrics", []) or []:
            found.update(
                [entry]
                if isinstance(entry, str)
                else [k for k in entry if isinstance(k, str)]
                if isinstance(entry, dict)
                else []
            )
    return found
