"""JSON that someone else wrote (a fork's artifact, a run.json from another branch), read so
that no byte of it can do more than be refused.

The size is checked before anything is parsed; NaN, Infinity, numbers past a double's range,
integers of more than 18 digits and nesting past a fixed depth are refused by the parser;
then the document's JSON Schema decides. Every refusal is a UserError (exit 2) that names
the file and the field, never a traceback from whichever reader met the field first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import words
from mlgate.errors import UserError

if TYPE_CHECKING:
    import jsonschema_rs
    from jsonschema.protocols import Validator

MAX_DEPTH = 32  # run.json nests 6 deep; params may nest lists a little
MAX_INT_DIGITS = 18
SHOWN = 120  # characters of a refused value quoted back


class Refused(ValueError):
    """What the parser refused, and where in the text."""


def read(path: Path, *, limit: int, what: str) -> bytes:
    """A file's bytes, refused unread past `limit`."""
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise UserError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise UserError(
            f"{what} {path} is over {limit:,} bytes: refused unread",
            hint="mlgate writes none this big",
        )
    return data


def parse(data: bytes | str, *, limit: int, source: str, what: str) -> Any:
    """Strict JSON within `limit` bytes: what a JSON parser in any language reads the same."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace"))
    if size > limit:
        raise UserError(f"{source} is over {limit:,} bytes: not read as {what}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
        _depth(value)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError too
        said = str(exc) if isinstance(exc, ValueError) else "it nests too deep"
        raise UserError(f"{source} is not a valid {what}: {said}") from exc
    return value


def check(value: Any, schema: Mapping[str, Any], *, source: str, what: str) -> None:
    """Refuse `value` unless it matches `schema` (which has an `$id`), naming the first field
    at fault."""
    found = _first_error(value, schema)
    if found is None:
        return
    path, message = found
    where = ".".join(str(p) for p in path) or "the top level"
    raise UserError(
        f"{source} is not a valid {what}: at {where}: {_short(message)}",
        hint=f"the {what} is checked against its schema before anything reads "
        "it; this one was not written by this mlgate, or was changed since",
    )


def _first_error(value: Any, schema: Mapping[str, Any]) -> tuple[list[str | int], str] | None:
    """(path, message) of the first violation, or None. jsonschema-rs is fast either way
    (docs/benchmarks.md); `jsonschema` judges what it cannot convert."""
    fast = _fast(schema["$id"], schema)
    try:
        if fast is not None:
            error = next(iter(fast.iter_errors(value)), None)
            return None if error is None else (list(error.instance_path), error.message)
    except Exception:  # a value it cannot convert: jsonschema judges it
        pass
    from jsonschema.exceptions import best_match

    slow = best_match(_explaining(schema["$id"], schema).iter_errors(value))
    return None if slow is None else (list(slow.absolute_path), slow.message)


_validators: dict[str, jsonschema_rs.Validator | None] = {}
_explainers: dict[str, Validator] = {}


def _explaining(key: str, schema: Mapping[str, Any]) -> Validator:
    if key not in _explainers:
        from jsonschema import Draft202012Validator

        _explainers[key] = Draft202012Validator(schema)
    return _explainers[key]


def _fast(key: str, schema: Mapping[str, Any]) -> jsonschema_rs.Validator | None:
    """jsonschema-rs says yes fast (docs/benchmarks.md); `jsonschema` explains a no."""
    if key not in _validators:
        try:
            import jsonschema_rs
        except ImportError:  # pragma: no cover (a dependency; jsonschema still judges)
            _validators[key] = None
        else:
            _validators[key] = jsonschema_rs.validator_for(dict(schema))
    return _validators[key]


def _constant(name: str) -> Any:
    raise Refused(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Refused(f"{_short(text)} is past a number's range")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise Refused(f"the integer {_short(text)} has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _depth(value: Any) -> None:
    """Refuse nesting past MAX_DEPTH, without recursion."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Refused(f"it nests more than {MAX_DEPTH} deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _short(text: str) -> str:
    return words.clip(text, SHOWN)
