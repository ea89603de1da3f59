"""A figure against a bound, decided and said alike wherever a threshold is checked (gates,
model checks, fairness, robustness): at the bound but for floating-point rounding is at
it, and a figure past it is printed with the places it takes to be seen past it."""

from __future__ import annotations

import math


def beyond(found: float, bound: float, *, below: bool) -> bool:
    """Past the bound by more than floating-point rounding: 0.985 - 0.995 is
    -0.010000000000000009, a drop that `min_change: -0.01` allows, and a balanced accuracy
    of exactly 9/20 is computed as 0.44999999999999996, which `min: 0.45` allows."""
    if math.isclose(found, bound, rel_tol=1e-9, abs_tol=1e-12):
        return False
    return found < bound if below else found > bound


def past(x: float, bound: float, *, signed: bool = True, percent: bool = False) -> str:
    """A figure said to be past a bound, with the places it takes to be seen past it as
    printed: -0.01002 beside -0.01, where four places would print -0.0100, and -0.02223
    beside -0.02222, where four would print -0.0222, on the bound's other side."""
    sign = "+" if signed else ""
    kind = "%" if percent else "f"
    # at least the bound's own places: 0.9648 "0.00001 below the minimum 0.96482" read as
    # 0.00002 below, where 0.96481 is what was found
    start = max(2, _places(bound) - 2) if percent else max(4, _places(bound))
    said = f"{x:{sign}.{start}{kind}}"
    for places in range(start, start + 9):
        said = f"{x:{sign}.{places}{kind}}"
        shown = float(said.rstrip("%")) / (100 if percent else 1)
        if shown != bound and (shown < bound) == (x < bound):
            break
    return said


def _places(x: float) -> int:
    """The decimal places of a number as written (0.96482: 5; 1e-05: 5; 3: 0), to 12."""
    from decimal import Decimal

    if not math.isfinite(x):
        return 0
    exponent = Decimal(repr(float(x))).as_tuple().exponent
    return min(12, -exponent) if isinstance(exponent, int) and exponent < 0 else 0


def written(x: float, *, signed: bool = False, scale: int = 1) -> str:
    """A bound as the manifest wrote it: 0.95, 1e-05, 52.23538. Six significant digits
    (`:g`) printed `max: 52.23538` as 52.2354, and a figure of 52.235384 read "above the
    maximum 52.2354" beside itself. The number's shortest exact decimal (Python's repr),
    shifted by `scale` in decimal (a percentage of a relative bound: -0.029 is -2.9, where
    -0.029 * 100 is -2.9000000000000004 in floating point)."""
    from decimal import Decimal

    exact = Decimal(repr(float(x))) * scale
    said = f"{x * scale:{'+' if signed else ''}g}"
    if Decimal(said) == exact:
        return said
    text = format(exact.normalize(), "f")
    return f"+{text}" if signed and not text.startswith("-") else text


def alpha(confidence: float) -> float:
    """The level a p-value is held against at this confidence, as the user wrote it: 1 - 0.96
    is 0.040000000000000036, which called a p-value of exactly 0.04 below it."""
    return float(f"{1 - confidence:.12g}")
