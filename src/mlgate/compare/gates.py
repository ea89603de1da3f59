"""Gates: may the candidate replace the baseline? Pure decisions, each explained in a line.

Changes are raw (candidate minus baseline), as the manifest sketch writes them:
`f1_macro: {min_change: -0.01}` allows a drop of 0.01, `log_loss: {max_change: 0.05}` a
rise of 0.05. Which way is better matters only to the statistical requirements and the
wording, and comes from the metric unless the gate overrides it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlgate import words
from mlgate.manifest.spec import Gate, SignificanceRule
from mlgate.result.records import GateResult, GateStatus

if TYPE_CHECKING:
    from mlgate.compare.distributions import PairedTest

__all__ = ["Gate", "GateResult", "GateStatus", "SignificanceRule", "decide"]


def decide(
    gate: Gate,
    candidate: float | None,
    baseline: float | None,
    *,
    has_baseline: bool,
    test: PairedTest | None = None,
    untested: str = "",
) -> GateResult:
    """`untested`: why the rows were paired but gave no test (undefined on them, ...)."""
    rule = _rule(gate)
    cand = _number(candidate)
    base = _number(baseline) if has_baseline else None
    change = cand - base if cand is not None and base is not None else None
    relative = change / abs(base) if change is not None and base not in (None, 0) else None

    def result(status: GateStatus, explanation: str) -> GateResult:
        return GateResult(
            metric=gate.metric,
            status=status,
            candidate=cand,
            baseline=base,
            change=change,
            relative_change=relative,
            rule=rule,
            explanation=f"{gate.metric}: {explanation}",
        )

    if cand is None or (has_baseline and base is None and _relative(gate)):
        side = "candidate" if cand is None else "baseline"
        if gate.missing_passes:
            return result("passed", f"no value on the {side} side; allowed by the gate")
        return result("failed", f"no value on the {side} side, so the gate cannot hold")
    failures = [*_absolute_failures(gate, cand)]
    if has_baseline and base is not None and change is not None:
        failures += _change_failures(gate, change, relative)
        failures += _significance_failures(gate, test, untested)
    elif _relative(gate) and not failures:
        return result(
            "not evaluated", f"{_fmt(cand)}; no baseline, so only absolute bounds were checked"
        )
    values = _fmt(cand) if change is None else f"{_fmt(cand)} vs {_fmt(base)} ({change:+.4f})"
    if failures:
        return result("failed", f"{values}: " + "; ".join(failures))
    return result("passed", f"{values}: {rule or 'no threshold'} holds")


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _relative(gate: Gate) -> bool:
    return (
        any(
            v is not None
            for v in (
                gate.min_change,
                gate.max_change,
                gate.min_relative_change,
                gate.max_relative_change,
            )
        )
        or gate.significance != "none"
    )


def _absolute_failures(gate: Gate, value: float) -> list[str]:
    out = []
    if gate.min is not None and value < gate.min:
        out.append(f"{gate.min - value:.4f} below the minimum {gate.min:g}")
    if gate.max is not None and value > gate.max:
        out.append(f"{value - gate.max:.4f} above the maximum {gate.max:g}")
    return out


def _change_failures(gate: Gate, change: float, relative: float | None) -> list[str]:
    out = []
    if gate.min_change is not None and change < gate.min_change:
        out.append(f"change {change:+.4f} is below the allowed {gate.min_change:+g}")
    if gate.max_change is not None and change > gate.max_change:
        out.append(f"change {change:+.4f} is above the allowed {gate.max_change:+g}")
    for bound, below in ((gate.min_relative_change, True), (gate.max_relative_change, False)):
        if bound is None:
            continue
        if relative is None:
            out.append("relative change undefined (the baseline is 0)")
        elif (relative < bound) if below else (relative > bound):
            side = "below" if below else "above"
            out.append(f"relative change {relative:+.2%} is {side} the allowed {bound:+.2%}")
    return out


def _significance_failures(gate: Gate, test: PairedTest | None, untested: str) -> list[str]:
    if gate.significance == "none":
        return []
    if test is None and untested:
        return [f"'{gate.significance}' has no paired test: {untested}"]
    if test is None:
        return [f"'{gate.significance}' needs both models scored on the same rows"]
    better = test.delta if gate.better_is_higher else -test.delta
    worst = test.ci_low if gate.better_is_higher else test.ci_high  # raw change, worst end
    if gate.significance == "no significant drop" and better < 0 and test.significant():
        return [
            f"a significant drop ({test.method}, p = {test.p_value:.3g}, "
            f"{words.count(test.rows, 'row')}; worst plausible change {worst:+.4f})"
        ]
    if gate.significance == "significant gain" and not (better > 0 and test.significant()):
        return [
            f"no significant gain ({test.method}, p = {test.p_value:.3g}, "
            f"{words.count(test.rows, 'row')})"
        ]
    return []


def _rule(gate: Gate) -> str:
    parts = []
    for name, value in (("min", gate.min), ("max", gate.max)):
        if value is not None:
            parts.append(f"{'>=' if name == 'min' else '<='} {value:g}")
    for name, value in (("change >=", gate.min_change), ("change <=", gate.max_change)):
        if value is not None:
            parts.append(f"{name} {value:+g}")
    for name, value in (
        ("relative change >=", gate.min_relative_change),
        ("relative change <=", gate.max_relative_change),
    ):
        if value is not None:
            parts.append(f"{name} {value:+.0%}")
    if gate.significance != "none":
        parts.append(gate.significance)
    return ", ".join(parts)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
