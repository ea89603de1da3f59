"""How numbers, shares and examples read in data check messages."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from mlgate.data import phrases


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (18, "18"),
        (18.0, "18"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1e20, "1e+20"),
        (math.inf, "inf"),
        (math.nan, "NaN"),
        (True, "true"),
        ("basic", "basic"),
    ],
)
def test_numbers_read_as_written_in_the_manifest(value: object, text: str) -> None:
    assert phrases.number(value) == text


@pytest.mark.parametrize(
    ("count", "total", "text"),
    [
        (3, 114, "2.6%"),
        (1, 1_000_000, "<0.1%"),
        (999_999, 1_000_000, ">99.9%"),
        (0, 10, "0.0%"),
        (10, 10, "100.0%"),
        (0, 0, "0%"),
    ],
)
def test_percent_never_rounds_a_real_count_away(count: int, total: int, text: str) -> None:
    assert phrases.percent(count, total) == text


def test_examples_quote_text_and_stop_at_three() -> None:
    assert phrases.examples([" a", "", 2.0, dt.date(2024, 1, 31)]) == ", e.g. ' a', '', 2"
    assert phrases.examples([]) == ""
    long = phrases.example("x" * 100)
    assert long == "'" + "x" * 39 + "…'"


def test_fractions_read_as_percentages() -> None:
    assert [phrases.fraction(f) for f in (0.01, 0.005, 0.07, 0.0, 1.0)] == [
        "1%",
        "0.5%",
        "7%",
        "0%",
        "100%",
    ]
