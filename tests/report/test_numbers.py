"""Every number the reports show goes through report/numbers.py: these are the exact texts
the report, the terminal, JUnit and the registry printed before the formatting moved here."""

from __future__ import annotations

import math

import pytest

from mlgate import words
from mlgate.report import blocks, numbers


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (None, "n/a"),
        (0.905, "0.9050"),
        (1, "1.0000"),  # registry metrics may be ints
        (0.0, "0.0000"),
        (-0.0, "-0.0000"),
        (-1e-6, "-0.0000"),  # rounds to zero, keeps its sign
        (0.99995, "1.0000"),
        (12345.678912, "12345.6789"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_value(x: float | None, shown: str) -> None:
    assert numbers.value(x) == shown


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (None, "n/a"),
        (-0.007, "-0.0070"),
        (0.08, "+0.0800"),
        (0.0, "+0.0000"),
        (-0.0, "-0.0000"),
        (1e-6, "+0.0000"),
        (math.nan, "+nan"),
        (-math.inf, "-inf"),
    ],
)
def test_delta_is_always_signed(x: float | None, shown: str) -> None:
    assert numbers.delta(x) == shown


@pytest.mark.parametrize(
    ("x", "shown"),
    [(None, "n/a"), (0.32, "+32.00%"), (-0.0125, "-1.25%"), (0.0, "+0.00%"), (-0.0, "-0.00%")],
)
def test_relative(x: float | None, shown: str) -> None:
    assert numbers.relative(x) == shown


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (0.031234, "0.0312"),
        (0.0001234, "0.000123"),
        (1.234e-8, "1.23e-08"),
        (1e-300, "1e-300"),
        (5e-324, "4.94e-324"),  # the smallest float
        (0.0, "<5e-324"),  # computed as 0: not 0
    ],
)
def test_p_value_keeps_three_significant_digits(p: float, shown: str) -> None:
    assert numbers.p_value(p) == shown


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.04995004995004995, "0.04995"),  # 2(24 + 1)/1001: "0.05" read as not below 0.05
        (0.0099951, "0.009995"),  # four digits keep it below 0.01
        (0.0500001, "0.05"),  # at or above: 0.05 says so
        (0.0999, "0.0999"),
    ],
)
def test_a_p_value_is_never_printed_on_the_other_side_of_a_level(p: float, shown: str) -> None:
    assert numbers.p_value(p) == shown
    assert numbers.p_is(p) == f"= {shown}"


def test_an_interval_end_near_zero_shows_its_side_of_zero() -> None:
    """[-0.0349, -0.0000] holds 0 as it reads; its end was -2.8e-05."""
    assert numbers.interval(-0.0349, -2.8e-05) == "[-0.0349, -0.00003]"
    assert numbers.interval(-0.033, 3.8e-06) == "[-0.0330, +0.000004]"


def test_interval_signs_both_ends() -> None:
    assert numbers.interval(-0.012, 0.004) == "[-0.0120, +0.0040]"
    assert numbers.interval(0.0, 0.25) == "[+0.0000, +0.2500]"
    assert numbers.interval(-0.0, -0.0) == "[-0.0000, -0.0000]"


def test_confidence() -> None:
    assert words.confidence(0.95) == "95%"
    # the report printed 0.999 as "100%"
    assert [words.confidence(x) for x in (0.999, 0.975, 0.9)] == ["99.9%", "97.5%", "90%"]


@pytest.mark.parametrize(
    ("x", "plain", "signed"),
    [
        (0.95, "0.95", "+0.95"),
        (-0.01, "-0.01", "-0.01"),
        (1e-5, "1e-05", "+1e-05"),
        (2.0, "2", "+2"),
        # six significant digits read max: 52.23538 as 52.2354 beside a figure of 52.235384
        (1234567.0, "1234567", "+1234567"),
        (52.23538, "52.23538", "+52.23538"),
        (-1.2345678, "-1.2345678", "-1.2345678"),
        (1e-17, "1e-17", "+1e-17"),
        (-0.0, "-0", "-0"),
    ],
)
def test_thresholds_read_as_written(x: float, plain: str, signed: str) -> None:
    assert numbers.threshold(x) == plain
    assert numbers.signed_threshold(x) == signed


def test_relative_threshold() -> None:
    assert numbers.relative_threshold(-0.02) == "-2%"
    assert numbers.relative_threshold(0.1, places=2) == "+10.00%"
    # as written: a rule of 0.5% once read "+0%", and -2.028% beside a failure "-2.03%"
    assert numbers.relative_threshold(0.005) == "+0.5%"
    assert numbers.relative_threshold(0.005, places=2) == "+0.50%"
    assert numbers.relative_threshold(-0.02028, places=2) == "-2.028%"
    assert numbers.relative_threshold(0.012345678) == "+1.2345678%"  # not +1.23457%
    assert numbers.relative_threshold(0.0123) == "+1.23%"  # 0.0123 * 100 is 1.2300000000000002
    # -0.029 * 100 is -2.9000000000000004: a rule read "relative change >= -2.9000000000000004%"
    assert [numbers.relative_threshold(x) for x in (-0.029, 0.011, 0.0035)] == [
        "-2.9%",
        "+1.1%",
        "+0.35%",
    ]


def test_a_figure_past_its_bound_is_printed_past_it() -> None:
    """A change of -0.0222294 against -0.02222 printed "-0.0222", above the bound it was
    said to be below; a relative change of -2.0287% beside -2.028%, "-2.03% is below the
    allowed -2.03%"."""
    assert numbers.past(-0.0222294, -0.02222) == "-0.02223"
    assert numbers.past(-0.0222294, -0.0222) == "-0.02223"
    assert numbers.past(-0.01002, -0.01) == "-0.01002"
    assert numbers.past(0.0500001, 0.05) == "+0.0500001"
    # at least the bound's own places: "-2.13% is below the allowed -2.125%" read as
    # 0.005 points past, where the figure is -2.130%
    assert numbers.past(-0.020287, -0.02028, percent=True) == "-2.029%"
    assert numbers.past(-0.0213, -0.02125, percent=True) == "-2.130%"
    assert numbers.past(-0.0213, -0.02, percent=True) == "-2.13%"


def test_details_is_a_collapsed_section() -> None:
    assert blocks.details("Lineage", "- run `x`") == (
        "<details><summary>Lineage</summary>\n\n- run `x`\n\n</details>"
    )


def test_an_underflowed_p_value_is_said_to_be_below_the_smallest_double() -> None:
    """ "p = 0" for a log loss's paired test: the p-value is below what a double holds."""
    assert numbers.p_is(0.0) == "< 5e-324"
    assert numbers.p_is(0.0312) == "= 0.0312"


def test_the_rows_left_out_are_counted_with_thousands_separated() -> None:
    """ "of the candidate's 1,200 test rows, 1200 left out: 1200 in the baseline's training
    data": one number written two ways in one line."""
    from mlgate.report.text import left_out
    from mlgate.result.records import Baseline

    said = left_out(
        Baseline(kind="git", rows_in_baseline_training=1200, rows_in_candidate_training=3)
    )
    assert said == (
        "1,203 left out: 1,200 in the baseline's training data; 3 in the candidate's training data"
    )


@pytest.mark.parametrize(
    ("p", "level", "shown"),
    [
        (0.03996004, 1 - 0.96, "0.03996"),  # "p = 0.04" beside "significant" at 96%
        (0.0207715, 0.0208, "0.02077"),  # drift.alpha: 0.0208 read "0.0208 < 0.0208"
        (0.04, 1 - 0.96, "0.04"),  # at the level: not below it, and said so
        (0.031234, 0.04, "0.0312"),  # far from it: three digits
    ],
)
def test_a_p_value_is_never_printed_onto_the_runs_own_level(
    p: float, level: float, shown: str
) -> None:
    assert numbers.p_value(p, level) == shown
    assert numbers.p_is(p, level) == f"= {shown}"


def test_the_level_is_the_one_the_user_wrote_not_its_rounding() -> None:
    """1 - 0.96 is 0.040000000000000036: a p-value of 4/100 (100 of 2,499 resamples and the
    figure) was called below it, and printed "p = 0.04", significant."""
    from mlgate import bounds
    from mlgate.compare.distributions import PairedTest

    assert 1 - 0.96 > 0.04
    assert bounds.alpha(0.96) == 0.04
    assert bounds.alpha(0.95) == 0.05
    at = PairedTest(
        method="paired bootstrap",
        rows=100,
        delta=-0.01,
        ci_low=-0.02,
        ci_high=0.0,
        p_value=0.04,
        confidence=0.96,
    )
    assert not at.significant()
