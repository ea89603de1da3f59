"""A monitoring run as Markdown, for a job summary or an issue: the verdict first, the
performance estimates with their intervals and doubts, the drift table, and the history
drawn as charts (the estimate over time, drifted columns over time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mlgate import bounds, words
from mlgate.bounds import written
from mlgate.compare import unpaired
from mlgate.monitor import Monitored
from mlgate.monitor_history import History
from mlgate.report import drift_tables, mermaid, numbers
from mlgate.report.blocks import details
from mlgate.report.inert import escape


def headline(name: str, found: Monitored) -> str:
    """The run's verdict in a line, as the text and the Markdown both lead with it:
    "churn: production data drifted, performance decayed"."""
    state = "drifted" if found.drifted else "steady"
    drift = found.drift
    if not found.measured:  # not "steady": nothing measured is no evidence nothing moved
        if not found.rows:
            return f"{name}: production data not measured: no rows to test for drift or to score"
        untested = (
            "no profile of its training data to test drift against"
            if found.drift is None
            else f"{words.count(found.rows, 'row')}, too few to test any column for drift"
        )
        return f"{name}: production data not measured: {untested}, and no labelled rows to score"
    if drift is not None and not drift.drifted and drift.drifted_columns:
        # not "steady" alone: a column that moved 0.45 (KS) stood under that headline
        moved = drift.drifted_columns
        shown = words.first(moved[:3], len(moved))
        state = (
            f"steady overall ({words.of(len(moved), len(drift.tested_columns), 'column')} "
            f"drifted: {shown}; the alarm is at a share of {written(drift.share)})"
        )
    doubt = "" if found.reliable else ", performance estimate not to be trusted"
    doubt += ", performance decayed" if found.decay else ""
    doubt += ", the model cannot score it" if found.unscorable else ""
    return f"{name}: production data {state}{doubt}"


def markdown(name: str, found: Monitored, past: History, *, charts: bool = True) -> str:
    """The run `found` of model `name`, with the history it belongs to (drawn unless
    `charts` is off: an issue's text should change when the data does, not every run)."""
    moved = found.drift is not None and bool(found.drift.drifted_columns)
    mark = "❌" if found.attention else "⚠️" if moved or not found.measured else "✅"
    parts = [
        f"## {mark} {escape(headline(name, found))}",
        f"{words.count(found.rows, 'row')} of {escape(found.data)} against "
        f"**{escape(found.version)}** ({escape(found.stage)}), "
        f"{found.labelled:,} of them labelled.",
    ]
    parts += [f"> ⚠️ The schedule missed runs: {escape(gap)}" for gap in past.gaps]
    if found.unscorable:
        parts.append(f"> ❌ {escape(found.unscorable)}")
    if found.estimates:
        parts.append(_estimates(found))
    if found.actual:
        parts.append(_labelled(found))
    parts += [f"- decayed: {escape(line)}" for line in found.decay]
    parts += [f"- {escape(line)}" for line in found.said]
    if found.drift is not None:
        parts.append(drift_tables.markdown((found.drift,)))
    order = [*(e.metric for e in found.estimates), *found.actual]  # the run's, not sorted
    drawn = _charts(past.entries, order) if charts else ""
    if drawn:
        parts.append(details(f"History ({words.count(len(past.entries), 'run')})", drawn))
    return "\n\n".join(parts)


def _estimates(found: Monitored) -> str:
    rows = [
        "### Performance before labels",
        "",
        "| metric | estimated | 95% interval | on the labelled rows | the version's test "
        "figure | trusted |",
        "| --- | ---: | --- | ---: | ---: | --- |",
    ]
    for e in found.estimates:
        real = numbers.value(found.actual[e.metric]) if e.metric in found.actual else "—"
        before = found.registered.get(e.metric)
        rows.append(
            f"| {escape(e.metric)} | {numbers.value(e.value)} | {numbers.value(e.low)} to "
            f"{numbers.value(e.high)} | {real} | "
            f"{'—' if before is None else numbers.value(before)} | "
            f"{'yes' if e.reliable else 'no'} |"
        )
    doubts = sorted({r for e in found.estimates for r in e.reasons})
    return "\n".join(rows) + "".join(f"\n\n- not trusted: {escape(d)}" for d in doubts)


def _labelled(found: Monitored) -> str:
    """The labelled rows' figures against the version's own, with the unpaired test."""
    rows = [
        f"### With labels ({words.count(found.labelled, 'labelled row')})",
        "",
        "| metric | on the labelled rows | the version's test figure | change | "
        f"{words.confidence(_confidence(found))} interval | p |",
        "| --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for metric, value in found.actual.items():
        before, change = found.registered.get(metric), found.changes.get(metric)
        tested = (
            f"{numbers.delta(change.delta)} | "
            f"{numbers.interval(change.ci_low, change.ci_high)} | "
            f"{numbers.p_value(change.p_value, bounds.alpha(change.confidence))}"
            if change is not None
            else "— | — | —"
        )
        rows.append(
            f"| {escape(metric)} | {numbers.value(value)} | "
            f"{'—' if before is None else numbers.value(before)} | {tested} |"
        )
    methods = {c.method for c in found.changes.values()}
    how = [_UNPAIRED[m] for m in sorted(methods) if m in _UNPAIRED]
    rows += [
        "",
        "The labelled rows are not the version's test rows: the test is unpaired ("
        + ("; ".join(how) or "none here")
        + ").",
    ]
    return "\n".join(rows)


_UNPAIRED = {  # compare/unpaired.py's methods, as the report says them
    unpaired.PERMUTED_COUNTS: "a studentized permutation test, both sides' confusion "
    "tables pooled and dealt out again",
    unpaired.AGRESTI_CAFFO: "Agresti and Caffo's interval of two proportions",
    unpaired.PERMUTED_ROWS: "a studentized permutation test, both sides' rows pooled and "
    "dealt out again",
}


def _confidence(found: Monitored) -> float:
    return next(iter(found.changes.values())).confidence if found.changes else 0.95


def _charts(entries: Sequence[Mapping[str, Any]], order: Sequence[str] = ()) -> str:
    """The first metric (estimated, and on the labelled rows) and the drifted columns, run
    by run (two runs at least: one is this run's, told above). `order`: the metrics as the
    run lists them (the history keeps them sorted by name). A figure that one run alone
    has is said in a line, its value and run: a decayed run's real accuracy, the one
    labelled run of four, was dropped as a chart of one point, and the history showed its
    estimate alone, flat."""
    if len(entries) < 2:
        return ""
    labels = [str(e.get("at", ""))[:16].replace("T", " ") for e in entries]
    newest_first = entries[::-1]  # the latest run's metrics lead, as they did
    estimated = dict.fromkeys(m for e in newest_first for m in (e.get("estimates") or {}))
    real = dict.fromkeys(m for e in newest_first for m in (e.get("actual") or {}))
    metrics = list(estimated or real)  # labels without an estimate: the real figures
    metrics.sort(key=lambda m: order.index(m) if m in order else len(order))
    found = []
    if metrics:
        metric = metrics[0]
        guessed = [(x, _figure(e, metric)) for x, e in zip(labels, entries, strict=True)]
        found.append(mermaid.history(f"{metric}, estimated", guessed, one=True))
        # the estimate's truth, where labels arrived
        truth = [(x, _actual(e, metric)) for x, e in zip(labels, entries, strict=True)]
        found.append(mermaid.history(f"{metric} on the labelled rows", truth, one=True))
    drifted = [float(len(e.get("drifted_columns") or ())) for e in entries]
    found.append(mermaid.history("drifted columns", list(zip(labels, drifted, strict=True))))
    return "\n\n".join(c for c in found if c)


def _figure(entry: Mapping[str, Any], metric: str) -> float:
    got = (entry.get("estimates") or {}).get(metric) or {}
    value = got.get("value") if isinstance(got, dict) else None
    return float(value) if isinstance(value, int | float) else float("nan")


def _actual(entry: Mapping[str, Any], metric: str) -> float:
    value = (entry.get("actual") or {}).get(metric)
    return float(value) if isinstance(value, int | float) else float("nan")
