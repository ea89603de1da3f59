"""Slices of the paired rows: each slice's metrics equal scikit-learn's on its rows, its
test is the whole's test on those rows, small slices are listed untested with the
reason, and the p-values adjusted across slices keep false alarms rare where nothing
changed while a planted drop in one slice is still found."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score

from mlgate.compare import slices
from mlgate.compare.paired import Paired
from mlgate.compare.significance import paired_test
from mlgate.data import slicing


def decisions(y: np.ndarray, candidate: np.ndarray, baseline: np.ndarray) -> Paired:
    """Two binary classifiers' predictions on the same rows, as the comparison pairs them."""
    return Paired(
        y_true=y, candidate_pred=candidate, baseline_pred=baseline, candidate_scores=None,
        baseline_scores=None, n_classes=2, positive_index=1, same_data=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def scored() -> dict[str, np.ndarray]:
    data = load_breast_cancer(as_frame=True).frame
    test = data.index % 2 == 0
    features = [c for c in data.columns if c != "target"]
    train, rows = data[~test], data[test]
    out = {"y": rows["target"].to_numpy(), "radius": rows["mean radius"].to_numpy()}
    for name, c in (("candidate", 1.0), ("baseline", 1e-3)):
        model = LogisticRegression(C=c, max_iter=5000).fit(train[features], train["target"])
        out[name] = model.predict(rows[features])
        out[f"{name}_scores"] = model.predict_proba(rows[features])
    return out


def test_each_slice_has_scikit_learns_figures_and_the_wholes_test_on_its_rows(
    scored: dict[str, np.ndarray],
) -> None:
    cut = slicing.by_bins("mean radius", scored["radius"], bins=3)
    paired = decisions(scored["y"], scored["candidate"], scored["baseline"])
    found = slices.compare("recall", cut, paired)
    assert [r.value for r in found] == list(cut.labels) and len(found) == 3
    assert sum(r.rows for r in found) == len(scored["y"])
    for code, result in enumerate(found):
        rows = cut.codes == code
        if result.test is None:
            assert "under the minimum" in result.reason or "undefined" in result.reason
            continue
        y = scored["y"][rows]
        assert result.candidate == pytest.approx(recall_score(y, scored["candidate"][rows]))
        assert result.baseline == pytest.approx(recall_score(y, scored["baseline"][rows]))
        alone = paired_test(
            "recall", y_true=y, candidate_pred=scored["candidate"][rows],
            baseline_pred=scored["baseline"][rows], n_classes=2,
        )  # fmt: skip
        assert result.test == alone
        assert result.adjusted_p is not None and result.adjusted_p >= result.test.p_value


def test_bins_cover_every_row_and_missing_values_are_a_slice() -> None:
    values = np.array([1.0, 2.0, 2.0, 3.0, np.nan, 10.0, 7.0, None], dtype=float)
    cut = slicing.by_bins("x", values, bins=2)
    assert cut.labels == ("[1, 3)", "[3, 10]", "(missing)")  # cut at values it holds
    assert cut.codes.tolist() == [0, 0, 0, 1, 2, 1, 1, 2]
    same = slicing.by_bins("x", np.full(5, 4.0))
    assert same.labels == ("[4, 4]",) and same.codes.tolist() == [0] * 5


def test_quantile_cuts_are_at_their_places_in_whole_numbers_and_infinities_are_numbers() -> None:
    """Cuts at ceil(q·n) were taken in floating point: 0.6000000000000001 · 1,800 rounded
    up to place 1,081, and five bins of 1,800 rows held 360/360/361/359/360. An infinity
    was sliced "(missing)"; it is a number past the last edge."""
    cut = slicing.by_bins("x", np.arange(1800, dtype=float), bins=5)
    assert np.bincount(cut.codes).tolist() == [360] * 5
    assert cut.labels[2:4] == ("[720, 1080)", "[1080, 1440)")
    edged = slicing.by_bins("x", np.array([1, 2, 3, np.inf, np.nan, 4, -np.inf]), bins=[0, 2, 5])
    assert dict(zip(edged.labels, np.bincount(edged.codes).tolist(), strict=True)) == {
        "< 0": 1,
        "[0, 2)": 1,
        "[2, 5]": 3,
        "> 5": 1,
        "(missing)": 1,
    }
    quantiles = slicing.by_bins("x", np.array([*range(10), np.inf]), bins=2)
    assert quantiles.labels == ("[0, 5)", "[5, 9]", "> 9")  # cut from the finite values


def test_a_cut_on_the_largest_value_keeps_its_rows_a_slice_of_their_own() -> None:
    """The column's maximum closed the last bin, and a cut equal to it was merged away:
    a 0/1 column (60 and 40 rows) was one slice of every row, and a slice gate on it
    tested the whole set again; the 30 rows capped at 100 joined 20 others."""
    binary = slicing.by_bins("x", np.array([0.0] * 60 + [1.0] * 40), bins=4)
    assert binary.labels == ("[0, 1)", "[1, 1]")
    assert np.bincount(binary.codes).tolist() == [60, 40]
    capped = slicing.by_bins("x", np.array([*range(70), *[100] * 30], dtype=float), bins=4)
    assert capped.labels == ("[0, 25)", "[25, 50)", "[50, 100)", "[100, 100]")
    assert np.bincount(capped.codes).tolist() == [25, 25, 20, 30]


def test_every_row_lies_in_the_range_its_slice_is_labelled() -> None:
    """A cut interpolated between two values (95.225) was labelled rounded (95.22): a row
    of 95.224 sat in a slice whose label ended before it. Cuts are values of the data,
    written as they read back."""
    rng = np.random.default_rng(3)
    values = np.round(rng.lognormal(4, 0.6, 251), 3)
    for bins in (4, 7):
        cut = slicing.by_bins("x", values, bins=bins)
        for value, code in zip(values, cut.codes, strict=True):
            low, high = cut.labels[code][1:-1].split(", ")
            closed = cut.labels[code].endswith("]")
            assert float(low) <= value and (value <= float(high) if closed else value < float(high))
        sizes = np.bincount(cut.codes)
        assert sizes.max() - sizes.min() <= 2  # quantile slices: as many rows as the cuts allow
        assert set(float(e) for label in cut.labels for e in label[1:-1].split(", ")) <= set(values)


def test_categories_and_their_combinations() -> None:
    plan = slicing.by_category("plan", np.array(["pro", "free", None, "pro"], dtype=object))
    assert plan.labels == ("(missing)", "free", "pro") and plan.codes.tolist() == [2, 1, 0, 2]
    region = slicing.by_category("region", np.array(["EU", "EU", "US", "US"], dtype=object))
    both = slicing.crossed(plan, region)
    assert both.column == "plan & region"
    assert [both.labels[c] for c in both.codes] == [
        "pro & EU", "free & EU", "(missing) & US", "pro & US"
    ]  # fmt: skip


def test_a_small_slice_is_listed_untested_not_dropped(scored: dict[str, np.ndarray]) -> None:
    codes = np.zeros(len(scored["y"]), dtype=np.int64)
    codes[:12] = 1
    cut = slicing.Slices(column="c", codes=codes, labels=("big", "small"))
    paired = decisions(scored["y"], scored["candidate"], scored["baseline"])
    big, small = slices.compare("accuracy", cut, paired)
    assert big.test is not None and big.rows == len(scored["y"]) - 12
    assert small.test is None and small.rows == 12
    assert small.reason == "12 rows, under the minimum of 30"
    assert small.adjusted_p is None and not small.flagged(0.05)


def simulated(rows: int, slices_n: int, seed: int, drop_in: int | None) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, slices_n, rows)
    y = rng.integers(0, 2, rows)
    right = rng.random((2, rows)) < 0.8  # both models right 80% of the time, independently
    if drop_in is not None:  # the candidate worse on one slice only
        right[0] &= ~((codes == drop_in) & (rng.random(rows) < 0.25))
    return {"codes": codes, "y": y, "candidate": np.where(right[0], y, 1 - y),
            "baseline": np.where(right[1], y, 1 - y)}  # fmt: skip


def test_adjusted_p_values_keep_false_alarms_rare_and_find_a_real_drop() -> None:
    labels = tuple(f"s{i}" for i in range(20))
    alarms_raw = alarms_adjusted = 0
    for seed in range(20):  # nothing changed: 20 datasets of 20 slices
        data = simulated(4_000, 20, seed, drop_in=None)
        found = slices.compare(
            "accuracy",
            slicing.Slices(column="s", codes=data["codes"], labels=labels),
            decisions(data["y"], data["candidate"], data["baseline"]),
        )
        alarms_raw += any(r.test is not None and r.test.p_value < 0.05 for r in found)
        alarms_adjusted += any(r.flagged(0.05) for r in found)
    assert alarms_adjusted <= 3 < alarms_raw  # unadjusted: most datasets raise one
    data = simulated(10_000, 20, 99, drop_in=7)
    found = slices.compare(
        "accuracy",
        slicing.Slices(column="s", codes=data["codes"], labels=labels),
        decisions(data["y"], data["candidate"], data["baseline"]),
    )
    assert [r.value for r in found if r.flagged(0.05)] == ["s7"]
    assert (
        accuracy_score(data["y"][data["codes"] == 7], data["candidate"][data["codes"] == 7]) < 0.7
    )


def test_discovery_finds_the_planted_slice_among_every_columns_adjusting_for_all_of_them() -> None:
    rng = np.random.default_rng(11)
    rows = 12_000
    columns = {
        "age": rng.normal(40, 12, rows),  # four quantile bins
        "plan": rng.choice(np.array(["free", "pro", "team"], dtype=object), rows),
        "region": rng.choice(np.array(["EU", "US", "APAC", "LATAM", "MEA"], dtype=object), rows),
    }
    y = rng.integers(0, 2, rows)
    right = rng.random((2, rows)) < 0.8
    planted = (columns["plan"] == "team") & (rng.random(rows) < 0.25)
    right[0] &= ~planted  # the candidate worse for plan = team only
    paired = decisions(y, np.where(right[0], y, 1 - y), np.where(right[1], y, 1 - y))
    found = slices.discover("accuracy", columns, paired, worst=3)
    assert len(found) == 3
    assert (found[0].column, found[0].value) == ("plan", "team") and found[0].flagged(0.05)
    assert [r.test.delta for r in found if r.test] == sorted(r.test.delta for r in found if r.test)
    # the other slices hold a third of team's rows each, so they lose a third as much
    assert all(r.test and r.test.delta > found[0].test.delta / 2 for r in found[1:])
    # adjusted across the 12 slices scanned, not the 3 of one column
    alone = slices.compare("accuracy", slicing.by_category("plan", columns["plan"]), paired)
    team = next(r for r in alone if r.value == "team")
    assert found[0].test == team.test and found[0].adjusted_p > team.adjusted_p
    assert not any(r.flagged(0.05) for r in alone if r.value != "team")


def test_an_identifier_named_as_a_slice_is_folded_into_the_largest_and_the_rest() -> None:
    values = np.array([f"id{i}" for i in range(5000)] + ["common"] * 500, dtype=object)
    cut = slicing.folded(slicing.by_category("id", values), most=10)
    assert len(cut.labels) == 10 and cut.labels[-1] == "(the other 4,992 values)"
    assert "common" in cut.labels
    sizes = np.bincount(cut.codes)
    assert sizes.sum() == len(values) and sizes[cut.labels.index("common")] == 500


def test_a_slice_lacking_one_of_three_classes_says_so_not_that_it_holds_one_class() -> None:
    """A 10-class ROC area on a slice holding 9 of the classes was "undefined on rows of
    one class" (one class against the rest's words), and the reader took the slice for
    one of a single class."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    y = wine.target
    model = LogisticRegression(max_iter=5000).fit(wine.data, y)
    scores = model.predict_proba(wine.data)
    paired = Paired(
        y_true=y, candidate_pred=model.predict(wine.data), baseline_pred=model.predict(wine.data),
        candidate_scores=scores, baseline_scores=scores[:, [0, 1, 2]], n_classes=3,
        classes=("barolo", "grignolino", "barbera"), positive_index=1, same_data=True,
    )  # fmt: skip
    group = np.where(y == 2, "a", np.where(np.arange(len(y)) % 2 == 0, "a", "b"))  # b: no barbera
    found = slices.compare("roc_auc", slicing.by_category("group", group), paired, min_support=1)
    reasons = {r.value: r.reason for r in found}
    assert reasons["b"] == "undefined: 1 class without a row here ('barbera')"
    assert reasons["a"] == ""
    assert next(r for r in found if r.value == "a").test is not None
