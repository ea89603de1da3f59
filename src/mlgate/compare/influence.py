"""Closed-form paired tests: a metric's change as the mean of per-row influence values.

A metric that is a mean of per-row terms (log loss, Brier, top-k hits, absolute, squared,
percentage and squared log errors, deviances (Tweedie's too), pinball losses) changes by
the mean of the per-row differences: its error is theirs, and the test is the paired
t-test. RMSE, RMSLE, R², explained variance, the ROC area and average precision are smooth
functions of such means (the ROC area a two-sample U-statistic, DeLong's case); to first
order (the delta method) each row moves the change by its influence value, and the
change's error is that of their mean. One pass over the rows, or one sort per model: no
resampling, O(rows), at a million rows in milliseconds.

Every function returns the change (candidate minus baseline, equal to scikit-learn's
difference) and the per-row influence values, which sum to zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlgate.compare.distributions import DELONG, DELTA_METHOD, PAIRED_T
from mlgate.manifest.metrics import METRICS

TOP_K = {name: m.top_k for name, m in METRICS.items() if m.top_k is not None}
QUANTILES = {name: m.quantile for name, m in METRICS.items() if m.quantile is not None}
TWEEDIE = {name: m.power for name, m in METRICS.items() if m.power is not None}
# `_log_terms`: each has a domain (scikit-learn refuses the metric outside it)
LOGARITHMIC = frozenset({"msle", "poisson_deviance", "gamma_deviance", *TWEEDIE})
DOMAINS = {
    "msle": "targets and predictions above -1",
    "rmsle": "targets and predictions above -1",
    "gamma_deviance": "targets and predictions above 0",
} | dict.fromkeys(["poisson_deviance", *TWEEDIE], "targets of 0 or more and predictions above 0")
MEANS = frozenset(
    {"log_loss", "brier_score", "mae", "mse", "mape"}
    | LOGARITHMIC
    | TOP_K.keys()
    | QUANTILES.keys()
)
D2 = frozenset({"d2_log_loss", "d2_brier"})  # 1 - the loss over the class frequencies' loss
ROC_AREAS = frozenset({"roc_auc", "roc_auc_ovr_weighted", "roc_auc_ovo", "roc_auc_ovo_weighted"})
# 1 - a loss over the targets' own spread: undefined on rows of one target
SPREAD_RATIOS = frozenset({"r2", "explained_variance", "d2_absolute_error"})
CLOSED_FORM = MEANS | D2 | ROC_AREAS | SPREAD_RATIOS | {"rmse", "rmsle", "average_precision"}


@dataclass(frozen=True, kw_only=True)
class Linear:
    delta: float
    influence: np.ndarray  # per row; the change's error is that of their mean
    method: str


def per_row(
    metric: str,
    y: np.ndarray,
    pred: np.ndarray | None = None,
    scores: np.ndarray | None = None,
    positive_index: int = 1,
) -> np.ndarray:
    """The per-row terms whose mean is `metric`, for the metrics that are such a mean."""
    terms: np.ndarray
    if metric == "log_loss":
        assert scores is not None
        # scikit-learn clips to the probabilities' own precision before the logarithm
        eps = np.finfo(scores.dtype).eps
        right = np.clip(scores[np.arange(len(y)), y], eps, 1 - eps)
        terms = -np.log(right.astype(np.float64))
        return terms
    if metric == "brier_score":
        assert scores is not None
        terms = ((y == positive_index) - scores[:, positive_index].astype(np.float64)) ** 2
        return terms
    if metric in TOP_K:
        assert scores is not None
        # scikit-learn's order: a stable sort, reversed, so of tied scores the later class
        # ranks first
        ranked = np.argsort(scores, axis=1, kind="mergesort")[:, ::-1][:, : TOP_K[metric]]
        terms = (ranked == y[:, None]).any(axis=1).astype(np.float64)
        return terms
    assert pred is not None
    if metric in LOGARITHMIC:
        return _log_terms(metric, y, pred)
    error: np.ndarray = np.abs(y - pred)
    if metric == "mae":
        return error
    if metric == "mse":
        terms = error**2
        return terms
    if metric == "mape":
        from mlgate.model.metrics import relative_defined

        relative_defined(y)
        terms = error / np.abs(y)
        return terms
    if metric in QUANTILES:  # q times the shortfall, or 1 - q times the excess
        q, under = QUANTILES[metric], y >= pred
        terms = np.where(under, q * (y - pred), (1 - q) * (pred - y))
        return terms
    raise ValueError(f"'{metric}' is not a mean of per-row terms")


def _log_terms(metric: str, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """The per-row terms of the metrics of logarithms, as scikit-learn writes them (outside
    their domain scikit-learn refuses the metric, so no change is tested)."""
    from scipy.special import xlogy

    y, pred = y.astype(np.float64), pred.astype(np.float64)
    if metric == "msle":
        return _log_error(y, pred, metric) ** 2
    if np.any(pred <= 0) or np.any(y < 0) or (metric == "gamma_deviance" and np.any(y == 0)):
        raise ValueError(f"'{metric}' is undefined on these rows: it takes {DOMAINS[metric]}")
    terms: np.ndarray
    if metric == "poisson_deviance":
        terms = 2 * (xlogy(y, y / pred) - y + pred)
    elif metric in TWEEDIE:  # 1 < p < 2
        p = TWEEDIE[metric]
        terms = 2 * (
            np.power(y, 2 - p) / ((1 - p) * (2 - p))
            - y * np.power(pred, 1 - p) / (1 - p)
            + np.power(pred, 2 - p) / (2 - p)
        )
    else:
        terms = 2 * (np.log(pred / y) + y / pred - 1)
    return terms


def scores_change(
    metric: str,
    y: np.ndarray,
    candidate: np.ndarray,
    baseline: np.ndarray,
    *,
    n_classes: int,
    positive_index: int,
) -> Linear:
    """A score metric's change; y class indices, the scores (rows, n_classes)."""
    if metric in MEANS:
        return _mean_change(
            *(per_row(metric, y, None, s, positive_index) for s in (candidate, baseline))
        )
    if metric == "average_precision":
        sides = [
            _average_precision(y == positive_index, s[:, positive_index])
            for s in (candidate, baseline)
        ]
        return _difference(sides, DELTA_METHOD)
    if metric in D2:
        return _d2_change(metric, y, candidate, baseline, n_classes)
    if metric not in ROC_AREAS:
        raise ValueError(f"no closed-form test for '{metric}'")
    if n_classes > 2 and metric == "roc_auc_ovr_weighted":
        return _weighted_roc_auc_change(y, candidate, baseline, n_classes)
    if n_classes > 2 and metric.startswith("roc_auc_ovo"):
        return _pairs_roc_auc_change(metric, y, candidate, baseline, n_classes)
    classes = [positive_index] if n_classes == 2 else range(n_classes)
    sides = []
    for scores in (candidate, baseline):
        # one class against the rest, averaged: scikit-learn's multi_class="ovr"
        per_class = [_roc_auc(y == k, scores[:, k]) for k in classes]
        sides.append(
            (float(np.mean([v for v, _ in per_class])), np.mean([u for _, u in per_class], axis=0))
        )
    return _difference(sides, DELONG)


def _weighted_roc_auc_change(
    y: np.ndarray, candidate: np.ndarray, baseline: np.ndarray, n_classes: int
) -> Linear:
    """Each class's ROC area against the rest, weighted by its share of the rows: the
    change is sum_k w_k D_k, and a row moves it through each D_k (DeLong) and through the
    weight of its own class (the delta method: 1{y = k} - w_k per row)."""
    weights = np.bincount(y, minlength=n_classes) / len(y)
    delta, influence = 0.0, np.zeros(len(y))
    for k in range(n_classes):
        (ours, ours_u), (theirs, theirs_u) = (
            _roc_auc(y == k, s[:, k]) for s in (candidate, baseline)
        )
        delta += weights[k] * (ours - theirs)
        influence += weights[k] * (ours_u - theirs_u) + ((y == k) - weights[k]) * (ours - theirs)
    return Linear(delta=delta, influence=influence, method=DELONG)


def class_pairs(y: np.ndarray, n_classes: int) -> list[tuple[int, int, np.ndarray]]:
    """Each pair of classes (a < b) and its rows, in scikit-learn's order."""
    from itertools import combinations

    pairs = combinations(range(n_classes), 2)
    return [(a, b, np.flatnonzero((y == a) | (y == b))) for a, b in pairs]


def _pairs_roc_auc_change(
    metric: str, y: np.ndarray, candidate: np.ndarray, baseline: np.ndarray, n_classes: int
) -> Linear:
    """Hand and Till's area: for each pair of classes, the mean of a's area against b (on
    a's scores) and b's against a, on the pair's rows alone (DeLong within the pair, scaled
    to all rows: a row outside the pair does not move it); averaged, or weighted by the
    pair's share of the rows (whose shares then move the weighted change too)."""
    rows = len(y)
    pairs = class_pairs(y, n_classes)
    changes, influences, shares = [], [], []
    for a, b, inside in pairs:
        pair_y = y[inside]
        sides = []
        for scores in (candidate, baseline):
            one = _roc_auc(pair_y == a, scores[inside, a])
            other = _roc_auc(pair_y == b, scores[inside, b])
            sides.append(((one[0] + other[0]) / 2, (one[1] + other[1]) / 2))
        (ours, ours_u), (theirs, theirs_u) = sides
        spread = np.zeros(rows)
        spread[inside] = (ours_u - theirs_u) * (rows / len(inside))
        changes.append(ours - theirs)
        influences.append(spread)
        shares.append(len(inside) / rows)
    weighted = metric.endswith("weighted")
    weights = np.array(shares) if weighted else np.ones(len(shares))
    total = float(weights.sum())
    delta = float(np.dot(weights, changes) / total)
    influence: np.ndarray = np.tensordot(weights / total, np.array(influences), axes=1)
    if weighted:  # each pair's share moves with the rows drawn
        for (_, _, inside), share, change in zip(pairs, shares, changes, strict=True):
            in_pair = np.zeros(rows)
            in_pair[inside] = 1.0
            influence += (change - delta) / total * (in_pair - share)
    return Linear(delta=delta, influence=influence, method=DELONG)


def d2_terms(metric: str, y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per-row losses whose mean the D² score sets against the class frequencies' loss: log
    loss, or the Brier score summed over the classes (scikit-learn's ratio is the same
    whether Brier is of one class or summed over both)."""
    if metric == "d2_log_loss":
        return per_row("log_loss", y, None, scores)
    onehot = y[:, None] == np.arange(scores.shape[1])
    terms: np.ndarray = ((scores.astype(np.float64) - onehot) ** 2).sum(axis=1)
    return terms


def d2_prior(metric: str, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loss of stating the class shares (..., classes) as every row's probabilities, and
    its derivative in each share: entropy for log loss, 1 - sum p^2 for Brier."""
    from scipy.special import xlogy

    if metric == "d2_log_loss":
        safe = np.where(shares > 0, shares, 1.0)
        return -xlogy(shares, shares).sum(axis=-1), -(np.log(safe) + 1)
    return 1 - (shares**2).sum(axis=-1), -2 * shares


def _d2_change(
    metric: str, y: np.ndarray, candidate: np.ndarray, baseline: np.ndarray, n_classes: int
) -> Linear:
    """D² = 1 - L / P, P the prior's loss: the change is (Lb - Lc) / P, and a row moves it
    through both losses and, by the delta method, through P's class shares."""
    ours, theirs = d2_terms(metric, y, candidate), d2_terms(metric, y, baseline)
    shares = np.bincount(y, minlength=n_classes) / len(y)
    prior, slope = d2_prior(metric, shares)
    if prior == 0:
        raise ValueError(f"'{metric}' is undefined on rows of one class")
    saved = theirs - ours
    through_prior = slope[y] - float(np.dot(shares, slope))  # each row's move of P
    influence = (saved - saved.mean()) / prior - saved.mean() / prior**2 * through_prior
    return Linear(delta=float(saved.mean() / prior), influence=influence, method=DELTA_METHOD)


def values_change(
    metric: str, y: np.ndarray, candidate: np.ndarray, baseline: np.ndarray
) -> Linear:
    """A regression metric's change, from the targets and both models' predictions: each
    side's figure and influence values (`values_alone`), differenced, since on the same
    rows the change moves by the difference of what each row moves either figure by."""
    sides = [values_alone(metric, y, p) for p in (candidate, baseline)]
    return _difference(sides, PAIRED_T if metric in MEANS else DELTA_METHOD)


def values_alone(metric: str, y: np.ndarray, pred: np.ndarray) -> tuple[float, np.ndarray]:
    """A regression metric of one model on its own rows, and each row's influence value
    (mean zero): what an unpaired test of two sets of rows needs of each."""
    value, influence = _alone(metric, y, pred)
    if metric in SPREAD_RATIOS and np.isnan(value):  # `_alone`'s one undefined figure
        raise ValueError(f"every row has the same target, so '{metric}' measures nothing")
    return float(value), influence


def values_and_variances(
    metric: str, y: np.ndarray, pred: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`values_alone` of each set of rows along the last axis of (..., rows) arrays, and
    the variance of each figure (its influence values' mean square over rows - 1, per
    row): NaN where the figure is undefined (a set whose targets are all one value)."""
    value, influence = _alone(metric, y, pred)
    rows = y.shape[-1]
    variance: np.ndarray = np.einsum("...i,...i->...", influence, influence) / (rows * (rows - 1))
    return value, variance


def _alone(metric: str, y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`values_alone` along the last axis, for any leading shape; NaN, not an error, where
    the figure is undefined."""
    if metric in MEANS:
        terms = per_row(metric, y, pred)
        value = terms.mean(axis=-1)
        return value, terms - value[..., None]
    if metric == "rmse":
        return _rmse(y - pred)
    if metric == "rmsle":
        return _rmse(_log_error(y, pred))
    if metric in SPREAD_RATIOS:
        error = y - pred
        if metric == "explained_variance":
            error = error - error.mean(axis=-1, keepdims=True)
        if metric == "d2_absolute_error":  # 1 - E / M, M the mean distance to the median
            lost, spread_terms = np.abs(error), np.abs(y - np.median(y, axis=-1, keepdims=True))
        else:  # 1 - A / V, V the targets' spread (its mean's move is second order)
            lost, spread_terms = error**2, (y - y.mean(axis=-1, keepdims=True)) ** 2
        spread, mean_lost = spread_terms.mean(axis=-1), lost.mean(axis=-1)
        scale = np.maximum(np.mean(y**2, axis=-1), 1e-300)
        spread = np.where(spread <= 1e-12 * scale, np.nan, spread)  # one target: nothing
        spread_, mean_lost_ = spread[..., None], mean_lost[..., None]
        influence = (
            -(lost - mean_lost_) / spread_ + mean_lost_ * (spread_terms - spread_) / spread_**2
        )
        return 1 - mean_lost / spread, influence
    raise ValueError(f"no closed-form test for '{metric}'")


def _log_error(y: np.ndarray, pred: np.ndarray, metric: str = "rmsle") -> np.ndarray:
    """MSLE's and RMSLE's per-row error, where it is defined."""
    if np.any(y <= -1) or np.any(pred <= -1):
        raise ValueError(f"'{metric}' is undefined on these rows: it takes {DOMAINS[metric]}")
    error: np.ndarray = np.log1p(y) - np.log1p(pred)
    return error


def _mean_change(candidate: np.ndarray, baseline: np.ndarray) -> Linear:
    difference = candidate - baseline
    return Linear(
        delta=float(candidate.mean() - baseline.mean()),
        influence=difference - difference.mean(),
        method=PAIRED_T,
    )


def _difference(sides: list[tuple[float, np.ndarray]], method: str) -> Linear:
    (cand, cand_u), (base, base_u) = sides
    return Linear(delta=cand - base, influence=cand_u - base_u, method=method)


def _rmse(error: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RMSE along the last axis, and each row's influence on it (none where every error
    is 0: no row moves it, nor does any resample of them)."""
    squared = error**2
    mse = squared.mean(axis=-1)
    root = np.sqrt(mse)
    safe = np.where(root == 0, 1.0, root)[..., None]
    influence = np.where(root[..., None] == 0, 0.0, (squared - mse[..., None]) / (2 * safe))
    return root, influence


class _Groups:
    """Rows in ascending score order, in groups of equal score: how many rows, positives
    and negatives each group holds. Scored per group, then spread back to the rows with
    one pass in score order and one scatter (sequential reads, not a gather per row)."""

    def __init__(self, is_pos: np.ndarray, scores: np.ndarray) -> None:
        self.order = _order(scores)
        ordered = scores[self.order]
        self.is_pos = is_pos[self.order]
        starts = np.empty(len(scores), dtype=bool)
        starts[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
        self.tied = not starts.all()
        self.rows: np.ndarray  # per group: its rows, and how many are positive
        if self.tied:
            self.group = np.cumsum(starts) - 1  # of each row in score order
            self.rows = np.bincount(self.group)
            self.pos = np.bincount(self.group, weights=self.is_pos, minlength=len(self.rows))
        else:  # each row its own group
            self.rows = np.ones(len(scores))
            self.pos = self.is_pos.astype(np.float64)
        self.neg = self.rows - self.pos
        self.positives, self.negatives = float(self.pos.sum()), float(self.neg.sum())

    def spread(self, if_pos: np.ndarray, if_neg: np.ndarray) -> np.ndarray:
        """Per-row values, in the rows' own order, from per-group ones by row class."""
        if self.tied:
            if_pos, if_neg = if_pos[self.group], if_neg[self.group]
        out = np.empty(len(self.order))
        out[self.order] = np.where(self.is_pos, if_pos, if_neg)
        return out


def _order(scores: np.ndarray) -> np.ndarray:
    """argsort(scores), for float32 scores (as runs of mlgate 0.28 and before kept them)
    about three times faster: each score's bits, made to order as the floats do, above its
    row index in one 64-bit key, and one sort of those keys."""
    rows = len(scores)
    if scores.dtype != np.float32 or rows >= 1 << 32:
        return np.argsort(scores)
    bits = scores.view(np.uint32)
    # a negative float's bits order backwards: flip them all; a positive's: set the top bit
    ordered = np.where(bits >> np.uint32(31), ~bits, bits | np.uint32(1 << 31))
    keys = (ordered.astype(np.uint64) << np.uint64(32)) | np.arange(rows, dtype=np.uint64)
    keys.sort()
    return (keys & np.uint64(0xFFFFFFFF)).astype(np.intp)


def _roc_auc(is_pos: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray]:
    """The ROC area (half credit for ties) and DeLong's per-row components.

    A positive's placement is the share of negatives it outranks, a negative's the share
    of positives that outrank it; the area is the mean of either, and a row's influence
    its placement's excess over the area, per row of its kind.
    """
    g = _Groups(is_pos, scores)
    if g.positives == 0 or g.negatives == 0:
        raise ValueError("the ROC area is undefined on rows of one class")
    neg_below = np.cumsum(g.neg) - g.neg
    pos_above = g.positives - np.cumsum(g.pos)
    pos_place = (neg_below + g.neg / 2) / g.negatives  # per group
    neg_place = (pos_above + g.pos / 2) / g.positives
    area = float(np.dot(g.pos, pos_place) / g.positives)
    rows = len(scores)
    return area, g.spread(
        (pos_place - area) * (rows / g.positives), (neg_place - area) * (rows / g.negatives)
    )


def _average_precision(is_pos: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray]:
    """Average precision as scikit-learn sums it, and each row's influence on it.

    AP is the mean, over positives, of the precision R(s) = G+(s) / G(s) at the
    positive's score s, G+ and G the shares of positive and of all rows scored at least
    s. A row (y0, s0) moves G+ and G at every s <= s0, so it moves R there by
    (1{y0 positive} - R(s)) / G(s): summed over the positives at or below s0, by prefix
    sums over the groups of equal score.
    """
    g = _Groups(is_pos, scores)
    if g.positives == 0:
        raise ValueError("average precision is undefined without positive rows")
    rows = len(scores)
    at_least = rows - (np.cumsum(g.rows) - g.rows)  # per group: rows scored at least as high
    precision = (g.positives - (np.cumsum(g.pos) - g.pos)) / at_least
    area = float(np.dot(g.pos, precision) / g.positives)
    weight = np.cumsum(g.pos / at_least)  # over the positives at or below each group
    weighted = np.cumsum(g.pos * precision / at_least)
    share = g.positives / rows
    # a row's move of the precisions' sum, less the area times its move of the positives'
    if_pos = (precision + weight - weighted - area) / share
    if_neg = -weighted / share
    return area, g.spread(if_pos, if_neg)
