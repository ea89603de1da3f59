"""Gates: may the candidate replace the baseline? Pure decisions, each explained in a line.

Changes are raw (candidate minus baseline), as the manifest sketch writes them:
`f1_macro: {min_change: -0.01}` allows a drop of 0.01, `log_loss: {max_change: 0.05}` a
rise of 0.05. Which way is better matters only to the statistical requirements and the
wording, and comes from the metric unless the gate overrides it. The decisions are made
here on the values; their words (and every number in them) come from report/gate_text.py.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlgate.manifest.spec import Gate, SignificanceRule
from mlgate.report import gate_text
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
    rule = gate_text.rule(gate)
    cand = _number(candidate)
    base = _number(baseline) if has_baseline else None
    change = cand - base if cand is not None and base is not None else None
    relative = change / abs(base) if change is not None and base not in (None, 0) else None

    def result(status: GateStatus, said: str) -> GateResult:
        return GateResult(
            metric=gate.metric,
            status=status,
            candidate=cand,
            baseline=base,
            change=change,
            relative_change=relative,
            rule=rule,
            explanation=gate_text.explanation(gate.metric, said),
        )

    if cand is None or (has_baseline and base is None and _relative(gate)):
        side = "candidate" if cand is None else "baseline"
        allowed = gate.missing_passes
        return result("passed" if allowed else "failed", gate_text.missing(side, allowed=allowed))
    failures = [*_absolute_failures(gate, cand)]
    if has_baseline and base is not None and change is not None:
        failures += _change_failures(gate, change, relative)
        failures += _significance_failures(gate, test, untested)
    elif _relative(gate) and not failures:
        return result("not evaluated", gate_text.absolute_only(cand))
    values = gate_text.values(cand, base, change)
    if failures:
        return result("failed", gate_text.failed(values, failures))
    return result("passed", gate_text.held(values, rule))


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
        out.append(gate_text.past_bound(value, gate.min, below=True))
    if gate.max is not None and value > gate.max:
        out.append(gate_text.past_bound(value, gate.max, below=False))
    return out


def _change_failures(gate: Gate, change: float, relative: float | None) -> list[str]:
    out = []
    if gate.min_change is not None and change < gate.min_change:
        out.append(gate_text.change_past(change, gate.min_change, below=True))
    if gate.max_change is not None and change > gate.max_change:
        out.append(gate_text.change_past(change, gate.max_change, below=False))
    for bound, below in ((gate.min_relative_change, True), (gate.max_relative_change, False)):
        if bound is None:
            continue
        if relative is None:
            out.append(gate_text.relative_undefined())
        elif (relative < bound) if below else (relative > bound):
            out.append(gate_text.relative_past(relative, bound, below=below))
    return out


def _significance_failures(gate: Gate, test: PairedTest | None, untested: str) -> list[str]:
    if gate.significance == "none":
        return []
    if test is None:
        return [gate_text.untested(gate.significance, untested)]
    better = test.delta if gate.better_is_higher else -test.delta
    worst = test.ci_low if gate.better_is_higher else test.ci_high  # raw change, worst end
    if gate.significance == "no significant drop" and better < 0 and test.significant():
        return [gate_text.significant_drop(test.method, test.p_value, test.rows, worst)]
    if gate.significance == "significant gain" and not (better > 0 and test.significant()):
        return [gate_text.no_significant_gain(test.method, test.p_value, test.rows)]
    return []
