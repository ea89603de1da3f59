"""A sweep's ranking for people: the table, and the winner with its honest figure."""

from __future__ import annotations

from mlgate import words
from mlgate.report import numbers
from mlgate.report.inert import escape
from mlgate.sweep.ranking import Ranking

SHOWN = 50  # table rows: a comment or a summary stays readable and within GitHub's limits
CHART_POINTS = 50  # values a parameter's chart draws; past this, a line is unreadable


def text(ranking: Ranking) -> str:
    metric = ranking.metric
    lines = [f"{'rank':<5} {'configuration':<13} {metric:>10}  status   params"]
    for n, r in enumerate(ranking.ranked, 1):
        f = r.finished
        figure = "-" if r.choosing is None else numbers.value(r.choosing)
        lines.append(
            f"{n:<5} {f.configuration.id:<13} {figure:>10}  {f.status:<8} {f.configuration.label()}"
        )
    return "\n".join([*lines, "", winner(ranking)])


def winner(ranking: Ranking) -> str:
    """The winner, led by the figure on rows that did not choose it."""
    win = ranking.winner
    if win is None:
        return "no winner: no configuration has a figure to rank by"
    chosen, held = ranking.rows
    count = len(ranking.ranked)
    said = (
        f"winner: {win.finished.configuration.id} ({win.finished.configuration.label()}): "
        f"{ranking.metric} {numbers.value(ranking.held_out)} on the "
        f"{words.count(held, 'held-out test row')}, which played no part in choosing it"
    )
    flattered = (
        f"; {numbers.value(win.choosing)} on the {words.count(chosen, 'row')} that ranked "
        f"the {words.count(count, 'configuration')} (the best of several on the rows that "
        "chose it is flattered: trust the held-out figure)"
    )
    return said + flattered


def markdown(ranking: Ranking) -> str:
    """For a job summary: the table, best first, and the winner's honest figure."""
    chosen, _ = ranking.rows
    rows = [
        f"### Sweep: {words.count(len(ranking.ranked), 'configuration')}, ranked by "
        f"{escape(ranking.metric)} on {words.count(chosen, 'test row')}",
        "",
        f"| rank | configuration | {escape(ranking.metric)} | status | params |",
        "| ---: | --- | ---: | --- | --- |",
    ]
    for n, r in enumerate(ranking.ranked[:SHOWN], 1):
        f = r.finished
        figure = "—" if r.choosing is None else numbers.value(r.choosing)
        rows.append(
            f"| {n} | `{f.configuration.id}` | {figure} | {escape(f.status)} | "
            f"{escape(words.clip(f.configuration.label(), 200))} |"
        )
    rest = len(ranking.ranked) - SHOWN
    if rest > 0:  # a comment holds 65,536 characters: the whole ranking is in --json
        rows.append(f"| | {words.count(rest, 'more configuration')} | | | |")
    drawn = charts(ranking)
    return "\n".join([*rows, "", escape(winner(ranking)), *(["", drawn] if drawn else [])])


def charts(ranking: Ranking) -> str:
    """The metric against each swept parameter: for each value, the best figure of the
    configurations that had it (the others' values vary under it), in value order."""
    from mlgate.manifest.metrics import METRICS
    from mlgate.report import mermaid

    better = max if METRICS[ranking.metric].greater_is_better else min
    scored = [r for r in ranking.ranked if r.choosing is not None]
    paths = list(scored[0].finished.configuration.params) if scored else []
    drawn = []
    for path in paths:
        best: dict[object, float] = {}
        for r in scored:
            value = r.finished.configuration.params[path]
            figure = float(r.choosing)  # type: ignore[arg-type]
            best[value] = better(best.get(value, figure), figure)
        if len(best) > CHART_POINTS:
            drawn.append(f"({escape(path)}: {words.count(len(best), 'value')}, too many to draw)")
            continue
        ordered = sorted(best.items(), key=lambda kv: _order(kv[0]))
        chart = mermaid.history(f"{ranking.metric} by {path}", [(str(v), f) for v, f in ordered])
        if chart:
            drawn.append(chart)
    return "\n\n".join(drawn)


def _order(value: object) -> tuple[int, float, str]:
    """Numbers by size, then everything else by its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))
