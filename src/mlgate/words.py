"""Counted nouns in what mlgate says: "1 check", "2 checks", "1 of 1 gate".

Every message that puts a number before a noun goes through `count`, so no message says
"1 checks passed"; a test keeps counts written by hand out of the source.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

# plurals that are not the noun + "s"
IRREGULAR = {
    "class": "classes",
    "match": "matches",
    "entry": "entries",
    "index": "indices",
    "category": "categories",
}


def plural(noun: str, n: int) -> str:
    """`noun` as it reads after the number `n`: "check" or "checks"."""
    if n == 1:
        return noun
    head, _, last = noun.rpartition(" ")  # "test row" -> "test rows"
    word = IRREGULAR.get(last, f"{last}s")
    return f"{head} {word}" if head else word


def count(n: int, noun: str) -> str:
    """ "1 check", "0 checks", "114 test rows", "1,000,000 rows" """
    return f"{n:,} {plural(noun, n)}"


def of(part: int, whole: int, noun: str) -> str:
    """ "2 of 43 checks", "0 of 1 gate": the noun agrees with the whole"""
    return f"{part:,} of {count(whole, noun)}"


def names(items: Sequence[str], most: int) -> str:
    """ "age, income and 3 more": the first `most` names from data, each as `name` shows it."""
    return first([name(item) for item in items[:most]], len(items))


def first(shown: Sequence[str], total: int, sep: str = ", ") -> str:
    """ "a, b and 3 more" ("a; b; and 3 more"): items already worded, the first of `total`;
    a list of thousands made a message of pages."""
    rest = total - len(shown)
    more = f"{'' if sep == ', ' else sep.rstrip()} and {rest:,} more" if rest > 0 else ""
    return sep.join(shown) + more


def size(count: int) -> str:
    """A byte count as people read it: "64 KiB", "1.9 MiB", "1.4 GiB"."""
    for unit, name in ((2**30, "GiB"), (2**20, "MiB")):
        if count >= unit:
            return f"{count / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{count / 2**10:.1f}".removesuffix(".0") + " KiB"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut shown by an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def assignments(values: Mapping[str, Any]) -> str:
    """`train.C=0.1, train.penalty="l 1"`: a configuration on one line, a text that is not
    a plain word quoted so its edges show."""
    return ", ".join(f"{k}={_shown(v)}" for k, v in values.items())


def _shown(value: Any) -> str:
    """A text that is not a plain word quoted, its letters as they are (α, €, not \\u03b1),
    and what does not print (a line break, a right-to-left override) as an escape."""
    if isinstance(value, str) and not value.isidentifier():
        quoted = json.dumps(value, ensure_ascii=False)
        return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)
    return as_written(value)


def name(text: str) -> str:
    """A name from data (a column, a file's header) in a message: bare when it reads as
    itself, else quoted with what would not show escaped. Names that differ only in what
    does not show read as nonsense bare ("test lacks a ; test adds  a", "lacks café; adds
    café"), and a control character in one reached the terminal as itself."""
    import unicodedata

    if _plain(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return "".join(
        c if c.isprintable() and not unicodedata.combining(c) else f"\\u{ord(c):04x}"
        for c in quoted
    )


def quoted(text: str) -> str:
    """`name`, always in quotes: 'mean radius', or "a " (`name`'s escapes) when it needs
    them."""
    return f"'{text}'" if _plain(text) else name(text)


def _plain(text: str) -> bool:
    import unicodedata

    return (
        bool(text)
        and text == text.strip()
        and text.isprintable()
        and unicodedata.is_normalized("NFC", text)
    )


def as_written(value: Any) -> str:
    """A value as a YAML file (a params file, the manifest) writes it: true, null, .inf,
    not as Python prints it: True, None, inf."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    return str(value)


# the levels a p-value is read against: it is never printed on the other side of one
LEVELS = (0.1, 0.05, 0.01, 0.001)


def confidence(level: float) -> str:
    """A confidence level: 95%, 99.9% (never rounded to 100%: 0.999 said "100% CI")."""
    return f"{level * 100:.10g}%"


def p_is(p: float, level: float | None = None) -> str:
    """A p-value after "p": "= 0.0312", "= 1.2e-08", "< 5e-324" (never "= <5e-324")."""
    return "< 5e-324" if p == 0 else f"= {p_value(p, level)}"


def p_value(p: float, level: float | None = None) -> str:
    """Three significant digits, so a tiny p-value stays readable: 0.0312, 1.2e-08; more
    where three would put it on the other side of a level (0.04995, not 0.05, which reads
    as not below 0.05), or onto the run's own `level` (0.03996 at 96% confidence, not
    0.04). 0 is "<5e-324": below the smallest double, not 0."""
    if p == 0:
        return "<5e-324"
    # 1 - 0.96 is 0.04000000000000004: the level as the user wrote it
    levels = LEVELS if level is None else (*LEVELS, float(f"{level:.12g}"))
    for digits in range(3, 17):
        said = f"{p:.{digits}g}"
        if all((float(said) < at) == (p < at) for at in levels):
            return said
    return repr(p)
