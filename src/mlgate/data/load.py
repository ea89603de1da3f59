"""Read data files: polars for the checks, pandas for the model, one kind of error for both.

Only the run imports this module, so polars is imported at the top; pandas is imported
where the model's frame is built.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from mlgate.errors import UserError
from mlgate.manifest import data_formats
from mlgate.manifest.data_formats import (
    CSV_INFER_ROWS,
    EXTENSIONS,
    FORMATS,
    PANDAS_NA,
    detect_format,
    header,
    separator,
)

if TYPE_CHECKING:
    import pandas as pd

HEAD_BYTES = 1 << 16  # the start of a text file checked to be UTF-8
UTF16 = "UTF-16 text"
# a batch of a streamed file: about 2 MB a numeric column, whatever the file's size
BATCH_ROWS = 250_000
# a data file larger than this is not held in memory: profiled in batches, checked through
# scans (a text file first written as Parquet), a drift reference compared as its profile
STREAM_ABOVE = 1 << 30
PANDAS_INDEX = re.compile(r"__index_level_\d+__")


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "LateType",
    "as_parquet",
    "batches",
    "detect_format",
    "header",
    "pandas_batches",
    "read",
    "read_pandas",
    "scan",
    "schema",
    "too_big",
]


def too_big(path: Path) -> bool:
    """Over STREAM_ABOVE: read in batches and checked through scans, never held whole."""
    return path.stat().st_size > STREAM_ABOVE


def read(path: Path, fmt: str, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """The frame the data checks run on; `columns`: only those of them the file has (CSV
    and Parquet skip the rest while reading: a drift reference needs no other)."""
    wanted = _present(path, fmt, columns) if columns is not None else None
    try:
        if fmt == "csv":
            return _read_csv(path, wanted)
        if fmt == "parquet":
            return _without_pandas_index(pl.read_parquet(path, columns=wanted))
        # JSON lines can add a field late, which a partial inference silently drops
        frame = pl.read_ndjson(path, infer_schema_length=None)
        return frame.select([c for c in frame.columns if c in columns]) if columns else frame
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise _unreadable(path, fmt, exc) from exc


class LateType(Exception):
    """A CSV value further down than the types were inferred from does not fit them."""


def batches(
    path: Path,
    fmt: str,
    columns: Sequence[str] | None = None,
    rows: int = BATCH_ROWS,
    *,
    infer_all: bool = False,
) -> Iterator[pl.DataFrame]:
    """The file `rows` rows at a time, typed as `read` types it, for what must not hold a
    whole file in memory. A CSV's types come from its first rows: a later value that does
    not fit raises LateType, after which the caller starts again with `infer_all` (every
    row read once more, to infer from)."""
    wanted = _present(path, fmt, columns) if columns is not None else None
    try:
        scan = _scan(path, fmt, wanted, infer_all=infer_all)
        if fmt == "jsonl" and columns is not None:
            scan = scan.select([c for c in scan.collect_schema().names() if c in columns])
        yield from scan.collect_batches(chunk_size=rows)
    except pl.exceptions.ComputeError as exc:
        if fmt == "csv" and not infer_all:
            raise LateType(str(exc)) from exc
        raise _unreadable(path, fmt, exc) from exc
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise _unreadable(path, fmt, exc) from exc


def scan(path: Path, fmt: str) -> pl.LazyFrame:
    """The file as a scan for the checks' queries (frames.py), typed as `read` types it (a
    CSV's types inferred from every row: a pass over the file, in bounded memory)."""
    try:
        return _scan(path, fmt, None, infer_all=True)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise _unreadable(path, fmt, exc) from exc


def as_parquet(path: Path, fmt: str, into: Path) -> Path:
    """A text file too big to hold, written once into `into` as Parquet, typed as `read`
    types it: a pass in bounded memory, after which each check's query reads only its own
    columns (polars' streaming CSV reader parses every column each pass: 12-20 s a pass
    over a 1.4 GB file here, where the checks ask a dozen questions). A Parquet file is its
    own copy."""
    if fmt == "parquet":
        return path
    staged = into / f"{path.name}.parquet"
    try:
        try:
            _scan(path, fmt, None, infer_all=False).sink_parquet(staged)
        except pl.exceptions.ComputeError:  # a late value of another type
            if fmt != "csv":
                raise
            _scan(path, fmt, None, infer_all=True).sink_parquet(staged)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        staged.unlink(missing_ok=True)
        raise _unreadable(path, fmt, exc) from exc
    return staged


def schema(path: Path, fmt: str) -> pl.Schema:
    """The columns and types `batches` gives, without reading the rows."""
    try:
        return _scan(path, fmt, None, infer_all=False).collect_schema()
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise _unreadable(path, fmt, exc) from exc


def _scan(path: Path, fmt: str, columns: list[str] | None, *, infer_all: bool) -> pl.LazyFrame:
    if fmt == "parquet":
        scan = pl.scan_parquet(path)
        kept = [c for c in scan.collect_schema().names() if not PANDAS_INDEX.fullmatch(c)]
        return scan.select(columns or kept)
    if fmt == "jsonl":
        return pl.scan_ndjson(path, infer_schema_length=None)
    _utf8_start(path)
    _header_readable(path)
    if not infer_all and _typed_blind(_csv(path, columns, CSV_INFER_ROWS, CSV_INFER_ROWS)):
        infer_all = True
    scan = pl.scan_csv(
        path,
        separator=separator(path),
        null_values=list(PANDAS_NA),
        infer_schema_length=None if infer_all else CSV_INFER_ROWS,
    )
    return scan.select(columns) if columns is not None else scan


def _csv(
    path: Path, columns: list[str] | None, infer: int | None, rows: int | None = None
) -> pl.DataFrame:
    """The file read as the checks read a CSV: pandas' missing values, types inferred from
    `infer` rows (None: all of them), the first `rows` rows (None: all)."""
    return data_formats.csv_frame(path, columns, infer, rows)


def _present(path: Path, fmt: str, columns: Sequence[str]) -> list[str] | None:
    """The wanted columns the header names, in file order; None: read every column."""
    named = header(path, fmt)
    if not named:
        return None
    kept = [c for c in named if c in set(columns)]
    return kept or None


def _without_pandas_index(frame: pl.DataFrame) -> pl.DataFrame:
    """pandas writes a frame's index (any but a plain range) into Parquet as a column
    `__index_level_0__` and reads it back as the index: the model never sees it, so the
    checks do not either (leakage would otherwise compare row numbers)."""
    index = [c for c in frame.columns if PANDAS_INDEX.fullmatch(c)]
    return frame.drop(index) if index else frame


def _read_csv(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    _utf8_start(path)
    _header_readable(path)
    try:
        frame = _csv(path, columns, CSV_INFER_ROWS)
    except pl.exceptions.ComputeError:
        # a late value of another type ("1.5" under integers): infer from every row
        return _csv(path, columns, None)
    if frame.height > CSV_INFER_ROWS and _typed_blind(frame):
        return _csv(path, columns, None)
    return frame


def _header_readable(path: Path) -> None:
    try:
        why = data_formats.header_problem(path)
    except (OSError, ValueError):
        return  # an unreadable header is said where the file is read
    if why:
        raise UserError(f"data file '{data_formats.shown_path(path)}': {why}")


def _utf8_start(path: Path) -> None:
    """polars reads a header that is not UTF-8 as replacement characters, and a UTF-16
    file as columns of NULs: the start of a text file must decode, or it is said here."""
    with open(path, "rb") as handle:
        start = handle.read(HEAD_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8-sig")(errors="strict").decode(start, final=False)
    except UnicodeDecodeError as exc:
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            said = f"invalid utf-8 at byte 0 ({UTF16}: it starts with UTF-16's byte-order mark)"
        else:  # as a byte further on is said (`_unreadable`)
            said = data_formats.not_utf8(path) or f"invalid utf-8 at byte {exc.start}"
        raise ValueError(said) from exc


def _typed_blind(frame: pl.DataFrame) -> bool:
    """A column empty in every inferred row was read as text whatever follows."""
    if frame.height < CSV_INFER_ROWS:
        return False
    head = frame.head(CSV_INFER_ROWS).select(pl.col(pl.String).null_count())
    return any(count == CSV_INFER_ROWS for count in head.row(0)) if head.width else False


def read_pandas(path: Path, fmt: str) -> pd.DataFrame:
    """The frame the model is handed: what the user's own pd.read_csv would give."""
    import pandas as pd

    try:
        if fmt == "csv":
            return pd.read_csv(path, sep=separator(path))
        if fmt == "parquet":
            return pd.read_parquet(path)
        # pandas' own float parser, as the user's pd.read_json has it (0.6736 is read as
        # 0.6736000000000001): the rows' hashes pair them with what runs of other mlgate
        # releases recorded, and 0.28.0's precise parse left them unpaired
        return pd.read_json(path, lines=True)
    except ImportError as exc:  # pandas reads Parquet through pyarrow, an extra
        raise _needs_pyarrow(path) from exc
    except (OSError, ValueError, TypeError) as exc:  # pandas: a JSON line that is a list
        raise _unreadable(path, fmt, exc) from exc


def as_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """Rows already read, as a model is handed them: polars' own `to_pandas` where pyarrow
    is installed (time zones and categories as `read_pandas` gives them from Parquet);
    without it, an extra (Parquet's), column by column through NumPy (`through_numpy`): a
    CSV of production rows stopped `mlgate monitor` with pyarrow's ModuleNotFoundError."""
    wide = [n for n, t in frame.schema.items() if t in (pl.Int128, pl.UInt128)]
    if wide:  # ids past 64 bits, which pyarrow has no type for: Python's ints, a row each
        if len(wide) == frame.width:
            return through_numpy(frame)
        rest = as_pandas(frame.drop(wide))
        for name in wide:
            rest[name] = through_numpy(frame.select(name))[name]
        return rest[frame.columns]
    try:
        return frame.to_pandas()
    except Exception:  # pyarrow not installed, not importable, or without a type for a column
        return through_numpy(frame)  # (an Int128 inside a JSON object: ArrowInvalid)


def through_numpy(frame: pl.DataFrame) -> pd.DataFrame:
    """The frame `to_pandas` gives of what a CSV or JSON Lines file holds (numbers, text,
    booleans, dates; an integer with gaps as floats), without pyarrow. A nested value (a
    JSON object, a list) is one Python object a row, as `to_pandas` gives it."""
    import pandas as pd

    columns: dict[str, object] = {}
    for series in frame.get_columns():
        if isinstance(series.dtype, pl.Categorical | pl.Enum):
            columns[series.name] = pd.Categorical(series.to_list())
        elif series.dtype == pl.Date:  # as pyarrow gives a date: midnight, in milliseconds
            columns[series.name] = series.cast(pl.Datetime("ms")).to_numpy()
        elif series.dtype.is_nested() or series.dtype in (pl.Int128, pl.UInt128):
            columns[series.name] = pd.Series(series.to_list(), dtype=object)
        elif isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is not None:
            instants = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            utc = pd.Series(instants.to_numpy()).dt.tz_localize("UTC")
            columns[series.name] = utc.dt.tz_convert(series.dtype.time_zone)
        else:
            columns[series.name] = series.to_numpy()
    return pd.DataFrame(columns, index=pd.RangeIndex(frame.height))


def pandas_batches(
    path: Path, fmt: str, columns: Sequence[str], rows: int = BATCH_ROWS
) -> Iterator[pd.DataFrame]:
    """The file as `read_pandas` reads it, `rows` rows and only `columns` at a time (those
    of them it has): what hashing the training rows needs, in the memory of a batch. Each
    part's types are inferred from its rows, as pandas does for a long CSV read whole."""
    import pandas as pd

    wanted = set(columns)
    try:
        if fmt == "csv":
            yield from pd.read_csv(
                path, sep=separator(path), usecols=lambda c: c in wanted, chunksize=rows
            )
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(path)
            kept = [c for c in parquet.schema_arrow.names if c in wanted]
            for batch in parquet.iter_batches(batch_size=rows, columns=kept):
                yield batch.to_pandas()
        else:
            for part in pd.read_json(path, lines=True, chunksize=rows):
                yield part[[c for c in part.columns if c in wanted]]
    except ImportError as exc:
        raise _needs_pyarrow(path) from exc
    except (OSError, ValueError, TypeError) as exc:
        raise _unreadable(path, fmt, exc) from exc


def _needs_pyarrow(path: Path) -> UserError:
    return UserError(
        f"reading '{path.name}' for the model needs pyarrow", hint="pip install 'mlgate[parquet]'"
    )


def _unreadable(path: Path, fmt: str, exc: BaseException) -> UserError:
    lines = str(exc).strip().splitlines()
    reason = _trimmed(lines[0]) if lines else type(exc).__name__
    if _empty(path):  # polars: "Cannot infer NDJSON types on empty reader because ..."
        reason = "it is empty"
    elif fmt == "jsonl":  # polars says "Syntax at character 4": which line, it does not say
        reason = data_formats.bad_json_line(path) or reason
    elif fmt == "csv" and "more fields" in reason:  # "than defined in 'Schema'": where?
        reason = data_formats.first_long_row(path) or reason
    elif fmt == "csv" and _not_utf8(reason) and not reason.startswith("invalid utf-8 at byte"):
        # polars: "invalid utf-8 sequence" of a byte past the start `_utf8_start` checks
        # (pandas: "'utf-8' codec can't decode byte 0xe9 in position 5"): which byte?
        reason = data_formats.not_utf8(path) or reason
    hint = None
    named = data_formats.shown_path(path)  # from where the command started, as it prints
    if other := _other_format(path, fmt):  # a Parquet file read as CSV: iconv would ruin it
        reason = other
    elif _not_utf8(reason):
        source = "utf-16" if UTF16 in reason else "latin1"
        command = data_formats.to_utf8(source, named)
        hint = f"the file is not UTF-8 text: convert it, e.g. {command}"
    elif fmt == "parquet" and "PAR1" in reason:
        hint = "a Parquet file ends with PAR1: is it cut short, or another format?"
    return UserError(f"data file '{named}' could not be read as {fmt}: {reason}", hint=hint)


def _not_utf8(reason: str) -> bool:
    return "utf-8" in reason.lower() or "utf8" in reason.lower()


def _other_format(path: Path, fmt: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return data_formats.other_format(handle.read(64), fmt, data_formats.shown_path(path))
    except OSError:
        return None


def _trimmed(reason: str) -> str:
    """polars quotes the value it could not parse whole: a 400-digit number filled the
    error; its start and length say as much."""

    def short(found: re.Match[str]) -> str:
        value = found.group(1)
        return f"`{value[:20]}...` ({len(value):,} characters)"

    return re.sub(r"`([^`]{41,})`", short, reason)


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False
