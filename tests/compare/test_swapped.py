"""The label metrics' paired test (accuracy aside): the change against the changes of the
same rows with each row's two answers swapped at random. It holds its level however few
rows the models answer apart, where the bootstrap of the same outcome cells it replaced
called equally good models changed too often."""

from __future__ import annotations

import numpy as np
import pytest

from mlgate.compare.distributions import PERMUTED_PAIRS
from mlgate.compare.significance import on_resamples, paired_test

CLASSES = 10


def equally_good(rng: np.random.Generator, rows: int, wrong: float) -> tuple[np.ndarray, ...]:
    """Labels and two models' answers, each wrong on a share of the rows at random, the
    two answers of every row in random order: nothing tells the models apart."""
    y = rng.integers(0, CLASSES, rows)
    answers = []
    for _ in range(2):
        said = y.copy()
        miss = rng.random(rows) < wrong
        said[miss] = (y[miss] + rng.integers(1, CLASSES, miss.sum())) % CLASSES
        answers.append(said)
    swap = rng.random(rows) < 0.5
    return y, np.where(swap, answers[1], answers[0]), np.where(swap, answers[0], answers[1])


@pytest.mark.parametrize("metric", ["f1_macro", "balanced_accuracy"])
def test_equally_good_models_a_few_rows_apart_are_called_changed_at_most_at_the_level(
    metric: str,
) -> None:
    """111 rows, about 8 answered apart: the bootstrap of counts called 52 and 54 of these
    800 pairs changed at the 5% level (6.5%, 6.8%); swapping the answers, 28 and 28
    (most pairs few enough rows apart to weigh every swap)."""
    rng = np.random.default_rng(7)
    called = 0
    pairs = 800
    for seed in range(pairs):
        y, candidate, baseline = equally_good(rng, 111, 0.04)
        test = paired_test(
            metric, y_true=y, candidate_pred=candidate, baseline_pred=baseline,
            n_classes=CLASSES, resamples=200, seed=seed,
        )  # fmt: skip
        assert test.method == PERMUTED_PAIRS
        assert (test.p_value < 0.05) == (test.ci_low > 0 or test.ci_high < 0)
        called += test.p_value < 0.05
    assert called / pairs <= 0.05


def test_one_row_against_six_is_not_a_significant_drop() -> None:
    """A slice where the candidate was right on one row the baseline missed and the
    baseline on six the candidate missed: p = 0.022 for f1_macro from the bootstrap, where
    McNemar's exact test on the same rows gives 0.125 for accuracy."""
    y = np.arange(111) % CLASSES
    candidate, baseline = y.copy(), y.copy()
    candidate[:6] = (y[:6] + 1) % CLASSES
    baseline[6] = (y[6] + 1) % CLASSES
    found = {
        metric: paired_test(
            metric, y_true=y, candidate_pred=candidate, baseline_pred=baseline, n_classes=CLASSES
        )
        for metric in ("accuracy", "f1_macro", "f1_micro")
    }
    assert found["accuracy"].p_value == pytest.approx(0.125)
    # 7 rows apart: every one of the 128 swaps weighed, so f1_micro's p is McNemar's
    assert found["f1_micro"].p_value == pytest.approx(0.125, rel=1e-12)
    for metric in ("f1_macro", "f1_micro"):  # f1_micro is accuracy: the same 7 rows decide
        test = found[metric]
        assert test.delta < 0
        assert test.p_value > 0.1 and test.ci_low < 0 <= test.ci_high, metric


def test_a_real_drop_on_many_rows_is_found_with_the_bootstraps_reach() -> None:
    """The price of exactness is small: a model wrong on 5 more rows in 100 than the
    baseline, over 2,000 rows, is a significant drop, and the interval's half-width is
    within a fifth of the row bootstrap's."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, CLASSES, 2000)
    baseline = y.copy()
    miss = rng.random(2000) < 0.10
    baseline[miss] = (y[miss] + 1) % CLASSES
    candidate = baseline.copy()
    worse = (~miss) & (rng.random(2000) < 0.06)
    candidate[worse] = (y[worse] + 2) % CLASSES
    test = paired_test(
        "f1_macro", y_true=y, candidate_pred=candidate, baseline_pred=baseline, n_classes=CLASSES
    )
    assert test.ci_high < 0 and test.p_value < 0.01
    from sklearn.metrics import f1_score

    def row_bootstrap(pred: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The plain row bootstrap's f1_macro, held to scikit-learn's in test_significance."""
        return on_resamples("f1_macro", counts, y_true=y, pred=pred, n_classes=CLASSES)

    picks = np.array([rng.integers(0, 2000, 2000) for _ in range(400)])
    counts = np.array([np.bincount(rows, minlength=2000) for rows in picks])
    drawn = row_bootstrap(candidate, counts) - row_bootstrap(baseline, counts)
    for rows, change in zip(picks[:5], drawn[:5], strict=True):  # scikit-learn's, as it was
        assert change == pytest.approx(
            f1_score(y[rows], candidate[rows], average="macro")
            - f1_score(y[rows], baseline[rows], average="macro"),
            rel=1e-12,
            abs=1e-15,
        )
    assert test.delta == pytest.approx(
        f1_score(y, candidate, average="macro") - f1_score(y, baseline, average="macro")
    )
    half = (test.ci_high - test.ci_low) / 2
    bootstrap = (np.quantile(drawn, 0.975) - np.quantile(drawn, 0.025)) / 2
    assert half == pytest.approx(bootstrap, rel=0.2)


def test_models_that_answer_alike_have_no_change_and_p_one() -> None:
    y = np.arange(50) % 3
    said = np.where(np.arange(50) % 7 == 0, (y + 1) % 3, y)  # both wrong on the same rows
    test = paired_test("f1_macro", y_true=y, candidate_pred=said, baseline_pred=said, n_classes=3)
    assert (test.delta, test.ci_low, test.ci_high, test.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_a_tie_is_a_tie_however_the_sums_were_rounded() -> None:
    """Two swapped tables of the same change came out an ulp apart (f1_weighted 0.7125
    and 0.7124999999999999): the tie counted on one side only, and the verdict turned on
    which model was called the candidate (p 0.046, significant; roles swapped, 0.056).
    Over all 128 swaps the exact p is 0.0625, which every swap weighed now gives."""
    y = np.array([3, 0, 0, 0, 1, 2, 1, 0])
    one, other = np.array([3, 0, 0, 0, 2, 2, 1, 0]), np.array([1, 3, 1, 2, 1, 2, 2, 3])
    for candidate, baseline in ((one, other), (other, one)):
        test = paired_test(
            "f1_weighted", y_true=y, candidate_pred=candidate, baseline_pred=baseline, n_classes=4
        )
        assert test.p_value == pytest.approx(0.0625, rel=1e-12)
        assert test.ci_low <= 0 <= test.ci_high
        assert 0.0 in (test.ci_low, test.ci_high)  # the end the change itself ties


def test_an_end_the_change_ties_is_zero_not_a_rounding_of_it() -> None:
    """Kappa's interval ended at +2.8e-17, printed "+0.000000000000": just past zero, by
    the rounding of delta less the same change computed another way."""
    y = np.array([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0])
    candidate = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1])
    baseline = np.array([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1])
    test = paired_test(
        "cohen_kappa", y_true=y, candidate_pred=candidate, baseline_pred=baseline, n_classes=2
    )
    assert test.ci_high == 0.0 or test.ci_low == 0.0
    assert all(end == 0.0 or abs(end) > 1e-9 for end in (test.ci_low, test.ci_high))


def test_a_side_the_run_calls_no_figure_is_no_figure_here_either() -> None:
    """A baseline that called every row one class has no MCC (0/0; the run says
    "undefined"), yet the test scored it 0 and found the candidate 0.85 better, p 0.004."""
    y = np.array([0, 1] * 20)
    baseline, candidate = np.zeros(40, int), y.copy()
    candidate[:3] = 1 - candidate[:3]
    with pytest.raises(ValueError, match="undefined on these rows: every row of one class"):
        paired_test(
            "matthews_corrcoef", y_true=y, candidate_pred=candidate, baseline_pred=baseline,
            n_classes=2,
        )  # fmt: skip


def every_swap(metric, y, candidate, baseline):  # type: ignore[no-untyped-def]
    """The permutation distribution by brute force: every subset of the rows answered
    apart swapped, each metric from scikit-learn."""
    from itertools import product

    import sklearn
    from sklearn.metrics import balanced_accuracy_score, f1_score

    score = {
        "f1_macro": lambda t, p: f1_score(t, p, average="macro", zero_division=0),
        "balanced_accuracy": balanced_accuracy_score,
    }[metric]
    apart = np.flatnonzero(candidate != baseline)
    scored = []  # the candidate's side of each swap, in product's order
    # scikit-learn without checking again, for each of the 1,024 swaps, the arguments this
    # function hands it (the same types each time; labels finite): the same figures
    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
        for flips in product((False, True), repeat=len(apart)):
            one = candidate.copy()
            swapped = apart[list(flips)]
            one[swapped] = baseline[swapped]
            scored.append(score(y, one))
    # the baseline's side of a swap is the candidate's side of the opposite swap (every row
    # apart flipped the other way), which product lists as far from the end as it is from
    # the start: each side scored by scikit-learn once, not twice
    changes = np.array(scored) - np.array(scored[::-1])
    return score(y, candidate) - score(y, baseline), changes


@pytest.mark.parametrize("metric", ["f1_macro", "balanced_accuracy"])
def test_few_rows_apart_every_swap_is_weighed_and_no_seed_moves_p(metric: str) -> None:
    """With 10 rows answered apart there are 1,024 ways to swap them: the p-value is the
    share of them at least as far out as the change, by brute force with scikit-learn,
    and the same at every seed (a sample of 1,000 swaps moved it by about 0.014)."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 4, 60)
    candidate, baseline = y.copy(), y.copy()
    apart = rng.choice(60, 10, replace=False)
    candidate[apart[:7]] = (y[apart[:7]] + 1) % 4  # the candidate misses 7, the baseline 3
    baseline[apart[7:]] = (y[apart[7:]] + 2) % 4
    delta, changes = every_swap(metric, y, candidate, baseline)
    tied = 1e-9
    exact = min(1.0, 2 * min(np.mean(changes >= delta - tied), np.mean(changes <= delta + tied)))
    found = {
        paired_test(
            metric, y_true=y, candidate_pred=candidate, baseline_pred=baseline, n_classes=4,
            seed=seed,
        ).p_value
        for seed in range(5)
    }  # fmt: skip
    assert len(found) == 1
    assert found.pop() == pytest.approx(exact, rel=1e-9)
    assert exact < 1  # the case is not trivial
