"""Every paired test's interval and p-value come from one method, so they never disagree.

"The interval excludes zero" must hold exactly when "p < 1 - confidence", for every
metric family, on any paired rows: ties, identical models, no discordant rows, a
constant difference, a handful of rows. And the interval holds the change itself, within
the changes the metric can make.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.compare import influence
from mlgate.compare.distributions import PairedTest, mcnemar, summarise
from mlgate.compare.significance import paired_test
from mlgate.manifest.metrics import METRICS

# one metric of each family, each family its own method
FAMILIES = {
    "accuracy": "classification",  # exact McNemar
    "f1": "classification",  # bootstrap of the outcome table's counts
    "f1_macro": "classification",
    "matthews_corrcoef": "classification",
    "roc_auc": "classification",  # DeLong
    "roc_auc_ovr_weighted": "classification",  # DeLong, and the classes' shares
    "roc_auc_ovo": "classification",  # DeLong within each pair of classes
    "roc_auc_ovo_weighted": "classification",
    "average_precision": "classification",
    "d2_log_loss": "classification",  # ratios of means: the delta method
    "d2_brier": "classification",
    "log_loss": "classification",  # means of per-row terms
    "brier_score": "classification",
    "calibration_error": "classification",  # bootstrap of binned gaps
    "top_2_accuracy": "classification",  # a mean of per-row hits
    "top_3_accuracy": "classification",
    "top_5_accuracy": "classification",
    "mae": "regression",
    "mse": "regression",
    "mape": "regression",
    "rmse": "regression",  # smooth functions of means
    "r2": "regression",
    "explained_variance": "regression",
    "d2_absolute_error": "regression",  # a ratio of means of absolute errors
    "median_ae": "regression",  # order statistics: row bootstrap
    "max_error": "regression",
    "msle": "regression",  # of logarithms: predictions above zero
    "rmsle": "regression",
    "poisson_deviance": "regression",
    "gamma_deviance": "regression",
    **{f"pinball_loss_{q}": "regression" for q in (5, 10, 25, 50, 75, 90, 95)},  # means
    **{f"tweedie_deviance_1_{d}": "regression" for d in range(1, 10)},  # predictions above zero
}
LOGS = {"msle", "rmsle", "poisson_deviance", "gamma_deviance", *influence.TWEEDIE}


def test_the_families_cover_every_metric() -> None:
    assert set(FAMILIES) | {
        n for n, m in METRICS.items() if m.task == "classification" and m.needs == "labels"
    } == set(METRICS)


def test_the_manifest_knows_which_metrics_resample() -> None:
    """validate refuses too few compare.resamples only for gates whose test resamples:
    `manifest.metrics.resampled` must name exactly those paired_test bootstraps and
    permutations."""
    from mlgate.compare import distributions
    from mlgate.compare.significance import BINNED
    from mlgate.manifest.metrics import resampled

    drawn = {distributions.PERMUTED_PAIRS, distributions.BOOTSTRAP_ROWS, BINNED}
    for metric in METRICS:
        data = paired_rows(metric, 300, 1, 0.3, False, False, 3)
        test = paired_test(metric, **data, resamples=100)
        assert (test.method in drawn) == resampled(metric), (metric, test.method)


def test_validate_refuses_too_few_resamples_only_where_a_test_resamples(tmp_path) -> None:
    from mlgate.errors import ManifestError
    from mlgate.manifest import parse

    def manifest(gates: str) -> bytes:
        return (
            "name: m\ndata: {train: a.csv, test: b.csv, target: y}\n"
            "train: {command: python t.py}\n"
            f"compare:\n  confidence: 0.999\n  resamples: 100\n  gates:\n{gates}"
        ).encode()

    closed = "    log_loss: {significance: no significant drop}\n"
    closed += "    accuracy: {significance: no significant drop}\n"
    parse(manifest(closed), name="mlops.yaml", root=tmp_path, files=False)  # no resampling
    with pytest.raises(ManifestError) as refused:
        parse(
            manifest(closed + "    f1_macro: {significance: no significant drop}\n"),
            name="mlops.yaml",
            root=tmp_path,
            files=False,
        )
    assert str(refused.value.problems[0]) == (
        "mlops.yaml:6:14: compare.resamples: 100 resamples cannot bound a 0.999 interval, "
        "and the gate on f1_macro tests by resampling: set compare.resamples to at least 2000"
    )


def excludes_zero(test: PairedTest) -> bool:
    return test.ci_low > 0 or test.ci_high < 0


def paired_rows(
    metric: str, rows: int, seed: int, shift: float, ties: bool, identical: bool, n_classes: int
) -> dict:
    """Two models on the same rows; `shift` makes the candidate better (or worse)."""
    rng = np.random.default_rng(seed)
    if FAMILIES.get(metric, "classification") == "regression":
        y = rng.gamma(2.0, 2.0, rows) + 0.5
        shared = rng.normal(size=rows)
        base = y + shared + rng.normal(size=rows)
        cand = base if identical else y + shared * (1 - shift) + rng.normal(size=rows) * 0.9
        if ties:
            cand, base = np.round(cand), np.round(base)
        if metric in LOGS:  # the same errors, made positive
            cand, base = np.abs(cand) + 0.1, np.abs(base) + 0.1
        return {"y_true": y, "candidate_pred": cand, "baseline_pred": base, "n_classes": 0}
    k = 2 if METRICS[metric].binary_only else max(n_classes, (METRICS[metric].top_k or 0) + 1)
    y = rng.integers(0, k, rows)
    shared = rng.normal(size=(rows, k))
    out = []
    for strength in (1.0 + shift, 1.0):
        logits = strength * 2.0 * np.eye(k)[y] + shared + 0.5 * rng.normal(size=(rows, k))
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        if ties:
            proba = np.round(proba, 1) + 1e-3
            proba /= proba.sum(axis=1, keepdims=True)
        out.append(proba)
    cand_p, base_p = (out[1], out[1]) if identical else out
    return {
        "y_true": y,
        "candidate_pred": cand_p.argmax(axis=1),
        "baseline_pred": base_p.argmax(axis=1),
        "candidate_scores": cand_p,
        "baseline_scores": base_p,
        "n_classes": k,
    }


def checked(
    metric: str, data: dict, *, confidence: float, resamples: int, seed: int
) -> PairedTest | None:
    try:
        test = paired_test(metric, **data, confidence=confidence, resamples=resamples, seed=seed)
    except ValueError:
        return None  # undefined on these rows (one class drawn, ...): nothing to disagree
    assert excludes_zero(test) == test.significant(), test
    assert 0 <= test.p_value <= 1, test
    # the change inside its own interval, the interval inside the changes that can happen
    # (DeLong's interval of an AUC reached +1.04, a calibration error's bootstrap left the
    # change out)
    lowest, highest = METRICS[metric].change_within()
    assert lowest <= test.ci_low <= test.delta <= test.ci_high <= highest, test
    return test


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    metric=st.sampled_from(sorted(FAMILIES)),
    rows=st.integers(2, 80),
    seed=st.integers(0, 2**32 - 1),
    shift=st.sampled_from([0.0, 0.05, 0.3, 1.0, -0.5]),
    ties=st.booleans(),
    identical=st.booleans(),
    n_classes=st.sampled_from([2, 3]),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    resamples=st.sampled_from([199, 200, 1000]),
)
def test_the_interval_excludes_zero_exactly_when_p_is_below_one_minus_confidence(
    metric, rows, seed, shift, ties, identical, n_classes, confidence, resamples
) -> None:
    data = paired_rows(metric, rows, seed, shift, ties, identical, n_classes)
    checked(metric, data, confidence=confidence, resamples=resamples, seed=seed % 1000)


@pytest.mark.parametrize("metric", sorted(FAMILIES))
def test_coherence_holds_over_many_samples_that_are_and_are_not_significant(metric) -> None:
    """A seeded sweep per family, so that both verdicts occur (the check is not vacuous)."""
    verdicts = []
    for seed in range(60):
        rows = (20, 60, 200, 1000)[seed % 4]
        shift = (0.0, 0.1, 0.4, 1.0, -0.4)[seed % 5]
        data = paired_rows(
            metric, rows, seed, shift, ties=seed % 3 == 0, identical=seed % 17 == 0, n_classes=3
        )
        test = checked(metric, data, confidence=0.95, resamples=200, seed=seed)
        if test is not None:
            verdicts.append(test.significant())
    assert len(verdicts) >= 50, metric
    assert any(verdicts) and not all(verdicts), metric


def test_the_issues_accuracy_gate_no_longer_disagrees() -> None:
    """54 rows, five the baseline got right and the candidate wrong, none the other way:
    exact McNemar p = 0.0625, and the Wald interval it was shown beside excluded zero."""
    baseline_right = np.ones(54, bool)
    candidate_right = baseline_right.copy()
    candidate_right[:5] = False
    test = mcnemar(candidate_right, baseline_right)
    assert test.p_value == pytest.approx(0.0625)
    assert test.delta == pytest.approx(-5 / 54)
    assert not test.significant()
    # the exact interval of five losses and no gains: every discordant row a loss, or
    # as good as a tie
    assert test.ci_low == pytest.approx(-5 / 54) and test.ci_high >= 0


@pytest.mark.parametrize("gains", range(0, 12))
def test_mcnemar_coheres_at_every_split_of_the_discordant_rows(gains) -> None:
    for confidence in (0.8, 0.9, 0.95, 0.99):
        for losses in range(0, 30):
            right = np.ones(100, bool)
            cand, base = right.copy(), right.copy()
            cand[:losses] = False
            base[losses : losses + gains] = False
            test = mcnemar(cand, base, confidence=confidence)
            assert excludes_zero(test) == test.significant(), (gains, losses, confidence)
            assert test.ci_low <= test.delta <= test.ci_high


@pytest.mark.parametrize("resamples", [40, 41, 99, 100, 200, 999, 1000, 1001])
def test_the_bootstrap_coheres_at_every_count_of_resamples_on_the_far_side(resamples) -> None:
    """Ties at zero, and every number of resampled changes on the far side of zero."""
    for confidence in (0.9, 0.95):
        for far in range(0, min(resamples, 80)):
            for at_zero in (0, 1, 5):
                deltas = np.r_[-np.ones(far), np.zeros(at_zero), np.ones(resamples)]
                test = summarise(0.5, deltas, rows=50, confidence=confidence)
                assert excludes_zero(test) == test.significant(), (far, at_zero, confidence)


def test_too_few_resamples_for_the_confidence_say_so() -> None:
    with pytest.raises(ValueError, match="at least 200 resamples"):
        summarise(0.5, np.ones(150), rows=50, confidence=0.99)


def test_no_difference_at_all_is_no_difference_in_every_family() -> None:
    for metric in FAMILIES:
        data = paired_rows(metric, 300, 1, 0.0, ties=True, identical=True, n_classes=3)
        test = paired_test(metric, **data, resamples=200)
        assert (test.delta, test.ci_low, test.ci_high, test.p_value) == (0, 0, 0, 1.0), metric


def test_a_comparison_with_no_gates_says_nothing_was_decided() -> None:
    """ "against main @ 3f9a1c2: 0 of 0 gates passed" read as a pass of something, where a
    starter manifest names no gate and nothing blocks a regression."""
    from mlgate.compare import comparison
    from mlgate.result.records import Baseline, CompareStage

    base = Baseline(kind="git", ref="main", name="main @ 3f9a1c2")
    settled = comparison._status(
        CompareStage(status="passed", baseline=base), required=False, exists=True
    )
    assert settled.status == "passed"
    assert settled.message == (
        "against main @ 3f9a1c2: compare.gates names none, so the metrics are compared and "
        "nothing is decided"
    )


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_an_interval_holds_its_change_and_only_changes_that_can_happen(confidence) -> None:
    """Small test sets of one model that ranks well and one that ranks backwards: DeLong's
    interval of the ROC area's change reached +1.045, the delta method's of the average
    precision -0.45 to +1.15, the t interval of the Brier score's -1.18; at 0.8 confidence
    the bootstrap of the calibration error's change left the change itself out (-0.204
    against -0.433 to -0.206). `checked` holds each test to both."""
    rng = np.random.default_rng(0)
    metrics = ("roc_auc", "average_precision", "brier_score", "calibration_error")
    tested = dict.fromkeys(metrics, 0)
    for _ in range(100):
        rows = int(rng.integers(4, 30))
        y = rng.integers(0, 2, rows)
        good = np.clip(y * rng.uniform(0.3, 1) + rng.normal(0, 0.3, rows), 0.001, 0.999)
        backwards = np.clip((1 - y) * rng.uniform(0.3, 1) + rng.normal(0, 0.3, rows), 0.001, 0.999)
        data = {
            "y_true": y,
            "candidate_pred": (good > 0.5).astype(int),
            "baseline_pred": (backwards > 0.5).astype(int),
            "candidate_scores": np.c_[1 - good, good],
            "baseline_scores": np.c_[1 - backwards, backwards],
            "n_classes": 2,
        }
        for metric in metrics:
            found = checked(metric, data, confidence=confidence, resamples=1000, seed=0)
            tested[metric] += found is not None
    assert min(tested.values()) >= 90, tested


def test_intervals_too_few_resamples_can_bound_are_refused_where_they_are_asked(tmp_path) -> None:
    """`evaluate.intervals: true` beside `confidence: 0.99, resamples: 100` passed
    validate, and every interval left the report with no word of why."""
    from mlgate.errors import ManifestError
    from mlgate.manifest import parse

    text = (
        b"name: m\ndata: {train: a.csv, test: b.csv, target: y}\n"
        b"train: {command: python t.py}\nevaluate:\n  intervals: true\n"
        b"compare:\n  confidence: 0.99\n  resamples: 100\n"
    )
    with pytest.raises(ManifestError) as refused:
        parse(text, name="mlops.yaml", root=tmp_path, files=False)
    assert str(refused.value.problems[0]) == (
        "mlops.yaml:5:14: evaluate.intervals: each metric's interval is a 0.99 bootstrap "
        "interval, which 100 resamples (compare.resamples) cannot bound: set "
        "compare.resamples to at least 200"
    )
    parse(
        text.replace(b"resamples: 100", b"resamples: 200"),
        name="m.yaml",
        root=tmp_path,
        files=False,
    )
