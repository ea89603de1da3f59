"""Metrics files as DVC keeps them (JSON or YAML), so DVC users keep theirs.

Nested keys flatten with dots, as `dvc metrics show` prints them. A comparison uses
the numbers; `dvc metrics diff` also shows strings and booleans, so `leaves` keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mlgate.errors import UserError


def parse(text: str | bytes, *, source: str) -> dict[str, int | float]:
    """Flattened numeric leaves of a metrics file; a clear error for anything else."""
    return {k: v for k, v in leaves(text, source=source).items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


def leaves(text: str | bytes, *, source: str) -> dict[str, Any]:
    """Every scalar leaf, flattened and sorted, as DVC shows them (lists and nulls left out)."""
    loaded = _load(text, source)
    if not isinstance(loaded, Mapping):
        raise UserError(f"{source}: a metrics file holds a mapping of names to numbers, "
                        f"found {type(loaded).__name__}")
    return dict(sorted(_scalars(loaded)))


def _load(text: str | bytes, source: str) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserError(f"{source}: not a metrics file (not UTF-8 text)") from exc
    if source.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise UserError(f"{source}: not valid JSON: {exc}") from exc
    import yaml  # YAML is a superset of JSON: other names read either

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1})" if where is not None else ""
        raise UserError(f"{source}: neither JSON nor YAML{at}: "
                        f"{getattr(exc, 'problem', None) or exc}") from exc


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
            found.update([entry] if isinstance(entry, str) else
                         [k for k in entry if isinstance(k, str)] if isinstance(entry, dict)
                         else [])
    return found
