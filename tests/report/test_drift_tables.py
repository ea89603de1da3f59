"""The drift section: every figure as the result holds it, and a column name from the
data (a fork's data, say) reads as text and cannot break the table."""

from __future__ import annotations

import polars as pl
import pytest
from markdown_it import MarkdownIt

from mlgate.data import drift
from mlgate.manifest.spec import Drift
from mlgate.report import drift_tables
from tests.report.test_inert import HOSTILE

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def result_with(names: list[str]):  # type: ignore[no-untyped-def]
    reference = pl.DataFrame({n: [float(i % 7) for i in range(200)] for n in names})
    current = pl.DataFrame(
        {n: [float(i % 7) + 3 * (j == 0) for i in range(200)] for j, n in enumerate(names)}
    )
    return drift.compare(reference, current, Drift(), reference_name="train", current_name="test")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_column_names_stay_in_their_cell(kind: str) -> None:
    names = [HOSTILE[kind] + " x", "plain"]
    found = result_with(names)
    rendered = drift_tables.markdown([found])
    tokens = PARSER.parse(rendered)
    rows = [t for t in tokens if t.type == "tr_open"]
    cells = [t for t in tokens if t.type in ("td_open", "th_open")]
    assert len(cells) == 7 * len(rows), rendered  # seven cells a row, whatever the name
    kinds = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert not kinds & {"link_open", "image", "html_inline", "code_inline"}, rendered


def test_in_a_terminal_each_column_keeps_its_line_and_shows_what_hides_text() -> None:
    """A newline in a column name started a line of its own (a CI log reads `::error::`
    at a line's start as a command); a right-to-left override showed `evil\u202egpj.exe`
    as a picture's name."""
    found = result_with(["x\n::error title=pwned::injected", "evil\u202egpj.exe"])
    lines = drift_tables.text([found]).splitlines()
    assert not [line for line in lines if line.startswith("::")]
    tested = [line for line in lines if line.startswith("  ") and "[" in line]
    assert len(tested) == 2, lines
    # each name quoted with its escapes (words.name): the line break and the override
    # show as what they are
    assert any('"x\\n::error title=pwned::injected" [' in line for line in tested)
    assert any('"evil\\u202egpj.exe" [' in line for line in tested)


def test_the_row_holds_the_results_figures() -> None:
    found = result_with(["a", "b"])
    moved = next(e for e in found.columns if e.column == "a")
    assert moved.drifted and moved.adjusted_p_value is not None
    rendered = drift_tables.markdown([found])
    row = next(line for line in rendered.splitlines() if line.startswith("| a |"))
    assert row == (
        f"| a | ks | {moved.statistic:.4g} | 0.1 | {moved.p_value:.3g} | "
        f"{moved.adjusted_p_value:.3g} | {moved.reason} |"
    )
    assert "### ❌ Drift: test against train: 1 of 2 columns drifted" in rendered


def test_the_details_count_columns_as_the_headline_does() -> None:
    """ "1 of 7 columns drifted" stood over "7 not drifted or not tested": a category's
    second test (new values) was counted as a column."""
    rows = 400
    reference = pl.DataFrame(
        {
            "clinic": [["north", "south", "east"][i % 3] for i in range(rows)],
            **{f"x{j}": [float((i * (j + 3)) % 11) for i in range(rows)] for j in range(3)},
        }
    )
    current = reference.with_columns(
        pl.Series("clinic", [["north", "south", "east"][min(i % 5, 2)] for i in range(rows)])
    )
    found = drift.compare(reference, current, Drift(), reference_name="train", current_name="test")
    assert found.drifted_columns == ("clinic",) and len(found.tested_columns) == 4
    rendered = drift_tables.markdown([found])
    assert "1 of 4 columns drifted" in rendered
    assert (
        "<summary>3 columns not drifted or not tested, and 1 other test of drifted ones" in rendered
    ), rendered


def test_the_details_say_how_many_tests_where_a_column_has_two() -> None:
    """ "3 columns not drifted or not tested" over a table of 4 rows: a category's
    chi-square and its new-values test are two rows of one column (new-user audit M)."""
    rows = 400
    reference = pl.DataFrame(
        {
            "plan": [["basic", "pro", "max"][i % 3] for i in range(rows)],
            "x": [float(i % 11) for i in range(rows)],
            "y": [float((i * 7) % 13) for i in range(rows)],
            "z": [float((i * 3) % 17) for i in range(rows)],
        }
    )
    shifted = reference.with_columns(pl.col("z") * 3)
    found = drift.compare(reference, shifted, Drift(), reference_name="train", current_name="test")
    assert found.drifted_columns == ("z",)
    rendered = drift_tables.markdown([found])
    rest = [e for e in found.columns if not e.drifted]
    assert len(rest) == 4  # plan twice, x, y
    assert "<summary>3 columns not drifted or not tested (4 tests)</summary>" in rendered, rendered
