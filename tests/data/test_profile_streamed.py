"""Profiles of files read in batches: what `mlgate profile` and a streamed reference hold
in memory is a batch, not the file. The same file in one batch gives the bytes of the
in-memory profile; in many batches, the same counts, moments and categories exactly, and
a quantile summary whose carried error bound still holds against the data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlgate.data import frequent, load, profile, sketch
from mlgate.errors import UserError
from tests.data.test_profile import worst_rank_error
from tests.test_check_data import project  # noqa: F401 (the fixture)


def mixed(rows: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.lognormal(size=rows)
    return pl.DataFrame(
        {
            "x": np.where(rng.random(rows) < 0.03, np.nan, x),
            "n": rng.integers(0, 50, rows),
            "plan": rng.choice(["free", "pro", "team", None], rows, p=[0.6, 0.3, 0.05, 0.05]),
            "code": [f"c{v}" for v in rng.integers(0, 3000, rows)],
        }
    )


@pytest.mark.parametrize("fmt", load.FORMATS)
def test_a_file_in_one_batch_gives_the_in_memory_profile_byte_for_byte(
    tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"data.{fmt}"
    frame = mixed(5_000)
    {"csv": frame.write_csv, "parquet": frame.write_parquet, "jsonl": frame.write_ndjson}[fmt](path)
    assert load.detect_format(path, "auto") == fmt  # by the extension, as runs read it
    whole = profile.of_frame(load.read(path, fmt), source=path.name)
    streamed = profile.of_file(path, fmt)
    assert profile.to_json(streamed) == profile.to_json(whole)
    assert list(streamed.columns) == ["x", "n", "plan", "code"]  # the file's own columns


def test_many_batches_keep_counts_moments_and_categories_exact_and_the_bound_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frequent, "FOLD", 5_000)  # batches' counts added up often
    path = tmp_path / "data.csv"
    mixed(120_000, seed=3).write_csv(path)
    whole = profile.of_frame(load.read(path, "csv"), exact=True)
    streamed = profile.of_file(path, "csv", rows=7_000)  # 18 batches, the last one short
    assert streamed.rows == whole.rows == 120_000
    assert list(streamed.columns) == list(whole.columns)
    for name in ("x", "n"):
        got, exact = streamed.columns[name], whole.columns[name]
        assert isinstance(got, profile.NumericProfile)
        assert isinstance(exact, profile.NumericProfile)
        assert (got.missing, got.count) == (exact.missing, exact.count)
        assert got.mean == pytest.approx(exact.mean, rel=1e-12)
        assert got.m2 == pytest.approx(exact.m2, rel=1e-9)
        assert got.summary.values.size == sketch.SIZE
        # the error carried through 17 merges and the final redraw, and it holds
        assert 1 / sketch.SIZE < got.summary.epsilon < 3 / sketch.SIZE
        assert worst_rank_error(got.summary, exact.summary.values) <= got.summary.epsilon
    for name in ("plan", "code"):
        got, exact = streamed.columns[name], whole.columns[name]
        assert isinstance(got, profile.CategoricalProfile)
        assert isinstance(exact, profile.CategoricalProfile)
        assert (got.missing, got.distinct, got.once) == (exact.missing, exact.distinct, exact.once)
        top = dict(sorted(exact.counts.items(), key=lambda kv: (-kv[1], kv[0]))[: profile.TOP])
        assert dict(got.counts) == top
        assert got.other == sum(exact.counts.values()) - sum(top.values())
    again = profile.of_file(path, "csv", rows=7_000)
    assert profile.to_json(again) == profile.to_json(streamed)  # deterministic


def test_a_late_value_of_another_type_and_a_column_empty_at_first_are_typed_as_read_types_them(
    tmp_path: Path,
) -> None:
    late = tmp_path / "late.csv"
    late.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(12_000)) + "1.5,y\n")
    blind = tmp_path / "blind.csv"
    blind.write_text("a,b\n" + ",x\n" * 12_000 + "7,y\n")
    for path in (late, blind):
        streamed = profile.of_file(path, "csv", rows=1_000)
        assert isinstance(streamed.columns["a"], profile.NumericProfile), path.name
        assert load.read(path, "csv").schema["a"] == pl.Float64 or path is blind
    assert streamed.columns["a"].count == 1  # blind.csv: the one value, a number


def test_a_file_with_only_a_header_lists_its_columns_and_an_absent_column_is_named(
    tmp_path: Path,
) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("a,b\n")
    made = profile.of_file(path, "csv")
    assert made.rows == 0 and list(made.columns) == ["a", "b"]
    with pytest.raises(UserError, match=r"zz: not in empty\.csv") as caught:
        profile.of_file(path, "csv", ["a", "zz"])
    assert caught.value.hint == "its columns: a, b"
    # JSON Lines have no header: the hint named the columns asked for that were there
    lines = tmp_path / "rows.jsonl"
    lines.write_text('{"a": 1, "b": "x", "c": 2}\n')
    with pytest.raises(UserError, match=r"zz: not in rows\.jsonl") as caught:
        profile.of_file(lines, "jsonl", ["a", "zz"])
    assert caught.value.hint == "its columns: a, b, c"


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child started by pytest
# would report pytest's own peak
PEAK = """
import re, sys
from pathlib import Path
from mlgate.data import frequent, load, profile
path, how = Path(sys.argv[1]), sys.argv[2]
frequent.FOLD = 200_000  # identifiers' counts added up and cut back every 200,000 values
if how == "streamed":
    made = profile.of_file(path, "parquet", rows=20_000)
else:
    made = profile.of_frame(load.read(path, "parquet"))
status = Path("/proc/self/status").read_text()
print(made.rows, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


@pytest.mark.e2e  # a process per file, on up to 3,200,000 rows
def test_memory_held_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Peak memory of a process profiling a file, for a file and one four times longer:
    in batches it stays put, a column of identifiers too (its counts are cut back to
    frequent.HELD values); read whole, it grows with the file (the test's control)."""
    rng = np.random.default_rng(1)
    peaks = {}
    for rows in (800_000, 3_200_000):
        path = tmp_path / f"{rows}.parquet"
        frame = pl.DataFrame({f"x{i}": rng.normal(size=rows) for i in range(6)})
        frame = frame.with_columns(id=pl.int_range(rows).cast(pl.String) + "@example.com")
        frame.write_parquet(path, row_group_size=50_000)  # Parquet is read a group at a time
        for how in ("streamed", "whole"):
            done = subprocess.run(
                [sys.executable, "-c", PEAK, str(path), how],
                capture_output=True,
                text=True,
                check=True,
            )
            counted, kib = map(int, done.stdout.split())
            assert counted == rows
            peaks[how, rows] = kib / 1024
    grown = {how: peaks[how, 3_200_000] - peaks[how, 800_000] for how in ("streamed", "whole")}
    # the data itself: 6 columns x 2,400,000 more rows x 8 bytes = 110 MiB more, and the ids
    assert grown["whole"] > 150, peaks
    # streamed: -2 to +40 MiB from run to run (the allocator's arenas); 511 MiB when each
    # identifier was kept
    assert grown["streamed"] < 80, peaks


@pytest.mark.parametrize("same_schema", [False, True])
def test_a_reference_too_big_to_hold_is_read_in_batches_and_gives_the_same_verdicts(
    project: Path,  # noqa: F811 (tests/test_check_data.py's fixture)
    monkeypatch: pytest.MonkeyPatch,
    same_schema: bool,
) -> None:
    from mlgate import manifest, pipeline
    from mlgate.pipeline import stages

    if same_schema:
        text = (project / "mlops.yaml").read_text()
        (project / "mlops.yaml").write_text(text.replace("rows: {min: 50}", "same_schema: true"))
    held = pipeline.check_data(manifest.load(project / "mlops.yaml"))
    monkeypatch.setattr(load, "STREAM_ABOVE", 0)  # every reference is "too big" now
    kept: dict[str, profile.Profile] = {}
    keep = stages._keep_profile

    def recorded(ctx: stages.RunContext, role: str, made: profile.Profile) -> str:
        kept[role] = made  # what a run keeps beside its result (check data keeps nothing)
        return keep(ctx, role, made)

    monkeypatch.setattr(stages, "_keep_profile", recorded)
    streamed = pipeline.check_data(manifest.load(project / "mlops.yaml"))

    def verdicts(stage) -> dict[tuple[str, str, str], bool]:
        return {(d.current, c.column, c.test): c.drifted for d in stage.drift for c in d.columns}

    assert verdicts(streamed) == verdicts(held)
    assert any(verdicts(streamed).values())  # the moved column is still found
    assert [c.status for c in streamed.checks] == [c.status for c in held.checks]
    (reference,) = [d for d in streamed.datasets if d.role == "reference"]
    assert reference.rows == 189 and reference.profile == "profile.reference.json"
    again = profile.read("kept", profile.to_json(kept["reference"]).encode())
    assert again.rows == 189 and again.source == "data/reference.csv"
    if same_schema:
        (schema,) = [c for c in streamed.checks if c.rule == "same columns and types"]
        assert schema.status == "passed", schema.message


@pytest.mark.parametrize(
    ("content", "at"),
    [(b"caf\xe9,n\nx,1\n", 3), ("a,b\n1,2\n".encode("utf-16"), 0)],
    ids=["latin-1 header", "utf-16"],
)
def test_a_csv_that_is_not_utf8_is_named_whether_read_whole_or_in_batches(
    tmp_path: Path, content: bytes, at: int
) -> None:
    path = tmp_path / "other.csv"
    path.write_bytes(content)
    for read in (lambda: load.read(path, "csv"), lambda: profile.of_file(path, "csv")):
        with pytest.raises(UserError, match=f"invalid utf-8 at byte {at}") as caught:
            read()
        assert caught.value.hint is not None and "iconv" in caught.value.hint
