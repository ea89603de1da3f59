"""The checks of one `data.columns` entry on one frame, planned as polars expressions.

Planning decides what it can from the schema (a missing column, a dtype that cannot hold
the type) and turns every other rule into a `Counted`: an expression marking offending
rows, which `settle` evaluates for all checks of a frame in one pass.

Missing values (null, and NaN in float columns) are judged only by `nullable`; every
other rule looks at the values present. A missing column skips its other checks: the
presence check alone carries the verdict, so one typo is one failure.

`pattern` searches each value, as Python's re.search does: anchor it with ^ and $ to
match whole values. polars runs it with Rust's regex crate, which has no look-around or
backreferences; such a pattern is an error of that check, not of the run (and `mlgate
validate` refuses it, compiling it with the same call: `sql_words.regex_problem`).
`values` compares numbers as numbers (a CSV column of 1, 2 matches [1, 2] and ["1", "2"])
and anything else as text; true/false match a boolean column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from mlgate import spelling, words
from mlgate.data import phrases, type_checks
from mlgate.manifest import sql_words
from mlgate.manifest.spec import Column, Quantile
from mlgate.result.records import CheckResult, Status
from mlgate.yaml_source import format_path

LISTED_COLUMNS = 40  # a wider file shows its first 30 and last 10
LISTED_LAST = 10

# the values worth showing, given which rows offend: `settle` marks the rows once and
# passes the mark, so a failed check's examples do not run its rule a second time
Examples = Callable[[pl.Expr], pl.Expr]


@dataclass(frozen=True, kw_only=True)
class Counted:
    """A check that passes when no row offends; its counts come from `settle`."""

    id: str
    subject: str
    rule: str
    manifest_key: str
    offending: pl.Expr  # boolean per row, never null
    judged: pl.Expr  # how many rows the rule looks at (the non-missing ones, mostly)
    found: str  # "below 18": what the offending rows are
    holds: str  # ">= 18": what every judged row is when none offend
    examples: Examples | None = None  # offending values worth showing, in order
    prefix: str = ""  # "String column; "
    count: pl.Expr | None = None  # a cheaper way to count offenders than summing `offending`


@dataclass(frozen=True, kw_only=True)
class Measured:
    """A check of one figure of the column (a share, a quantile), computed in the same pass."""

    id: str
    subject: str
    rule: str
    manifest_key: str
    value: pl.Expr  # one number, or null when there is nothing to measure
    decide: Callable[[float | None], tuple[Status, str]]  # the verdict and what was found


Planned = CheckResult | Counted | Measured


@dataclass(frozen=True, kw_only=True)
class _Where:
    """Names one rule of one column in one role: its id, subject and manifest key."""

    role: str
    column: str

    def result(
        self, rule_key: str, rule: str, status: Status, message: str, observed: str | None = None
    ) -> CheckResult:
        return CheckResult(
            id=self.id(rule_key),
            stage="data",
            subject=f"{self.role}.{self.column}",
            rule=rule,
            status=status,
            message=message,
            observed=observed,
            manifest_key=self.key(rule_key),
        )

    def counted(
        self,
        rule_key: str,
        rule: str,
        *,
        offending: pl.Expr,
        judged: pl.Expr,
        found: str,
        holds: str,
        examples: Examples | None = None,
        prefix: str = "",
        count: pl.Expr | None = None,
    ) -> Counted:
        return Counted(
            id=self.id(rule_key),
            subject=f"{self.role}.{self.column}",
            rule=rule,
            manifest_key=self.key(rule_key),
            offending=offending,
            judged=judged,
            found=found,
            holds=holds,
            examples=examples,
            prefix=prefix,
            count=count,
        )

    def measured(
        self,
        rule_key: str,
        rule: str,
        value: pl.Expr,
        decide: Callable[[float | None], tuple[Status, str]],
    ) -> Measured:
        return Measured(
            id=self.id(rule_key),
            subject=f"{self.role}.{self.column}",
            rule=rule,
            manifest_key=self.key(rule_key),
            value=value,
            decide=decide,
        )

    def fraction(
        self, rule_key: str, rule: str, *, share: pl.Expr, limit: float, found: str
    ) -> Measured:
        def decide(value: float | None) -> tuple[Status, str]:
            share_ = value or 0.0
            shown = phrases.fraction(round(share_, 4))
            if share_ != limit and not phrases.apart(round(share_, 4), share_, limit):
                from mlgate import bounds

                shown = bounds.past(share_, limit, signed=False, percent=True)
            said = f"{shown} of all rows {found}"
            if share_ > limit:
                return "failed", f"{said}, more than {phrases.fraction(limit)}"
            return "passed", said

        return self.measured(rule_key, rule, share, decide)

    def bounded(
        self,
        rule_key: str,
        rule: str,
        *,
        value: pl.Expr,
        low: float | None,
        high: float | None,
        name: str,
    ) -> Measured:
        def decide(found: float | None) -> tuple[Status, str]:
            if found is None:
                return "skipped", "no values to measure"
            said = f"{name} is {phrases.number(round(found, 6))}"
            if low is not None and found < low:
                return "failed", f"{said}, below {phrases.number(low)}"
            if high is not None and found > high:
                return "failed", f"{said}, above {phrases.number(high)}"
            return "passed", said

        return self.measured(rule_key, rule, value, decide)

    def id(self, rule_key: str) -> str:
        return f"data.{self.role}.columns.{self.column}.{rule_key}"

    def key(self, rule_key: str) -> str:
        # presence has no key of its own unless `required` is written: point at the column
        path = ("data", "columns", self.column) + (() if rule_key == "required" else (rule_key,))
        return format_path(path, None)


def rules(column: Column) -> list[tuple[str, str]]:
    """(manifest key, rule text) of each rule the column sets, in check order."""
    found = [("required", "present" if column.required else "present (optional)")]
    if column.type is not None:
        found.append(("type", f"type {column.type}"))
    if not column.nullable:
        found.append(("nullable", "not null"))
    if column.min is not None:
        found.append(("min", f">= {phrases.number(column.min)}"))
    if column.max is not None:
        found.append(("max", f"<= {phrases.number(column.max)}"))
    if column.values is not None:
        found.append(("values", f"in {phrases.value_set(column.values)}"))
    if column.pattern is not None:
        found.append(("pattern", f"matches {column.pattern}"))
    if column.unique:
        found.append(("unique", "unique"))
    if column.min_length is not None:
        found.append(("min_length", f"at least {words.count(column.min_length, 'character')}"))
    if column.max_length is not None:
        found.append(("max_length", f"at most {words.count(column.max_length, 'character')}"))
    if column.max_null_fraction is not None:
        found.append(
            ("max_null_fraction", f"missing <= {phrases.fraction(column.max_null_fraction)}")
        )
    if column.sorted is not None:
        found.append(("sorted", f"sorted, {column.sorted}"))
    for i, q in enumerate(column.quantiles):
        found.append((f"quantiles[{i}]", _quantile_rule(q)))
    if column.expression is not None:
        found.append(("expression", column.expression))
    return found


def _quantile_rule(q: Quantile) -> str:
    name = f"quantile {phrases.number(q.q)}"
    if q.min is not None and q.max is not None:
        return f"{phrases.number(q.min)} <= {name} <= {phrases.number(q.max)}"
    if q.min is not None:
        return f"{name} >= {phrases.number(q.min)}"
    return f"{name} <= {phrases.number(q.max)}"


def plan(role: str, column: Column, frame: pl.DataFrame) -> list[Planned]:
    where = _Where(role=role, column=column.name)
    (_, presence), *others = rules(column)
    if column.name not in frame.columns:
        if column.required:
            first = where.result(
                "required", presence, "failed", missing(column.name, frame.columns)
            )
        else:
            first = where.result(
                "required", presence, "skipped", f"column '{column.name}' is absent; it is optional"
            )
        state = "missing" if column.required else "absent"
        return [
            first,
            *(
                where.result(key, rule, "skipped", f"column '{column.name}' is {state}")
                for key, rule in others
            ),
        ]
    dtype = frame.schema[column.name]
    base = pl.col(column.name)
    if dtype.is_float():
        base = base.fill_nan(None)  # NaN is a missing value, as pandas reads it
    on = _On(where=where, column=column, dtype=dtype, base=base, shape=frame)
    return [
        where.result("required", presence, "passed", f"present ({on.shown})"),
        *(_PLANNERS[key.split("[", 1)[0]](on, key, rule) for key, rule in others),
    ]


@dataclass(frozen=True, kw_only=True)
class _On:
    """The column a rule is planned on: where it reports, its dtype, its values."""

    where: _Where
    column: Column
    dtype: pl.DataType
    base: pl.Expr  # the values, NaN already turned into null
    shape: pl.DataFrame  # the file's columns and types, without its rows

    @property
    def shown(self) -> str:
        return type_checks.name(self.dtype)

    @property
    def judged(self) -> pl.Expr:
        return self.base.is_not_null().sum()


def _type(on: _On, key: str, rule: str) -> Planned:
    assert on.column.type is not None
    verdict = type_checks.judge(on.column.type, on.dtype, on.base)
    if verdict is True:
        return on.where.result(key, rule, "passed", f"column is {on.shown}", on.shown)
    if verdict is False:
        wanted = type_checks.WANTED[on.column.type]
        return on.where.result(key, rule, "failed", f"column is {on.shown}, not {wanted}", on.shown)
    return on.where.counted(
        key,
        rule,
        offending=verdict.offending,
        judged=on.judged,
        found=verdict.found,
        holds=verdict.holds,
        examples=_first(on.base),
        prefix="" if on.dtype.is_numeric() else f"{on.shown} column; ",
        count=verdict.count,
    )


def _nullable(on: _On, key: str, rule: str) -> Planned:
    return on.where.counted(
        key,
        rule,
        offending=on.base.is_null(),
        judged=pl.len(),
        found="missing",
        holds="have a value",
    )


def _bound(on: _On, key: str, rule: str) -> Planned:
    bound = on.column.min if key == "min" else on.column.max
    assert bound is not None  # planned only when the manifest sets it
    if isinstance(bound, str):
        return _date_bound(on, key, rule, bound)
    if not (on.dtype.is_numeric() or on.dtype == pl.Null):
        return on.where.result(
            key, rule, "error", f"{key} applies to numeric columns; this one is {on.shown}"
        )
    side = "below" if key == "min" else "above"
    return _beyond(
        on, key, rule, on.base.cast(pl.Float64), bound, f"{side} {phrases.number(bound)}"
    )


def _beyond(
    on: _On,
    key: str,
    rule: str,
    values: pl.Expr,
    limit: float | dt.datetime,
    found: str,
    *,
    also: pl.Expr | None = None,
) -> Counted:
    """Values under a minimum or over a maximum (or `also`), the most extreme shown first."""
    offending = ((values < limit) if key == "min" else (values > limit)).fill_null(False)
    if also is not None:
        offending = offending | also
    return on.where.counted(
        key,
        rule,
        offending=offending,
        judged=on.judged,
        found=found,
        holds=rule,
        examples=_first(on.base, descending=key == "max", by=values),
    )


def _values(on: _On, key: str, rule: str) -> Planned:
    assert on.column.values is not None
    comparable = _comparable(on.base, on.dtype, on.column.values)
    if comparable is None:
        return on.where.result(
            key, rule, "error", f"values cannot be compared with a {on.shown} column"
        )
    offending = on.base.is_not_null() & ~comparable.fill_null(False)
    return on.where.counted(
        key,
        rule,
        offending=offending,
        judged=on.judged,
        found=f"not {rule}",
        holds=rule,
        examples=_first(on.base),
    )


def _pattern(on: _On, key: str, rule: str) -> Planned:
    pattern = on.column.pattern
    assert pattern is not None
    if not (type_checks.is_text(on.dtype) or on.dtype == pl.Null):
        return on.where.result(
            key, rule, "error", f"pattern applies to text columns; this one is {on.shown}"
        )
    problem = sql_words.regex_problem(pattern)
    if problem:
        said = f"pattern is not valid in polars' (Rust) regex syntax: {problem}"
        return on.where.result(key, rule, "error", said)
    text = on.base.cast(pl.String)
    offending = text.is_not_null() & ~text.str.contains(pattern).fill_null(False)
    return on.where.counted(
        key,
        rule,
        offending=offending,
        judged=on.judged,
        found="do not match",
        holds="match",
        examples=_first(text),
    )


def _unique(on: _On, key: str, rule: str) -> Planned:
    offending = on.base.is_not_null() & ~on.base.is_first_distinct()
    present = on.base.drop_nulls()
    return on.where.counted(
        key,
        rule,
        offending=offending,
        judged=on.judged,
        found="repeat an earlier value",
        holds="are distinct",
        examples=_first(on.base),
        # counting distinct values is far cheaper than marking each first one (1M sorted
        # ids: 3 ms against 120 ms); the rows are marked only when some repeat
        count=present.len() - present.n_unique(),
    )


def _date_bound(on: _On, key: str, rule: str, bound: str) -> Planned:
    """Dates in a range: a datetime column, or text the datetime type check parses."""
    values = type_checks.as_datetime(on.base, on.dtype)
    if values is None:
        return on.where.result(
            key, rule, "error", f"a date as {key} applies to date columns; this one is {on.shown}"
        )
    limit = dt.datetime.fromisoformat(bound)
    if limit.tzinfo is not None:
        limit = limit.astimezone(dt.UTC).replace(tzinfo=None)
    found = f"{'before' if key == 'min' else 'after'} {bound}"
    if on.dtype != pl.String:
        return _beyond(on, key, rule, values, limit, found)
    # text that is no date is outside the range too: 'not a date' was counted among "all 4
    # rows >= 2024-01-01", left out as a null (with `type: datetime` the type check names
    # it as well; this check's count is then still true)
    undated = on.base.is_not_null() & values.is_null()
    return _beyond(on, key, rule, values, limit, f"{found} or not a date", also=undated)


def _length(on: _On, key: str, rule: str) -> Planned:
    if not (type_checks.is_text(on.dtype) or on.dtype == pl.Null):
        return on.where.result(
            key, rule, "error", f"{key} applies to text columns; this one is {on.shown}"
        )
    length = on.base.cast(pl.String).str.len_chars()
    if key == "min_length":
        limit, offending, side = on.column.min_length, length < on.column.min_length, "shorter"
    else:
        limit, offending, side = on.column.max_length, length > on.column.max_length, "longer"
    offending = offending.fill_null(False)
    assert limit is not None
    return on.where.counted(
        key,
        rule,
        offending=offending,
        judged=on.judged,
        found=f"{side} than {words.count(limit, 'character')}",
        holds=rule,
        # the most telling: the longest past a maximum, the shortest under a minimum
        examples=_first(on.base.cast(pl.String), descending=key == "max_length", by=length),
    )


def _null_fraction(on: _On, key: str, rule: str) -> Planned:
    limit = on.column.max_null_fraction
    assert limit is not None
    return on.where.fraction(
        key, rule, share=on.base.is_null().mean(), limit=limit, found="missing"
    )


def _sorted(on: _On, key: str, rule: str) -> Planned:
    """Numbers and dates in order: dates stored as text too, when the column is declared
    `type: datetime` (as `min`, `max` and freshness read them)."""
    dated = on.column.type == "datetime" and type_checks.is_text(on.dtype)
    if dated:
        values = type_checks.as_datetime(on.base.cast(pl.String), pl.String())
    elif on.dtype.is_temporal():
        values = on.base
    elif on.dtype.is_numeric():
        values = on.base.cast(pl.Float64, strict=False)
    else:
        instead = (
            "; for dates written as text, declare type: datetime in data.columns"
            if type_checks.is_text(on.dtype)
            else ""
        )
        return on.where.result(
            key,
            rule,
            "error",
            f"sorted applies to numbers and dates, and {on.column.name} holds "
            f"{type_checks.holds(on.dtype)}{instead}",
        )
    assert values is not None
    if on.column.sorted == "increasing":  # below the largest value before it
        earlier = values.cum_max().forward_fill().shift(1)
        offending, found = values < earlier, "smaller than a value before them"
    else:
        earlier = values.cum_min().forward_fill().shift(1)
        offending, found = values > earlier, "larger than a value before them"
    offending = offending.fill_null(False)
    return on.where.counted(
        key, rule, offending=offending, judged=on.judged, found=found, holds="are in order"
    )


def _quantile(on: _On, key: str, rule: str) -> Planned:
    index = int(key[key.index("[") + 1 : -1])
    q = on.column.quantiles[index]
    if not (on.dtype.is_numeric() or on.dtype == pl.Null):
        return on.where.result(
            key, rule, "error", f"quantiles apply to numeric columns; this one is {on.shown}"
        )
    return on.where.bounded(
        key,
        rule,
        value=on.base.cast(pl.Float64).quantile(q.q, interpolation="linear"),
        low=q.min,
        high=q.max,
        name=f"quantile {phrases.number(q.q)}",
    )


def _expression(on: _On, key: str, rule: str) -> Planned:
    assert on.column.expression is not None
    parsed = sql_words.condition(on.column.expression)
    if not isinstance(parsed, str):
        parsed = sql_words.judged_on(parsed, on.shape) or parsed
    if isinstance(parsed, str):
        return on.where.result(key, rule, "error", parsed)
    offending = ~parsed.fill_null(True)  # unknown is no failure, as in a SQL CHECK
    return on.where.counted(
        key,
        rule,
        offending=offending,
        judged=pl.len(),
        found=f"make {rule} false",
        holds=f"satisfy {rule}",
        examples=_first(on.base),
    )


_PLANNERS = {
    "type": _type,
    "nullable": _nullable,
    "min": _bound,
    "max": _bound,
    "values": _values,
    "pattern": _pattern,
    "unique": _unique,
    "min_length": _length,
    "max_length": _length,
    "max_null_fraction": _null_fraction,
    "sorted": _sorted,
    "expression": _expression,
    "quantiles": _quantile,
}


def _first(values: pl.Expr, *, descending: bool = False, by: pl.Expr | None = None) -> Examples:
    """The most telling offending values: distinct, smallest (or largest) first, as `by`
    orders them where the values are compared as something else (text read as moments:
    `22:43+05:00` is before `21:43Z`, though its text sorts after)."""

    def shown(offending: pl.Expr) -> pl.Expr:
        if by is None:
            chosen = values.filter(offending).unique().sort(descending=descending)
            return chosen.head(phrases.EXAMPLES)
        pairs = pl.struct(by.alias("by"), values.alias("value")).filter(offending).unique()
        ordered = pairs.sort(descending=descending).struct.field("value")
        return ordered.head(phrases.EXAMPLES)

    return shown


def _comparable(
    base: pl.Expr, dtype: pl.DataType, values: Sequence[str | int | float | bool]
) -> pl.Expr | None:
    """Membership in the allowed set: numbers compared as numbers, text as text."""
    if dtype.is_integer():
        wanted = [int(n) for n in _numbers(values) if float(n).is_integer()]
        return base.cast(pl.Int64, strict=False).is_in(wanted)
    if dtype.is_numeric():
        return base.cast(pl.Float64).is_in([float(n) for n in _numbers(values)])
    if dtype == pl.Boolean:
        truth = {"true": True, "false": False}
        wanted_bools = {v for v in values if isinstance(v, bool)}
        wanted_bools |= {
            truth[v.lower()] for v in values if isinstance(v, str) and v.lower() in truth
        }
        return base.is_in(sorted(wanted_bools))
    if dtype.is_nested() or dtype.is_object():
        return None
    return base.cast(pl.String).is_in([_as_text(v) for v in values])


def _numbers(values: Sequence[str | int | float | bool]) -> list[int | float]:
    """The allowed values that are numbers; '3' counts, true/false do not."""
    found: list[int | float] = []
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found.append(value)
            continue
        try:
            found.append(int(value))
        except ValueError:
            try:
                found.append(float(value))
            except ValueError:
                continue
    return found


def _as_text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return (
        value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    )


def missing(name: str, columns: Sequence[str]) -> str:
    """Say the column is missing, name the likeliest intended ones (case aside), then the
    file's columns: every one of them, or on a very wide file its first and last ones (where
    targets and ids live) with how many are left out, never a silent cut."""
    lowered: dict[str, str] = {}
    for existing in columns:
        lowered.setdefault(existing.lower(), existing)
    close = spelling.closest(name.lower(), lowered, ranked=True)
    said = f"column '{name}' is missing"
    if close:
        said += "; closest: " + ", ".join(f"'{lowered[c]}'" for c in close)
    if not columns:
        return f"{said}; the file has no columns"
    listed = list(columns)
    if len(listed) > LISTED_COLUMNS:
        head, tail = LISTED_COLUMNS - LISTED_LAST, LISTED_LAST
        listed = [*listed[:head], f"… ({len(listed) - head - tail} more)", *listed[-tail:]]
    return f"{said}; the file has {words.count(len(columns), 'column')}: {', '.join(listed)}"
