"""A metric on two independent sets of rows: the change equals the two figures'
difference; a share of rows is Agresti and Caffo's interval, any other metric (of labels
or of regression errors) a studentized permutation test, which calls unchanged rows
changed no more often than its level, however few and however heavy-tailed; the interval
excludes zero exactly when the p-value is below 1 - confidence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from mlgate.compare.unpaired import (
    AGRESTI_CAFFO,
    PERMUTED_COUNTS,
    PERMUTED_ROWS,
    label_change,
    value_change,
)
from mlgate.model import counts


def table(rng: np.random.Generator, rows: int, right: float) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, rows)
    pred = np.where(rng.random(rows) < right, y, 1 - y)
    return y, pred


def test_the_change_is_the_difference_of_the_two_figures_scikit_learn_computes() -> None:
    rng = np.random.default_rng(1)
    (ya, pa), (yb, pb) = table(rng, 400, 0.9), table(rng, 300, 0.8)
    before, after = counts.confusion(ya, pa, 2), counts.confusion(yb, pb, 2)
    for metric, score, method in (
        ("accuracy", accuracy_score, AGRESTI_CAFFO),
        ("f1", f1_score, PERMUTED_COUNTS),
    ):
        test = label_change(metric, before, after, positive_index=1)
        assert test.delta == pytest.approx(score(yb, pb) - score(ya, pa))
        assert test.rows == 300 and test.method == method


def test_accuracys_spread_is_the_two_binomial_spreads_with_a_hit_and_a_miss_added() -> None:
    before, after = np.array([[180, 20], [20, 180]]), np.array([[120, 30], [30, 120]])
    test = label_change("accuracy", before, after, positive_index=1)
    a, b = 361 / 402, 241 / 302  # Agresti and Caffo: one more right and one more wrong
    expected = math.sqrt(a * (1 - a) / 402 + b * (1 - b) / 302)
    assert test.std_error == pytest.approx(expected, rel=1e-12)
    assert test.delta == pytest.approx(0.8 - 0.9, rel=1e-12)  # the figures' own change
    centre, z = b - a, 1.959963984540054
    assert (test.ci_low, test.ci_high) == pytest.approx(
        (centre - z * expected, centre + z * expected), rel=1e-12
    )
    assert test.ci_high < 0 and test.p_value < 0.05


def test_a_side_with_every_row_right_is_not_read_as_certain() -> None:
    """Recall 38 of 38 against 60 of 64: each side's table resampled on its own never
    moved the 38 (no false negative to draw), and p = 0.033 said a real change where
    Fisher's exact test gives 0.29."""
    from scipy.stats import fisher_exact

    before, after = np.array([[100, 5], [4, 60]]), np.array([[50, 2], [0, 38]])
    test = label_change("recall", before, after, positive_index=1)
    assert test.delta == pytest.approx(1 - 60 / 64, rel=1e-12)
    assert test.ci_low < 0 < test.ci_high and test.p_value > 0.2
    assert fisher_exact([[38, 0], [60, 4]]).pvalue > 0.2


@pytest.mark.parametrize(("right", "before", "after"), [(0.95, 200, 30), (0.99, 300, 40)])
def test_unchanged_shares_near_one_are_rarely_called_changed(
    right: float, before: int, after: int
) -> None:
    """Both sides drawn alike, 400 times: at most 5% of p-values below 0.05. The bootstrap
    of each side's table called 23% of them changed at 0.95 (200 rows against 30), 17% at
    0.99 (300 against 40)."""
    rng = np.random.default_rng(11)
    called = 0
    for _ in range(400):
        x1, x2 = rng.binomial(before, right), rng.binomial(after, right)
        tables = (np.array([[0, 0], [before - x1, x1]]), np.array([[0, 0], [after - x2, x2]]))
        called += label_change("recall", *tables, positive_index=1).p_value < 0.05
    assert called <= 20


def test_a_side_with_every_row_right_is_tested_and_one_cell_is_not() -> None:
    """f1 of 38 positives all found and no false alarm is 1 in every resample of its own
    table, so the bootstrap of each side's table gave no test; dealt out again with the
    test rows' 9 mistakes, it is one (about 2% of deals give the labelled side none). Both
    sides with every row in one cell: nothing any deal could change."""
    before, perfect = np.array([[100, 5], [4, 60]]), np.array([[50, 0], [0, 38]])
    test = label_change("f1", before, perfect, positive_index=1)
    assert test.method == PERMUTED_COUNTS and test.delta == pytest.approx(1 - 120 / 129)
    assert 0.001 < test.p_value < 0.1
    assert (test.ci_low > 0) == (test.p_value < 0.05) and test.ci_high > test.delta
    negative = np.array([[90, 0], [0, 0]])
    with pytest.raises(ValueError, match="every row of both sides is in one cell"):
        label_change("balanced_accuracy", np.array([[300, 0], [0, 0]]), negative, positive_index=1)


def test_unchanged_rare_positives_are_called_changed_at_the_tests_level() -> None:
    """Both tables drawn alike, a positive class of 10% (balanced accuracy, 342 test rows
    against 40 labelled): the bootstrap of each side's table called 25% of these draws
    changed at p < 0.05 (27% of 400 with its 2,000 resamples); the permutation test holds
    its level at any count of deals, so 199 serve here (p's smallest step 0.01). At most
    6.5% of the 1,000."""
    rng = np.random.default_rng(3)
    shares, called, tested = [0.85, 0.05, 0.03, 0.07], 0, 0
    for _ in range(1000):
        before = rng.multinomial(342, shares).reshape(2, 2)
        after = rng.multinomial(40, shares).reshape(2, 2)
        try:
            test = label_change("balanced_accuracy", before, after, positive_index=1, resamples=199)
        except ValueError:  # no test of these tables, said so
            continue
        tested += 1
        called += test.p_value < 0.05
    assert tested > 900 and called <= 0.065 * tested


@pytest.mark.parametrize("seed", range(30))
def test_the_interval_and_the_p_value_never_disagree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    (ya, pa), (yb, pb) = table(rng, 120, 0.85), table(rng, 90, rng.uniform(0.7, 0.9))
    test = label_change(
        "accuracy", counts.confusion(ya, pa, 2), counts.confusion(yb, pb, 2), positive_index=1
    )
    assert (test.ci_low > 0 or test.ci_high < 0) == (test.p_value < 0.05)


@pytest.mark.parametrize(
    ("metric", "before", "after", "confidence"),
    [
        # every positive found on 4 rows, none on 1: Agresti and Caffo's 80% interval,
        # centred where its added rows put it, was -0.90 to -0.10 around a change of -1
        ("recall", [[0, 0], [0, 4]], [[0, 0], [1, 0]], 0.8),
        # 0 of 1 against 1 of 1: its 95% interval reached past +1
        ("recall", [[0, 0], [1, 0]], [[0, 0], [0, 1]], 0.95),
        # the permutation test's interval of f1's change reached -1.002
        ("f1", [[8, 6], [2, 4]], [[7, 24], [2, 3]], 0.95),
    ],
)
def test_an_interval_holds_its_change_and_only_changes_that_can_happen(
    metric: str, before: list, after: list, confidence: float
) -> None:
    test = label_change(
        metric, np.array(before), np.array(after), positive_index=1, confidence=confidence
    )
    assert -1 <= test.ci_low <= test.delta <= test.ci_high <= 1, test
    assert (test.ci_low > 0 or test.ci_high < 0) == (test.p_value < 1 - confidence)


# --- regression metrics: each side's influence values, Welch's t --------------------------
def regression_rows(
    rng: np.random.Generator, rows: int, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    y = rng.gamma(4.0, 25.0, rows)  # positive, skewed: the logarithmic metrics are defined
    return y, np.maximum(y + rng.normal(0, noise, rows), 0.5)


def test_a_means_change_is_a_permutation_test_of_welchs_statistic() -> None:
    """For a mean of per-row terms the statistic is Welch's t of those terms, and its
    standard error Welch's; the p-value is that of dealing both sides' rows out again, as
    SciPy's permutation test of the same statistic finds it (within the two tests' own
    Monte Carlo error)."""
    from scipy import stats
    from sklearn import metrics as skm

    rng = np.random.default_rng(3)
    (ya, pa), (yb, pb) = regression_rows(rng, 400, 10.0), regression_rows(rng, 60, 11.5)
    smallest = 1.0
    for metric, terms in (
        ("mae", lambda y, p: np.abs(y - p)),
        ("mse", lambda y, p: (y - p) ** 2),
        ("msle", lambda y, p: (np.log1p(y) - np.log1p(p)) ** 2),
    ):
        test = value_change(metric, (ya, pa), (yb, pb))
        after, before = terms(yb, pb), terms(ya, pa)
        welch = stats.ttest_ind(after, before, equal_var=False)
        assert test.delta / test.std_error == pytest.approx(welch.statistic, rel=1e-9)
        dealt = stats.permutation_test(
            (after, before),
            lambda a, b, axis: stats.ttest_ind(a, b, equal_var=False, axis=axis).statistic,
            n_resamples=4000,
            rng=np.random.default_rng(1),
        )
        assert test.p_value == pytest.approx(dealt.pvalue, abs=0.04)  # three of their errors
        smallest = min(smallest, test.p_value)
        sklearn = {"mae": skm.mean_absolute_error, "mse": skm.mean_squared_error}
        if metric in sklearn:
            expected = sklearn[metric](yb, pb) - sklearn[metric](ya, pa)
            assert test.delta == pytest.approx(expected, rel=1e-12)
        assert test.method == PERMUTED_ROWS and test.rows == 60
    assert smallest < 0.3  # not only p-values of 1, which any two tests agree on


def test_unchanged_heavy_tailed_errors_are_called_changed_at_the_tests_level() -> None:
    """A handful of labelled rows whose errors have heavy tails (Student's t, 3 degrees of
    freedom), drawn as the 300 test rows were: Welch's t on the influence values called
    RMSE changed in 29% of these draws at p < 0.05 with 6 rows; the permutation test holds
    its level (199 deals serve: its smallest step of p is 0.01). At most 6.5%."""
    rng = np.random.default_rng(4)
    called = 0
    for _ in range(500):
        y, error = rng.gamma(4.0, 25.0, 306), 10 * rng.standard_t(3, 306)
        before, after = (y[:300], y[:300] - error[:300]), (y[300:], y[300:] - error[300:])
        called += value_change("rmse", before, after, resamples=199).p_value < 0.05
    assert called <= 0.065 * 500


SMOOTH = {  # each metric of resampled rows (one resample a row of y and p), vectorised
    "rmse": lambda y, p: np.sqrt(np.mean((y - p) ** 2, axis=-1)),
    "rmsle": lambda y, p: np.sqrt(np.mean((np.log1p(y) - np.log1p(p)) ** 2, axis=-1)),
    "r2": lambda y, p: 1 - np.mean((y - p) ** 2, axis=-1) / np.var(y, axis=-1),
    "explained_variance": lambda y, p: 1 - np.var(y - p, axis=-1) / np.var(y, axis=-1),
    "d2_absolute_error": lambda y, p: (
        1
        - np.mean(np.abs(y - p), axis=-1)
        / np.mean(np.abs(y - np.median(y, axis=-1, keepdims=True)), axis=-1)
    ),
}


@pytest.mark.parametrize("metric", sorted(SMOOTH))
def test_a_smooth_metrics_error_is_the_bootstraps(metric: str) -> None:
    """The delta method's standard error of the change, against 2,000 unpaired resamples
    of the rows; the change itself is scikit-learn's."""
    from sklearn import metrics as skm

    score = {
        "rmse": skm.root_mean_squared_error,
        "rmsle": skm.root_mean_squared_log_error,
        "r2": skm.r2_score,
        "explained_variance": skm.explained_variance_score,
        "d2_absolute_error": skm.d2_absolute_error_score,
    }[metric]
    rng = np.random.default_rng(5)
    (ya, pa), (yb, pb) = regression_rows(rng, 500, 12.0), regression_rows(rng, 300, 18.0)
    test = value_change(metric, (ya, pa), (yb, pb))
    assert test.delta == pytest.approx(score(yb, pb) - score(ya, pa), rel=1e-9)
    formula = SMOOTH[metric]
    assert formula(ya, pa) == pytest.approx(score(ya, pa), rel=1e-9)  # the resamples' own
    a, b = rng.integers(0, len(ya), (2000, len(ya))), rng.integers(0, len(yb), (2000, len(yb)))
    drawn = formula(yb[b], pb[b]) - formula(ya[a], pa[a])
    assert test.std_error == pytest.approx(float(np.std(drawn)), rel=0.1)


@pytest.mark.parametrize("seed", range(20))
def test_a_regression_changes_interval_and_p_value_never_disagree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    before, after = regression_rows(rng, 60, 10.0), regression_rows(rng, 40, rng.uniform(8, 14))
    for metric in ("rmse", "mae", "r2"):
        test = value_change(metric, before, after)
        assert (test.ci_low > 0 or test.ci_high < 0) == (test.p_value < 0.05)
        assert test.ci_low <= test.delta <= test.ci_high


def test_a_metric_without_a_closed_form_or_a_side_without_spread_is_refused() -> None:
    rng = np.random.default_rng(0)
    rows = regression_rows(rng, 50, 5.0)
    with pytest.raises(ValueError, match="no closed-form test for 'median_ae'"):
        value_change("median_ae", rows, rows)
    same = (np.full(10, 3.0), np.full(10, 2.0))
    with pytest.raises(ValueError, match="every row has the same target"):
        value_change("r2", rows, same)
    with pytest.raises(ValueError, match="fewer than two rows"):
        value_change("mae", rows, (np.array([1.0]), np.array([2.0])))


def test_a_figure_that_divides_by_zero_is_undefined_not_zero() -> None:
    """40 labelled rows, all negative: recall was "0.0000" with a test of it, and
    resamples with no positive row scored f1 0 where they have no f1."""
    before, negative = np.array([[100, 5], [4, 60]]), np.array([[40, 0], [0, 0]])
    for metric, why in (
        ("recall", "no row is of the positive class"),
        ("precision", "no row was predicted positive"),
        ("f1", "no row is of the positive class, nor predicted so"),
    ):
        with pytest.raises(ValueError, match=f"{metric} is undefined on the labelled rows: {why}"):
            label_change(metric, before, negative, positive_index=1)
    assert counts.undefined("f1", np.array([[[40, 0], [0, 0]], [[39, 1], [0, 0]]])).tolist() == [
        True,
        False,
    ]
