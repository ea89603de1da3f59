"""Categories counted over batches in bounded memory: exact up to frequent.HELD distinct
values; beyond, kept counts short by at most the stated error, every row accounted for,
and the distinct values estimated by HyperLogLog within its stated error."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mlgate.data import distinct, frequent, load, profile


def texts(values: np.ndarray) -> pl.Series:
    return pl.Series("v", [f"v{v}" for v in values], dtype=pl.String)


@pytest.mark.parametrize("n", [10, 1_000, 40_000, 400_000])
def test_the_distinct_estimate_is_within_its_standard_error(n: int) -> None:
    registers = distinct.empty()
    values = pl.int_range(n, eager=True).cast(pl.String)
    distinct.add(registers, values)
    # 1.04 / sqrt(16384) = 0.8%; four standard errors, and exact-ish while few
    assert abs(distinct.estimate(registers) - n) <= max(4 * 0.0081 * n, 1)


def test_registers_merge_by_their_maximum_and_repeats_change_nothing() -> None:
    values = pl.int_range(50_000, eager=True).cast(pl.String)
    whole, first, second = distinct.empty(), distinct.empty(), distinct.empty()
    distinct.add(whole, values)
    distinct.add(first, values[:30_000])
    distinct.add(second, values[20_000:])
    assert np.array_equal(np.maximum(first, second), whole)
    distinct.add(whole, values[:1_000])  # seen again
    assert np.array_equal(np.maximum(first, second), whole)


def running(batches: list[pl.Series]) -> frequent.Tally:
    counts = frequent.Running()
    for batch in batches:
        counts.add(batch)
        # held: the counts kept and the batches' since they were added up
        assert sum(part.height for part in counts.parts) <= counts.held + counts.fold + 5_000
    tally = counts.tally()
    again = counts.tally()
    assert (again.dropped, again.error, again.distinct, again.once) == (
        tally.dropped, tally.error, tally.distinct, tally.once
    )  # fmt: skip
    return tally


def test_few_distinct_values_are_counted_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frequent, "FOLD", 3_000)
    rng = np.random.default_rng(0)
    data = texts(rng.integers(0, 2_000, 60_000))
    tally = running([data[i : i + 5_000] for i in range(0, 60_000, 5_000)])
    truth = dict(zip(*np.unique(data.to_numpy(), return_counts=True), strict=True))
    assert tally.error == 0 and tally.dropped == 0
    assert dict(zip(tally.counted["value"], tally.counted["count"], strict=True)) == truth
    assert tally.distinct == len(truth)
    assert tally.once == sum(1 for c in truth.values() if c == 1)


def test_many_distinct_values_keep_the_most_frequent_within_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(frequent, "HELD", 2_000)
    monkeypatch.setattr(frequent, "FOLD", 10_000)
    rng = np.random.default_rng(1)
    # a few frequent values among many rare ones, as a column of plans and identifiers
    frequent_or_rare = rng.random(200_000) < 0.3
    data = texts(
        np.where(frequent_or_rare, rng.zipf(1.5, 200_000), rng.integers(10**3, 10**6, 200_000))
    )
    tally = running([data[i : i + 5_000] for i in range(0, 200_000, 5_000)])
    values, counts = np.unique(data.to_numpy(), return_counts=True)
    truth = dict(zip(values, counts, strict=True))
    assert tally.counted.height == 2_000 and tally.error > 0
    assert tally.total == 200_000  # every row: kept or counted with those cut
    for value, count in zip(tally.counted["value"], tally.counted["count"], strict=True):
        assert truth[value] - tally.error <= count <= truth[value], value
    # a value more frequent than the error can hide is kept
    kept = set(tally.counted["value"])
    assert all(v in kept for v, c in truth.items() if c > 2 * tally.error)
    assert abs(tally.distinct - len(truth)) <= 4 * 0.0081 * len(truth)
    once = sum(1 for c in truth.values() if c == 1)
    assert tally.once >= min(once, tally.distinct)  # an over-estimate, at most the distinct
    assert tally.once <= tally.distinct


def test_a_profile_of_many_distinct_values_says_its_counts_are_not_exact(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frequent, "HELD", 3_000)
    monkeypatch.setattr(frequent, "FOLD", 4_000)
    rng = np.random.default_rng(2)
    path = tmp_path / "ids.csv"
    pl.DataFrame(
        {
            "id": [f"u{v}" for v in rng.permutation(60_000)],
            "plan": rng.choice(["free", "pro", "team"], 60_000, p=[0.7, 0.25, 0.05]),
        }
    ).write_csv(path)
    made = profile.of_file(path, "csv", rows=5_000)
    ids, plans = made.columns["id"], made.columns["plan"]
    assert isinstance(ids, profile.CategoricalProfile)
    assert isinstance(plans, profile.CategoricalProfile)
    assert plans.error == 0  # three values: exact
    assert ids.error >= 1 and abs(ids.distinct - 60_000) <= 4 * 0.0081 * 60_000
    assert sum(ids.counts.values()) + ids.other == 60_000 and len(ids.counts) == profile.TOP
    text = profile.to_json(made)
    assert '"error":' in text and text.count('"error":') == 1  # only where counts are short
    assert profile.read("p.json", text.encode()) == made
    whole = profile.of_frame(load.read(path, "csv"))
    assert profile.to_json(whole).count('"error":') == 0


def test_mlgate_profile_says_which_columns_were_counted_in_bounded_memory(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlgate.cli import main

    monkeypatch.setattr(frequent, "HELD", 2_000)
    monkeypatch.setattr(frequent, "FOLD", 3_000)
    path = tmp_path / "users.csv"
    pl.DataFrame(
        {"id": [f"u{i}" for i in range(20_000)], "plan": ["free", "pro"] * 10_000}
    ).write_csv(path)
    assert main(["profile", str(path), "-o", str(tmp_path / "p.json")]) == 0
    said = capsys.readouterr().err
    assert "profile of 20,000 rows and 2 columns" in said
    assert "counted in bounded memory: id (over 2,000 distinct values" in said
    assert "plan" not in said.split("counted in bounded memory")[1]
    assert main(["profile", str(path), "--columns", "plan"]) == 0  # to stdout: exact
    printed = capsys.readouterr()
    assert '"plan"' in printed.out and "bounded memory" not in printed.err


def test_a_second_tally_cuts_nothing_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frequent, "HELD", 100)
    counts = frequent.Running()
    counts.add(texts(np.arange(1_000)))  # cut only when tallied
    first, second = counts.tally(), counts.tally()
    assert first.dropped == second.dropped == 900 and first.error == second.error == 1
    assert first.total == second.total == 1_000


def test_an_estimate_of_distinct_values_is_never_more_than_the_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every value distinct: HyperLogLog may say a little more than there are rows (an
    estimate of 300,000 read 301,390 here); the profile says at most the rows."""
    monkeypatch.setattr(frequent, "HELD", 1_000)
    for n in (5_000, 50_000, 300_000):
        counts = frequent.Running()
        counts.add(texts(np.arange(n)))
        tally = counts.tally()
        assert tally.distinct <= tally.total == n
        assert tally.once <= tally.distinct and abs(tally.distinct - n) <= 4 * 0.0081 * n
