"""What a request's records must look like: the training data's feature columns and
types, from the run that trained the model. Pure: a bad record is named by index and
field, for a 422 the caller can act on."""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from dataclasses import dataclass
from typing import Any, Literal

from mlgate import words
from mlgate.manifest.spec import Manifest
from mlgate.result.records import RunResult

Kind = Literal["number", "integer", "string", "boolean", "datetime", "date"]
MAX_RECORDS = 10_000


class TooMany(ValueError):
    """More records than one request may carry: the body is too large, not malformed."""


class InputError(ValueError):
    """A request that does not fit the schema: the message names the field."""


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str
    kind: Kind
    nullable: bool = True  # data.columns' `nullable: false` refuses a null with a 422
    # a datetime's as pandas reads it from the Parquet test file: its unit and time zone
    unit: str = "us"
    zone: str | None = None


@dataclass(frozen=True, kw_only=True)
class InputSchema:
    fields: tuple[Field, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def to_dict(self) -> dict[str, str]:
        return {f.name: f.kind for f in self.fields}

    def json_schema(self) -> dict[str, Any]:
        """A record's JSON Schema: a datetime is text in `format: date-time`, a date in
        `format: date`, as JSON Schema names ISO-8601's (RFC 3339) forms."""
        properties: dict[str, Any] = {}
        for f in self.fields:
            kind, form = _JSON[f.kind]
            said: dict[str, Any] = {"type": [kind, "null"] if f.nullable else kind}
            if form:
                said["format"] = form
            properties[f.name] = said
        return {
            "type": "object",
            "properties": properties,
            "required": self.names,
            "additionalProperties": False,
        }


_JSON: dict[str, tuple[str, str | None]] = {
    "number": ("number", None),
    "integer": ("integer", None),
    "string": ("string", None),
    "boolean": ("boolean", None),
    "datetime": ("string", "date-time"),
    "date": ("string", "date"),
}


def from_run(result: RunResult, manifest: Manifest) -> InputSchema:
    """The training file's columns, without the target and id (or the manifest's
    features), typed as the data engine read them; a Parquet file's datetime and date
    columns as the run read the test file for the model (pandas' datetime64 of the file's
    unit and time zone, `datetime.date`): they were served as text, which a model that
    takes dates refused in every request."""
    train = next((d for d in result.data.datasets if d.role == "train"), None)
    test = next((d for d in result.data.datasets if d.role == "test"), None)
    if train is None:
        raise InputError(f"run {result.run_id} has no training data summary to serve from")
    spec = manifest.data
    names = (
        list(spec.features)
        if spec.features is not None
        else [c for c in train.columns if c not in (spec.target, spec.id)]
    )
    refused = {c.name for c in spec.columns if not c.nullable}
    fields = []
    for n in names:
        read = test if test is not None and n in test.columns else train
        temporal = _temporal(read.columns[n]) if read.format == "parquet" else None
        if temporal is not None:
            kind, unit, zone = temporal
            fields.append(Field(name=n, kind=kind, nullable=n not in refused, unit=unit, zone=zone))
        else:
            fields.append(
                Field(name=n, kind=_kind(train.columns.get(n, "")), nullable=n not in refused)
            )
    return InputSchema(fields=tuple(fields))


_DATETIME = re.compile(r"Datetime\(time_unit='(\w+)', time_zone=(None|'[^']*')\)")


def _temporal(dtype: str) -> tuple[Kind, str, str | None] | None:
    """A Parquet column's datetime (polars' dtype as run.json records it: its unit and
    zone are those `pd.read_parquet` gives) or date; None: neither. (A CSV's and a JSON
    Lines file's dates are text to the run, as pandas reads them.)"""
    if dtype == "Date":
        return "date", "us", None
    found = _DATETIME.fullmatch(dtype)
    if found is None:
        return None
    zone = None if found[2] == "None" else found[2][1:-1]
    return "datetime", found[1], zone


def _kind(dtype: str) -> Kind:
    lowered = dtype.lower()
    if lowered.startswith(("int", "uint")):
        return "integer"
    if lowered.startswith(("float", "decimal")):
        return "number"
    if lowered == "boolean":
        return "boolean"
    return "string"


def validate(schema: InputSchema, body: Any) -> list[dict[str, Any]]:
    """`{"records": [{...}, ...]}` or a bare list: each record must have every feature,
    nothing else, each of its type (null allowed where the manifest does not declare the
    column `nullable: false`: the model decides what it makes of it).
    NaN, Infinity and -Infinity (and 1e999, which JSON parsers read as Infinity) are not
    JSON numbers: each is refused alike whatever the column, null being how to say
    "missing"."""
    records = body.get("records") if isinstance(body, dict) else body
    if not isinstance(records, list) or not records:
        raise InputError('send {"records": [{column: value, ...}, ...]} with at least one record')
    if len(records) > MAX_RECORDS:
        raise TooMany(f"{words.count(len(records), 'record')}; at most {MAX_RECORDS:,} a request")
    wanted = set(schema.names)
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise InputError(f"records[{i}] is not an object")
        missing = [n for n in schema.names if n not in record]
        if missing:
            raise InputError(f"records[{i}] is missing {_list(missing)}")
        extra = sorted(set(record) - wanted)
        if extra:
            raise InputError(
                f"records[{i}] has unknown field {_list(extra)} "
                f"(the model takes {_list(schema.names[:5])}"
                f"{', ...' if len(wanted) > 5 else ''})"
            )
        for f in schema.fields:
            value = record[f.name]
            if value is None and not f.nullable:
                raise InputError(
                    f"records[{i}].{f.name} may not be null (the manifest declares it "
                    "nullable: false)"
                )
            if isinstance(value, float) and not math.isfinite(value):
                past = "" if math.isnan(value) else ", or a number past a float's range (1e999)"
                raise InputError(
                    f"records[{i}].{f.name} is {_spelled(value)}, which is not a JSON number"
                    f"{past} (send null for a missing value)"
                )
            if _beyond(value, f.kind):  # 10**400 failed the whole batch it was scored in
                size = (
                    f"{value:g}" if isinstance(value, float) else f"{len(str(abs(value))):,} digits"
                )
                raise InputError(
                    f"records[{i}].{f.name} is too large for {_a(_STORED[f.kind])} ({size})"
                )
            if f.kind in ("datetime", "date"):
                if value is not None:
                    record[f.name] = _when(value, f, f"records[{i}].{f.name}")
            elif not _fits(value, f.kind):
                raise InputError(
                    f"records[{i}].{f.name} must be {_a(f.kind)}, not "
                    f"{type(record[f.name]).__name__} {record[f.name]!r:.40}"
                )
    return records


_EXAMPLE = {"datetime": "'2024-05-01T13:45:00'", "date": "'2024-05-01'"}
# what a datetime64[ns] holds (pandas' Timestamp.min and .max)
_NS = (dt.datetime(1677, 9, 21, 0, 12, 43, 145225), dt.datetime(2262, 4, 11, 23, 47, 16, 854775))


def _when(value: Any, f: Field, where: str) -> dt.datetime | dt.date:
    """ISO-8601 text as the datetime or date it says (put in the record in its place, for
    the model's frame): anything else, a time zone where the model's column has none (or
    none where it has one), a datetime64[ns] cannot hold, is refused naming the field."""
    what = "date" if f.kind == "date" else "date and time"
    if not isinstance(value, str):
        raise InputError(
            f"{where} must be an ISO-8601 {what} ({_EXAMPLE[f.kind]}), not "
            f"{type(value).__name__} {value!r:.40}"
        )
    try:
        if f.kind == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{where} is not an ISO-8601 {what}: {value!r:.40}") from None
    if when.tzinfo is not None and f.zone is None:
        raise InputError(
            f"{where} has a UTC offset ({value!r:.40}), but the model was given times "
            "without a time zone: send the time as the training data hold it"
        )
    if when.tzinfo is None and f.zone is not None:
        raise InputError(
            f"{where} has no UTC offset ({value!r:.40}): the model was given times in "
            f"{f.zone}; add one ('Z', '+02:00')"
        )
    naive = when if when.tzinfo is None else when.astimezone(dt.UTC).replace(tzinfo=None)
    if f.unit == "ns" and not _NS[0] <= naive <= _NS[1]:
        raise InputError(f"{where} is out of the range a datetime64[ns] holds: {value!r:.40}")
    return when


_STORED: dict[str, str] = {"integer": "64-bit integer", "number": "float"}


def _beyond(value: Any, kind: Kind) -> bool:
    """A whole number the model's columns cannot hold: JSON's are as long as written, and
    1e19 is whole too (it was scored as whatever the cast made of it)."""
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return not -(2**63) <= value < 2**63
    if isinstance(value, bool) or not isinstance(value, int) or kind not in _STORED:
        return False
    return not -(2**63) <= value < 2**63 if kind == "integer" else abs(value) > sys.float_info.max


def _fits(value: Any, kind: Kind) -> bool:
    if value is None:
        return True
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float)
    return isinstance(value, str)


def _spelled(value: float) -> str:
    """A non-finite number as JSON's extensions spell it."""
    return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"


def _list(names: list[str]) -> str:
    """Names as an answer can carry them: a key sent as an unpaired surrogate ("\\ud800")
    made the 422 that repeated it a 500, as JSON in UTF-8 cannot hold it; a long one, or
    thousands, are cut."""
    shown = [n.encode("utf-8", "backslashreplace").decode("utf-8") for n in names[:10]]
    return words.first([f"'{n[:80]}{'...' if len(n) > 80 else ''}'" for n in shown], len(names))


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
