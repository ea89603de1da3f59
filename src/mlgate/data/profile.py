"""A data file's profile: per column its counts, a quantile summary (numbers) or its most
frequent values (categories). Small (under 64 KiB a column), deterministic (the same data
gives the same bytes) and mergeable, so drift can be measured against production data
that never leaves production: only its profile comes into CI.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mlgate import words
from mlgate.data import frequent, load, sketch
from mlgate.errors import UserError
from mlgate.manifest.data_formats import header

FORMAT = "mlgate-profile/1"
TOP = 1000  # categories kept with their counts; the rest are counted together
COUNTS_BYTES = 60 * 1024  # and no more of them than this, as JSON: 64 KiB a column in all
MAX_BYTES = 64 * 1024 * 1024  # a profile read from elsewhere: at most this big
# values a streamed numeric column keeps between batches (each merge adds 1 / RUNNING to
# the summary's error; the profile written keeps sketch.SIZE)
RUNNING = 8 * sketch.SIZE
UNITS = ("number", "datetime", "duration", "time")  # NumericProfile.unit


@dataclass(frozen=True, kw_only=True)
class NumericProfile:
    missing: int  # null, NaN or infinite
    summary: sketch.Summary
    mean: float  # exact, mergeable: the standard deviation needs no raw data
    m2: float  # sum of squared deviations from the mean
    # what the numbers are: "number", or "datetime" (microseconds since 1970), "duration"
    # (microseconds), "time" (nanoseconds since midnight); None in a profile written before
    # it was said. Dates against plain numbers (epoch seconds, say) are a change of kind,
    # not a shift of a million-fold
    unit: str | None = "number"

    @property
    def count(self) -> int:
        return self.summary.count

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.count) if self.count else 0.0


class Counted(Mapping[str, int]):
    """An exact profile's counts, left in polars (columns `value`, `count`) until someone
    reads them: an identifier's million distinct values become no Python dict (a second
    each) when drift only needs to know which of them the other file lacks."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.total = int(frame["count"].sum())
        self._read: dict[str, int] | None = None

    def _dict(self) -> dict[str, int]:
        if self._read is None:  # most frequent first, ties by value, as stored profiles
            kept = self.frame.sort(["count", "value"], descending=[True, False])
            self._read = dict(zip(kept["value"].to_list(), kept["count"].to_list(), strict=True))
        return self._read

    def __getitem__(self, value: str) -> int:
        return self._dict()[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return self.frame.height


@dataclass(frozen=True, kw_only=True)
class CategoricalProfile:
    missing: int
    counts: Mapping[str, int]  # the TOP most frequent values (as text); all, when exact
    other: int  # rows in the values left out
    distinct: int  # distinct values, those left out included
    once: int  # values seen exactly once (Good-Turing's estimate of new values)
    # how far a count can be short of the data's: 0 but for a file of more distinct values
    # than frequent.HELD read in batches (then `distinct` and `once` are estimates too)
    error: int = 0

    @property
    def count(self) -> int:
        kept = self.counts.total if isinstance(self.counts, Counted) else sum(self.counts.values())
        return kept + self.other


ColumnProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True, kw_only=True)
class Profile:
    rows: int
    columns: Mapping[str, ColumnProfile] = field(default_factory=dict)
    source: str = ""  # the file it was made from, as given


def of_frame(frame: pl.DataFrame, *, source: str = "", exact: bool = False) -> Profile:
    """Columns profiled side by side: sorting and counting release the GIL (a fifth less
    time on this machine's 2 cores, 1,000,000 rows x 20 columns)."""
    with _in_file(source), ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        made = pool.map(lambda name: of_series(frame[name], exact=exact), frame.columns)
        columns = dict(zip(frame.columns, made, strict=True))
    return Profile(rows=frame.height, columns=columns, source=source)


class Unsummable(UserError):
    """A numeric column whose spread overflows a double (summable)."""


@contextmanager
def _in_file(source: str) -> Iterator[None]:
    """An unsummable column named with the file it is in: the message named the column
    alone, in a run that reads three files."""
    try:
        yield
    except Unsummable as exc:
        if not source:
            raise
        raise Unsummable(f"{source}: {exc.message}", hint=exc.hint) from None


def estimated(made: Profile) -> list[str]:
    """The columns whose counts are not exact (too many distinct values to hold)."""
    return [
        name
        for name, column in made.columns.items()
        if isinstance(column, CategoricalProfile) and column.error
    ]


def is_profile(path: str) -> bool:
    """data.reference names a profile, not data, by its extension."""
    return path.lower().endswith(".json")


def unit_of(dtype: pl.DataType) -> str:
    """What a numeric column's profiled numbers measure (NumericProfile.unit)."""
    kind = dtype.base_type()
    if kind in (pl.Date, pl.Datetime):
        return "datetime"
    if kind == pl.Duration:
        return "duration"
    return "time" if kind == pl.Time else "number"


KINDS = {"number": "numeric", "datetime": "datetime", "duration": "duration", "time": "time of day"}


def kind(column: ColumnProfile) -> str | None:
    """What a column holds, in a message's words ("numeric", "datetime", "categorical"); None
    for numbers of a profile that did not say what they measure."""
    if isinstance(column, CategoricalProfile):
        return "categorical"
    return None if column.unit is None else KINDS[column.unit]


def _microseconds(values: pl.Series) -> pl.Series:
    """Dates and times as microseconds since 1970 (UTC), durations as microseconds: the
    same dates stored in nanoseconds and in microseconds were 1,000 times apart, and
    drifted; a Date is its midnight."""
    kind = values.dtype.base_type()
    if kind in (pl.Date, pl.Datetime):
        return values.cast(pl.Datetime("us")).to_physical()
    if kind == pl.Duration:
        return values.cast(pl.Duration("us")).to_physical()
    return values.to_physical()  # a time of day: nanoseconds since midnight, one unit


def of_series(series: pl.Series, *, exact: bool = False) -> ColumnProfile:
    """`exact`: every value kept (the summary is the sorted data, every category counted),
    for drift between data in hand; otherwise small enough to store and send."""
    dtype = series.dtype
    if _is_numeric(dtype):
        values = series.drop_nulls()
        if dtype.is_temporal():  # in one unit: pandas writes ns, polars us, a Date days
            values = _microseconds(values)
        values = values.cast(pl.Float64)
        values = values.filter(values.is_finite())
        array = values.sort().to_numpy()
        with np.errstate(over="ignore", invalid="ignore"):  # past 1e308: summable says it
            mean = float(array.mean()) if array.size else 0.0
            m2 = float(np.sum((array - mean) ** 2))
        return NumericProfile(
            missing=series.len() - array.size,
            summary=sketch.Summary.of_sorted(array, array.size if exact else sketch.SIZE),
            mean=mean,
            m2=summable(series.name, m2, array),
            unit=unit_of(dtype),
        )
    values = as_text(series.drop_nulls())
    tally = frequent.Tally.of(frequent.counted(values))
    return _categorical(series.len() - values.len(), tally, exact=exact)


def summable(column: str, m2: float, values: np.ndarray) -> float:
    """`m2`, when it fits a double: a spread that overflows (values past about 1e154, or
    1e150 over ten thousand rows) cannot be written down or compared."""
    if math.isfinite(m2):
        return m2
    largest = float(np.max(np.abs(values))) if values.size else m2
    raise Unsummable(
        f"column {words.quoted(column)}: values as large as {largest:.3g} are beyond what a "
        "profile can summarise (their spread overflows a 64-bit float)",
        hint=(
            "rescale the column (other units, or its logarithm) before mlgate reads it; "
            "a value standing for a missing one (1e300, the largest double) should be "
            "left empty (null)"
        ),
    )


def as_text(values: pl.Series) -> pl.Series:
    """Each value as text, counted as a category; a list or an object (JSON Lines) as its
    JSON, which polars will not cast."""
    if not values.dtype.is_nested():
        return values.cast(pl.String)
    encoded = pl.struct(values.alias("v")).struct.json_encode()  # {"v":VALUE}
    return pl.select(encoded.str.slice(5).str.strip_suffix("}")).to_series().alias(values.name)


def _is_numeric(dtype: pl.DataType) -> bool:
    """Summarised by quantiles: numbers and times; booleans are categories."""
    return (dtype.is_numeric() or dtype.is_temporal()) and dtype != pl.Boolean


def _categorical(missing: int, tally: frequent.Tally, *, exact: bool) -> CategoricalProfile:
    """From each value's count: kept whole (`exact`) or as the TOP most frequent and the
    rest; ties by value, so the same data gives the same bytes."""
    if exact:
        assert not tally.error, "an exact profile is made from every value"
        return CategoricalProfile(
            missing=missing,
            counts=Counted(tally.counted),
            other=0,
            distinct=tally.distinct,
            once=tally.once,
        )
    # the TOP most frequent are picked before they are sorted (a million values: 0.7 s)
    picked = tally.counted.top_k(TOP, by=["count", "value"], reverse=[False, True])
    kept = picked.sort(["count", "value"], descending=[True, False])
    pairs = _fitting(list(zip(kept["value"].to_list(), kept["count"].to_list(), strict=True)))
    return CategoricalProfile(
        missing=missing,
        counts=dict(pairs),
        other=tally.total - sum(n for _, n in pairs),
        distinct=tally.distinct,
        once=tally.once,
        error=tally.error,
    )


def condensed(exact: Profile) -> Profile:
    """The profile `of_frame` makes (small enough to store) from an exact one of the same
    data, the same bytes: a run profiles each file once, exactly for drift, and keeps this."""
    return replace(exact, columns={n: _condensed(c) for n, c in exact.columns.items()})


def _condensed(column: ColumnProfile) -> ColumnProfile:
    if isinstance(column, NumericProfile):
        return replace(column, summary=column.summary.resized(sketch.SIZE))
    assert column.other == 0, "only an exact profile condenses to of_series' bytes"
    if isinstance(column.counts, Counted):
        counted = column.counts.frame
    else:
        given = {"value": list(column.counts), "count": list(column.counts.values())}
        counted = pl.DataFrame(given, schema={"value": pl.String, "count": pl.Int64})
    return _categorical(column.missing, frequent.Tally.of(counted), exact=False)


def of_file(
    path: Path, fmt: str, columns: Sequence[str] | None = None, *, rows: int = load.BATCH_ROWS
) -> Profile:
    """A file's profile read `rows` rows at a time: memory held is a batch, a summary per
    numeric column and at most frequent.HELD distinct values per categorical column (and
    the batches' since they were added up), whatever the file's size. A file of at most
    `rows` rows gives the bytes `of_frame` gives."""
    with _in_file(path.name):
        try:
            made = of_batches(load.batches(path, fmt, columns, rows), source=path.name)
        except load.LateType:
            batches = load.batches(path, fmt, columns, rows, infer_all=True)
            made = of_batches(batches, source=path.name)
    if made.rows == 0:  # no batch at all: the header still names the columns
        made = of_frame(load.read(path, fmt, columns), source=path.name)
    absent = [c for c in columns or () if c not in made.columns]
    if absent:
        named = header(path, fmt) or load.schema(path, fmt).names()  # JSON Lines: no header
        raise UserError(
            f"{', '.join(map(words.name, absent))}: not in {path.name}",
            hint=f"its columns: {', '.join(map(words.name, named[:30]))}",
        )
    return made


def of_batches(batches: Iterable[pl.DataFrame], *, source: str = "") -> Profile:
    """One profile of consecutive parts of a file: numbers merged as summaries (their error
    carried, see sketch.Summary.merge), categories counted in bounded memory (in polars,
    exactly up to frequent.HELD distinct values), then kept as of_series keeps them."""
    rows = 0
    numeric: dict[str, NumericProfile] = {}
    counts: dict[str, frequent.Running] = {}
    missing: dict[str, int] = {}
    order: list[str] = []
    for batch in batches:
        rows += batch.height
        order = order or batch.columns
        for name in batch.columns:
            series = batch[name]
            if _is_numeric(series.dtype):
                part = of_series(series, exact=True)
                assert isinstance(part, NumericProfile)
                if name in numeric:
                    part = replace(part, summary=part.summary.resized(RUNNING))
                    part = _merge_numeric(name, numeric[name], part, RUNNING)
                numeric[name] = part
                continue
            values = as_text(series.drop_nulls())
            missing[name] = missing.get(name, 0) + series.len() - values.len()
            counts.setdefault(name, frequent.Running()).add(values)
    columns: dict[str, ColumnProfile] = {}
    for name in order:
        if name in numeric:
            columns[name] = replace(numeric[name], summary=numeric[name].summary.resized())
        else:
            columns[name] = _categorical(missing[name], counts[name].tally(), exact=False)
    return Profile(rows=rows, columns=columns, source=source)


def to_json(profile: Profile) -> str:
    """Deterministic and compact: keys in file order, floats as Python writes them (they read
    back exactly), no spaces."""
    return (
        json.dumps(
            {
                "format": FORMAT,
                "source": profile.source,
                "rows": profile.rows,
                "columns": {name: _column_json(c) for name, c in profile.columns.items()},
            },
            separators=(",", ":"),
            allow_nan=False,
        )
        + "\n"
    )


def _column_json(column: ColumnProfile) -> dict[str, Any]:
    if isinstance(column, NumericProfile):
        s = column.summary
        return {
            "kind": "numeric",
            "missing": column.missing,
            "count": s.count,
            "mean": column.mean,
            "m2": column.m2,
            "epsilon": s.epsilon,
            "quantiles": [float(v) for v in s.values],
            **({"unit": column.unit} if column.unit is not None else {}),
        }
    written: dict[str, Any] = {
        "kind": "categorical",
        "missing": column.missing,
        "counts": dict(column.counts),
        "other": column.other,
        "distinct": column.distinct,
        "once": column.once,
    }
    if column.error:  # written only when the counts are not exact (older readers lack it)
        written["error"] = column.error
    return written


def read_file(path: Path, shown: str) -> Profile:
    """A profile file from elsewhere (data.reference), as the run and `validate` read it:
    a regular file of at most MAX_BYTES (a FIFO would block, a link to /dev/zero never
    end, a big file was read whole before its size was judged), then as `read` reads it."""
    from mlgate import files

    return read(shown, files.read_bytes(path, limit=MAX_BYTES, name=shown))


def read(path: str, text: bytes) -> Profile:
    """A profile from elsewhere, checked whole before any of it is used."""
    if len(text) > MAX_BYTES:
        raise UserError(f"{path}: a profile of {len(text):,} bytes; at most {MAX_BYTES:,}")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        said = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
        raise UserError(f"{path} is not a profile (not JSON: {said})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(
            f"{path} is not an mlgate profile (its format is not {FORMAT})",
            hint="write one with `mlgate profile DATA_FILE`",
        )
    where = "the file"
    try:
        rows, source = _count(data["rows"], "rows"), str(data.get("source", ""))
        columns = {}
        for name, column in data["columns"].items():
            where = f"column '{name}'"
            columns[str(name)] = _consistent(_column(column), rows)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, KeyError):
            wrong = f" lacks {exc.args[0]!r}"
        elif isinstance(exc, ValueError):
            wrong = f": {exc}"
        else:
            wrong = f" is not shaped as mlgate writes it ({exc})"
        raise UserError(
            f"{path} is not a valid mlgate profile: {where}{wrong}",
            hint="write one with `mlgate profile DATA_FILE`; mlgate reads what it writes",
        ) from exc
    return Profile(rows=rows, source=source, columns=columns)


MAX_EPSILON = 0.05  # a summary's rank error above this is refused
MAX_ROWS = 10**12  # more than any file mlgate reads; 2**53 made Fisher's test run for hours


def _count(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ROWS:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ValueError(f"expected a count (0 to {MAX_ROWS:,}) for '{key}', found {shown}")
    return value


def _consistent(column: ColumnProfile, rows: int) -> ColumnProfile:
    """Figures that agree with each other, as mlgate writes them: a profile is read from
    elsewhere, and one whose counts contradict its rows would decide drift wrongly."""
    if isinstance(column, NumericProfile):
        s = column.summary
        if column.missing + s.count != rows:
            raise ValueError(
                f"count {s.count} and missing {column.missing} are not its "
                f"{words.count(rows, 'row')}"
            )
        if column.m2 < 0:
            raise ValueError(f"m2 {column.m2} is below 0 (a sum of squares)")
        # as many quantiles as values when exact (epsilon 0); else some, and no more
        size = s.values.size
        if size != s.count if s.epsilon == 0 else not 0 < size <= s.count:
            raise ValueError(
                f"{s.values.size} quantiles for {s.count} values (epsilon {s.epsilon:g})"
            )
        # k values standing for more step the CDF by 1/k: it cannot be closer than that
        # (ten quantiles of 20,000 values under epsilon 1/2,048 made unchanged data drift)
        if size < s.count and s.epsilon * size < 1 - 1e-9:
            raise ValueError(
                f"{size} quantiles of {s.count} values cannot be within epsilon "
                f"{s.epsilon:g} of them (at best 1/{size:,})"
            )
        # mlgate's summaries stay near 2/2,048 after dozens of merges; one this coarse
        # would take every shift as within its error (epsilon 1 switched drift off)
        if s.epsilon > MAX_EPSILON:
            raise ValueError(
                f"epsilon {s.epsilon:g} is over {MAX_EPSILON:g}: a summary this coarse "
                "cannot show a shift"
            )
        if s.epsilon == 0 and size:  # the values themselves: their mean and m2 are known
            mean = float(s.values.mean())
            m2 = float(((s.values - mean) ** 2).sum())
            scale = float(np.abs(s.values).max()) or 1.0
            if not (
                math.isclose(column.mean, mean, rel_tol=1e-9, abs_tol=1e-12 * scale)
                and math.isclose(column.m2, m2, rel_tol=1e-6, abs_tol=1e-9 * scale**2)
            ):
                raise ValueError(
                    f"mean {column.mean:g} and m2 {column.m2:g} are not those of its "
                    f"{words.count(size, 'value')} ({mean:g} and {m2:g})"
                )
        return column
    counted = sum(column.counts.values()) + column.other
    if column.missing + counted != rows:
        raise ValueError(
            f"counts summing to {counted} and missing {column.missing} are not its "
            f"{words.count(rows, 'row')}"
        )
    values = counted  # rows with a value: the distinct ones, and those seen once, are no more
    if not len(column.counts) <= column.distinct <= values or column.once > column.distinct:
        raise ValueError(
            f"distinct {column.distinct} and once {column.once} for {len(column.counts)} "
            f"values kept of {words.count(values, 'value')}"
        )
    if column.error > column.other:  # a count falls short by what a cut let go, into "other"
        raise ValueError(
            f"error {column.error} is over the {words.count(column.other, 'row')} in 'other'"
        )
    ones = sum(1 for n in column.counts.values() if n == 1)
    if not column.error and column.once > ones + column.other:  # counted exactly: each is a row
        raise ValueError(
            f"once {column.once} is over the values kept once ({ones}) and the rows in "
            f"'other' ({column.other})"
        )
    return column


def _number(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a number for '{key}', found {value!r}")
    return float(value)


def _unit(value: Any) -> str | None:
    if value is None or value in UNITS:
        return value  # type: ignore[no-any-return]
    raise ValueError(f"unknown unit {value!r}; expected one of {', '.join(UNITS)}")


def _column(data: dict[str, Any]) -> ColumnProfile:
    if data["kind"] == "numeric":
        values = np.array([_number(v, "quantiles") for v in data["quantiles"]], dtype=float)
        if values.size and np.any(np.diff(values) < 0):
            raise ValueError("quantiles out of order")
        epsilon = _number(data["epsilon"], "epsilon")
        if not 0 <= epsilon <= 1:
            raise ValueError(f"epsilon {epsilon} outside [0, 1]")
        return NumericProfile(
            missing=_count(data["missing"], "missing"),
            summary=sketch.Summary(
                values=values, count=_count(data["count"], "count"), epsilon=epsilon
            ),
            mean=_number(data["mean"], "mean"),
            m2=_number(data["m2"], "m2"),
            unit=_unit(data.get("unit")),
        )
    if data["kind"] == "categorical":
        return CategoricalProfile(
            missing=_count(data["missing"], "missing"),
            counts={str(k): _count(v, f"counts.{k}") for k, v in data["counts"].items()},
            other=_count(data["other"], "other"),
            distinct=_count(data["distinct"], "distinct"),
            once=_count(data["once"], "once"),
            error=_count(data.get("error", 0), "error"),
        )
    raise ValueError(f"unknown column kind {data['kind']!r}")


def merge(a: Profile, b: Profile) -> Profile:
    """Two profiles of parts of one data set as the profile of the whole (the categories
    kept are the most frequent of both; `once` is then an estimate)."""
    columns: dict[str, ColumnProfile] = {}
    for name in [*a.columns, *(c for c in b.columns if c not in a.columns)]:
        x, y = a.columns.get(name), b.columns.get(name)
        if x is None or y is None:
            columns[name] = x or y  # type: ignore[assignment]
        elif isinstance(x, NumericProfile) and isinstance(y, NumericProfile):
            columns[name] = _merge_numeric(name, x, y)
        elif isinstance(x, CategoricalProfile) and isinstance(y, CategoricalProfile):
            columns[name] = _merge_categorical(x, y)
        else:
            raise UserError(f"column '{name}' is numeric in one profile and not in the other")
    return Profile(rows=a.rows + b.rows, columns=columns, source=a.source or b.source)


def _merge_numeric(
    name: str, x: NumericProfile, y: NumericProfile, size: int = sketch.SIZE
) -> NumericProfile:
    n = x.count + y.count
    delta = y.mean - x.mean
    mean = x.mean + delta * y.count / n if n else 0.0
    summary = x.summary.merge(y.summary, size)
    m2 = x.m2 + y.m2 + delta * delta * x.count * y.count / n if n else 0.0
    if None not in (x.unit, y.unit) and x.unit != y.unit:
        raise UserError(
            f"column '{name}' holds {x.unit}s in one profile and {y.unit}s in the other"
        )
    return NumericProfile(
        missing=x.missing + y.missing,
        summary=summary,
        mean=mean,
        m2=summable(name, m2, summary.values),
        unit=x.unit if x.unit == y.unit else None,
    )


def _merge_categorical(x: CategoricalProfile, y: CategoricalProfile) -> CategoricalProfile:
    both = {k: x.counts.get(k, 0) + y.counts.get(k, 0) for k in {*x.counts, *y.counts}}
    pairs = sorted(both.items(), key=lambda kv: (-kv[1], kv[0]))
    # values seen once: exact among the values both kept; those neither kept are taken as
    # distinct from each other (an estimate, and only when a side left values out)
    untold = sum(p.once - sum(1 for n in p.counts.values() if n == 1) for p in (x, y))
    kept = _fitting(pairs[:TOP])
    return CategoricalProfile(
        missing=x.missing + y.missing,
        counts=dict(kept),
        other=x.other + y.other + sum(n for _, n in pairs[len(kept) :]),
        distinct=max(x.distinct, y.distinct, len(both)),
        once=sum(1 for n in both.values() if n == 1) + untold,
        error=x.error + y.error + hidden(x) + hidden(y),
    )


def _fitting(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The most frequent of `pairs` (most frequent first) whose counts fit COUNTS_BYTES as
    JSON; the rest go to `other`. A thousand values of 500 characters made a column of
    half a megabyte."""
    used = 0
    for i, (value, count) in enumerate(pairs):
        used += len(json.dumps(value)) + len(str(count)) + 2  # "value":count,
        if used > COUNTS_BYTES:
            return pairs[:i]
    return pairs


def hidden(side: CategoricalProfile) -> int:
    """How much of a value's count a side can hold in `other`: no more than the least
    frequent value it kept, since it kept the most frequent."""
    return min(side.counts.values(), default=0) if side.other else 0
