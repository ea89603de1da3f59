"""A sweep's ranking for people: the table, and the winner with its honest figure."""

from __future__ import annotations

from mlgate import words
from mlgate.report import numbers
from mlgate.report.inert import escape
from mlgate.sweep.ranking import Ranking


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
    for n, r in enumerate(ranking.ranked, 1):
        f = r.finished
        figure = "—" if r.choosing is None else numbers.value(r.choosing)
        rows.append(
            f"| {n} | `{f.configuration.id}` | {figure} | {escape(f.status)} | "
            f"{escape(f.configuration.label())} |"
        )
    return "\n".join([*rows, "", escape(winner(ranking))])
