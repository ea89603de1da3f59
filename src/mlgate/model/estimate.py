"""A classifier's performance on production rows before their labels arrive, in the manner
of NannyML's CBPE: calibrate the model's scores on reference rows whose labels are known
(isotonic, one class against the rest), read each production row's calibrated
probabilities as the chance of each true class, and derive any label metric from the
expected confusion table.

The interval is the estimate's own spread, drawn: labels drawn from the calibrated
probabilities (the realised metric's spread when the calibration holds), each draw through
a calibration fitted on a resample of the reference (its fitting error). It holds only as
far as P(label | score) is the same in production as in the reference: under covariate
shift it is when the score carries what the features say of the label (a model that fits
well; benchmarks.md shows one that does not); under concept drift (P(label | features)
moved) nothing without labels can tell. So the estimate says what it rests on and checks
it wherever it can: enough reference rows, production scores inside the reference's
range, and, once some production labels have arrived, whether they agree with the
calibration.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlgate import words
from mlgate.model import counts

MIN_REFERENCE_ROWS = 300  # fewer: too few to calibrate ten bins' worth of scores on
MAX_OUTSIDE = 0.01  # production rows scored outside the reference's range, at most ...
OUTSIDE_ALPHA = 0.001  # ... or as many as unchanged rows leave there this often (_outside)
AGREE_ALPHA = 0.01  # the labels that arrived disagree with the calibration below this p
TINY_P = 1e-12  # below this the normal approximation's p-value is stated as a bound
DRAWN_ROWS = 50_000  # more rows: label sets drawn by their sums (normal), not row by row
# fewer expected rows of a class: its recall is not estimated, nor any figure that weighs
# it as much as a common class (a macro average; the positive class's own figures). A
# class gone from production is still expected on a few rows by the calibration (its
# spill-over onto every row), all of them missed: a macro recall 0.85 of a model whose
# real one was 0.96, and a false alarm
MIN_CLASS_ROWS = 10
ON_POSITIVES = frozenset(
    {"recall", "f1", "jaccard", "positive_likelihood_ratio", "negative_likelihood_ratio"}
)
MIN_DEFINED = 0.5  # a metric defined on fewer of the drawn label sets: no interval to draw
FIXED = 1e-12  # this close to its estimate on every label set drawn: the labels move it not


@dataclass(frozen=True)
class Calibration:
    """Each class's isotonic map from its score to its chance, one against the rest, and the
    scores the reference spanned."""

    thresholds: tuple[tuple[np.ndarray, np.ndarray], ...]  # per class: (scores, chances)
    low: float
    high: float
    # the least of what each reference row's stated score left to the other classes: the
    # top of the range read where it is exact (a run of mlgate 0.28 or before kept scores
    # as float32, in which 0.99999999994 is 1.0, and no production score was above that)
    least_rest: float


@dataclass(frozen=True, kw_only=True)
class Estimate:
    metric: str
    value: float  # the metric of the expected confusion table
    low: float
    high: float
    confidence: float
    rows: int
    reliable: bool
    reasons: tuple[str, ...] = ()  # why it cannot be trusted, or what was checked


def fit(scores: np.ndarray, y: np.ndarray) -> Calibration:
    """Isotonic calibration of each class's score, one against the rest; `y` class indices
    into the score columns. Two classes need one map: the second is its complement."""
    return _Reference(scores, y).fit(np.ones(len(y), np.int64))


class _Reference:
    """Reference rows sorted once by each calibrated column's score (and hit), so that a
    calibration fitted on a resample of them, given as how often each row is drawn, reads
    its sorted scores by repeating each row's its count of times instead of sorting again:
    the same sorted scores and hits as sorting the drawn rows (rows tied in both are the
    same numbers, whatever their order), so the same maps; a sort was half of a
    calibration's time, and an estimate fits 50 (`_drawn`)."""

    def __init__(self, scores: np.ndarray, y: np.ndarray) -> None:
        scores = np.asarray(scores, np.float64)
        classes = scores.shape[1]
        self.columns = []  # per map: the row order, and the scores and hits in it
        for column in [1] if classes == 2 else range(classes):
            x, hits = scores[:, column], (y == column).astype(np.float64)
            if not np.all(np.isfinite(x)):
                raise ValueError("the scores hold NaN or infinity: no calibration can be fitted")
            order = np.lexsort((hits, x))
            self.columns.append((order, x[order], hits[order]))
        self.stated, self.rest = _stated(scores), _rest(scores)

    def fit(self, drawn: np.ndarray) -> Calibration:
        """The calibration of the rows drawn `drawn` times each (1: the reference)."""
        maps = []
        for order, x, hits in self.columns:
            times = drawn[order]
            x, hits = np.repeat(x, times), np.repeat(hits, times)
            xs, ys = _isotonic_sorted(x, hits)
            blocks = np.interp(x, xs, ys)  # each drawn row's chance: only counted
            maps.append((xs, _never_certain(ys, blocks)))
        held = drawn > 0
        shown = self.stated[held]
        return Calibration(
            thresholds=tuple(maps),
            low=float(shown.min()),
            high=float(shown.max()),
            least_rest=float(self.rest[held].min()),
        )


def isotonic(x: np.ndarray, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The increasing step map of `hits` (0/1) on `x` that fits them best, as scikit-learn's
    IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip") gives its thresholds: scores
    pooled with those less than float64's resolution above the first of them (as its
    `_make_unique` pools), pool-adjacent-violators (SciPy's), the points inside a flat run
    dropped. Its own checks on every call were three quarters of an estimate's time (it
    fits once a class for each of its resamples); read with np.interp, which clips."""
    if not np.all(np.isfinite(x)):
        raise ValueError("the scores hold NaN or infinity: no calibration can be fitted")
    order = np.lexsort((hits, x))
    return _isotonic_sorted(x[order], hits[order])


def _isotonic_sorted(x: np.ndarray, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`isotonic` of scores and hits already sorted by score, then hit."""
    from scipy.optimize import isotonic_regression

    xs, starts = np.unique(x, return_index=True)
    if len(xs) > 1 and np.min(np.diff(xs)) < RESOLUTION:
        firsts = _pooled(xs)  # scores an ulp apart, as two sums of the same numbers give
        xs, starts = xs[firsts], starts[firsts]
    counts = np.diff(np.append(starts, len(x)))
    means = np.add.reduceat(hits, starts) / counts
    ys = np.clip(isotonic_regression(means, weights=counts.astype(np.float64)).x, 0.0, 1.0)
    keep = np.ones(len(ys), dtype=bool)
    keep[1:-1] = (ys[1:-1] != ys[:-2]) | (ys[1:-1] != ys[2:])
    return xs[keep], ys[keep]


RESOLUTION = float(np.finfo(np.float64).resolution)  # 1e-15: scores nearer are one score


def _pooled(xs: np.ndarray) -> np.ndarray:
    """The indices of the sorted distinct scores that start a pool: each pool the scores
    less than RESOLUTION above its first."""
    firsts = [0]
    for i in range(1, len(xs)):
        if xs[i] - xs[firsts[-1]] >= RESOLUTION:
            firsts.append(i)
    return np.array(firsts)


def _never_certain(chances: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """The isotonic map's chances, its ends moved off 0 and 1: a block of m reference rows
    all of one class says (m + 0.5) / (m + 1), Jeffreys's estimate, not certainty. A
    chance of exactly 1 made one wrong answer in production impossible, and a test set
    with no false positive among 106 gave precision 1.0000 (interval 1.0000 to 1.0000),
    trusted. Kept within the neighbouring blocks' chances, so the map still rises."""
    moved = np.asarray(chances, np.float64).copy()
    inner = np.unique(moved[(moved > 0) & (moved < 1)])
    for end in (1.0, 0.0):
        rows = int(np.count_nonzero(blocks == end))
        if rows:
            value = (rows + 0.5) / (rows + 1) if end == 1.0 else 0.5 / (rows + 1)
            if len(inner):  # not past the block beside it
                value = max(value, inner[-1]) if end == 1.0 else min(value, inner[0])
            moved[moved == end] = value
    return moved


def chances(calibration: Calibration, scores: np.ndarray) -> np.ndarray:
    """Each row's calibrated chance of each class: (rows, classes), rows summing to 1."""
    scores = np.asarray(scores, np.float64)
    if scores.shape[1] == 2:
        xs, ys = calibration.thresholds[0]
        positive = np.interp(scores[:, 1], xs, ys)
        return np.column_stack([1 - positive, positive])
    found = np.column_stack(
        [np.interp(scores[:, k], xs, ys) for k, (xs, ys) in enumerate(calibration.thresholds)]
    )
    total = found.sum(axis=1, keepdims=True)
    even = np.full_like(found, 1 / found.shape[1])  # no class had a chance: say so evenly
    return np.where(total > 0, found / np.where(total > 0, total, 1), even)


def expected_table(chance: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The confusion table's expected counts: true class (rows) by predicted (columns)."""
    classes = chance.shape[1]
    table: np.ndarray = chance.T @ np.eye(classes)[predicted]
    return table


def estimate(metric: str, **given: Any) -> Estimate:
    """`metric` alone (estimates' arguments); ValueError when it cannot be estimated."""
    found, undefined = estimates((metric,), **given)
    if undefined:
        raise ValueError(undefined[0])
    return found[0]


def estimates(
    metrics: Sequence[str],
    *,
    reference_scores: np.ndarray,
    reference_y: np.ndarray,
    scores: np.ndarray,
    predicted: np.ndarray,
    positive_index: int = 1,
    labelled: tuple[np.ndarray, np.ndarray] | None = None,
    reference_predicted: np.ndarray | None = None,
    confidence: float = 0.95,
    calibrations: int = 50,
    draws: int = 400,
    seed: int = 0,
    names: Sequence[str] = (),
) -> tuple[tuple[Estimate, ...], tuple[str, ...]]:
    """Each of `metrics` (label metrics) on production rows with `scores` and `predicted`
    class indices, from reference rows with labels; `labelled`: (row indices, their classes)
    of the production rows whose labels arrived already; `reference_predicted`: the
    classes the model gave the reference rows (default: each row's most probable). One
    calibration and one set of drawn tables serve every metric. Returns the estimates, and
    why any metric had none. `names`: the classes, for what is said of them."""
    for metric in metrics:
        if metric not in counts.LABEL_METRICS:
            raise ValueError(f"'{metric}' cannot be estimated without labels: only label metrics")
    reference_scores = np.asarray(reference_scores, np.float64)
    reference_y, predicted = np.asarray(reference_y, np.int64), np.asarray(predicted, np.int64)
    calibration = fit(reference_scores, reference_y)
    chance = chances(calibration, scores)
    expected = expected_table(chance, predicted)
    tables = _drawn(
        (reference_scores, reference_y),
        (np.asarray(scores, np.float64), predicted),
        calibrations=calibrations,
        draws=draws,
        rng=np.random.default_rng(seed),
    )
    said = reference_scores.argmax(axis=1) if reference_predicted is None else reference_predicted
    reference = (reference_scores, reference_y, np.asarray(said, np.int64))
    reasons = _doubts(calibration, reference, scores, predicted, labelled)
    tail = (1 - confidence) / 2
    found, undefined = [], []
    answer = _one_answer(expected, names)
    for metric in metrics:
        value = float(counts.label_metric(metric, expected, positive_index=positive_index))
        drawn = counts.label_metric(metric, tables, positive_index=positive_index)
        given = ~counts.no_figure(metric, tables, positive_index)
        why = (
            _unestimable(metric, expected, positive_index, names, answer)
            or _seldom(metric, given)
            or _fixed(value, drawn[given], answer)
        )
        if why:
            undefined.append(f"'{metric}' not estimated: {why}")
            continue
        low, high = (float(v) for v in np.quantile(drawn[given], [tail, 1 - tail]))
        found.append(
            Estimate(
                metric=metric,
                value=value,
                low=min(low, value),  # the estimate is inside its own interval, always
                high=max(high, value),
                confidence=confidence,
                rows=len(predicted),
                reliable=not reasons,
                reasons=reasons,
            )
        )
    return tuple(found), tuple(undefined)


def _unestimable(
    metric: str, expected: np.ndarray, positive_index: int, names: Sequence[str], answer: str
) -> str:
    """Why `metric` has no estimate on these rows, if it has none: a class too thinly
    expected, or a figure that divides by zero on the expected table (precision with no row
    predicted positive is 0/0, and the 0 a table gives was estimated 0.0000, interval
    0.0000 to 0.0000, "decayed"; MCC with one answer for every row is 0/0 too)."""
    rows = words.count(round(float(expected.sum())), "row")
    support = expected.sum(axis=1)
    thin = _thin(metric, support, positive_index)
    if thin is not None:
        return (
            f"class {_name(thin, names)} is expected on {support[thin]:.1f} of {rows}, too "
            f"few to estimate its recall (fewer than {MIN_CLASS_ROWS}), and '{metric}' "
            "weighs it as much as any class"
        )
    if not counts.no_figure(metric, expected, positive_index):
        return ""
    if metric == "matthews_corrcoef" and answer:
        return f"{answer}, and MCC divides by zero then (scikit-learn's 0 is a convention)"
    where = f"{answer}, so" if answer else f"on the {rows}"
    zero = ", not 0" if counts.undefined(metric, expected, positive_index=positive_index) else ""
    return f"{where} it divides by zero ({counts.why_no_figure(metric)}): undefined{zero}"


def _seldom(metric: str, defined: np.ndarray) -> str:
    """Why `metric`'s interval cannot be drawn, if it cannot: it is defined on too few of
    the label sets drawn (its figure on the rest, 0 or NaN, is no figure)."""
    if defined.mean() >= MIN_DEFINED:
        return ""
    return (
        f"it divides by zero on {1 - defined.mean():.0%} of the label sets drawn for these "
        f"rows ({counts.why_no_figure(metric)}): too few to draw its interval from"
    )


def _fixed(value: float, drawn: np.ndarray, answer: str) -> str:
    """Why a figure the labels cannot move is no estimate of them, if it is one: the same
    on every label set drawn, as recall is 0, balanced accuracy 0.5 and kappa 0 where no
    row was predicted positive. Its interval was a point, and its drop "decayed", though a
    model gives one answer to a whole small batch by chance (or to a shifted one, which
    the drift check sees)."""
    if np.abs(drawn - value).max(initial=0.0) > FIXED:
        return ""
    because = f"{answer}, so" if answer else "on every label set drawn for these rows"
    shown = value if abs(value) > FIXED else 0.0  # not -0.0000
    return f"{because} it is {shown:.4f} whatever their labels, and says nothing of them"


def _one_answer(expected: np.ndarray, names: Sequence[str]) -> str:
    """ "the model predicted 0 for 60 of 60 rows" when it gave every row one class."""
    answered = np.flatnonzero(expected.sum(axis=0))
    if len(answered) != 1:
        return ""
    rows = round(float(expected.sum()))
    return f"the model predicted {_name(int(answered[0]), names)} for {words.of(rows, rows, 'row')}"


def _thin(metric: str, support: np.ndarray, positive_index: int) -> int | None:
    """The class too thinly expected for `metric` to be estimated, if any."""
    if metric in ON_POSITIVES:
        return positive_index if support[positive_index] < MIN_CLASS_ROWS else None
    if metric in counts.WEIGHS_EACH_CLASS and (support < MIN_CLASS_ROWS).any():
        return int(np.argmin(support))
    return None


def _name(index: int, names: Sequence[str]) -> str:
    """A class as the run names it; its index where no names were given."""
    return names[index] if index < len(names) else str(index)


def _drawn(
    reference: tuple[np.ndarray, np.ndarray],
    production: tuple[np.ndarray, np.ndarray],
    *,
    calibrations: int,
    draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Confusion tables of labels drawn from the chances, each batch of draws through a
    calibration fitted on a resample of the reference rows: (draws, classes, classes)."""
    (reference_scores, reference_y), (scores, predicted) = reference, production
    rows = len(predicted)
    per = max(1, draws // calibrations)
    summed = (
        _Sorted(scores[:, 1], predicted) if rows > DRAWN_ROWS and scores.shape[1] == 2 else None
    )
    found = []
    sorted_once = _Reference(reference_scores, reference_y)
    for _ in range(calibrations):
        pick = rng.integers(0, len(reference_y), len(reference_y))
        calibration = sorted_once.fit(np.bincount(pick, minlength=len(reference_y)))
        if summed is not None:
            found.append(summed.tables(calibration, per, rng))
        elif rows > DRAWN_ROWS:
            found.append(_tables_by_sums(chances(calibration, scores), predicted, per, rng))
        else:
            found.append(_tables_by_rows(chances(calibration, scores), predicted, per, rng))
    return np.concatenate(found)


class _Sorted:
    """Two classes and many rows: the sums a calibration's tables need, without a pass over
    the rows. The calibration is linear between its knots, so the chances of the rows
    between two knots sum to a + b * (their scores' sum), and their squares likewise: from
    prefix sums over the scores sorted once, each calibration costs a search per knot."""

    def __init__(self, positive: np.ndarray, predicted: np.ndarray) -> None:
        order = np.argsort(positive, kind="stable")
        self.scores = positive[order]
        self.prefix = []  # per predicted class: running count, sum and sum of squares
        for j in (0, 1):
            mine = (predicted[order] == j).astype(np.float64)
            columns = [mine, mine * self.scores, mine * self.scores**2]
            self.prefix.append(np.vstack([np.zeros(3), np.cumsum(np.column_stack(columns), 0)]))

    def sums(self, calibration: Calibration) -> list[tuple[float, float, float]]:
        """Per predicted class: the rows, the sum of their chances of being positive, and the
        sum of those chances squared."""
        xs, ys = calibration.thresholds[0]
        edges = np.searchsorted(self.scores, xs, side="left")
        starts = np.r_[0, edges]  # below the first knot, each span, above the last
        ends = np.r_[edges, len(self.scores)]
        slope = np.r_[0.0, np.diff(ys) / np.where(np.diff(xs) > 0, np.diff(xs), 1.0), 0.0]
        at = np.r_[ys[0], ys[:-1] - slope[1:-1] * xs[:-1], ys[-1]]  # a + b * score
        found = []
        for prefix in self.prefix:
            count, first, second = (prefix[ends] - prefix[starts]).T
            chance = at @ count + slope @ first
            squares = at**2 @ count + 2 * (at * slope) @ first + slope**2 @ second
            found.append((float(prefix[-1, 0]), float(chance), float(squares)))
        return found

    def tables(self, calibration: Calibration, per: int, rng: np.random.Generator) -> np.ndarray:
        tables = np.zeros((per, 2, 2))
        for j, (total, chance, squares) in enumerate(self.sums(calibration)):
            spread = math.sqrt(max(chance - squares, 0.0))  # the positives' count's spread
            drawn = np.clip(chance + spread * rng.standard_normal(per), 0, total)
            tables[:, 1, j], tables[:, 0, j] = drawn, total - drawn
        return tables


def _tables_by_rows(
    chance: np.ndarray, predicted: np.ndarray, per: int, rng: np.random.Generator
) -> np.ndarray:
    """`per` confusion tables, each row's label drawn from its chances."""
    rows, classes = chance.shape
    cumulative = np.cumsum(chance, axis=1)
    drawn = rng.random((per, rows))
    labels = np.zeros((per, rows), np.int64)  # the classes whose cumulative chance it passed
    for k in range(classes - 1):  # one column at a time: a sum over an axis of 2 was 6x this
        labels += drawn > cumulative[:, k]
    cells = labels * classes + predicted[None, :] + np.arange(per)[:, None] * classes**2
    tables = np.bincount(cells.ravel(), minlength=per * classes**2)
    return tables.reshape(per, classes, classes).astype(np.float64)


def _tables_by_sums(
    chance: np.ndarray, predicted: np.ndarray, per: int, rng: np.random.Generator
) -> np.ndarray:
    """The same tables for many rows, drawn by their sums: the true classes of the rows
    predicted as one class are a sum of independent categorical draws, normal to within a
    fraction of a row at these counts, with the mean and covariance of that sum (singular:
    the group's size is fixed, so it is drawn through its eigenvectors)."""
    classes = chance.shape[1]
    tables = np.zeros((per, classes, classes))
    for j in range(classes):
        group = chance[predicted == j]
        if not len(group):
            continue
        mean = group.sum(axis=0)
        if classes == 2:  # one number: the positives among them
            positive = group[:, 1]
            spread = math.sqrt(float(positive @ (1 - positive)))
            drawn = np.clip(mean[1] + spread * rng.standard_normal(per), 0, len(group))
            tables[:, 1, j], tables[:, 0, j] = drawn, len(group) - drawn
            continue
        values, vectors = np.linalg.eigh(np.diag(mean) - group.T @ group)
        scale = vectors * np.sqrt(np.clip(values, 0, None))
        tables[:, :, j] = np.clip(mean + rng.standard_normal((per, classes)) @ scale.T, 0, None)
    return tables


def _doubts(
    calibration: Calibration,
    reference: tuple[np.ndarray, np.ndarray, np.ndarray],
    scores: np.ndarray,
    predicted: np.ndarray,
    labelled: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[str, ...]:
    """What the estimate rests on that these rows put in doubt. `reference`: its rows'
    scores, classes and predicted classes."""
    said: list[str] = []
    reference_scores, reference_y, reference_predicted = reference
    if len(reference_y) < MIN_REFERENCE_ROWS:
        said.append(
            f"only {words.count(len(reference_y), 'reference row')} to calibrate on "
            f"(at least {MIN_REFERENCE_ROWS:,} are needed)"
        )
    scores = np.asarray(scores, np.float64)
    outside = _outside(calibration, scores, len(reference_y))
    if outside:
        said.append(outside)
    if labelled is not None and len(labelled[0]):
        rows, y = labelled
        disagree = _labels_disagree(
            (_stated(reference_scores), reference_predicted == reference_y),
            (_stated(scores[rows]), predicted[rows] == np.asarray(y, np.int64)),
        )
        if disagree:
            said.append(disagree)
    return tuple(said)


def _outside(calibration: Calibration, scores: np.ndarray, reference_rows: int) -> str:
    """The rows scored outside the reference's range, when they are more than MAX_OUTSIDE of
    them and more than unchanged rows leave there (at OUTSIDE_ALPHA). A row drawn as the
    reference's were is outside the range of n of them with chance 2 / (n + 1): a bare
    share made one such row of a 50-row batch, against 1,000 reference rows, 2% outside
    and an alarm in a tenth of unchanged batches."""
    above = _rest(scores) < calibration.least_rest
    count = int(np.count_nonzero((_stated(scores) < calibration.low) | above))
    share = count / max(len(scores), 1)
    if share <= MAX_OUTSIDE:
        return ""
    chance = _outside_chance(count, len(scores), reference_rows)
    if chance >= OUTSIDE_ALPHA:
        return ""
    p = f"p = {words.p_value(chance)}" if chance >= TINY_P else f"p < {TINY_P:g}"
    unchanged = len(scores) * 2 / (reference_rows + 1)
    return (
        f"{share:.1%} of the rows were scored outside the reference's range "
        f"({_edge(calibration.low)} to {_edge(calibration.high)}): the calibration is "
        f"extrapolated there ({count:,} of {words.count(len(scores), 'row')}, where unchanged "
        f"rows leave {unchanged:.1f} expected against "
        f"{words.count(reference_rows, 'reference row')}; {p})"
    )


def _edge(x: float) -> str:
    """A probability's edge as it can be told from 0 and 1: "1 - 6e-11", where three
    significant digits said the reference's range ran "0 to 1", which no row is outside."""
    said = f"{x:.3g}"
    if said == "1" and x < 1:
        return f"1 - {1 - x:.2g}"
    return f"{x:.2g}" if said == "0" and x > 0 else said


def _outside_chance(count: int, rows: int, reference_rows: int) -> float:
    """The chance that `count` or more of `rows` rows drawn as the reference's were fall
    outside its range. Exact for any continuous scores: all orderings of the rows and the
    m reference rows are alike, and k rows are outside in (k + 1) * C(m + rows - k - 2,
    m - 2) of the C(m + rows, m) (the first and last reference rows bound the other m - 2
    and rows - k; the k outside split k + 1 ways between the ends); ties only keep rows
    inside. Not binomial at 2 / (m + 1) a row: the reference's range is drawn too, and a
    binomial tail at 0.001 flagged 5.6% of unchanged 1,000-row batches against 300
    reference rows (20% at 10,000 rows: the 1% share's own rate there)."""
    from scipy.special import gammaln  # without importing scipy.stats

    m = reference_rows
    if m < 2 or count <= 0:
        return 1.0
    k = np.arange(count, rows + 1, dtype=np.float64)

    def chosen(n: np.ndarray | float, r: float) -> np.ndarray:  # log C(n, r)
        return np.asarray(gammaln(n + 1) - gammaln(r + 1) - gammaln(n - r + 1))

    logs = np.log(k + 1) + chosen(m + rows - k - 2, m - 2) - chosen(float(m + rows), m)
    return float(min(1.0, np.exp(logs).sum()))


def _labels_disagree(
    reference: tuple[np.ndarray, np.ndarray], production: tuple[np.ndarray, np.ndarray]
) -> str:
    """Is the model right as often on the labelled production rows as on reference rows
    scored alike? Each side is (stated score, right or not). Cochran, Mantel and Haenszel's
    test over strata of the reference's scores (tenths, at least 30 reference rows each):
    both sides' counts are samples. Tested against the calibrated chances themselves, as
    if known, 99 right of 100 was "concept drift" at p = 5e-5 on unchanged rows (an
    isotonic map fitted on 300 rows states chances of exactly 0 and 1), and up to 15% of
    unchanged labelled sets were flagged at the 1% level; empty when they agree."""
    (ref_score, ref_right), (score, right) = reference, production
    strata = max(1, min(10, len(ref_score) // 30))
    edges = np.unique(np.quantile(ref_score, np.linspace(0, 1, strata + 1)[1:-1]))
    ref_at, at = np.searchsorted(edges, ref_score, "right"), np.searchsorted(edges, score, "right")
    observed = expected = variance = like_reference = 0.0
    for k in range(len(edges) + 1):
        n1, a = int((at == k).sum()), int(right[at == k].sum())
        n0, b = int((ref_at == k).sum()), int(ref_right[ref_at == k].sum())
        total, hits = n0 + n1, a + b
        if n1 == 0 or total < 2:
            continue
        observed, expected = observed + a, expected + n1 * hits / total
        variance += n1 * n0 * hits * (total - hits) / (total**2 * (total - 1))
        # what the message says: the reference's own rate in the stratum (the test's
        # `expected` pools both sides' hits, the production rows' own among them)
        like_reference += n1 * b / n0 if n0 else a
    gap = abs(observed - expected) - 0.5  # Yates's, as the test is usually given
    if variance == 0 or gap <= 0:
        return ""
    p_value = math.erfc(gap / math.sqrt(variance) / math.sqrt(2))
    if p_value >= AGREE_ALPHA:
        return ""
    return _concept(int(observed), like_reference, len(score), p_value)


def _concept(observed: int, like_reference: float, rows: int, p_value: float) -> str:
    # a normal tail far out underflows to 0, and is not that precise there anyway
    p = f"p = {words.p_value(p_value)}" if p_value >= TINY_P else f"p < {TINY_P:g}"
    return (
        f"concept drift: on the {words.count(rows, 'production row')} labelled so far the "
        f"model was right {observed:,} times, where reference rows scored alike would have "
        f"been right {like_reference:,.1f} times ({p}): what a score means has changed"
    )


def _rest(scores: np.ndarray) -> np.ndarray:
    """What each row's stated score leaves to the other classes, summed from their own
    scores: 1 - stated, but exact where stated is close to 1."""
    if scores.shape[1] == 2:
        rest: np.ndarray = scores[:, 0]
        return rest
    rest = np.sort(scores, axis=1)[:, :-1].sum(axis=1)
    return rest


def _stated(scores: np.ndarray) -> np.ndarray:
    """The score each row's calibration reads first: the positive class's for two classes,
    the most probable class's for more."""
    stated: np.ndarray = scores[:, 1] if scores.shape[1] == 2 else scores.max(axis=1)
    return stated
