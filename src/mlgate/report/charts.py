"""The report's pictures, from a RunResult alone: confusion matrix, ROC and precision-recall
curves and metric history as Mermaid inside the Markdown (GitHub draws them, so no image
leaves GitHub); `write_png` makes the same pictures as files for the run's artifact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import words
from mlgate.manifest.spec import Manifest
from mlgate.report import inert
from mlgate.report.blocks import details
from mlgate.result.records import ReliabilityBin, RunResult

if TYPE_CHECKING:
    from mlgate.model import calibration
    from mlgate.model.curves import Curves

MANY_CLASSES = 6  # past this, per-class charts and big tables fold away


def charted_metrics(manifest: Manifest, result: RunResult) -> list[str]:
    """The metrics a gate or check is about, else the first few: history shows those."""
    named = [
        *(g.metric for g in manifest.compare.gates),
        *(c.metric for c in manifest.model_checks),
    ]
    picked = list(dict.fromkeys(named)) or list(result.evaluate.metrics)[:3]
    return [m for m in picked if m in result.evaluate.metrics]


def history(manifest: Manifest, result: RunResult) -> dict[str, list[tuple[str, float | None]]]:
    """The charted metrics over this model's local runs, with the baseline before this run
    (on a fresh CI runner, baseline -> candidate is the history there is)."""
    from mlgate.result import runs

    metrics = charted_metrics(manifest, result)
    found = runs.history(manifest.root, result.name, metrics, current=result, minimum=1)
    compared = result.compare
    if compared is not None and compared.baseline.kind != "none":
        label = (compared.baseline.commit or "")[:7] or compared.baseline.name
        values = {m.metric: m.baseline for m in compared.metrics}
        for metric in metrics:
            points = found.setdefault(metric, [])
            value = values.get(metric)
            if value is not None and label not in (p[0] for p in points):
                points.insert(max(len(points) - 1, 0), (label, value))
    return {m: p for m, p in found.items() if sum(v is not None for _, v in p) >= 2}


def _curves(result: RunResult) -> Curves | None:
    ev = result.evaluate
    if ev.task != "classification" or ev.predictions is None or not ev.predictions.classes:
        return None
    from mlgate.model import curves

    return curves.from_predictions(ev.predictions, ev.positive_index)


def sections(result: RunResult) -> tuple[str, str]:
    """The confusion matrix and the curves sections (one pass over the predictions)."""
    found = _curves(result)
    if found is None:
        return "", ""
    from mlgate.report import mermaid

    table = mermaid.confusion_table(found.confusion, found.class_names)
    if len(found.class_names) > MANY_CLASSES:
        classes = words.count(len(found.class_names), "class")
        confusion = details(f"Confusion matrix ({classes})", table)
    else:
        confusion = f"### Confusion matrix\n\n{table}"
    if not found.roc:
        return confusion, ""
    charts = [
        mermaid.roc_chart(c, label=label if len(found.roc) > 1 else "") for label, c in found.roc
    ]
    charts += [
        mermaid.pr_chart(c, label=label if len(found.pr) > 1 else "") for label, c in found.pr
    ]
    what = (
        f"positive class {inert.html(found.positive)}"
        if found.positive
        else "each class against the rest"
    )
    return confusion, details(f"ROC and precision-recall curves ({what})", "\n\n".join(charts))


def _calibration(result: RunResult) -> tuple[calibration.Terms, str, bool] | None:
    """The rows' calibration terms, what they bin, and whether there are two classes, for a
    classifier with probabilities."""
    ev = result.evaluate
    pred = ev.predictions
    if ev.task != "classification" or pred is None or pred.scores is None or not pred.classes:
        return None
    from mlgate.model import calibration
    from mlgate.result import arrays

    y = arrays.decode(pred.y_true)
    try:
        found = calibration.terms(y, arrays.decode(pred.scores), ev.positive_index)
    except ValueError:  # scores that are not probabilities
        return None
    if len(pred.classes) == 2:
        return found, f"the probability of {inert.code(pred.classes[ev.positive_index])}", True
    return found, "the most probable class's probability", False


def reliability_section(result: RunResult) -> str:
    """How often the model's stated probabilities came true, bin by bin (the reliability
    diagram), with its calibration error: nothing for a model without probabilities."""
    binned = _calibration(result)
    if binned is None:
        return ""
    from mlgate.model import calibration
    from mlgate.report import mermaid, numbers

    found, about, two_classes = binned
    bins = calibration.reliability(found)
    rows = [
        "| probability | rows | mean stated | observed | gap |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows += [
        f"| {_bin(b)} | {b.rows:,} | {numbers.value(b.stated)} | {numbers.value(b.observed)} "
        f"| {numbers.delta(b.observed - b.stated)} |"
        for b in bins
    ]
    error = numbers.value(calibration.error(found))
    said = f"Calibration error (the gaps weighted by rows): {_kept_or(result, ERROR, found)}"
    if two_classes:  # the Brier score mlgate computes is of two classes
        said += f"; Brier score: {_kept_or(result, BRIER, found)}"
    body = (
        f"Rows binned by {about}; observed is how often it came true. {said}. The error is "
        "biased upward on few rows, and so is its interval: compare two models with a "
        "gate, not with two intervals.\n\n"
        + mermaid.reliability_chart(bins)
        + "\n\n"
        + "\n".join(rows)
        + _against_baseline(result)
    )
    return details(f"Calibration (calibration error {error})", body)


def _against_baseline(result: RunResult) -> str:
    """Both models' bins on the rows they were compared on, side by side (a bin one model
    left empty is a dash: no rate to draw)."""
    from mlgate.report import numbers

    compare = result.compare
    if compare is None or len(compare.reliability) != 2:
        return ""
    ours, theirs = compare.reliability
    mine, other = ({(b.lower, b.upper): b for b in r.bins} for r in (ours, theirs))
    rows = [
        "| probability | rows | stated | observed | baseline rows | baseline stated "
        "| baseline observed |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for edges in sorted(mine.keys() | other.keys()):
        cells = [_bin_edges(*edges)]
        for found in (mine.get(edges), other.get(edges)):
            cells += (
                [f"{found.rows:,}", numbers.value(found.stated), numbers.value(found.observed)]
                if found is not None
                else ["0", "—", "—"]
            )
        rows.append("| " + " | ".join(cells) + " |")
    paired = compare.baseline.paired_rows
    on = (
        f"the {words.count(paired, 'row')} both were compared on" if paired else "the rows compared"
    )
    return (
        f"\n\n**Against the baseline ({inert.escape(compare.baseline.name)})**, on {on}: "
        f"calibration error {numbers.value(ours.error)} (candidate) and "
        f"{numbers.value(theirs.error)} (baseline); whether the change is more than chance is "
        "a gate's to say (`compare.gates.calibration_error`).\n\n" + "\n".join(rows)
    )


ERROR, BRIER = "calibration_error", "brier_score"


def _kept_or(result: RunResult, metric: str, found: calibration.Terms) -> str:
    """The run's own interval of `metric` where evaluate.intervals gave one (at the
    manifest's confidence), else one drawn here: one interval for one figure in a report
    (the Brier score had a bootstrap's in the metrics and Student's t's here)."""
    from mlgate.model import calibration

    kept = next((i for i in result.evaluate.intervals if i.metric == metric), None)
    if kept is None:
        drawn = calibration.brier_interval if metric == BRIER else calibration.error_interval
        return _with(drawn(found))
    value = float((found.gaps**2).mean()) if metric == BRIER else calibration.error(found)
    return _with(calibration.Interval(value, kept.low, kept.high, kept.method), kept.confidence)


def _with(found: calibration.Interval, confidence: float = 0.95) -> str:
    from mlgate import words
    from mlgate.report import numbers

    return (
        f"{numbers.value(found.value)} ({words.confidence(confidence)} interval "
        f"{numbers.value(found.low)} to {numbers.value(found.high)}, {found.method})"
    )


def _bin(b: ReliabilityBin) -> str:
    return _bin_edges(b.lower, b.upper)


def _bin_edges(lower: float, upper: float) -> str:
    opening = "[" if lower == 0 else "("
    return f"{opening}{lower:.1f}, {upper:.1f}]"


def history_section(history: Mapping[str, Sequence[tuple[str, float | None]]]) -> str:
    from mlgate.report import mermaid

    charts = [mermaid.history(metric, points) for metric, points in history.items()]
    charts = [c for c in charts if c]
    return details("Metric history", "\n\n".join(charts)) if charts else ""


def write_png(
    result: RunResult,
    folder: Path,
    history: Mapping[str, Sequence[tuple[str, float | None]]] | None = None,
) -> list[Path]:
    """The charts as PNG files (needs mlgate[png]); nothing for a regression run."""
    found = _curves(result)
    if found is None:
        return []
    from mlgate.report import png

    first = next(iter((history or {}).items()), None)  # the first gated metric's history
    binned = _calibration(result)
    if binned is None:
        return png.write_charts(found, folder, history=first)
    from mlgate.model import calibration

    compared = result.compare.reliability if result.compare is not None else ()
    if len(compared) == 2:  # both models on the rows they were compared on
        ours, theirs = compared
        return png.write_charts(
            found, folder, history=first, reliability=ours.bins, baseline_reliability=theirs.bins
        )
    bins = calibration.reliability(binned[0])
    return png.write_charts(found, folder, history=first, reliability=bins)
