"""Drift against a reference: real shifts in scikit-learn's bundled data are found, resamples
of the same data are not, and the known false alarms of other tools do not happen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats
from scipy.spatial import distance
from sklearn.datasets import load_breast_cancer, load_wine

from mlgate.data import corrections, drift, profile
from mlgate.errors import UserError
from mlgate.manifest.spec import Data, Drift, DriftColumn

DEFAULTS = Drift()


def frame_of(loader) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    bunch = loader()
    return pl.DataFrame(bunch.data, schema=list(bunch.feature_names), orient="row")


def halves(frame: pl.DataFrame, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two random halves: the same distribution, by construction."""
    order = np.random.default_rng(seed).permutation(frame.height)
    half = frame.height // 2
    return frame[order[:half]], frame[order[half:]]


def compared(reference: pl.DataFrame, current: pl.DataFrame, spec: Drift = DEFAULTS):
    return drift.compare(reference, current, spec, reference_name="train", current_name="test")


def profiled(reference: profile.Profile, current: pl.DataFrame):  # type: ignore[no-untyped-def]
    return drift.compare(reference, current, DEFAULTS, reference_name="r", current_name="c")


def entry(result, column: str, test: str | None = None):  # type: ignore[no-untyped-def]
    found = [e for e in result.columns if e.column == column and (test is None or e.test == test)]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine])
def test_random_halves_of_bundled_data_do_not_drift(loader) -> None:  # type: ignore[no-untyped-def]
    frame = frame_of(loader)
    alarms = 0
    for seed in range(10):
        result = compared(*halves(frame, seed))
        assert len(result.tested_columns) == frame.width
        alarms += bool(result.drifted_columns)
    assert alarms <= 1  # Holm keeps any false alarm at 5% a dataset


def test_an_injected_shift_in_three_columns_flags_exactly_those() -> None:
    frame = frame_of(load_breast_cancer)  # 569 rows: KS on each half
    reference, current = halves(frame, seed=3)
    moved = ["mean radius", "worst texture", "mean smoothness"]
    current = current.with_columns(
        (pl.col(c) + pl.col(c).std() * 0.8) for c in moved[:2]
    ).with_columns(pl.col(moved[2]) * 1.3)
    result = compared(reference, current)
    assert sorted(result.drifted_columns) == sorted(moved)
    radius = entry(result, "mean radius")
    assert radius.test == "ks" and radius.drifted
    assert radius.statistic == pytest.approx(
        stats.ks_2samp(reference["mean radius"], current["mean radius"]).statistic, abs=1e-9
    )
    assert radius.adjusted_p_value is not None and radius.adjusted_p_value < 0.05
    assert "up to 1,000 values" in radius.reason
    assert result.drifted is False  # 3 of 30 columns: under half


def test_large_samples_use_normed_wasserstein_and_ignore_a_tiny_real_shift() -> None:
    """20,000 incomes a side: a shift of 2% of a standard deviation is too small to
    matter; 30% is flagged."""
    rng = np.random.default_rng(1)
    reference = pl.DataFrame({"income": rng.lognormal(10, 0.5, size=20_000)})
    current = pl.DataFrame({"income": rng.lognormal(10, 0.5, size=20_000)})
    sd = reference["income"].std()
    tiny = current.with_columns(pl.col("income") + sd * 0.02)
    found = entry(compared(reference, tiny), "income")
    assert found.test == "wasserstein" and not found.drifted
    assert "over 1,000 values" in found.reason
    big = current.with_columns(pl.col("income") + sd * 0.3)
    flagged = entry(compared(reference, big), "income")
    assert flagged.drifted and flagged.statistic == pytest.approx(0.3, abs=0.05)
    w = stats.wasserstein_distance(reference["income"], big["income"])
    assert flagged.statistic == pytest.approx(w / np.std(reference["income"].to_numpy()), rel=1e-9)
    assert "Wasserstein (normed) 0.3" in flagged.message and "KS p = " in flagged.message


def test_a_change_in_the_share_of_nulls_is_drift_even_when_the_values_are_alike() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=4_000)
    reference = pl.DataFrame({"x": values[:2_000]})
    current = pl.DataFrame({"x": np.where(rng.random(2_000) < 0.2, np.nan, values[2_000:])})
    result = compared(reference, current)
    missing = entry(result, "x", "missing")
    assert missing.drifted and missing.statistic == pytest.approx(0.2, abs=0.03)
    assert not entry(result, "x", "wasserstein").drifted  # the values present did not move


def test_a_column_whose_values_changed_kind_has_drifted() -> None:
    """Numbers that arrive as text (one "3.5cm" in a feature) were "not tested", read as no
    drift, under a headline that said the data was steady."""
    rng = np.random.default_rng(0)
    reference = pl.DataFrame({"income": rng.normal(size=500), "age": rng.normal(size=500)})
    current = pl.DataFrame(
        {"income": [f"{v:.2f}" for v in rng.normal(size=500)], "age": rng.normal(size=500)}
    )
    current = current.with_columns(pl.col("income").str.replace("^(.*)$", "${1}cm"))
    result = compared(reference, current)
    changed = entry(result, "income")
    assert (changed.test, changed.drifted, changed.p_value) == ("type", True, None)
    assert changed.message == "type changed: numeric in reference, categorical in current"
    assert result.tested_columns == ("age", "income") and result.drifted_columns == ("income",)
    assert result.drifted  # one of two columns: the default share of 0.5


def test_dates_against_epoch_seconds_are_a_change_of_kind_from_data_and_profiles(
    tmp_path: Path,
) -> None:
    """A Parquet reference's dates against a JSON Lines export's epoch seconds read as
    "KS 1" (microseconds since 1970 against seconds), a shift, not what changed; a
    profile keeps what its numbers measure, and one that did not say is read as numbers."""
    from datetime import datetime, timedelta

    start = datetime(2024, 1, 1)
    days = [start + timedelta(hours=7 * i) for i in range(300)]
    reference = pl.DataFrame({"seen": days}).write_parquet(tmp_path / "ref.parquet")
    reference = pl.read_parquet(tmp_path / "ref.parquet")
    pl.DataFrame({"seen": [int(d.timestamp()) for d in days]}).write_ndjson(tmp_path / "c.jsonl")
    current = pl.read_ndjson(tmp_path / "c.jsonl")
    changed = entry(compared(reference, current), "seen")
    assert (changed.test, changed.drifted) == ("type", True)
    assert changed.message == "type changed: datetime in reference, numeric in current"

    text = profile.to_json(profile.condensed(profile.of_frame(reference)))
    written = profile.read("ref.json", text.encode())
    seen = written.columns["seen"]
    assert isinstance(seen, profile.NumericProfile) and seen.unit == "datetime"
    assert entry(profiled(written, current), "seen").test == "type"
    older = replace(written, columns={"seen": replace(seen, unit=None)})
    assert '"unit"' not in profile.to_json(older)  # as a profile written before it said
    assert entry(profiled(older, current), "seen").test == "ks"
    with pytest.raises(UserError, match="'seen' holds datetimes in one profile and numbers in"):
        profile.merge(written, profile.of_frame(current))


def test_constant_columns_are_not_drift_and_never_nan() -> None:
    reference = pl.DataFrame({"c": [1.0] * 200, "s": ["a"] * 200})
    result = compared(reference, reference.clone())
    for e in result.columns:
        assert e.statistic == 0.0 and not e.drifted and e.p_value is not None
        assert np.isfinite(e.p_value)
    moved = compared(reference, pl.DataFrame({"c": [2.0] * 200, "s": ["a"] * 200}))
    assert entry(moved, "c").drifted


def test_eight_rows_are_not_tested() -> None:
    rng = np.random.default_rng(1)
    reference = pl.DataFrame({"x": rng.normal(size=8)})
    result = compared(reference, pl.DataFrame({"x": rng.normal(5, size=8)}))
    only = entry(result, "x")
    assert only.test == "none" and only.statistic is None and not only.drifted
    assert "too few values to test (8 and 8; 30 a side)" in only.reason
    assert result.tested_columns == () and result.drifted is False
    # nothing measured is no evidence: the check is skipped and says why ("0 of 0
    # columns drifted", passed, where x had moved five standard deviations)
    checked = drift.check(result)
    assert (checked.status, checked.message) == (
        "skipped",
        "no column could be tested (x: too few values to test (8 and 8; 30 a side))",
    )
    # every column not tested is named, those with one reason together (it named x alone)
    rows = {name: rng.normal(size=8) for name in "xyzw"}
    many = drift.check(compared(pl.DataFrame(rows), pl.DataFrame(rows)))
    assert many.message == (
        "no column could be tested (x, y, z and 1 more: too few values to test (8 and 8; "
        "30 a side))"
    )


def test_unseen_categories_are_tested_and_do_not_crash() -> None:
    rng = np.random.default_rng(2)
    reference = pl.DataFrame({"plan": rng.choice(["basic", "pro"], size=3_000)})
    current = pl.DataFrame({"plan": rng.choice(["basic", "pro", "enterprise"], size=3_000)})
    result = compared(reference, current)
    unseen = entry(result, "plan", "unseen")
    assert unseen.drifted and unseen.statistic == pytest.approx(1 / 3, abs=0.03)
    assert entry(result, "plan", "jensenshannon").drifted
    same = compared(reference, pl.DataFrame({"plan": rng.choice(["basic", "pro"], size=3_000)}))
    assert same.drifted_columns == ()


def test_a_two_valued_columns_cramers_v_is_scipys_and_its_p_value_yates() -> None:
    """Someone recomputing Cramér's V of a yes/no column with SciPy got another figure: it
    was taken of the Yates-corrected chi-square, which only the p-value uses."""
    reference = pl.DataFrame({"churned": ["yes"] * 60 + ["no"] * 40})
    current = pl.DataFrame({"churned": ["yes"] * 45 + ["no"] * 55})
    found = entry(compared(reference, current), "churned", "chi2")
    table = np.array([[40, 60], [55, 45]])
    assert found.statistic == pytest.approx(
        stats.contingency.association(table, method="cramer"), rel=1e-12
    )
    assert found.p_value == pytest.approx(stats.chi2_contingency(table).pvalue, rel=1e-12)


def test_an_identifier_is_not_drift_however_new_its_values() -> None:
    reference = pl.DataFrame({"id": [f"u{i}" for i in range(5_000)]})
    current = pl.DataFrame({"id": [f"u{i}" for i in range(5_000, 10_000)]})
    result = compared(reference, current)
    assert result.drifted_columns == ()
    assert entry(result, "id", "unseen").statistic == 0.0  # as new as the reference's own
    assert "appear once" in entry(result, "id", "none").reason


def test_many_categories_fold_into_the_top_49_of_both_files_and_other() -> None:
    reference = {f"c{i}": 100 - i for i in range(80)}
    current = {**{f"c{i}": 10 for i in range(80)}, "new": 70}
    ref, cur = drift.folded(reference, current)
    assert ref.size == cur.size == 50
    # by the two files' counts together: "new" (0 + 70) ties with c40 (60 + 10), after it
    assert ref[:41].tolist() == [100 - i for i in range(41)] and cur[:41].tolist() == [10] * 41
    assert (ref[41], cur[41]) == (0, 70)
    assert ref[42:49].tolist() == [100 - i for i in range(41, 48)]
    assert ref[49] == sum(100 - i for i in range(48, 80)) and cur[49] == 32 * 10


@pytest.mark.parametrize("categories", [100, 300])
def test_many_categories_of_one_distribution_do_not_drift(categories: int) -> None:
    """Folding into the reference's own 49 most frequent was biased: chance had inflated
    their counts in the reference alone, so "other" held fewer of its rows than of the
    current file's, and unchanged data drifted (p < 0.05 in 4 of 6 seeds, Jensen-Shannon
    over its threshold in 2). Chosen by both files' counts together, the choice is the
    same under any split of the rows, and the test keeps its level."""
    low_p = drifted = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        values = np.array([f"v{i:03d}" for i in range(categories)])
        reference = pl.DataFrame({"cat": rng.choice(values, 3000)})
        current = pl.DataFrame({"cat": rng.choice(values, 2000)})
        result = compared(reference, current)
        shift = entry(result, "cat", "jensenshannon")
        low_p += shift.p_value < 0.05
        drifted += bool(result.drifted_columns)
    assert drifted == 0
    assert low_p <= 3  # of 20 at the 5% level: 4 or more happens 1.6% of the time


def _counted(counts: np.ndarray) -> profile.Profile:
    """The exact profile of a column with these counts of values v0, v1, ..."""
    kept = {f"v{i}": int(n) for i, n in enumerate(counts) if n}
    once = sum(n == 1 for n in kept.values())
    made = profile.CategoricalProfile(
        missing=0, counts=kept, other=0, distinct=len(kept), once=once
    )
    return profile.Profile(rows=int(counts.sum()), columns={"sku": made})


def test_a_reweighting_spread_over_many_values_drifts_where_the_rows_can_show_it() -> None:
    """Folded to a fixed 49 categories and "other", 5,000 values with half of them made
    3x as frequent gave Jensen-Shannon 0.017 where the data's is 0.18: the change sat
    inside "other". More categories are kept the more rows there are, while chance alone
    stays near a distance of 0.03."""
    weights = np.ones(5000)
    weights[:2500] = 3
    rng = np.random.default_rng(11)
    n = 1_000_000
    reference = _counted(rng.multinomial(n, np.full(5000, 1 / 5000)))
    current = _counted(rng.multinomial(n, weights / weights.sum()))
    same = _counted(rng.multinomial(n, np.full(5000, 1 / 5000)))
    moved = drift.compare(reference, current, DEFAULTS, reference_name="r", current_name="c")
    (shift,) = [e for e in moved.columns if e.test == "jensenshannon"]
    truth = distance.jensenshannon(np.full(5000, 1 / 5000), weights / weights.sum())
    assert shift.drifted and abs(shift.statistic - truth) < 0.01  # type: ignore[operator]
    assert "3,601 categories" in shift.reason
    # the same table scipy sees: the 3,600 most frequent by both sides' counts, and the rest
    ref, cur = drift.folded(reference.columns["sku"].counts, current.columns["sku"].counts)  # type: ignore[union-attr]
    assert ref.size == 3601 and shift.statistic == pytest.approx(
        distance.jensenshannon(ref / ref.sum(), cur / cur.sum()), abs=1e-9
    )
    kept = drift.compare(reference, same, DEFAULTS, reference_name="r", current_name="c")
    (unchanged,) = [e for e in kept.columns if e.test == "jensenshannon"]
    assert not unchanged.drifted and unchanged.statistic < 0.035  # type: ignore[operator]


@pytest.mark.parametrize(
    ("rows", "most"), [(1_000, 50), (10_000, 50), (100_000, 360), (10**6, 3601)]
)
def test_the_categories_kept_grow_with_the_rows(rows: int, most: int) -> None:
    assert drift.most_categories(rows, rows) == most
    # chance's Jensen-Shannon divergence over them, (k - 1)/8 x (1/n + 1/n), near 0.03 squared
    if most > drift.MAX_CATEGORIES:
        assert ((most - 1) / 8 * 2 / rows) ** 0.5 == pytest.approx(drift.NOISE, rel=0.01)


def _cut(frame: pl.DataFrame) -> profile.Profile:
    """The profile `mlgate profile` writes: the 1,000 most frequent values, the rest in
    "other"."""
    return profile.condensed(profile.of_frame(frame, exact=True))


@pytest.mark.parametrize("categories", [3000, 100_000])
def test_a_profile_that_left_values_out_does_not_make_unchanged_data_drift(
    categories: int,
) -> None:
    """Its "other" was a category the data lacked, and the kept values were those chance
    made frequent in the reference: 3,000 values, unchanged, drifted with Jensen-Shannon
    0.38 and p = 0 where the data's is 0.05. Categories are now chosen from those no value
    left out could match, by both sides' counts, as for data in hand."""
    drifted = low_p = 0
    values = np.array([f"s{i}" for i in range(categories)])  # built once, for every seed
    values.flags.writeable = False
    for seed in range(20):
        rng = np.random.default_rng(seed)
        reference = pl.DataFrame({"sku": rng.choice(values, 4000)})
        current = pl.DataFrame({"sku": rng.choice(values, 2000)})
        made = _cut(reference)
        cut = made.columns["sku"]
        assert isinstance(cut, profile.CategoricalProfile) and cut.other > 0
        for side in (current, _cut(current)):  # data in hand; the monitor's two profiles
            result = drift.compare(made, side, DEFAULTS, reference_name="r", current_name="c")
            drifted += bool(result.drifted_columns)
            tested = [e for e in result.columns if e.test in ("jensenshannon", "chi2")]
            low_p += bool(tested) and tested[0].p_value < 0.05
    assert drifted == 0
    assert low_p <= 4  # of 40 at the 5% level


def test_a_profile_that_left_values_out_still_shows_a_real_shift() -> None:
    rng = np.random.default_rng(0)
    values = np.array([f"s{i}" for i in range(3000)])
    weights = 1 / np.arange(1, 3001)  # a long tail: its head is frequent enough to test
    reference = pl.DataFrame({"sku": rng.choice(values, 20_000, p=weights / weights.sum())})
    shifted = np.roll(weights, 5)  # the five most frequent moved down the tail
    current = pl.DataFrame({"sku": rng.choice(values, 20_000, p=shifted / shifted.sum())})
    unchanged = pl.DataFrame({"sku": rng.choice(values, 20_000, p=weights / weights.sum())})
    made = _cut(reference)
    whole = drift.compare(reference, current, DEFAULTS, reference_name="r", current_name="c")
    for side in (current, _cut(current)):
        result = drift.compare(made, side, DEFAULTS, reference_name="r", current_name="c")
        assert result.drifted_columns == whole.drifted_columns == ("sku",)
    same = drift.compare(made, unchanged, DEFAULTS, reference_name="r", current_name="c")
    assert same.drifted_columns == ()


@pytest.mark.parametrize("new_share", [1.0, 0.5, 0.05])
def test_values_replaced_in_a_column_a_profile_cut_short_drift(new_share: float) -> None:
    """Against a profile that left values out, new categories went untested: a column
    whose values were all replaced by three new ones passed, as the values test has no
    category known on both sides. Each new value is now held to the most the profile
    could have of it (its least frequent kept count)."""
    rng = np.random.default_rng(3)
    values = np.array([f"s{i}" for i in range(3000)])
    made = _cut(pl.DataFrame({"sku": rng.choice(values, 4000)}))
    new = round(2000 * new_share)
    rows = np.concatenate([rng.choice(values, 2000 - new), rng.choice(["n1", "n2", "n3"], new)])
    current = pl.DataFrame({"sku": rows})
    bound = min(made.columns["sku"].counts.values())  # type: ignore[union-attr]
    for side in (current, _cut(current)):  # data in hand; the monitor's two profiles
        result = drift.compare(made, side, DEFAULTS, reference_name="r", current_name="c")
        (grown,) = [e for e in result.columns if e.test == "unseen"]
        assert result.drifted_columns == ("sku",) and grown.drifted
        assert grown.statistic == pytest.approx(new / 2000 - 3 * bound / 4000)
        assert grown.reason.startswith(f"{new:,} of 2,000 rows ({new_share:.1%}) in 3 values ")
        # Bonferroni over every current value the profile did not keep, then over two tests
        lacking = drift._lacking(drift._column(side, "sku"), made.columns["sku"])  # type: ignore[arg-type]
        counts = np.array([(rows == v).sum() for v in ("n1", "n2", "n3")])
        p = stats.binom.sf(counts - 1, counts + bound, 2000 / 6000).min()
        assert grown.p_value == pytest.approx(min(1.0, 2 * lacking.size * p), rel=1e-9, abs=0)


def test_values_renamed_thinly_against_a_profile_drift_by_the_kept_values_least_share() -> None:
    """2,000 values, every one renamed: no new value is more frequent than one the profile
    left out could be, so the values passed one at a time. The 1,000 the profile kept hold
    at least a share of the reference's rows (each count's Poisson lower bound, all at
    once), and the current has none of them."""
    from scipy import stats

    rng = np.random.default_rng(6)
    values = np.array([f"s{i}" for i in range(2000)])
    made = _cut(pl.DataFrame({"sku": rng.choice(values, 100_000)}))
    renamed = pl.DataFrame({"sku": rng.choice(np.char.add("new-", values), 100_000)})
    result = drift.compare(made, renamed, DEFAULTS, reference_name="r", current_name="c")
    (grown,) = [e for e in result.columns if e.test == "unseen"]
    kept = made.columns["sku"]
    assert isinstance(kept, profile.CategoricalProfile)
    counts = np.array(list(kept.counts.values()), dtype=float)
    level = drift.COVERAGE / kept.distinct
    least = float(np.sum(stats.chi2.ppf(level, 2 * counts) / 2)) / kept.count
    assert 0.2 < least < sum(counts) / kept.count  # below the kept share chance inflated
    assert grown.drifted and grown.statistic == pytest.approx(least)
    assert grown.p_value == pytest.approx(2 * drift.COVERAGE, rel=1e-9, abs=0)  # cdf(0) ~ 0
    assert grown.reason == (
        "0 of 100,000 rows (0.0%) at most on the 1,000 most frequent values the reference "
        f"profile kept, which hold at least {round(least * 100, 2):g}% of its rows"
    )


def test_a_current_profile_that_left_values_out_is_no_new_category() -> None:
    """Its "other" rows were all counted as new, though the reference has their values:
    unchanged data drifted every time (a test file over 1 GiB is read as such a profile)."""
    rng = np.random.default_rng(4)
    values = np.array([f"s{i}" for i in range(3000)])
    reference = pl.DataFrame({"sku": rng.choice(values, 100_000)})
    current = _cut(pl.DataFrame({"sku": rng.choice(values, 100_000)}))
    cut = current.columns["sku"]
    assert isinstance(cut, profile.CategoricalProfile) and cut.other > 50_000
    result = drift.compare(reference, current, DEFAULTS, reference_name="r", current_name="c")
    (unseen,) = [e for e in result.columns if e.test == "unseen"]
    assert result.drifted_columns == () and unseen.statistic == 0
    assert unseen.reason.startswith(
        "0 of 100,000 rows (0.0%) in categories the reference lacks (of those the current "
        "profile kept)"
    )


def test_the_new_category_test_keeps_its_level_against_a_small_reference() -> None:
    """Good-Turing's estimate (values seen once over rows) was tested as a proportion of the
    reference's rows, but varies about twice as much: a 100-row reference against 20,000
    rows of the same 1,000 values drifted in 55 of 600 columns."""
    rng = np.random.default_rng(99)
    values = np.array([f"v{i}" for i in range(1000)])
    alarms = 0
    for _ in range(200):
        reference = pl.DataFrame({"c": rng.choice(values, 100)})
        current = pl.DataFrame({"c": rng.choice(values, 20_000)})
        alarms += bool(compared(reference, current).drifted_columns)
    assert alarms <= 10  # 5% of 200 (7 with this seed; 16 with the variance of a proportion)


def test_a_profile_whose_kept_values_a_left_out_one_could_match_leaves_them_untested() -> None:
    """Kept at 30 rows each, with 100 rows left out: a value the data has 40 rows of may
    have up to 70 in both, more than any kept value's 60. No category is chosen by both
    sides' counts alone, so the values are not compared, and the row says why."""
    kept = profile.CategoricalProfile(
        missing=0, counts={"a": 30, "b": 30}, other=100, distinct=12, once=0
    )
    made = profile.Profile(rows=160, columns={"sku": kept})
    current = pl.DataFrame({"sku": ["a"] * 30 + ["b"] * 30 + ["c"] * 40 + ["d"] * 60})
    result = drift.compare(made, current, DEFAULTS, reference_name="r", current_name="c")
    (untested,) = [e for e in result.columns if "chance" in e.reason]
    assert untested.test == "none" and untested.reason.endswith(
        "values untested: the profile keeps its 2 most frequent values, and none is more "
        "frequent than a value it left out could be: chance would choose them"
    )
    # but 60 rows of "d" in 160, where the profile could hold at most 30 of it, is drift
    (grown,) = [e for e in result.columns if e.test == "unseen"]
    assert grown.drifted and grown.reason == (
        "60 of 160 rows (37.5%) in 1 value the reference profile did not keep (it keeps its "
        "2 most frequent values) and could hold at most 30 rows of each"
    )
    assert grown.statistic == pytest.approx(60 / 160 - 30 / 160)


def test_holm_adjusts_over_every_test_of_the_comparison() -> None:
    rng = np.random.default_rng(5)
    reference = pl.DataFrame({f"x{i}": rng.normal(size=300) for i in range(5)})
    current = pl.DataFrame({f"x{i}": rng.normal(0.25 * i, size=300) for i in range(5)})
    result = compared(reference, current)
    raw = [e.p_value for e in result.columns]
    assert [e.adjusted_p_value for e in result.columns] == corrections.adjust(raw, "holm")
    bh = compared(reference, current, Drift(correction="bh"))
    assert [e.adjusted_p_value for e in bh.columns] == corrections.adjust(raw, "bh")


def test_per_column_method_and_threshold() -> None:
    rng = np.random.default_rng(6)
    reference = pl.DataFrame({"x": rng.normal(size=5_000), "y": rng.normal(size=5_000)})
    current = pl.DataFrame({"x": rng.normal(0.15, size=5_000), "y": rng.normal(0.05, size=5_000)})
    spec = Drift(per_column={"x": DriftColumn(method="psi", threshold=0.01)})
    result = compared(reference, current, spec)
    x, y = entry(result, "x"), entry(result, "y")
    assert x.test == "psi" and x.threshold == 0.01 and x.drifted
    assert x.reason.endswith("PSI (set in the manifest)")
    assert y.test == "wasserstein" and y.threshold == 0.1 and not y.drifted
    assert y.statistic == pytest.approx(0.05, abs=0.03)


def test_psi_flags_a_column_constant_in_the_reference_from_data_or_a_profile() -> None:
    """Its deciles were one edge, every value at or above it one bin: PSI 0 where KS gave
    p = 1e-50. Against a profile (a summary once over 2,048 values) the bins are the same."""
    reference = pl.DataFrame({"const": [5.0] * 3_000})
    current = pl.DataFrame({"const": [5.0] * 2_400 + [6.0] * 600})
    spec = Drift(per_column={"const": DriftColumn(method="psi")})
    made = profile.condensed(profile.of_frame(reference, exact=True))
    for side in (reference, made):
        found = entry(
            drift.compare(side, current, spec, reference_name="r", current_name="c"), "const"
        )
        assert found.test == "psi" and found.drifted
        assert found.statistic == pytest.approx(1.564, abs=0.005)


def test_a_test_that_cannot_apply_to_the_column_is_a_located_error() -> None:
    reference = pl.DataFrame({"city": ["a", "b"] * 50})
    spec = Drift(per_column={"city": DriftColumn(method="ks")})
    with pytest.raises(UserError, match=r"per_column\.city\.method: ks cannot test 'city'"):
        compared(reference, reference, spec)


def test_the_check_fails_when_the_share_of_drifted_columns_is_reached() -> None:
    rng = np.random.default_rng(7)
    reference = pl.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    current = pl.DataFrame({"a": rng.normal(1, size=500), "b": rng.normal(size=500)})
    result = compared(reference, current, Drift(share=0.5))
    check = drift.check(result)
    assert check.status == "failed" and check.id == "data.test.drift"
    assert check.message.startswith("1 of 2 columns drifted (a: KS ")
    assert check.rule == "drifted columns < 50% (against train)"
    assert drift.check(compared(reference, current, Drift(share=0.6))).status == "passed"


def test_the_check_counts_the_columns_left_unnamed_not_the_tests() -> None:
    """A column can drift by two tests (its values and its new categories): "and 5 more"
    counted tests where 5 of 10 columns drifted."""
    rng = np.random.default_rng(8)
    reference = pl.DataFrame({f"c{i}": rng.choice(["a", "b"], 400) for i in range(5)})
    current = pl.DataFrame({f"c{i}": rng.choice(["a", "new"], 400) for i in range(5)})
    result = compared(reference, current)
    assert result.drifted_columns == ("c0", "c1", "c2", "c3", "c4")
    assert sum(e.drifted for e in result.columns) == 10  # each by two tests
    message = drift.check(result).message
    assert message.endswith("; and 2 more columns)")
    assert [part.split(":")[0] for part in message[message.index("(") + 1 :].split("; ")][:-1] == [
        "c0",
        "c0",
        "c1",
        "c1",
        "c2",
        "c2",
    ]


def test_the_id_column_is_left_out_and_a_named_reference_compares_both_files() -> None:
    rng = np.random.default_rng(8)
    make = lambda: pl.DataFrame({"row": np.arange(100), "x": rng.normal(size=100)})  # noqa: E731
    spec = Data(train="t", test="s", target="x", id="row", drift=Drift())
    both = drift.against_reference(spec, {"train": make(), "test": make()}, make())
    assert [(r.reference, r.current) for r in both] == [
        ("reference", "train"),
        ("reference", "test"),
    ]
    assert all(r.tested_columns == ("x",) for r in both)
    alone = drift.against_reference(spec, {"train": make(), "test": make()}, None)
    assert [(r.reference, r.current) for r in alone] == [("train", "test")]


def test_a_column_given_its_own_test_that_the_data_lacks_is_a_named_error() -> None:
    """Else the override would test nothing, silently: the data has `mean_radius`."""
    reference = pl.DataFrame({"mean_radius": [1.0] * 40})
    spec = Drift(per_column={"mean radius": DriftColumn(method="ks")})
    with pytest.raises(
        UserError, match="column 'mean radius' is not in train; closest: 'mean_radius'"
    ):
        compared(reference, reference, spec)


def test_the_same_dates_in_other_units_do_not_drift() -> None:
    """pandas writes a datetime column to Parquet in nanoseconds, polars in microseconds:
    the same dates were compared as numbers 1,000 times apart and drifted. A Date is its
    midnight, and a time zone is the same instant."""
    import datetime as dt

    rng = np.random.default_rng(5)
    start = dt.datetime(2024, 1, 1)
    days = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, 2000)]
    stamped = pl.Series("at", days).cast(pl.Datetime("ns"))
    other = stamped.sample(fraction=1.0, shuffle=True, seed=1)
    for current in (
        other.cast(pl.Datetime("us")),
        other.cast(pl.Date),
        other.dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Tokyo"),
    ):
        result = compared(pl.DataFrame({"at": stamped}), pl.DataFrame({"at": current}))
        found = entry(result, "at")
        assert found.statistic == pytest.approx(0.0, abs=1e-12), (current.dtype, found)
        assert not found.drifted


def test_free_texts_values_go_untested_and_the_headline_says_the_column_was_tested_in_part() -> (
    None
):
    """English reviews of 3 to 8 words against German ones of 30 to 60: nearly every review
    appears once, so no test of the values can run (here the share of new ones drifted);
    "0 of 3 columns drifted" said nothing of it, and a method asked for by name was
    dropped without a word."""
    from mlgate.report import drift_tables

    rng = np.random.default_rng(0)
    english = np.array(
        ["the", "product", "was", "great", "and", "arrived", "fine", "box", "love", "awful"]
    )
    german = np.array(
        ["das", "Produkt", "war", "schrecklich", "und", "kam", "nie", "an", "bitte", "sofort"]
    )

    def reviews(words: np.ndarray, rows: int, low: int, high: int) -> list[str]:
        return [" ".join(rng.choice(words, rng.integers(low, high))) for _ in range(rows)]

    def frame(words: np.ndarray, rows: int, low: int, high: int) -> pl.DataFrame:
        channel = rng.choice(["web", "app"], rows)
        return pl.DataFrame({"review": reviews(words, rows, low, high), "channel": channel})

    spec = Drift(per_column={"review": DriftColumn(method="jensenshannon")})
    result = drift.compare(
        frame(english, 1000, 3, 9),
        frame(german, 500, 30, 61),
        spec,
        reference_name="train",
        current_name="test",
    )
    untested = [e for e in result.columns if e.column == "review" and e.statistic is None]
    assert [e.reason for e in untested] == [
        "values untested: 972 of 1,000 rows (97.2%) appear once (an id, or free text?); "
        "jensenshannon compares the shares of values that repeat"
    ]
    assert result.tested_in_part == ("review",)
    assert drift_tables.headline(result) == (
        "test against train: 1 of 2 columns drifted; 1 column tested in part (review)"
    )
    assert drift.check(result).message.endswith("; 1 column tested in part (review)")


def test_dates_against_a_profile_that_did_not_say_their_unit_are_not_called_drifted() -> None:
    """mlgate 0.24 and before profiled a Date as days since 1970 (a datetime in the file's
    own unit), 0.25 and 0.26 in microseconds, and none said which: after an upgrade the
    same dates were "DRIFTED, KS 1". Their values cannot tell (a spread is the window's as
    much as the unit's), so such a column is not tested, and said so."""
    from datetime import date, timedelta

    days = [date(2024, 1, 1) + timedelta(days=i % 365) for i in range(400)]
    current = pl.DataFrame({"signup": days, "x": np.arange(400.0)})
    said = (
        "the reference profile does not say in what unit it kept this datetime column (it "
        "was written by mlgate 0.26 or before, which kept dates in days or microseconds and "
        "said neither): make it again with `mlgate profile`, or register the version again"
    )
    for kept in (current.with_columns(pl.col("signup").to_physical()), current):  # 0.24, 0.26
        made = profile.of_frame(kept)
        old = replace(
            made, columns={**made.columns, "signup": replace(made.columns["signup"], unit=None)}
        )
        found = entry(profiled(old, current), "signup")
        assert (found.test, found.drifted, found.statistic, found.reason) == (
            "none",
            False,
            None,
            said,
        )
        assert entry(profiled(old, current), "x").test == "ks"  # plain numbers are compared


def test_an_effect_size_is_never_printed_as_a_cap_or_as_its_threshold() -> None:
    """A PSI of 1.0018 read "PSI 1 >= 0.2", like a ceiling; one of 0.19996 would have read
    "0.2 < 0.2"."""
    from mlgate.data import drift

    assert drift._beside(1.0018, 0.2) == "1.00"
    assert drift._beside(0.19996, 0.2) == "0.19996"
    assert drift._beside(0.1234, 0.1) == "0.123"
    assert drift._beside(0.2, 0.2) == "0.200"  # on it: as it is


def test_an_adjusted_p_value_just_below_the_level_is_printed_below_it() -> None:
    """Holm over two tests took 0.0249825 to 0.049965, printed "adjusted 0.05 < 0.05"."""
    reference = pl.DataFrame({"cat": ["a"] * 100 + ["b"] * 100 + ["c"] * 100 + ["d"] * 100})
    current = pl.DataFrame({"cat": ["a"] * 78 + ["b"] * 81 + ["c"] * 110 + ["d"] * 131})
    result = compared(reference, current, Drift(columns=("cat",), threshold=0.01))
    tested = entry(result, "cat", "chi2")
    assert tested.adjusted_p_value is not None and 0.0499 < tested.adjusted_p_value < 0.05
    assert tested.drifted
    assert "adjusted 0.04997 < 0.05" in tested.message, tested.message


def test_a_p_value_just_below_the_users_own_alpha_is_printed_below_it() -> None:
    """`drift.alpha: 0.0208` and a KS p of 0.020772 read "KS p = 0.0208 < 0.0208"."""
    rng = np.random.default_rng(7)
    reference = pl.DataFrame({"x": rng.normal(0, 1, 300)})
    current = pl.DataFrame({"x": rng.normal(0.2, 1, 300)})
    result = compared(reference, current, Drift(columns=("x",), method="ks", alpha=0.0208))
    tested = entry(result, "x", "ks")
    assert tested.p_value is not None and 0.0207 < tested.p_value < 0.0208, tested.p_value
    assert "p = 0.02077 < 0.0208" in tested.message, tested.message


def test_infinite_numbers_are_said_to_be_missing_or_infinite() -> None:
    """A column of inf read "missing share 1.00", where the model said "Input X contains
    infinity": its values were there, infinite."""
    reference = pl.DataFrame({"x": [float(i % 9) for i in range(200)], "c": ["a", "b"] * 100})
    current = pl.DataFrame(
        {"x": [float("inf")] * 60, "c": ["a"] * 30 + [None] * 30}  # type: ignore[list-item]
    )
    result = compared(reference, current, Drift(threshold=0.01))
    numeric, text = entry(result, "x", "missing"), entry(result, "c", "missing")
    assert numeric.message.startswith("missing or infinite share 1.00 >= 0.01"), numeric.message
    assert numeric.reason == "missing or infinite 0.0% in reference, 100.0% in current"
    assert text.message.startswith("missing share 0.5"), text.message  # text has no inf
