"""A gate's words: its rule, what held or failed and by how much, and the warnings.

compare/gates.py decides and compare/comparison.py finds the paired test; both keep what
they found as values on the GateResult. The words are made here, when a report is
rendered, with every number formatted by report/numbers.py like the rest of the report.
A run.json from before mlgate kept the values has only the words: they are shown as stored.
"""

from __future__ import annotations

from dataclasses import replace

from mlgate import bounds, words
from mlgate.report import numbers
from mlgate.result.records import GateFailure, GateResult, GateThresholds, PowerShortfall


def rule(gate: GateResult) -> str:
    """The gate's thresholds as written: "change >= -0.01, relative change >= -2%"."""
    return gate.rule if gate.thresholds is None else written(gate.thresholds)


def broken(gate: GateResult) -> str:
    """The thresholds the gate failed, as written ("change >= -0.01"): a verdict named
    every threshold, those that held too ("r2 >= 0.6, change >= -0.01, significant gain"
    for the significance alone). The whole rule where it failed for want of a value."""
    limits = gate.thresholds
    if limits is None or not gate.failures:
        return rule(gate)
    kept: set[str] = {f.kind for f in gate.failures}
    if kept & {"significant_drop", "no_significant_gain", "untested"}:
        kept |= {"significance"}  # the bounds beside a test that could not run still held
    if "relative_undefined" in kept:
        kept |= {"min_relative_change", "max_relative_change"}
    only = GateThresholds(
        min=limits.min if "min" in kept else None,
        max=limits.max if "max" in kept else None,
        min_change=limits.min_change if "min_change" in kept else None,
        max_change=limits.max_change if "max_change" in kept else None,
        min_relative_change=limits.min_relative_change if "min_relative_change" in kept else None,
        max_relative_change=limits.max_relative_change if "max_relative_change" in kept else None,
        significance=limits.significance if "significance" in kept else "none",
    )
    return written(only) or rule(gate)


def explanation(gate: GateResult) -> str:
    """The gate's one line: "f1_macro: 0.9050 vs 0.9120 (-0.0070): change >= -0.01 holds"."""
    return gate.explanation if gate.thresholds is None else f"{gate.metric}: {_said(gate)}"


def warning(gate: GateResult) -> str:
    """Why the gate's paired test says less than it seems to ("": nothing to warn of)."""
    if gate.thresholds is None:
        return gate.warning
    if gate.power is not None:
        return power(gate.power)
    if gate.untested is None or gate.untested == gate.missing_why:  # said in its line
        return ""
    return no_test(gate.untested)


def worded(gate: GateResult) -> GateResult:
    """The gate with its words written out too, as run.json keeps them for its readers."""
    return replace(gate, rule=rule(gate), explanation=explanation(gate), warning=warning(gate))


def _said(gate: GateResult) -> str:
    if gate.missing is not None:
        if gate.candidate is None or not gate.failures:
            return missing(gate.missing, allowed=gate.status == "passed", why=gate.missing_why)
        told = f" ({gate.missing_why})" if gate.missing_why else ""
        own = [failure(f, gate) for f in gate.failures]  # its bounds, checked all the same
        return failed(numbers.value(gate.candidate), own) + (
            f"; no value on the {gate.missing} side{told} to compare with"
        )
    if gate.candidate is None:  # pragma: no cover (a gate without a candidate is missing)
        return missing("candidate", allowed=gate.status == "passed")
    if gate.status == "not evaluated":
        t = gate.thresholds
        bounded = t is None or t.min is not None or t.max is not None
        return absolute_only(gate.candidate, bounded=bounded)
    said = values(gate)
    if gate.failures:
        return failed(said, [failure(f, gate) for f in gate.failures])
    return held(said, rule(gate))


def failure(found: GateFailure, gate: GateResult) -> str:
    """One reason the gate failed: "change -0.0200 is below the allowed -0.01"."""
    kind, bound, value, by = found.kind, found.bound or 0.0, found.found or 0.0, found.by or 0.0
    if kind in ("min", "max"):
        return past_bound(by, bound, below=kind == "min")
    if kind in ("min_change", "max_change"):
        return change_past(value, bound, below=kind == "min_change")
    if kind in ("min_relative_change", "max_relative_change"):
        return relative_past(value, bound, below=kind == "min_relative_change")
    if kind == "relative_undefined":
        return relative_undefined()
    if kind == "untested":
        asked = gate.thresholds.significance if gate.thresholds is not None else "none"
        return untested(asked, found.why)
    method, p, rows = found.method or "", found.p_value or 0.0, found.rows or 0
    level = bounds.alpha(gate.significance.confidence) if gate.significance is not None else 0.05
    if kind == "significant_drop":
        return significant_drop(method, p, rows, found.worst or 0.0, level=level)
    dropped = (found.found or 0.0) < 0 and p < level
    return no_significant_gain(
        method, p, rows, dropped=dropped, change=gate.change or -1.0, level=level
    )


def written(thresholds: GateThresholds) -> str:
    """The thresholds as written: "change >= -0.01, relative change >= -2%"."""
    parts = []
    if thresholds.min is not None:
        parts.append(f">= {numbers.threshold(thresholds.min)}")
    if thresholds.max is not None:
        parts.append(f"<= {numbers.threshold(thresholds.max)}")
    for name, bound in (("change >=", thresholds.min_change), ("change <=", thresholds.max_change)):
        if bound is not None:
            parts.append(f"{name} {numbers.signed_threshold(bound)}")
    for name, bound in (
        ("relative change >=", thresholds.min_relative_change),
        ("relative change <=", thresholds.max_relative_change),
    ):
        if bound is not None:
            parts.append(f"{name} {numbers.relative_threshold(bound)}")
    if thresholds.significance != "none":
        parts.append(thresholds.significance)
    return ", ".join(parts)


def values(gate: GateResult) -> str:
    """The candidate's value, and the baseline's with the change when there is one."""
    if gate.change is None:
        return figure(gate, CANDIDATE)
    return f"{figure(gate, CANDIDATE)} vs {numbers.value(gate.baseline)} ({figure(gate, CHANGE)})"


# which failures bound which figure of a gate
CANDIDATE = ("min", "max")
CHANGE = ("min_change", "max_change")
RELATIVE = ("min_relative_change", "max_relative_change")


def figure(gate: GateResult, kinds: tuple[str, str]) -> str:
    """A gate's candidate, change or relative change, wherever it is shown: four places, or
    the places that show it past the bound it failed (a change of -0.00004 read "-0.0000"
    under the ">= +0" it failed, and -2.004% read "-2.00%" under ">= -2%")."""
    x = {CANDIDATE: gate.candidate, CHANGE: gate.change, RELATIVE: gate.relative_change}[kinds]
    relative, change = kinds == RELATIVE, kinds != CANDIDATE
    crossed = next((f for f in gate.failures if f.kind in kinds and f.bound is not None), None)
    if x is None or crossed is None or crossed.bound is None:
        return numbers.relative(x) if relative else numbers.delta(x) if change else numbers.value(x)
    return numbers.past(x, crossed.bound, signed=change, percent=relative)


def held(values_said: str, rule_said: str) -> str:
    return f"{values_said}: {rule_said or 'no threshold'} holds"


def failed(values_said: str, failures: list[str]) -> str:
    return f"{values_said}: " + "; ".join(failures)


def missing(side: str, *, allowed: bool, why: str | None = None) -> str:
    """ "no value on the candidate side (why), so the gate cannot hold"."""
    told = f" ({why})" if why else ""
    where = "on either side" if side == "both" else f"on the {side} side"
    if allowed:
        return f"no value {where}{told}; allowed by the gate"
    return f"no value {where}{told}, so the gate cannot hold"


def absolute_only(candidate: float, *, bounded: bool = True) -> str:
    """Without a baseline only `min` and `max` can be checked; a gate of changes alone has
    nothing to check (it said "only absolute bounds were checked" of none)."""
    if not bounded:
        return f"{numbers.value(candidate)}; no baseline, and the gate bounds only changes"
    return f"{numbers.value(candidate)}; no baseline, so only absolute bounds were checked"


def past_bound(by: float, bound: float, *, below: bool) -> str:
    """How far a value is past the minimum or maximum: "0.0500 below the minimum 0.95"."""
    side = "below the minimum" if below else "above the maximum"
    return f"{numbers.past(by, 0.0, signed=False)} {side} {numbers.threshold(bound)}"


def change_past(change: float, bound: float, *, below: bool) -> str:
    side = "below" if below else "above"
    allowed = numbers.signed_threshold(bound)
    return f"change {numbers.past(change, bound)} is {side} the allowed {allowed}"


def relative_past(relative: float, bound: float, *, below: bool) -> str:
    side = "below" if below else "above"
    return (
        f"relative change {numbers.past(relative, bound, percent=True)} is {side} the allowed "
        f"{numbers.relative_threshold(bound, places=2)}"
    )


def relative_undefined() -> str:
    return "relative change undefined (the baseline is 0)"


def untested(significance: str, why: str) -> str:
    """No paired test: `why` the rows gave none, or (empty) the rows were not paired."""
    if why:
        return f"'{significance}' has no paired test: {why}"
    return (  # why they were not is the Baseline section's: another split, or columns
        # the baseline's model needs that the test data no longer has
        f"'{significance}' needs both models scored on the same rows, and these were not "
        "(the Baseline section says why): keep the test rows and the columns the baseline "
        "had, or drop `significance` from the gate to decide on the figures alone"
    )


def significant_drop(method: str, p_value: float, rows: int, worst: float, *, level: float) -> str:
    """ "a significant drop", or of a figure where lower is better (its worst plausible
    change above 0), "a significant rise, for the worse": a calibration error that rose
    0.2 was called a drop, the rule's name, not what happened."""
    return (
        f"a significant {_for_the_worse(worst)} ({method}, p {numbers.p_is(p_value, level)}, "
        f"{words.count(rows, 'row')}; worst plausible change {numbers.delta(worst)})"
    )


def no_significant_gain(
    method: str,
    p_value: float,
    rows: int,
    *,
    dropped: bool = False,
    change: float = -1.0,
    level: float,
) -> str:
    """ "no significant gain (...)", or, when it went significantly the other way, "a
    significant drop, not the gain asked for (...)": a small p beside "no gain" read as one."""
    said = (
        f"a significant {_for_the_worse(change)}, not the gain asked for"
        if dropped
        else "no significant gain"
    )
    return f"{said} ({method}, p {numbers.p_is(p_value, level)}, {words.count(rows, 'row')})"


def _for_the_worse(change: float) -> str:
    return "rise, for the worse" if change > 0 else "drop"


def no_test(why: str) -> str:
    """The warning when the paired rows gave no test (one class only, ...)."""
    return f"no paired test: {why}"


def power(shortfall: PowerShortfall) -> str:
    if shortfall.detectable is None:
        return no_power_warning(shortfall.rows, shortfall.margin, shortfall.apart, shortfall.needed)
    return power_warning(shortfall.rows, shortfall.margin, shortfall.detectable)


def no_power_warning(rows: int, margin: float | None, apart: int | None, needed: int | None) -> str:
    """The exact test cannot call any change significant on these rows: the few the two
    models answer apart cannot fall in a way that brings its p-value below the level."""
    asked = (
        f"the {numbers.margin(margin)} margin this gate asks for, nor any change"
        if margin
        else "any change"
    )
    few = (
        f"the two models answer only {apart:,} of them apart"
        if apart
        else "too few of them are answered apart"
    )
    need = f"at least {words.count(needed, 'row')}" if needed else "more rows"
    return (
        f"{words.count(rows, 'paired row')} cannot detect {asked}: {few}, and the exact "
        f"test needs {need} answered apart to call a change significant"
    )


def power_warning(rows: int, margin: float | None, detectable: float) -> str:
    """The paired rows cannot tell apart changes smaller than `detectable` (80% power).
    Not "changes under it look like noise": a smaller change can still come out
    significant (-0.148 at p = 0.02 beside a detectable 0.154), and did."""
    asked = f"the {numbers.margin(margin)} margin this gate asks for" if margin else "small changes"
    return (
        f"{words.count(rows, 'paired row')} cannot reliably detect {asked}: they find a "
        f"change of {numbers.value(detectable)} or more 4 times in 5 (80% power), a smaller "
        "one less often"
    )
