"""How data checks write numbers, shares and example values in their one-line messages."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

EXAMPLES = 3  # offending values a message shows
LISTED = 10  # allowed values a rule shows before it abbreviates
TEXT_WIDTH = 40


def number(value: object) -> str:
    """18.0 -> "18", 0.1 -> "0.1": as the user would write it in the manifest."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return str(value)


def example(value: object) -> str:
    """Text quoted (so '' and ' a' show), numbers bare, dates in ISO form."""
    if isinstance(value, str):
        shown = value if len(value) <= TEXT_WIDTH else value[: TEXT_WIDTH - 1] + "…"
        return repr(shown)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return number(value)


def examples(values: Iterable[object]) -> str:
    shown = [example(v) for v in values][:EXAMPLES]
    return f", e.g. {', '.join(shown)}" if shown else ""


def at_rows(rows: Sequence[int], count: int) -> str:
    """ "; at rows 5, 9" or "; first at rows 5, 9, 77": where offenders are, counted from 1
    after a header. Not where the example values are: those are the most telling ones."""
    if not rows:
        return ""
    first = "first " if count > len(rows) else ""
    return f"; {first}at {'row' if len(rows) == 1 else 'rows'} {', '.join(map(str, rows))}"


def percent(count: int, total: int, bound: float | None = None) -> str:
    """One decimal, never rounding a real count to 0% or 100%, nor onto `bound` (a share
    the check holds against): "2.4% repeat an earlier row, more than 2.4%" read as equal,
    where 2.44% was found."""
    if total == 0:
        return "0%"
    share = 100 * count / total
    if 0 < share < 0.1:
        return "<0.1%"
    if 99.9 < share < 100:
        return ">99.9%"
    said = f"{share:.1f}%"
    if bound is None or count / total == bound or apart(float(said[:-1]), share, 100 * bound):
        return said
    from mlgate import bounds

    return bounds.past(count / total, bound, signed=False, percent=True)


def apart(shown: float, value: float, bound: float) -> bool:
    """Whether a figure as printed stands on the side of its bound the figure does (1.2%
    printed of 1.246% read as below a bound of 1.24%)."""
    bound = round(bound, 10)  # 100 * 0.024 is 2.4000000000000004
    return shown != bound and (shown < bound) == (value < bound)


def share(count: int, total: int, noun: str = "rows", bound: float | None = None) -> str:
    """ "3 of 114 rows (2.6%)"; `bound`: see `percent`."""
    return f"{count:,} of {total:,} {noun} ({percent(count, total, bound)})"


def fraction(value: float) -> str:
    """A manifest fraction as a percentage: 0.01 -> "1%"."""
    return f"{value * 100:g}%"


def value_set(values: Iterable[object]) -> str:
    """ "{basic, pro}", abbreviated past LISTED values."""
    shown = [number(v) for v in values]
    if len(shown) > LISTED:
        shown = [*shown[:LISTED], f"… {len(shown) - LISTED:,} more"]
    return "{" + ", ".join(shown) + "}"
