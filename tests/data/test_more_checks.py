"""The column rules and table checks beyond types and bounds: lengths, the share of
missing values, order, dates in a range, quantiles, SQL expressions, class balance, one
schema for every file, freshness. Each failure says how many rows and which."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import load_breast_cancer, load_iris

from mlgate.data import checks, table_checks
from mlgate.manifest.spec import Column, Freshness, Quantile
from mlgate.result.records import CheckResult
from tests.data.helpers import by_id, spec


def run(frame: pl.DataFrame, *columns: Column, **fields: object) -> dict[str, CheckResult]:
    found = checks.run_checks(spec(*columns, target=frame.columns[0], **fields), {"test": frame})
    return by_id(found)


def said(result: CheckResult) -> tuple[str, str]:
    return result.status, result.message


def iris() -> pl.DataFrame:
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    frame["species"] = frame["target"].map(dict(enumerate(bunch.target_names)))
    return pl.from_pandas(frame.drop(columns="target"))


def test_string_lengths_count_characters_and_name_the_rows() -> None:
    frame = pl.DataFrame({"y": [0] * 5, "code": ["ab", "abcd", "a", None, "αβγ"]})
    found = run(frame, Column(name="code", min_length=2, max_length=3))
    assert said(found["data.test.columns.code.min_length"]) == (
        "failed",
        "1 of 5 rows (20.0%) shorter than 2 characters, e.g. 'a'; at row 3",
    )
    assert said(found["data.test.columns.code.max_length"]) == (
        "failed",
        "1 of 5 rows (20.0%) longer than 3 characters, e.g. 'abcd'; at row 2",
    )
    assert found["data.test.columns.code.max_length"].rule == "at most 3 characters"


def test_the_longest_past_a_maximum_and_the_shortest_under_a_minimum_are_shown() -> None:
    """The most telling offenders, as for bounds on numbers: not the first by their text
    ('bad xx' before a value of 29 characters)."""
    texts = ["bad xx", "zz" * 14, "bad xxx", "ok", "a", "b" * 9, "c", "bb", "\x1b" * 3]
    frame = pl.DataFrame({"y": [0] * len(texts), "code": texts})
    found = run(frame, Column(name="code", min_length=2, max_length=5))
    assert said(found["data.test.columns.code.max_length"]) == (
        "failed",
        f"4 of 9 rows (44.4%) longer than 5 characters, e.g. '{'zz' * 14}', "
        "'bbbbbbbbb', 'bad xxx'; first at rows 1, 2, 3",
    )
    assert said(found["data.test.columns.code.min_length"])[1].startswith(
        "2 of 9 rows (22.2%) shorter than 2 characters, e.g. 'a', 'c'; at rows 5, 7"
    )


def test_a_share_of_missing_values_is_allowed_up_to_its_limit() -> None:
    frame = pl.DataFrame({"y": [0] * 8, "x": [1.0, None, float("nan"), 4.0, 5.0, 6.0, 7.0, 8.0]})
    over = run(frame, Column(name="x", max_null_fraction=0.2))[
        "data.test.columns.x.max_null_fraction"
    ]
    assert said(over) == ("failed", "25% of all rows missing, more than 20%")
    assert over.observed == 0.25 and over.rule == "missing <= 20%"
    within = run(frame, Column(name="x", max_null_fraction=0.25))
    assert said(within["data.test.columns.x.max_null_fraction"]) == (
        "passed",
        "25% of all rows missing",
    )
    # 1,001 of 100,000 (1.001%) printed "1% of all rows missing, more than 1%"
    many = pl.DataFrame({"y": [0] * 100_000, "x": [None] * 1_001 + [1.0] * 98_999})
    near = run(many, Column(name="x", max_null_fraction=0.01))
    assert said(near["data.test.columns.x.max_null_fraction"]) == (
        "failed",
        "1.001% of all rows missing, more than 1%",
    )


def test_sorted_finds_every_row_below_the_largest_before_it() -> None:
    frame = pl.DataFrame({"y": [0] * 7, "t": [1, 2, None, 2, 5, 3, 6]})
    found = run(frame, Column(name="t", sorted="increasing"))["data.test.columns.t.sorted"]
    assert said(found) == (
        "failed",
        "1 of 7 rows (14.3%) smaller than a value before them; at row 6",
    )
    down = run(frame.with_columns(-pl.col("t")), Column(name="t", sorted="decreasing"))
    assert down["data.test.columns.t.sorted"].observed == 1
    ordered = run(frame.sort("t", nulls_last=True), Column(name="t", sorted="increasing"))
    assert said(ordered["data.test.columns.t.sorted"]) == (
        "passed",
        "all 6 non-null rows are in order",
    )


def test_sorted_reads_text_declared_as_dates_by_their_moment() -> None:
    """Dates kept as text (CSV, JSON Lines) were refused ("this one is String") though
    `min` and freshness read them: an ordered file failed. 09:00 at +02:00 is 07:00 UTC,
    before the 08:30 UTC row above it, though it sorts after it as text."""
    text = ["2024-01-05T08:00:00Z", "2024-01-05T08:30:00Z", "2024-01-05T09:00:00+02:00", None]
    frame = pl.DataFrame({"y": [0] * 4, "at": text})
    found = run(frame, Column(name="at", type="datetime", sorted="increasing"))
    assert said(found["data.test.columns.at.sorted"]) == (
        "failed",
        "1 of 4 rows (25.0%) smaller than a value before them; at row 3",
    )
    ordered = frame.with_columns(pl.Series("at", [*text[:2], "2024-01-05T11:00:00+02:00", None]))
    again = run(ordered, Column(name="at", type="datetime", sorted="increasing"))
    assert said(again["data.test.columns.at.sorted"]) == (
        "passed",
        "all 3 non-null rows are in order",
    )
    plain = run(frame, Column(name="at", sorted="increasing"))  # text not declared as dates
    assert said(plain["data.test.columns.at.sorted"]) == (
        "error",
        "sorted applies to numbers and dates, and at holds text (String); for dates written "
        "as text, declare type: datetime in data.columns",
    )


def test_dates_in_a_range_on_text_and_on_a_date_column() -> None:
    text = ["2024-01-05", "2023-12-31", "2024-02-01", "2024-03-01T10:00:00", None]
    frame = pl.DataFrame({"y": [0] * 5, "day": text})
    found = run(frame, Column(name="day", type="datetime", min="2024-01-01", max="2024-02-29"))
    assert said(found["data.test.columns.day.min"]) == (
        "failed",
        "1 of 5 rows (20.0%) before 2024-01-01 or not a date, e.g. '2023-12-31'; at row 2",
    )
    assert said(found["data.test.columns.day.max"]) == (
        "failed",
        "1 of 5 rows (20.0%) after 2024-02-29 or not a date, e.g. '2024-03-01T10:00:00'; at row 4",
    )
    dates = frame.with_columns(pl.col("day").str.to_datetime(strict=False))
    again = run(dates, Column(name="day", min="2024-01-01", max="2024-02-29"))
    assert again["data.test.columns.day.min"].observed == 1
    assert again["data.test.columns.day.max"].observed == 1
    # text that is no date is outside any range of dates: it was left out, as a null, and
    # counted among "all 4 rows >= 2024-01-01"
    undated = pl.DataFrame({"y": [0] * 4, "day": ["2024-01-05", "not a date", None, "2024-02-01"]})
    assert said(
        run(undated, Column(name="day", min="2024-01-01"))["data.test.columns.day.min"]
    ) == (
        "failed",
        "1 of 4 rows (25.0%) before 2024-01-01 or not a date, e.g. 'not a date'; at row 2",
    )
    dated = undated.with_columns(pl.col("day").replace("not a date", "2024-03-03"))
    assert said(run(dated, Column(name="day", min="2024-01-01"))["data.test.columns.day.min"]) == (
        "passed",
        "all 3 non-null rows >= 2024-01-01",
    )
    wrong = run(pl.DataFrame({"y": [0], "n": [1.5]}), Column(name="n", min="2024-01-01"))
    assert said(wrong["data.test.columns.n.min"]) == (
        "error",
        "a date as min applies to date columns; this one is Float64",
    )


@pytest.mark.parametrize(
    "text",
    [
        ["1999-01-01T10:00:00+02:00", "2024-01-05T00:00:00+02:00", "2099-01-01T10:00:00+02:00"],
        ["1999-01-01T10:00:00Z", "2024-01-05T00:00:00Z", "2099-01-01T10:00:00Z"],
        ["1999-01-01 10:00:00.123+0000", "2024-01-05 00:00:00+0000", "2099-01-01 10:00:00+0000"],
        ["01/01/1999 10:00", "05/01/2024 00:00", "01/01/2099 10:00"],  # polars' own guess
    ],
)
def test_text_with_an_offset_or_in_another_format_is_compared_not_passed_over(
    text: list[str],
) -> None:
    """Text the type check calls dates is read by the bounds and by freshness alike: with
    an offset it is converted to UTC (it was left unread, and every bound passed)."""
    frame = pl.DataFrame({"y": [0] * 3, "at": text})
    found = run(frame, Column(name="at", type="datetime", min="2024-01-01", max="2024-12-31"))
    assert found["data.test.columns.at.type"].status == "passed"
    assert said(found["data.test.columns.at.min"]) == (
        "failed",
        f"1 of 3 rows (33.3%) before 2024-01-01 or not a date, e.g. '{text[0]}'; at row 1",
    )
    assert said(found["data.test.columns.at.max"]) == (
        "failed",
        f"1 of 3 rows (33.3%) after 2024-12-31 or not a date, e.g. '{text[2]}'; at row 3",
    )
    now = dt.datetime(2099, 1, 2, 10, 0, tzinfo=dt.UTC)
    fresh = table_checks.freshness(
        "test", frame, Freshness(column="at", max_age_s=2 * 86400, shown="2d"), now
    )
    assert fresh.status == "passed" and fresh.observed == pytest.approx(86400, abs=2 * 3600)


def test_an_offset_moves_a_time_across_a_bound() -> None:
    """2024-01-01T01:00+02:00 is 2023-12-31T23:00 in UTC, before a min of 2024-01-01."""
    frame = pl.DataFrame({"y": [0, 0], "at": ["2024-01-01T01:00:00+02:00", "2024-01-01T01:00Z"]})
    found = run(frame, Column(name="at", type="datetime", min="2024-01-01"))
    assert found["data.test.columns.at.min"].observed == 1
    assert "at row 1" in found["data.test.columns.at.min"].message


def test_examples_of_text_moments_come_latest_first_by_the_moment_not_the_text() -> None:
    """`22:43+05:00` (17:43 UTC) sorts after `21:43Z` as text and was shown first, as
    the latest; the largest above a maximum come first."""
    at = ["2026-12-05T22:43:00+05:00", "2026-12-05T21:43:00Z", "2026-12-05 19:00:00"]
    frame = pl.DataFrame({"y": [0] * 3, "at": at})
    found = run(frame, Column(name="at", type="datetime", max="2020-01-01", min="2030-01-01"))
    assert "e.g. '2026-12-05T21:43:00Z', '2026-12-05 19:00:00', '2026-12-05T22:43:00+05:00'" in (
        found["data.test.columns.at.max"].message
    )
    assert "e.g. '2026-12-05T22:43:00+05:00', '2026-12-05 19:00:00', '2026-12-05T21:43:00Z'" in (
        found["data.test.columns.at.min"].message
    )


def test_quantile_bounds_use_linear_interpolation_as_numpy_does() -> None:
    frame = pl.from_pandas(load_breast_cancer(as_frame=True).frame)
    radius = frame["mean radius"].to_numpy()
    median = float(np.quantile(radius, 0.5))
    q90 = float(np.quantile(radius, 0.9))
    found = run(
        frame.select("target", "mean radius"),
        Column(
            name="mean radius",
            quantiles=(Quantile(q=0.5, min=10, max=median - 0.01), Quantile(q=0.9, max=30)),
        ),
    )
    first = found["data.test.columns.mean radius.quantiles[0]"]
    assert first.status == "failed" and first.observed == pytest.approx(median, abs=1e-12)
    assert first.message == f"quantile 0.5 is {median:g}, above {median - 0.01:g}"
    assert first.rule == f"10 <= quantile 0.5 <= {median - 0.01:g}"
    second = found["data.test.columns.mean radius.quantiles[1]"]
    assert second.status == "passed" and second.observed == pytest.approx(q90, abs=1e-12)
    assert second.manifest_key == "data.columns.mean radius.quantiles[1]"


def test_a_column_expression_is_sql_and_unknown_is_no_failure() -> None:
    frame = pl.DataFrame({"y": [0] * 5, "age": [17, 30, None, 12, 45]})
    found = run(frame, Column(name="age", expression="age >= 18"))[
        "data.test.columns.age.expression"
    ]
    assert said(found) == (
        "failed",
        "2 of 5 rows (40.0%) make age >= 18 false, e.g. 12, 17; at rows 1, 4",
    )
    broken = run(frame, Column(name="age", expression="age >>= 18"))
    assert broken["data.test.columns.age.expression"].status == "error"
    assert (
        "not a SQL expression polars can read" in broken["data.test.columns.age.expression"].message
    )


def test_an_expression_holding_a_query_reads_nothing(tmp_path: Path) -> None:
    """polars plans a subquery while it parses: a table function in one opened files (a
    FIFO hung the run) and URLs. Such an expression is an error of its check, unread."""
    import http.server
    import os
    import threading

    asked: list[str] = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"q\n1\n")

        do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    frame = pl.DataFrame({"y": [0, 1], "b": [1, 2]})
    try:
        for source in (f"http://127.0.0.1:{server.server_address[1]}/side.csv", str(fifo)):
            expression = f"b IN (SeLeCt q FROM read_csv('{source}'))"
            found = run(frame, Column(name="b", expression=expression))
            check = found["data.test.columns.b.expression"]
            assert check.status == "error"
            assert check.message.startswith(
                "an expression is judged on each row alone and may not hold a query ('SeLeCt')"
            )
            [row_check] = table_checks.expressions("test", (expression,))
            assert isinstance(row_check, CheckResult) and row_check.status == "error"
    finally:
        server.shutdown()
    assert asked == []


def test_polars_parse_errors_are_said_without_the_parsers_tree() -> None:
    found = run(
        pl.DataFrame({"y": [0], "a": [1]}),
        Column(name="a", expression="__import__('os').system('touch x')"),
    )["data.test.columns.a.expression"]
    said = (
        "not a SQL expression polars can read: dot-notation field access is currently unsupported"
    )
    assert found.status == "error" and found.message.startswith(said), found.message
    # polars 2.2 names the part it could not read (": `.system('touch x')`"), 2.1 did not;
    # neither leaves its parser's tree (`Dot(Function(...`) in the message
    assert found.message in (said, f"{said}: `.system('touch x')`")


def test_a_query_that_reads_nothing_is_refused_by_its_words_and_by_polars_plan() -> None:
    """`IN (VALUES ...)` and `EXISTS (...)` hold neither SELECT nor FROM: polars planned
    them, and the user was told of a column '_POLARS_TMP_SQL_0'. A comment between the
    words hides them from a regex, not from the plan polars made."""
    frame = pl.DataFrame({"y": [0, 1], "age": [1, 2], "table": [1, 5]})
    texts = (
        "age IN (VALUES (1),(2))",
        "NOT EXISTS (VALUES (1))",
        "age IN (TABLE ages)",
        "age IN (/* a list */ VALUES (1))",
        "(table > 1) OR age >= 1",  # `table` alone is a column
    )
    found = run(frame, expressions=texts)
    refused = "an expression is judged on each row alone and may not hold a query"
    messages = [found[f"data.test.expressions[{i}]"].message for i in range(4)]
    assert messages == [
        f"{refused} ('VALUES'): a subquery or a table function would read other files",
        f"{refused} ('EXISTS'): a subquery or a table function would read other files",
        f"{refused} ('TABLE'): a subquery or a table function would read other files",
        f"{refused}: a subquery or a table function would read other files",
    ]
    assert found["data.test.expressions[4]"].status == "passed"


def test_datetimes_in_two_time_zones_are_said_with_their_types_and_how_to_compare() -> None:
    """polars' type error was cut at `of dtype:`, before the types that explain it."""
    moments = pl.Series([dt.datetime(2026, 1, 1, 12)]).dt.replace_time_zone("UTC")
    frame = pl.DataFrame(
        {"y": [0], "t_utc": moments, "t ny": moments.dt.convert_time_zone("America/New_York")}
    )
    found = run(frame, expressions=('"t ny" < t_utc', "t_utc >= TIMESTAMP '2026-01-01 00:00:00'"))
    assert said(found["data.test.expressions[0]"]) == (
        "error",
        "cannot be evaluated on the data's column types: could not evaluate '<' comparison "
        "between series 't ny' of dtype: Datetime('μs', 'America/New_York') and series "
        "'t_utc' of dtype: Datetime('μs', 'UTC'); t ny has time zone America/New_York and "
        't_utc has time zone UTC: compare both in UTC, with CAST("t ny" AS TIMESTAMPTZ)',
    )
    assert found["data.test.expressions[1]"].message.endswith(
        "; t_utc has time zone UTC and the literal has no time zone: compare both in UTC, "
        "with TIMESTAMPTZ '2026-01-31 16:00:00+00' for the literal"
    )
    fixed = run(frame, expressions=('CAST("t ny" AS TIMESTAMPTZ) = t_utc',))
    assert fixed["data.test.expressions[0]"].status == "passed"  # the hint works


def test_row_expressions_across_columns_and_a_conditional_null() -> None:
    frame = pl.DataFrame(
        {
            "y": [0] * 4,
            "start": [1, 5, 3, 2],
            "end": [2, 4, 3, None],
            "status": ["open", "closed", "closed", "closed"],
            "closed_at": [None, "2024-01-01", None, "2024-02-01"],
        }
    )
    found = run(
        frame,
        # `end` is a word of SQL's: quoted, it is the column
        expressions=('"end" >= start', "status <> 'closed' OR closed_at IS NOT NULL"),
    )
    assert said(found["data.test.expressions[0]"]) == (
        "failed",
        '1 of 4 rows (25.0%) make "end" >= start false; at row 2',
    )
    assert said(found["data.test.expressions[1]"]) == (
        "failed",
        "1 of 4 rows (25.0%) make status <> 'closed' OR closed_at IS NOT NULL false; at row 3",
    )
    assert found["data.test.expressions[1]"].manifest_key == "data.checks.expressions[1]"


def test_an_expression_that_is_no_condition_is_an_error_never_a_count() -> None:
    """`age` alone is numbers: its bitwise negation was summed as the rows that "failed"
    (-72 of 3 rows, -2400%). A type error is said before any row is read."""
    frame = pl.DataFrame({"y": [0, 1, 1], "age": [30, 40, -1], "name": ["a", "b", "c"]})
    found = run(
        frame,
        Column(name="age", expression="age"),
        expressions=("age + 1", "name > 3", "upper(name) = 'B'", "NULL"),
    )
    gives = (
        "error",
        "the expression gives numbers, not true or false: it is a condition each row must "
        'meet, such as age >= 18 or "end" >= start',
    )
    assert said(found["data.test.columns.age.expression"]) == gives
    assert said(found["data.test.expressions[0]"]) == gives
    assert said(found["data.test.expressions[1]"]) == (
        "error",
        "cannot be evaluated on the data's column types: cannot compare string with numeric "
        "type (i32)",
    )
    assert said(found["data.test.expressions[2]"]) == (
        "failed",
        "2 of 3 rows (66.7%) make upper(name) = 'B' false; at rows 1, 3",
    )
    assert found["data.test.expressions[3]"].status == "passed"  # unknown is no failure
    text = pl.DataFrame({"y": [0], "when": ["2026-01-01"]})
    [dated] = table_checks.expressions("test", ('"when"',), text.head(0))
    assert isinstance(dated, CheckResult) and "gives text, not true or false" in dated.message


def test_a_misspelt_column_in_an_expression_is_named_with_polars_guess() -> None:
    """Not every column of a wide file: the one misspelt, and the one it likely meant."""
    frame = pl.DataFrame(
        {"y": [0, 1], "alcohol": [12.0, 13.0], **{f"c{i}": [0, 1] for i in range(300)}}
    )
    found = run(frame, expressions=("alcohl > 0",))
    status, message = said(found["data.test.expressions[0]"])
    assert status == "error"
    assert message.startswith(
        "column 'alcohl' is missing; closest: 'alcohol'; the file has 302 columns: y, alcohol, c0"
    )
    assert "… (262 more), c290" in message and "c150" not in message  # not all 302


def test_nothing_in_an_expression_is_run_as_python() -> None:
    frame = pl.DataFrame({"y": [0, 1]})
    found = run(frame, expressions=("__import__('os').system('touch /tmp/pwned') = 0",))
    assert found["data.test.expressions[0]"].status == "error"


def test_class_balance_names_the_rare_classes() -> None:
    frame = iris().select("species", "sepal_length")
    rare = frame.filter(pl.col("species") != "virginica").vstack(
        frame.filter(pl.col("species") == "virginica").head(4)
    )
    found = run(rare, target_min_fraction=0.05)["data.test.target_balance"]
    assert said(found) == (
        "failed",
        "1 class of 3 under 5%: class 'virginica': 4 of 104 rows (3.8%)",
    )
    balanced = run(frame, target_min_fraction=0.3)["data.test.target_balance"]
    assert said(balanced) == ("passed", "3 classes; the smallest has 50 of 150 rows (33.3%)")


def test_class_balance_of_a_regressions_target_is_an_error_not_a_class_a_value() -> None:
    """Each float of a regression's target was a class: "40 classes of 40 under 5%"."""
    prices = pl.DataFrame({"price": [1.5, 2.25, 3.0, 1.5]})
    found = run(prices, target_min_fraction=0.05)["data.test.target_balance"]
    assert said(found) == (
        "error",
        "price holds numbers with fractions, a regression's target: class balance applies "
        "to a classifier's classes",
    )
    labels = pl.DataFrame({"y": [0.0, 1.0, 1.0, None]})  # classes written as floats
    assert said(run(labels, target_min_fraction=0.4)["data.test.target_balance"]) == (
        "failed",
        "1 class of 2 under 40%: class 0: 1 of 3 rows (33.3%); 1 row without y not counted",
    )


def test_class_balance_names_each_class_apart_from_its_count_and_the_rows_left_out() -> None:
    """`1 11 of 500 rows` read as one number; and the share of 170 rows, in a file of 200
    whose 30 lacked a target, was said as if of the file."""
    frame = pl.DataFrame({"y": [0] * 166 + [1] * 4 + [2] * 5 + [None] * 25})
    found = run(frame, target_min_fraction=0.05)["data.test.target_balance"]
    assert said(found) == (
        "failed",
        "2 classes of 3 under 5%: class 2: 5 of 175 rows (2.9%); class 1: 4 of 175 rows "
        "(2.3%); 25 rows without y not counted",
    )
    assert found.observed == round(4 / 175, 6)
    passed = run(frame, target_min_fraction=0.02)["data.test.target_balance"]
    assert passed.message.endswith("(2.3%); 25 rows without y not counted")


def test_one_schema_across_train_test_and_reference() -> None:
    train = pl.DataFrame({"y": [0, 1], "age": [30, 40], "plan": ["a", "b"]})
    test = pl.DataFrame({"y": [0], "age": [31.5], "plan": ["a"]})
    reference = pl.DataFrame({"y": [1], "age": ["30"], "extra": [1]})
    found = table_checks.same_schema({"train": train, "test": test, "reference": reference})
    assert said(found) == (
        "failed",
        "reference lacks plan; reference adds extra; age is Int64 in train, String in reference",
    )
    assert table_checks.same_schema({"train": train, "test": train}).status == "passed"
    assert table_checks.same_schema({"train": train, "test": test}).status == "passed"  # numbers


def test_freshness_against_the_clock() -> None:
    frame = pl.DataFrame(
        {"y": [0, 1, 0], "at": ["2026-12-01 08:00:00", "2026-12-03 06:00:00", None]}
    )
    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    week = Freshness(column="at", max_age_s=7 * 86400, shown="7d")
    assert said(table_checks.freshness("test", frame, week, now)) == (
        "passed",
        "newest 2026-12-03 06:00:00, 1 day old",
    )
    day = Freshness(column="at", max_age_s=86400, shown="1d")
    stale = table_checks.freshness("test", frame, day, now)
    assert said(stale) == ("failed", "newest 2026-12-03 06:00:00, 1 day old, older than 1d")
    assert stale.observed == 30 * 3600
    gone = table_checks.freshness(
        "test", frame, Freshness(column="when", max_age_s=1, shown="1s"), now
    )
    assert gone.status == "failed" and "column 'when' is missing" in gone.message
    numbers = table_checks.freshness(
        "test", frame, Freshness(column="y", max_age_s=1, shown="1s"), now
    )
    assert said(numbers) == (
        "error",
        "y holds numbers (Int64), not dates: freshness reads a column of dates or times (a "
        "date type, or dates written as text: 2026-12-01, 2026-12-01T10:00:00Z); name one in "
        "data.checks.freshness.column",
    )


def test_an_unquoted_keyword_is_an_error_of_that_check_alone() -> None:
    frame = pl.DataFrame({"y": [0], "start": [1], "end": [2]})
    found = run(frame, expressions=("end >= start", "start > 0"))
    assert found["data.test.expressions[0]"].status == "error"
    assert found["data.test.expressions[0]"].message.endswith(
        "(found 'end' clause); a column named end is written in double quotes: \"end\""
    )
    assert found["data.test.expressions[1]"].status == "passed"


def test_the_columns_the_evaluation_reads_are_required_of_the_test_file(tmp_path: Path) -> None:
    """A slice column misspelt (`sexx`) in a project whose data.prepare writes the test
    file passed validate (the file was not there yet) and failed after training: the
    data checks require every column a slice, a fairness or a robustness check reads."""
    from mlgate import manifest as manifests
    from tests import projects

    text = projects.IRIS_MANIFEST.replace("data:\n", "data:\n  prepare: python prepare.py\n", 1)
    text = text.replace(
        "  metrics: [accuracy, f1_macro, roc_auc]\n",
        ("  metrics: [accuracy]\n  slices: [species, {column: petal_lenght}]\n"),
    )
    text += "  - {invariance: sepal_width, max_changed_fraction: 0.5}\n"
    files = {**projects.iris_files(Path(), manifest=text), "prepare.py": "pass\n"}
    loaded = manifests.load(projects.write(tmp_path / "p", files) / "mlops.yaml")
    assert loaded.test_columns == (
        ("species", "evaluate.slices[0]"),
        ("petal_lenght", "evaluate.slices[column=petal_lenght]"),
        ("sepal_width", "model_checks[1]"),
    )
    found = by_id(
        checks.run_checks(spec(target="species"), {"test": iris()}, None, loaded.test_columns)
    )
    typo = found["data.test.read.petal_lenght"]
    assert typo.status == "failed" and "closest: 'petal_length'" in typo.message
    assert typo.manifest_key == "evaluate.slices[column=petal_lenght]"
    assert found["data.test.read.sepal_width"].status == "passed"
    assert "data.test.read.species" not in found  # the target: checked once, as such


def test_an_expression_on_a_column_the_file_lacks_names_the_closest() -> None:
    """polars said "could not be evaluated: unable to find column "nosuch"", with no
    column to choose from (a file data.prepare writes is not there for validate)."""
    frame = pl.DataFrame({"y": [0, 1], "start": [1, 2], "end": [2, 3]})
    found = run(frame, expressions=('"end" >= strat', "start > 0"))
    assert said(found["data.test.expressions[0]"]) == (
        "error",
        "column 'strat' is missing; closest: 'start'; the file has 3 columns: y, start, end",
    )
    assert found["data.test.expressions[1]"].status == "passed"
