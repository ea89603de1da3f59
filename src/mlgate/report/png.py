"""PNG charts, for where Mermaid is not drawn: a workflow artifact, a release page, an email.

matplotlib is an optional extra (`mlgate[png]`), imported only when a chart is drawn, and
without pyplot, so no global backend or figure state is touched. The bytes are deterministic
(matplotlib's default style whatever the user's matplotlibrc, no software or time stamp), so
an unchanged model leaves its charts unchanged, and each file is written atomically.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import atomic
from mlgate.errors import UserError
from mlgate.model.curves import Curves
from mlgate.report import numbers
from mlgate.result.records import ReliabilityBin

if TYPE_CHECKING:
    from matplotlib.figure import Figure

History = tuple[str, Sequence[tuple[str, float | None]]]  # (metric, [(run label, value), ...])
DPI = 100
LABEL_CHARS = 40


class MatplotlibNotInstalled(UserError):
    """PNG charts were asked for, and matplotlib (the `png` extra) is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "PNG charts need matplotlib, which is not installed", hint='pip install "mlgate[png]"'
        )


def write_charts(
    curves: Curves,
    folder: Path,
    *,
    history: History | None = None,
    reliability: Sequence[ReliabilityBin] = (),
    baseline_reliability: Sequence[ReliabilityBin] = (),
) -> list[Path]:
    """Write roc.png and pr.png (when there are curves), confusion.png, reliability.png (when
    there are bins; with the baseline's beside them when given, both binned on the same
    rows) and history.png (when `history` has two numbers or more) into `folder`; return
    the paths written, in that order."""
    mpl = _matplotlib()
    figures: list[tuple[str, Figure]] = []
    with mpl.style.context("default"):
        if curves.roc:
            figures.append(("roc.png", _roc(curves)))
        if curves.pr:
            figures.append(("pr.png", _pr(curves)))
        figures.append(("confusion.png", _confusion(curves)))
        if reliability:
            figures.append(("reliability.png", _reliability(reliability, baseline_reliability)))
        points = _finite(history[1]) if history is not None else []
        if history is not None and len(points) >= 2:
            figures.append(("history.png", _history(history[0], points)))
        rendered = [(name, _png(figure)) for name, figure in figures]
    written = []
    for name, data in rendered:
        atomic.write_bytes(folder / name, data)
        written.append(folder / name)
    return written


def _png(figure: Figure) -> bytes:
    """The figure as PNG, with no metadata that changes between runs or machines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _roc(curves: Curves) -> Figure:
    figure, ax = _square("ROC curve", "False positive rate", "True positive rate")
    for label, curve in curves.roc:
        ax.plot(
            curve.x, curve.y, linewidth=2, label=f"{_label(label)} (AUC {numbers.value(curve.auc)})"
        )
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    ax.legend(loc="lower right")
    return figure


def _pr(curves: Curves) -> Figure:
    figure, ax = _square("Precision-recall curve", "Recall", "Precision")
    for label, curve in curves.pr:
        # precision on (x[i-1], x[i]] is y[i]: the step function average precision sums
        ax.plot(
            curve.x,
            curve.y,
            drawstyle="steps-pre",
            linewidth=2,
            label=f"{_label(label)} (AP {numbers.value(curve.auc)})",
        )
    if len(curves.pr) == 1:  # one-vs-rest curves each have their own share of positives
        chance = curves.pr[0][1].y[-1]
        ax.axhline(
            chance,
            linestyle="--",
            color="grey",
            linewidth=1,
            label=f"chance ({numbers.value(chance)})",
        )
    ax.legend(loc="lower left")
    return figure


def _reliability(bins: Sequence[ReliabilityBin], baseline: Sequence[ReliabilityBin] = ()) -> Figure:
    """Each bin's observed rate at its mean stated probability, sized by its rows, against
    the diagonal where stated and observed agree; the baseline's too, when given."""
    figure, ax = _square("Reliability", "Mean stated probability", "Observed rate")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="calibrated")
    rows = max(b.rows for b in (*bins, *baseline))
    drawn = [("candidate", bins), ("baseline", baseline)] if baseline else [("model", bins)]
    for label, points in drawn:
        (line,) = ax.plot(
            [b.stated for b in points], [b.observed for b in points], linewidth=2, label=label
        )
        ax.scatter(
            [b.stated for b in points],
            [b.observed for b in points],
            s=[20 + 180 * b.rows / rows for b in points],
            color=line.get_color(),
            zorder=3,
        )
    ax.legend(loc="upper left")
    return figure


def _confusion(curves: Curves) -> Figure:
    from matplotlib.figure import Figure

    n = len(curves.class_names)
    side = min(max(4.0, 1.0 + 0.6 * n), 16.0)
    figure = Figure(figsize=(side + 1.0, side), layout="constrained")
    ax = figure.add_subplot()
    counts = curves.confusion
    image = ax.imshow(counts, cmap="Blues", vmin=0)
    figure.colorbar(image, ax=ax, shrink=0.8)
    names = [_label(name) for name in curves.class_names]
    ax.set_xticks(range(n), names, rotation=45 if n > 3 else 0, ha="right" if n > 3 else "center")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("Actual class")
    ax.set_title("Confusion matrix")
    if n <= 20:  # past that the numbers would not fit their cells
        top = max((max(row) for row in counts), default=0)
        for i, row in enumerate(counts):
            for j, count in enumerate(row):
                dark = top > 0 and count > top / 2
                ax.text(
                    j, i, str(count), ha="center", va="center", color="white" if dark else "black"
                )
    return figure


def _history(metric: str, points: list[tuple[str, float]]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(max(6.0, 0.5 * len(points)), 4.0), layout="constrained")
    ax = figure.add_subplot()
    ax.plot(range(len(points)), [v for _, v in points], marker="o", linewidth=2)
    ax.set_xticks(
        range(len(points)), [_label(label) for label, _ in points], rotation=45, ha="right"
    )
    ax.set_xlabel("Run")
    ax.set_ylabel(_label(metric))
    ax.set_title(_label(metric))
    ax.grid(True, alpha=0.3)
    return figure


def _square(title: str, xlabel: str, ylabel: str) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 6.0), layout="constrained")
    ax = figure.add_subplot()
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return figure, ax


def _finite(points: Sequence[tuple[str, float | None]]) -> list[tuple[str, float]]:
    return [(label, float(v)) for label, v in points if v is not None and math.isfinite(v)]


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _label(text: str) -> str:
    """User text drawn as it is: one line, cut short, and `$` escaped, because matplotlib
    reads text between two `$` as math and fails on math it cannot parse."""
    text = _CONTROL.sub(" ", str(text)).strip()
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1] + "…"
    return text.replace("$", r"\$") or "(blank)"


def _matplotlib() -> Any:
    try:
        import matplotlib
        import matplotlib.style
    except ImportError as exc:
        raise MatplotlibNotInstalled() from exc
    return matplotlib
