"""Fairness across a sensitive attribute: each figure equals fairlearn's on the same rows
(and on a resample's rows, as the counts bootstrap draws them); the paired test of the
candidate against the baseline has its p-value and interval agree, finds a planted bias,
and calls two identical models the same."""

from __future__ import annotations

import time

import numpy as np
import pytest
from fairlearn import metrics as fairlearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from mlgate.compare import fairness as paired_fairness
from mlgate.model import fairness

FAIRLEARN = {
    "demographic_parity_difference": fairlearn.demographic_parity_difference,
    "demographic_parity_ratio": fairlearn.demographic_parity_ratio,
    "equalized_odds_difference": fairlearn.equalized_odds_difference,
    "equal_opportunity_difference": fairlearn.equal_opportunity_difference,
}


@pytest.fixture(scope="module")
def scored() -> dict[str, np.ndarray]:
    """Two real models' decisions on breast cancer test rows; the groups are the tertiles
    of `mean texture`, an attribute the models see."""
    data = load_breast_cancer(as_frame=True).frame
    test = data.index % 3 == 0
    features = [c for c in data.columns if c != "target"]
    train, rows = data[~test], data[test]
    decided = {
        name: LogisticRegression(C=c, max_iter=5000)
        .fit(train[features], train["target"])
        .predict(rows[features])
        for name, c in (("candidate", 1.0), ("baseline", 1e-4))
    }
    texture = rows["mean texture"].to_numpy()
    groups = np.searchsorted(np.quantile(texture, [1 / 3, 2 / 3]), texture, side="right")
    return {"actual": rows["target"].to_numpy(), "groups": groups, **decided}


def test_the_metrics_are_the_ones_fairlearn_has() -> None:
    assert set(fairness.METRICS) == set(FAIRLEARN)


@pytest.mark.parametrize("metric", sorted(FAIRLEARN))
def test_each_figure_equals_fairlearns(metric: str, scored: dict[str, np.ndarray]) -> None:
    for model in ("candidate", "baseline"):
        counts = fairness.tables(scored["groups"], 3, scored["actual"] == 1, scored[model] == 1)
        theirs = FAIRLEARN[metric](
            scored["actual"], scored[model], sensitive_features=scored["groups"]
        )
        assert float(fairness.figure(metric, counts)) == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("metric", sorted(FAIRLEARN))
def test_a_resamples_counts_give_fairlearns_figure_on_the_rows_it_drew(
    metric: str, scored: dict[str, np.ndarray]
) -> None:
    rng = np.random.default_rng(3)
    rows = len(scored["actual"])
    for _ in range(5):
        drawn = rng.integers(0, rows, rows)
        how_often = np.bincount(drawn, minlength=rows).astype(float)
        cells = (scored["groups"] * 2 + (scored["actual"] == 1)) * 2 + (scored["candidate"] == 1)
        counts = np.bincount(cells, weights=how_often, minlength=12).reshape(3, 2, 2)
        theirs = FAIRLEARN[metric](
            scored["actual"][drawn],
            scored["candidate"][drawn],
            sensitive_features=scored["groups"][drawn],
        )
        assert float(fairness.figure(metric, counts)) == pytest.approx(theirs, abs=1e-12)


def test_identical_models_are_equally_fair(scored: dict[str, np.ndarray]) -> None:
    same = paired_fairness.paired(
        "equalized_odds_difference",
        scored["groups"],
        scored["actual"] == 1,
        scored["candidate"] == 1,
        scored["candidate"] == 1,
    )
    assert same.test.delta == 0 and same.test.p_value == 1.0
    assert same.test.ci_low == same.test.ci_high == 0.0 and not same.worse
    assert same.candidate_low <= same.candidate <= same.candidate_high


def biased(rows: int, bias: float, seed: int) -> dict[str, np.ndarray]:
    """A fair baseline, and a candidate that also selects a share `bias` of the rows of
    the group the baseline already selects more: its gaps only grow."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 2, rows)
    actual = rng.random(rows) < 0.4
    baseline = np.where(rng.random(rows) < 0.85, actual, ~actual)
    favoured = int(baseline[groups == 1].mean() > baseline[groups == 0].mean())
    candidate = baseline | ((groups == favoured) & (rng.random(rows) < bias))
    return {"groups": groups, "actual": actual, "baseline": baseline, "candidate": candidate}


def test_a_planted_bias_is_found_and_the_p_value_agrees_with_the_interval() -> None:
    found = 0
    for seed, bias in enumerate([0.0, 0.01, 0.02, 0.05, 0.1, 0.2] * 3):
        rows = biased(4_000, bias, seed)
        for metric in FAIRLEARN:
            result = paired_fairness.paired(
                metric, rows["groups"], rows["actual"], rows["candidate"], rows["baseline"],
                seed=seed,
            )  # fmt: skip
            test = result.test
            excludes_zero = test.ci_low > 0 or test.ci_high < 0
            assert excludes_zero == (test.p_value < 0.05), (metric, bias, test)
            assert test.ci_low <= test.delta <= test.ci_high
            assert result.candidate_low <= result.candidate <= result.candidate_high
            if bias >= 0.2 and metric.startswith("demographic"):
                assert result.worse, (metric, test)  # the ratio falls, the gap grows
                found += 1
    assert found == 6


@pytest.mark.parametrize("metric", sorted(FAIRLEARN))
def test_each_figure_and_change_lies_inside_its_own_interval(metric: str) -> None:
    """Fair models (decisions independent of the four groups, 400 rows): the largest gap
    between groups is biased upward, and read off the resamples alone the figure's
    interval left the figure out on 2 to 6 seeds in 100, the change's the change."""
    rng = np.random.default_rng(0)
    stretched = 0
    for seed in range(60):
        groups, actual = rng.integers(0, 4, 400), rng.random(400) < 0.4
        candidate, baseline = rng.random(400) < 0.5, rng.random(400) < 0.5
        alone = paired_fairness.alone(metric, groups, actual, candidate, seed=seed)
        both = paired_fairness.paired(metric, groups, actual, candidate, baseline, seed=seed)
        assert alone.low <= alone.value <= alone.high, (seed, alone)
        assert both.candidate_low <= both.candidate <= both.candidate_high, (seed, both)
        test = both.test
        assert -1 <= test.ci_low <= test.delta <= test.ci_high <= 1, (seed, test)
        stretched += alone.value in (alone.low, alone.high)
    assert stretched >= 1  # not vacuous: some figure needed it


def test_a_figure_with_a_group_it_cannot_rate_is_an_error_not_a_number() -> None:
    groups = np.array([0, 0, 1, 1])
    actual = np.array([True, False, False, False])  # group 1 has no actual positives
    with pytest.raises(ValueError) as no_positive:
        paired_fairness.paired("equal_opportunity_difference", groups, actual, actual, actual)
    assert str(no_positive.value) == (
        "equal_opportunity_difference is undefined on these rows: a group has no actual "
        "positive row, so no true positive rate"
    )
    none_selected = np.zeros(4, bool)  # every group has rows; none was selected: 0/0
    with pytest.raises(ValueError) as no_selection:
        paired_fairness.alone("demographic_parity_ratio", groups, actual, none_selected)
    assert str(no_selection.value) == (
        "demographic_parity_ratio is undefined on these rows: no row of any group was "
        "predicted positive (0/0)"
    )
    with pytest.raises(ValueError, match="two groups"):
        paired_fairness.paired("demographic_parity_difference", groups * 0, actual, actual, actual)


def test_too_few_resamples_for_the_confidence_leave_a_figure_without_its_interval(
    scored: dict[str, np.ndarray],
) -> None:
    """`confidence: 0.999` with `resamples: 100` made a fairness check with only a `max` an
    error ("cannot show a change"), though the figure it decides on was there."""
    from mlgate.manifest.spec import FairnessCheck
    from mlgate.model import checks

    args = (scored["groups"], scored["actual"].astype(bool), scored["candidate"].astype(bool))
    found = paired_fairness.alone(
        "demographic_parity_difference", *args, resamples=100, confidence=0.999
    )
    expected = FAIRLEARN["demographic_parity_difference"](
        scored["actual"], scored["candidate"], sensitive_features=scored["groups"]
    )
    assert found.value == pytest.approx(expected, abs=1e-12)
    assert np.isnan(found.low) and np.isnan(found.high)
    assert found.note == (
        "no 0.999 interval: 100 resamples cannot bound one, it takes at least 2000 "
        "(compare.resamples)"
    )
    check = FairnessCheck(
        fairness="demographic_parity_difference", sensitive="texture", max=1.0, key="k"
    )
    result = checks.fairness_check(check, found)
    assert result.status == "passed" and result.message.endswith(f"({found.note})")
    enough = paired_fairness.alone("demographic_parity_difference", *args, resamples=2000)
    assert enough.note == "" and enough.low <= enough.value <= enough.high


def test_a_million_rows_take_well_under_a_second() -> None:
    rows = biased(1_000_000, 0.01, 9)
    started = time.perf_counter()
    result = paired_fairness.paired(
        "equalized_odds_difference", rows["groups"], rows["actual"], rows["candidate"],
        rows["baseline"], resamples=1000,
    )  # fmt: skip
    assert time.perf_counter() - started < 1.0
    assert result.test.rows == 1_000_000 and result.worse


def test_resamples_drawn_in_parts_are_those_drawn_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parts of 62 resamples (20 groups, 160 cells each, 10,000 cells at a time) draw the
    same random stream as all 1,000 at once."""
    rng = np.random.default_rng(4)
    groups, actual = rng.integers(0, 20, 20_000), rng.random(20_000) < 0.5
    decided = [rng.random(20_000) < 0.5 for _ in range(2)]
    monkeypatch.setattr(paired_fairness, "CELLS_AT_ONCE", 10_000)
    in_parts = paired_fairness.paired("demographic_parity_difference", groups, actual, *decided)
    monkeypatch.setattr(paired_fairness, "CELLS_AT_ONCE", 1 << 40)
    at_once = paired_fairness.paired("demographic_parity_difference", groups, actual, *decided)
    assert in_parts == at_once and in_parts.groups == 20
