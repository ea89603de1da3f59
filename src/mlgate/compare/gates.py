"""Gates: may the candidate replace the baseline? Pure decisions, each kept as values.

Changes are raw (candidate minus baseline), as the manifest sketch writes them:
`f1_macro: {min_change: -0.01}` allows a drop of 0.01, `log_loss: {max_change: 0.05}` a
rise of 0.05. Which way is better matters only to the statistical requirements and the
wording, and comes from the metric unless the gate overrides it. The decision records its
thresholds and each reason it failed as numbers (GateFailure); report/gate_text.py words them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from mlgate.bounds import beyond
from mlgate.manifest.spec import Gate, SignificanceRule
from mlgate.result.records import (
    FailureKind,
    GateFailure,
    GateResult,
    GateStatus,
    GateThresholds,
)

if TYPE_CHECKING:
    from mlgate.compare.distributions import PairedTest

__all__ = ["Gate", "GateResult", "GateStatus", "SignificanceRule", "decide", "thresholds"]


def thresholds(gate: Gate) -> GateThresholds:
    """The gate's thresholds as mlops.yaml wrote them."""
    return GateThresholds(
        min=gate.min,
        max=gate.max,
        min_change=gate.min_change,
        max_change=gate.max_change,
        min_relative_change=gate.min_relative_change,
        max_relative_change=gate.max_relative_change,
        significance=gate.significance,
    )


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
    cand = _number(candidate)
    base = _number(baseline) if has_baseline else None
    change = cand - base if cand is not None and base is not None else None
    relative = change / abs(base) if change is not None and base not in (None, 0) else None
    decided = GateResult(
        metric=gate.metric,
        status="passed",
        candidate=cand,
        baseline=base,
        change=change,
        relative_change=relative,
        thresholds=thresholds(gate),
    )
    if cand is None or (has_baseline and base is None and _relative(gate)):
        side: Literal["candidate", "baseline", "both"] = (
            "baseline"
            if cand is not None
            else "both"
            if has_baseline and base is None
            else "candidate"
        )
        # `missing: pass` excuses the comparison, not the candidate's own bounds: with no
        # baseline at all they were checked, and a baseline without the metric skipped them
        own = tuple(_absolute_failures(gate, cand)) if cand is not None else ()
        # ... and a candidate with no value cannot show it keeps a min or max: not allowed
        unbounded = cand is not None or (gate.min is None and gate.max is None)
        allowed = gate.missing_passes and not own and unbounded
        return replace(
            decided, status="passed" if allowed else "failed", missing=side, failures=own
        )
    failures = [*_absolute_failures(gate, cand)]
    if has_baseline and base is not None and change is not None:
        failures += _change_failures(gate, change, relative)
        failures += _significance_failures(gate, test, untested)
    elif _relative(gate) and not failures:
        return replace(decided, status="not evaluated")
    if failures:
        return replace(decided, status="failed", failures=tuple(failures))
    return decided


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


def _absolute_failures(gate: Gate, value: float) -> list[GateFailure]:
    out = []
    if gate.min is not None and beyond(value, gate.min, below=True):
        out.append(GateFailure(kind="min", bound=gate.min, found=value, by=gate.min - value))
    if gate.max is not None and beyond(value, gate.max, below=False):
        out.append(GateFailure(kind="max", bound=gate.max, found=value, by=value - gate.max))
    return out


def _change_failures(gate: Gate, change: float, relative: float | None) -> list[GateFailure]:
    out = []
    if gate.min_change is not None and beyond(change, gate.min_change, below=True):
        out.append(_past("min_change", change, gate.min_change))
    if gate.max_change is not None and beyond(change, gate.max_change, below=False):
        out.append(_past("max_change", change, gate.max_change))
    relative_bounds: tuple[tuple[FailureKind, float | None], ...] = (
        ("min_relative_change", gate.min_relative_change),
        ("max_relative_change", gate.max_relative_change),
    )
    for kind, bound in relative_bounds:
        if bound is None:
            continue
        if relative is None and change == 0:  # 0 from a baseline of 0: no change
            relative = 0.0
        if relative is None:  # from a baseline of 0 a rise is above every bound, a fall below
            if (change < 0) == (kind == "min_relative_change"):
                out.append(GateFailure(kind="relative_undefined"))
        elif beyond(relative, bound, below=kind == "min_relative_change"):
            out.append(_past(kind, relative, bound))
    return out


def _past(kind: FailureKind, found: float, bound: float) -> GateFailure:
    """A change (or relative change) past a bound, and how far past it."""
    by = bound - found if kind.startswith("min") else found - bound
    return GateFailure(kind=kind, bound=bound, found=found, by=by)


def _significance_failures(gate: Gate, test: PairedTest | None, untested: str) -> list[GateFailure]:
    if gate.significance == "none":
        return []
    if test is None:
        return [GateFailure(kind="untested", why=untested)]
    better = test.delta if gate.better_is_higher else -test.delta
    worst = test.ci_low if gate.better_is_higher else test.ci_high  # raw change, worst end
    if gate.significance == "no significant drop" and better < 0 and test.significant():
        return [_tested("significant_drop", test, worst=worst)]
    if gate.significance == "significant gain" and not (better > 0 and test.significant()):
        # `found`: the change toward better, so that a significant drop is not "no gain"
        return [_tested("no_significant_gain", test, found=better)]
    return []


def _tested(
    kind: FailureKind, test: PairedTest, *, worst: float | None = None, found: float | None = None
) -> GateFailure:
    return GateFailure(
        kind=kind,
        method=test.method,
        p_value=test.p_value,
        rows=test.rows,
        worst=worst,
        found=found,
    )
