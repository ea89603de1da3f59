"""Robustness as one Markdown table: each disturbance, how often the candidate's answer
moved, and the baseline's on the same rows when there is one."""

from __future__ import annotations

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
    confidence = f"{found[0].confidence:.0%}"
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
