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

from mlgate import __version__
from mlgate.errors import UserError
from mlgate.result import strict
from mlgate.result.records import Predictions, RunResult

# a million test rows' predictions take about 30 MB of two classes, 110 MB of ten (the
# scores kept as float64): 4.7 million rows of ten classes fit
MAX_BYTES = 512 * 1024 * 1024
# the predictions' arrays decoded: about what MAX_BYTES of a real run holds (its row keys,
# hashes that do not compress, take 11 bytes a row: 25 million rows, 1 GB decoded)
MAX_DECODED = 2 * 1024**3
WHAT = "mlgate run result"
T = typing.TypeVar("T")


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


def loads(text: str | bytes, *, source: str = "run result") -> RunResult:
    """A run result as its schema describes it, or a UserError naming the field at fault.

    run.json may come from a fork or from another branch: nothing reads it before it is
    checked whole (size, strict JSON, the schema, the predictions' arrays), so a reader
    can trust every field's type, range and pattern."""
    data = strict.parse(text, limit=MAX_BYTES, source=source, what=WHAT)
    try:
        strict.check(data, schema(), source=source, what=WHAT)
    except UserError as exc:
        newer = _newer(data)
        if newer is None:
            raise
        raise UserError(
            f"{source} was written by mlgate {newer}, newer than this {__version__}, which "
            f"cannot read it ({exc.message.removeprefix(f'{source} is not a valid {WHAT}: ')})",
            hint=f"upgrade mlgate to {newer} or later where this file is read",
        ) from exc
    try:
        result = from_dict(RunResult, data)
    except (ValueError, KeyError, TypeError) as exc:  # pragma: no cover (the schema's job)
        raise UserError(f"{source} is not a valid {WHAT}: {exc}") from exc
    if result.evaluate.predictions is not None:
        problem = _predictions_problem(result.evaluate.predictions)
        if problem:
            raise UserError(f"{source} is not a valid {WHAT}: at evaluate.predictions: {problem}")
    return result


def _newer(data: Any) -> str | None:
    """The mlgate a refused document says wrote it, when that is a later release than this
    one: its new fields are not an error of the file, and the remedy is an upgrade."""
    import semver

    written = data.get("mlgate_version") if isinstance(data, dict) else None
    if not isinstance(written, str):
        return None
    try:
        newer = semver.Version.parse(written) > semver.Version.parse(__version__)
    except ValueError:
        return None
    return written if newer else None


def too_many_decoded(p: Predictions) -> str:
    """ "3.2 GiB decoded, over the 2 GiB": the predictions' arrays past what a reader decodes,
    by their shapes; "" within it."""
    import math

    import numpy as np

    encoded_all = [
        p.row_keys,
        p.y_true,
        p.y_pred,
        p.scores,
        *(c.values for c in p.columns.values()),
    ]
    try:
        claimed = sum(
            math.prod(e.shape) * np.dtype(e.dtype).itemsize for e in encoded_all if e is not None
        )
    except TypeError:
        return ""  # a dtype that is not one: decode says so, naming the array
    if claimed <= MAX_DECODED:
        return ""
    return f"{claimed / 2**30:,.1f} GiB decoded, over the {MAX_DECODED // 2**30} GiB"


def _predictions_problem(p: Predictions) -> str:
    """What the schema cannot say: the arrays agree with `rows` and `classes`, and decode
    to exactly the bytes their shape needs, at most MAX_DECODED together (a shape is only
    a claim: 3 MB of zeros said 100 million rows, and took 3 GB)."""
    from mlgate.result import arrays

    too_many = too_many_decoded(p)
    if too_many:
        return f"its arrays would take {too_many}"
    classes = len(p.classes) if p.classes is not None else None
    expected: dict[str, tuple[int, ...]] = {
        "row_keys": (p.rows,),
        "y_true": (p.rows,),
        "y_pred": (p.rows,),
    }
    if p.scores is not None:
        expected["scores"] = (p.rows, classes if classes is not None else -1)
    for name, shape in expected.items():
        encoded = getattr(p, name)
        if len(encoded.shape) != len(shape) or any(
            want not in (-1, got) for want, got in zip(shape, encoded.shape, strict=True)
        ):
            return f"{name} has shape {list(encoded.shape)}, not {list(shape)} (rows, classes)"
        try:
            values = arrays.decode(encoded)
        except ValueError as exc:
            return f"{name}: {exc}"
        if (
            classes is not None
            and name in ("y_true", "y_pred")
            and values.size
            and (values.dtype.kind not in "iu" or values.min() < -1 or values.max() >= classes)
        ):
            return f"{name} holds class indices outside -1..{classes - 1}"
    for name, column in p.columns.items():
        where = f"columns.{name}"
        if list(column.values.shape) != [p.rows]:
            return f"{where} has shape {list(column.values.shape)}, not [{p.rows}] (rows)"
        try:
            values = arrays.decode(column.values)
        except ValueError as exc:
            return f"{where}: {exc}"
        if column.labels is None:
            if values.dtype.kind != "f":
                return f"{where} holds numbers of dtype {values.dtype.str}, not floats"
        elif values.dtype.kind not in "iu" or (
            values.size and (values.min() < -1 or values.max() >= len(column.labels))
        ):
            return f"{where} holds codes outside -1..{len(column.labels) - 1}"
    return ""


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild a dataclass of type `cls` from JSON data."""
    built: T = _build(cls, data)
    return built


def _build(cls: Any, data: Any) -> Any:
    """A value of `cls`, a dataclass or a typing construct (`int | None`, `tuple[str, ...]`),
    which is not always a class: hence Any."""
    origin = typing.get_origin(cls)
    if isinstance(cls, type) and dataclasses.is_dataclass(cls):
        hints = _hints(cls)
        kwargs = {
            f.name: _build(hints[f.name], data[f.name])
            for f in dataclasses.fields(cls)
            if f.name in data
        }
        return cls(**kwargs)
    if origin in (types.UnionType, typing.Union):
        if data is None:
            return None
        for arg in typing.get_args(cls):
            if arg is not type(None):
                return _build(arg, data)
    if origin is tuple:
        args = typing.get_args(cls)
        inner = args[0] if args else Any
        return tuple(_build(inner, v) for v in data)
    if origin in (dict, collections.abc.Mapping) or cls is dict:
        args = typing.get_args(cls)
        inner = args[1] if len(args) == 2 else Any
        return {k: _build(inner, v) for k, v in data.items()}
    if cls is int and isinstance(data, float):  # JSON Schema's integer admits 114.0
        return int(data)
    return data


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def schema() -> dict[str, Any]:
    """The run result's JSON Schema, as shipped inside the package."""
    # beside this module; importlib.resources would cost more than the whole validation
    loaded: dict[str, Any] = json.loads(Path(__file__).with_name("schema.json").read_text("utf-8"))
    return loaded
