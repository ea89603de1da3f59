"""Candidate against baseline: metric changes, paired tests, gates, what else changed.

Pure given its inputs (the two results and the manifest); the baseline was found by
`baseline.resolve`. Both sides are compared only on the candidate's test rows that the
baseline scored too and that neither model was trained on (a baseline trained on a row
scores it too well); metrics and paired tests are computed on those rows alone. When
fewer than MIN_ROWS (or MIN_FRACTION of the candidate's test rows) remain, and not every
one of the candidate's rows, each side's own figures are compared and the report says
the data differ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from mlgate import words
from mlgate.compare import diff, gates, pairing, rules, subgroups
from mlgate.compare.baseline import Found
from mlgate.compare.distributions import PairedTest, fewest_apart
from mlgate.compare.paired import Paired, finite, on_rows, recorded
from mlgate.manifest.metrics import METRICS
from mlgate.manifest.spec import Compare, Gate, Manifest
from mlgate.result import arrays, rowsets
from mlgate.result.records import (
    Baseline,
    CompareStage,
    GateResult,
    Latency,
    MetricChange,
    PowerShortfall,
    Predictions,
    Reliability,
    RowSet,
    RunResult,
    Significance,
)

MIN_ROWS = 30  # fewer rows left to compare on: each side's own figures, "different data"
MIN_FRACTION = 0.1  # ... or fewer than this share of the candidate's test rows


Words = Callable[[GateResult], GateResult]


Columns = Callable[[], Mapping[str, np.ndarray] | str]


def compare(
    manifest: Manifest,
    candidate: RunResult,
    found: Found,
    *,
    worded: Words,
    test_columns: Columns | None = None,
) -> CompareStage:
    """`worded` writes out a decided gate's words (report/gate_text.py's `worded`): run.json
    keeps them beside the values, and this stage's message quotes the failed gates'.
    `test_columns` reads the candidate's test columns, one value per test row, for
    evaluate.discover (or says why it cannot)."""
    spec = manifest.compare
    paired, info = _pair(candidate, found)
    if other := _other_positive(candidate, found):
        how = (
            f"both sides' figures are of {candidate.evaluate.positive_label!r}, on the paired rows"
            if paired is not None
            else "its figures of the positive class measure another class than the candidate's"
        )
        note = f"the baseline's positive class was {other!r}: {how}"
        info = replace(info, message=f"{info.message}; {note}" if info.message else note)
    names = list(candidate.evaluate.metrics)
    names += [g.metric for g in spec.gates if g.metric not in names]
    ours, theirs = _values(candidate, found, paired, names)
    changes = tuple(
        _change(n, ours.get(n), _lookup(theirs, n), _direction(n, spec.gates)) for n in names
    )
    said = {  # why a side's figure is missing, as its evaluation said it
        "candidate": candidate.evaluate.metric_errors,
        "baseline": found.result.evaluate.metric_errors if found.result is not None else {},
    }
    results = tuple(
        worded(_gate(g, ours, theirs, paired, spec, exists=found.exists, said=said))
        for g in spec.gates
    )
    judged = subgroups.judge(manifest, candidate.evaluate, paired)
    discovered, discovery = subgroups.discovered(
        manifest, candidate.evaluate, paired, test_columns or _unreadable
    )
    stage = CompareStage(
        status="passed",
        baseline=info,
        metrics=changes,
        gates=results,
        slices=judged.slices,
        fairness=judged.fairness,
        checks=judged.checks,
        robustness=found.result.evaluate.robustness if found.result is not None else (),
        importance=found.result.evaluate.importance if found.result is not None else None,
        discovered=discovered,
        discovery=discovery,
        latency=_together(found),
        reliability=_reliability(paired),
        params=tuple(diff.params(found.result.params, candidate.params))
        if found.result is not None
        else (),
        data=tuple(diff.datasets(found.result.data.datasets, candidate.data.datasets))
        if found.result is not None
        else (),
        rules=rules.changes(found.manifest, manifest) if found.manifest is not None else (),
    )
    return _status(stage, required=spec.required, exists=found.exists)


def _unreadable() -> str:
    return "the test columns were not handed to the comparison"


def _together(found: Found) -> tuple[Latency, ...]:
    """Both models' timings, when they were measured together (a baseline's own run
    holds only its own)."""
    timed = found.result.evaluate.latency if found.result is not None else ()
    return timed if {t.role for t in timed} == {"candidate", "baseline"} else ()


def _reliability(paired: Paired | None) -> tuple[Reliability, ...]:
    """Both models' reliability diagrams on the paired rows, when both gave probabilities."""
    if paired is None or paired.candidate_scores is None or paired.baseline_scores is None:
        return ()
    from mlgate.model import calibration

    found = []
    for role, scores in (
        ("candidate", paired.candidate_scores),
        ("baseline", paired.baseline_scores),
    ):
        try:
            terms = calibration.terms(paired.y_true, scores, paired.positive_index)
        except ValueError:  # decision values, not probabilities
            return ()
        bins = tuple(calibration.reliability(terms))
        found.append(Reliability(role=role, error=calibration.error(terms), bins=bins))
    return tuple(found)


def _status(stage: CompareStage, *, required: bool, exists: bool) -> CompareStage:
    """The stage with its status and the one line that says why."""
    failed = [g for g in stage.gates if g.status == "failed"]
    if required and not exists:
        return replace(
            stage,
            status="failed",
            message=f"compare.required is set, but there is no baseline: {stage.baseline.message}",
        )
    broken = [c for c in stage.checks if c.status in ("failed", "error")]
    if failed or broken:
        said = [f"{words.of(len(failed), len(stage.gates), 'gate')} failed"] if failed else []
        said += [f"{words.of(len(broken), len(stage.checks), 'check')} failed"] if broken else []
        named = [g.explanation for g in failed[:3]] + [c.message for c in broken[:3]]
        more = len(failed) + len(broken) - len(named)
        return replace(
            stage,
            status="failed",
            message=" and ".join(said)
            + ": "
            + "; ".join(named)
            + (f"; and {more} more (each in the report)" if more else ""),
        )
    if not exists:
        return replace(stage, status="passed", message=stage.baseline.message)
    if not stage.gates:  # "0 of 0 gates passed" read as a pass of something
        return replace(
            stage,
            status="passed",
            message=f"against {stage.baseline.name}: compare.gates names none, so the "
            "metrics are compared and nothing is decided",
        )
    evaluated = sum(g.status == "passed" for g in stage.gates)
    return replace(
        stage,
        status="passed",
        message=f"against {stage.baseline.name}: {evaluated} of "
        f"{words.count(len(stage.gates), 'gate')} passed",
    )


def _lookup(metrics: Mapping[str, float | None], name: str) -> float | None:
    """A baseline's value: by name, else the one nested key that ends in it (DVC files)."""
    if name in metrics:
        return metrics[name]
    ends = [k for k in metrics if k.endswith(f".{name}")]
    return metrics[ends[0]] if len(ends) == 1 else None


def _direction(name: str, gate_list: Sequence[Gate]) -> bool:
    gate = next((g for g in gate_list if g.metric == name), None)
    if gate is not None:
        return gate.better_is_higher
    metric = METRICS.get(name)
    return True if metric is None else metric.greater_is_better


def _change(
    name: str, candidate: float | None, baseline: float | None, greater_is_better: bool
) -> MetricChange:
    cand, base = finite(candidate), finite(baseline)
    change = cand - base if cand is not None and base is not None else None
    relative = change / abs(base) if change is not None and base else None
    return MetricChange(
        metric=name,
        baseline=base,
        candidate=cand,
        change=change,
        relative_change=relative,
        greater_is_better=greater_is_better,
    )


def _values(
    candidate: RunResult, found: Found, paired: Paired | None, names: list[str]
) -> tuple[Mapping[str, float | None], Mapping[str, float | None]]:
    """Both sides' figures, on the rows they are compared on. A metric either side's
    manifest did not compute (a gate added since) is computed, on both sides alike, from
    the predictions both runs keep."""
    if paired is None:  # each side's own, as measured
        return candidate.evaluate.metrics, found.metrics
    ours: dict[str, float | None] = {}
    theirs: dict[str, float | None] = {}
    # exactly the rows each was scored on, and the same positive class: each side's own
    # figures (a positive label changed since made an unchanged model "+0.0170 f1 better",
    # its paired test beside it finding 0: both are then computed with the candidate's)
    if paired.same_data and found.result is not None and not _other_positive(candidate, found):
        ours, theirs = dict(candidate.evaluate.metrics), dict(found.result.evaluate.metrics)
    for name in names:
        if name in METRICS and (name not in ours or name not in theirs):
            ours[name] = on_rows(name, paired, paired.candidate_pred, paired.candidate_scores)
            theirs[name] = on_rows(name, paired, paired.baseline_pred, paired.baseline_scores)
    return ours, theirs


def _other_positive(candidate: RunResult, found: Found) -> str:
    """The baseline's positive class where it is not the candidate's ("" otherwise)."""
    theirs = found.result.evaluate.positive_label if found.result is not None else None
    ours = candidate.evaluate.positive_label
    if theirs is None or ours is None or str(theirs) == str(ours):
        return ""
    return str(theirs)


def _gate(
    gate: Gate,
    ours: Mapping[str, float | None],
    theirs: Mapping[str, float | None],
    paired: Paired | None,
    spec: Compare,
    *,
    exists: bool,
    said: Mapping[str, Mapping[str, str]],
) -> GateResult:
    test = significance = power = None
    untested: str | None = None  # why the paired rows gave no test
    if paired is not None and gate.metric in ours:
        test, significance, power, untested = _test(
            gate, paired, spec, _lookup(theirs, gate.metric)
        )
    decided = gates.decide(
        gate,
        ours.get(gate.metric),
        _lookup(theirs, gate.metric),
        has_baseline=exists,
        test=test,
        untested=untested or "",
    )
    side = decided.missing
    return replace(
        decided,
        manifest_key=gate.key or None,
        significance=significance,
        power=power,
        untested=untested,
        missing_why=(
            (untested or said["candidate" if side == "both" else side].get(gate.metric))
            if side is not None
            else None
        ),
    )


def _test(
    gate: Gate, paired: Paired, spec: Compare, baseline: float | None
) -> tuple[PairedTest | None, Significance | None, PowerShortfall | None, str | None]:
    """The test, as the result keeps it, whether the rows are too few for the margin asked
    about, and why there is no test if none."""
    from mlgate.compare import significance as sig

    try:
        test = paired.test(gate.metric, spec)
    except ValueError as exc:  # undefined on these rows (one class only, ...)
        return None, None, None, str(exc)
    detectable = sig.detectable_change(test)
    short = _power_shortfall(gate, test, detectable, baseline)
    return test, recorded(test, detectable), short, None


def _power_shortfall(
    gate: Gate, test: PairedTest, detectable: float | None, baseline: float | None
) -> PowerShortfall | None:
    """When the margin a gate asks about is below what these rows can tell apart (a
    relative margin: the change it allows on this baseline's figure); for a significance
    rule without a margin, when it held for want of evidence: a change for the worse that
    these rows could not tell from noise. A significant change, or one for the better,
    needs no warning (it was on every such gate, whatever the rows)."""
    margins = [abs(m) for m in (gate.min_change, gate.max_change) if m]
    if baseline is not None and math.isfinite(baseline):
        relative = (gate.min_relative_change, gate.max_relative_change)
        margins += [abs(m * baseline) for m in relative if m and baseline]
    if detectable is None or math.isnan(detectable):
        return None
    if margins:
        margin = min(margins)
        return _shortfall(test, margin, detectable) if detectable > margin else None
    worse = test.delta < 0 if gate.better_is_higher else test.delta > 0
    if gate.significance != "none" and worse and not test.significant():
        return _shortfall(test, None, detectable)
    return None


def _shortfall(test: PairedTest, margin: float | None, detectable: float) -> PowerShortfall:
    if math.isfinite(detectable):
        return PowerShortfall(rows=test.rows, margin=margin, detectable=detectable)
    # no change at all: the exact test has too few rows answered apart to reach the level
    needed = fewest_apart(test.confidence)
    return PowerShortfall(
        rows=test.rows, margin=margin, detectable=None, apart=test.apart, needed=needed
    )


def _pair(candidate: RunResult, found: Found) -> tuple[Paired | None, Baseline]:
    """The rows to compare on, and the baseline's record of how they were chosen."""
    info, baseline = found.info, found.result
    if baseline is None:
        return None, info
    ours, theirs = candidate.evaluate.predictions, baseline.evaluate.predictions
    if ours is None or theirs is None:
        return None, _note(info, "no per-row predictions on one side: metrics compared as stored")
    if candidate.evaluate.task != baseline.evaluate.task:
        return None, _note(
            info,
            f"the baseline is a {baseline.evaluate.task} model and the "
            f"candidate a {candidate.evaluate.task} model",
        )
    keys = arrays.decode(ours.row_keys)
    rows = pairing.pair(keys, arrays.decode(theirs.row_keys))
    in_base = _trained_on(baseline.evaluate.train_rows, keys[rows.candidate])
    in_ours = _trained_on(candidate.evaluate.train_rows, keys[rows.candidate]) & ~in_base
    unknown = tuple(
        side
        for side, r in (("baseline", baseline), ("candidate", candidate))
        if r.evaluate.train_rows is None
    )
    rows = pairing.subset(rows, ~(in_base | in_ours))
    info = replace(
        info,
        candidate_rows=rows.candidate_rows,
        rows_not_scored_by_baseline=rows.candidate_rows - len(in_base),
        rows_in_baseline_training=int(in_base.sum()),
        rows_in_candidate_training=int(in_ours.sum()),
        training_rows_unknown=unknown,
        # the same rows, but whether one side trained on them cannot be known
        same_data=None if rows.same_data and unknown else rows.same_data,
    )
    if rows.rows == 0:
        return None, _note(
            info,
            "no test row of the candidate's is one the baseline was "
            "scored on and neither model trained on: each side's own "
            "figures are compared",
        )
    needed = max(MIN_ROWS, math.ceil(MIN_FRACTION * rows.candidate_rows))
    # every row of the candidate's paired (a sweep's winner, cut to its held-out rows):
    # the baseline's own figure, on rows the candidate never saw, would compare less well
    whole = rows.rows == rows.candidate_rows
    if not rows.same_data and not whole and rows.rows < needed:
        return None, _note(
            info,
            f"only {rows.rows:,} of the candidate's {rows.candidate_rows:,} "
            "test rows were scored by the baseline and trained on by neither "
            f"model: too few (fewer than {needed:,}) to compare on, so each "
            "side's own figures are compared",
        )
    info = replace(info, paired_rows=rows.rows)
    if candidate.evaluate.task == "regression":
        return _regression(ours, theirs, rows), info
    paired, message = _classification(candidate, ours, theirs, rows)
    if paired is None:
        return None, _note(info, message)
    return paired, info


def _trained_on(train_rows: RowSet | None, keys: np.ndarray) -> np.ndarray:
    if train_rows is None:
        return np.zeros(len(keys), dtype=bool)
    return rowsets.contains(train_rows, keys)


def _note(info: Baseline, message: str) -> Baseline:
    """Nothing paired: the record says why (unless it says why already)."""
    return replace(info, same_data=False, paired_rows=0, message=info.message or message)


def _regression(ours: Predictions, theirs: Predictions, rows: pairing.Pairing) -> Paired:
    return Paired(
        y_true=arrays.decode(ours.y_true)[rows.candidate],
        candidate_pred=arrays.decode(ours.y_pred)[rows.candidate],
        baseline_pred=arrays.decode(theirs.y_pred)[rows.baseline],
        candidate_scores=None,
        baseline_scores=None,
        n_classes=0,
        positive_index=0,
        same_data=rows.same_data,
        rows=rows.candidate,
    )


def _classification(
    candidate: RunResult, ours: Predictions, theirs: Predictions, rows: pairing.Pairing
) -> tuple[Paired | None, str]:
    mine, other = list(ours.classes or ()), list(theirs.classes or ())
    keys = {_label(c): i for i, c in enumerate(mine)}
    if any(_label(c) not in keys for c in other):
        extra = sorted({str(c) for c in other if _label(c) not in keys})
        return None, f"the baseline predicts classes the candidate does not know: {extra}"
    to_mine = np.array([keys[_label(c)] for c in other], dtype=np.int64)
    base_pred = to_mine[arrays.decode(theirs.y_pred)[rows.baseline].astype(np.int64)]
    cand_scores = base_scores = None
    if ours.scores is not None and theirs.scores is not None:
        cand_scores = arrays.decode(ours.scores)[rows.candidate]
        raw = arrays.decode(theirs.scores)[rows.baseline]
        base_scores = np.zeros((len(raw), len(mine)), dtype=raw.dtype)
        base_scores[:, to_mine] = raw  # a class the baseline never saw scores 0
    positive_index = candidate.evaluate.positive_index
    return Paired(
        y_true=arrays.decode(ours.y_true)[rows.candidate].astype(np.int64),
        candidate_pred=arrays.decode(ours.y_pred)[rows.candidate].astype(np.int64),
        baseline_pred=base_pred,
        candidate_scores=cand_scores,
        baseline_scores=base_scores,
        n_classes=len(mine),
        classes=tuple(mine),
        positive_index=positive_index,
        same_data=rows.same_data,
        rows=rows.candidate,
    ), ""


def _label(value: object) -> str:
    """Class labels compare by value across JSON round trips (1 and 1.0 and "1" differ)."""
    plain = value.item() if hasattr(value, "item") else value  # NumPy scalars
    return f"{type(plain).__name__}:{plain}"
