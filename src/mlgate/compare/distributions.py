"""Is a metric's change real or noise? Tests on paired rows, seeded, pure.

A 114-row test set moves F1 by more than most gates allow, so a gate can ask for the
change to be significant (or for a drop not to be). Every test here compares the
candidate and the baseline on the same rows, which is far more sensitive than comparing
two scores computed on different data.

Each test reads its interval and its p-value off one object (the bootstrap's resampled
changes, one t statistic, one binomial count), so that "the interval excludes zero"
holds exactly when "p < 1 - confidence": a gate never shows a verdict beside an interval
that contradicts it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from mlgate import bounds
from mlgate.manifest.metrics import fewest_resamples

Score = Callable[[np.ndarray], float]  # the metric on a subset of rows, given by index

# the methods, as a result names them
EXACT_MCNEMAR = "exact McNemar"
BOOTSTRAP_COUNTS = "paired bootstrap of outcome counts"
PERMUTED_PAIRS = "paired permutation test of outcome counts"
TIED = 1e-9  # statistics this close (relative) are one value, computed two ways
BOOTSTRAP_ROWS = "paired bootstrap of rows"
PAIRED_T = "paired t"
DELTA_METHOD = "delta method"
DELONG = "DeLong"


@dataclass(frozen=True, kw_only=True)
class PairedTest:
    method: str  # one of the names above
    rows: int
    delta: float  # candidate minus baseline on the paired rows
    ci_low: float  # confidence interval of delta
    ci_high: float
    p_value: float  # two-sided, against "no difference"
    confidence: float = 0.95
    std_error: float = math.nan  # of delta; NaN when the test gives none
    # an exact test of the rows the two models answer apart (McNemar's, the swaps): how many
    # there are, and the smallest change any way they could fall makes significant (inf:
    # none can; 0: not known, a continuous test or a sample of the swaps)
    apart: int | None = None
    least: float = 0.0

    def significant(self, alpha: float | None = None) -> bool:
        return self.p_value < (bounds.alpha(self.confidence) if alpha is None else alpha)


def paired_bootstrap(
    candidate: Score,
    baseline: Score,
    rows: int,
    *,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedTest:
    """Resample rows with replacement; score both models on each same resample.

    Any metric, one Python call per resample: the general case. `compare.significance`
    has the vectorised ones mlgate's own metrics use.
    """
    if rows == 0:
        raise ValueError("no paired rows to compare")
    everything = np.arange(rows)
    delta = candidate(everything) - baseline(everything)
    rng = np.random.default_rng(seed)
    deltas = np.empty(resamples)
    for i in range(resamples):
        sample = rng.integers(0, rows, rows)
        deltas[i] = candidate(sample) - baseline(sample)
    return summarise(float(delta), deltas, rows=rows, confidence=confidence)


def summarise(
    delta: float,
    deltas: np.ndarray,
    *,
    rows: int,
    confidence: float = 0.95,
    method: str = BOOTSTRAP_ROWS,
) -> PairedTest:
    """A bootstrap distribution of candidate-minus-baseline as a test.

    With B resampled changes, k of them at or beyond zero on the rarer side (ties with
    zero count on both sides), the p-value is 2(k + 1)/(B + 1), never 0; the interval
    runs from the K-th smallest change to the K-th largest, K the most resamples a side
    may hold while p < 1 - confidence. So one excludes zero exactly when the other is
    below 1 - confidence, by counting, with no interpolation to blur the edge.
    Resamples where the metric is undefined (one class drawn, ...) are left out.
    """
    deltas = deltas[np.isfinite(deltas)]
    size = len(deltas)
    low, high = interval(deltas, confidence)
    beyond = min(int(np.count_nonzero(deltas <= 0)), int(np.count_nonzero(deltas >= 0)))
    p_value = min(1.0, p_of(beyond + 1, size))
    spread = float(np.std(deltas, ddof=1)) if size > 1 else math.nan
    return PairedTest(
        method=method,
        rows=rows,
        delta=delta,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        confidence=confidence,
        std_error=spread,
    )


def interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The K-th smallest to the K-th largest of the finite resampled values, K the most a
    side may hold while the p-value `summarise` counts stays below 1 - confidence: one
    model's interval drawn from the same resamples as a change's test."""
    values = np.sort(values[np.isfinite(values)])
    size = len(values)
    if size == 0:
        raise ValueError("the metric is undefined on every resample")
    alpha = bounds.alpha(confidence)
    far = most_far(size, alpha)
    if far == 0:
        raise ValueError(
            f"{size} resamples cannot show a change at {confidence:.4g} confidence: it takes "
            f"at least {fewest_resamples(confidence)} resamples (compare.resamples)"
        )
    return float(values[far - 1]), float(values[size - far])


def p_of(count: int, size: int) -> float:
    """Two-sided, by counting: `count` is one more than the resamples (or deals) of `size`
    at or beyond the observed change on its rarer side."""
    return 2 * count / (size + 1)


def most_far(size: int, alpha: float) -> int:
    """The largest j with 2j/(size + 1) < alpha, as the p-value computes it."""
    j = max(int(alpha * (size + 1) / 2), 0)
    while p_of(j + 1, size) < alpha:
        j += 1
    while j > 0 and not p_of(j, size) < alpha:
        j -= 1
    return j


def linear_test(
    delta: float,
    influence: np.ndarray,
    *,
    confidence: float = 0.95,
    method: str = PAIRED_T,
) -> PairedTest:
    """A change whose error is that of a mean of per-row influence values (mean zero).

    For a mean of per-row terms these are the per-row differences about their mean, and
    this is the paired t-test; for a smooth function of means, or the ROC area, the
    delta method's (DeLong's) linearisation. Student's t on rows - 1 degrees of freedom
    gives both the p-value and the interval, from the one statistic delta / std_error.
    """
    rows = len(influence)
    if rows < 2:
        raise ValueError("a paired test needs at least two rows")
    std_error = math.sqrt(float(np.dot(influence, influence)) / (rows * (rows - 1)))
    return t_test(delta, std_error, rows - 1, rows=rows, confidence=confidence, method=method)


def t_test(
    delta: float, std_error: float, df: float, *, rows: int, confidence: float, method: str
) -> PairedTest:
    """A change with its standard error, Student's t on `df` degrees of freedom: the
    p-value and the interval from the one statistic delta / std_error."""
    from scipy.special import stdtr, stdtrit  # Student's t, without importing scipy.stats

    alpha = bounds.alpha(confidence)
    if std_error > 0:
        p_value = float(2 * stdtr(df, -abs(delta) / std_error))
        half = float(stdtrit(df, 1 - alpha / 2)) * std_error
    else:  # every row moved by the same amount: no noise at all
        p_value, half = (1.0 if delta == 0 else 0.0), 0.0
    low, high = delta - half, delta + half
    return PairedTest(
        method=method,
        rows=rows,
        delta=delta,
        ci_low=low,
        ci_high=high,
        p_value=agreeing(p_value, low, high, alpha),
        confidence=confidence,
        std_error=std_error,
    )


def agreeing(p_value: float, low: float, high: float, alpha: float) -> float:
    """The p-value, unless rounding put it on the other side of alpha than the interval.

    Both come from one statistic and agree exactly in exact arithmetic; at the very edge
    (|t| equal to the critical value to the last bit) a quantile and a tail probability
    can round apart, and then the interval, which the report shows, decides.
    """
    excludes = low > 0 or high < 0
    if excludes and not p_value < alpha:
        return float(np.nextafter(alpha, 0))
    if not excludes and p_value < alpha:
        return alpha
    return p_value


def held(test: PairedTest, changes: tuple[float, float]) -> PairedTest:
    """`test` with its interval cut to the changes the metric can make (`changes`: a
    closed form's interval of an AUC reached +1.04 on 20 rows) and stretched to hold the
    change itself (a bootstrap's percentiles of a biased figure, the calibration error,
    and Agresti and Caffo's interval, centred where its added rows put it, can leave it
    out at a low confidence). Cutting keeps the coverage and cannot reach zero, which a
    change can always be; stretching only widens. The p-value is then made to agree."""
    low, high = holding(test.delta, (test.ci_low, test.ci_high))
    low, high = max(low, changes[0]), min(high, changes[1])
    if (low, high) == (test.ci_low, test.ci_high):
        return test
    p_value = agreeing(test.p_value, low, high, bounds.alpha(test.confidence))
    return replace(test, ci_low=low, ci_high=high, p_value=p_value)


def holding(value: float, ends: tuple[float, float]) -> tuple[float, float]:
    """An interval read off the resamples, stretched to hold its own figure: the resamples
    of a biased figure (the calibration error, the largest gap between groups) can all lie
    to one side of it, and a figure is never shown outside its own interval."""
    return min(ends[0], value), max(ends[1], value)


def drawn_cells(
    weights: np.ndarray, resamples: int, rng: np.random.Generator, *, chunk: int
) -> Iterator[np.ndarray]:
    """Resamples of a table's occupied cells, `weights` rows each, as multinomial counts:
    the same distribution as resampling the rows the table counts, at a cost that does
    not grow with them. (chunk, cells) float counts, `chunk` resamples at a time."""
    rows = int(weights.sum())
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        yield rng.multinomial(rows, weights / rows, size=size).astype(np.float64)


def tables(draws: np.ndarray, cells: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(resamples, *shape) tables from draws of cells, each a flat index into `shape`."""
    size, cells_each = len(draws), math.prod(shape)
    offset = np.arange(size)[:, None] * cells_each
    counted = np.bincount(
        (offset + cells).ravel(), weights=draws.ravel(), minlength=size * cells_each
    )
    return counted.reshape(size, *shape)


def resample_counts(
    rows: int, resamples: int, rng: np.random.Generator, *, cells: int = 1 << 16
) -> Iterator[np.ndarray]:
    """How often each row is drawn, per resample: (chunk, rows) float counts, in chunks.

    The same resamples as drawing row indices with replacement, as counts, so that a
    metric can be a weighted sum (a matrix product). A chunk holds about `cells` counts
    (a single resample past that), so that a metric's passes over it stay in the cache.
    """
    chunk = max(1, min(resamples, cells // max(rows, 1)))
    offsets = np.arange(chunk, dtype=np.int64)[:, None] * rows
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        drawn = rng.integers(0, rows, size=(size, rows)) + offsets[:size]
        yield (
            np.bincount(drawn.ravel(), minlength=size * rows).reshape(size, rows).astype(np.float64)
        )


def mcnemar(
    candidate_right: np.ndarray, baseline_right: np.ndarray, *, confidence: float = 0.95
) -> PairedTest:
    """Exact McNemar test of accuracy: only rows where exactly one model is right count.

    Of the discordant rows, the candidate's share of them (its gains) is binomial; the
    p-value tests a share of one half, and the interval is the exact (Clopper-Pearson)
    interval of that share, which inverts the same two binomial tails, read as a change
    in accuracy: (gains - losses) / rows = discordant / rows * (2 * share - 1). So the
    interval excludes zero exactly when p < 1 - confidence.
    """
    rows = len(candidate_right)
    if rows == 0:
        raise ValueError("no paired rows to compare")
    gains = int(np.sum(candidate_right & ~baseline_right))
    losses = int(np.sum(~candidate_right & baseline_right))
    discordant = gains + losses
    p_value = _binomial_two_sided(min(gains, losses), discordant)
    delta = (gains - losses) / rows
    alpha = bounds.alpha(confidence)
    low_share, high_share = _clopper_pearson(gains, discordant, alpha)
    scale = discordant / rows
    low = min(scale * (2 * low_share - 1), delta)  # min and max only against rounding
    high = max(scale * (2 * high_share - 1), delta)
    # the standard error of a paired difference of proportions, for the power warning
    spread = math.sqrt(max(discordant - (gains - losses) ** 2 / rows, 0.0)) / rows
    return PairedTest(
        method=EXACT_MCNEMAR,
        rows=rows,
        delta=delta,
        ci_low=low,
        ci_high=high,
        p_value=agreeing(p_value, low, high, alpha),
        confidence=confidence,
        std_error=spread,
        apart=discordant,
        least=_least_net(discordant, alpha) / rows,
    )


def _least_net(discordant: int, alpha: float) -> float:
    """The smallest net count of gains over losses that the exact McNemar test calls
    significant (p < alpha, as a gate reads it) when `discordant` rows are answered apart;
    inf when no split of them can be (5 rows at 0.05: p is at least 2 / 2^5 = 0.0625)."""
    if not _binomial_two_sided(0, discordant) < alpha:
        return math.inf
    # the losses of the split: p grows with them, so the most that stay significant
    most, beyond = 0, discordant // 2 + 1
    while beyond - most > 1:
        middle = (most + beyond) // 2
        most, beyond = (
            (middle, beyond) if _binomial_two_sided(middle, discordant) < alpha else (most, middle)
        )
    return float(discordant - 2 * most)


def fewest_apart(confidence: float) -> int:
    """The fewest rows answered apart with which an exact test of them (McNemar's, the
    swaps) can call any change significant: each way they can fall has a chance of
    1 / 2^rows, so p is at least 2 / 2^rows (6 rows at 0.95 confidence)."""
    alpha = bounds.alpha(confidence)
    rows = 1
    while not _binomial_two_sided(0, rows) < alpha:
        rows += 1
    return rows


def _clopper_pearson(k: int, n: int, alpha: float) -> tuple[float, float]:
    """The exact interval of a binomial share: the shares no tail test rejects at alpha/2."""
    if n == 0:
        return 0.5, 0.5  # no discordant rows: no change, and nothing to say about one
    from scipy.special import betaincinv

    low = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha / 2))
    high = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - alpha / 2))
    return low, high


def _binomial_two_sided(k: int, n: int) -> float:
    """P(X <= k or X >= n - k) for X ~ Binomial(n, 1/2), with k <= n/2."""
    if n == 0:
        return 1.0
    if n <= 1000:  # exact in integers; past this the sum of big integers gets slow
        tails: float = 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n
        return min(1.0, tails)
    from scipy.special import bdtr  # the binomial tail as a regularised incomplete beta

    return min(1.0, 2 * float(bdtr(k, n, 0.5)))


def permuted(
    metric: str,
    method: str,
    observed: tuple[float, float],
    drawn: tuple[np.ndarray, np.ndarray],
    *,
    rows: int,
    confidence: float,
    chances: np.ndarray | None = None,
) -> PairedTest:
    """The studentized permutation test of the observed change and its variance against
    each deal's (every deal, each with its chance, when `chances` is given), its interval
    held to the changes the metric can make."""
    (delta, variance), (deltas, variances) = observed, drawn
    test = studentized(
        delta,
        variance,
        deltas,
        variances,
        rows=rows,
        confidence=confidence,
        method=method,
        what=metric,
        chances=chances,
    )
    from mlgate.manifest.metrics import METRICS

    return held(test, METRICS[metric].change_within())


def studentized(
    delta: float,
    variance: float,
    deltas: np.ndarray,
    variances: np.ndarray,
    *,
    rows: int,
    confidence: float,
    method: str,
    what: str,
    chances: np.ndarray | None = None,
) -> PairedTest:
    """The permutation test of `delta` over its standard error: `deltas` and `variances`,
    each deal's change and its variance. With B deals whose statistic is defined, k of them
    at or beyond the observed one on the rarer side (ties count on both), p = 2(k + 1) /
    (B + 1); the interval is delta less the standard error times the K-th largest and the
    K-th smallest statistic, K the most deals a side may hold while p < 1 - confidence. So
    the interval excludes zero exactly when p < 1 - confidence. A deal whose change is 0
    with no spread is a statistic of 0; one whose figure is undefined is left out.

    With `chances` (each deal's probability), the deals are every one there is, not a
    sample: p is twice the rarer tail's probability, and the interval's ends are the
    farthest statistics whose tail is not rarer than alpha / 2."""
    if not variance > 0:
        raise ValueError(
            f"{what} has no spread on either side (no row of either could move it), so "
            "the change has no interval"
        )
    spread = math.sqrt(variance)
    observed = delta / spread
    with np.errstate(divide="ignore", invalid="ignore"):
        drawn = np.where((variances == 0) & (deltas == 0), 0.0, deltas / np.sqrt(variances))
    alpha = bounds.alpha(confidence)
    # a tie is a tie however the sums were rounded: two tables of the same change came
    # out an ulp apart (f1_weighted 0.7125 and 0.7124999999999999), and a deal that tied
    # counted on one side only, so the verdict turned on which model was the candidate
    tied = TIED * max(1.0, abs(observed))
    least = 0.0  # of a sample of deals: not known
    if chances is not None:
        highest, lowest, p_value = _weighed(drawn, chances, observed, alpha, tied)
        least = _least_weighed(drawn, chances, alpha) * spread
    else:
        highest, lowest, p_value = _counted(drawn, observed, alpha, tied, what, confidence)
    low, high = (_edge(delta, spread, end, observed, tied) for end in (highest, lowest))
    # by counting, not by rounding: a deal whose statistic ties the observed one (a table
    # dealt as it was) counts against the change, and the interval then reaches zero
    low = min(low, 0.0) if highest >= observed - tied else low
    high = max(high, 0.0) if lowest <= observed + tied else high
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(
            f"{what} has no spread on too many deals of these rows to bound the change: "
            "too few labelled rows to tell"
        )
    return PairedTest(
        method=method,
        rows=rows,
        delta=delta,
        ci_low=low,
        ci_high=high,
        p_value=agreeing(p_value, low, high, alpha),
        confidence=confidence,
        std_error=spread,
        least=least,
    )


def _counted(
    drawn: np.ndarray, observed: float, alpha: float, tied: float, what: str, confidence: float
) -> tuple[float, float, float]:
    """A sample of deals: the K-th largest and smallest statistic and the p-value, by
    counting."""
    drawn = np.sort(drawn[~np.isnan(drawn)])
    size = len(drawn)
    far = most_far(size, alpha)
    if far == 0:
        raise ValueError(
            f"{what} is defined on {size} deals of the rows, too few to show a change at "
            f"{confidence:.4g} confidence"
        )
    beyond = min(
        int(np.count_nonzero(drawn >= observed - tied)),
        int(np.count_nonzero(drawn <= observed + tied)),
    )
    return drawn[size - far], drawn[far - 1], min(1.0, p_of(beyond + 1, size))


def _weighed(
    drawn: np.ndarray, chances: np.ndarray, observed: float, alpha: float, tied: float
) -> tuple[float, float, float]:
    """Every deal, each weighted by its chance (those whose figure is undefined left out,
    the rest's chances scaled to add up to 1): the farthest statistics whose tail is not
    rarer than alpha / 2, and twice the rarer tail's chance."""
    defined = ~np.isnan(drawn)
    order = np.argsort(drawn[defined], kind="stable")
    values, weights = drawn[defined][order], chances[defined][order]
    weights = weights / weights.sum()
    # the chance of a statistic at or beyond each value, from above and from below
    above = np.cumsum(weights[::-1])[::-1]
    below = np.cumsum(weights)
    half = alpha / 2 * (1 - 1e-12)  # a tail summed to alpha / 2 less a rounding is not rarer
    highest = values[np.flatnonzero(above >= half)[-1]]
    lowest = values[np.flatnonzero(below >= half)[0]]
    rarer = min(
        float(weights[values >= observed - tied].sum()),
        float(weights[values <= observed + tied].sum()),
    )
    return highest, lowest, min(1.0, 2 * rarer)


def _least_weighed(drawn: np.ndarray, chances: np.ndarray, alpha: float) -> float:
    """The smallest statistic (in absolute value) of every deal that, had it been the one
    observed, `_weighed` would call significant (p < alpha); inf when none would: every
    deal is one way the rows answered apart could have fallen, so no change smaller than
    this can come out significant on them."""
    defined = ~np.isnan(drawn)
    order = np.argsort(drawn[defined], kind="stable")
    values, weights = drawn[defined][order], chances[defined][order]
    weights = weights / weights.sum()
    from_below = np.concatenate([[0.0], np.cumsum(weights)])  # chance of the first i
    from_above = np.concatenate([np.cumsum(weights[::-1])[::-1], [0.0]])  # of i onwards
    tied = TIED * np.maximum(1.0, np.abs(values))  # as `studentized` ties an observed one
    above = from_above[np.searchsorted(values, values - tied, side="left")]
    below = from_below[np.searchsorted(values, values + tied, side="right")]
    significant = np.minimum(1.0, 2 * np.minimum(above, below)) < alpha
    return float(np.abs(values[significant]).min()) if significant.any() else math.inf


def _edge(delta: float, spread: float, statistic: float, observed: float, tied: float) -> float:
    """An end of the interval: delta less the statistic's share of it, exactly 0 where the
    statistic ties the observed one (6.9e-18 printed as "+0.000000000000", an interval's
    end that read as just past zero)."""
    return 0.0 if abs(statistic - observed) <= tied else delta - spread * statistic
