"""A rule on a column that holds another kind than it reads, where only the data can show
it (a file data.prepare writes): the check is an error that says what the column holds
and what the rule needs; a missing column is the presence check's failure alone."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mlgate.data import checks, table_checks
from mlgate.manifest.spec import Column, Freshness
from mlgate.result.records import CheckResult
from tests.data.helpers import by_id, spec

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
WEEK = Freshness(column="at", max_age_s=7 * 86400, shown="7d")
NEEDS = (
    "freshness reads a column of dates or times (a date type, or dates written as text: "
    "2026-12-01, 2026-12-01T10:00:00Z); name one in data.checks.freshness.column"
)


def said(result: CheckResult) -> tuple[str, str]:
    return result.status, result.message


def test_freshness_on_text_that_is_no_dates_says_what_it_holds() -> None:
    """It failed with "at has no dates", as of a column whose dates were all missing."""
    frame = pl.DataFrame({"at": ["benign", "malignant", "benign", None]})
    for table in (frame, frame.lazy()):  # in memory, or a scan of a file too big to hold
        assert said(table_checks.freshness("train", table, WEEK, NOW)) == (
            "error",
            "at holds text that does not parse as dates (none of its 3 values, e.g. 'benign', "
            f"'malignant'): {NEEDS}",
        )


def test_freshness_on_a_column_with_no_value_fails_saying_so() -> None:
    frame = pl.DataFrame({"at": [None, None]}, schema={"at": pl.String})
    assert said(table_checks.freshness("train", frame, WEEK, NOW)) == (
        "failed",
        "at has no dates: every row lacks one",
    )


def test_freshness_on_true_and_false_says_so() -> None:
    frame = pl.DataFrame({"at": [True, False]})
    assert said(table_checks.freshness("train", frame, WEEK, NOW)) == (
        "error",
        f"at holds true/false values (Boolean), not dates: {NEEDS}",
    )


def test_sorted_on_a_missing_or_wrong_kind_column() -> None:
    frame = pl.DataFrame({"y": [0, 1], "flag": [True, False], "plan": ["b", "a"]})
    found = by_id(
        checks.run_checks(
            spec(
                Column(name="flag", sorted="increasing"),
                Column(name="plan", sorted="increasing"),
                Column(name="when", sorted="increasing"),
                target="y",
            ),
            {"test": frame},
        )
    )
    assert said(found["data.test.columns.flag.sorted"]) == (
        "error",
        "sorted applies to numbers and dates, and flag holds true/false values (Boolean)",
    )
    assert said(found["data.test.columns.plan.sorted"]) == (
        "error",
        "sorted applies to numbers and dates, and plan holds text (String); for dates "
        "written as text, declare type: datetime in data.columns",
    )
    assert found["data.test.columns.when.required"].status == "failed"  # one typo, one failure
    assert said(found["data.test.columns.when.sorted"]) == (
        "skipped",
        "column 'when' is missing",
    )
