"""Robustness and permutation importance as Markdown tables: how often the candidate's
answer moved under each disturbance, and which features it leans on, each beside the
baseline's on the same rows when there is one."""

from __future__ import annotations

from mlgate import words
from mlgate.report.inert import escape
from mlgate.result.records import Robustness, RunResult


def markdown(result: RunResult) -> str:
    found = result.evaluate.robustness
    if not found:
        return ""
    theirs = {r.said: r for r in (result.compare.robustness if result.compare else ())}
    head = ["| disturbance | candidate | interval |", "| --- | ---: | --- |"]
    if theirs:
        head = [
            "| disturbance | candidate | interval | baseline | interval |",
            "| --- | ---: | --- | ---: | --- |",
        ]
    rows = []
    for r in found:
        cells = [escape(r.said), *_share(r)]
        if theirs:
            other = theirs.get(r.said)
            cells += _share(other) if other is not None else ["n/a", ""]
        rows.append("| " + " | ".join(cells) + " |")
    confidence = words.confidence(found[0].confidence)
    return (
        "### Robustness\n\n"
        f"The test rows disturbed and scored again: the share whose answer changed (raised "
        f"or lowered columns: moved the wrong way), with its exact {confidence} interval.\n\n"
        + "\n".join(head + rows)
    )


def _share(found: Robustness) -> list[str]:
    if found.error:
        return [f"failed: {escape(found.error)}", ""]
    if not found.rows or found.low is None or found.high is None:
        return ["no rows disturbed", ""]
    return [
        f"{found.changed / found.rows:.2%} ({found.changed:,} of {found.rows:,})",
        f"[{found.low:.2%}, {found.high:.2%}]",
    ]


SHOWN = 30  # features an importance table shows


def importance(result: RunResult) -> str:
    """The candidate's permutation importance beside the baseline's, most important first,
    and the features whose importance moved most."""
    found = result.evaluate.importance
    if found is None or found.error:
        return ""
    other = result.compare.importance if result.compare is not None else None
    theirs = {f.feature: f.mean for f in other.features} if other and not other.error else {}
    head = f"### Permutation importance ({escape(found.metric)}, {words.count(found.rows, 'row')})"
    said = (
        f"How much worse {escape(found.metric)} gets when a feature's values are shuffled "
        f"(mean of {found.repeats}, ± their standard deviation; scikit-learn's "
        "`permutation_importance`)."
    )
    if theirs:
        rows = ["| feature | candidate | baseline | change |", "| --- | ---: | ---: | ---: |"]
        moved = sorted(
            (f for f in found.features if f.feature in theirs),
            key=lambda f: -abs(f.mean - theirs[f.feature]),
        )[:3]
        said += (
            " Moved most: "
            + ", ".join(f"{escape(f.feature)} ({f.mean - theirs[f.feature]:+.4f})" for f in moved)
            + "."
        )
    else:
        rows = ["| feature | importance |", "| --- | ---: |"]
    for f in found.features[:SHOWN]:
        cells = [escape(f.feature), f"{f.mean:.4f} ± {f.std:.4f}"]
        if theirs:
            base = theirs.get(f.feature)
            cells += ["n/a", ""] if base is None else [f"{base:.4f}", f"{f.mean - base:+.4f}"]
        rows.append("| " + " | ".join(cells) + " |")
    more = len(found.features) - SHOWN
    tail = f"\n\n… and {words.count(more, 'more feature')} in run.json" if more > 0 else ""
    return f"{head}\n\n{said}\n\n" + "\n".join(rows) + tail


def _alone(result: RunResult) -> str:
    """Why the candidate was timed without its baseline."""
    base = result.compare.baseline if result.compare is not None else None
    if base is None or base.kind == "none":
        return "The candidate alone (a baseline, when there is one, is timed beside it)."
    if base.source == "scored on the candidate's test rows":  # scored, but not timed
        return f"The candidate alone: the baseline ({escape(base.name)}) was not timed."
    return (
        f"The candidate alone: the baseline ({escape(base.name)}) is {base.source}, with no "
        "model to time beside it. Timings taken in another run are not compared: the "
        "machine's noise would not cancel."
    )


def latency(result: RunResult) -> str:
    """predict's time per batch size, file size and load time; against a baseline, both
    models timed together, with the candidate's time as a multiple of the baseline's."""
    together = result.compare.latency if result.compare is not None else ()
    timed = together or result.evaluate.latency
    if not timed:
        return ""
    roles = [t.role for t in timed]
    rows = ["| | " + " | ".join(roles) + " |", "| --- |" + " ---: |" * len(roles)]
    rows.append("| model file | " + " | ".join(words.size(t.file_bytes) for t in timed) + " |")
    rows.append(
        "| load | "
        + " | ".join("n/a" if t.load_ms is None else f"{t.load_ms:.1f} ms" for t in timed)
        + " |"
    )
    for batch in sorted({b.batch for t in timed for b in t.batches}):
        per = [next((b for b in t.batches if b.batch == batch), None) for t in timed]
        for name in ("p50", "p95", "p99"):
            cells = ["n/a" if b is None else f"{getattr(b, f'{name}_ms'):.3f} ms" for b in per]
            rows.append(f"| {words.count(batch, 'row')}, {name} | " + " | ".join(cells) + " |")
        speed = [
            "n/a" if b is None or b.rows_per_s is None else f"{b.rows_per_s:,.0f}" for b in per
        ]
        rows.append(f"| {words.count(batch, 'row')}, rows/s | " + " | ".join(speed) + " |")
    errors = "".join(f"\n- {t.role}: {escape(t.error)}" for t in timed if t.error)
    said = (
        "Both models timed in one process, their calls interleaved one for one, so that the "
        "machine's noise slows both alike."
        if together
        else _alone(result)
    )
    return (
        "### Latency and size\n\n"
        f"predict on batches of test rows after a warm-up. {said}\n\n" + "\n".join(rows) + errors
    )
