"""How every number in a report reads: one place, so a metric looks the same in the
Markdown report, the terminal, JUnit, the registry's views and a gate's explanation.

Missing values read "n/a"; NaN and infinities print as Python prints them ("nan", "inf").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from mlgate import words
from mlgate.bounds import past as past  # said with the other numbers, kept with bounds
from mlgate.bounds import written

if TYPE_CHECKING:
    from mlgate.result.records import CheckResult

NA = "n/a"


def value(x: float | None) -> str:
    """A metric's value: 0.9050."""
    return NA if x is None else f"{x:.4f}"


def metrics(figures: Mapping[str, float | None], checks: Iterable[CheckResult]) -> dict[str, str]:
    """Each metric as a report prints it: four places, or the places that show it past the
    bound a model check found it past (accuracy 0.79996 beside "below the minimum 0.8",
    where four places printed 0.8000)."""
    crossed = {
        c.subject: c.bound
        for c in checks
        if c.status == "failed" and c.bound is not None and c.id == f"model.metrics.{c.subject}"
    }
    return {
        name: value(x) if x is None or name not in crossed else past(x, crossed[name], signed=False)
        for name, x in figures.items()
    }


def delta(x: float | None) -> str:
    """A change, always signed: +0.0070, -0.0070 (a change that rounds to zero keeps its sign)."""
    return NA if x is None else f"{x:+.4f}"


def relative(x: float | None) -> str:
    """A relative change as a signed percentage: +1.25%."""
    return NA if x is None else f"{x:+.2%}"


UNDERFLOW = words.p_value(0)  # below the smallest double a p-value is computed as 0


def p_value(p: float, level: float | None = None) -> str:
    """Three significant digits, so a tiny p-value stays readable: 0.0312, 1.2e-08; more
    where three would put it on the other side of a level, or onto the run's own `level`
    (words.p_value)."""
    return words.p_value(p, level)


p_is = words.p_is


def interval(low: float, high: float) -> str:
    """A confidence interval of a change: [-0.0120, +0.0040]; an end that four places
    would print as 0 gets the places that show its side of 0 (-0.00003, not -0.0000), as
    whether the interval holds 0 is what it is read for."""
    return f"[{_end(low)}, {_end(high)}]"


def _end(x: float) -> str:
    return delta(x) if x == 0 or not math.isfinite(x) or abs(x) >= 0.00005 else past(x, 0.0)


def threshold(x: float) -> str:
    """A threshold as the manifest wrote it: 0.95, 1e-05, 52.23538 (bounds.written)."""
    return written(x)


def margin(x: float) -> str:
    """A margin as written (0.01) or made from a relative one on a baseline's figure (2% of
    0.9566: 0.01913, where 0.019132 gave places the figure does not have)."""
    return f"{x:.4g}"


def signed_threshold(x: float) -> str:
    """A threshold on a change: -0.01, +0.05."""
    return written(x, signed=True)


def relative_threshold(x: float, *, places: int = 0) -> str:
    """A threshold on a relative change, as the manifest wrote it: -2% in a rule, -2.00%
    beside a measured change, and -2.028% wherever it takes those places."""
    fixed, said = f"{x * 100:+.{places}f}", written(x, signed=True, scale=100)
    return f"{fixed if float(fixed) == float(said) else said}%"
