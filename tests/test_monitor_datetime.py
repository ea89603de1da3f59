"""A CSV export of a column that is a datetime in the (Parquet) reference: its ISO-8601
text is read as the datetimes it says and tested as the Parquet export of the same rows
is (KS). It was a change of kind, and drift: `type changed: datetime in reference,
categorical in current` (audit M, finding 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mlgate.data import drift, load, profile
from mlgate.manifest.spec import Drift


def _frames(tmp_path: Path, *, zone: str | None = None) -> tuple[pl.DataFrame, Path, Path]:
    rng = np.random.default_rng(0)
    days = pd.to_timedelta(rng.integers(0, 365, 400), unit="D")
    when = pd.Timestamp("2024-01-01") + days + pd.to_timedelta(rng.integers(0, 86400, 400), "s")
    if zone is not None:
        when = when.tz_localize(zone)
    reference = pd.DataFrame({"signup": when, "spend": rng.normal(50, 10, 400)})
    current = reference.sample(300, random_state=1)
    reference.to_parquet(tmp_path / "reference.parquet", index=False)
    current.to_parquet(tmp_path / "current.parquet", index=False)
    current.to_csv(tmp_path / "current.csv", index=False)
    return (
        pl.read_parquet(tmp_path / "reference.parquet"),
        tmp_path / "current.parquet",
        (tmp_path / "current.csv"),
    )


def _signup(reference: pl.DataFrame | profile.Profile, current: pl.DataFrame) -> list[str]:
    result = drift.compare(
        reference, current, Drift(), reference_name="reference", current_name="current"
    )
    return [(c.test, c.statistic) for c in result.columns if c.column == "signup"]


@pytest.mark.parametrize("zone", [None, "UTC"])
def test_iso_text_in_a_csv_is_tested_as_the_parquet_reference_s_datetimes(
    tmp_path: Path, zone: str | None
) -> None:
    reference, parquet, csv = _frames(tmp_path, zone=zone)
    text = load.read(csv, "csv")
    assert text["signup"].dtype == pl.String  # what a CSV holds
    as_parquet = _signup(reference, load.read(parquet, "parquet"))
    assert as_parquet[0][0] == "ks"
    assert _signup(reference, text) == as_parquet
    # against the reference's profile (a registered version's) alike
    assert _signup(profile.of_frame(reference), text) == _signup(
        profile.of_frame(reference), load.read(parquet, "parquet")
    )


def test_text_that_is_not_all_iso_dates_is_still_a_change_of_kind(tmp_path: Path) -> None:
    reference, _, csv = _frames(tmp_path)
    text = load.read(csv, "csv").with_columns(
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.lit("soon"))
        .otherwise(pl.col("signup"))
        .alias("signup")
    )
    assert _signup(reference, text) == [("type", 1.0)]
    slashed = load.read(csv, "csv").with_columns(
        pl.col("signup").str.slice(0, 10).str.replace(r"(\d+)-(\d+)-(\d+)", "$3/$2/$1")
    )
    assert _signup(reference, slashed) == [("type", 1.0)]


def test_the_profile_the_run_and_the_monitor_hand_over_is_read_as_dates_too(
    tmp_path: Path,
) -> None:
    """`mlgate check data` and `mlgate monitor` hand drift the current file's exact
    profile, not its frame: the test above passed while both said "type changed" (audit
    U, finding 2)."""
    reference, parquet, csv = _frames(tmp_path)
    as_parquet = _signup(reference, profile.of_frame(load.read(parquet, "parquet"), exact=True))
    assert as_parquet[0][0] == "ks"
    text = load.read(csv, "csv")
    assert _signup(reference, profile.of_frame(text, exact=True)) == as_parquet
    # a missing date stays missing, not a change of kind nor a date
    gaps = text.with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(None).otherwise(pl.col("signup")).alias("signup")
    )
    tested = _signup(reference, profile.of_frame(gaps, exact=True))
    assert sorted(t for t, _ in tested) == ["ks", "missing"]


def test_check_data_tests_a_csvs_dates_against_a_parquet_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from mlgate.cli import main

    _frames(tmp_path)
    data = pd.read_parquet(tmp_path / "current.parquet").assign(label=0)
    data.to_csv(tmp_path / "test.csv", index=False)
    data.to_csv(tmp_path / "train.csv", index=False)
    (tmp_path / "mlops.yaml").write_text(
        "name: signups\ndata:\n  train: train.csv\n  test: test.csv\n"
        "  reference: reference.parquet\n  target: label\n  checks:\n"
        "    drift: {columns: [signup]}\ntrain:\n  command: python train.py\n"
    )
    (tmp_path / "train.py").write_text("raise SystemExit('check data never trains')\n")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "data", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    tests = {(d["current"], d["test"]) for d in json.loads(out)["drift"]}
    assert tests == {("train", "ks"), ("test", "ks")}  # not ("test", "type")
