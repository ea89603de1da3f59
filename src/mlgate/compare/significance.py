"""The paired test for each metric mlgate knows, fast enough for every pull request.

Which test depends on what the metric needs (the result names it as `method`):

- accuracy: exact McNemar (only the rows where one model is right and the other wrong),
  with the exact interval that inverts the same binomial test.
- other label metrics: approximate randomization, each row's two answers swapped at
  random. Everything they depend on is the table of (true class, candidate's class,
  baseline's class) outcomes, so every draw is a binomial half of each cell the models
  answer apart moved to its mirror cell: exact under "the models are as good as each
  other" however few rows differ, in about a millisecond at any number of rows.
- means of per-row terms (log loss, Brier, MAE, MSE, MAPE): the paired t-test on the
  per-row differences; RMSE, R², explained variance and average precision: the delta
  method; the ROC area: DeLong's. Closed forms, O(rows) (`compare.influence`).
- the median and the largest error: a paired bootstrap of rows, drawn through the few
  rows that can hold the statistic (`compare.ranked`), so that it costs sqrt(rows).

Each reads its p-value and its interval off one object, so the interval excludes zero
exactly when p < 1 - confidence. Seeded and pure: the same rows and seed give the same
test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from statistics import NormalDist

import numpy as np

from mlgate import words
from mlgate.compare import binned, influence, ranked
from mlgate.compare.distributions import (
    PERMUTED_PAIRS,
    PairedTest,
    fewest_apart,
    held,
    linear_test,
    mcnemar,
    permuted,
    summarise,
    tables,
)
from mlgate.manifest.metrics import METRICS, Metric
from mlgate.model import calibration
from mlgate.model.counts import (
    LABEL_METRICS,
    Totals,
    known_classes,
    label_metric,
    no_figure,
    shared_classes,
    why_no_figure,
)

BINNED = "paired bootstrap of binned calibration gaps"

Side = Callable[[np.ndarray], np.ndarray]  # (resamples, rows) counts -> metric per resample


def paired_test(
    metric: str,
    *,
    y_true: np.ndarray,
    candidate_pred: np.ndarray,
    baseline_pred: np.ndarray,
    candidate_scores: np.ndarray | None = None,
    baseline_scores: np.ndarray | None = None,
    n_classes: int,
    positive_index: int = 1,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedTest:
    """Candidate against baseline on the same rows, by the test that suits `metric`.

    For classification, y_true and the predictions are class indices (0..n_classes-1)
    and the scores (rows, n_classes) probabilities; for regression, values.
    Raises ValueError (with the reason) when the metric is undefined on these rows.
    """
    spec = METRICS.get(metric)
    if spec is None:
        raise ValueError(f"no paired test for '{metric}', which mlgate does not compute")
    test = _by_kind(
        spec,
        np.asarray(y_true),
        candidate_pred,
        baseline_pred,
        candidate_scores,
        baseline_scores,
        n_classes=n_classes,
        positive_index=positive_index,
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
    return held(test, spec.change_within())


def _by_kind(
    spec: Metric,
    y_true: np.ndarray,
    candidate_pred: np.ndarray,
    baseline_pred: np.ndarray,
    candidate_scores: np.ndarray | None,
    baseline_scores: np.ndarray | None,
    *,
    n_classes: int,
    positive_index: int,
    resamples: int,
    seed: int,
    confidence: float,
) -> PairedTest:
    """The test itself, its interval as the test gives it."""
    metric = spec.name
    rows = len(y_true)
    if rows == 0:
        raise ValueError("no paired rows to compare")
    if spec.binary_only and n_classes != 2:
        raise ValueError(f"'{metric}' is defined for two classes, and there are {n_classes}")
    if spec.top_k is not None and n_classes <= spec.top_k:
        raise ValueError(f"'{metric}' needs more than {words.count(spec.top_k, 'class')}")
    if metric == "accuracy":
        return mcnemar(
            np.asarray(candidate_pred) == y_true,
            np.asarray(baseline_pred) == y_true,
            confidence=confidence,
        )
    if metric in LABEL_METRICS:
        return _swapped_counts(
            metric,
            y_true,
            candidate_pred,
            baseline_pred,
            n_classes,
            positive_index,
            resamples,
            seed,
            confidence,
        )
    if spec.needs == "scores" and (candidate_scores is None or baseline_scores is None):
        raise ValueError(f"'{metric}' needs probabilities from both models")
    if metric in influence.CLOSED_FORM:
        found = _closed_form(
            metric,
            y_true,
            candidate_pred,
            baseline_pred,
            candidate_scores,
            baseline_scores,
            n_classes,
            positive_index,
        )
        if not math.isfinite(found.delta):
            raise ValueError(f"'{metric}' is undefined on these rows")
        return linear_test(found.delta, found.influence, confidence=confidence, method=found.method)
    if metric == "calibration_error":
        return _calibration_test(
            y_true,
            candidate_scores,
            baseline_scores,
            n_classes,
            positive_index,
            resamples=resamples,
            seed=seed,
            confidence=confidence,
        )
    if metric not in ("median_ae", "max_error"):
        raise ValueError(f"no paired test for '{metric}'")
    y, cand = _checked_values(y_true, candidate_pred)
    cand_error, base_error = np.abs(y - cand), np.abs(y - _checked_values(y, baseline_pred)[1])
    statistic, of = ("median", np.median) if metric == "median_ae" else ("max", np.max)
    delta = float(of(cand_error) - of(base_error))
    drawn = ranked.deltas(statistic, cand_error, base_error, resamples, np.random.default_rng(seed))
    return summarise(delta, drawn, rows=rows, confidence=confidence)


def _calibration_test(
    y_true: np.ndarray,
    candidate_scores: np.ndarray | None,
    baseline_scores: np.ndarray | None,
    n_classes: int,
    positive_index: int,
    *,
    resamples: int,
    seed: int,
    confidence: float,
) -> PairedTest:
    assert candidate_scores is not None and baseline_scores is not None
    y = _checked_classes(y_true, n_classes)
    ours = _calibration_terms(y, candidate_scores, n_classes, positive_index)
    theirs = _calibration_terms(y, baseline_scores, n_classes, positive_index)
    delta = calibration.error(ours) - calibration.error(theirs)
    drawn = binned.deltas(ours, theirs, resamples, np.random.default_rng(seed))
    return summarise(delta, drawn, rows=len(y), confidence=confidence, method=BINNED)


def _calibration_terms(
    y: np.ndarray, scores: np.ndarray, n_classes: int, positive_index: int
) -> calibration.Terms:
    return calibration.terms(y, _checked_scores(scores, len(y), n_classes), positive_index)


def _closed_form(
    metric: str,
    y_true: np.ndarray,
    candidate_pred: np.ndarray,
    baseline_pred: np.ndarray,
    candidate_scores: np.ndarray | None,
    baseline_scores: np.ndarray | None,
    n_classes: int,
    positive_index: int,
) -> influence.Linear:
    if candidate_scores is not None and baseline_scores is not None:
        y = _checked_classes(y_true, n_classes)
        return influence.scores_change(
            metric,
            y,
            _checked_scores(candidate_scores, len(y), n_classes),
            _checked_scores(baseline_scores, len(y), n_classes),
            n_classes=n_classes,
            positive_index=positive_index,
        )
    y, cand = _checked_values(y_true, candidate_pred)
    return influence.values_change(metric, y, cand, _checked_values(y_true, baseline_pred)[1])


def detectable_change(test: PairedTest, *, power: float = 0.8) -> float:
    """The smallest change these rows would call significant with `power`, inf when the
    test cannot call any change significant on them, or NaN.

    (z_{1-alpha/2} + z_power) times the standard error of the change (the normal
    approximation), but never less than the smallest change the test itself can call
    significant on these rows (`PairedTest.least`): an exact test of the few rows two
    models answer apart moves in whole rows, and the approximation called 0.0056 of
    accuracy detectable on 500 rows with one answered apart, where exact McNemar's p is
    at least 0.0625 below a net 6 rows (0.012), and 1 whatever one row does. NaN when
    there is no standard error: two models that agree on every row say nothing about it.
    """
    if not test.std_error > 0:
        return math.nan
    if math.isinf(test.least):
        return math.inf
    normal = NormalDist()
    z = normal.inv_cdf(0.5 + test.confidence / 2) + normal.inv_cdf(power)
    return max(z * test.std_error, test.least)


def on_resamples(
    metric: str,
    counts: np.ndarray,
    *,
    y_true: np.ndarray,
    pred: np.ndarray,
    scores: np.ndarray | None = None,
    n_classes: int = 0,
    positive_index: int = 1,
) -> np.ndarray:
    """One model's metric on each resample, given as (resamples, rows) counts of draws.

    The plain row bootstrap, for reference: tests hold it to scikit-learn on the rows a
    resample drew, and the closed forms and the cheap bootstraps to it.
    """
    counts = np.asarray(counts, np.float64)
    if metric in LABEL_METRICS:
        k = n_classes + 1
        cells = known_classes(y_true, n_classes) * k + known_classes(pred, n_classes)
        return label_metric(metric, tables(counts, cells, (k, k)), positive_index=positive_index)
    if METRICS[metric].needs == "scores" and scores is None:
        raise ValueError(f"'{metric}' needs probabilities")
    return _side(metric, y_true, pred, scores, n_classes, positive_index)(counts)


def _swapped_counts(
    metric: str,
    y_true: np.ndarray,
    cand: np.ndarray,
    base: np.ndarray,
    n_classes: int,
    positive_index: int,
    resamples: int,
    seed: int,
    confidence: float,
) -> PairedTest:
    """Approximate randomization (Noreen 1989; Yeh 2000): with the two models as good as
    each other, each row's two answers could as well have been the other way round, so
    the change is held against the changes of the same rows with their answers swapped at
    random. Only rows where the answers differ move, and of a cell of the (true,
    candidate, baseline) table a binomial half moves to its mirror cell, so a deal costs
    the same at any number of rows.

    Exact under that null however few rows differ: a bootstrap of the same table called
    6.5% of equally good ten-class models on 111 rows (8 rows apart) changed at the 5%
    level, and gave p = 0.02 to one row against six, where McNemar's exact test says 0.125.
    """
    k = n_classes + 1
    t, c, b = (known_classes(a, n_classes) for a in (y_true, cand, base))
    cells = np.bincount((t * k + c) * k + b, minlength=k**3)
    occupied = np.flatnonzero(cells)
    weights = cells[occupied].astype(np.float64)
    true, said, other = occupied // k**2, occupied // k % k, occupied % k
    apart = np.flatnonzero(said != other)  # the cells whose rows a swap moves
    # the table's cells, then each moving cell's mirror: (true, baseline's, candidate's)
    truth = np.concatenate([true, true[apart]])
    sides = (np.concatenate([said, other[apart]]), np.concatenate([other, said[apart]]))
    # each side's totals (counts.Totals) summed from the cells straight: a deal's tables are
    # never built (sums of whole rows, the same numbers either way), a tenth of the cells
    hit = [np.where(given == truth, given, k) for given in sides]  # k: no true positive

    def deltas(moved: np.ndarray) -> np.ndarray:
        drawn = np.concatenate([np.broadcast_to(weights, (len(moved), len(weights))), moved], 1)
        drawn[:, apart] -= moved
        support = tables(drawn, truth, (k,))  # both sides': a swap keeps each row's class
        both = [
            Totals(tables(drawn, right, (k + 1,))[:, :k], support, tables(drawn, given, (k,)))
            for given, right in zip(sides, hit, strict=True)
        ]
        present = shared_classes(*both)  # one set of classes for both models' averages
        cand_value, base_value = (_figure(totals, present) for totals in both)
        delta: np.ndarray = cand_value - base_value  # label_metric's tables are untyped
        return delta

    def _figure(totals: Totals, present: np.ndarray) -> np.ndarray:
        """The metric of each table; where it divides by zero, left out (NaN), not 0."""
        value = label_metric(metric, totals, positive_index=positive_index, present=present)
        return np.where(no_figure(metric, totals, positive_index, values=value), np.nan, value)

    rows = int(weights.sum())
    delta = float(deltas(np.zeros((1, len(apart))))[0])
    if not math.isfinite(delta):  # as the run says it of either model's figure
        raise ValueError(f"'{metric}' is undefined on these rows: {why_no_figure(metric)}")
    moving = cells[occupied[apart]]
    chunk = max(1, (1 << 20) // max(len(occupied) + len(apart), k * k))
    # a deal costs a k x k table: past 10 classes the budget shrinks (500 classes took 17 s
    # a metric at 4,096 deals), never below the draws it replaces
    every = _every_deal(moving, most=max(resamples, EXACT_DEALS * 121 // max(121, k * k)))
    if every is None:
        rng = np.random.default_rng(seed)
        sizes = _chunks(resamples, chunk)
        dealt = (rng.binomial(moving, 0.5, (size, len(apart))).astype(float) for size in sizes)
        chances = None
    else:  # few enough to weigh each by its chance: the p-value no seed can move
        moved, chances = every
        dealt = (moved[start : start + chunk] for start in range(0, len(moved), chunk))
    drawn = np.concatenate([deltas(deal) for deal in dealt])
    finite = np.isfinite(drawn)
    spread = _variance(drawn[finite], None if chances is None else chances[finite])
    answered_apart = int(moving.sum())
    if not spread > 0:  # no row the two answered apart could move it: no change
        return PairedTest(
            method=PERMUTED_PAIRS, rows=rows, delta=delta, ci_low=delta, ci_high=delta,
            p_value=1.0, confidence=confidence, std_error=0.0,
            apart=answered_apart, least=math.inf,
        )  # fmt: skip
    test = permuted(
        metric,
        PERMUTED_PAIRS,
        (delta, spread),
        (drawn, np.full(len(drawn), spread)),
        rows=rows,
        confidence=confidence,
        chances=chances,
    )
    # however a sample of the swaps fell, p is at least 2 / 2^apart on so few rows
    least = test.least if answered_apart >= fewest_apart(confidence) else math.inf
    return replace(test, apart=answered_apart, least=least)


EXACT_DEALS = 4_096  # every deal weighed, not sampled, up to this many (or resamples)


def _every_deal(moving: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Every way the swaps can fall, as the number of rows each moving cell loses, with its
    chance (a product of binomial halves); None when there are more than `most`. A handful
    of rows answered apart is where a sampled p-value moves most with the seed (0.028 to
    0.078 over 13 seeds for an exact 0.0525)."""
    if math.prod(int(n) + 1 for n in moving) > most:
        return None
    if len(moving) == 0:  # no row answered apart: the one deal is the table as it is
        return np.zeros((1, 0)), np.ones(1)
    from scipy.stats import binom

    counts = [np.arange(int(n) + 1) for n in moving]
    moved = np.stack(np.meshgrid(*counts, indexing="ij"), -1).reshape(-1, len(moving))
    sizes = [len(c) for c in counts]  # one call for every cell's binomial: its overhead
    flat = binom.pmf(np.concatenate(counts), np.repeat(moving.astype(np.int64), sizes), 0.5)
    each = np.split(flat, np.cumsum(sizes)[:-1])
    chances = np.prod(np.stack(np.meshgrid(*each, indexing="ij"), -1).reshape(moved.shape), 1)
    return moved.astype(float), chances


def _variance(values: np.ndarray, chances: np.ndarray | None) -> float:
    if len(values) == 0:
        return 0.0
    if chances is None:
        return float(np.var(values))
    weights = chances / chances.sum()
    mean = float(weights @ values)
    return float(weights @ (values - mean) ** 2)


def _chunks(total: int, size: int) -> list[int]:
    return [min(size, total - start) for start in range(0, total, size)]


def _side(
    metric: str,
    y_true: np.ndarray,
    pred: np.ndarray,
    scores: np.ndarray | None,
    n_classes: int,
    positive_index: int,
) -> Side:
    if metric == "calibration_error" and scores is not None:
        y = _checked_classes(y_true, n_classes)
        found = _calibration_terms(y, scores, n_classes, positive_index)
        return lambda counts: calibration.on_counts(found, counts)
    if scores is not None and METRICS[metric].needs == "scores":
        return _score_side(metric, y_true, scores, n_classes, positive_index)
    return _regression_side(metric, y_true, pred)


# Each side below is the metric as a function of how often each row is drawn: scored on
# counts of ones it equals scikit-learn's value, on a resample's counts scikit-learn's
# value on that resample (tests/compare/test_significance.py checks both).


def _checked_classes(y_true: np.ndarray, n_classes: int) -> np.ndarray:
    y = np.asarray(y_true, np.int64)
    if np.any((y < 0) | (y >= n_classes)):
        raise ValueError("the test rows hold a class the model does not know")
    return y


def _checked_scores(scores: np.ndarray, rows: int, n_classes: int) -> np.ndarray:
    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.shape != (rows, n_classes):
        raise ValueError(
            f"scores of shape {scores.shape} for {words.count(rows, 'row')} and "
            f"{words.count(n_classes, 'class')}"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("the scores hold values that are not numbers")
    return scores


def _checked_values(y_true: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y, pred = np.asarray(y_true, np.float64), np.asarray(pred, np.float64)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(pred))):
        raise ValueError("the targets or predictions hold values that are not numbers")
    return y, pred


def _score_side(
    metric: str, y_true: np.ndarray, scores: np.ndarray, n_classes: int, positive_index: int
) -> Side:
    scores = _checked_scores(scores, len(y_true), n_classes)
    y = _checked_classes(y_true, n_classes)
    if metric in influence.MEANS:
        return _mean(influence.per_row(metric, y, None, scores, positive_index))
    is_pos = y == positive_index
    onehot = (y[:, None] == np.arange(n_classes)).astype(np.float64)
    if metric in influence.D2:
        loss = _mean(influence.d2_terms(metric, y, scores))

        def d2(counts: np.ndarray) -> np.ndarray:
            prior = influence.d2_prior(metric, counts @ onehot / counts.shape[1])[0]
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(prior > 0, 1 - loss(counts) / prior, np.nan)

        return d2
    if metric == "average_precision":
        return _average_precision(is_pos, scores[:, positive_index])
    if n_classes == 2:  # every ROC area: one
        return _roc_auc(is_pos, scores[:, positive_index])
    if metric.startswith("roc_auc_ovo"):
        return _pairs_roc_auc(metric, y, scores, n_classes)
    # one class against the rest: scikit-learn's multi_class="ovr", averaged equally or
    # weighted by each class's share of the rows drawn
    per_class = [_roc_auc(y == i, scores[:, i]) for i in range(n_classes)]
    if metric == "roc_auc_ovr_weighted":
        return lambda counts: (
            np.sum(
                [side(counts) * (counts @ onehot[:, i]) for i, side in enumerate(per_class)], axis=0
            )
            / counts.shape[1]
        )
    return lambda counts: np.mean([side(counts) for side in per_class], axis=0)


def _pairs_roc_auc(metric: str, y: np.ndarray, scores: np.ndarray, n_classes: int) -> Side:
    """Hand and Till's area on the rows drawn: each pair's two areas on its own rows,
    averaged over the pairs, or weighted by each pair's share of the rows drawn."""
    pairs = []
    for a, b, inside in influence.class_pairs(y, n_classes):
        one = _roc_auc(y[inside] == a, scores[inside, a])
        other = _roc_auc(y[inside] == b, scores[inside, b])
        pairs.append((inside, one, other))
    weighted = metric.endswith("weighted")

    def side(counts: np.ndarray) -> np.ndarray:
        values, weights = [], []
        for inside, one, other in pairs:
            drawn = counts[:, inside]
            values.append((one(drawn) + other(drawn)) / 2)
            weights.append(drawn.sum(axis=1) if weighted else np.ones(len(counts)))
        w = np.array(weights)
        result: np.ndarray = (np.array(values) * w).sum(axis=0) / w.sum(axis=0)
        return result

    return side


def _regression_side(metric: str, y: np.ndarray, pred: np.ndarray) -> Side:
    y, pred = _checked_values(y, pred)
    error = y - pred
    if metric in influence.MEANS:
        return _mean(influence.per_row(metric, y, pred))
    if metric == "rmse":
        mse = _mean(error**2)
        return lambda counts: np.sqrt(mse(counts))
    if metric == "rmsle":
        msle = _mean(influence.per_row("msle", y, pred))
        return lambda counts: np.sqrt(msle(counts))
    if metric == "median_ae":
        return _median(np.abs(error))
    if metric == "max_error":
        return _max(np.abs(error))
    if metric == "r2":
        return _r2(y, error, centre_error=False)
    if metric == "explained_variance":
        return _r2(y, error, centre_error=True)
    if metric == "d2_absolute_error":
        return _d2_absolute(y, np.abs(error))
    raise ValueError(f"no paired test for '{metric}'")


def _d2_absolute(y: np.ndarray, distance: np.ndarray) -> Side:
    """1 - sum |error| / sum |y - median| over the rows drawn (any median of the drawn
    targets: the sum is least, and the same, at each), with scikit-learn's finite answers
    when every drawn target is the same (1 for no error, else 0)."""
    order = np.argsort(y, kind="stable")
    ranked = y[order]

    def side(counts: np.ndarray) -> np.ndarray:
        below = np.cumsum(counts[:, order], axis=1)
        median = ranked[np.argmax(below >= counts.shape[1] / 2, axis=1)]
        spread = np.einsum("ij,ij->i", counts, np.abs(y[None, :] - median[:, None]))
        error = counts @ distance
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(spread > 0, 1 - error / spread, np.where(error == 0, 1.0, 0.0))

    return side


def _mean(losses: np.ndarray) -> Side:
    # every resample draws as many rows as there are: counts sum to counts.shape[1]
    return lambda counts: counts @ losses / counts.shape[1]


def _r2(y: np.ndarray, error: np.ndarray, *, centre_error: bool) -> Side:
    """1 - (residual spread / target spread), with scikit-learn's answers for zero spread.

    r2 divides the squared errors by the spread of y; explained variance the spread of
    the errors about their own mean. Values are centred on their full-data means first,
    so that spreads taken as sum(x^2) - sum(x)^2/n on a resample lose no precision.
    """
    yc = y - y.mean()
    ec = error - error.mean() if centre_error else error
    columns = np.column_stack([yc, yc**2, ec, ec**2])

    def side(counts: np.ndarray) -> np.ndarray:
        n = counts.shape[1]
        sy, syy, se, see = (counts @ columns).T
        target = syy - sy**2 / n
        residual = see - se**2 / n if centre_error else see
        target = np.where(target <= 1e-12 * syy, 0.0, target)  # constant y, up to rounding
        with np.errstate(divide="ignore", invalid="ignore"):
            score = 1 - residual / target
        return np.where(residual == 0, 1.0, np.where(target == 0, 0.0, score))

    return side


def _median(values: np.ndarray, margin: int | None = None) -> Side:
    """The median of the drawn values, from the running count in sorted order.

    How many draws fall below the middle of the sorted values varies by about
    sqrt(rows)/2, so that count is one matrix product up to a window of 12 such
    deviations either side of the middle, and only the window is accumulated. A
    resample whose middle falls outside it (odds below 1e-30) is accumulated whole.
    """
    rows = len(values)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    middle = np.array([(rows - 1) // 2, rows // 2])  # the two middle order statistics
    margin = int(6 * math.sqrt(rows)) + 16 if margin is None else margin
    start, stop = max(middle[0] - margin, 0), min(middle[1] + margin + 1, rows)
    before_window = np.zeros(rows)
    before_window[order[:start]] = 1.0
    window = order[start:stop]

    def side(counts: np.ndarray) -> np.ndarray:
        before = counts @ before_window
        running = before[:, None] + np.cumsum(np.take(counts, window, axis=1), axis=1)
        at = np.empty((len(counts), 2), dtype=np.int64)
        inside = (before <= middle[0]) & (running[:, -1] > middle[1])
        for i in range(len(counts)):
            if inside[i]:
                at[i] = start + np.searchsorted(running[i], middle, side="right")
            else:
                at[i] = np.searchsorted(np.cumsum(counts[i, order]), middle, side="right")
        medians: np.ndarray = (ordered[at[:, 0]] + ordered[at[:, 1]]) / 2
        return medians

    return side


def _max(values: np.ndarray, prefix: int = 64) -> Side:
    """The largest drawn value: the first drawn row in descending order, almost always
    among the first few (each is left out with odds about 1/e), so only a prefix is read."""
    order = np.argsort(-values, kind="stable")
    ordered = values[order]

    def side(counts: np.ndarray) -> np.ndarray:
        drawn = np.take(counts, order[:prefix], axis=1) > 0
        first = drawn.argmax(axis=1)
        missed = ~drawn.any(axis=1)
        if missed.any():
            first[missed] = (counts[missed][:, order] > 0).argmax(axis=1)
        smallest: np.ndarray = ordered[first]
        return smallest

    return side


class _Ranked:
    """Positives and negatives each in ascending score order, and for each positive how
    many negatives score below it, at most it, and how many positives score below it.

    Scored on a resample, running counts over the two sorted lists answer both the ROC
    area (negatives ranked under each positive) and average precision (rows at or
    above each positive's score), one pass each, without sorting again.
    """

    def __init__(self, is_pos: np.ndarray, scores: np.ndarray) -> None:
        pos, neg = np.flatnonzero(is_pos), np.flatnonzero(~is_pos)
        self.pos = pos[np.argsort(scores[pos], kind="stable")]
        self.neg = neg[np.argsort(scores[neg], kind="stable")]
        pos_scores, neg_scores = scores[self.pos], scores[self.neg]
        self.neg_below = np.searchsorted(neg_scores, pos_scores, side="left")
        self.neg_not_above = np.searchsorted(neg_scores, pos_scores, side="right")
        self.pos_below = np.searchsorted(pos_scores, pos_scores, side="left")
        # without ties, one read of the running counts does for two
        self.ties_across = not np.array_equal(self.neg_below, self.neg_not_above)
        self.ties_within = not np.array_equal(self.pos_below, np.arange(len(pos)))

    def running(self, counts: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Drawn rows among the first k of `rows`, k = 0..len(rows): (resamples, k + 1)."""
        out = np.zeros((len(counts), len(rows) + 1))
        np.cumsum(np.take(counts, rows, axis=1), axis=1, out=out[:, 1:])
        return out


def _roc_auc(is_pos: np.ndarray, scores: np.ndarray) -> Side:
    """Area under the ROC curve as the Mann-Whitney statistic, half credit for ties."""
    r = _Ranked(is_pos, scores)

    def side(counts: np.ndarray) -> np.ndarray:
        negatives = r.running(counts, r.neg)
        drawn = np.take(counts, r.pos, axis=1)
        below = np.take(negatives, r.neg_below, axis=1)
        twice = np.einsum(
            "ij,ij->i",
            drawn,
            below + np.take(negatives, r.neg_not_above, axis=1) if r.ties_across else 2 * below,
        )
        pairs = drawn.sum(axis=1) * negatives[:, -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(pairs > 0, twice / 2 / pairs, np.nan)

    return side


def _average_precision(is_pos: np.ndarray, scores: np.ndarray) -> Side:
    """Average precision as scikit-learn sums it: the precision at each positive's score
    (all rows scored at least as high), averaged over the drawn positives."""
    r = _Ranked(is_pos, scores)

    def side(counts: np.ndarray) -> np.ndarray:
        drawn = np.take(counts, r.pos, axis=1)
        positives = np.zeros((len(counts), len(r.pos) + 1))
        np.cumsum(drawn, axis=1, out=positives[:, 1:])
        negatives = r.running(counts, r.neg)
        hits = positives[:, -1:] - (
            np.take(positives, r.pos_below, axis=1) if r.ties_within else positives[:, :-1]
        )
        misses = negatives[:, -1:] - np.take(negatives, r.neg_below, axis=1)
        # a positive not drawn may have nothing drawn at or above it: 0/0, weighted 0
        precision = np.divide(hits, hits + misses, out=np.zeros_like(hits), where=drawn > 0)
        total = np.einsum("ij,ij->i", drawn, precision)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(positives[:, -1] > 0, total / positives[:, -1], np.nan)

    return side
