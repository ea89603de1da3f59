"""A metric on each slice of the paired rows, candidate beside baseline: the rows of one
category, of one bin of a numeric column, or of one pair of them. Each slice's change is
tested as the whole's is (`significance.paired_test`, the same test for the metric), and
the p-values are adjusted across the slices tested (Benjamini-Hochberg by default: of the
slices flagged, the expected share flagged by chance stays at 1 - confidence; Holm keeps
the chance of any false flag there instead). A slice with fewer rows than `min_support`
is listed with its rows and not tested, so a small slice neither raises a false alarm
nor hides in silence. `discover` scans every column for the slices where the candidate
lost most, adjusting across all it scanned.

The slices themselves are cut by data/slicing.py; compare/subgroups.py runs these for the
manifest's slices and gates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from mlgate import words
from mlgate.compare.distributions import PairedTest
from mlgate.compare.paired import Paired, on_rows
from mlgate.data import corrections, slicing
from mlgate.data.slicing import Slices
from mlgate.manifest.metrics import METRICS
from mlgate.manifest.spec import Compare

MIN_SUPPORT = 30
DEFAULTS = Compare()  # the manifest's compare section as it is when left out


@dataclass(frozen=True, kw_only=True)
class SliceResult:
    column: str
    value: str
    rows: int
    candidate: float | None = None
    baseline: float | None = None
    test: PairedTest | None = None
    adjusted_p: float | None = None  # across the slices tested together
    reason: str = ""  # why it was not tested

    def flagged(self, alpha: float) -> bool:
        return self.adjusted_p is not None and self.adjusted_p < alpha


def compare(
    metric: str,
    slices: Slices,
    paired: Paired,
    spec: Compare = DEFAULTS,
    *,
    min_support: int = MIN_SUPPORT,
    correction: str = "bh",
) -> list[SliceResult]:
    """Every slice, in the order of its labels, tested as `spec` (the manifest's compare
    section) sets the whole's test."""
    return compare_all(
        metric, [slices], paired, spec, min_support=min_support, correction=correction
    )


def compare_all(
    metric: str,
    cuts: Sequence[Slices],
    paired: Paired,
    spec: Compare = DEFAULTS,
    *,
    min_support: int = MIN_SUPPORT,
    correction: str | None = "bh",
) -> list[SliceResult]:
    """Every slice of every cut, the p-values adjusted across all of them together (None:
    left to the caller, who adjusts them with other tests)."""
    every = [r for cut in cuts for r in _each(metric, cut, paired, spec, min_support)]
    return every if correction is None else _adjusted(every, correction)


def discover(
    metric: str,
    columns: Mapping[str, np.ndarray],
    paired: Paired,
    spec: Compare = DEFAULTS,
    *,
    worst: int = 5,
    bins: int = 4,
    min_support: int = MIN_SUPPORT,
    correction: str = "bh",
) -> list[SliceResult]:
    """The slices where the candidate lost most against the baseline, found by scanning
    every column (numbers in quantile bins, anything else by value). The p-values are
    adjusted across every slice scanned, not only those shown: looking at many slices and
    reporting the worst is itself many tests."""
    every = [
        result
        for name, values in columns.items()
        for result in _each(metric, _sliced(name, values, bins), paired, spec, min_support)
    ]
    tested = [r for r in _adjusted(every, correction) if r.test is not None]
    better = METRICS[metric].greater_is_better
    tested.sort(key=lambda r: (r.test.delta if better else -r.test.delta) if r.test else 0.0)
    return tested[:worst]


def _sliced(name: str, values: np.ndarray, bins: int) -> Slices:
    if slicing.numeric(values):
        return slicing.by_bins(name, values, bins)
    return slicing.by_category(name, values)


def _each(
    metric: str, slices: Slices, paired: Paired, spec: Compare, min_support: int
) -> list[SliceResult]:
    """Each slice's figures and test, unadjusted."""
    results: list[SliceResult] = []
    for code, label in enumerate(slices.labels):
        rows = paired.only(np.flatnonzero(slices.codes == code))
        found = SliceResult(column=slices.column, value=label, rows=len(rows.y_true))
        if found.rows < min_support:
            said = f"{words.count(found.rows, 'row')}, under the minimum of {min_support:,}"
            results.append(replace(found, reason=said))
            continue
        try:
            test = rows.test(metric, spec)
        except ValueError as exc:  # undefined on this slice (one class only, say)
            results.append(replace(found, reason=str(exc)))
            continue
        results.append(
            replace(
                found,
                candidate=on_rows(metric, rows, rows.candidate_pred, rows.candidate_scores),
                baseline=on_rows(metric, rows, rows.baseline_pred, rows.baseline_scores),
                test=test,
            )
        )
    return results


def _adjusted(results: list[SliceResult], correction: str) -> list[SliceResult]:
    tested = [(i, r.test.p_value) for i, r in enumerate(results) if r.test is not None]
    adjusted = corrections.adjust([p for _, p in tested], correction)
    out = list(results)
    for (i, _), p in zip(tested, adjusted, strict=True):
        out[i] = replace(out[i], adjusted_p=p)
    return out
