"""A sweep for people: the configurations ranked, the winner led by its honest figure, and
the metric against each swept parameter. Read from the record a run keeps
(`RunResult.sweep`), so the terminal, the job summary and the pull-request comment say
the same thing."""

from __future__ import annotations

import json

from mlgate import words
from mlgate.report import numbers
from mlgate.report.inert import escape, one_line
from mlgate.result.records import SweepRecord, SweptConfiguration

SHOWN = 50  # table rows: a comment or a summary stays readable and within GitHub's limits
CHART_POINTS = 50  # values a parameter's chart draws; past this, a line is unreadable


def text(sweep: SweepRecord) -> str:
    """The table as columns: the status's as wide as its longest ("passed on the ranking
    rows (failed on all)" pushed the params out of line)."""
    said = [status(c) for c in sweep.configurations]
    wide = max([len("status"), *map(len, said)])
    lines = [f"{'rank':<5} {'configuration':<13} {sweep.metric:>10}  {'status':<{wide}} params"]
    for n, (c, how) in enumerate(zip(sweep.configurations, said, strict=True), 1):
        figure = "-" if c.figure is None else numbers.value(c.figure)
        lines.append(f"{n:<5} {c.id:<13} {figure:>10}  {how:<{wide}} {words.assignments(c.params)}")
    return "\n".join([*lines, "", winner(sweep)])


def status(configuration: SweptConfiguration) -> str:
    """Its checks as they ranked it: judged on the rows that ranked, which may differ from
    its run's on every row (a metric bound the held-out rows would have met)."""
    where = configuration.passed_where_ranked
    if configuration.reason:  # it did not finish: why, as the progress line said it
        reason = words.clip(one_line(configuration.reason), 120)  # "...\n  hint: ..."
        return f"{configuration.status}: {reason}"
    if where is None:
        return configuration.status
    said = "passed" if where else "failed"
    if said == configuration.status:
        return said
    return f"{said} on the ranking rows ({configuration.status} on all)"


def winner(sweep: SweepRecord) -> str:
    """The winner, led by the figure on rows that did not choose it."""
    win = next((c for c in sweep.configurations if c.id == sweep.winner), None)
    if win is None:
        return f"no winner: {sweep.unranked or 'no configuration has a figure to rank by'}"
    said = (
        f"winner: {win.id} ({words.assignments(win.params)}): {sweep.metric} "
        f"{numbers.value(sweep.held_out)} on the "
        f"{words.count(sweep.held_out_rows, 'held-out test row')}, which played no part in "
        "choosing it"
    )
    ranked = sum(c.figure is not None for c in sweep.configurations)  # missing, failed: not
    if ranked == 1:  # no choice was made: nothing flattered it
        return f"{said}; {numbers.value(sweep.choosing)} on the rows that ranked it, alone"
    flattered = (
        f"; {numbers.value(sweep.choosing)} on the {words.count(sweep.choosing_rows, 'row')} "
        f"that ranked the {words.count(ranked, 'configuration')} (the best "
        "of several on the rows that chose it is flattered: trust the held-out figure)"
    )
    return said + flattered


def markdown(sweep: SweepRecord, *, charts: bool = True) -> str:
    """The table, best first, the winner's honest figure, and (with `charts`) the metric
    against each parameter."""
    metric = escape(sweep.metric)
    rows = [
        f"### Sweep: {words.count(len(sweep.configurations), 'configuration')}, ranked by "
        f"{metric} on {words.count(sweep.choosing_rows, 'test row')}",
        "",
        f"| rank | configuration | {metric} | status | params |",
        "| ---: | --- | ---: | --- | --- |",
    ]
    for n, c in enumerate(sweep.configurations[:SHOWN], 1):
        figure = "—" if c.figure is None else numbers.value(c.figure)
        shown = escape(words.clip(words.assignments(c.params), 200))
        rows.append(f"| {n} | `{c.id}` | {figure} | {escape(status(c))} | {shown} |")
    rest = len(sweep.configurations) - SHOWN
    if rest > 0:  # a comment holds 65,536 characters: the whole ranking is in --json
        rows.append(f"| | {words.count(rest, 'more configuration')} | | | |")
    drawn = chart_text(sweep) if charts else ""
    return "\n".join([*rows, "", escape(winner(sweep)), *(["", drawn] if drawn else [])])


def chart_text(sweep: SweepRecord) -> str:
    """The metric against each swept parameter: for each value, the best figure of the
    configurations that had it (the others' values vary under it), in value order."""
    from mlgate.manifest.metrics import METRICS
    from mlgate.report import mermaid

    known = METRICS.get(sweep.metric)
    if known is None:  # a run.json from elsewhere: no direction to take the best in
        return ""
    better = max if known.greater_is_better else min
    scored = [c for c in sweep.configurations if c.figure is not None]
    paths = list(dict.fromkeys(path for c in scored for path in c.params))
    drawn = []
    for path in paths:
        best: dict[object, float] = {}
        for c in scored:
            if path not in c.params:  # a run.json from elsewhere need not be whole
                continue
            value, figure = _key(c.params[path]), float(c.figure)  # type: ignore[arg-type]
            best[value] = better(best.get(value, figure), figure)
        if len(best) > CHART_POINTS:
            drawn.append(f"({escape(path)}: {words.count(len(best), 'value')}, too many to draw)")
            continue
        ordered = sorted(best.items(), key=lambda kv: _order(kv[0]))
        points = [(words.as_written(v), f) for v, f in ordered]  # true, as the table says
        chart = mermaid.history(f"{sweep.metric} by {path}", points)
        if chart:
            drawn.append(chart)
    return "\n\n".join(drawn)


def _key(value: object) -> object:
    """A value as a chart's point: a number or a text as it is, anything else as its JSON."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _order(value: object) -> tuple[int, float, str]:
    """Numbers by size, then everything else by its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))
