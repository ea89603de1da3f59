"""RunResult <-> its JSON document (schema in schema.json beside this module).

Dataclass fields map one to one onto JSON keys, in declaration order, so the
document is deterministic and reading it back needs no hand-written mapping.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import json
import math
import types
import typing
from pathlib import Path
from typing import Any

from mlgate.errors import UserError
from mlgate.result.model import RunResult


def to_dict(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_dict(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict | types.MappingProxyType):
        return {str(k): to_dict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_dict(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN; a metric that is not a number is recorded as missing
    if hasattr(value, "item") and callable(value.item):  # NumPy scalars
        return to_dict(value.item())
    return value


def dumps(result: RunResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def loads(text: str, *, source: str = "run result") -> RunResult:
    try:
        return from_dict(RunResult, json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{source} is not a valid mlgate run result: {exc}") from exc


def from_dict(cls: Any, data: Any) -> Any:
    """Rebuild a value of type `cls` (a dataclass or a typing construct) from JSON data."""
    origin = typing.get_origin(cls)
    if dataclasses.is_dataclass(cls):
        hints = _hints(cls)
        kwargs = {
            f.name: from_dict(hints[f.name], data[f.name])
            for f in dataclasses.fields(cls)
            if f.name in data
        }
        return cls(**kwargs)
    if origin in (types.UnionType, typing.Union):
        if data is None:
            return None
        for arg in typing.get_args(cls):
            if arg is not type(None):
                return from_dict(arg, data)
    if origin is tuple:
        args = typing.get_args(cls)
        inner = args[0] if args else Any
        return tuple(from_dict(inner, v) for v in data)
    if origin in (dict, collections.abc.Mapping) or cls is dict:
        args = typing.get_args(cls)
        inner = args[1] if len(args) == 2 else Any
        return {k: from_dict(inner, v) for k, v in data.items()}
    return data


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def schema() -> dict[str, Any]:
    """The run result's JSON Schema, as shipped inside the package."""
    # beside this module; importlib.resources would cost more than the whole validation
    return json.loads(Path(__file__).with_name("schema.json").read_text("utf-8"))
