"""Checks across a file's columns or across files: row expressions, class balance of the
target, one schema for every file, and how fresh the newest timestamp is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial

import polars as pl

from mlgate import words
from mlgate.data import column_checks, dataset_checks, frames, phrases, type_checks
from mlgate.data.column_checks import Counted, Planned
from mlgate.data.frames import Table
from mlgate.manifest import sql_words
from mlgate.manifest.spec import Data, Freshness
from mlgate.result.records import CheckResult


def expressions(
    role: str, texts: tuple[str, ...], shape: pl.DataFrame | None = None
) -> list[Planned]:
    """Each SQL expression as a counted check: a row fails when it makes it false (null,
    unknown, is no failure, as in a SQL CHECK constraint). A column it reads that the
    file (`shape`, its columns and types) lacks is named with the closest it has, where
    polars said "unable to find column" alone; an expression that is no condition on
    those types is an error before any row is read (`sql_words.judged_on`)."""
    planned: list[Planned] = []
    columns = shape.columns if shape is not None else None
    for i, text in enumerate(texts):
        key = f"data.checks.expressions[{i}]"
        parsed = sql_words.condition(text)
        absent = (
            [c for c in parsed.meta.root_names() if c not in columns]
            if columns is not None and not isinstance(parsed, str)
            else []
        )
        if absent:
            parsed = column_checks.missing(absent[0], list(columns or ()))
        elif shape is not None and not isinstance(parsed, str):
            parsed = sql_words.judged_on(parsed, shape) or parsed
        if isinstance(parsed, str):
            planned.append(
                CheckResult(
                    id=f"data.{role}.expressions[{i}]",
                    stage="data",
                    subject=role,
                    rule=text,
                    status="error",
                    message=parsed,
                    manifest_key=key,
                )
            )
            continue
        planned.append(
            Counted(
                id=f"data.{role}.expressions[{i}]",
                subject=role,
                rule=text,
                manifest_key=key,
                offending=~parsed.fill_null(True),
                judged=pl.len(),
                found=f"make {text} false",
                holds=f"satisfy {text}",
            )
        )
    return planned


def target_balance(role: str, frame: Table, target: str, low: float) -> CheckResult:
    """Every class of the target at least `low` of the rows that have one: a row missing
    its target is no class, and a classifier learns nothing from it (the message counts
    them apart, so a share of 170 rows in a file of 200 is no puzzle)."""
    result = _result(
        f"data.{role}.target_balance",
        role,
        f"each class of {target} >= {phrases.fraction(low)}",
        "data.checks.target_balance.min_fraction",
    )
    schema = frames.schema(frame)
    columns = schema.names()
    if target not in columns:
        return result(status="error", message=column_checks.missing(target, columns))
    if schema[target].is_float():  # whole numbers stored as 0.0 and 1.0 are classes still
        fractional = (pl.col(target) != pl.col(target).round(0)).any()
        if frames.collected(frame.select(fractional)).item():
            return result(
                status="error",
                message=f"{target} holds numbers with fractions, a regression's target: "
                "class balance applies to a classifier's classes",
            )
    counted = frame.select(pl.col(target).value_counts(sort=True))
    everything = frames.collected(counted).unnest(target)
    counts = everything.filter(pl.col(target).is_not_null())
    total = int(counts["count"].sum())
    lacking = int(everything["count"].sum()) - total
    if total == 0:
        return result(status="error", message=f"{target} has no values")
    uncounted = f"; {words.count(lacking, 'row')} without {target} not counted" if lacking else ""
    rare = [(value, int(n)) for value, n in counts.iter_rows() if n / total < low]
    classes = words.count(counts.height, "class")
    if not rare:
        smallest = int(counts["count"].min())  # type: ignore[arg-type]
        return result(
            status="passed",
            message=f"{classes}; the smallest has "
            f"{phrases.share(smallest, total, bound=low)}{uncounted}",
            observed=round(smallest / total, 6),
        )
    shown = words.first(
        [
            f"class {phrases.example(v)}: {phrases.share(n, total, bound=low)}"
            for v, n in rare[: phrases.EXAMPLES]
        ],
        len(rare),
        "; ",
    )
    return result(
        status="failed",
        message=f"{words.count(len(rare), 'class')} of {counts.height:,} under "
        f"{phrases.fraction(low)}: {shown}{uncounted}",
        observed=round(min(n for _, n in rare) / total, 6),
    )


def same_schema(frames: Mapping[str, pl.DataFrame]) -> CheckResult:
    """Every file with the first one's columns and dtypes (numbers of any width agree)."""
    roles = list(frames)
    result = _result(
        "data.same_schema", "+".join(roles), "same columns and types", "data.checks.same_schema"
    )
    first = roles[0]
    differences: list[str] = []
    for role in roles[1:]:
        a, b = frames[first].schema, frames[role].schema
        lacking = [c for c in a if c not in b]
        extra = [c for c in b if c not in a]
        if lacking:
            differences.append(f"{role} lacks {', '.join(map(words.name, lacking))}")
        if extra:
            differences.append(f"{role} adds {', '.join(map(words.name, extra))}")
        for name in (c for c in a if c in b and not _same_kind(a[c], b[c])):
            differences.append(
                f"{words.name(name)} is {type_checks.name(a[name])} in {first}, "
                f"{type_checks.name(b[name])} in {role}"
            )
    if differences:
        return result(status="failed", message="; ".join(differences), observed=len(differences))
    columns = words.count(len(frames[first].columns), "column")
    return result(status="passed", message=f"{columns} of the same types in each", observed=0)


def _same_kind(a: pl.DataType, b: pl.DataType) -> bool:
    if a == b:
        return True
    if a.is_integer() and b.is_integer():
        return True
    return a.is_numeric() and b.is_numeric() and not (a == pl.Boolean or b == pl.Boolean)


def freshness(
    role: str, frame: Table, spec: Freshness, now: dt.datetime | None = None
) -> CheckResult:
    """The newest timestamp at most `max_age` before now (UTC; naive times read as UTC)."""
    result = _result(
        f"data.{role}.freshness",
        f"{role}.{spec.column}",
        f"newest within {spec.shown}",
        "data.checks.freshness",
    )
    schema = frames.schema(frame)
    if spec.column not in schema:
        return result(status="failed", message=column_checks.missing(spec.column, schema.names()))
    dtype = schema[spec.column]
    values = type_checks.as_datetime(pl.col(spec.column), dtype)
    if values is None:
        return result(
            status="error",
            message=f"{spec.column} holds {type_checks.holds(dtype)}, not dates: "
            + _FRESHNESS_READS,
        )
    present = pl.col(spec.column).drop_nulls()
    examples: list[object] = []
    try:
        asked = frame.select(values.max().alias("newest"), present.len().alias("count"))
        newest, count = frames.collected(asked).row(0)
        if newest is None and count:  # text, none of it dates: the column is no timestamp
            shown = present.unique(maintain_order=True).head(phrases.EXAMPLES)
            examples = frames.collected(frame.select(shown.implode())).item().to_list()
    except pl.exceptions.PolarsError as exc:
        return result(status="error", message=dataset_checks.not_evaluated(exc))
    if newest is None and not count:
        return result(status="failed", message=f"{spec.column} has no dates: every row lacks one")
    if newest is None:
        return result(
            status="error",
            message=f"{spec.column} holds text that does not parse as dates (none of its "
            f"{words.count(count, 'value')}{phrases.examples(examples)}): {_FRESHNESS_READS}",
        )
    clock = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    age = (clock - newest).total_seconds()
    said = f"newest {newest.isoformat(sep=' ')}, {_age(age)} old"
    if age > spec.max_age_s:
        return result(status="failed", message=f"{said}, older than {spec.shown}", observed=age)
    return result(status="passed", message=said, observed=age)


_FRESHNESS_READS = (
    "freshness reads a column of dates or times (a date type, or dates written as text: "
    "2026-12-01, 2026-12-01T10:00:00Z); name one in data.checks.freshness.column"
)


def _age(seconds: float) -> str:
    if seconds < 0:
        return "in the future, not"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return words.count(int(seconds // size), unit)
    return words.count(int(seconds), "second")


def _result(id_: str, subject: str, rule: str, key: str) -> partial[CheckResult]:
    return partial(CheckResult, id=id_, stage="data", subject=subject, rule=rule, manifest_key=key)


def table_checks(spec: Data, role: str, frame: Table) -> list[CheckResult]:
    """The checks of one file that need no counting pass."""
    found = []
    if spec.target_min_fraction is not None:
        found.append(target_balance(role, frame, spec.target, spec.target_min_fraction))
    if spec.freshness is not None:
        found.append(freshness(role, frame, spec.freshness))
    return found
