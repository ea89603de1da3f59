"""Profiles: the quantile summary's rank error holds (after merges too), the same data
gives the same bytes, a column stays under 64 KiB, and drift from two profiles agrees with
drift from the data without the false alarms of a naive sketch."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.datasets import load_breast_cancer

from mlgate.cli import main
from mlgate.data import drift, profile, sketch
from mlgate.errors import UserError
from mlgate.manifest.spec import Drift


@pytest.fixture
def mlgate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`mlgate ARGS` in `cwd` through its entry point, in this process (these tests are of
    the commands, not of a process starting): its code, stdout and stderr."""

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()  # what came before is not the command's
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["mlgate", *args], code, out, err)

    return run


def worst_rank_error(summary: sketch.Summary, data: np.ndarray) -> float:
    points = np.unique(np.concatenate([data, summary.values]))
    truth = np.searchsorted(np.sort(data), points, side="right") / data.size
    return float(np.max(np.abs(summary.cdf(points) - truth)))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 20_000),
    size=st.sampled_from([16, 64, 256]),
    ties=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_cdf_read_from_a_summary_is_within_its_epsilon(
    n: int, size: int, ties: bool, seed: int
) -> None:
    data = np.random.default_rng(seed).standard_t(3, size=n)
    if ties:
        data = np.round(data)
    summary = sketch.Summary.of(data, size)
    assert summary.count == n and summary.values.size == min(n, size)
    assert worst_rank_error(summary, data) <= summary.epsilon + 1e-12


@settings(max_examples=25, deadline=None)
@given(parts=st.lists(st.integers(1, 5_000), min_size=2, max_size=6), seed=st.integers(0, 99))
def test_merged_summaries_keep_their_bound(parts: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    chunks = [rng.lognormal(size=n) * (i + 1) for i, n in enumerate(parts)]
    merged = sketch.Summary.of(chunks[0], 64)
    for chunk in chunks[1:]:
        merged = merged.merge(sketch.Summary.of(chunk, 64), 64)
    whole = np.concatenate(chunks)
    assert merged.count == whole.size
    assert worst_rank_error(merged, whole) <= merged.epsilon + 1e-12


def test_the_same_data_gives_the_same_bytes_and_a_column_stays_small() -> None:
    rng = np.random.default_rng(0)
    frame = pl.DataFrame(
        {
            "x": rng.normal(size=300_000),
            "city": rng.choice([f"city {i}" for i in range(5_000)], size=300_000),
        }
    )
    first = profile.to_json(profile.of_frame(frame))
    again = profile.to_json(profile.of_frame(frame.sample(fraction=1.0, shuffle=True, seed=1)))
    assert first == again  # row order does not matter either
    for column in json.loads(first)["columns"].values():
        assert len(json.dumps(column)) <= 64 * 1024
    back = profile.read("p.json", first.encode())
    assert profile.to_json(back) == first


@pytest.mark.parametrize("text", ["x" * 500, "é" * 300])  # é is written \\u00e9: 6 bytes
def test_long_values_keep_a_column_under_64_kib_and_count_the_rest(text: str) -> None:
    """A thousand values of 500 characters made a column of half a megabyte; the most
    frequent that fit are kept, and the rest counted in `other`, in a merge too."""
    values = [f"{i:04d}{text}" for i in range(1_200) for _ in range(1 + i % 3)]
    whole = profile.of_frame(pl.DataFrame({"note": values}))
    column = json.loads(profile.to_json(whole))["columns"]["note"]
    assert len(json.dumps(column, separators=(",", ":"))) <= 64 * 1024
    kept = column["counts"]
    assert 0 < len(kept) < 1_000 and sum(kept.values()) + column["other"] == len(values)
    assert min(kept.values()) >= 2  # the most frequent were kept (counts 3, then 2)
    halves = [
        profile.of_frame(pl.DataFrame({"note": part})) for part in (values[::2], values[1::2])
    ]
    merged = json.loads(profile.to_json(profile.merge(*halves)))["columns"]["note"]
    assert len(json.dumps(merged, separators=(",", ":"))) <= 64 * 1024
    assert sum(merged["counts"].values()) + merged["other"] == len(values)


def test_merging_profiles_of_two_halves_gives_the_whole_moments_and_counts() -> None:
    frame = pl.from_pandas(load_breast_cancer(as_frame=True).frame)
    whole = profile.of_frame(frame)
    merged = profile.merge(profile.of_frame(frame[:300]), profile.of_frame(frame[300:]))
    radius = whole.columns["mean radius"]
    joined = merged.columns["mean radius"]
    assert isinstance(radius, profile.NumericProfile) and isinstance(joined, profile.NumericProfile)
    assert joined.count == radius.count == 569
    assert joined.mean == pytest.approx(radius.mean, rel=1e-12)
    assert joined.std == pytest.approx(np.std(frame["mean radius"].to_numpy()), rel=1e-9)
    target = merged.columns["target"]
    assert isinstance(target, profile.NumericProfile) and target.count == 569


@pytest.mark.parametrize(
    "text",
    [b"{}", b"[1]", b"not json", b'{"format": "mlgate-profile/1", "rows": -1, "columns": {}}'],
)
def test_a_profile_that_is_not_one_is_a_plain_error(text: bytes) -> None:
    with pytest.raises(UserError, match="profile"):
        profile.read("prod.json", text)


def test_drift_from_profiles_agrees_with_drift_from_the_data() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    reference = pl.DataFrame(
        {
            "same": rng.normal(size=n),
            "moved": rng.normal(size=n),
            "plan": rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2]),
        }
    )
    current = pl.DataFrame(
        {
            "same": rng.normal(size=n),
            "moved": rng.normal(0.25, size=n),
            "plan": rng.choice(["a", "b", "c"], size=n, p=[0.3, 0.3, 0.4]),
        }
    )
    raw = drift.compare(reference, current, Drift(), reference_name="r", current_name="c")
    sketched = drift.compare(
        profile.of_frame(reference),
        profile.of_frame(current),
        Drift(),
        reference_name="r",
        current_name="c",
    )
    assert raw.drifted_columns == sketched.drifted_columns == ("moved", "plan")
    moved = next(e for e in sketched.columns if e.column == "moved")
    exact = stats.wasserstein_distance(reference["moved"], current["moved"])
    assert moved.statistic == pytest.approx(exact / reference["moved"].std(ddof=0), abs=0.01)
    assert "less their rank error" in moved.reason


def test_a_naive_ks_from_summaries_would_cry_wolf_and_mlgates_does_not() -> None:
    """Two samples of one distribution, 200,000 rows each: the KS statistic read off the
    summaries is off by up to their rank errors; taken at face value it is significant
    more often than 5% of the time. mlgate takes the error off first."""
    naive = careful = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        a = sketch.Summary.of(rng.normal(size=200_000), 128)
        b = sketch.Summary.of(rng.normal(size=200_000), 128)
        gap, error = sketch.ks_bounds(a, b)
        naive += stats.kstwo.sf(gap, 100_000) < 0.05
        careful += stats.kstwo.sf(max(0.0, gap - error), 100_000) < 0.05
    assert naive >= 3 and careful == 0


@pytest.mark.parametrize(
    ("draw", "moved"),
    [
        (lambda rng, shift: rng.lognormal(shift, 3.5, 200_000), 0.15),  # a heavy tail
        (lambda rng, shift: rng.lognormal(shift, 3.0, 200_000), 0.0),
        (lambda rng, shift: rng.normal(shift, 1.0, 200_000), 0.1),
        (lambda rng, shift: rng.exponential(1 + shift, 200_000), 0.3),
    ],
)
def test_the_wasserstein_distance_from_summaries_never_exceeds_the_datas(
    draw: Callable[[np.random.Generator, float], np.ndarray], moved: float
) -> None:
    """Read as one value a level (the top level each side's maximum), a heavy tail's
    distance came out forty times SciPy's and unchanged data drifted from a profile. Now
    a lower bound, for summaries whole and merged; close where the data is not extreme."""
    rng = np.random.default_rng(7)
    ref, cur = draw(rng, 0.0), draw(rng, moved)
    exact = stats.wasserstein_distance(ref, cur)
    halves = [sketch.Summary.of(part) for part in (cur[::2], cur[1::2])]
    summarised, whole = sketch.Summary.of(ref), sketch.Summary.of(cur)  # each sorted once
    for current, data in (
        (whole, exact),
        (halves[0].merge(halves[1]), exact),  # a merged summary's error is wider
        (sketch.Summary.of(cur[:900]), stats.wasserstein_distance(ref, cur[:900])),  # exact
    ):
        assert 0 <= sketch.quantile_distance(summarised, current) <= data * (1 + 1e-9)
    normed = sketch.quantile_distance(summarised, whole) / ref.std()
    assert normed == pytest.approx(exact / ref.std(), abs=0.01)  # under a hundredth of a std


def test_the_command_writes_a_profile_that_data_reference_can_name(
    tmp_path: Path, mlgate: Callable[..., Any]
) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    root = tmp_path / "p"
    (root / "data").mkdir(parents=True)
    frame.iloc[:300].to_csv(root / "data/train.csv", index=False)
    frame.iloc[300:].to_csv(root / "data/test.csv", index=False)
    prod = frame.iloc[:300].copy()
    prod["mean radius"] += prod["mean radius"].std()
    prod.to_csv(root / "prod.csv", index=False)
    done = mlgate("profile", "prod.csv", "-o", "data/prod.profile.json", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "profile of 300 rows and 31 columns" in done.stderr
    (root / "mlops.yaml").write_text(
        "name: cancer\ndata:\n  train: data/train.csv\n  test: data/test.csv\n"
        "  reference: data/prod.profile.json\n  target: target\n"
        "  checks: {drift: {columns: [mean radius, mean texture]}}\n"
        "train: {command: python train.py}\n"
    )
    checked = mlgate("check", "data", "--json", cwd=root)
    assert checked.returncode == 1, checked.stderr  # 1 of 2 columns: the file drifted
    rows = {(d["current"], d["column"]): d for d in json.loads(checked.stdout)["drift"]}
    assert rows[("train", "mean radius")]["drifted"] is True
    assert rows[("train", "mean texture")]["drifted"] is False
    (root / "data/prod.profile.json").write_text('{"format": "something else"}')
    broken = mlgate("check", "data", cwd=root)
    assert broken.returncode == 2 and "is not an mlgate profile" in broken.stderr


def test_each_run_keeps_its_data_files_profiles_beside_its_result(tmp_path: Path) -> None:
    from mlgate import manifest, pipeline
    from mlgate.result import runs
    from tests.sweep.test_local import PICK_TRAINED, project

    root = project(tmp_path, "", PICK_TRAINED, (1.0,))  # its "training" copies a model
    result = pipeline.run(manifest.load(root / "mlops.yaml"), compare=False)
    folder = runs.run_dir(root, result.run_id)
    for summary in result.data.datasets:
        assert summary.profile == f"profile.{summary.role}.json"
        kept = profile.read(summary.profile, (folder / summary.profile).read_bytes())
        assert kept.rows == summary.rows and list(kept.columns) == list(summary.columns)
        assert kept.source == f"data/{summary.role}.csv"


def test_values_whose_spread_overflows_are_a_plain_error_not_a_crash(
    tmp_path: Path, mlgate: Callable[..., Any]
) -> None:
    """1e200 squared is past a double's range: the spread was written as inf and the
    profile's JSON refused it with a traceback (exit 3)."""
    fine = profile.of_series(pl.Series("a", [1e100, -1e100, 0.0]))
    assert isinstance(fine, profile.NumericProfile) and fine.std == pytest.approx(
        1e100 * 0.8165, rel=1e-3
    )
    with pytest.raises(UserError, match="column 'a': values as large as 1e\\+200 are beyond"):
        profile.of_series(pl.Series("a", [1.0, 1e200, 2.0]))
    halves = [profile.of_frame(pl.DataFrame({"a": [v, -v]})) for v in (8e153, 8e153)]
    with pytest.raises(UserError, match="column 'a'"):  # each half fits; together they do not
        profile.merge(*halves)
    (tmp_path / "big.csv").write_text("a,b\n1,2\n1e200,3\n")
    done = mlgate("profile", "big.csv", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "column 'a': values as large as 1e+200" in done.stderr
    assert "rescale the column" in done.stderr and "Traceback" not in done.stderr


def test_lists_and_objects_of_json_lines_are_counted_as_their_json(
    tmp_path: Path, mlgate: Callable[..., Any]
) -> None:
    """polars will not cast a list to text: a JSON Lines field holding one crashed the run."""
    column = profile.of_series(pl.Series("tags", [[1, 2], [3], None, [1, 2]]))
    assert isinstance(column, profile.CategoricalProfile)
    assert (dict(column.counts), column.missing) == ({"[1,2]": 2, "[3]": 1}, 1)
    nested = profile.of_series(pl.Series("o", [{"k": 1, "é": "x"}, {"k": 2, "é": None}]))
    assert set(nested.counts) == {'{"k":1,"é":"x"}', '{"k":2,"é":null}'}
    lines = "".join(f'{{"a": {i}, "tags": [{i % 3}, 1]}}\n' for i in range(40))
    (tmp_path / "t.jsonl").write_text(lines)
    done = mlgate("profile", "t.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)
    assert written["columns"]["tags"]["counts"] == {"[0,1]": 14, "[1,1]": 13, "[2,1]": 13}


def test_merged_categories_count_what_was_seen_once_exactly() -> None:
    first = profile.of_series(pl.Series("c", ["a", "b", "c", "c"]))
    second = profile.of_series(pl.Series("c", ["a", "d", "d", "e"]))
    merged = profile.merge(
        profile.Profile(rows=4, columns={"c": first}),
        profile.Profile(rows=4, columns={"c": second}),
    ).columns["c"]
    whole = profile.of_series(pl.Series("c", ["a", "b", "c", "c", "a", "d", "d", "e"]))
    assert merged == whole  # a: 2, b: 1, c: 2, d: 2, e: 1 -> two seen once


def test_merged_profiles_that_left_values_out_say_how_short_a_count_can_be() -> None:
    rng = np.random.default_rng(6)
    halves = [[f"v{i}" for i in rng.zipf(1.3, 30_000)] for _ in range(2)]
    kept = [profile.of_series(pl.Series("c", half)) for half in halves]
    assert all(isinstance(k, profile.CategoricalProfile) and k.other for k in kept)
    merged = profile.merge(*(profile.Profile(rows=30_000, columns={"c": k}) for k in kept)).columns[
        "c"
    ]
    assert isinstance(merged, profile.CategoricalProfile) and merged.error > 0
    truth: dict[str, int] = {}
    for value in halves[0] + halves[1]:
        truth[value] = truth.get(value, 0) + 1
    for value, count in merged.counts.items():
        assert truth[value] - merged.error <= count <= truth[value], value
    assert sum(merged.counts.values()) + merged.other == 60_000


def test_the_categories_kept_are_the_most_frequent_with_ties_broken_by_value() -> None:
    rng = np.random.default_rng(5)
    values = [f"v{i}" for i in rng.integers(0, 5_000, 40_000)] + [f"u{i}" for i in range(3_000)]
    kept = profile.of_series(pl.Series("c", values))
    assert isinstance(kept, profile.CategoricalProfile)
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: profile.TOP]
    assert list(kept.counts.items()) == expected  # in that order, too
    assert kept.other == len(values) - sum(n for _, n in expected)
    assert (kept.distinct, kept.once) == (len(counts), sum(n == 1 for n in counts.values()))


def test_a_run_profiles_each_file_once_and_keeps_the_bytes_of_mlgate_profile() -> None:
    """The data stage profiles exactly (for drift) and condenses: the kept profile must be
    what `of_frame` writes, whatever the column holds."""
    rng = np.random.default_rng(3)
    n = 20_000
    frame = pl.DataFrame(
        {
            "x": pl.Series(rng.normal(size=n)).scatter([3, 7], None),
            "k": rng.integers(0, 5, n),
            "id": [f"u{i}" for i in range(n)],  # more distinct values than TOP
            "city": pl.Series(rng.choice(["a", "b", "c"], n)).scatter([1], None),
            "when": np.datetime64("2026-01-01", "us") + rng.integers(0, 10**9, n),
            "flag": rng.random(n) < 0.3,
        }
    )
    exact = profile.of_frame(frame, source="f.csv", exact=True)
    assert profile.to_json(profile.condensed(exact)) == profile.to_json(
        profile.of_frame(frame, source="f.csv")
    )
    read_back = profile.condensed(profile.read("p.json", profile.to_json(exact).encode()))
    assert profile.to_json(read_back) == profile.to_json(profile.of_frame(frame, source="f.csv"))


def test_an_exact_profiles_counts_read_as_a_dict_and_count_without_one() -> None:
    values = ["b", "a", "c", "a", "b", "a", None]
    column = profile.of_series(pl.Series("c", values), exact=True)
    assert isinstance(column, profile.CategoricalProfile)
    assert isinstance(column.counts, profile.Counted)
    assert column.count == 6 and column.counts._read is None  # counted in polars
    assert list(column.counts.items()) == [("a", 3), ("b", 2), ("c", 1)]
    assert column.counts == {"a": 3, "b": 2, "c": 1} and len(column.counts) == 3
    assert (column.missing, column.other, column.distinct, column.once) == (1, 0, 3, 1)


def test_new_categories_are_counted_alike_in_polars_and_from_stored_counts() -> None:
    rng = np.random.default_rng(8)
    ref = pl.Series("c", [f"v{i}" for i in rng.integers(0, 3_000, 10_000)])
    cur = pl.Series("c", [f"v{i}" for i in rng.integers(1_000, 4_000, 8_000)])
    exact = [profile.of_series(s, exact=True) for s in (ref, cur)]
    as_dicts = [replace(p, counts=dict(p.counts)) for p in exact]
    seen = set(ref.to_list())
    lacking = sum(1 for v in cur.to_list() if v not in seen)

    def new_rows(reference: profile.ColumnProfile, current: profile.ColumnProfile) -> int:
        assert isinstance(reference, profile.CategoricalProfile)
        assert isinstance(current, profile.CategoricalProfile)
        return int(drift._lacking(current, reference).sum())

    assert new_rows(*exact) == new_rows(*as_dicts) == lacking > 0
    stored = profile.of_series(cur)  # 1,000 kept, the rest counted in "other"
    assert isinstance(stored, profile.CategoricalProfile) and stored.other > 0
    assert new_rows(exact[0], stored) == new_rows(as_dicts[0], stored)
    # data in hand against a stored profile's counts: in polars, the same figure
    fresh = profile.of_series(cur, exact=True)
    assert isinstance(fresh, profile.CategoricalProfile)
    assert new_rows(as_dicts[0], fresh) == lacking
    assert isinstance(fresh.counts, profile.Counted) and fresh.counts._read is None


@pytest.fixture(scope="module")
def fresh_imports() -> list[str]:
    """What a fresh interpreter has imported: after the profile and the data checks, then
    after the data stage's warm-up of the drift tests: one process for both tests, the
    warm-up starting with no SciPy loaded, as the first test holds."""
    import subprocess
    import sys

    code = (
        "import sys, mlgate.data.profile, mlgate.data.checks\n"
        "print('scipy' in sys.modules)\n"
        "from mlgate.pipeline import warmup\n"
        "with warmup.importing(warmup.DRIFT):\n"
        "    started = 'scipy.stats' in sys.modules\n"
        "print(started, 'scipy.stats' in sys.modules, 'scipy.spatial.distance' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_profiling_does_not_import_scipy(fresh_imports: list[str]) -> None:
    """`mlgate profile` and the data checks need no p-value: SciPy's second of imports is
    paid only where drift is tested."""
    assert fresh_imports[0].strip() == "False"


def test_a_run_with_drift_has_scipy_loaded_by_the_end_of_the_data_stage(
    fresh_imports: list[str],
) -> None:
    """Imported on another thread while the files are read, and joined: a later stage forks
    to score the model, and a fork amid an import would hang the child."""
    assert fresh_imports[1].split()[1:] == ["True", "True"]


@pytest.mark.parametrize(
    ("columns", "said"),
    [
        ({"age": {"kind": "numeric", "missing": 0}}, "column 'age' lacks 'quantiles'"),
        (
            {"age": {"kind": "categorical", "missing": "x"}},
            "column 'age': expected a count (0 to 1,000,000,000,000) for 'missing', found 'x'",
        ),
        ({"age": "numeric"}, "column 'age' is not shaped as mlgate writes it"),
        (
            {
                "id": {
                    "kind": "categorical",
                    "missing": 0,
                    "counts": {},
                    "other": 9,
                    "distinct": 9,
                    "once": 9,
                    "error": -3,
                }
            },
            "column 'id': expected a count (0 to 1,000,000,000,000) for 'error', found -3",
        ),
    ],
)
def test_a_broken_profile_names_the_column_and_what_is_wrong(
    columns: dict[str, object], said: str
) -> None:
    text = json.dumps({"format": profile.FORMAT, "rows": 3, "columns": columns}).encode()
    with pytest.raises(UserError) as caught:
        profile.read("prod.json", text)
    assert str(caught.value).startswith(f"prod.json is not a valid mlgate profile: {said}")
    assert "mlgate profile DATA_FILE" in (caught.value.hint or "")


def _written(column: str = "age") -> dict[str, object]:
    """A profile as mlgate writes it, of 5 rows: one numeric column, one categorical."""
    frame = pl.DataFrame({column: [1.0, 2.0, None, 4.0, 5.0], "plan": ["a", "b", "a", None, "c"]})
    written: dict[str, object] = json.loads(profile.to_json(profile.of_frame(frame)))
    return written


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda p: p["columns"]["age"].update(count=10**400), "for 'count'"),
        (lambda p: p["columns"]["age"].update(m2=-4.0), "m2 -4.0 is below 0"),
        (lambda p: p["columns"]["age"].update(quantiles=[]), "0 quantiles for 4 values"),
        (lambda p: p["columns"]["age"].update(count=1_000_000), "are not its 5 rows"),
        (lambda p: p.update(rows=7), "are not its 7 rows"),
        (lambda p: p["columns"]["plan"]["counts"].update(a=10**9), "are not its 5 rows"),
        (lambda p: p["columns"]["plan"].update(distinct=1), "distinct 1 and once"),
        # what the audit's tampered profiles said, each switching drift off or hanging
        (lambda p: p.update(rows=2**53), "expected a count (0 to 1,000,000,000,000) for 'rows'"),
        (lambda p: p["columns"]["age"].update(epsilon=1), "epsilon 1 is over 0.05"),
        (lambda p: p["columns"]["age"].update(m2=1e300), "m2 1e+300 are not those of its"),
        (lambda p: p["columns"]["age"].update(mean=100.0), "mean 100 and m2"),
        (lambda p: p["columns"]["plan"].update(distinct=99), "values kept of 4 values"),
        (lambda p: p["columns"]["plan"].update(once=3), "once 3 is over the values kept once"),
        (lambda p: p["columns"]["plan"].update(error=1), "error 1 is over the 0 rows in"),
        (
            lambda p: p["columns"]["age"].update(quantiles=[1.0, 2.0, 4.0, 5.0, 6.0]),
            "5 quantiles for 4 values",
        ),
    ],
)
def test_a_profile_whose_figures_contradict_each_other_is_refused_not_a_crash(
    change: Callable[[dict[str, Any]], None], said: str
) -> None:
    """A tampered profile crashed (a 400-digit count, a negative m2, no quantiles: exit 3)
    or was believed (counts far past its rows turned a column into drift)."""
    written = _written()
    change(written)
    with pytest.raises(UserError) as caught:
        profile.read("prod.json", json.dumps(written).encode())
    assert str(caught.value).startswith("prod.json is not a valid mlgate profile: ")
    assert said in str(caught.value)


def test_json_nested_too_deep_is_no_profile() -> None:
    with pytest.raises(UserError, match=r"is not a profile \(not JSON: nested too deep\)"):
        profile.read("deep.json", b"[" * 100_000 + b"]" * 100_000)


def test_profile_with_json_and_an_output_file_says_what_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--json -o FILE` printed nothing: every command's --json prints on stdout."""
    (tmp_path / "rows.csv").write_text("a,b\n1,x\n2,y\n")
    assert main(["-C", str(tmp_path), "--json", "profile", "rows.csv", "-o", "p.json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said == {
        "output": str(tmp_path / "p.json"),  # from where the command started (-C)
        "rows": 2,
        "columns": ["a", "b"],
        "estimated": [],
    }
    assert json.loads((tmp_path / "p.json").read_text())["rows"] == 2
