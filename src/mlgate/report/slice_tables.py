"""Slices and fairness as Markdown tables: the candidate's metrics on each slice, and, with a
baseline, each slice's change with its test and its p-value adjusted across the slices; each
fairness figure of both models with the paired bootstrap's interval and p-value."""

from __future__ import annotations

from collections.abc import Sequence

from mlgate import bounds, words
from mlgate.model import counts
from mlgate.report import numbers
from mlgate.report.blocks import details
from mlgate.report.inert import escape
from mlgate.result.records import RunResult, SliceChange, SliceFigures

SHOWN = 60  # slice rows a table shows; run.json keeps them all


def slices(result: RunResult) -> str:
    """The candidate's every metric on each slice (evaluate.slices)."""
    return _figures(result.evaluate.slices)


def slice_changes(result: RunResult) -> str:
    """The gates' changes on each slice against the baseline (compare.slices)."""
    compared = result.compare.slices if result.compare is not None else ()
    return "\n\n".join(
        _changes(metric, [c for c in compared if c.metric == metric])
        for metric in dict.fromkeys(c.metric for c in compared)
    )


def discovered(result: RunResult) -> str:
    """evaluate.discover: the worst slices found by scanning every column."""
    compared = result.compare
    if compared is None or not (compared.discovered or compared.discovery):
        return ""
    head = "### Slices found by scanning every column"
    if not compared.discovered:
        return f"{head}\n\n{escape(compared.discovery)}."
    dropped = [c for c in compared.discovered if c.dropped]
    said = (
        f"The {words.count(len(compared.discovered), 'slice')} where the candidate lost most: "
        f"{escape(compared.discovery)}. The adjusted p-value corrects for every slice "
        "scanned (Benjamini-Hochberg), not only those shown: looking at many slices and "
        f"showing the worst is itself many tests. {words.count(len(dropped), 'slice')} "
        "dropped significantly. Found, not gated: a slice worth watching belongs in "
        "evaluate.slices, under a gate with slices: true."
    )
    return f"{head}\n\n{said}\n\n{_table(compared.discovered)}"


def fairness(result: RunResult) -> str:
    found = result.compare.fairness if result.compare is not None else ()
    if not found:
        return ""
    rows = [
        "| | figure | across | groups | baseline | candidate | change | interval | p "
        "| adjusted p |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for f in found:
        test = f.significance
        alpha = bounds.alpha(test.confidence)
        adjusted = "—" if f.adjusted_p_value is None else numbers.p_value(f.adjusted_p_value, alpha)
        rows.append(
            f"| {'❌' if f.worse else '✅'} | {escape(f.fairness)} | {escape(f.sensitive)} | "
            f"{f.groups:,} | {numbers.value(f.baseline)} | {numbers.value(f.candidate)} | "
            f"{numbers.delta(test.delta)} | {numbers.interval(test.ci_low, test.ci_high)} | "
            f"{numbers.p_value(test.p_value, alpha)} | {adjusted} |"
        )
    confidence = words.confidence(found[0].significance.confidence)
    return (
        "### Fairness against the baseline\n\n"
        f"Both models' decisions on the same rows; the change's {confidence} interval and "
        "p-value come from one paired bootstrap, the p-value then adjusted with the "
        "comparison's slice tests (Benjamini-Hochberg; ❌: significantly less fair).\n\n"
        + "\n".join(rows)
    )


def _changes(metric: str, found: Sequence[SliceChange]) -> str:
    dropped = [c for c in found if c.dropped]
    tested = [c for c in found if c.significance is not None]
    head = (
        f"### {'❌' if dropped else '✅'} {escape(metric)} on each slice: "
        f"{words.of(len(dropped), len(tested), 'slice')} tested dropped significantly"
    )
    said = (
        "Candidate beside baseline on the same rows; p is each slice's paired test, adjusted "
        "p corrects it for every slice and fairness test of the comparison "
        "(Benjamini-Hochberg); a slice drops when its adjusted p is below the test's level "
        "and the change is a loss."
    )
    if metric in counts.WEIGHS_EACH_CLASS:  # one slice, two figures: say why
        said += (
            " Both models are averaged over the same classes here, those either one holds "
            "or predicts on the slice's paired rows, so the candidate's figure may differ "
            "from its own in the slices table."
        )
    ordered = sorted(found, key=lambda c: (not c.dropped, c.adjusted_p_value or 2.0))
    table = _table(ordered)
    return f"{head}\n\n{said}\n\n" + (table if dropped else details("every slice", table))


def _table(ordered: Sequence[SliceChange]) -> str:
    rows = [
        "| | slice | rows | baseline | candidate | change | interval | p | adjusted p |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for c in ordered[:SHOWN]:
        test = c.significance
        mark = "❌" if c.dropped else ("✅" if test is not None else "➖")
        cells = (
            [
                numbers.delta(test.delta),
                numbers.interval(test.ci_low, test.ci_high),
                numbers.p_value(test.p_value, bounds.alpha(test.confidence)),
                numbers.p_value(c.adjusted_p_value or test.p_value, bounds.alpha(test.confidence)),
            ]
            if test is not None
            else [f"not tested: {escape(c.reason)}", "", "", ""]
        )
        rows.append(
            f"| {mark} | {escape(c.slicing)} = {escape(c.value)} | {c.rows:,} | "
            f"{numbers.value(c.baseline)} | {numbers.value(c.candidate)} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(rows) + _more(len(ordered))


def _figures(found: Sequence[SliceFigures]) -> str:
    if not found:
        return ""
    names = list(dict.fromkeys(n for f in found for n in f.metrics))
    rows = [
        "| slice | rows | " + " | ".join(escape(n) for n in names) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in names) + " |",
    ]
    for f in found[:SHOWN]:
        rows.append(
            f"| {escape(f.slicing)} = {escape(f.value)} | {f.rows:,} | "
            + " | ".join(numbers.value(f.metrics.get(n)) for n in names)
            + " |"
        )
    slicings = ", ".join(dict.fromkeys(f.slicing for f in found))
    head = f"### Slices: {words.count(len(found), 'slice')} of {escape(slicings)}"
    return f"{head}\n\n" + details("the metrics on each slice", "\n".join(rows) + _more(len(found)))


def _more(count: int) -> str:
    left = count - SHOWN
    return f"\n\n… and {words.count(left, 'more slice')} in run.json" if left > 0 else ""
