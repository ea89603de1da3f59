"""What a row expression of the manifest may not say. polars' SQL parser plans a subquery
as it parses (`b IN (SELECT q FROM read_csv('...'))` opened the file, a FIFO, a URL), so
an expression holding a query is refused before polars sees it. Checked on the whole
text, quoted parts too: a tokenizer of our own could disagree with polars' on where a
string ends, and a query hidden there would pass. A query that reads nothing (`IN
(VALUES (1))`, `EXISTS (...)`) is refused by its words too, and after the parse by the
subplan polars made of it, which no comment between the words hides.

`mlgate validate` parses each expression too, so a typo is said with the manifest's other
problems; polars is imported then, by a manifest that has expressions alone. A column's
`pattern` is compiled here too, by polars, for validate and the run alike.
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# `values`, `with`, `table` and `exists` only where a query starts: `table > 1` reads a
# column, `(TABLE t)` and `EXISTS (` a query
_QUERY = re.compile(
    r"""\b(?:select|from)\b|\(\s*(?:values|with)\b|\bexists\s*\(
    |\(\s*table\s+(?!(?:and|or|not|is|in|between|like|ilike)\b)["\w]""",
    re.IGNORECASE | re.ASCII | re.VERBOSE,
)


def query_in(text: str) -> str | None:
    """Why `text` is refused, or None."""
    found = _QUERY.search(text)
    return None if found is None else _refused(re.findall(r"\w+", found.group(0))[0])


def _refused(word: str | None) -> str:
    said = f" ('{word}')" if word else ""
    return (
        f"an expression is judged on each row alone and may not hold a query{said}: a "
        f"subquery or a table function would read other files"
    )


def _holds_subplan(parsed: pl.Expr) -> bool:
    """Whether polars planned a query inside `parsed`: words miss one behind a comment
    (`IN (/* */ VALUES (1))`), the tree polars made does not. "SubPlan" is a node's kind,
    a key of the tree, where a column's name is only ever a value."""
    import polars as pl

    def holds(node: object) -> bool:
        if isinstance(node, dict):
            return "SubPlan" in node or any(holds(v) for v in node.values())
        return isinstance(node, list) and any(holds(v) for v in node)

    try:
        return holds(json.loads(parsed.meta.serialize(format="json")))
    except (pl.exceptions.PolarsError, ValueError):  # polars calls its JSON form unstable
        return ".subplan(" in str(parsed)


@functools.lru_cache(maxsize=256)
def condition(text: str) -> pl.Expr | str:
    """`text` as polars' SQL parser reads it (a parser, never eval), or why it cannot be.
    One that holds a query is refused unparsed: polars runs a subquery as it parses.
    Parsed once (validate reads each for its problems and its columns, the data stage for
    each file); an expression is immutable, so the one parse serves them all."""
    if why := query_in(text):
        return why
    import polars as pl

    try:
        parsed = pl.sql_expr(text)
    except (pl.exceptions.PolarsError, ValueError, OSError) as exc:
        said = f"not a SQL expression polars can read: {_plainly(exc)}"
        word = re.search(r"found '(\w+)' clause", said)
        if word:  # `end >= start`: a column named like a SQL word
            said += (
                f'; a column named {word.group(1)} is written in double quotes: "{word.group(1)}"'
            )
        return said
    return _refused(None) if _holds_subplan(parsed) else parsed


def judged_on(parsed: pl.Expr, shape: pl.DataFrame) -> str | None:
    """Why `parsed` is no condition on a table of `shape`'s columns and types (no rows
    needed: polars raises a type error on none as on many), or None. A result that is not
    true/false counted nonsense: `age` alone made "-72 of 3 rows" fail."""
    import polars as pl

    try:
        dtype = shape.head(0).select(parsed.alias("judged")).to_series().dtype
    except pl.exceptions.PolarsError as exc:
        said = _plainly(exc)
        return f"cannot be evaluated on the data's column types: {said}{_zones_hint(said)}"
    if dtype in (pl.Boolean, pl.Null):
        return None
    kind = (
        "numbers"
        if dtype.is_numeric()
        else "text"
        if dtype == pl.String
        else "dates"
        if dtype.is_temporal()
        else f"values of type {dtype}"
    )
    return (
        f"the expression gives {kind}, not true or false: it is a condition each row must "
        'meet, such as age >= 18 or "end" >= start'
    )


def _plainly(exc: Exception) -> str:
    """polars' message without the parser's tree it appends (`...: Dot(Function(...`). A
    type after `of dtype:` is kept: `Datetime('μs', 'UTC')` is what explains the error."""
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    tree = re.search(r"(?<!dtype):\s+[A-Z][A-Za-z]*[({]", said)
    said = said[: tree.start()] if tree else said
    return said if len(said) <= 240 else said[:237] + "..."


_DATETIME = re.compile(r"series '(.*?)' of dtype: Datetime\('[^']*'(?:, '([^']*)')?\)")


def _zones_hint(said: str) -> str:
    """How to compare datetimes polars will not: in two time zones, or one without any
    (a TIMESTAMP literal). CAST(... AS TIMESTAMPTZ) takes either to UTC."""
    sides = _DATETIME.findall(said)
    if len(sides) != 2 or sides[0][1] == sides[1][1]:
        return ""
    zones = " and ".join(_zone(name, zone) for name, zone in sides)
    fixes = " and ".join(_to_utc(name) for name, zone in sides if zone != "UTC")
    return f"; {zones}: compare both in UTC, with {fixes}"


def _zone(name: str, zone: str) -> str:
    side = "the literal" if name == "literal" else name
    return f"{side} has time zone {zone}" if zone else f"{side} has no time zone"


def _to_utc(name: str) -> str:
    if name == "literal":
        return "TIMESTAMPTZ '2026-01-31 16:00:00+00' for the literal"
    quoted = (
        name
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
        else '"' + name.replace('"', '""') + '"'
    )
    return f"CAST({quoted} AS TIMESTAMPTZ)"


def regex_problem(pattern: str) -> str | None:
    """Why polars cannot match `pattern`, or None. It matches with Rust's regex crate, not
    Python's re (`\\p{Greek}` and `\\z` are valid, look-around and backreferences are not),
    so validate and the run both ask polars, with the call the run matches with."""
    import polars as pl

    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError as exc:
        lines = str(exc).splitlines()
        reason = next((ln.strip() for ln in lines if ln.strip().startswith("error:")), lines[0])
        return reason.removeprefix("error: ") + _position(pattern, lines)
    return None


def _position(pattern: str, lines: list[str]) -> str:
    """Where polars' caret points (`    (?<=a)b` over `    ^^^^`), as Python's re says
    it; nothing for a pattern of many lines, which polars shows numbered."""
    shown = f"    {pattern}"
    if "\n" in pattern or shown not in lines:
        return ""
    under = lines[lines.index(shown) + 1 :]
    if not under or not under[0].strip().startswith("^"):
        return ""
    return f" at position {under[0].index('^') - 4}"


def columns_of(text: str) -> list[str]:
    """The columns an expression reads ([] when it cannot be parsed: said elsewhere)."""
    parsed = condition(text)
    return [] if isinstance(parsed, str) else list(dict.fromkeys(parsed.meta.root_names()))
