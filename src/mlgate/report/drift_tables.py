"""Drift results as tables: Markdown for the report, plain text for the terminal.

Drifted columns first, each with the test, why that test, its statistic against its
threshold and the p-value before and after the correction, so every verdict can be
checked by hand from the row that states it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mlgate import words
from mlgate.report import numbers
from mlgate.report.blocks import details
from mlgate.report.inert import escape, one_line
from mlgate.result.records import ColumnDrift, DriftResult

CORRECTIONS = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


def headline(result: DriftResult) -> str:
    """ "test against train: 3 of 20 columns drifted"; "no column tested", where there
    was nothing to test ("0 of 0 columns drifted" stood under a ✅)."""
    compared = f"{result.current} against {result.reference}"
    if not result.tested_columns:
        return f"{compared}: no column tested"
    drifted = words.of(len(result.drifted_columns), len(result.tested_columns), "column")
    return f"{compared}: {drifted} drifted{in_part(result)}"


def in_part(result: DriftResult) -> str:
    """ "; 1 column tested in part (review)": a count of tested columns is no claim that
    every test of each ran."""
    partly = result.tested_in_part
    if not partly:
        return ""
    return f"; {words.count(len(partly), 'column')} tested in part ({words.names(partly, 3)})"


def rule(result: DriftResult) -> str:
    return (
        f"a column drifts when its change is at least its threshold and significant "
        f"({CORRECTIONS[result.correction]}-adjusted p < {numbers.threshold(result.alpha)}); "
        f"the file drifts when {numbers.threshold(result.share * 100)}% of its columns do"
    )


def markdown(results: Sequence[DriftResult]) -> str:
    parts = []
    for result in results:
        unseen = result.drifted_columns or not result.tested_columns  # or nothing measured
        mark = "❌" if result.drifted else "⚠️" if unseen else "✅"
        parts.append(f"### {mark} Drift: {escape(headline(result))}\n\n{escape(rule(result))}.")
        moved = [e for e in result.columns if e.drifted]
        rest = [e for e in result.columns if not e.drifted]
        if moved:
            parts.append(_table(moved, result.alpha))
        if rest:
            parts.append(details(_rest_said(moved, rest), _table(rest, result.alpha)))
    return "\n\n".join(parts)


def _rest_said(moved: Sequence[ColumnDrift], rest: Sequence[ColumnDrift]) -> str:
    """Columns, as the headline counts them ("1 of 7 columns drifted" stood above "7 not
    drifted": a drifted column's other test was counted as a column)."""
    drifted = {e.column for e in moved}
    columns = len({e.column for e in rest} - drifted)
    said = f"{words.count(columns, 'column')} not drifted or not tested"
    more = sum(e.column in drifted for e in rest)
    tests = len(rest) - more  # a category's two tests are two rows of one column
    said += f" ({tests:,} tests)" if tests != columns else ""
    return said + (f", and {words.count(more, 'other test')} of drifted ones" if more else "")


def _table(entries: Iterable[ColumnDrift], alpha: float) -> str:
    rows = [
        "| column | test | statistic | threshold | p | adjusted p | why this test |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for e in entries:
        rows.append(
            "| "
            + " | ".join(
                escape(cell)
                for cell in (
                    e.column,
                    e.test,
                    _figure(e.statistic),
                    _figure(e.threshold),
                    _p(e.p_value, alpha),
                    _p(e.adjusted_p_value, alpha),
                    e.reason,
                )
            )
            + " |"
        )
    return "\n".join(rows)


def text(results: Sequence[DriftResult]) -> str:
    """For the terminal: one line a tested column, drifted ones marked."""
    lines = []
    for result in results:
        lines.append(f"drift, {headline(result)}")
        lines.append(f"  ({rule(result)})")
        for e in sorted(result.columns, key=lambda e: not e.drifted):
            mark = "DRIFTED" if e.drifted else "ok" if e.statistic is not None else "-"
            lines.append(one_line(f"  {mark:<8}{words.name(e.column)} [{e.test}] {e.message}"))
    return "\n".join(lines)


def _figure(x: float | None) -> str:
    return numbers.NA if x is None else f"{x:.4g}"


def _p(p: float | None, alpha: float) -> str:
    return numbers.NA if p is None else numbers.p_value(p, alpha)
