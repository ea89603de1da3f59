"""What a row expression of the manifest may not say. polars' SQL parser plans a subquery
as it parses (`b IN (SELECT q FROM read_csv('...'))` opened the file, a FIFO, a URL), so
an expression holding a query is refused before polars sees it. Checked on the whole
text, quoted parts too: a tokenizer of our own could disagree with polars' on where a
string ends, and a query hidden there would pass."""

from __future__ import annotations

import re

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
