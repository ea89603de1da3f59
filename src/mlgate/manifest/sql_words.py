"""What a row expression of the manifest may not say. polars' SQL parser plans a subquery
as it parses (`b IN (SELECT q FROM read_csv('...'))` opened the file, a FIFO, a URL), so
an expression holding a query is refused before polars sees it. Checked on the whole
text, quoted parts too: a tokenizer of our own could disagree with polars' on where a
string ends, and a query hidden there would pass.

`mlgate validate` parses each expression too, so a typo is said with the manifest's other
problems; polars is imported then, by a manifest that has expressions alone.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

_QUERY = re.compile(r"\b(select|from)\b", re.IGNORECASE | re.ASCII)


def query_in(text: str) -> str | None:
    """Why `text` is refused, or None."""
    found = _QUERY.search(text)
    if found is None:
        return None
    return (
        f"an expression is judged on each row alone and may not hold a query "
        f"('{found.group(0)}'): a subquery or a table function would read other files"
    )


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
        return pl.sql_expr(text)
    except (pl.exceptions.PolarsError, ValueError, OSError) as exc:
        said = f"not a SQL expression polars can read: {_plainly(exc)}"
        word = re.search(r"found '(\w+)' clause", said)
        if word:  # `end >= start`: a column named like a SQL word
            said += (
                f'; a column named {word.group(1)} is written in double quotes: "{word.group(1)}"'
            )
        return said


def judged_on(parsed: pl.Expr, shape: pl.DataFrame) -> str | None:
    """Why `parsed` is no condition on a table of `shape`'s columns and types (no rows
    needed: polars raises a type error on none as on many), or None. A result that is not
    true/false counted nonsense: `age` alone made "-72 of 3 rows" fail."""
    import polars as pl

    try:
        dtype = shape.head(0).select(parsed.alias("judged")).to_series().dtype
    except pl.exceptions.PolarsError as exc:
        return f"cannot be evaluated on the data's column types: {_plainly(exc)}"
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
    """polars' message without the parser's tree it appends (`...: Dot(Function(...`)."""
    said = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    tree = re.search(r":\s+[A-Z][A-Za-z]*[({]", said)
    said = said[: tree.start()] if tree else said
    return said if len(said) <= 160 else said[:157] + "..."


def columns_of(text: str) -> list[str]:
    """The columns an expression reads ([] when it cannot be parsed: said elsewhere)."""
    parsed = condition(text)
    return [] if isinstance(parsed, str) else list(dict.fromkeys(parsed.meta.root_names()))
