"""Paired tests per metric: the fast bootstraps are the row bootstrap, and noise is noise."""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import config_context
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.compare import distributions, influence
from mlgate.compare.gates import Gate, decide
from mlgate.compare.significance import detectable_change, on_resamples, paired_test
from mlgate.manifest.metrics import METRICS
from mlgate.model import counts
from mlgate.report import gate_text


def outcomes(rows: int, n_classes: int = 2, seed: int = 0):
    """Labels, two correlated models' predictions and probabilities (with tied scores)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, rows)
    shared = rng.normal(size=(rows, n_classes))  # the models err on the same rows
    out = []
    for noise in (0.4, 0.45):  # mostly the same predictions, as two versions of a model
        logits = 2.0 * np.eye(n_classes)[y] + shared + noise * rng.normal(size=(rows, n_classes))
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        proba = np.round(proba, 2)  # ties, as a tree or a rounded score gives
        proba /= proba.sum(axis=1, keepdims=True)
        out.append((proba.argmax(axis=1), proba))
    (cand, cand_p), (base, base_p) = out
    return y, cand, base, cand_p, base_p


def regression(rows: int, seed: int = 0, *, positive: bool = False):
    """Targets and two models' predictions; `positive`: predictions above zero, for the
    metrics of logarithms (multiplicative errors, as a model of counts or amounts makes)."""
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 2.0, rows) + 0.5
    shared = rng.normal(size=rows)
    if positive:
        return (y, *(y * np.exp(0.3 * (shared + s * rng.normal(size=rows))) for s in (1, 1.1)))
    return y, y + shared + rng.normal(size=rows), y + shared + 1.1 * rng.normal(size=rows)


# predictions above zero
LOGS = {"msle", "rmsle", "poisson_deviance", "gamma_deviance", *influence.TWEEDIE}
TOP_K = [name for name, spec in METRICS.items() if spec.top_k is not None]  # six classes here


# the bootstrap of counts (evaluate.intervals, fairness) draws the distribution of
# resampling rows; the paired test of label metrics reaches as far as it


def index_bootstrap(
    metric: str, y, cand, base, *, resamples: int, seed: int, independent: bool = False
) -> np.ndarray:
    """Resample row indices (the textbook way); `independent` breaks the pairing."""
    rng = np.random.default_rng(seed)
    k = int(max(y.max(), cand.max(), base.max())) + 1
    rows = len(y)
    idx = rng.integers(0, rows, (resamples, rows))
    other = rng.integers(0, rows, (resamples, rows)) if independent else idx
    chunk = 250  # resamples gathered at a time: the same tables, without an array the
    # draws' size to fault in for each side (a tenth of the time, at 4,000 of 2,000 rows)
    offset = np.arange(chunk)[:, None] * k * k
    values = []
    for pred, drawn in ((cand, idx), (base, other)):
        # the drawn rows' cells, y * k + pred: the same tables as indexing y and pred each
        cell = y * k + pred
        tables = np.empty((resamples, k * k), np.int64)
        for start in range(0, resamples, chunk):
            cells = cell[drawn[start : start + chunk]]
            cells += offset[: len(cells)]
            tables[start : start + chunk] = np.bincount(
                cells.ravel(), minlength=len(cells) * k * k
            ).reshape(-1, k * k)
        values.append(counts.label_metric(metric, tables.reshape(-1, k, k), positive_index=1))
    return values[0] - values[1]


@pytest.mark.parametrize(
    ("metric", "n_classes"), [("f1", 2), ("f1_macro", 3), ("matthews_corrcoef", 3)]
)
def test_the_swapped_answers_reach_as_far_as_the_row_bootstrap_where_the_models_differ_little(
    metric, n_classes
) -> None:
    """The label metrics' test swaps each row's two answers at random (exact under "no
    change"); where the change is small beside its noise, its spread and interval are the
    row bootstrap's, so exactness costs no reach there."""
    y, cand, base, _, _ = outcomes(2000, n_classes)
    resamples = 4000
    test = paired_test(
        metric,
        y_true=y,
        candidate_pred=cand,
        baseline_pred=base,
        n_classes=n_classes,
        resamples=resamples,
        seed=1,
    )
    rows = index_bootstrap(metric, y, cand, base, resamples=resamples, seed=2)
    reference = distributions.summarise(test.delta, rows, rows=len(y))
    se = reference.std_error
    # Monte Carlo noise at 4000 resamples: about 2% of the SE for the spread, 0.06 SE for
    # the 2.5% quantiles; the bounds are four times that
    assert test.std_error == pytest.approx(se, rel=0.08)
    assert abs(test.ci_low - reference.ci_low) < 0.25 * se
    assert abs(test.ci_high - reference.ci_high) < 0.25 * se
    # a bootstrap that forgets the pairing fails the same bounds by far
    unpaired = index_bootstrap(metric, y, cand, base, resamples=resamples, seed=2, independent=True)
    assert np.std(unpaired, ddof=1) > 1.3 * se


def test_the_counts_bootstraps_mean_and_median_match_too() -> None:
    y, cand, base, _, _ = outcomes(2000)
    rows = index_bootstrap("f1", y, cand, base, resamples=4000, seed=3)
    # the same draws through the public test: mean and median of both distributions
    k = 3
    cells = np.bincount((y * k + cand) * k + base, minlength=k**3)
    rng = np.random.default_rng(4)
    draws = rng.multinomial(len(y), cells / len(y), size=4000)
    joint = draws.reshape(-1, k, k, k)
    drawn = counts.label_metric("f1", joint.sum(axis=3)) - counts.label_metric(
        "f1", joint.sum(axis=2)
    )
    se = np.std(rows, ddof=1)
    assert abs(np.mean(drawn) - np.mean(rows)) < 0.1 * se
    assert abs(np.median(drawn) - np.median(rows)) < 0.12 * se


def test_on_a_resample_every_metric_is_scikit_learns_on_the_drawn_rows() -> None:
    binary, multi, reg = outcomes(300, 2, seed=5), outcomes(300, 3, seed=6), regression(300)
    positive, many = regression(300, positive=True), outcomes(300, 6, seed=9)
    rng = np.random.default_rng(7)
    for name, spec in METRICS.items():
        if spec.task == "regression":
            y, pred, _ = positive if name in LOGS else reg
            cases = [(y, pred, None, 0)]
        elif spec.top_k is not None:
            cases = [(many[0], many[1], many[3], 6)]
        elif spec.binary_only:
            cases = [(binary[0], binary[1], binary[3], 2)]
        else:
            cases = [(binary[0], binary[1], binary[3], 2), (multi[0], multi[1], multi[3], 3)]
        for y, pred, scores, k in cases:
            idx = np.vstack([np.arange(len(y)), rng.integers(0, len(y), (5, len(y)))])
            drawn = np.vstack([np.bincount(i, minlength=len(y)) for i in idx])
            got = on_resamples(name, drawn, y_true=y, pred=pred, scores=scores, n_classes=k)
            expected = [
                sklearn(name, y[i], pred[i], None if scores is None else scores[i], k) for i in idx
            ]
            np.testing.assert_allclose(
                got, expected, rtol=1e-10, atol=1e-12, err_msg=f"{name}, {k} classes"
            )


def sklearn(name: str, y, pred, scores, k: int) -> float:
    """scikit-learn's value, called as mlgate.model.metrics called it before counts."""
    labels = list(range(k))
    # without checking again the arguments this file hands it (their types; the values
    # finite): the same figures, the oracle of hundreds of resamples
    with (
        warnings.catch_warnings(),
        config_context(skip_parameter_validation=True, assume_finite=True),
    ):
        warnings.simplefilter("ignore")  # log_loss renamed an argument in 1.9
        if name in ("precision", "recall", "f1", "jaccard"):
            return getattr(skm, f"{name}_score")(y, pred, pos_label=1, zero_division=0)
        if name.endswith("_likelihood_ratio"):
            ratios = skm.class_likelihood_ratios(y, pred, labels=[0, 1])
            return ratios[0 if name.startswith("positive") else 1]
        if name.startswith(("precision_", "recall_", "f1_", "jaccard_")):
            base, average = name.rsplit("_", 1)
            return getattr(skm, f"{base}_score")(y, pred, average=average, zero_division=0)
        simple = {
            "accuracy": skm.accuracy_score,
            "balanced_accuracy": skm.balanced_accuracy_score,
            "matthews_corrcoef": skm.matthews_corrcoef,
            "cohen_kappa": skm.cohen_kappa_score,
            "r2": skm.r2_score,
            "explained_variance": skm.explained_variance_score,
            "d2_absolute_error": skm.d2_absolute_error_score,
            "mae": skm.mean_absolute_error,
            "mse": skm.mean_squared_error,
            "mape": skm.mean_absolute_percentage_error,
            "median_ae": skm.median_absolute_error,
            "max_error": skm.max_error,
            "msle": skm.mean_squared_log_error,
            "rmsle": skm.root_mean_squared_log_error,
            "poisson_deviance": skm.mean_poisson_deviance,
            "gamma_deviance": skm.mean_gamma_deviance,
        }
        if name in simple:
            return simple[name](y, pred)
        if name.startswith("pinball_loss_"):
            return skm.mean_pinball_loss(y, pred, alpha=int(name.rpartition("_")[2]) / 100)
        if name.startswith("tweedie_deviance_1_"):
            return skm.mean_tweedie_deviance(y, pred, power=1 + int(name[-1]) / 10)
        if name == "rmse":
            return skm.mean_squared_error(y, pred) ** 0.5
        if name == "roc_auc" and k > 2:
            return skm.roc_auc_score(y, scores, multi_class="ovr", labels=labels)
        if name.startswith("roc_auc_") and k > 2:
            multi_class = name.split("_")[2]
            average = "weighted" if name.endswith("weighted") else "macro"
            return skm.roc_auc_score(
                y, scores, multi_class=multi_class, average=average, labels=labels
            )
        if name.startswith("roc_auc_"):  # two classes: one area
            return skm.roc_auc_score(y == 1, scores[:, 1])
        if name == "d2_log_loss":
            return skm.d2_log_loss_score(y, scores, labels=labels)
        if name == "d2_brier":
            return skm.d2_brier_score(y, scores, labels=labels)
        if name == "log_loss":
            return skm.log_loss(y, scores, labels=labels)
        if METRICS[name].top_k is not None:
            return skm.top_k_accuracy_score(y, scores, k=METRICS[name].top_k, labels=labels)
        if name == "calibration_error":
            return calibration_error(y, scores)
        fn = {
            "roc_auc": skm.roc_auc_score,
            "average_precision": skm.average_precision_score,
            "brier_score": skm.brier_score_loss,
        }[name]
        return fn(y == 1, scores[:, 1])


def calibration_error(y, scores) -> float:
    """From scikit-learn's reliability curve: each non-empty bin's gap, weighted by its rows
    (two classes: the positive class's probability; more: the most probable class's)."""
    if scores.shape[1] == 2:
        stated, hit = scores[:, 1], y == 1
    else:
        stated, hit = scores.max(axis=1), scores.argmax(axis=1) == y
    observed, predicted = calibration_curve(hit, stated, n_bins=10, strategy="uniform")
    # rows per bin, closed on the right as the curve's bins are ([0, 0.1], (0.1, 0.2], ...):
    # numpy's bins close on the left, so count the negated values
    rows = np.histogram(-stated, bins=-np.linspace(0, 1, 11)[::-1])[0][::-1]
    return float(np.sum(rows[rows > 0] / len(y) * np.abs(observed - predicted)))


def test_the_point_estimate_is_scikit_learns_difference() -> None:
    y, cand, base, cand_p, base_p = outcomes(500)
    for name in ("f1", "cohen_kappa", "roc_auc", "average_precision", "log_loss"):
        test = paired_test(
            name,
            y_true=y,
            candidate_pred=cand,
            baseline_pred=base,
            candidate_scores=cand_p,
            baseline_scores=base_p,
            n_classes=2,
            resamples=50,
        )
        expected = sklearn(name, y, cand, cand_p, 2) - sklearn(name, y, base, base_p, 2)
        assert np.isclose(test.delta, expected, rtol=1e-12, atol=1e-14), name


# every metric, seeded, with its standard error


def every_metric():
    binary, multi = outcomes(400, 2), outcomes(400, 3)
    reg, positive = regression(400), regression(400, positive=True)
    for name, spec in METRICS.items():
        if spec.task == "regression":
            y, cand, base = positive if name in LOGS else reg
            yield (
                name,
                {
                    "y_true": y,
                    "candidate_pred": cand,
                    "baseline_pred": base,
                    "n_classes": 0,
                },
            )
            continue
        sets = [binary] if spec.binary_only else [binary, multi]
        if spec.top_k is not None:
            sets = [outcomes(400, 6)]
        for y, cand, base, cand_p, base_p in sets:
            yield (
                name,
                {
                    "y_true": y,
                    "candidate_pred": cand,
                    "baseline_pred": base,
                    "candidate_scores": cand_p,
                    "baseline_scores": base_p,
                    "n_classes": cand_p.shape[1],
                },
            )


def test_every_metric_has_a_seeded_paired_test() -> None:
    seen = set()
    for name, data in every_metric():
        first = paired_test(name, **data, resamples=300, seed=11)
        assert first == paired_test(name, **data, resamples=300, seed=11), name
        assert first.ci_low <= first.delta <= first.ci_high or "bootstrap" in first.method
        assert first.std_error > 0 and 0 < first.p_value <= 1, name
        if "bootstrap" in first.method:
            other = paired_test(name, **data, resamples=300, seed=12)
            assert other.delta == first.delta and other != first, name
        seen.add(name)
    assert seen == set(METRICS)
    assert paired_test("accuracy", **dict(every_metric())["accuracy"]).method == "exact McNemar"


def test_a_model_against_itself_is_no_difference() -> None:
    y, cand, _, cand_p, _ = outcomes(300)
    for name in ("f1", "roc_auc", "log_loss"):
        same = paired_test(
            name,
            y_true=y,
            candidate_pred=cand,
            baseline_pred=cand,
            candidate_scores=cand_p,
            baseline_scores=cand_p,
            n_classes=2,
        )
        assert (same.delta, same.ci_low, same.ci_high, same.p_value) == (0, 0, 0, 1.0)
        assert same.std_error == 0 and math.isnan(detectable_change(same))


def test_labels_the_model_does_not_know_are_one_more_class() -> None:
    y, cand, base, _, _ = outcomes(300, 3)
    y = y.copy()
    y[:10] = -1  # a class in the test data that the model never saw
    test = paired_test(
        "f1_macro", y_true=y, candidate_pred=cand, baseline_pred=base, n_classes=3, resamples=100
    )
    named = np.where(y < 0, 3, y)
    expected = skm.f1_score(named, cand, average="macro", zero_division=0) - skm.f1_score(
        named, base, average="macro", zero_division=0
    )
    assert test.delta == pytest.approx(expected)


@pytest.mark.parametrize(
    ("metric", "data", "message"),
    [
        ("f1", {"n_classes": 3}, "defined for two classes"),
        ("roc_auc", {"candidate_scores": None}, "needs probabilities"),
        ("nonsense", {}, "does not compute"),
        (
            "f1",
            {
                "y_true": np.array([], int),
                "candidate_pred": np.array([], int),
                "baseline_pred": np.array([], int),
            },
            "no paired rows",
        ),
        ("roc_auc", {"y_true": np.zeros(400, int)}, "undefined"),
        (
            "cohen_kappa",
            {
                "y_true": np.zeros(400, int),
                "candidate_pred": np.zeros(400, int),
                "baseline_pred": np.zeros(400, int),
            },
            "undefined",
        ),
    ],
)
def test_what_cannot_be_tested_says_why(metric, data, message) -> None:
    y, cand, base, cand_p, base_p = outcomes(400)
    given = {
        "y_true": y,
        "candidate_pred": cand,
        "baseline_pred": base,
        "candidate_scores": cand_p,
        "baseline_scores": base_p,
        "n_classes": 2,
        **data,
    }
    with pytest.raises(ValueError, match=message):
        paired_test(metric, **given, resamples=50)


def test_a_resample_where_precision_divides_by_zero_is_left_out_not_scored_zero() -> None:
    """The candidate says positive on 3 rows of 200, all right: about 5% of resamples
    draw none of them, where precision is 0/0. Scored 0, they put the interval's low end
    at -0.9 (0 against the baseline's 0.9); left out, it is near the change, +0.1."""
    y = np.zeros(200, int)
    y[:50] = 1
    cand = np.zeros(200, int)
    cand[[0, 1, 2]] = 1  # 3 of 3 right
    base = np.zeros(200, int)
    base[:45] = 1
    base[[195, 196, 197, 198, 199]] = 1  # 45 of 50 right: 0.9
    found = paired_test(
        "precision",
        y_true=y,
        candidate_pred=cand,
        baseline_pred=base,
        n_classes=2,
        resamples=2000,
        seed=1,
    )
    assert found.delta == pytest.approx(1 - 0.9)
    assert found.ci_low > -0.5, found
    # undefined on all the rows: no test, said so
    with pytest.raises(ValueError, match="undefined"):
        paired_test(
            "precision",
            y_true=y,
            candidate_pred=np.zeros(200, int),
            baseline_pred=base,
            n_classes=2,
            resamples=50,
        )


# the smallest change a test set can see


def test_the_detectable_change_is_the_power_formula() -> None:
    y, cand, base, _, _ = outcomes(1000)
    test = paired_test("f1", y_true=y, candidate_pred=cand, baseline_pred=base, n_classes=2)
    # z_0.975 + z_0.8 = 1.95996 + 0.84162
    assert detectable_change(test) == pytest.approx(2.80158 * test.std_error, rel=1e-5)
    assert detectable_change(test, power=0.5) == pytest.approx(1.95996 * test.std_error, rel=1e-5)


def test_four_times_the_rows_detect_half_the_change() -> None:
    small, large = outcomes(2_000, seed=1), outcomes(8_000, seed=1)
    found = [
        detectable_change(
            paired_test(
                "f1", y_true=y, candidate_pred=c, baseline_pred=b, n_classes=2, resamples=2000
            )
        )
        for y, c, b, _, _ in (small, large)
    ]
    assert found[1] / found[0] == pytest.approx(0.5, rel=0.15)


# the example project's data: 114 test rows


@pytest.fixture(scope="module")
def breast_cancer():
    """The bundled example's split and its two classes, malignant as positive."""
    X, y = load_breast_cancer(return_X_y=True)
    labels = np.where(y == 1, "benign", "malignant")
    X_train, X_test, y_train, y_test = train_test_split(
        X, labels, test_size=0.2, random_state=42, stratify=labels
    )
    assert len(y_test) == 114

    def fit(C: float, features=slice(None)):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))
        model.fit(X_train[:, features], y_train)
        classes = list(model.classes_)  # ["benign", "malignant"]
        as_index = {c: i for i, c in enumerate(classes)}
        pred = np.array([as_index[p] for p in model.predict(X_test[:, features])])
        return pred, model.predict_proba(X_test[:, features])

    y_index = (y_test == "malignant").astype(int)
    return y_index, fit


def gates_for(test, candidate: float, baseline: float):
    plain = decide(
        Gate(metric="f1", min_change=0.0), candidate, baseline, has_baseline=True, test=test
    )
    noisy = decide(
        Gate(metric="f1", significance="no significant drop"),
        candidate,
        baseline,
        has_baseline=True,
        test=test,
    )
    return plain, noisy


def test_a_drop_within_the_noise_of_114_rows_passes_no_significant_drop(breast_cancer) -> None:
    y, fit = breast_cancer
    (base, _), (cand, _) = fit(C=0.5), fit(C=0.05)  # the example's C, and a smaller one
    baseline, candidate = (skm.f1_score(y, p) for p in (base, cand))
    assert -0.02 < candidate - baseline < -0.005  # a real, small drop: 0.976 -> 0.963
    test = paired_test("f1", y_true=y, candidate_pred=cand, baseline_pred=base, n_classes=2)
    assert test.delta == pytest.approx(candidate - baseline)
    assert test.p_value >= 0.05 and not test.significant()
    assert test.ci_low < 0 <= test.ci_high  # never better, often the same
    # the margin of a -0.01 gate is below what 114 rows can tell apart
    assert detectable_change(test) > 0.01
    plain, noisy = gates_for(test, candidate, baseline)
    assert plain.status == "failed" and "below the allowed +0" in gate_text.explanation(plain)
    assert noisy.status == "passed"


def test_a_genuinely_worse_model_fails_both_gates(breast_cancer) -> None:
    y, fit = breast_cancer
    (base, _), (cand, _) = fit(C=0.5), fit(C=0.5, features=[1, 8])  # two weak features
    baseline, candidate = (skm.f1_score(y, p) for p in (base, cand))
    assert candidate < baseline - 0.1 and candidate > 0
    test = paired_test("f1", y_true=y, candidate_pred=cand, baseline_pred=base, n_classes=2)
    assert test.significant() and test.ci_high < 0
    plain, noisy = gates_for(test, candidate, baseline)
    assert plain.status == "failed" and noisy.status == "failed"
    assert "a significant drop (paired permutation test" in gate_text.explanation(noisy)


@pytest.mark.parametrize("rows", [1, 2, 7, 400, 401])
def test_the_median_of_a_resample_outside_its_window_is_still_exact(rows) -> None:
    from mlgate.compare.significance import _median

    values = np.round(np.random.default_rng(rows).gamma(2.0, 1.0, rows), 1)  # with ties
    idx = np.random.default_rng(1).integers(0, rows, (40, rows))
    drawn = np.vstack([np.bincount(i, minlength=rows) for i in idx]).astype(float)
    expected = [np.median(values[i]) for i in idx]
    for margin in (None, 0, 1, 3):  # a narrow window sends most resamples the long way
        np.testing.assert_array_equal(_median(values, margin)(drawn), expected)


def test_the_largest_drawn_value_past_the_prefix_is_still_exact() -> None:
    from mlgate.compare.significance import _max

    values = np.random.default_rng(2).normal(size=50)
    idx = np.random.default_rng(3).integers(0, 50, (200, 50))
    drawn = np.vstack([np.bincount(i, minlength=50) for i in idx]).astype(float)
    np.testing.assert_array_equal(_max(values, prefix=1)(drawn), values[idx].max(axis=1))


# closed forms where they exist: the textbook tests, at a million rows in well under a second


def test_each_metric_states_its_method() -> None:
    methods = {
        name: paired_test(name, **data, resamples=200).method for name, data in every_metric()
    }
    assert methods == {
        **{n: "paired permutation test of outcome counts" for n in counts.LABEL_METRICS},
        "accuracy": "exact McNemar",
        **dict.fromkeys(
            ("log_loss", "brier_score", "mae", "mse", "mape", "msle", "poisson_deviance"),
            "paired t",
        ),
        **dict.fromkeys(
            ("gamma_deviance", *TOP_K, *influence.QUANTILES, *influence.TWEEDIE), "paired t"
        ),
        **dict.fromkeys(
            ("rmse", "rmsle", "r2", "explained_variance", "average_precision", "d2_absolute_error"),
            "delta method",
        ),
        "roc_auc": "DeLong",
        **dict.fromkeys(("roc_auc_ovr_weighted", "roc_auc_ovo", "roc_auc_ovo_weighted"), "DeLong"),
        **dict.fromkeys(("d2_log_loss", "d2_brier"), "delta method"),
        "median_ae": "paired bootstrap of rows",
        "max_error": "paired bootstrap of rows",
        "calibration_error": "paired bootstrap of binned calibration gaps",
    }


@pytest.mark.parametrize(("n_classes", "rows"), [(2, 400), (3, 400), (2, 5000)])
def test_the_binned_calibration_bootstrap_has_the_row_bootstraps_distribution(
    n_classes: int, rows: int
) -> None:
    """Drawn through cells, the change in calibration error is spread as the plain row
    bootstrap spreads it (both sides on the same drawn rows), at a fraction of the cost."""
    y, cand, base, cand_p, base_p = outcomes(rows, n_classes, seed=21)
    reps = 4000
    cells = paired_test(
        "calibration_error",
        y_true=y,
        candidate_pred=cand,
        baseline_pred=base,
        candidate_scores=cand_p,
        baseline_scores=base_p,
        n_classes=n_classes,
        resamples=reps,
        seed=3,
    )
    rng = np.random.default_rng(4)
    # the counts each resample drew, written in place as the floats on_resamples takes: a
    # list of 4,000 rows stacked, then converted for each side, copied 480 MB at 5,000 rows
    drawn = np.empty((reps, rows))
    chunk = 100  # resamples drawn at a time: the same draws, in order, as one at a time
    offset = np.arange(chunk)[:, None] * rows
    for start in range(0, reps, chunk):
        picked = (rng.integers(0, rows, (chunk, rows)) + offset).ravel()
        drawn[start : start + chunk] = np.bincount(picked, minlength=chunk * rows).reshape(-1, rows)
    plain = on_resamples(
        "calibration_error", drawn, y_true=y, pred=cand, scores=cand_p, n_classes=n_classes
    ) - on_resamples(
        "calibration_error", drawn, y_true=y, pred=base, scores=base_p, n_classes=n_classes
    )
    se = float(np.std(plain, ddof=1))
    assert cells.std_error == pytest.approx(se, rel=0.08)
    for q in (0.025, 0.5, 0.975):  # the interval's ends come from these tails
        rank = max(1, round(q * reps))
        ours = np.sort(plain)[rank - 1]
        assert abs(ours - np.quantile(plain, q)) <= 0.15 * se  # the reference's own grain
    low, high = np.quantile(plain, [0.025, 0.975])
    assert abs(cells.ci_low - low) < 0.2 * se and abs(cells.ci_high - high) < 0.2 * se
    assert cells.delta == pytest.approx(
        calibration_error(y, cand_p) - calibration_error(y, base_p), abs=1e-12
    )


def per_row_losses(name: str, y, pred, scores) -> np.ndarray:
    if name == "log_loss":
        eps = np.finfo(scores.dtype).eps
        return -np.log(np.clip(scores[np.arange(len(y)), y], eps, 1 - eps))
    if name == "brier_score":
        return (scores[:, 1] - (y == 1)) ** 2
    error = np.abs(y - pred)
    if name in LOGS:  # the deviances' unit terms, written out (targets and predictions > 0)
        return {
            "msle": (np.log(1 + y) - np.log(1 + pred)) ** 2,
            "poisson_deviance": 2 * (y * np.log(y / pred) - y + pred),
            "gamma_deviance": 2 * (np.log(pred / y) + y / pred - 1),
            # the unit deviance at power 3/2, simplified by hand: 4 (√μ - √y)² / √μ
            "tweedie_deviance_1_5": 4 * (np.sqrt(pred) - np.sqrt(y)) ** 2 / np.sqrt(pred),
        }[name]
    if name.startswith("pinball_loss_"):  # written out: q above the target, 1 - q below
        q = int(name.rpartition("_")[2]) / 100
        return np.where(y >= pred, q * (y - pred), (1 - q) * (pred - y))
    return {"mae": error, "mse": error**2, "mape": error / np.abs(y)}[name]


MEAN_METRICS = ["log_loss", "brier_score", "mae", "mse", "mape", "pinball_loss_10"]


@pytest.mark.parametrize(
    "name", [*MEAN_METRICS, "msle", "poisson_deviance", "gamma_deviance", "tweedie_deviance_1_5"]
)
def test_a_mean_of_per_row_terms_gets_the_paired_t_test(name) -> None:
    from scipy.stats import ttest_rel

    if name in LOGS:
        y, cand, base = regression(500, seed=3, positive=True)
        data = {"y_true": y, "candidate_pred": cand, "baseline_pred": base, "n_classes": 0}
        cand_p = base_p = None
    elif name in ("mae", "mse", "mape", "pinball_loss_10"):
        y, cand, base = regression(500, seed=3)
        data = {"y_true": y, "candidate_pred": cand, "baseline_pred": base, "n_classes": 0}
        cand_p = base_p = None
    else:
        y, cand, base, cand_p, base_p = outcomes(500, seed=3)
        data = {
            "y_true": y,
            "candidate_pred": cand,
            "baseline_pred": base,
            "candidate_scores": cand_p,
            "baseline_scores": base_p,
            "n_classes": 2,
        }
    test = paired_test(name, **data, confidence=0.9)
    losses = [per_row_losses(name, y, p, s) for p, s in ((cand, cand_p), (base, base_p))]
    reference = ttest_rel(*losses)
    interval = reference.confidence_interval(0.9)
    assert test.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=0)
    assert (test.ci_low, test.ci_high) == pytest.approx((interval.low, interval.high), rel=1e-9)
    expected = sklearn(name, y, cand, cand_p, 2) - sklearn(name, y, base, base_p, 2)
    assert test.delta == pytest.approx(expected, rel=1e-12)


def delong(y, cand_scores, base_scores) -> tuple[float, float]:
    """DeLong, DeLong and Clarke-Pearson (1988), pair by pair: the change and its error."""
    pos, neg = y == 1, y == 0
    parts = []
    for s in (cand_scores, base_scores):
        kernel = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
        parts.append((kernel.mean(axis=1), kernel.mean(axis=0), kernel.mean()))
    (v10c, v01c, ac), (v10b, v01b, ab) = parts
    variance = np.var(v10c - v10b, ddof=1) / pos.sum() + np.var(v01c - v01b, ddof=1) / neg.sum()
    return ac - ab, float(np.sqrt(variance))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_roc_area_gets_delongs_test(dtype) -> None:
    y, cand, base, cand_p, base_p = outcomes(600, seed=4)  # rounded scores: ties
    cand_p, base_p = cand_p.astype(dtype), base_p.astype(dtype)
    test = paired_test(
        "roc_auc",
        y_true=y,
        candidate_pred=cand,
        baseline_pred=base,
        candidate_scores=cand_p,
        baseline_scores=base_p,
        n_classes=2,
    )
    delta, error = delong(y, cand_p[:, 1], base_p[:, 1])
    assert test.delta == pytest.approx(delta, rel=1e-12)
    # DeLong divides by positives - 1 and negatives - 1, the delta method by rows - 1
    assert test.std_error == pytest.approx(error, rel=0.01)
    assert test.ci_high - test.ci_low == pytest.approx(2 * 1.9640 * test.std_error, rel=1e-3)


@functools.lru_cache(maxsize=1)
def row_resamples(rows: int, resamples: int, *, seed: int) -> np.ndarray:
    """(resamples, rows): how often each resample drew each row, from `seed`. Drawn once
    for the closed forms' cases, which all resample the same rows alike; read-only, so
    that no case changes them for the next."""
    rng = np.random.default_rng(seed)
    drawn = np.vstack(list(distributions.resample_counts(rows, resamples, rng)))
    drawn.flags.writeable = False
    return drawn


@pytest.mark.parametrize(
    ("name", "n_classes"),
    [
        ("rmse", 0),
        ("r2", 0),
        ("explained_variance", 0),
        ("average_precision", 2),
        ("roc_auc", 3),
        ("roc_auc_ovr_weighted", 3),
        ("roc_auc_ovo", 3),
        ("roc_auc_ovo_weighted", 4),
        ("d2_absolute_error", 0),
        ("log_loss", 3),
        ("d2_log_loss", 3),
        ("d2_brier", 2),
        ("mape", 0),
    ],
)
def test_a_closed_forms_error_is_the_row_bootstraps(name, n_classes) -> None:
    """The delta method's standard error against 3,000 resamples of rows."""
    rows = 1500
    if n_classes == 0:
        y, cand, base = regression(rows, seed=8)
        sides = {"y_true": y, "n_classes": 0}
        cand_side, base_side = {"pred": cand}, {"pred": base}
        data = {"y_true": y, "candidate_pred": cand, "baseline_pred": base, "n_classes": 0}
    else:
        y, cand, base, cand_p, base_p = outcomes(rows, n_classes, seed=8)
        sides = {"y_true": y, "n_classes": n_classes}
        cand_side, base_side = {"pred": cand, "scores": cand_p}, {"pred": base, "scores": base_p}
        data = {
            "y_true": y,
            "candidate_pred": cand,
            "baseline_pred": base,
            "candidate_scores": cand_p,
            "baseline_scores": base_p,
            "n_classes": n_classes,
        }
    test = paired_test(name, **data)
    drawn = row_resamples(rows, 3000, seed=9)
    deltas = on_resamples(name, drawn, **sides, **cand_side) - on_resamples(
        name, drawn, **sides, **base_side
    )
    # Monte Carlo noise of a standard deviation at 3,000 resamples: about 1.3%
    assert test.std_error == pytest.approx(np.std(deltas, ddof=1), rel=0.08), name
    assert test.delta == pytest.approx(
        float(
            on_resamples(name, np.ones((1, rows)), **sides, **cand_side)[0]
            - on_resamples(name, np.ones((1, rows)), **sides, **base_side)[0]
        ),
        rel=1e-9,
    )


def test_the_closed_forms_do_not_resample() -> None:
    """Gates on five metrics at 300,000 paired rows cost a few sorts of those rows: the row
    bootstrap's log loss alone took about 30 of them, its ROC area about 60."""
    import time

    rows = 300_000
    y, cand, base, cand_p, base_p = outcomes(rows, seed=10)
    cand_p, base_p = (
        np.asarray(p + 1e-7 * np.arange(rows)[:, None] / rows, np.float32) for p in (cand_p, base_p)
    )  # few ties, as real scores
    data = {
        "y_true": y,
        "candidate_pred": cand,
        "baseline_pred": base,
        "candidate_scores": cand_p,
        "baseline_scores": base_p,
        "n_classes": 2,
    }

    def fastest(fn) -> float:
        """The least of seven, in this thread's CPU time: wall time on a busy machine
        counted the other worker's turns, and failed a fresh clone's run (9x quiet, 12x
        beside a matrix product on the other core)."""
        times = []
        for _ in range(7):
            start = time.thread_time()
            fn()
            times.append(time.thread_time() - start)
        return min(times)

    five = ("accuracy", "f1", "roc_auc", "log_loss", "brier_score")
    paired_test("accuracy", **data)  # the one-time imports
    gates = fastest(lambda: [paired_test(name, **data) for name in five])
    sort = fastest(lambda: np.argsort(cand_p[:, 1]))
    assert gates < 15 * sort, (gates, sort)


def test_the_row_bootstrap_spends_no_cpu_on_idle_blas_threads() -> None:
    """A weighted sum per resample is too small to share: extra BLAS threads only spin."""
    import time

    from threadpoolctl import threadpool_limits

    y, cand, base = regression(50_000, seed=12)
    data = {"y_true": y, "candidate_pred": cand, "baseline_pred": base, "n_classes": 0}

    def cpu(fn) -> float:
        start = time.thread_time()
        fn()
        return time.thread_time() - start

    cpu(lambda: paired_test("median_ae", **data, resamples=100))  # warm
    # the least of three each: a busy machine (the other worker) adds to one measurement
    as_called = min(cpu(lambda: paired_test("median_ae", **data, resamples=400)) for _ in "abc")
    with threadpool_limits(limits=1, user_api="blas"):
        one_thread = min(
            cpu(lambda: paired_test("median_ae", **data, resamples=400)) for _ in "abc"
        )
    assert as_called < 1.5 * one_thread + 0.05, (as_called, one_thread)


@given(st.lists(st.floats(width=32, allow_nan=False), min_size=1, max_size=300))
def test_float32_scores_sort_by_their_bits_as_argsort_sorts_them(values) -> None:
    from mlgate.compare.influence import _order

    scores = np.array(values, dtype=np.float32)
    order = _order(scores)
    np.testing.assert_array_equal(np.sort(order), np.arange(len(scores)))
    np.testing.assert_array_equal(scores[order], np.sort(scores))


@pytest.mark.parametrize(
    ("name", "rows", "ties"),
    [
        ("median_ae", 2000, False),
        ("median_ae", 2001, True),
        ("max_error", 2000, False),
        ("max_error", 300, True),
    ],
)
def test_the_median_and_max_bootstrap_has_the_row_bootstraps_distribution(name, rows, ties) -> None:
    """Drawn through the rows that can hold the statistic: the same distribution as
    resampling every row, against 4,000 resamples of every row."""
    y, cand, base = regression(rows, seed=13)
    if ties:
        cand, base = np.round(cand), np.round(base)
    data = {"y_true": y, "candidate_pred": cand, "baseline_pred": base, "n_classes": 0}
    test = paired_test(name, **data, resamples=4000, seed=1)
    drawn = np.vstack(list(distributions.resample_counts(rows, 4000, np.random.default_rng(2))))
    every_row = on_resamples(name, drawn, y_true=y, pred=cand) - on_resamples(
        name, drawn, y_true=y, pred=base
    )
    reference = distributions.summarise(test.delta, every_row, rows=rows)
    se = reference.std_error
    assert test.std_error == pytest.approx(se, rel=0.08)
    assert abs(test.ci_low - reference.ci_low) < 0.25 * se
    assert abs(test.ci_high - reference.ci_high) < 0.25 * se
    assert test.delta == pytest.approx(
        sklearn(name, y, cand, None, 0) - sklearn(name, y, base, None, 0), rel=1e-12
    )


@pytest.mark.parametrize(
    ("metric", "domain"),
    [
        ("msle", "targets and predictions above -1"),
        ("rmsle", "targets and predictions above -1"),
        ("poisson_deviance", "targets of 0 or more and predictions above 0"),
        ("gamma_deviance", "targets and predictions above 0"),
    ],
)
def test_a_logarithmic_metric_outside_its_domain_says_why_and_warns_of_nothing(
    metric: str, domain: str
) -> None:
    """A negative target printed numpy's "invalid value encountered in log1p" on the
    terminal, and the gate said only that the metric was undefined."""
    y = np.array([-150.0, 20.0, 35.0, 50.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            ValueError, match=f"'{metric}' is undefined on these rows: it takes {domain}"
        ):
            paired_test(
                metric, y_true=y, candidate_pred=y + 1.0, baseline_pred=y + 2.0, n_classes=0
            )


def test_two_models_macro_averages_are_over_the_same_classes() -> None:
    """On rows without class 0, a baseline that predicts class 0 once was averaged over 10
    classes and the candidate over 9: its f1_macro change came out a gain when on the
    same classes it is a loss."""
    from mlgate.compare.paired import Paired, on_rows

    rng = np.random.default_rng(2)
    y = rng.integers(1, 10, 400)  # no row of class 0
    baseline = np.where(rng.random(400) < 0.9, y, rng.integers(1, 10, 400))
    baseline[0] = 0  # one row predicted class 0
    candidate = np.where(rng.random(400) < 0.86, y, rng.integers(1, 10, 400))
    shared = [  # both over the 10 classes one of them or the truth holds
        skm.f1_score(y, pred, labels=list(range(10)), average="macro", zero_division=0)
        for pred in (candidate, baseline)
    ]
    rows = Paired(
        y_true=y,
        candidate_pred=candidate,
        baseline_pred=baseline,
        candidate_scores=None,
        baseline_scores=None,
        n_classes=10,
        positive_index=1,
        same_data=True,
    )
    ours, theirs = (
        on_rows("f1_macro", rows, candidate, None),
        on_rows("f1_macro", rows, baseline, None),
    )
    assert (ours, theirs) == pytest.approx(shared, rel=1e-12)
    alone = skm.f1_score(y, candidate, average="macro") - skm.f1_score(y, baseline, average="macro")
    assert alone > 0 > ours - theirs  # each on its own classes: a gain; on the same: a loss
    test = paired_test(
        "f1_macro", y_true=y, candidate_pred=candidate, baseline_pred=baseline, n_classes=10
    )
    assert test.delta == pytest.approx(ours - theirs, rel=1e-12)
    assert test.ci_low < test.delta < test.ci_high
