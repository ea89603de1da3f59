"""Charts that GitHub draws from the comment's Markdown: Mermaid `xychart-beta` lines, and
the confusion matrix as a table (Mermaid has no heatmap).

Pure and deterministic: the same values give the same bytes, every number at a fixed precision.
Labels come from users' data, so they are escaped with Mermaid's own entity codes (`#quot;`,
`#lt;`), which it turns back into characters only when drawing: no label can end its string,
the chart, the fence or the comment, and none can carry HTML or a `%%{init}%%` directive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from mlgate import words
from mlgate.model.curves import GRID, Curve, Curves, precision_at, roc_at
from mlgate.report import numbers
from mlgate.report.inert import escape, visible
from mlgate.result.records import ReliabilityBin

LABEL_CHARS = 60  # Mermaid does not wrap, and a long class name would squeeze the plot


def roc_chart(curve: Curve, *, label: str = "") -> str:
    """The ROC curve in percent, with the diagonal (a model that guesses) as a second line."""
    title = f"ROC {_for(label)}(AUC {_number(curve.auc)})"
    tpr = roc_at(curve, GRID)
    return _xychart(title, ("False positive rate (%)", "True positive rate (%)"), tpr, GRID)


def pr_chart(curve: Curve, *, label: str = "") -> str:
    """The precision-recall curve in percent, with the share of positives (what a model that
    guesses achieves: the curve's last point) as a second line."""
    title = f"Precision-recall {_for(label)}(average precision {_number(curve.auc)})"
    precision = precision_at(curve, GRID)
    chance = [curve.y[-1]] * len(GRID)
    return _xychart(title, ("Recall (%)", "Precision (%)"), precision, chance)


def reliability_chart(bins: Sequence[ReliabilityBin]) -> str:
    """Observed rate (bars) against the mean stated probability (a line) per bin, in
    percent: where the line and the bars meet, the probabilities meant what they said."""
    labels = ", ".join(f'"{b.lower * 100:.0f}-{b.upper * 100:.0f}"' for b in bins)
    return _fence(
        [
            '    title "Reliability: observed (bars) against stated (line)"',
            f"    x-axis [{labels}]",
            '    y-axis "Percent" 0 --> 100',
            f"    bar [{', '.join(_percent(b.observed) for b in bins)}]",
            f"    line [{', '.join(_percent(b.stated) for b in bins)}]",
        ]
    )


def history(metric: str, points: Sequence[tuple[str, float | None]], *, one: bool = False) -> str:
    """A metric over labelled runs (e.g. short commit shas), oldest first. Points that are not
    numbers are left out, and a line under the chart names them (a run whose figure was
    undefined vanished from the line without a word); with fewer than two left there is
    no line to draw, and no chart. `one`: a single point is said in a line instead (its
    value and run), not dropped: a decayed run's one real figure vanished from a
    monitoring history without a word. Runs are named as the x-axis names them, repeats
    numbered apart ("20:10 (2)"), in the chart and in what is said of it alike."""
    labels = _unique([_clean(label) for label, _ in points])
    kept = [
        (label, float(v))
        for label, (_, v) in zip(labels, points, strict=True)
        if v is not None and math.isfinite(v)
    ]
    if len(kept) < 2:
        return _single(metric, kept[0], len(points)) if one and kept else ""
    left = [
        label
        for label, (_, v) in zip(labels, points, strict=True)
        if v is None or not math.isfinite(v)
    ]
    return _line(metric, kept) + (_left_out(metric, left, len(points)) if left else "")


def _single(metric: str, point: tuple[str, float], total: int) -> str:
    label, value = point
    return (
        f"{escape(metric)} has a value on {words.of(1, total, 'run')} alone: "
        f"{_number(value)} on {escape(label)} (one point: no line to draw)."
    )


def _left_out(metric: str, labels: list[str], total: int) -> str:
    named = words.first([escape(label) or "–" for label in labels[:5]], len(labels))
    runs = words.of(len(labels), total, "run")
    return f"\n\n{escape(metric)} has no value on {runs} ({named}): left out of the chart."


def _line(metric: str, kept: list[tuple[str, float]]) -> str:
    values = [v for _, v in kept]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 if high > low else max(abs(high) * 0.05, 1e-4)
    bottom, top = math.floor((low - pad) * 1e4) / 1e4, math.ceil((high + pad) * 1e4) / 1e4
    labels = ", ".join(f'"{_entities(label)}"' for label, _ in kept)  # cleaned, numbered
    lines = [
        f'    title "{_text(metric)}"',
        f"    x-axis [{labels}]",
        f'    y-axis "{_text(metric)}" {_number(bottom)} --> {_number(top)}',
        f"    line [{', '.join(_number(v) for v in values)}]",
    ]
    return _fence(lines)


def confusion_table(
    matrix: Sequence[Sequence[int]] | np.ndarray, class_names: Sequence[str]
) -> str:
    """Counts of actual (rows) against predicted (columns) classes; correct ones in bold."""
    names = [escape(_clean(name)) for name in class_names]  # escape() leaves a "\r" in
    rows = [
        "| actual \\ predicted | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for i, (name, counts) in enumerate(zip(names, matrix, strict=True)):
        cells = [f"**{int(c):,}**" if i == j else f"{int(c):,}" for j, c in enumerate(counts)]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def charts(curves: Curves) -> str:
    """Everything `curves` holds: the confusion table, then each ROC and precision-recall chart."""
    parts = [confusion_table(curves.confusion, curves.class_names)]
    parts += [roc_chart(curve, label=label) for label, curve in curves.roc]
    parts += [pr_chart(curve, label=label) for label, curve in curves.pr]
    return "\n\n".join(parts)


def _xychart(
    title: str,
    axes: tuple[str, str],
    line: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
) -> str:
    # one value per percent on a 0 --> 100 axis: the only spacing every Mermaid version
    # places where it belongs (see GRID)
    return _fence(
        [
            f'    title "{_entities(title)}"',
            f'    x-axis "{axes[0]}" 0 --> 100',
            f'    y-axis "{axes[1]}" 0 --> 100',
            f"    line [{', '.join(_percent(v) for v in line)}]",
            f"    line [{', '.join(_percent(v) for v in second)}]",
        ]
    )


def _fence(lines: list[str]) -> str:
    return "\n".join(["```mermaid", "xychart-beta", *lines, "```"])


def _for(label: str) -> str:
    return f"for {_clean(label)} " if label else ""


def _percent(value: float) -> str:
    return f"{100 * value:.2f}"


def _number(value: float) -> str:
    text = numbers.value(value)
    return text[1:] if text == "-0.0000" else text  # Mermaid reads it, but it reads oddly


# C0 and C1 controls and the Unicode line and paragraph separators: each could end a line
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ENTITIES = {"#": "#35;", '"': "#quot;", "%": "#37;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")


def _text(value: str) -> str:
    """A label safe inside a Mermaid "string" within a ``` fence."""
    return _entities(_clean(value))


def _clean(value: str) -> str:
    """One line, of bounded length, never empty (Mermaid's grammar refuses `""`)."""
    value = visible(_BREAKS.sub(" ", str(value))).strip()  # a right-to-left override shown
    if len(value) > LABEL_CHARS:
        value = value[: LABEL_CHARS - 1] + "…"
    return value or "(blank)"


def _entities(value: str) -> str:
    return _SPECIAL.sub(lambda m: _ENTITIES[m.group()], value)


def _unique(labels: list[str]) -> list[str]:
    """Mermaid merges equal x-axis categories into one; number the repeats apart."""
    taken: set[str] = set()
    out = []
    for label in labels:
        candidate, n = label, 1
        while candidate in taken:
            n += 1
            candidate = f"{label} ({n})"
        taken.add(candidate)
        out.append(candidate)
    return out
