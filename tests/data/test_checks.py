"""Data checks over whole files: rows, duplicates, leakage, named columns, order, speed."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mlgate.data import checks, dataset_checks, fingerprint, load
from mlgate.manifest.spec import Column
from tests.data.helpers import by_id, spec, write

# rows and duplicates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "rule", "status", "message"),
    [
        (100, None, "rows >= 100", "passed", "569 rows"),
        (1000, None, "rows >= 1000", "failed", "569 rows, fewer than 1000"),
        (None, 500, "rows <= 500", "failed", "569 rows, more than 500"),
        (500, 600, "500 <= rows <= 600", "passed", "569 rows"),
    ],
)
def test_rows(cancer: pd.DataFrame, low, high, rule: str, status: str, message: str) -> None:
    found = by_id(
        checks.run_checks(spec(rows_min=low, rows_max=high), {"train": pl.from_pandas(cancer)})
    )["data.train.rows"]
    assert (found.rule, found.status, found.message, found.observed) == (rule, status, message, 569)
    assert (found.subject, found.manifest_key) == ("train", "data.checks.rows")


def test_no_rows_rule_no_rows_check(cancer: pd.DataFrame) -> None:
    found = by_id(checks.run_checks(spec(), {"train": pl.from_pandas(cancer)}))
    assert "data.train.rows" not in found and "data.train.duplicates" not in found


def test_duplicates_count_repeats_of_earlier_rows() -> None:
    # rows 0, 1, 2 repeat as 3, 4 and 5 (NaN equals NaN, as pandas' duplicated() has it)
    frame = pl.DataFrame(
        {
            "target": [1, 2, 3, 1, 2, 1, 7, 8, 9, 10],
            "x": [0.5, math.nan, None, 0.5, math.nan, 0.5, 1, 2, 3, 4],
        }
    )
    assert frame.to_pandas().duplicated().sum() == 3

    def duplicates(limit: float):
        found = checks.run_checks(spec(duplicates_max_fraction=limit), {"test": frame})
        return by_id(found)["data.test.duplicates"]

    failed = duplicates(0.05)
    assert (failed.status, failed.message, failed.observed, failed.rule) == (
        "failed",
        "3 of 10 rows (30.0%) repeat an earlier row, more than 5%; at rows 4, 5, 6",
        3,
        "duplicate rows <= 5%",
    )
    assert failed.manifest_key == "data.checks.duplicates.max_fraction"
    within = duplicates(0.3)
    assert (within.status, within.message) == (
        "passed",
        "3 of 10 rows (30.0%) repeat an earlier row, within 30%",
    )
    # a share one decimal would print as its bound: "2.4%, more than 2.4%" read as equal
    rows = pl.DataFrame({"target": [*range(120), 0, 1, 2], "x": [*range(120), 0, 1, 2]})
    near = by_id(checks.run_checks(spec(duplicates_max_fraction=0.024), {"test": rows}))
    assert near["data.test.duplicates"].message.startswith(
        "3 of 123 rows (2.44%) repeat an earlier row, more than 2.4%"
    )


def test_a_share_beside_its_bound_takes_the_places_it_needs_to_be_seen_past_it() -> None:
    from mlgate.data import phrases

    assert phrases.share(3, 123, bound=0.024) == "3 of 123 rows (2.44%)"  # 2.439%
    assert phrases.share(496, 10_000, bound=0.05) == "496 of 10,000 rows (4.96%)"
    assert phrases.share(5, 100, bound=0.05) == "5 of 100 rows (5.0%)"  # on it: as it is
    assert phrases.share(3, 114, bound=0.05) == "3 of 114 rows (2.6%)"


@pytest.mark.parametrize("lazy", [False, True])  # read whole, and streamed
def test_duplicates_leave_the_id_out_as_leakage_does(lazy: bool) -> None:
    """A copied row gets a new id: with the id compared, duplicates could never fail in
    the manifest `mlgate init` writes, which sets data.id."""
    frame = pl.DataFrame({"id": [1, 2, 3, 4], "x": [0.5, 0.5, 1.0, 0.5], "y": [0, 0, 1, 0]})
    found = dataset_checks.duplicates("train", frame.lazy() if lazy else frame, 0.1, id_column="id")
    assert (found.status, found.message, found.observed) == (
        "failed",
        "2 of 4 rows (50.0%) repeat an earlier row, more than 10% (compared without the id "
        "column 'id'); at rows 2, 4",
        2,
    )
    unique = dataset_checks.duplicates("train", frame.head(3).tail(2), 0.1, id_column="id")
    assert unique.message == "no duplicate rows in 2 (compared without the id column 'id')"
    # and the run's checks hand it the manifest's data.id
    run = by_id(checks.run_checks(spec(duplicates_max_fraction=0.1, id="id"), {"train": frame}))
    assert run["data.train.duplicates"].observed == 2


def test_no_duplicates_on_breast_cancer(cancer: pd.DataFrame) -> None:
    found = by_id(
        checks.run_checks(spec(duplicates_max_fraction=0.0), {"train": pl.from_pandas(cancer)})
    )["data.train.duplicates"]
    assert (found.status, found.message, found.observed) == (
        "passed",
        "no duplicate rows in 569",
        0,
    )


# leakage ------------------------------------------------------------------------------


def split(cancer: pd.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Train rows 0-455 and test rows 400-568: 56 rows in both."""
    frame = pl.from_pandas(cancer)
    return frame[:456], frame[400:]


def test_leakage_counts_test_rows_found_in_train(cancer: pd.DataFrame) -> None:
    train, test = split(cancer)
    found = checks.run_checks(spec(leakage=True), {"train": train, "test": test})[-1]
    assert (found.id, found.subject, found.rule, found.manifest_key) == (
        "data.leakage",
        "test",
        "no test row in train",
        "data.checks.leakage",
    )
    assert (found.status, found.observed) == ("failed", 56)
    assert found.message == (
        "56 of 169 test rows (33.1%) also appear in train (compared on 31 shared columns); "
        "first at rows 1, 2, 3"
    )


def test_no_overlap_passes(cancer: pd.DataFrame) -> None:
    frame = pl.from_pandas(cancer)
    found = dataset_checks.leakage(frame[:400], frame[400:])
    assert (found.status, found.message, found.observed) == (
        "passed",
        "none of 169 test rows appear in train (compared on 31 shared columns)",
        0,
    )


def test_the_id_column_is_left_out_of_the_comparison(cancer: pd.DataFrame) -> None:
    train, test = split(cancer)
    train = train.with_columns(row_id=pl.int_range(0, train.height))
    test = test.with_columns(row_id=pl.int_range(10_000, 10_000 + test.height))
    with_id = dataset_checks.leakage(train, test, id_column="row_id")
    assert (with_id.observed, with_id.message) == (
        56,
        (
            "56 of 169 test rows (33.1%) also appear in train (compared on 31 shared columns, "
            "without the id column 'row_id'); first at rows 1, 2, 3"
        ),
    )
    assert dataset_checks.leakage(train, test).observed == 0


def test_leakage_compares_values_whatever_their_dtype() -> None:
    train = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, math.nan, 1.0]})
    test = pl.DataFrame(
        {
            "a": [1.0, 2.0, 4.0],
            "b": pl.Series(["x", "y", None], dtype=pl.Categorical),
            "c": [0.5, math.nan, 1.0],
            "only_test": [0, 0, 0],
        }
    )
    found = dataset_checks.leakage(train, test)
    assert (found.observed, found.message) == (
        2,
        "2 of 3 test rows (66.7%) also appear in train (compared on 3 shared columns); at rows "
        "1, 2",
    )


def test_leakage_counts_every_copy_of_a_leaked_row() -> None:
    train = pl.DataFrame({"a": [1, 1, 2]})
    test = pl.DataFrame({"a": [1, 1, 1, 3]})
    assert dataset_checks.leakage(train, test).observed == 3


def test_leakage_without_shared_columns_is_an_error() -> None:
    found = dataset_checks.leakage(pl.DataFrame({"a": [1]}), pl.DataFrame({"b": [1]}))
    assert (found.status, found.message) == ("error", "train and test share no columns to compare")


def test_leakage_off_means_no_check(cancer: pd.DataFrame) -> None:
    train, test = split(cancer)
    assert all(
        c.id != "data.leakage" for c in checks.run_checks(spec(), {"train": train, "test": test})
    )


# named columns and order --------------------------------------------------------------


def test_target_id_and_features_must_exist(cancer: pd.DataFrame) -> None:
    frame = pl.from_pandas(cancer)
    found = by_id(
        checks.run_checks(
            spec(target="taget", id="mean radius", features=("mean texture", "worst smoothnes")),
            {"test": frame},
        )
    )
    target = found["data.test.target"]
    assert (target.status, target.message, target.manifest_key, target.subject, target.rule) == (
        "failed",
        "column 'taget' is missing; closest: 'target'; the file has 31 columns: "
        + ", ".join(cancer.columns),
        "data.target",
        "test.taget",
        "present",
    )
    assert (found["data.test.id"].status, found["data.test.id"].message) == (
        "passed",
        "present (Float64)",
    )
    assert found["data.test.id"].manifest_key == "data.id"
    feature = found["data.test.features.worst smoothnes"]
    assert (feature.status, feature.manifest_key) == ("failed", "data.features[1]")
    assert feature.message.startswith(
        "column 'worst smoothnes' is missing; closest: 'worst smoothness'; the file has 31 "
        "columns: "
    )  # not 'worst compactness' nor 'mean smoothness': a word apart, no slip of the keys
    assert found["data.test.features.mean texture"].manifest_key == "data.features[0]"


def test_a_target_declared_in_columns_is_checked_for_presence_once(cancer: pd.DataFrame) -> None:
    """`target: diagnosis` beside `columns: {diagnosis: ...}` listed "present" twice."""
    frame = pl.from_pandas(cancer)
    found = checks.run_checks(
        spec(Column(name="target", type="integer"), Column(name="mean radius"), id="mean radius"),
        {"test": frame},
    )
    present = [(c.subject, c.manifest_key) for c in found if c.rule == "present"]
    assert present == [
        ("test.target", "data.columns.target"),
        ("test.mean radius", "data.columns.mean radius"),
    ]
    missing = checks.run_checks(spec(Column(name="label")), {"test": frame})
    assert [c.id for c in missing if c.status == "failed"] == ["data.test.columns.label.required"]
    # an optional column entry does not make the target optional: its own check stays
    optional = checks.run_checks(
        spec(Column(name="label", required=False), target="label"), {"test": frame}
    )
    assert [c.id for c in optional if c.status == "failed"] == ["data.test.target"]


def test_order_is_role_then_file_rules_then_columns_in_manifest_order(cancer: pd.DataFrame) -> None:
    train, test = split(cancer)
    found = checks.run_checks(
        spec(
            Column(name="mean texture", min=0),
            Column(name="mean area", nullable=False),
            rows_min=1,
            duplicates_max_fraction=0.1,
            leakage=True,
            id="mean radius",
        ),
        {"test": test, "train": train},
    )
    assert [c.id for c in found] == [
        *(
            f"data.{role}.{rule}"
            for role in ("train", "test")
            for rule in (
                "rows",
                "duplicates",
                "target",
                "id",
                "columns.mean texture.required",
                "columns.mean texture.min",
                "columns.mean area.required",
                "columns.mean area.nullable",
            )
        ),
        "data.leakage",
    ]
    assert {c.stage for c in found} == {"data"}


# whole files --------------------------------------------------------------------------


def test_breast_cancer_file_checks_agree_across_formats(
    cancer: pd.DataFrame, cancer_file: Path
) -> None:
    fmt = load.detect_format(cancer_file, "auto")
    frame = load.read(cancer_file, fmt)
    manifest = spec(
        Column(name="mean radius", type="number", min=10, max=25, nullable=False),
        Column(name="target", type="integer", values=(0, 1)),
        Column(name="mean area", type="integer"),
        Column(name="diagnosis", required=False, values=("benign", "malignant")),
        rows_min=500,
        duplicates_max_fraction=0.0,
    )
    found = [
        (c.id, c.status, c.message, c.observed)
        for c in checks.run_checks(manifest, {"test": frame})
    ]
    not_whole = int((cancer["mean area"] % 1 != 0).sum())
    assert not_whole == 429
    assert found == [
        ("data.test.rows", "passed", "569 rows", 569),
        ("data.test.duplicates", "passed", "no duplicate rows in 569", 0),
        ("data.test.columns.mean radius.required", "passed", "present (Float64)", None),
        ("data.test.columns.mean radius.type", "passed", "column is Float64", "Float64"),
        ("data.test.columns.mean radius.nullable", "passed", "all 569 rows have a value", 0),
        (
            "data.test.columns.mean radius.min",
            "failed",
            "47 of 569 rows (8.3%) below 10, e.g. 6.981, 7.691, 7.729; first at rows 22, 47, 60",
            47,
        ),
        (
            "data.test.columns.mean radius.max",
            "failed",
            "5 of 569 rows (0.9%) above 25, e.g. 28.11, 27.42, 27.22; first at rows 83, 181, 213",
            5,
        ),
        ("data.test.columns.target.required", "passed", "present (Int64)", None),
        ("data.test.columns.target.type", "passed", "column is Int64", "Int64"),
        ("data.test.columns.target.values", "passed", "all 569 rows in {0, 1}", 0),
        ("data.test.columns.mean area.required", "passed", "present (Float64)", None),
        (
            "data.test.columns.mean area.type",
            "failed",
            "429 of 569 rows (75.4%) are not whole numbers, e.g. 143.5, 170.4, 178.8; "
            "first at rows 4, 6, 8",
            429,
        ),
        (
            "data.test.columns.diagnosis.required",
            "skipped",
            "column 'diagnosis' is absent; it is optional",
            None,
        ),
        ("data.test.columns.diagnosis.values", "skipped", "column 'diagnosis' is absent", None),
    ]


def test_summary_describes_the_file(cancer: pd.DataFrame, tmp_path: Path) -> None:
    path = write(cancer, tmp_path / "train.parquet", "parquet")
    frame = load.read(path, "parquet")
    summary = checks.summarize(
        "train", frame, fingerprint.file_fingerprint(path, tmp_path), "parquet", rows=frame.height
    )
    assert (summary.role, summary.format, summary.rows) == ("train", "parquet", 569)
    assert summary.file.path == "train.parquet"
    assert list(summary.columns) == list(cancer.columns)
    assert summary.columns["mean radius"] == "Float64" and summary.columns["target"] == "Int64"


# speed --------------------------------------------------------------------------------


def test_checks_on_200k_rows_are_fast_and_exact() -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    floats = rng.normal(50, 20, size=(n, 4))
    floats[rng.random((n, 4)) < 0.01] = np.nan
    ints = rng.integers(0, 120, size=(n, 3))
    plans = rng.choice(
        np.array(["basic", "pro", "enterprise", "gold"]), size=n, p=[0.5, 0.3, 0.19, 0.01]
    )
    emails = np.char.add(np.char.add("u", rng.integers(0, 10**6, size=n).astype(str)), "@x.io")
    emails[rng.random(n) < 0.001] = "nobody"
    ids = rng.integers(0, 10**9, size=n)
    frame = pl.DataFrame(
        {
            **{f"f{i}": floats[:, i] for i in range(4)},
            **{f"i{i}": ints[:, i] for i in range(3)},
            "plan": plans,
            "email": emails,
            "id": ids,
        }
    )
    columns = [
        *(Column(name=f"f{i}", type="number", min=10, max=90, nullable=False) for i in range(4)),
        *(
            Column(name=f"i{i}", type="integer", min=18, max=100, values=tuple(range(0, 120, 2)))
            for i in range(3)
        ),
        Column(name="plan", type="category", values=("basic", "pro", "enterprise")),
        Column(name="email", type="string", pattern="^[^@]+@[^@]+$", unique=True),
        Column(name="id", type="integer", unique=True, nullable=False),
    ]
    manifest = spec(*columns, target="plan", rows_min=1000, duplicates_max_fraction=0.01)
    started = time.perf_counter()
    found = by_id(checks.run_checks(manifest, {"train": frame}))
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"{len(found)} checks took {elapsed:.1f} s"
    # rows, duplicates; the target `plan` is checked for presence by its column entry
    assert len(found) == 2 + 4 * 5 + 3 * 5 + 3 + 4 + 4

    def observed(name: str, rule: str) -> object:
        return found[f"data.train.columns.{name}.{rule}"].observed

    for i in range(4):
        column = floats[:, i]
        present = column[~np.isnan(column)]
        assert observed(f"f{i}", "nullable") == int(np.isnan(column).sum())
        assert observed(f"f{i}", "min") == int((present < 10).sum())
        assert observed(f"f{i}", "max") == int((present > 90).sum())
    for i in range(3):
        column = ints[:, i]
        assert observed(f"i{i}", "min") == int((column < 18).sum())
        assert observed(f"i{i}", "max") == int((column > 100).sum())
        assert observed(f"i{i}", "values") == int((column % 2 == 1).sum())
    assert observed("plan", "values") == int((plans == "gold").sum())
    assert observed("email", "pattern") == int((emails == "nobody").sum())
    assert observed("email", "unique") == n - len(np.unique(emails))
    assert observed("id", "unique") == n - len(np.unique(ids))
    assert found["data.train.duplicates"].observed == 0
    assert found["data.train.rows"].status == "passed"


def test_a_share_is_never_printed_on_the_other_side_of_its_bound() -> None:
    """1,246 of 100,000 printed as 1.2%, "more than 1.24%"."""
    from mlgate.data import phrases

    assert phrases.share(1_246, 100_000, bound=0.0124) == "1,246 of 100,000 rows (1.25%)"
