"""What `type:` accepts for each engine dtype, and how text columns are parsed to tell.

CSV and JSON carry text, so a text column passes a typed check when every non-null value
parses as that type; other dtypes are judged by the dtype alone.

- integer: an integer dtype, or a float/decimal column whose values are all whole.
- number: any numeric dtype (booleans are not numbers).
- string: text however it is stored: String, Categorical or Enum.
- category: text, or an integer dtype (codes).
- boolean: the Boolean dtype, or text whose values are only true/false in any case
  (pandas writes True/False; YAML and JSON write true/false).
- datetime: Date or Datetime, or text that parses as ISO 8601 (2024-01-31,
  2024-01-31T10:00[:00[.5]], the same with a space, or with an offset such as Z or
  +01:00), or in the one format polars infers from the column (31/01/2024: polars reads
  slashes day first, so 01/31/2024 fails); a column mixing non-ISO formats fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

WANTED = {
    "integer": "an integer type",
    "number": "a numeric type",
    "string": "text",
    "category": "text or integer codes",
    "boolean": "boolean",
    "datetime": "a date or datetime",
}
ISO_DATETIMES = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    # with an offset (Z, +01:00, +0100); pandas writes aware datetimes with a space
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M%#z",
    "%Y-%m-%d %H:%M%#z",
)


@dataclass(frozen=True, kw_only=True)
class Parse:
    """Rows to count before the type check can pass: values that are not of the type."""

    offending: pl.Expr
    found: str  # "are not whole numbers"
    holds: str  # "are whole numbers"
    count: pl.Expr | None = None  # a cheaper way to count the offending rows


def is_text(dtype: pl.DataType) -> bool:
    return dtype.base_type() in (pl.String, pl.Categorical, pl.Enum)


def name(dtype: pl.DataType) -> str:
    """Short dtype name for messages: "Datetime", not its time unit and zone."""
    return str(dtype.base_type()) if dtype.is_temporal() else str(dtype)


def holds(dtype: pl.DataType) -> str:
    """What a column of this dtype holds, for a rule that does not apply to it: "text
    (String)", "numbers (Int64)", "true/false values (Boolean)"."""
    if is_text(dtype):
        kind = "text"
    elif dtype == pl.Boolean:
        kind = "true/false values"
    elif dtype.is_numeric():
        kind = "numbers"
    elif dtype.base_type() in (pl.Date, pl.Datetime):
        kind = "dates"
    elif dtype == pl.Null:
        kind = "no values"
    else:
        return f"values of type {name(dtype)}"
    return f"{kind} ({name(dtype)})"


def judge(kind: str, dtype: pl.DataType, base: pl.Expr) -> bool | Parse:
    """True/False when the dtype decides; a Parse when values must be counted."""
    if dtype == pl.Null:
        return True  # no values, nothing of the wrong type
    if kind == "integer":
        if dtype.is_integer():
            return True
        if dtype.is_float() or dtype.is_decimal():
            return _whole(base, base.cast(pl.Float64), "are not whole numbers", "are whole numbers")
        if dtype == pl.String:
            return _whole(
                base,
                base.cast(pl.Float64, strict=False),
                "do not parse as integers",
                "parse as integers",
            )
        return False
    if kind == "number":
        if dtype.is_numeric():
            return True
        if dtype == pl.String:
            parsed = base.cast(pl.Float64, strict=False).is_not_null()
            return Parse(
                offending=_bad(base, parsed),
                found="do not parse as numbers",
                holds="parse as numbers",
            )
        return False
    if kind == "string":
        return is_text(dtype)
    if kind == "category":
        return is_text(dtype) or dtype.is_integer()
    if kind == "boolean":
        if dtype == pl.Boolean:
            return True
        if dtype == pl.String:
            parsed = base.str.to_lowercase().is_in(["true", "false"])
            return Parse(
                offending=_bad(base, parsed),
                found="are not true or false",
                holds="are true or false",
            )
        return False
    if kind == "datetime":
        if dtype.base_type() in (pl.Date, pl.Datetime):
            return True
        if dtype == pl.String:
            return Parse(
                offending=_bad(base, _parses_as_date(base)),
                found="do not parse as dates or datetimes",
                holds="parse as dates",
                count=_not_dates(base),
            )
        return False
    raise ValueError(f"unknown column type {kind!r}")  # the schema admits no other


def _whole(base: pl.Expr, values: pl.Expr, found: str, holds: str) -> Parse:
    whole = values.is_finite() & (values == values.floor())
    return Parse(offending=_bad(base, whole), found=found, holds=holds)


def _parses_as_date(text: pl.Expr) -> pl.Expr:
    return _inferred(text) | _iso(text)


def _inferred(text: pl.Expr) -> pl.Expr:
    """Parses in the column's own format, which polars infers from its first value."""
    return (
        text.str.to_datetime(strict=False).is_not_null()
        | text.str.to_date(strict=False).is_not_null()
    )


def _iso(text: pl.Expr) -> pl.Expr:
    parsed = [
        text.str.to_date("%Y-%m-%d", strict=False),
        *(text.str.to_datetime(f, strict=False) for f in ISO_DATETIMES),
    ]
    return pl.any_horizontal(p.is_not_null() for p in parsed)


def iso_dates(values: pl.Series) -> bool:
    """Every value an ISO 8601 date or date and time (init seeds such a column datetime)."""
    return bool(pl.select(_iso(pl.lit(values)).all()).item())


def _not_dates(text: pl.Expr) -> pl.Expr:
    """How many values `_parses_as_date` refuses, with the nine ISO formats tried only on the
    values the column's own format leaves (mostly none: a column holds one format). 1M
    datetimes as text: 2.3 s with every format tried on every value, 0.6 s so. The rest is
    one list, so that it is computed once, not once per format; the column's own format is
    inferred from the whole column, as `_parses_as_date` infers it."""
    rest = text.filter(text.is_not_null() & ~_inferred(text))
    return rest.implode().list.eval((~_iso(pl.element())).sum()).list.first()


def _bad(base: pl.Expr, ok: pl.Expr) -> pl.Expr:
    """Present and not ok; a null from a failed parse counts as not ok."""
    return base.is_not_null() & ~ok.fill_null(False)


def _text_as_datetime(text: pl.Series) -> pl.Series:
    """The column's own format (polars infers it), then the ISO forms, tried only on what
    that left: mixed columns are rare, and each form tried on every value cost 0.15 s a
    million. Times without an offset are taken as UTC."""
    utc = pl.Datetime("us", "UTC")
    parsed = text.str.to_datetime(strict=False, time_unit="us", time_zone="UTC")
    left = parsed.is_null() & text.is_not_null()
    if left.any():
        rest = text.filter(left)
        found = pl.select(
            pl.coalesce(
                rest.str.to_date("%Y-%m-%d", strict=False).cast(utc),
                *(
                    rest.str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC")
                    for f in ISO_DATETIMES
                ),
            )
        ).to_series()
        parsed = parsed.scatter(left.arg_true(), found)
    return parsed.dt.replace_time_zone(None)


def as_datetime(base: pl.Expr, dtype: pl.DataType) -> pl.Expr | None:
    """A date column's values as naive UTC datetimes, text parsed as the type check parses
    it; None when the column holds no dates."""
    if dtype.base_type() == pl.Date:
        return base.cast(pl.Datetime("us"))
    if dtype.base_type() == pl.Datetime:
        if getattr(dtype, "time_zone", None):
            return (
                base.dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(pl.Datetime("us"))
            )
        return base.cast(pl.Datetime("us"))
    if dtype == pl.String:  # every value the type check takes, an offset converted to UTC
        return base.map_batches(
            _text_as_datetime, return_dtype=pl.Datetime("us"), is_elementwise=True
        )
    return None
