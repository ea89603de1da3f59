"""What a data file is, and which columns its header names, without reading its rows.

`mlgate validate` uses this to find a column the manifest needs (the target, say) missing
from a data file that is already there, so it imports no data library: the CSV header is
its first record, a Parquet file's columns are in its footer (Thrift, read here), and a
JSON Lines file names its keys in its records. What it reads past the header is the
first MiB of a CSV (a row with more fields than the header) or of a JSON Lines file (each
line a record, and the keys shown as its columns), and, for a rule that needs a column's
type the manifest does not declare, the types polars reads (`kinds`).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import os
import shlex
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import files, words
from mlgate.errors import UserError

if TYPE_CHECKING:
    import polars as pl

FORMATS = ("csv", "parquet", "jsonl")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",  # read with a tab as the separator
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
HEADER_BYTES = 2**20  # a header longer than this is not judged here (the run reads it)
HEADER_ALONE = "has no rows, only a header"
# pandas.read_csv's default missing-value markers (pandas._libs.parsers.STR_NA_VALUES), so
# the checks count as missing exactly what the model, read with pandas, sees as NaN.
PANDAS_NA = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)
# Inferring CSV types from every row costs ~5x the read (1M x 20: 4 s against 0.4-0.7 s);
# from this many rows first, and from all of them only when that guess proves wrong.
CSV_INFER_ROWS = 10_000
_CHUNK = 2**20
# the folder the command was started in, before -C (the CLI sets it for each command, as
# args.started_in): a data file a message names, and every command printed to fix one,
# are from there, as every path mlgate prints; None (a library call): as the caller names
# it. A module's, not a context variable: a message may be built in a worker thread.
_started_in: str | None = None


def started_in(folder: str | None) -> str | None:
    """Where the command was started (before -C), for `shown_path`; the one before."""
    global _started_in
    before, _started_in = _started_in, folder
    return before


def shown_path(path: Path | str, fallback: str | None = None) -> str:
    """`path` as the user can use it where they started the command (before -C): relative
    when it lies there, else absolute (as the CLI's `shown` shows the manifest). Outside a
    command (`started_in` unset), `fallback`, else the path as given."""
    started = _started_in
    if started is None:
        return str(path) if fallback is None else fallback
    return files.from_folder(path, started)


def from_start(said: str, root: Path) -> str:
    """`said` with each path under `root` (absolute, as the run builds them) from where the
    command started, as `shown_path` gives it; outside a command, relative to `root`. A path
    quoted for the shell is rewritten inside its quotes, where it begins with `root`."""
    folder = shown_path(root, "")
    prefix = "" if folder in ("", ".") else folder + os.sep
    return said.replace(f"{root}{os.sep}", prefix)


# a compressed file's extension and first bytes: each read as text was "not UTF-8: convert
# it with iconv ... && mv", which would have replaced the archive with mangled bytes
# (each command writes to standard output: `gunzip -k` refuses a name without .gz)
COMPRESSED = {
    ".gz": ("gzip", b"\x1f\x8b", "gunzip -c"),
    ".bz2": ("bzip2", b"BZh", "bunzip2 -c"),
    ".xz": ("xz", b"\xfd7zXZ\x00", "unxz -c"),
    ".zst": ("zstd", b"\x28\xb5\x2f\xfd", "unzstd -c"),
    ".zip": ("zip", b"PK\x03\x04", "unzip -p"),
}


def compressed(shown: str, start: bytes = b"") -> str | None:
    """Why a compressed file is not read, and how to read it: by its first bytes, else
    its extension. None when it is not one."""
    suffix = Path(shown).suffix.lower()
    for ext, (kind, magic, command) in COMPRESSED.items():
        if start.startswith(magic) or (not start and suffix == ext):
            plain = shown[: -len(ext)] if suffix == ext else f"{shown}.out"
            unpacked = f"{command} {shlex.quote(shown)} > {shlex.quote(plain)}"
            return (
                f"'{shown}' is {kind}-compressed; mlgate reads CSV, Parquet and JSON Lines "
                f"uncompressed: decompress it first (`{unpacked}`), or write Parquet, which "
                "compresses inside the file"
            )
    return None


def detect_format(
    path: Path, declared: str, *, option: str | None = None, renamed: bool = False
) -> str:
    """The declared format, or the one the extension names when data.format is auto.
    `option`: how the command that reads the file is told its format, when not by the
    manifest's data.format (`mlgate profile`: `--format`), for the hint of an extension
    that names none; `renamed`: nothing tells it (monitor's labels), the name must."""
    if declared != "auto":
        if declared not in FORMATS:
            raise UserError(f"data.format '{declared}' is not one of {', '.join(FORMATS)}")
        return declared
    if said := compressed(shown_path(path)):
        raise UserError(said)
    suffix = path.suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    known = ", ".join(f"{ext} ({fmt})" for ext, fmt in EXTENSIONS.items())
    found = f"extension '{path.suffix}'" if path.suffix else "no extension"
    raise UserError(
        f"data file '{shown_path(path)}' has {found}, so its format is unknown; known "
        f"extensions: {known}",
        hint="give the file one of those extensions: its name alone says its format"
        if renamed
        else f"set data.format to one of {', '.join(FORMATS)}"
        if option is None
        else f"pass {option} {'|'.join(FORMATS)}",
    )


def parquet_files(data: object) -> list[tuple[str, str]]:
    """(role, file) of the training and test files a manifest's raw `data:` names that are
    Parquet (by data.format, else by extension): those pandas reads only through pyarrow."""
    if not isinstance(data, dict):
        return []
    parquet = data.get("format") == "parquet"
    return [
        (role, named)
        for role in ("train", "test")
        if isinstance(named := data.get(role), str)
        and (parquet or EXTENSIONS.get(Path(named).suffix.lower()) == "parquet")
    ]


def separator(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def missing_columns(path: Path, fmt: str, wanted: list[str]) -> list[str] | None:
    """Which of `wanted` the file certainly lacks; None when that cannot be told cheaply
    (the data stage reads the whole file and says)."""
    try:
        if fmt == "csv":
            return _absent(_csv_header(path), wanted)
        if fmt == "parquet":
            return _absent(parquet_columns(path), wanted)
        return _jsonl_missing(path, wanted)
    except (OSError, ValueError, IndexError, RecursionError):
        return None  # unreadable or malformed: the run's reader names what is wrong


def header(path: Path, fmt: str) -> list[str] | None:
    """The columns the header names (None for JSON Lines, whose records may differ)."""
    try:
        if fmt == "csv":
            return _csv_header(path)
        if fmt == "parquet":
            return parquet_columns(path)
    except (OSError, ValueError, IndexError, RecursionError):
        return None
    return None


def column_names(path: Path, fmt: str) -> list[str] | None:
    """The columns a message shows a file to have, the same for every format: a CSV's
    header, a Parquet file's footer, and for JSON Lines the keys of its records wholly
    within its first MiB (HEADER_BYTES, as a CSV's header), in the order they first
    appear. None when that cannot be told cheaply (a first record longer than a MiB)."""
    if fmt != "jsonl":
        return header(path, fmt)
    try:
        keys: dict[str, None] = {}
        for _, line in _jsonl_lines(path, HEADER_BYTES):
            record = _PLAIN.decode(line.decode("utf-8")) if line.strip() else None
            if isinstance(record, dict):
                keys.update(dict.fromkeys(record))
    except (OSError, ValueError, RecursionError):
        return None
    return list(keys) or None


def csv_frame(
    path: Path, columns: Sequence[str] | None, infer: int | None, rows: int | None = None
) -> pl.DataFrame:
    """The CSV read as the checks read one: pandas' missing values, types inferred from
    `infer` rows (None: all of them), the first `rows` rows (None: all). Here, beside the
    header, so that validate's look at a column's type reads as the run does."""
    import polars as pl

    return pl.read_csv(
        path,
        separator=separator(path),
        null_values=list(PANDAS_NA),
        infer_schema_length=infer,
        n_rows=rows,
        columns=list(columns) if columns is not None else None,
    )


def kinds(path: Path, fmt: str, columns: Sequence[str]) -> dict[str, str]:
    """What each of `columns` holds, as the run will read it, where the file says so for
    certain: "number", "boolean", "date" or "text". A Parquet file's footer gives its
    types; a CSV's are inferred from its first CSV_INFER_ROWS rows as the run infers them
    (a column empty in all of them is left out: the run infers it from every row). A
    column the file lacks, and every column of a JSON Lines file (whose types the run
    infers from every record), is left out. Imports polars (about 0.2 s): asked only for
    a rule that needs a column's type the manifest does not declare."""
    import polars as pl

    said = {}
    for column, dtype in types(path, fmt, columns).items():
        if dtype == pl.Boolean:
            said[column] = "boolean"
        elif dtype.is_numeric():
            said[column] = "number"
        elif dtype.base_type() in (pl.Date, pl.Datetime):
            said[column] = "date"
        elif dtype.base_type() in (pl.String, pl.Categorical, pl.Enum):
            said[column] = "text"
    return said


def types(path: Path, fmt: str, columns: Sequence[str]) -> dict[str, pl.DataType]:
    """The polars type of each of `columns` the file holds, where it says so for certain
    (`kinds` says which); {} when it cannot be read (said where the file is read)."""
    import polars as pl

    try:
        if fmt == "parquet":
            schema = dict(pl.read_parquet_schema(path))
            return {c: schema[c] for c in columns if c in schema}
        if fmt != "csv":
            return {}
        named = set(columns)
        present = [c for c in header(path, fmt) or [] if c in named]
        if not present:
            return {}
        frame = csv_frame(path, present, CSV_INFER_ROWS, CSV_INFER_ROWS)
        empty = {c for c in present if frame[c].null_count() == frame.height}
        return {c: frame.schema[c] for c in present if c not in empty}
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return {}


def to_utf8(source: str, named: str) -> str:
    """The command that rewrites a file as UTF-8 where it is: iconv writes its output as it
    reads, so to a copy, moved over the file once whole. `named`: the file as `shown_path`
    gives it, from where the command started; quoted here for the shell."""
    file, copy = shlex.quote(named), shlex.quote(f"{named}.utf8")
    return f"iconv -f {source} -t utf-8 {file} > {copy} && mv {copy} {file}"


def unreadable(path: Path, fmt: str, named: str | None = None, *, quote: bool = True) -> str | None:
    """Why the run could not read the file, as far as its first bytes and footer tell
    (None: nothing seen wrong). An empty file, text that is not UTF-8, a CSV column name
    holding a quote or a header split by another separator, a row with more fields than
    the header in the first MiB, a Parquet file without its footer, a JSON Lines line in
    the first MiB that is no record the run reads (`bad_json_line`). `quote=False`: no
    word of the file's own is quoted (a file that is not named as data, see
    `unquotable`). A command it prints names the file from where the command started
    (`shown_path`); outside a command, as `named` names it (else `path`)."""
    named = shown_path(path, named)
    try:
        if path.stat().st_size == 0:
            return "it is empty"
        with open(path, "rb") as handle:
            start = handle.read(64)
        if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return f"it is UTF-16 text, not UTF-8: convert it, e.g. {to_utf8('utf-16', named)}"
        other = other_format(start, fmt, named)
        if other:
            return other
        if fmt == "csv":
            return (
                header_problem(path, quote=quote)
                or _header_alone(path, _csv_header(path) or [])
                or first_long_row(path, HEADER_BYTES)
            )
        if fmt == "parquet":
            parquet_columns(path)
        else:  # the start decoded whole, as a CSV's is: a later line's Latin-1 is found too
            with open(path, "rb") as handle:
                start = handle.read(HEADER_BYTES)
            codecs.getincrementaldecoder("utf-8")(errors="strict").decode(start)
            return bad_json_line(path, HEADER_BYTES)
    except UnicodeDecodeError as exc:  # counted from 1, as people count bytes and lines
        line = bytes(exc.object[: exc.start]).count(b"\n") + 1
        return (
            f"it is not UTF-8 text (its byte {exc.start + 1:,}, on line {line:,}, does not "
            "decode): convert it, e.g. " + to_utf8("latin1", named)
        )
    except (ValueError, IndexError) as exc:
        return f"it is not a readable Parquet file ({exc})" if fmt == "parquet" else str(exc)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def first_bad_utf8(path: Path) -> tuple[int, int] | None:
    """Where a file first stops being UTF-8: (its byte, counted from 0, and its line,
    from 1); None when it is UTF-8 throughout, or cannot be read. Read a MiB at a time
    through an incremental decoder: a character split between two reads is whole, and a
    file of any size is read in the memory of a MiB (polars says only "invalid utf-8
    sequence", past what the data stage checks first)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    read = lines = 0  # bytes and line feeds before the chunk at hand
    try:
        with open(path, "rb") as handle:
            while True:
                chunk = handle.read(_CHUNK)
                held = len(decoder.getstate()[0])  # a character's start, from before
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    at = read - held + exc.start  # exc.object: what was held, then chunk
                    return at, lines + chunk[: max(0, at - read)].count(b"\n") + 1
                if not chunk:
                    return None
                read += len(chunk)
                lines += chunk.count(b"\n")
    except OSError:
        return None


def not_utf8(path: Path) -> str | None:
    """The data stage's words for a file that is not UTF-8, by its first byte that does
    not decode (counted from 0, as polars counts) and that byte's line; None when every
    byte decodes (or the file cannot be read)."""
    found = first_bad_utf8(path)
    if found is None:
        return None
    at, line = found
    return f"invalid utf-8 at byte {at:,}, on line {line:,}"


class _NoJsonNumber(ValueError):
    """NaN, Infinity, 1e400: Python's json reads them, JSON (and polars) do not."""


def _no_json_number(name: str) -> object:
    raise _NoJsonNumber(
        f"{name}, which is not a JSON number (Python's json.dumps writes it; write null for "
        "a missing value)"
    )


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NoJsonNumber(f"{text}, a number too large for a 64-bit float (at most 1.8e308)")
    return value


def json_line_problem(line: str) -> str | None:
    """What keeps one JSON Lines line from being a record polars reads, as the rest of a
    sentence about it ("line 3 " + this); None when it is one. Python's json reads NaN,
    Infinity and 1e400, and recurses where polars stops at about 1,000 levels: each was a
    traceback or polars' "InvalidNumber at character 5" with no line."""
    if _plain_record(line.rstrip("\r\n")):
        return None
    try:
        record = json.loads(
            line.rstrip("\r\n"), parse_constant=_no_json_number, parse_float=_finite
        )
    except _NoJsonNumber as exc:
        return f"holds {exc}"
    except json.JSONDecodeError as exc:
        return f"is not JSON ({exc.msg}, column {exc.colno})"
    except RecursionError:
        return "nests arrays or objects too deep to be read (polars stops at about 1,000 levels)"
    return None if isinstance(record, dict) else "is not a JSON object"


_PLAIN = json.JSONDecoder()  # made once: json.loads with options makes one for each line


def _plain_record(text: str) -> bool:
    """A line that is one flat object of finite numbers, text, true, false and null: most
    records, told at the C decoder's pace (the full check calls Python for each float,
    twice as slow over a MiB). False: anything else, which gets the full check."""
    try:
        record = _PLAIN.decode(text)
    except (ValueError, RecursionError):
        return False
    if type(record) is not dict:
        return False
    for value in record.values():
        if type(value) is float:
            if not math.isfinite(value):  # NaN, Infinity and 1e400 read as floats here
                return False
        elif type(value) in (dict, list):
            return False
    return True


def bad_json_line(path: Path, limit: int | None = None) -> str | None:
    """The first line of a JSON Lines file that is no record polars reads, as the run's
    reader names it ("line 5 is not JSON (Expecting ',' delimiter, column 41)"; blank
    lines are skipped, as polars skips them); `limit`: only the lines wholly within the
    file's first `limit` bytes (validate's look). None: every line read is a record."""
    try:
        for number, raw in _jsonl_lines(path, limit):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:  # polars says "at line 0" of any line
                return f"line {number} is not UTF-8 text (its byte {exc.start + 1})"
            if line.strip() and (why := json_line_problem(line)):
                return f"line {number} {why}"
    except OSError:
        return None
    return None


def _jsonl_lines(path: Path, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """Each line of a JSON Lines file with its number (from 1); `limit`: only those wholly
    within its first `limit` bytes (the last one there may be cut short, unless the file
    ends with it). A line is read no further than the limit: one line of a GiB is not held."""
    left = limit
    with open(path, "rb") as handle:
        for number in itertools.count(1):
            raw = handle.readline() if left is None else handle.readline(left + 1)
            if not raw or (left is not None and len(raw) > left):
                return
            if left is not None:
                left -= len(raw)
            yield number, raw


def other_format(start: bytes, fmt: str, shown: str) -> str | None:
    """A file whose first bytes are another format's than the one it is read as: a
    Parquet file read as CSV was "not UTF-8 text: convert it with iconv", advice that
    would have ruined it; a gzip file too; a JSON array read as JSON Lines."""
    if said := compressed(shown, start):
        return said
    if start.startswith(b"PAR1") and fmt != "parquet":
        return (
            f"it is a Parquet file, not {fmt}: set data.format: parquet, or leave data.format "
            "out and name the file .parquet"
        )
    text = start.lstrip(codecs.BOM_UTF8).lstrip()
    if fmt == "jsonl" and text.startswith(b"["):
        return (
            "it is one JSON array, not JSON Lines (one record per line): write it with "
            "pandas' to_json(path, orient='records', lines=True)"
        )
    return None


def header_problem(path: Path, *, quote: bool = True) -> str | None:
    """Why a CSV's header would not be read as the columns it names, if it would not;
    `quote=False`: said without quoting the header."""
    names = _csv_header(path) or []
    return (
        _lines_end_in_cr(path)
        or _quote_in(names, quote)
        or _other_separator(names, separator(path), quote)
        or _repeated(names, quote)
    )


def _lines_end_in_cr(path: Path) -> str | None:
    """Lines ended by CR alone (classic Mac OS, some spreadsheet exports): the checks'
    reader took the whole file for its header, and the run said it "has no rows, only a
    header" while pandas read 210 rows of it."""
    with open(path, "rb") as handle:
        start = handle.read(HEADER_BYTES)
    if b"\n" in start or b"\r" not in start.rstrip(b"\r"):
        return None
    named = shown_path(path)
    file, copy = shlex.quote(named), shlex.quote(f"{named}.lf")
    return (
        "its lines end with a carriage return alone (CR, no line feed), which is read as "
        f"one line: convert them, e.g. tr '\\r' '\\n' < {file} > {copy} && mv {copy} {file}"
    )


def first_long_row(path: Path, limit: int | None = None) -> str | None:
    """The first CSV row with more fields than its header, by its line in the file (a
    quoted value may span lines), which polars refuses without saying where ("found more
    fields than defined in 'Schema'"); `limit`: only the rows wholly within the file's
    first `limit` bytes (validate's look)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read() if limit is None else handle.read(limit)
        cut = limit is not None and len(raw) == limit
        if cut:  # the last line may be cut short: judge only the lines before it
            raw = raw[: raw.rfind(b"\n") + 1]
        text = raw.decode("utf-8-sig", errors="replace")
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=separator(path))
        named = len(next(rows, []))
        for row in rows:
            if len(row) > named:
                return (
                    f"line {rows.line_num} has {len(row)} fields where the header names "
                    f"{words.count(named, 'column')} (a separator too many, or a value that "
                    "needs quotes)"
                )
    except (OSError, csv.Error):
        return None
    return None


def unquotable(path: Path, shown: str) -> str | None:
    """Why no word of `path` may be quoted in a message (None: it may): a data file is
    one named as one (EXTENSIONS), and so is the file it is a symbolic link to (one in
    DVC's cache, named by its hash, aside). Any other file is still read as data.format
    says (`test: /etc/passwd` with `format: csv`), and judged, but its header is never
    printed: a manifest must not make mlgate show a file that is not data."""
    if path.suffix.lower() not in EXTENSIONS:
        return f"'{shown}' is not named as a data file ({', '.join(EXTENSIONS)})"
    real = path.resolve()
    parts = real.parts
    in_dvc_cache = any(parts[i : i + 2] == (".dvc", "cache") for i in range(len(parts)))
    if real.suffix.lower() not in EXTENSIONS and not in_dvc_cache:
        return f"'{shown}' is a link to {real}, which is not named as a data file"
    return None


def _header_alone(path: Path, names: list[str]) -> str | None:
    """A header and no row under it: validate called it valid, and the run refused it."""
    if not names:
        return None
    with open(path, "rb") as handle:
        start = handle.read(HEADER_BYTES)
    if len(start) == HEADER_BYTES:
        return None  # rows may follow past what was read
    text = start.decode("utf-8-sig", errors="replace")
    records = csv.reader(io.StringIO(text, newline=""), delimiter=separator(path))
    next(records, None)
    if any(any(field.strip() for field in row) for row in records):
        return None
    return HEADER_ALONE


def _repeated(names: list[str], quote: bool = True) -> str | None:
    """A column named twice: pandas renames the second `ages.1`, polars refuses, and a
    model was handed the first (an id column) where the second was meant."""
    seen: dict[str, int] = {}
    for place, name in enumerate(names, 1):
        if name in seen:
            return (
                f"the header names {json.dumps(name) if quote else 'a column'} twice "
                f"(columns {seen[name]} and {place}): give each column its own name"
            )
        seen[name] = place
    return None


def _quote_in(names: list[str], quote: bool = True) -> str | None:
    """polars (2.1) keeps an escaped quote doubled (`"a""b"` is a""b to it, a"b to pandas),
    so the checks would test another column name than the model is given."""
    quoted = [name for name in names if '"' in name]
    if not quoted:
        return None
    name = f"the column name {json.dumps(quoted[0])}" if quote else "a column name"
    return (
        f"{name} holds a double quote, which polars and pandas read differently: rename the column"
    )


_SEPARATORS = {",": "commas", "\t": "tabs", ";": "semicolons"}


def _other_separator(names: list[str], used: str, quote: bool = True) -> str | None:
    """A header read as one column that holds another separator: a comma-separated file
    named .tsv, a tab-separated one named .csv, a semicolon-separated export. Read as it
    is, it would be one column, and every column the manifest names would be missing."""
    if len(names) != 1:
        return None
    found = [sign for sign in _SEPARATORS if sign != used and sign in names[0]]
    if not found:
        return None
    shown = names[0] if len(names[0]) <= 60 else names[0][:57] + "..."
    said = (
        f"its header is one column{f', {json.dumps(shown)},' if quote else ''} split by "
        f"{_SEPARATORS[found[0]]}, not {_SEPARATORS[used]}: "
    )
    if found[0] == ",":
        return said + "rename it to end in .csv (a .tsv file is read as tab-separated)"
    if found[0] == "\t":
        return said + "rename it to end in .tsv (a .csv file is read as comma-separated)"
    return said + (
        "mlgate reads commas (.csv) and tabs (.tsv); write the file with commas, e.g. "
        "pandas' to_csv(path, index=False)"
    )


def _absent(columns: list[str] | None, wanted: list[str]) -> list[str] | None:
    return None if columns is None else [c for c in wanted if c not in columns]


def _csv_header(path: Path) -> list[str] | None:
    with open(path, "rb") as handle:
        raw = handle.read(HEADER_BYTES)
    text = codecs.getincrementaldecoder("utf-8-sig")(errors="strict").decode(raw)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=separator(path))
    first = next(records, None)
    if first is None:
        return []  # an empty file: no columns at all
    if len(raw) == HEADER_BYTES and next(records, None) is None:
        return None  # the header may go on past what was read
    return first


def _jsonl_missing(path: Path, wanted: list[str]) -> list[str]:
    """A key is missing when no record names it: absent from the first record, and its
    quoted name appears nowhere in the file (one pass over the bytes, no parsing)."""
    with open(path, "rb") as handle:
        first = handle.readline(HEADER_BYTES)
        record = json.loads(first) if first.strip() else {}
        keys = set(record) if isinstance(record, dict) else set()
        left = {c: json.dumps(c).encode() for c in wanted if c not in keys}
        tail = b""
        handle.seek(0)
        while left:
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            window = tail + chunk
            left = {c: q for c, q in left.items() if q not in window}
            tail = window[-max(map(len, left.values()), default=1) :]
    return [c for c in wanted if c in left]


def parquet_columns(path: Path) -> list[str]:
    """Top-level column names from the footer: FileMetaData.schema, compact Thrift."""
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        if size < 12:
            raise ValueError("too short for Parquet")
        handle.seek(size - 8)
        tail = handle.read(8)
        if tail[4:] != b"PAR1":
            raise ValueError("not Parquet")
        length = int.from_bytes(tail[:4], "little")
        if length > min(size - 8, 64 * 2**20):
            raise ValueError("footer too large")
        handle.seek(size - 8 - length)
        footer = handle.read(length)
    elements = _Thrift(footer).file_schema()
    names: list[str] = []
    at = 1
    for _ in range(elements[0][1] if elements else 0):  # the root's children
        names.append(elements[at][0])
        at = _after(elements, at)
    return names


def _after(elements: list[tuple[str, int]], at: int) -> int:
    """The index after element `at` and all of its descendants (depth-first order)."""
    children = elements[at][1]
    at += 1
    for _ in range(children):
        at = _after(elements, at)
    return at


class _Thrift:
    """Just enough of Thrift's compact protocol to read SchemaElement names."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def file_schema(self) -> list[tuple[str, int]]:
        """FileMetaData field 2: (name, num_children) of every SchemaElement."""
        for field, kind in self._fields():
            if field == 2 and kind == 9:
                count, item = self._list_header()
                if item != 12:
                    raise ValueError("schema is not a list of structs")
                return [self._schema_element() for _ in range(count)]
            self._skip(kind)
        raise ValueError("no schema in the footer")

    def _schema_element(self) -> tuple[str, int]:
        name, children = "", 0
        for field, kind in self._fields():
            if field == 4 and kind == 8:
                name = self._binary().decode("utf-8")
            elif field == 5 and kind == 5:
                children = self._zigzag()
            else:
                self._skip(kind)
        return name, children

    def _byte(self) -> int:
        value = self.data[self.at]
        self.at += 1
        return value

    def _varint(self) -> int:
        shift = result = 0
        while True:
            byte = self._byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ValueError("varint too long")

    def _zigzag(self) -> int:
        n = self._varint()
        return (n >> 1) ^ -(n & 1)

    def _binary(self) -> bytes:
        length = self._varint()
        if self.at + length > len(self.data):
            raise ValueError("truncated")
        value = self.data[self.at : self.at + length]
        self.at += length
        return value

    def _fields(self) -> Iterator[tuple[int, int]]:
        last = 0
        while True:
            header = self._byte()
            kind = header & 0x0F
            if kind == 0:
                return
            delta = header >> 4
            last = last + delta if delta else self._zigzag()
            yield last, kind

    def _list_header(self) -> tuple[int, int]:
        header = self._byte()
        count = header >> 4
        return (self._varint() if count == 15 else count), header & 0x0F

    def _skip(self, kind: int) -> None:
        if kind in (1, 2):  # booleans live in the field header
            return
        if kind == 3:
            self.at += 1
        elif kind in (4, 5, 6):
            self._varint()
        elif kind == 7:
            self.at += 8
        elif kind == 8:
            self._binary()
        elif kind in (9, 10):
            count, item = self._list_header()
            for _ in range(count):
                self._skip_item(item)
        elif kind == 11:
            count = self._varint()
            if count:
                types = self._byte()
                for _ in range(count):
                    self._skip_item(types >> 4)
                    self._skip_item(types & 0x0F)
        elif kind == 12:
            for _, inner in self._fields():
                self._skip(inner)
        else:
            raise ValueError(f"unknown Thrift type {kind}")

    def _skip_item(self, kind: int) -> None:
        if kind in (1, 2):  # a boolean element of a list is a whole byte
            self.at += 1
        else:
            self._skip(kind)
