"""A comparison in which no column could be tested (too few values in each) was headed
"✅ Drift: ... 0 of 0 columns drifted", a pass where nothing was measured (audit X)."""

from __future__ import annotations

from mlgate.report import drift_tables
from mlgate.result.records import ColumnDrift, DriftResult


def _result(tested: tuple[str, ...]) -> DriftResult:
    untested = ColumnDrift(
        column="age", test="ks", reason="too few values", statistic=None, threshold=None,
        p_value=None, drifted=False, message="not tested: 4 values, fewer than 30",
    )  # fmt: skip
    return DriftResult(
        reference="v1.0.0's training data", current="today.csv", correction="holm",
        alpha=0.05, share=0.5, columns=(untested,), tested_columns=tested,
        drifted_columns=(), drifted=False,
    )  # fmt: skip


def test_nothing_tested_is_said_so_and_not_marked_passed() -> None:
    nothing = _result(())
    assert (
        drift_tables.headline(nothing)
        == "today.csv against v1.0.0's training data: no column tested"
    )
    assert drift_tables.markdown([nothing]).startswith(
        "### ⚠️ Drift: today.csv against v1.0.0's training data: no column tested"
    )
    tested = _result(("age",))
    assert ": 0 of 1 column drifted" in drift_tables.headline(tested)
    assert drift_tables.markdown([tested]).startswith("### ✅ Drift:")
