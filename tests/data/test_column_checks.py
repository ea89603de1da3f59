"""Every `data.columns` rule, passing and failing, with exact counts and messages."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgate.data import checks, load
from mlgate.data.column_checks import Counted, Measured
from mlgate.manifest.spec import Column
from mlgate.result.records import CheckResult
from tests.data.helpers import by_id, spec

NAN = math.nan


def run(frame: pl.DataFrame, *columns: Column) -> dict[str, CheckResult]:
    """The column checks on `frame` as the test file (the target is its first column)."""
    found = checks.run_checks(spec(*columns, target=frame.columns[0]), {"test": frame})
    return by_id([c for c in found if ".columns." in c.id])


def one(frame: pl.DataFrame, column: Column, rule: str) -> CheckResult:
    return run(frame, column)[f"data.test.columns.{column.name}.{rule}"]


def said(result: CheckResult) -> tuple[str, str, object]:
    return result.status, result.message, result.observed


# presence -----------------------------------------------------------------------------


def test_a_present_column_passes_and_points_at_its_manifest_entry() -> None:
    found = one(pl.DataFrame({"age": [30]}), Column(name="age"), "required")
    assert said(found) == ("passed", "present (Int64)", None)
    assert (found.subject, found.rule, found.stage) == ("test.age", "present", "data")
    assert found.manifest_key == "data.columns.age"


def test_a_missing_column_names_the_closest_ones_and_skips_its_other_checks() -> None:
    frame = pl.DataFrame({"age": [1], "page": [2], "name": ["x"]})
    found = run(frame, Column(name="agee", type="integer", min=0))
    assert said(found["data.test.columns.agee.required"]) == (
        "failed",
        "column 'agee' is missing; closest: 'age', 'page'; the file has 3 columns: age, page, name",
        None,
    )
    for rule in ("type", "min"):
        assert said(found[f"data.test.columns.agee.{rule}"]) == (
            "skipped",
            "column 'agee' is missing",
            None,
        )


def test_closeness_ignores_case() -> None:
    found = one(pl.DataFrame({"age": [1]}), Column(name="AGE"), "required")
    assert found.message == "column 'AGE' is missing; closest: 'age'; the file has 1 column: age"


def test_with_nothing_close_the_message_lists_the_files_columns() -> None:
    frame = pl.DataFrame({f"c{i}": [i] for i in range(12)})
    found = one(frame, Column(name="zzz"), "required")
    assert found.message == (
        "column 'zzz' is missing; the file has 12 columns: "
        "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11"
    )


def test_the_column_that_was_meant_is_listed_even_past_the_tenth() -> None:
    """The target was `species`, the 13th column; a list cut at 10 hid it."""
    frame = pl.DataFrame({**{f"f{i}": [i] for i in range(12)}, "species": ["a"]})
    found = one(frame, Column(name="label"), "required")
    assert found.message.endswith(", f11, species")
    assert "13 columns" in found.message


def test_close_matches_come_first_and_the_columns_are_still_listed() -> None:
    frame = pl.DataFrame({"labels_v1": [1], "x": [2], "species": ["a"]})
    found = one(frame, Column(name="label"), "required")
    assert found.message == (
        "column 'label' is missing; closest: 'labels_v1'; the file has 3 "
        "columns: labels_v1, x, species"
    )


def test_a_very_wide_file_shows_its_first_and_last_columns_and_the_close_ones() -> None:
    names = [f"feature_{i:03d}" for i in range(200)] + ["churned"]
    frame = pl.DataFrame({n: [0] for n in names})
    message = one(frame, Column(name="churn"), "required").message
    assert message.startswith(
        "column 'churn' is missing; closest: 'churned'; the file has 201 columns: feature_000, "
    )
    assert message.endswith("feature_199, churned")
    assert "(161 more)" in message
    one_wide = one(pl.DataFrame({"only": [1]}), Column(name="zzz"), "required").message
    assert one_wide == "column 'zzz' is missing; the file has 1 column: only"


def test_an_absent_optional_column_skips_without_failing() -> None:
    found = run(pl.DataFrame({"a": [1]}), Column(name="b", required=False, nullable=False))
    assert said(found["data.test.columns.b.required"]) == (
        "skipped",
        "column 'b' is absent; it is optional",
        None,
    )
    assert found["data.test.columns.b.required"].rule == "present (optional)"
    assert said(found["data.test.columns.b.nullable"]) == ("skipped", "column 'b' is absent", None)


# type ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "series"),
    [
        ("integer", pl.Series([1, 2], dtype=pl.Int64)),
        ("integer", pl.Series([1, 2], dtype=pl.UInt8)),
        ("number", pl.Series([1.5, 2.0])),
        ("number", pl.Series([1, 2])),
        ("string", pl.Series(["a", "b"])),
        ("string", pl.Series(["a", "b"], dtype=pl.Categorical)),
        ("category", pl.Series(["a", "b"], dtype=pl.Enum(["a", "b"]))),
        ("category", pl.Series([0, 1])),
        ("boolean", pl.Series([True, False])),
        ("datetime", pl.Series([dt.date(2024, 1, 1)])),
        ("datetime", pl.Series([dt.datetime(2024, 1, 1, 10)])),
        ("integer", pl.Series([None, None], dtype=pl.Null)),
    ],
)
def test_a_dtype_that_holds_the_type_passes(kind: str, series: pl.Series) -> None:
    found = one(pl.DataFrame({"x": series}), Column(name="x", type=kind), "type")  # type: ignore[arg-type]
    assert found.status == "passed"
    shown = "Datetime" if kind == "datetime" and series.dtype != pl.Date else str(series.dtype)
    assert (found.message, found.observed) == (f"column is {shown}", shown)


@pytest.mark.parametrize(
    ("kind", "series", "message"),
    [
        ("integer", pl.Series([True]), "column is Boolean, not an integer type"),
        ("number", pl.Series([True]), "column is Boolean, not a numeric type"),
        ("string", pl.Series([1]), "column is Int64, not text"),
        ("category", pl.Series([1.5]), "column is Float64, not text or integer codes"),
        ("boolean", pl.Series([1]), "column is Int64, not boolean"),
        ("datetime", pl.Series([20240101]), "column is Int64, not a date or datetime"),
    ],
)
def test_a_dtype_that_cannot_hold_the_type_fails(
    kind: str, series: pl.Series, message: str
) -> None:
    found = one(pl.DataFrame({"x": series}), Column(name="x", type=kind), "type")  # type: ignore[arg-type]
    assert (found.status, found.message) == ("failed", message)


def test_integer_accepts_floats_that_are_whole_and_ignores_missing_ones() -> None:
    frame = pl.DataFrame({"x": [1.0, 2.0, NAN, None, -3.0]})
    found = one(frame, Column(name="x", type="integer"), "type")
    assert said(found) == ("passed", "all 3 non-null rows are whole numbers", 0)


def test_integer_counts_fractions_and_infinities() -> None:
    frame = pl.DataFrame({"x": [1.0, 2.5, math.inf, 2.5, NAN, 0.25]})
    found = one(frame, Column(name="x", type="integer"), "type")
    assert said(found) == (
        "failed",
        "4 of 6 rows (66.7%) are not whole numbers, e.g. 0.25, 2.5, inf; first at rows 2, 3, 4",
        4,
    )


def test_text_is_parsed_for_numeric_types() -> None:
    frame = pl.DataFrame({"x": ["1", "1.5", "x", None, "1e3"]})
    assert said(one(frame, Column(name="x", type="integer"), "type")) == (
        "failed",
        "String column; 2 of 5 rows (40.0%) do not parse as integers, e.g. '1.5', 'x'; at rows 2, 3",
        2,
    )
    assert said(one(frame, Column(name="x", type="number"), "type")) == (
        "failed",
        "String column; 1 of 5 rows (20.0%) do not parse as numbers, e.g. 'x'; at row 3",
        1,
    )
    numbers = pl.DataFrame({"x": ["1", "2.5"]})
    assert (
        one(numbers, Column(name="x", type="number"), "type").message
        == "String column; all 2 rows parse as numbers"
    )


def test_boolean_accepts_true_and_false_text_in_any_case() -> None:
    frame = pl.DataFrame({"x": ["True", "false", "TRUE", None]})
    assert said(one(frame, Column(name="x", type="boolean"), "type")) == (
        "passed",
        "String column; all 3 non-null rows are true or false",
        0,
    )
    frame = pl.DataFrame({"x": ["True", "yes", "1", "no"]})
    assert said(one(frame, Column(name="x", type="boolean"), "type")) == (
        "failed",
        "String column; 3 of 4 rows (75.0%) are not true or false, e.g. '1', 'no', 'yes'; at rows 2, 3, 4",
        3,
    )


def test_boolean_from_a_pandas_csv_is_boolean(tmp_path: Path) -> None:
    path = tmp_path / "flags.csv"
    path.write_text("flag\nTrue\nFalse\n\n")
    found = one(load.read(path, "csv"), Column(name="flag", type="boolean"), "type")
    assert said(found) == ("passed", "column is Boolean", "Boolean")


def test_datetime_accepts_iso_text_with_or_without_time_and_offset() -> None:
    values = [
        "2024-01-31",
        "2024-01-31T10:00",
        "2024-01-31 10:00:00",
        "2024-01-31T10:00:00.5",
        "2024-01-31T10:00:00Z",
        "2024-01-31 10:00:00+00:00",
        "2024-01-31T10:00+01:00",
        None,
    ]
    found = one(pl.DataFrame({"when": values}), Column(name="when", type="datetime"), "type")
    assert said(found) == ("passed", "String column; all 7 non-null rows parse as dates", 0)


def test_datetime_accepts_a_non_iso_format_polars_infers() -> None:
    frame = pl.DataFrame({"when": ["31/01/2024", "01/02/2024"]})
    assert one(frame, Column(name="when", type="datetime"), "type").status == "passed"
    # polars reads slashes day first; month-first dates are not inferred
    frame = pl.DataFrame({"when": ["01/31/2024", "02/01/2024"]})
    assert (
        one(frame, Column(name="when", type="datetime"), "type").message
        == "String column; 1 of 2 rows (50.0%) do not parse as dates or datetimes, e.g. '01/31/2024'; at row 1"
    )


DATE_TEXTS = [
    "2024-01-31",
    "2024-02-30",
    "2024-01-31T10:00",
    "2024-01-31 10:00:05",
    "2024-01-31 10:00:05.25",
    "2024-01-31T10:00:05Z",
    "2024-01-31 10:00:05+01:00",
    "2024-01-31T25:00",
    "31/01/2024",
    "01/31/2024",
    "31.01.2024",
    "20240131",
    "soon",
    "",
    None,
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(DATE_TEXTS), max_size=12))
def test_datetime_type_counts_the_rows_it_would_mark(values: list[str | None]) -> None:
    """The cheap count (ISO formats tried only where the column's own format fails) is the
    number of rows the full test marks, whatever value comes first (it sets the format)."""
    from mlgate.data import type_checks

    frame = pl.DataFrame({"when": values}, schema={"when": pl.String})
    parse = type_checks.judge("datetime", pl.String, pl.col("when"))
    assert isinstance(parse, type_checks.Parse) and parse.count is not None
    assert frame.select(parse.count).item() == frame.select(parse.offending.sum()).item()


def test_datetime_counts_text_that_is_no_date() -> None:
    frame = pl.DataFrame({"when": ["2024-01-31", "2024-02-30", "soon", "2024-13-01", None]})
    found = one(frame, Column(name="when", type="datetime"), "type")
    assert said(found) == (
        "failed",
        "String column; 3 of 5 rows (60.0%) do not parse as dates "
        "or datetimes, e.g. '2024-02-30', '2024-13-01', 'soon'; at rows 2, 3, 4",
        3,
    )


# nullable -----------------------------------------------------------------------------


def test_not_null_counts_nulls_and_nan_as_missing() -> None:
    frame = pl.DataFrame({"x": [1.0, NAN, None, 4.0, 5.0]})
    found = one(frame, Column(name="x", nullable=False), "nullable")
    assert said(found) == ("failed", "2 of 5 rows (40.0%) missing; at rows 2, 3", 2)
    assert (found.rule, found.manifest_key) == ("not null", "data.columns.x.nullable")


def test_not_null_passes_on_a_full_column() -> None:
    found = one(pl.DataFrame({"x": ["a", "b"]}), Column(name="x", nullable=False), "nullable")
    assert said(found) == ("passed", "all 2 rows have a value", 0)


# min and max --------------------------------------------------------------------------


def test_min_and_max_on_breast_cancer(cancer) -> None:
    frame = pl.from_pandas(cancer)
    found = run(
        frame,
        Column(name="mean radius", min=10, max=25),
        Column(name="mean texture", min=9.71, max=39.28),
    )
    assert said(found["data.test.columns.mean radius.min"]) == (
        "failed",
        "47 of 569 rows (8.3%) below 10, e.g. 6.981, 7.691, 7.729; first at rows 22, 47, 60",
        47,
    )
    assert said(found["data.test.columns.mean radius.max"]) == (
        "failed",
        "5 of 569 rows (0.9%) above 25, e.g. 28.11, 27.42, 27.22; first at rows 83, 181, 213",
        5,
    )
    assert said(found["data.test.columns.mean texture.min"]) == (
        "passed",
        "all 569 rows >= 9.71",
        0,
    )
    assert found["data.test.columns.mean texture.max"].message == "all 569 rows <= 39.28"
    assert found["data.test.columns.mean radius.min"].manifest_key == "data.columns.mean radius.min"
    # independently: the counts the messages claim
    assert int((cancer["mean radius"] < 10).sum()) == 47
    assert int((cancer["mean radius"] > 25).sum()) == 5


def test_min_ignores_missing_values_and_shows_distinct_examples() -> None:
    frame = pl.DataFrame({"x": [3.0, 3.0, None, NAN, 1.0, 20.0]})
    assert said(one(frame, Column(name="x", min=5), "min")) == (
        "failed",
        "3 of 6 rows (50.0%) below 5, e.g. 1, 3; at rows 1, 2, 5",
        3,
    )
    assert said(one(frame, Column(name="x", min=1), "min")) == (
        "passed",
        "all 4 non-null rows >= 1",
        0,
    )
    # NaN sorts above every number in polars; as a missing value it never exceeds a max
    assert said(one(frame, Column(name="x", max=20), "max")) == (
        "passed",
        "all 4 non-null rows <= 20",
        0,
    )


def test_min_on_text_is_an_error() -> None:
    found = one(pl.DataFrame({"x": ["a"]}), Column(name="x", min=1), "min")
    assert said(found) == ("error", "min applies to numeric columns; this one is String", None)


def test_an_all_missing_column_has_nothing_to_check() -> None:
    frame = pl.DataFrame({"x": pl.Series([None, None, None], dtype=pl.Null)})
    assert said(one(frame, Column(name="x", min=1), "min")) == (
        "passed",
        "no values to check: all 3 rows are missing",
        0,
    )


# values -------------------------------------------------------------------------------


def test_values_from_a_csv_integer_column_compare_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "plans.csv"
    path.write_text("tier\n1\n2\n2\n3\n\n")
    frame = load.read(path, "csv")
    assert frame.schema["tier"] == pl.Int64
    found = one(frame, Column(name="tier", values=(1, 2)), "values")
    assert said(found) == ("failed", "1 of 5 rows (20.0%) not in {1, 2}, e.g. 3; at row 4", 1)
    assert found.rule == "in {1, 2}"
    assert (
        one(frame, Column(name="tier", values=(1, 2, 3)), "values").message
        == "all 4 non-null rows in {1, 2, 3}"
    )
    assert one(frame, Column(name="tier", values=("1", "2", "3")), "values").status == "passed"


def test_values_on_floats_compare_as_numbers() -> None:
    frame = pl.DataFrame({"x": [0.5, 1.0, 2.0, NAN]})
    assert said(one(frame, Column(name="x", values=(0.5, 1)), "values")) == (
        "failed",
        "1 of 4 rows (25.0%) not in {0.5, 1}, e.g. 2; at row 3",
        1,
    )


def test_values_on_text_compare_as_text() -> None:
    frame = pl.DataFrame({"plan": ["basic", "pro", "gold", None, "GOLD", "gold", "basic"]})
    found = one(frame, Column(name="plan", values=("basic", "pro")), "values")
    assert said(found) == (
        "failed",
        "3 of 7 rows (42.9%) not in {basic, pro}, e.g. 'GOLD', 'gold'; at rows 3, 5, 6",
        3,
    )
    codes = pl.DataFrame({"code": ["1", "2", "x"]})
    assert (
        one(codes, Column(name="code", values=(1, 2)), "values").message
        == "1 of 3 rows (33.3%) not in {1, 2}, e.g. 'x'; at row 3"
    )


def test_values_on_categoricals_and_booleans() -> None:
    frame = pl.DataFrame(
        {"plan": pl.Series(["a", "b", "c"], dtype=pl.Categorical), "ok": [True, False, True]}
    )
    assert one(frame, Column(name="plan", values=("a", "b")), "values").observed == 1
    assert said(one(frame, Column(name="ok", values=(True,)), "values")) == (
        "failed",
        "1 of 3 rows (33.3%) not in {true}, e.g. false; at row 2",
        1,
    )
    assert one(frame, Column(name="ok", values=("true", "False")), "values").status == "passed"


def test_values_on_a_nested_column_is_an_error() -> None:
    frame = pl.DataFrame({"x": [[1, 2]]})
    assert said(one(frame, Column(name="x", values=(1,)), "values")) == (
        "error",
        "values cannot be compared with a List(Int64) column",
        None,
    )


def test_a_long_value_list_is_abbreviated_in_the_rule() -> None:
    found = one(pl.DataFrame({"x": [1]}), Column(name="x", values=tuple(range(12))), "values")
    assert found.rule == "in {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … 2 more}"


# pattern ------------------------------------------------------------------------------


def test_pattern_searches_unless_anchored() -> None:
    frame = pl.DataFrame({"email": ["a@x.org", "b@y.org", "no-at", None, "c@@z", "@"]})
    anchored = Column(name="email", pattern="^[^@]+@[^@]+$")
    assert said(one(frame, anchored, "pattern")) == (
        "failed",
        "3 of 6 rows (50.0%) do not match, e.g. '@', 'c@@z', 'no-at'; at rows 3, 5, 6",
        3,
    )
    assert one(frame, anchored, "pattern").rule == "matches ^[^@]+@[^@]+$"
    assert said(one(frame, Column(name="email", pattern="@"), "pattern")) == (
        "failed",
        "1 of 6 rows (16.7%) do not match, e.g. 'no-at'; at row 3",
        1,
    )
    assert said(one(frame, Column(name="email", pattern="[@-]"), "pattern")) == (
        "passed",
        "all 5 non-null rows match",
        0,
    )


def test_pattern_on_a_categorical_matches_its_text() -> None:
    frame = pl.DataFrame({"x": pl.Series(["ab", "b"], dtype=pl.Categorical)})
    assert one(frame, Column(name="x", pattern="^a"), "pattern").observed == 1


def test_pattern_on_numbers_is_an_error() -> None:
    assert said(one(pl.DataFrame({"x": [1]}), Column(name="x", pattern="1"), "pattern")) == (
        "error",
        "pattern applies to text columns; this one is Int64",
        None,
    )


def test_a_python_only_pattern_is_an_error_in_rust_syntax() -> None:
    found = one(pl.DataFrame({"x": ["a"]}), Column(name="x", pattern="a(?=b)"), "pattern")
    assert said(found) == (
        "error",
        "pattern is not valid in polars' (Rust) regex syntax: "
        "look-around, including look-ahead and look-behind, is not "
        "supported at position 1",
        None,
    )


def test_a_pattern_in_rust_syntax_matches_unicode_classes() -> None:
    """What validate now accepts, the run matches: `\\p{Greek}` is no escape error."""
    frame = pl.DataFrame({"x": ["αβγ", "abc", "Ωμέγα"]})
    found = one(frame, Column(name="x", pattern=r"^\p{Greek}+\z"), "pattern")
    assert (found.status, found.observed) == ("failed", 1)


# unique -------------------------------------------------------------------------------


def test_unique_counts_repeats_on_breast_cancer(cancer) -> None:
    found = one(pl.from_pandas(cancer), Column(name="mean radius", unique=True), "unique")
    assert said(found) == (
        "failed",
        "113 of 569 rows (19.9%) repeat an earlier value, e.g. 9.742, 9.876, 10.26; first at rows 35, 48, 63",
        113,
    )
    assert int(cancer["mean radius"].duplicated().sum()) == 113


def test_unique_ignores_missing_values() -> None:
    frame = pl.DataFrame({"x": [1.0, None, None, NAN, NAN, 2.0]})
    assert said(one(frame, Column(name="x", unique=True), "unique")) == (
        "passed",
        "all 2 non-null rows are distinct",
        0,
    )


# evaluation ---------------------------------------------------------------------------


def test_rules_run_in_manifest_order_per_column() -> None:
    column = Column(name="x", type="number", nullable=False, min=0, max=9, values=(1,), unique=True)
    assert [c.id.rsplit(".", 1)[1] for c in run(pl.DataFrame({"x": [1]}), column).values()] == [
        "required",
        "type",
        "nullable",
        "min",
        "max",
        "values",
        "unique",
    ]


def test_a_statistic_polars_cannot_compute_is_an_error_of_that_check_alone() -> None:
    frame = pl.DataFrame({"x": ["a", "b"]})
    broken = Counted(
        id="data.test.columns.x.custom",
        subject="test.x",
        rule="custom",
        manifest_key="data.columns.x",
        offending=pl.col("x").str.contains("("),
        judged=pl.len(),
        found="bad",
        holds="good",
    )
    fine = Counted(
        id="data.test.columns.x.min",
        subject="test.x",
        rule="not a",
        manifest_key="data.columns.x",
        offending=pl.col("x") == "a",
        judged=pl.len(),
        found="are a",
        holds="are not a",
        examples=lambda offending: pl.col("x").filter(offending),
    )
    broken_result, fine_result = checks.settle(frame, [broken, fine])
    assert broken_result.status == "error"
    assert broken_result.message.startswith("could not be evaluated: regex error")
    assert said(fine_result) == ("failed", "1 of 2 rows (50.0%) are a, e.g. 'a'; at row 1", 1)


@pytest.mark.parametrize("taken", [[], ["\0offends.0"], ["\0offends.0", "\0\0offends.1"]])
def test_a_failed_checks_rule_runs_once_for_its_count_examples_and_rows(taken: list[str]) -> None:
    """A costly rule (a pattern over a million texts) is not run again to show what failed;
    the marks made for it never take the place of a user's column, whatever its name."""
    runs = []

    def is_a(values: pl.Series) -> pl.Series:
        runs.append(len(values))
        return values == "a"

    frame = pl.DataFrame({"x": ["b", "a", "c", "a"]} | {name: [5, 6, 7, 8] for name in taken})
    check = Counted(
        id="data.test.columns.x.custom",
        subject="test.x",
        rule="not a",
        manifest_key="data.columns.x",
        offending=pl.col("x").map_batches(is_a, return_dtype=pl.Boolean),
        judged=pl.len(),
        found="are a",
        holds="are not a",
        examples=lambda offending: pl.col("x").filter(offending),
    )
    users = Measured(
        id="data.test.columns.sum",
        subject="test",
        rule="sum",
        manifest_key="data.columns",
        value=pl.sum_horizontal(pl.col(taken).sum()) if taken else pl.lit(0),
        decide=lambda value: ("passed", f"{value:g}"),
    )
    result, measured = checks.settle(frame, [check, users])
    assert said(result) == ("failed", "2 of 4 rows (50.0%) are a, e.g. 'a', 'a'; at rows 2, 4", 2)
    assert runs == [2, 4]  # once on two rows (a column, not one value?), once on all four
    assert measured.message == f"{26 * len(taken):g}"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.just(NAN), st.floats(-100, 100)), max_size=40),
    st.integers(-50, 50),
)
def test_min_counts_agree_with_python(values: list[float | None], bound: int) -> None:
    frame = pl.DataFrame({"x": pl.Series(values, dtype=pl.Float64)})
    found = run(frame, Column(name="x", min=bound, nullable=False))
    present = [v for v in values if v is not None and not math.isnan(v)]
    assert found["data.test.columns.x.min"].observed == sum(v < bound for v in present)
    assert found["data.test.columns.x.nullable"].observed == len(values) - len(present)


@pytest.mark.parametrize("expression", ["max(age) < 10", "count(*) > 10", "1 = 0"])
def test_a_row_rule_of_one_value_is_counted_alike_in_memory_and_as_a_scan(expression: str) -> None:
    """Marking the offending rows as a column spread a rule of one value over every row:
    "5 of 5 rows" in memory where a scan (a file over 1 GiB) said "1 of 5 rows"."""
    frame = pl.DataFrame({"y": [0] * 5, "age": [1, 2, 3, 4, 50]})
    made = spec(target="y", expressions=(expression,))
    held = by_id(checks.run_checks(made, {"test": frame}))["data.test.expressions[0]"]
    scanned = by_id(checks.run_checks(made, {"test": frame.lazy()}))["data.test.expressions[0]"]
    assert held.message == scanned.message
    assert held.message.startswith("1 of 5 rows (20.0%)")
