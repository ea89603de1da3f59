"""The model on parts of the test rows: each metric on each slice evaluate.slices names, and
the fairness figures model_checks name, for the candidate alone and against the baseline on
the paired rows.

Against the baseline, a gate with `slices: true` asks each slice for no significant drop,
and a fairness check with `significance: no significant worsening` asks the paired
bootstrap of its figure. Their p-values are one family, adjusted together
(Benjamini-Hochberg): of the slices and figures flagged, at most 1 - confidence are
flagged by chance on average, and when nothing changed, the chance that anything is
flagged stays at 1 - confidence too (asking 20 slices and a figure at 5% each would raise
an alarm in most comparisons of two equally good models).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mlgate import bounds, words
from mlgate.compare import fairness, slices
from mlgate.compare.paired import Paired, finite, on_rows, recorded
from mlgate.compare.slices import SliceResult
from mlgate.data import corrections, slicing
from mlgate.manifest.metrics import METRICS
from mlgate.manifest.spec import FairnessCheck, Gate, Manifest
from mlgate.model import fairness as fairness_metrics
from mlgate.model import group_metrics
from mlgate.model.fairness import Figure
from mlgate.report import numbers
from mlgate.result import arrays, row_values
from mlgate.result.records import (
    CheckResult,
    EvaluateStage,
    FairnessChange,
    RowValues,
    SliceChange,
    SliceFigures,
    Status,
)

CORRECTION = "bh"
CORRECTION_SAID = "Benjamini-Hochberg"
MAX_CATEGORIES = 50  # a text column with more values is not scanned (an id, an e-mail)


@dataclass(frozen=True, kw_only=True)
class Judged:
    slices: tuple[SliceChange, ...] = ()
    fairness: tuple[FairnessChange, ...] = ()
    checks: tuple[CheckResult, ...] = ()


def slice_figures(manifest: Manifest, evaluated: EvaluateStage) -> tuple[SliceFigures, ...]:
    """The candidate's metrics on each slice of its test rows."""
    kept = evaluated.predictions
    if kept is None or not manifest.evaluate.slices:
        return ()
    rows = _all_rows(evaluated)
    names = [n for n, v in evaluated.metrics.items() if v is not None and n in METRICS]
    values = _values(kept.columns)
    found = []
    for spec in manifest.evaluate.slices:
        cut = slicing.of(spec, values)
        figures = {n: _by_slice(n, cut, rows) for n in names}
        found += [
            SliceFigures(
                slicing=spec.name,
                value=label,
                rows=int(np.count_nonzero(cut.codes == code)),
                metrics={n: figures[n][code] for n in names},
            )
            for code, label in enumerate(cut.labels)
        ]
    return tuple(found)


def _by_slice(name: str, cut: slicing.Slices, rows: Paired) -> list[float | None]:
    """`name` on each slice: all at once where a formula gives them, else one by one."""
    at_once = group_metrics.by_group(
        name,
        cut.codes,
        len(cut.labels),
        rows.y_true,
        rows.candidate_pred,
        rows.candidate_scores,
        n_classes=rows.n_classes,
        positive_index=rows.positive_index,
    )
    out: list[float | None] = []
    for code, value in enumerate(at_once.tolist()):
        if np.isnan(value):
            part = rows.only(np.flatnonzero(cut.codes == code))
            out.append(on_rows(name, part, part.candidate_pred, part.candidate_scores))
        else:
            out.append(finite(value))
    return out


def fairness_alone(
    manifest: Manifest, evaluated: EvaluateStage, check: FairnessCheck
) -> Figure | str:
    """The candidate's figure with its interval, or why there is none."""
    try:
        groups, actual, decided = _decisions(manifest, evaluated, check, _all_rows(evaluated))
        return fairness.alone(check.fairness, groups, actual, decided, **_bootstrap(manifest))
    except ValueError as exc:
        return str(exc)


def judge(manifest: Manifest, evaluated: EvaluateStage, paired: Paired | None) -> Judged:
    """Slices and fairness against the baseline on the paired rows; without paired rows a
    check that needs them says so rather than pass in silence."""
    spec = manifest.compare
    sliced = [g for g in spec.gates if g.slices]
    compared = [c for c in manifest.fairness_checks if c.significance != "none"]
    if paired is None or paired.rows is None or evaluated.predictions is None:
        return Judged(
            checks=tuple(
                [_unpaired(f"compare.slices.{g.metric}", _slices_subject(manifest, g), g.key)
                 for g in sliced]
                + [_unpaired(_fairness_id(c), _fairness_subject(c), c.key) for c in compared]
            )
        )  # fmt: skip
    # cut on every test row, as the candidate's own slices are (quartiles of the paired
    # rows alone were other slices, and a slice none of whose rows paired went unsaid),
    # then narrowed to the paired rows
    values = _values(evaluated.predictions.columns)
    cuts = [
        replace(cut, codes=cut.codes[paired.rows])
        for cut in (slicing.of(item, values) for item in manifest.evaluate.slices)
    ]
    found = [
        slices.compare_all(
            gate.metric,
            cuts,
            paired,
            spec,
            min_support=manifest.evaluate.min_slice_rows,
            correction=None,
        )
        for gate in sliced
    ]
    fair = [_fairness_change(manifest, c, evaluated, paired) for c in compared]
    # one family: every slice and fairness test of the comparison, adjusted together
    tests = [r.test.p_value for results in found for r in results if r.test is not None]
    tests += [f.significance.p_value for f in fair if isinstance(f, FairnessChange)]
    adjusted = iter(corrections.adjust(tests, CORRECTION))
    alpha = bounds.alpha(spec.confidence)
    changes = [
        [
            _slice_change(
                gate.metric, gate.better_is_higher, r, next(adjusted) if r.test else None, alpha
            )
            for r in results
        ]
        for gate, results in zip(sliced, found, strict=True)
    ]
    fair = [
        _adjusted(f, next(adjusted), alpha) if isinstance(f, FairnessChange) else f for f in fair
    ]
    return Judged(
        slices=tuple(c for per_gate in changes for c in per_gate),
        fairness=tuple(f for f in fair if isinstance(f, FairnessChange)),
        checks=(
            *(_slice_check(manifest, g, c) for g, c in zip(sliced, changes, strict=True)),
            *(_fairness_check(c, f) for c, f in zip(compared, fair, strict=True)),
        ),
    )


def discovered(
    manifest: Manifest,
    candidate: EvaluateStage,
    paired: Paired | None,
    read_columns: Callable[[], Mapping[str, np.ndarray] | str],
) -> tuple[tuple[SliceChange, ...], str]:
    """evaluate.discover: the slices where the candidate lost most, and what was scanned
    (or why nothing was). `read_columns` gives the candidate's test columns, one value per
    test row, or why they could not be read; it is called only when there is a scan."""
    spec = manifest.evaluate.discover
    if spec is None:
        return (), ""
    if paired is None or paired.rows is None:
        return (), "not scanned: no paired rows with a baseline"
    columns = read_columns()
    if isinstance(columns, str):
        return (), f"not scanned: {columns}"
    computed = [n for n, v in candidate.metrics.items() if v is not None and n in METRICS]
    metric = spec.metric or (computed[0] if computed else "")
    if metric not in METRICS:
        return (), "not scanned: no metric was computed"
    scanned: dict[str, np.ndarray] = {}
    skipped: list[str] = []
    for name, values in columns.items():
        rows = values[paired.rows]
        if not slicing.numeric(rows) and len(set(rows.tolist())) > MAX_CATEGORIES:
            skipped.append(name)
        else:
            scanned[name] = rows
    found = slices.discover(
        metric,
        scanned,
        paired,
        manifest.compare,
        worst=spec.worst,
        bins=spec.bins,
        min_support=manifest.evaluate.min_slice_rows,
        correction=CORRECTION,
    )
    alpha = bounds.alpha(manifest.compare.confidence)
    better = METRICS[metric].greater_is_better
    said = f"{metric} on the slices of {words.count(len(scanned), 'column')}"
    if skipped:
        said += (
            f"; not scanned, more than {MAX_CATEGORIES} values: "
            + ", ".join(skipped[:10])
            + (", …" if len(skipped) > 10 else "")
        )
    return tuple(_slice_change(metric, better, r, r.adjusted_p, alpha) for r in found), said


def _slice_change(
    metric: str, better_is_higher: bool, found: SliceResult, adjusted: float | None, alpha: float
) -> SliceChange:
    test = found.test
    lost = test is not None and (test.delta < 0) == better_is_higher
    return SliceChange(
        metric=metric,
        slicing=found.column,
        value=found.value,
        rows=found.rows,
        candidate=finite(found.candidate),
        baseline=finite(found.baseline),
        significance=recorded(test) if test is not None else None,
        adjusted_p_value=adjusted,
        dropped=lost and adjusted is not None and adjusted < alpha,
        reason=found.reason,
    )


def _adjusted(found: FairnessChange, adjusted: float, alpha: float) -> FairnessChange:
    lost = fairness_metrics.less_fair(found.fairness, found.significance.delta)
    return replace(found, adjusted_p_value=adjusted, worse=lost and adjusted < alpha)


def _delta(change: SliceChange) -> float:
    return change.significance.delta if change.significance is not None else 0.0


def _slice_check(manifest: Manifest, gate: Gate, found: list[SliceChange]) -> CheckResult:
    tested = [c for c in found if c.significance is not None]
    dropped = [c for c in found if c.dropped]
    alpha = bounds.alpha(manifest.compare.confidence)
    status: Status
    rule = f"no slice drops significantly ({CORRECTION_SAID}-adjusted p >= {alpha:g})"
    untested = len(found) - len(tested)
    left = (
        f"; {words.count(untested, 'slice')} too small or undefined, not tested" if untested else ""
    )
    if dropped:
        worst = min(dropped, key=lambda c: (c.adjusted_p_value or 1.0, -abs(_delta(c))))
        status = "failed"
        message = (
            f"{gate.metric} dropped significantly on "
            f"{words.of(len(dropped), len(tested), 'slice')} tested; most clearly "
            f"{worst.slicing} = {worst.value}: {numbers.value(worst.baseline)} -> "
            f"{numbers.value(worst.candidate)} on {words.count(worst.rows, 'row')} "
            f"(adjusted p {numbers.p_is(worst.adjusted_p_value or 1.0, alpha)})" + left
        )
    elif not tested:
        status = "error"
        message = (
            f"no slice could be tested: each has fewer than {manifest.evaluate.min_slice_rows} "
            "paired rows or the metric is undefined on it (evaluate.min_slice_rows sets the "
            "minimum)"
        )
    else:
        status = "passed"
        message = (
            f"{gate.metric}: no significant drop on any of {words.count(len(tested), 'slice')} "
            f"tested{left}"
        )
    return CheckResult(
        id=f"compare.slices.{gate.metric}",
        stage="compare",
        subject=_slices_subject(manifest, gate),
        rule=rule,
        status=status,
        message=message,
        observed=len(dropped),
        manifest_key=gate.key,
    )


def _fairness_change(
    manifest: Manifest, check: FairnessCheck, evaluated: EvaluateStage, paired: Paired
) -> FairnessChange | str:
    try:
        groups, actual, decided = _decisions(manifest, evaluated, check, paired)
        theirs = paired.baseline_pred == _positive(manifest, evaluated)
        found = fairness.paired(
            check.fairness, groups, actual, decided, theirs, **_bootstrap(manifest)
        )
    except ValueError as exc:
        return str(exc)
    return FairnessChange(
        fairness=check.fairness,
        sensitive=check.sensitive,
        groups=found.groups,
        candidate=found.candidate,
        baseline=found.baseline,
        significance=recorded(found.test),
        worse=False,  # decided once the family's p-values are adjusted
    )


def _fairness_check(check: FairnessCheck, found: FairnessChange | str) -> CheckResult:
    subject = _fairness_subject(check)
    status: Status
    if isinstance(found, str):
        status, message, observed = (
            "error",
            f"{subject} against the baseline unknown: {found}",
            None,
        )
    else:
        test = found.significance
        alpha = bounds.alpha(test.confidence)
        said = (
            f"{check.fairness} {numbers.value(found.baseline)} -> "
            f"{numbers.value(found.candidate)} ({numbers.delta(test.delta)}, "
            f"{words.confidence(test.confidence)} interval "
            f"{numbers.interval(test.ci_low, test.ci_high)}, "
            f"p {numbers.p_is(test.p_value, alpha)}, "
            f"{words.count(test.rows, 'row')})"
        )
        status = "failed" if found.worse else "passed"
        message = (
            f"{said}; adjusted p {numbers.p_is(found.adjusted_p_value or 1.0, alpha)}: "
            f"{'significantly less fair' if found.worse else 'not significantly less fair'}"
        )
        observed = found.candidate
    return CheckResult(
        id=_fairness_id(check) + ".baseline",
        stage="compare",
        subject=subject,
        rule="not significantly less fair than the baseline",
        status=status,
        message=message,
        observed=observed,
        manifest_key=check.key,
    )


def _unpaired(id_: str, subject: str, key: str) -> CheckResult:
    return CheckResult(
        id=id_,
        stage="compare",
        subject=subject,
        rule="asked of the baseline on the same rows",
        status="skipped",
        message="no paired rows with a baseline (see the baseline line): not compared",
        observed=None,
        manifest_key=key,
    )


def _decisions(
    manifest: Manifest, evaluated: EvaluateStage, check: FairnessCheck, rows: Paired
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each paired row's group, whether it is of the positive class, and whether the
    candidate decided it is."""
    kept = evaluated.predictions
    if kept is None or check.sensitive not in kept.columns:
        raise ValueError(f"the run kept no values of '{check.sensitive}'")
    if evaluated.task != "classification":
        raise ValueError("fairness compares a classifier's decisions; this model is a regression")
    column = row_values.decode(kept.columns[check.sensitive])
    if rows.rows is not None:
        column = column[rows.rows]
    groups = slicing.by_category(check.sensitive, column).codes
    positive = _positive(manifest, evaluated)
    return groups, rows.y_true == positive, rows.candidate_pred == positive


def _positive(manifest: Manifest, evaluated: EvaluateStage) -> int:
    classes = list(evaluated.predictions.classes or ()) if evaluated.predictions else []
    label = manifest.evaluate.positive_label
    return fairness_metrics.positive_index(classes, label)


def _all_rows(evaluated: EvaluateStage) -> Paired:
    """The candidate's own rows, as paired rows with itself."""
    kept = evaluated.predictions
    assert kept is not None
    y_true, y_pred = arrays.decode(kept.y_true), arrays.decode(kept.y_pred)
    scores = arrays.decode(kept.scores) if kept.scores is not None else None
    classes = len(kept.classes or ())
    return Paired(
        y_true=y_true,
        candidate_pred=y_pred,
        baseline_pred=y_pred,
        candidate_scores=scores,
        baseline_scores=scores,
        n_classes=classes,
        classes=tuple(kept.classes or ()),
        positive_index=evaluated.positive_index if classes else 0,
        same_data=True,
        rows=np.arange(kept.rows),
    )


def _values(columns: Mapping[str, RowValues]) -> dict[str, np.ndarray]:
    return {name: row_values.decode(kept) for name, kept in columns.items()}


def _bootstrap(manifest: Manifest) -> dict[str, Any]:
    """The compare section's resampling settings, as the bootstraps take them."""
    spec = manifest.compare
    return {"resamples": spec.resamples, "seed": spec.seed, "confidence": spec.confidence}


def _slices_subject(manifest: Manifest, gate: Gate) -> str:
    return f"{gate.metric} on each slice of {', '.join(s.name for s in manifest.evaluate.slices)}"


def _fairness_subject(check: FairnessCheck) -> str:
    return f"{check.fairness} across {check.sensitive}"


def _fairness_id(check: FairnessCheck) -> str:
    return f"compare.fairness.{check.fairness}.{check.sensitive}"
