"""A gate's words: its rule, what held or failed and by how much, and the power warning.

compare/gates.py decides and compare/comparison.py finds the paired test; the phrases
they record (a run keeps them in run.json, and the run's summary quotes them) are worded
here, with every number formatted by report/numbers.py like the rest of the report.
"""

from __future__ import annotations

from mlgate import words
from mlgate.manifest.spec import Gate
from mlgate.report import numbers


def rule(gate: Gate) -> str:
    """The thresholds as written: "change >= -0.01, relative change >= -2%"."""
    parts = []
    if gate.min is not None:
        parts.append(f">= {numbers.threshold(gate.min)}")
    if gate.max is not None:
        parts.append(f"<= {numbers.threshold(gate.max)}")
    for name, bound in (("change >=", gate.min_change), ("change <=", gate.max_change)):
        if bound is not None:
            parts.append(f"{name} {numbers.signed_threshold(bound)}")
    for name, bound in (
        ("relative change >=", gate.min_relative_change),
        ("relative change <=", gate.max_relative_change),
    ):
        if bound is not None:
            parts.append(f"{name} {numbers.relative_threshold(bound)}")
    if gate.significance != "none":
        parts.append(gate.significance)
    return ", ".join(parts)


def explanation(metric: str, said: str) -> str:
    """The one line a gate records: "f1_macro: 0.9050 vs 0.9120 (-0.0070): ... holds"."""
    return f"{metric}: {said}"


def values(candidate: float, baseline: float | None, change: float | None) -> str:
    """The candidate's value, and the baseline's with the change when there is one."""
    if change is None:
        return numbers.value(candidate)
    return f"{numbers.value(candidate)} vs {numbers.value(baseline)} ({numbers.delta(change)})"


def held(values_said: str, rule_said: str) -> str:
    return f"{values_said}: {rule_said or 'no threshold'} holds"


def failed(values_said: str, failures: list[str]) -> str:
    return f"{values_said}: " + "; ".join(failures)


def missing(side: str, *, allowed: bool) -> str:
    if allowed:
        return f"no value on the {side} side; allowed by the gate"
    return f"no value on the {side} side, so the gate cannot hold"


def absolute_only(candidate: float) -> str:
    return f"{numbers.value(candidate)}; no baseline, so only absolute bounds were checked"


def past_bound(value: float, bound: float, *, below: bool) -> str:
    """How far a value is past the minimum or maximum: "0.0500 below the minimum 0.95"."""
    if below:
        return f"{numbers.value(bound - value)} below the minimum {numbers.threshold(bound)}"
    return f"{numbers.value(value - bound)} above the maximum {numbers.threshold(bound)}"


def change_past(change: float, bound: float, *, below: bool) -> str:
    side = "below" if below else "above"
    return f"change {numbers.delta(change)} is {side} the allowed {numbers.signed_threshold(bound)}"


def relative_past(relative: float, bound: float, *, below: bool) -> str:
    side = "below" if below else "above"
    return (
        f"relative change {numbers.relative(relative)} is {side} the allowed "
        f"{numbers.relative_threshold(bound, places=2)}"
    )


def relative_undefined() -> str:
    return "relative change undefined (the baseline is 0)"


def untested(significance: str, why: str) -> str:
    """No paired test: `why` the rows gave none, or (empty) the rows were not paired."""
    if why:
        return f"'{significance}' has no paired test: {why}"
    return f"'{significance}' needs both models scored on the same rows"


def significant_drop(method: str, p_value: float, rows: int, worst: float) -> str:
    return (
        f"a significant drop ({method}, p = {numbers.p_value(p_value)}, "
        f"{words.count(rows, 'row')}; worst plausible change {numbers.delta(worst)})"
    )


def no_significant_gain(method: str, p_value: float, rows: int) -> str:
    return (
        f"no significant gain ({method}, p = {numbers.p_value(p_value)}, "
        f"{words.count(rows, 'row')})"
    )


def power_warning(rows: int, margin: float | None, detectable: float) -> str:
    """The paired rows cannot tell apart changes smaller than `detectable` (80% power)."""
    asked = (
        f"the {numbers.threshold(margin)} margin this gate asks for" if margin else "small changes"
    )
    return (
        f"{words.count(rows, 'paired row')} cannot reliably detect {asked}: changes under "
        f"{numbers.value(detectable)} look like noise (80% power)"
    )
