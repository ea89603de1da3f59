"""A fairness metric of the candidate and the baseline on the same rows, with a paired
bootstrap: every resample is drawn at once as multinomial counts of the (group, actual,
candidate's decision, baseline's decision) table, the same distribution as resampling
rows (as `significance` does for label metrics), so a million rows cost what a thousand
do. The candidate's own interval comes from the same resamples as the change's, and the
change's p-value and interval from one count (`distributions.summarise`); each interval
holds its own figure (`holding`, `held`): the largest gap between groups is biased upward,
and on a fair model's rows every resample's gap can lie above it (2 to 6 fair models in
100 of 400 rows were shown outside their own interval)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlgate.compare.distributions import (
    BOOTSTRAP_COUNTS,
    PairedTest,
    drawn_cells,
    held,
    holding,
    interval,
    summarise,
    tables,
)
from mlgate.manifest.metrics import fewest_resamples
from mlgate.model import fairness

CELLS_AT_ONCE = 1 << 20  # resamples drawn in parts of this many cells: bounded memory


@dataclass(frozen=True, kw_only=True)
class FairnessComparison:
    metric: str
    groups: int
    candidate: float
    candidate_low: float  # the candidate's figure, its interval at the test's confidence
    candidate_high: float
    baseline: float
    test: PairedTest  # candidate minus baseline

    @property
    def worse(self) -> bool:
        """Significantly less fair than the baseline."""
        return self.test.significant() and fairness.less_fair(self.metric, self.test.delta)


def paired(
    metric: str,
    groups: np.ndarray,
    actual: np.ndarray,
    candidate: np.ndarray,
    baseline: np.ndarray,
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> FairnessComparison:
    """`groups` as codes 0..k-1, `actual` and both models' decisions as booleans (the
    positive class), one per paired row."""
    found = _drawn(metric, groups, actual, candidate, baseline, resamples=resamples, seed=seed)
    low, high = holding(found.candidate, interval(found.candidate_drawn, confidence))
    test = summarise(
        found.candidate - found.baseline,
        found.candidate_drawn - found.baseline_drawn,
        rows=found.rows,
        confidence=confidence,
        method=BOOTSTRAP_COUNTS,
    )
    return FairnessComparison(
        metric=metric,
        groups=found.groups,
        candidate=found.candidate,
        candidate_low=low,
        candidate_high=high,
        baseline=found.baseline,
        test=held(test, (-1.0, 1.0)),  # every figure is a rate's gap or ratio, in [0, 1]
    )


def alone(
    metric: str,
    groups: np.ndarray,
    actual: np.ndarray,
    decided: np.ndarray,
    *,
    resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> fairness.Figure:
    """One model's figure and its interval (drawn as `paired` draws them, the model set
    against itself). Too few resamples for the confidence leave the figure without one: a
    check decides on the figure, not on its interval."""
    found = _drawn(metric, groups, actual, decided, decided, resamples=resamples, seed=seed)
    try:
        low, high = holding(found.candidate, interval(found.candidate_drawn, confidence))
        note = ""
    except ValueError:
        low = high = math.nan
        note = (
            f"no {confidence:.4g} interval: {resamples} resamples cannot bound one, it takes "
            f"at least {fewest_resamples(confidence)} (compare.resamples)"
            if np.isfinite(found.candidate_drawn).any()
            # a group of a row or two is missing from every resample: 1,000 resamples were
            # said to be too few, where no number of them would do
            else f"no {confidence:.4g} interval: the figure is undefined on every resample "
            "(each leaves out a whole group)"
        )
    return fairness.Figure(
        metric=metric,
        groups=found.groups,
        value=found.candidate,
        low=low,
        high=high,
        confidence=confidence,
        note=note,
    )


@dataclass(frozen=True, kw_only=True)
class _Drawn:
    groups: int
    rows: int
    candidate: float
    baseline: float
    candidate_drawn: np.ndarray  # the figure on each resample
    baseline_drawn: np.ndarray


def _drawn(
    metric: str,
    groups: np.ndarray,
    actual: np.ndarray,
    candidate: np.ndarray,
    baseline: np.ndarray,
    *,
    resamples: int,
    seed: int,
) -> _Drawn:
    """Both models' figures, on the rows and on each resample of them."""
    codes = np.asarray(groups, np.int64)
    n_groups = int(codes.max()) + 1 if codes.size else 0
    if n_groups < 2:
        raise ValueError(f"{metric} needs at least two groups; these rows hold {n_groups}")
    cells = np.bincount(
        ((codes * 2 + np.asarray(actual, bool)) * 2 + np.asarray(candidate, bool)) * 2
        + np.asarray(baseline, bool),
        minlength=n_groups * 8,
    )
    occupied = np.flatnonzero(cells)
    weights = cells[occupied]
    sides = (occupied // 2, occupied // 4 * 2 + occupied % 2)  # (group, actual, decision)

    def figures(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shape = (n_groups, 2, 2)
        cand, base = (fairness.figure(metric, tables(draws, side, shape)) for side in sides)
        return cand, base

    cand_value, base_value = (float(v[0]) for v in figures(weights[None, :].astype(np.float64)))
    for value, side in zip((cand_value, base_value), sides, strict=True):
        if not math.isfinite(value):
            table = tables(weights[None, :].astype(np.float64), side, (n_groups, 2, 2))[0]
            why = fairness.why_undefined(metric, table)
            raise ValueError(f"{metric} is undefined on these rows: {why}")
    rng = np.random.default_rng(seed)
    chunk = max(1, CELLS_AT_ONCE // (n_groups * 8))
    parts = [figures(d) for d in drawn_cells(weights, resamples, rng, chunk=chunk)]
    return _Drawn(
        groups=n_groups,
        rows=int(weights.sum()),
        candidate=cand_value,
        baseline=base_value,
        candidate_drawn=np.concatenate([c for c, _ in parts]),
        baseline_drawn=np.concatenate([b for _, b in parts]),
    )
