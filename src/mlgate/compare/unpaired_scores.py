"""A score metric (the ROC areas, average precision, log loss, the Brier score, D², top-k
accuracy) on the labelled production rows against the version's on its test rows.

The rows are not the same, so the test is unpaired, the one compare/unpaired.py takes for
a regression's errors: a studentized permutation test of rows, both sides pooled and
dealt out again 2,000 times. Each side's standard error comes from its rows' influence
values, those compare's paired closed forms take (DeLong's for the ROC area; a mean of
per-row terms for log loss, Brier and top-k accuracy). The calibration error is binned:
it has no influence values, and is given without a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlgate.compare import influence, unpaired
from mlgate.compare.distributions import PairedTest, permuted

Side = tuple[np.ndarray, np.ndarray]  # class indices, and (rows, classes) probabilities
# measured against a scorer that knows nothing (`alone`): every other testable metric
AGAINST_BLIND = influence.ROC_AREAS | influence.D2 | {"average_precision"}
# a ROC area of many classes takes passes over the rows a class: past this many deals x
# rows x classes (2,000 deals of 1,000 rows of ten classes, about 3 s) it is dealt fewer
# times, never fewer than FEWEST_DEALS (p down to 0.005; ten classes of 3,000 rows took
# 9 s on 2,000 deals, 2.3 s on 666; of 10,000 rows, 8 s on 400)
MOST_WORK = 2_000 * 1_000 * 10
FEWEST_DEALS = 400


def score_change(
    metric: str,
    before: Side,
    after: Side,
    *,
    n_classes: int,
    positive_index: int,
    confidence: float = 0.95,
    resamples: int = unpaired.RESAMPLES,
    seed: int = 0,
) -> PairedTest:
    """`metric` on rows `after` minus on rows `before`. ValueError when no test can be
    taken (a metric without influence values; one undefined on a side), said in its words."""
    if metric not in influence.MEANS and metric not in AGAINST_BLIND:
        raise ValueError(
            f"{metric} has no per-row influence values to take its standard error from "
            "(it is binned), so the change has no unpaired test"
        )
    sides = []
    for y, scores in (before, after):
        if len(y) < 2:
            raise ValueError("a side with fewer than two rows has no spread to test")
        value, spread = alone(metric, y, scores, n_classes, positive_index)
        sides.append((value, _variance(spread)))
    (first, var_first), (second, var_second) = sides
    y = np.concatenate([before[0], after[0]]).astype(np.int64)
    scores = np.concatenate([before[1], after[1]]).astype(np.float64)
    rng = np.random.default_rng(seed)
    kept, first_rows = unpaired.dealt_rows(len(before[0]), len(after[0]), rng)
    dealt = (
        _means_dealt
        if metric in influence.MEANS
        else _each_dealt
        if metric in influence.D2
        else _ranked_dealt
    )
    drawn, drawn_var = dealt(metric, (y, scores), kept, first_rows, resamples, rng, positive_index)
    return permuted(
        metric,
        unpaired.PERMUTED_ROWS,
        (second - first, var_first + var_second),
        (drawn, drawn_var),
        rows=len(after[0]),
        confidence=confidence,
    )


def alone(
    metric: str, y: np.ndarray, scores: np.ndarray, n_classes: int, positive_index: int
) -> tuple[float, np.ndarray]:
    """One side's figure and each row's influence on it (mean zero). A mean of per-row
    terms directly; any other as compare's paired change against a scorer that knows
    nothing (every row given the rows' class shares), whose own figure is added back: its
    ROC areas are 1/2 and its D² 0, which no row moves; its average precision is the
    positives' share, which each positive moves up and each negative down."""
    scores = scores.astype(np.float64)
    if metric in influence.MEANS:
        terms = influence.per_row(metric, y, None, scores, positive_index)
        value = float(terms.mean())
        return value, terms - value
    shares = np.bincount(y, minlength=n_classes) / len(y)
    blind = np.broadcast_to(shares, scores.shape)
    linear = influence.scores_change(
        metric, y, scores, blind, n_classes=n_classes, positive_index=positive_index
    )
    if metric == "average_precision":
        positive = (y == positive_index).astype(np.float64)
        share = float(positive.mean())
        return linear.delta + share, linear.influence + positive - share
    return linear.delta + (0.5 if metric in influence.ROC_AREAS else 0.0), linear.influence


def _variance(spread: np.ndarray) -> float:
    """The variance of a figure whose rows' influence values are `spread`."""
    rows = len(spread)
    return float(np.dot(spread, spread)) / (rows * (rows - 1))


def _mean_and_variance(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each deal's (row's) mean of its terms, and that mean's variance."""
    rows = terms.shape[1]
    mean = terms.mean(axis=1)
    return mean, ((terms - mean[:, None]) ** 2).sum(axis=1) / (rows * (rows - 1))


def _means_dealt(
    metric: str,
    pooled: Side,
    kept: np.ndarray,
    first_rows: int,
    resamples: int,
    rng: np.random.Generator,
    positive_index: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each deal's change and its variance, for a mean of per-row terms: the terms are the
    rows', whichever side a deal puts them on, so they are taken once."""
    terms = influence.per_row(metric, pooled[0], None, pooled[1], positive_index)
    drawn, drawn_var = np.empty(resamples), np.empty(resamples)
    for at, order in unpaired.deals(kept, resamples, rng):
        (va, spread_a), (vb, spread_b) = (
            _mean_and_variance(terms[side])
            for side in (order[:, :first_rows], order[:, first_rows:])
        )
        drawn[at], drawn_var[at] = vb - va, spread_a + spread_b
    return drawn, drawn_var


def _each_dealt(
    metric: str,
    pooled: Side,
    kept: np.ndarray,
    first_rows: int,
    resamples: int,
    rng: np.random.Generator,
    positive_index: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each deal's change and its variance, each side measured `alone` (D², whose terms
    need no sorting); NaN where a deal leaves the figure undefined on a side, which the
    test leaves out."""
    y, scores = pooled
    n_classes = scores.shape[1]
    drawn, drawn_var = np.full(resamples, np.nan), np.full(resamples, np.nan)
    for deal in range(resamples):
        order = rng.permutation(kept)
        try:
            (va, ua), (vb, ub) = (
                alone(metric, y[rows], scores[rows], n_classes, positive_index)
                for rows in (order[:first_rows], order[first_rows:])
            )
        except ValueError:
            continue
        drawn[deal], drawn_var[deal] = vb - va, _variance(ua) + _variance(ub)
    return drawn, drawn_var


def _ranked_dealt(
    metric: str,
    pooled: Side,
    kept: np.ndarray,
    first_rows: int,
    resamples: int,
    rng: np.random.Generator,
    positive_index: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each deal's change and its variance for the ROC areas and average precision: the
    pooled rows are sorted once by each class's score, and every deal's sides are read off
    that order as weights of 0 and 1, many deals at once (a sort a side and a deal, and
    ten classes' pairs one by one, took 25 s for 600 rows)."""
    y, scores = pooled[0][kept], pooled[1][kept]
    if scores.shape[1] == 2 or metric == "average_precision":  # one order: the rows in it
        order = np.argsort(scores[:, positive_index], kind="stable")
        y, scores = y[order], scores[order]
    layout = _Layout(metric, y, scores, positive_index)
    rows = len(kept)
    if layout.classes > 2 and metric != "average_precision":
        resamples = min(resamples, max(FEWEST_DEALS, MOST_WORK // (rows * layout.classes)))
    drawn, drawn_var = np.empty(resamples), np.empty(resamples)
    for at, order in unpaired.deals(np.arange(rows), resamples, rng, cells=1 << 19):
        first = np.zeros(order.shape)
        np.put_along_axis(first, order[:, :first_rows], 1.0, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            (va, sa), (vb, sb) = (layout.side(side) for side in (first, 1 - first))
        spread = sa / (first_rows * (first_rows - 1)) + sb / (
            (rows - first_rows) * (rows - 1 - first_rows)
        )
        drawn[at], drawn_var[at] = vb - va, spread
    return drawn, drawn_var


class _Ranked:
    """Rows in ascending order of one class's score, in groups of equal score: a deal's
    weights summed per group, and per-group values given back to the rows."""

    def __init__(self, scores: np.ndarray) -> None:
        self.order = np.argsort(scores, kind="stable")
        self.sorted = bool(np.all(self.order == np.arange(len(scores))))
        ordered = scores[self.order]
        starts = np.ones(len(scores), dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
        self.tied = not starts.all()
        self.starts = np.flatnonzero(starts)
        self.group = np.cumsum(starts) - 1  # of each row in score order

    def sums(self, weights: np.ndarray) -> np.ndarray:
        """(deals, rows) weights summed over each group: (deals, groups)."""
        ordered = weights if self.sorted else weights[:, self.order]
        return np.add.reduceat(ordered, self.starts, axis=1) if self.tied else ordered

    def rows(self, weights: np.ndarray, per_group: np.ndarray) -> np.ndarray:
        """Per-group values given to each row where `weights` weighs it, 0 elsewhere, in
        the rows' own order."""
        ordered = per_group[:, self.group] if self.tied else per_group
        if not self.sorted:
            back = np.empty_like(ordered)
            back[:, self.order] = ordered
            ordered = back
        return np.where(weights > 0, ordered, 0.0)


@dataclass(frozen=True)
class _Figure:
    """Each deal's figure of one class against the rest (or another), and its rows'
    influence values per group of equal score: one for the group's positive rows, one
    for its negative rows."""

    value: np.ndarray  # (deals,)
    counts: tuple[np.ndarray, np.ndarray]  # positive and negative rows, (deals, groups)
    influence: tuple[np.ndarray, np.ndarray]

    def squares(self) -> np.ndarray:
        """The sum of the squared influence values over the rows."""
        (pos, neg), (if_pos, if_neg) = self.counts, self.influence
        total: np.ndarray = (pos * if_pos**2).sum(axis=1) + (neg * if_neg**2).sum(axis=1)
        return total

    def rows(self, ranked: _Ranked, positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
        """The influence values given to the rows: (deals, rows), 0 off the deal's side."""
        found: np.ndarray = ranked.rows(positive, self.influence[0]) + ranked.rows(
            negative, self.influence[1]
        )
        return found


class _Layout:
    """The pooled rows ranked as `metric` reads them: by the positive class's score, by
    each class's, or, for Hand and Till's area, by each of a pair's scores on the pair's
    rows alone."""

    def __init__(self, metric: str, y: np.ndarray, scores: np.ndarray, positive: int) -> None:
        from itertools import combinations

        self.metric, self.y, self.positive = metric, y, positive
        self.classes = scores.shape[1]
        self.ranked = [_Ranked(scores[:, k]) for k in range(self.classes)]
        self.pairs = [
            (a, b, inside, _Ranked(scores[inside, a]), _Ranked(scores[inside, b]))
            for a, b in combinations(range(self.classes), 2)
            for inside in [np.flatnonzero((y == a) | (y == b))]
        ]

    def side(self, side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each deal's figure on the rows `side` weighs, and the sum of its rows' squared
        influence values (`alone`'s, deal by deal); NaN where it is undefined."""
        if self.metric == "average_precision" or self.classes == 2:  # every ROC area: one
            positive = side * (self.y == self.positive)
            measure = _precision_area if self.metric == "average_precision" else _area
            found = measure(self.ranked[self.positive], positive, side - positive)
            return found.value, found.squares()
        of = [side * (self.y == k) for k in range(self.classes)]
        if self.metric.startswith("roc_auc_ovo"):
            value, influence = self._pairs(of, side)
        else:
            value, influence = self._one_against_rest(of, side)
        return value, np.einsum("ij,ij->i", influence, influence)

    def _one_against_rest(
        self, of: list[np.ndarray], side: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """scikit-learn's multi_class="ovr": each class's area against the rest, averaged,
        or weighted by its share of the side's rows (a row moves its class's weight too)."""
        areas, influences = [], []
        for k, ranked in enumerate(self.ranked):
            found = _area(ranked, of[k], side - of[k])
            areas.append(found.value)
            influences.append(found.rows(ranked, of[k], side - of[k]))
        if self.metric != "roc_auc_ovr_weighted":
            return sum(areas) / self.classes, sum(influences) / self.classes
        weights = [o.sum(axis=1) / side.sum(axis=1) for o in of]
        value = sum(w * a for w, a in zip(weights, areas, strict=True))
        influence = sum(
            w[:, None] * u + (o - w[:, None] * side) * a[:, None]
            for w, o, a, u in zip(weights, of, areas, influences, strict=True)
        )
        return value, influence

    def _pairs(self, of: list[np.ndarray], side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hand and Till's area: each pair of classes' two areas on the pair's rows alone,
        averaged, or weighted by the pair's share of the side's rows (which moves with
        them); a pair's rows move it scaled to all the side's rows."""
        rows = side.sum(axis=1)
        weighted = self.metric.endswith("weighted")
        areas, influences, shares = [], [], []
        for a, b, inside, by_a, by_b in self.pairs:
            mine, theirs = of[a][:, inside], of[b][:, inside]
            one, other = _area(by_a, mine, theirs), _area(by_b, theirs, mine)
            within = (mine + theirs).sum(axis=1)
            spread = np.zeros_like(side)
            spread[:, inside] = (
                (one.rows(by_a, mine, theirs) + other.rows(by_b, theirs, mine))
                / 2
                * (rows / within)[:, None]
            )
            areas.append((one.value + other.value) / 2)
            influences.append(spread)
            shares.append(within / rows)
        weights = shares if weighted else [np.ones(len(side))] * len(areas)
        total = sum(weights)
        value = sum(w * a for w, a in zip(weights, areas, strict=True)) / total
        influence = sum((w / total)[:, None] * u for w, u in zip(weights, influences, strict=True))
        if weighted:
            for (a, b, *_), share, area in zip(self.pairs, shares, areas, strict=True):
                influence = influence + ((area - value) / total)[:, None] * (
                    of[a] + of[b] - share[:, None] * side
                )
        return value, influence


def _area(ranked: _Ranked, positive: np.ndarray, negative: np.ndarray) -> _Figure:
    """Each deal's ROC area of the rows `positive` weighs against those `negative` does,
    and DeLong's influence values (compare/influence.py's, deal by deal)."""
    pos, neg = ranked.sums(positive), ranked.sums(negative)
    positives, negatives = pos.sum(axis=1, keepdims=True), neg.sum(axis=1, keepdims=True)
    pos_place = (np.cumsum(neg, axis=1) - neg / 2) / negatives
    neg_place = (positives - np.cumsum(pos, axis=1) + pos / 2) / positives
    area = (pos * pos_place).sum(axis=1, keepdims=True) / positives
    rows = positives + negatives
    influence = ((pos_place - area) * rows / positives, (neg_place - area) * rows / negatives)
    return _Figure(value=area[:, 0], counts=(pos, neg), influence=influence)


def _precision_area(ranked: _Ranked, positive: np.ndarray, negative: np.ndarray) -> _Figure:
    """Each deal's average precision and its rows' influence values, as
    compare/influence.py sums them, deal by deal."""
    pos, neg = ranked.sums(positive), ranked.sums(negative)
    group = pos + neg
    rows, positives = group.sum(axis=1, keepdims=True), pos.sum(axis=1, keepdims=True)
    at_least = rows - np.cumsum(group, axis=1) + group  # rows scored at least as high
    above = positives - np.cumsum(pos, axis=1) + pos
    reached = at_least > 0  # a group above every row of the deal's side holds none either
    precision = np.divide(above, at_least, out=np.zeros_like(above), where=reached)
    area = (pos * precision).sum(axis=1, keepdims=True) / positives
    weight = np.cumsum(np.divide(pos, at_least, out=np.zeros_like(pos), where=reached), axis=1)
    weighted = np.cumsum(
        np.divide(pos * precision, at_least, out=np.zeros_like(pos), where=reached), axis=1
    )
    share = positives / rows
    influence = ((precision + weight - weighted - area) / share, -weighted / share)
    return _Figure(value=area[:, 0], counts=(pos, neg), influence=influence)
