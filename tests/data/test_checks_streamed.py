"""Data checks asked of a scan (a file too big to hold: `frames.answers` a few columns at a
time, polars' streaming engine for whole rows) give the very results the frame in memory
gives: every status, message, count and example row. tests/data/test_stage_streamed.py
runs the data stage itself on files over the limit."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlgate.data import checks, load
from mlgate.manifest.spec import Column, Freshness, Quantile
from mlgate.result.records import CheckResult
from tests.data.helpers import spec

COLUMNS = (
    Column(name="label", type="category", values=("a", "b", "c"), nullable=False),
    Column(name="age", type="integer", min=0, max=120),
    Column(name="income", type="number", min=0, max_null_fraction=0.02),
    Column(name="id", unique=True, sorted="increasing"),
    Column(name="email", pattern=r"^[^@]+@[^@]+$", min_length=5, max_length=30),
    Column(name="score", quantiles=(Quantile(q=0.5, min=0.4, max=0.6),), expression="score < 1"),
    Column(name="signup", min="2020-01-01", max="2026-01-01"),
    Column(name="absent", required=False),
)


def table(rows: int, seed: int, *, plant: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, rows)
    income = rng.lognormal(10, 1, rows)
    email = np.array([f"user{i}@example.org" for i in range(rows)], dtype=object)
    label = rng.choice(["a", "b", "c"], rows, p=[0.6, 0.35, 0.05]).astype(object)
    ids = np.arange(rows)
    if plant:  # failures for most checks, at known rows
        age[[7, 70, 700]] = [150, -1, 121]
        income[rng.choice(rows, rows // 20, replace=False)] = np.nan
        email[[3, 33]] = ["not-an-address", "x@y"]
        label[[11]] = ["z"]
        ids[[500, 501]] = [499, 499]
    start = dt.datetime(2021, 1, 1)
    return pl.DataFrame(
        {
            "label": label.tolist(),
            "age": age,
            "income": income,
            "id": ids,
            "email": email.tolist(),
            "score": rng.random(rows),
            "signup": [start + dt.timedelta(hours=int(h)) for h in rng.integers(0, 30_000, rows)],
            "lo": rng.random(rows),
        }
    ).with_columns(hi=pl.col("lo") + (pl.lit(0.5) if not plant else pl.col("score") - 0.01))


def _still(result: CheckResult) -> CheckResult:
    return replace(result, observed=None) if result.id.endswith("freshness") else result


@pytest.mark.parametrize("plant", [False, True], ids=["passing", "failing"])
def test_a_scan_gives_the_results_the_frame_in_memory_gives(plant: bool) -> None:
    train = table(20_000, 1, plant=plant)
    test = pl.concat([table(3_000, 2, plant=plant), train.slice(100, 40)])  # 40 leaked rows
    train = pl.concat([train, train.slice(0, 25)])  # 25 duplicate rows
    data = spec(
        *COLUMNS,
        target="label",
        rows_min=100,
        duplicates_max_fraction=0.0001,
        leakage=True,
        same_schema=True,
        expressions=("hi >= lo",),
        target_min_fraction=0.1,
        freshness=Freshness(column="signup", max_age_s=365 * 86_400, shown="365d"),
    )
    held = checks.run_checks(data, {"train": train, "test": test})
    scanned = checks.run_checks(data, {"train": train.lazy(), "test": test.lazy()})
    # the same in every field; freshness's age is measured against the clock, twice
    assert [_still(r) for r in scanned] == [_still(r) for r in held]
    ages = [r.observed for r in (*held, *scanned) if r.id.endswith("freshness")]
    assert len(ages) == 4 and max(ages[0::2]) - min(ages[0::2]) < 60  # type: ignore[operator]
    failed = {r.id for r in held if r.status == "failed"}
    assert {"data.train.duplicates", "data.leakage", "data.test.target_balance"} <= failed
    if plant:
        assert {"data.train.columns.age.min", "data.train.columns.id.unique"} <= failed
        (age,) = [r for r in scanned if r.id == "data.train.columns.age.max"]
        assert "rows 8, 701" in age.message  # the example rows, counted from 1


def test_a_csv_scan_is_typed_as_the_file_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(12_000)) + "1.5,\n")
    held = load.read(path, "csv")
    scanned = load.scan(path, "csv").collect()
    assert scanned.schema == held.schema and scanned.equals(held)
