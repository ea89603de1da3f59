"""Mermaid charts: exact text, values where every Mermaid version puts them, inert labels."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from mlgate.model import curves
from mlgate.model.curves import GRID, Curves
from mlgate.report import mermaid
from mlgate.result import arrays
from mlgate.result.records import Predictions

HOSTILE = (
    'a"b`c\n```\n--> x; %%{init: {"theme": "dark"}}%% <img src=x onerror=alert(1)> #lt; \u2028'
)


def test_a_perfect_roc_curve_renders_to_the_exact_text() -> None:
    curve = curves.roc(np.array([0, 1]), np.array([0.2, 0.8]))
    expected = "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            '    title "ROC for yes (AUC 1.0000)"',
            '    x-axis "False positive rate (%)" 0 --> 100',
            '    y-axis "True positive rate (%)" 0 --> 100',
            "    line [" + ", ".join(["100.00"] * 101) + "]",
            "    line [" + ", ".join(f"{i}.00" for i in range(101)) + "]",
            "```",
        ]
    )
    assert mermaid.roc_chart(curve, label="yes") == expected


def test_history_renders_to_the_exact_text() -> None:
    out = mermaid.history("f1_macro", [("a1b2c3d", 0.912), ("e4f5a6b", 0.927), ("0c0ffee", 0.93)])
    assert out == "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            '    title "f1_macro"',
            '    x-axis ["a1b2c3d", "e4f5a6b", "0c0ffee"]',
            '    y-axis "f1_macro" 0.9102 --> 0.9318',
            "    line [0.9120, 0.9270, 0.9300]",
            "```",
        ]
    )


def test_confusion_table_renders_to_the_exact_text() -> None:
    assert mermaid.confusion_table(np.array([[50, 3], [2, 88]]), ["cat", "dog"]) == (
        "| actual \\ predicted | cat | dog |\n"
        "| --- | ---: | ---: |\n"
        "| cat | **50** | 3 |\n"
        "| dog | 2 | **88** |"
    )


def lines_of(block: str) -> list[list[float]]:
    return [
        [float(v) for v in line.split("[", 1)[1].rstrip("]").split(", ")]
        for line in block.splitlines()
        if line.startswith("    line [")
    ]


def placed_by_mermaid_10(low: float, high: float, n: int) -> list[float]:
    """Mermaid 10.9.1's transformDataWithoutCategory: categories by repeated addition."""
    step, at, out = (high - low + 1) / n, low, []
    while at <= high:
        out.append(at)
        at += step
    return out


def placed_by_mermaid_11(low: float, high: float, n: int) -> list[float]:
    """Mermaid 11.17.2's: min + index * step."""
    step = (high - low) / (n - 1)
    return [low + i * step for i in range(n)]


@pytest.mark.parametrize("placed", [placed_by_mermaid_10, placed_by_mermaid_11])
def test_every_value_lands_on_its_percent_in_every_mermaid_version(placed) -> None:
    y, score = np.array([0, 1, 1, 0, 1]), np.array([0.1, 0.9, 0.4, 0.35, 0.8])
    for block in (
        mermaid.roc_chart(curves.roc(y, score)),
        mermaid.pr_chart(curves.precision_recall(y, score)),
    ):
        low, high = map(float, re.search(r'x-axis "[^"]+" (\S+) --> (\S+)', block).groups())
        for values in lines_of(block):
            assert placed(low, high, len(values)) == list(range(101))


def test_chart_values_are_the_exact_curves_at_each_percent() -> None:
    rng = np.random.default_rng(7)
    y = rng.random(20_000) < 0.2
    score = np.round(rng.normal(y * 1.5, 1.0), 2)  # ties
    full_roc = curves.roc(y, score, max_points=None)
    full_pr = curves.precision_recall(y, score, max_points=None)
    [tpr, diagonal] = lines_of(mermaid.roc_chart(curves.roc(y, score)))
    assert tpr == [round(100 * v, 2) for v in curves.roc_at(full_roc, GRID)]
    assert diagonal == [float(i) for i in range(101)]
    [precision, chance] = lines_of(mermaid.pr_chart(curves.precision_recall(y, score)))
    assert precision == [round(100 * v, 2) for v in curves.precision_at(full_pr, GRID)]
    assert chance == [round(100 * y.mean(), 2)] * 101


def mermaid_blocks(text: str) -> list[list[str]]:
    blocks, current = [], None
    for line in text.splitlines():
        if line == "```mermaid":
            current = []
        elif line == "```" and current is not None:
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


@pytest.mark.parametrize(
    "render",
    [
        lambda: mermaid.roc_chart(
            curves.roc(np.array([0, 1]), np.array([0.2, 0.8])), label=HOSTILE
        ),
        lambda: mermaid.pr_chart(
            curves.precision_recall(np.array([0, 1]), np.array([0.2, 0.8])), label=HOSTILE
        ),
        lambda: mermaid.history(HOSTILE, [(HOSTILE, 0.5), ("", 0.6), (HOSTILE, 0.7)]),
    ],
)
def test_hostile_labels_cannot_break_the_chart_or_the_fence(render) -> None:
    out = render()
    [body] = mermaid_blocks(out)
    assert out.count("```") == 2 and len(out.splitlines()) == len(body) + 2
    assert body[0] == "xychart-beta" and all(line.startswith("    ") for line in body[1:])
    for line in body[1:]:
        keyword = line.split()[0]
        assert keyword in ("title", "x-axis", "y-axis", "line")
        # every string closes on its own line: an even count of quotes, none of them escaped
        assert line.count('"') % 2 == 0
        for quoted in re.findall(r'"([^"]*)"', line):
            assert quoted.strip() and "%%" not in quoted
            assert not set(quoted) & set("<>`\n\r\u2028")
            # a `#` only ever starts one of our entity codes
            assert re.fullmatch(r"(?:[^#]|#(?:35|37|96|quot|lt|gt);)*", quoted)


def test_a_hostile_title_is_escaped_with_mermaids_entity_codes() -> None:
    label = 'say "hi" <b>#1</b> 100%'
    out = mermaid.roc_chart(curves.roc(np.array([0, 1]), np.array([0.2, 0.8])), label=label)
    assert (
        '    title "ROC for say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt; 100#37; (AUC 1.0000)"'
        in out
    )


def test_characters_that_reorder_or_hide_text_show_as_their_code_points() -> None:
    """A swept value's right-to-left override reached the chart's x-axis raw, where the
    table beside it showed it."""
    out = mermaid.history("m", [("a\u202eb", 0.1), ("c\u2066d\u2069", 0.2)])
    assert "\u202e" not in out and "\u2066" not in out and "\u2069" not in out
    assert '"a#lt;U+202E#gt;b"' in out and '"c#lt;U+2066#gt;d#lt;U+2069#gt;"' in out


def test_long_labels_are_cut_and_repeated_runs_told_apart() -> None:
    out = mermaid.history("m", [("x" * 100, 0.1), ("x" * 100, 0.2), ("x" * 99 + "y", 0.3)])
    cut = "x" * 59 + "…"
    assert f'x-axis ["{cut}", "{cut} (2)", "{cut} (3)"]' in out


def test_history_leaves_out_what_is_not_a_number_and_needs_two_points() -> None:
    out = mermaid.history(
        "r2", [("a", -0.5), ("b", float("nan")), ("c", float("inf")), ("d", 0.25)]
    )
    assert 'x-axis ["a", "d"]' in out and "line [-0.5000, 0.2500]" in out
    assert 'y-axis "r2" -0.5750 --> 0.3250' in out
    # the runs left out are named under the chart: they vanished without a word
    assert out.endswith("```\n\nr2 has no value on 2 of 4 runs (b, c): left out of the chart.")
    many = mermaid.history("f1", [(f"r{i}", None if i % 2 else 0.5) for i in range(16)])
    assert many.endswith("8 of 16 runs (r1, r3, r5, r7, r9 and 3 more): left out of the chart.")
    hostile = mermaid.history("f1", [("a", 0.5), ("[x](http://e)", None), ("b", 0.6)])
    assert hostile.splitlines()[-1] == (  # a label is text, as any in a report
        "f1 has no value on 1 of 3 runs (\\[x\\](http:\u2060//e)): left out of the chart."
    )
    assert mermaid.history("r2", [("a", 0.5), ("b", float("nan"))]) == ""
    flat = mermaid.history("acc", [("a", 0.9), ("b", 0.9)])
    assert 'y-axis "acc" 0.8550 --> 0.9450' in flat  # a flat line still gets a range


def test_the_confusion_table_escapes_class_names() -> None:
    table = mermaid.confusion_table([[1, 0], [0, 1]], ["a|b", "<script>\r\nx"])
    assert table.splitlines()[0] == "| actual \\ predicted | a\\|b | &lt;script&gt;  x |"
    assert len(table.splitlines()) == 4 and "\r" not in table


def test_charts_holds_the_table_then_roc_then_precision_recall() -> None:
    curve = curves.roc(np.array([0, 1]), np.array([0.2, 0.8]))
    pr = curves.precision_recall(np.array([0, 1]), np.array([0.2, 0.8]))
    got = Curves(
        class_names=("no", "yes"),
        confusion=((1, 0), (0, 1)),
        roc=(("yes", curve),),
        pr=(("yes", pr),),
        positive="yes",
    )
    out = mermaid.charts(got)
    assert out.startswith("| actual \\ predicted | no | yes |")
    assert out.index('title "ROC for yes') < out.index('title "Precision-recall for yes')
    assert mermaid.charts(got) == out
    assert mermaid.charts(Curves(class_names=("a",), confusion=((3,),))) == (
        "| actual \\ predicted | a |\n| --- | ---: |\n| a | **3** |"
    )


def test_a_hundred_thousand_row_report_renders_in_under_fifty_milliseconds() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(100_000) < 0.3).astype(np.int32)
    p = np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0, 1)
    pred = Predictions(
        rows=y.size,
        row_keys=arrays.encode(np.arange(y.size, dtype=np.uint64)),
        y_true=arrays.encode(y),
        y_pred=arrays.encode((p > 0.5).astype(np.int32)),
        scores=arrays.encode(np.c_[1 - p, p].astype(np.float32)),
        classes=("no", "yes"),
    )

    def render() -> str:
        return mermaid.charts(curves.from_predictions(pred, 1))

    times = []
    for _ in range(5):  # CPU time: the wall clock failed it on a machine busy with other work
        start = time.process_time()
        out = render()
        times.append(time.process_time() - start)
    assert len(mermaid_blocks(out)) == 2
    assert min(times) < 0.05, f"{min(times) * 1000:.1f} ms"  # about 15 ms here
