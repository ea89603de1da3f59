"""A run's decisions taken again from its own figures and its manifest.

A fork's run.json is written by the fork's code: its figures cannot be checked without
training again, but what mlgate decided from them can. A gate marked `passed` over a
drop its manifest forbids, a model check marked `passed` under its minimum, a gate left
out, a test whose interval and p-value disagree: each is a record mlgate did not write.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import replace

from mlgate import bounds, words
from mlgate.compare import gates
from mlgate.compare.distributions import PairedTest
from mlgate.manifest.spec import Gate, Manifest
from mlgate.result.records import (
    CheckResult,
    CompareStage,
    GateResult,
    RunResult,
    Significance,
)


def disagreements(manifest: Manifest, result: RunResult) -> list[str]:
    """What the run says it decided that its figures and manifest decide otherwise, and
    figures it says twice that differ."""
    return (
        _model_checks(manifest, result)
        + _measured_checks(manifest, result)
        + _user_tests(manifest, result)
        + _gates(manifest, result)
        + _figures(result)
    )


def reworded(manifest: Manifest, result: RunResult) -> RunResult:
    """The run with its metric checks' words written here, from their figures: a check's
    rule and message are free text, which a report would show as the fork wrote them."""
    if result.evaluate.status != "passed":
        return result
    again = iter(_metric_checks(manifest, result))
    measured = iter(_measured_again(manifest, result)[0])
    mine = tuple(
        next(again) if _metric(c) else next(measured) if _measured(c) else c
        for c in result.model.checks
    )
    return replace(result, model=replace(result.model, checks=mine))


def _metric(check: CheckResult) -> bool:
    return check.id.startswith("model.metrics.")


MEASURED = ("model.fairness.", "model.robustness.", "model.importance", "model.latency.")


def _measured(check: CheckResult) -> bool:
    return check.id.startswith(MEASURED)


def _metric_checks(manifest: Manifest, result: RunResult) -> list[CheckResult]:
    from mlgate.model import checks

    return checks.metric_checks(
        manifest.model_checks, result.evaluate.metrics, result.evaluate.metric_errors
    )


def _model_checks(manifest: Manifest, result: RunResult) -> list[str]:
    if result.evaluate.status != "passed":  # no figures: the run failed before its checks
        return []
    again = _metric_checks(manifest, result)
    kept = [c for c in result.model.checks if _metric(c)]
    if [c.id for c in kept] != [c.id for c in again]:
        return [
            f"its metric checks are {_listed(c.subject for c in kept)}, where the manifest's "
            f"are {_listed(c.subject for c in again)}"
        ]
    return [
        f"model check {_named(a.subject)} says {c.status}, where {_named(a.subject)} = "
        f"{a.observed!r} says {a.status}"
        for c, a in zip(kept, again, strict=True)
        if (c.status, c.observed) != (a.status, a.observed)
    ]


def _measured_again(manifest: Manifest, result: RunResult) -> tuple[list[CheckResult], list[str]]:
    """The fairness, robustness, importance and latency checks as the run's own figures
    decide them (its predictions, robustness and latency records: run.json keeps them),
    in the order the model stage makes them; and the figures a check needs that the run
    does not have. Only metric checks were decided again: a latency check kept "passed"
    over a p95 of 5,000 ms against a bound of 50, or left out, was posted green."""
    from mlgate.model import checks

    evaluated = result.evaluate
    lacking = []
    again: list[CheckResult] = []
    if manifest.fairness_checks:
        from mlgate.compare import subgroups

        again += [
            checks.fairness_check(c, subgroups.fairness_alone(manifest, evaluated, c))
            for c in manifest.fairness_checks
            if c.min is not None or c.max is not None
        ]
    if len(evaluated.robustness) != len(manifest.robustness_checks):
        lacking.append(
            f"it measured robustness {len(evaluated.robustness)} ways, where the manifest "
            f"has {words.count(len(manifest.robustness_checks), 'robustness check')}"
        )
    again += [
        checks.robustness_check(c, r)
        for c, r in zip(manifest.robustness_checks, evaluated.robustness, strict=False)
    ]
    if evaluated.importance is not None:
        again.append(checks.importance_check(evaluated.importance))
    if manifest.latency_checks and not evaluated.latency:
        lacking.append("it has no latency measurement, where the manifest bounds predict's time")
    again += [
        checks.latency_check(c, evaluated.latency[0])
        for c in manifest.latency_checks
        if evaluated.latency
    ]
    return again, lacking


def _measured_checks(manifest: Manifest, result: RunResult) -> list[str]:
    if result.evaluate.status != "passed":  # no figures: the run failed before its checks
        return []
    again, lacking = _measured_again(manifest, result)
    kept = [c for c in result.model.checks if _measured(c)]
    if [c.id for c in kept] != [c.id for c in again]:
        return [
            *lacking,
            f"its measured checks are {_listed(c.id for c in kept)}, where its figures and "
            f"the manifest give {_listed(c.id for c in again)}",
        ]
    said = list(lacking)
    for c, a in zip(kept, again, strict=True):
        if c.status != a.status:
            said.append(
                f"model check {_listed([a.id])} says {c.status}, where its figures say {a.status}"
            )
        elif not _observed_alike(c.observed, a.observed):
            said.append(
                f"model check {_listed([a.id])} keeps the figure {c.observed!r}, where its "
                f"figures give {a.observed!r}"
            )
    return said


def _observed_alike(kept: object, again: object) -> bool:
    """A fairness figure is had again from the predictions run.json keeps (probabilities
    in 32 bits): alike to a millionth, as `_same` holds a metric."""
    if isinstance(kept, float) and isinstance(again, float):
        return _same(kept, again, kept=True)
    return kept == again


def _user_tests(manifest: Manifest, result: RunResult) -> list[str]:
    """The user's tests are the fork's own code, run by the fork: their outcomes cannot be
    had again, but each `pytest:` check of the manifest must be there."""
    if result.evaluate.status != "passed":
        return []
    ran = {c.manifest_key for c in result.model.checks if c.id.startswith("model.pytest.")}
    return [
        f"it has no outcome of the manifest's model check {_listed([t.key])} (pytest: "
        f"{_listed([t.path])})"
        for t in manifest.pytest_checks
        if t.key not in ran
    ]


def _gates(manifest: Manifest, result: RunResult) -> list[str]:
    compared, wanted = result.compare, manifest.compare.gates
    if compared is None:
        ran = result.evaluate.status == "passed" and wanted and result.verdict == "passed"
        return ["it passed with no comparison, where the manifest sets gates"] if ran else []
    if [g.metric for g in compared.gates] != [g.metric for g in wanted]:
        return [
            f"its gates are {_listed(g.metric for g in compared.gates)}, where the "
            f"manifest's are {_listed(g.metric for g in wanted)}"
        ]
    said = []
    for gate, kept in zip(wanted, compared.gates, strict=True):
        if kept.significance is not None and not _coherent(kept.significance):
            said.append(f"gate {_named(gate.metric)}'s interval and p-value disagree")
        again = _decided(gate, kept, compared)
        if kept.thresholds != again.thresholds:  # the report words the rule from these
            said.append(f"gate {_named(gate.metric)}'s thresholds are not the manifest's")
        elif (kept.status, kept.change, kept.relative_change, kept.failures) != (
            again.status,
            again.change,
            again.relative_change,
            again.failures,
        ):
            said.append(
                f"gate {_named(gate.metric)} says {kept.status}, where its candidate "
                f"{kept.candidate!r} and baseline {kept.baseline!r} say {again.status}"
            )
    return said


def _figures(result: RunResult) -> list[str]:
    """One figure said in several places says the same everywhere, within what its metric
    can be: a gate's pair is its compared metric's, a change is its sides' difference, the
    compared candidate is the evaluation's where every test row was compared, and a test
    counts no more rows than were compared. A gate decided on figures the report's
    table contradicts (0.985 against 0.92) passed the decision's own recheck."""
    said = _within(result.evaluate.metrics.items(), "")
    compared = result.compare
    if compared is None:
        return said
    changes = {c.metric: c for c in compared.metrics}
    for c in compared.metrics:
        said += _within([(c.metric, c.candidate), (c.metric, c.baseline)], "compared ")
        if not _same(c.change, _less(c.candidate, c.baseline)):
            said.append(f"compared metric {_named(c.metric)}'s change is not its sides' difference")
    rows = result.evaluate.predictions.rows if result.evaluate.predictions else None
    b = compared.baseline
    if rows is not None and b.candidate_rows not in (0, rows):
        said.append(
            f"it compared {words.count(b.candidate_rows, 'candidate row')} of {rows:,} scored"
        )
    if b.paired_rows in (0, b.candidate_rows):  # every test row: the evaluation's figures
        for name, value in result.evaluate.metrics.items():
            if name in changes and not _same(changes[name].candidate, value, kept=True):
                said.append(
                    f"compared metric {_named(name)}'s candidate "
                    f"{changes[name].candidate!r} is not its evaluation's {value!r}"
                )
    for gate in compared.gates:
        change = changes.get(gate.metric)
        if change is None:
            said.append(f"gate {_named(gate.metric)} is not among the compared metrics")
        elif not (
            _same(gate.candidate, change.candidate) and _same(gate.baseline, change.baseline)
        ):
            said.append(
                f"gate {_named(gate.metric)} is decided on {gate.candidate!r} against "
                f"{gate.baseline!r}, where the compared metric is {change.candidate!r} "
                f"against {change.baseline!r}"
            )
        test, most = gate.significance, b.paired_rows or rows
        if test is not None and most is not None and test.rows > most:
            said.append(
                f"gate {_named(gate.metric)}'s test counts {words.count(test.rows, 'row')}, "
                f"of {most:,} compared"
            )
    return said


def _within(figures: Iterable[tuple[str, float | None]], where: str) -> list[str]:
    from mlgate.manifest.metrics import METRICS

    said = []
    for name, value in figures:
        spec = METRICS.get(name)
        if spec is not None and value is not None and not spec.within[0] <= value <= spec.within[1]:
            said.append(f"{where}metric {_named(name)} is {value!r}, which it cannot be")
    return said


def _less(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


def _same(a: float | None, b: float | None, *, kept: bool = False) -> bool:
    """Equal, up to the last digits of a sum taken in another order; `kept`: one side
    computed again from the predictions run.json keeps, whose probabilities are 32-bit
    (log_loss 0.10330839455 against 0.10330839316: 1.3e-8 apart, an honest run's), so up
    to a millionth of the figure, far below the four places a report shows."""
    if a is None or b is None:
        return a is b
    if kept:
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _decided(gate: Gate, kept: GateResult, compared: CompareStage) -> GateResult:
    test = None
    if kept.significance is not None:
        s = kept.significance
        test = PairedTest(
            method=s.method,
            rows=s.rows,
            delta=s.delta,
            ci_low=s.ci_low,
            ci_high=s.ci_high,
            p_value=s.p_value,
            confidence=s.confidence,
        )
    return gates.decide(
        gate,
        kept.candidate,
        kept.baseline,
        has_baseline=compared.baseline.kind != "none",
        test=test,
        untested=kept.untested or "",
    )


def _coherent(test: Significance) -> bool:
    """The interval excludes zero exactly when p < 1 - confidence: compare/distributions.py
    gives both from one method (tests/compare/test_coherence.py holds it to that)."""
    excludes = test.ci_low > 0 or test.ci_high < 0
    return excludes == (test.p_value < bounds.alpha(test.confidence))


def _named(name: str) -> str:
    """A metric's name as the manifest (the fork's) gives it: quoted unless plain."""
    return name if re.fullmatch(r"[\w.-]{1,60}", name, re.ASCII) else json.dumps(name[:60])


def _listed(names: Iterable[str]) -> str:
    found = [json.dumps(n[:60]) for n in names]  # the fork's words, escaped
    return ", ".join(found[:12]) + (", ..." if len(found) > 12 else "") if found else "none"
