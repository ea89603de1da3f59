"""A training or test file too big to hold (over `load.STREAM_ABOVE`) is checked through a
scan of a Parquet copy, profiled in batches, and compared for drift as its profile: the
data stage gives the very results it gives with the files read whole, in each format, and
leaves no copy behind."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from mlgate import manifest, pipeline
from mlgate.data import load
from mlgate.pipeline.observer import QuietObserver
from mlgate.result.records import CheckResult, DataStage
from tests import projects
from tests.data.test_checks_streamed import table

MANIFEST = """\
name: streamed
data:
  train: data/train.{ext}
  test: data/test.{ext}
  reference: data/reference.{ext}
  target: label
  columns:
    label: {{type: category, values: [a, b, c], nullable: false}}
    age: {{type: integer, min: 0, max: 120}}
    income: {{type: number, min: 0, max_null_fraction: 0.02}}
    id: {{unique: true, sorted: increasing}}
    email: {{pattern: '^[^@]+@[^@]+$', min_length: 5, max_length: 30}}
    score: {{quantiles: [{{q: 0.5, min: 0.4, max: 0.6}}], expression: score < 1}}
    signup: {{min: '2020-01-01', max: '2026-01-01'}}
  checks:
    rows: {{min: 100}}
    duplicates: {{max_fraction: 0.0001}}
    leakage: true
    same_schema: true
    expressions: [hi >= lo]
    target_balance: {{min_fraction: 0.1}}
    freshness: {{column: signup, max_age: 365d}}
    drift: true
train:
  command: python train.py
"""


def write(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path, row_group_size=2_000)
    else:
        frame.write_ndjson(path)


def project(root: Path, fmt: str) -> Path:
    # the training data moved: every score a quarter higher
    train = table(12_000, 1, plant=True).with_columns(pl.col("score") + 0.25)
    test = pl.concat([table(3_000, 2, plant=True), train.slice(100, 40)])  # 40 leaked rows
    train = pl.concat([train, train.slice(0, 25)])  # 25 duplicate rows
    reference = table(12_000, 3, plant=False)
    root = projects.write(root, {"mlops.yaml": MANIFEST.format(ext=fmt)})
    (root / "data").mkdir()
    for role, frame in (("train", train), ("test", test), ("reference", reference)):
        write(frame, root / "data" / f"{role}.{fmt}", fmt)
    return root


class Said(QuietObserver):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def stage_output(self, stage: str, line: str) -> None:
        assert stage == "data"
        self.lines.append(line)


def _still(result: CheckResult) -> CheckResult:
    """Freshness's age is measured against the clock, once per run."""
    return replace(result, observed=None) if result.id.endswith("freshness") else result


def drifted(check: CheckResult) -> bool:
    return check.id.endswith(".drift")


def verdicts(stage: DataStage) -> dict[tuple[str, str], bool]:
    """Whether each column drifted. A profile keeps a column's 1,000 most frequent values,
    so where a column has more, new values are tested against the most a value it left
    out could have."""
    found: dict[tuple[str, str], bool] = {}
    for d in stage.drift:
        for c in d.columns:
            found[d.current, c.column] = found.get((d.current, c.column), False) or c.drifted
    return found


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_files_too_big_to_hold_give_the_results_of_files_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    root = project(tmp_path / fmt, fmt)
    held = pipeline.check_data(manifest.load(root / "mlops.yaml"))
    monkeypatch.setattr(load, "STREAM_ABOVE", 0)  # every file is "too big" now
    staged: list[Path] = []
    as_parquet = load.as_parquet

    def recorded(path: Path, fmt: str, into: Path) -> Path:
        staged.append(as_parquet(path, fmt, into))
        return staged[-1]

    monkeypatch.setattr(load, "as_parquet", recorded)
    said = Said()
    streamed = pipeline.check_data(manifest.load(root / "mlops.yaml"), observer=said)
    # what takes a while is said as it starts
    assert [line.split(" (")[0] for line in said.lines] == [
        f"checking train.{fmt}",
        f"checking test.{fmt}",
        f"profiling reference.{fmt}",
    ]
    assert all(re.search(r" \(\d+(\.\d)? [KM]iB\) in batches$", x) for x in said.lines), said.lines

    assert held.status == streamed.status == "failed", held.message
    # every check but drift's to the letter; drift's summaries differ in their last digits
    assert [_still(c) for c in streamed.checks if not drifted(c)] == [
        _still(c) for c in held.checks if not drifted(c)
    ]
    assert [(c.id, c.status, c.observed) for c in streamed.checks if drifted(c)] == [
        (c.id, c.status, c.observed) for c in held.checks if drifted(c)
    ]
    failed = {c.id for c in held.checks if c.status == "failed"}
    assert {
        "data.train.duplicates",
        "data.leakage",
        "data.train.columns.age.min",
        "data.train.columns.id.unique",
        "data.test.columns.email.pattern",
    } <= failed
    assert "data.reference.columns.age.min" not in failed  # the reference is held to schema
    assert [(d.role, d.rows, d.columns, d.file) for d in streamed.datasets] == [
        (d.role, d.rows, d.columns, d.file) for d in held.datasets
    ]
    # drift from the profiles of big files: the same tests and verdicts as from the values
    assert verdicts(streamed) == verdicts(held)
    assert verdicts(held)["train", "score"] and not verdicts(held)["test", "score"]
    # train and test were copied as Parquet (a Parquet file is its own copy), and the copies
    # went with the stage
    assert len(staged) == 2
    assert all(p.suffix == ".parquet" for p in staged)
    assert all(not p.exists() for p in staged if p.parent != root / "data")
    # check data is no run: its scratch folder, and the copies in it, went with it too
    assert not list((root / ".mlgate").rglob("*"))


def test_a_late_value_of_another_type_is_typed_as_when_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(12_000)) + "1.5,\n")
    copy = load.as_parquet(path, "csv", tmp_path)
    held = load.read(path, "csv")
    assert held.schema["a"] == pl.Float64
    assert pl.read_parquet(copy).equals(held)


def test_a_broken_file_too_big_to_hold_is_named_as_read_whole_and_leaves_no_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "broken", "csv")
    loaded = manifest.load(root / "mlops.yaml")  # validate reads the first MiB: a row
    with open(root / "data" / "test.csv", "a", encoding="utf-8") as handle:  # written since
        handle.write(",".join(["1"] * 20) + "\n")  # a row longer than the header
    held = pipeline.check_data(loaded)
    monkeypatch.setattr(load, "STREAM_ABOVE", 0)
    streamed = pipeline.check_data(loaded)
    assert streamed.status == held.status == "error"
    assert streamed.message == held.message
    assert held.message is not None and held.message.startswith(
        "data file 'data/test.csv' could not be read as csv: line 3042 has 20 fields where "
        "the header names 9 columns"
    )
    assert not list((root / ".mlgate").rglob("*"))  # no scratch folder, no copy
