"""Drift of each column of a data file against a reference, without crying wolf.

A column is flagged only when its change is both significant and large:

- significant: a two-sample test (Kolmogorov-Smirnov for numbers, chi-square for
  categories) whose p-value, adjusted for every test of the comparison (Holm by default),
  is below alpha. On a million rows any difference is significant, so this alone would
  flag everything;
- large: an effect size at least its threshold. Which effect size, and so which test a
  report names, follows the column's type and the sample size, as practitioners expect:
  on up to 1,000 values a side the KS statistic (numbers) or Cramer's V of the chi-square
  table (categories), above that the Wasserstein distance in reference standard
  deviations (numbers) or the Jensen-Shannon distance (categories). PSI when asked.

Besides the values, the share of missing values (null, NaN or infinite) is tested on its
own, since every test above sees only the values present, and so is the share of
categories the reference never had, against how many new values the reference itself
would show (Good-Turing: the share of its values seen exactly once). A column with fewer
than 30 values on a side is not tested; two equal constants are no drift; more than 50
categories fold into the 49 most frequent in both files together and "other"; a column whose
reference values are mostly unique (an identifier) has its values left untested.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from mlgate import words
from mlgate.data import column_checks, corrections, phrases, profile, sketch, two_sample
from mlgate.data.profile import CategoricalProfile, ColumnProfile, NumericProfile, Profile
from mlgate.errors import UserError
from mlgate.manifest.spec import Data, Drift, DriftColumn
from mlgate.result.records import CheckResult, ColumnDrift, DriftResult, Status

MIN_VALUES = 30  # fewer on a side: not tested
SMALL = 1_000  # up to this many values on the smaller side: KS / chi-square
MAX_CATEGORIES = 50  # at least; more: the most frequent in both files together and "other"
NOISE = 0.03  # more categories are kept while chance alone gives about this Jensen-Shannon
RARE = 5  # categories with fewer rows in both files together fold into "other"
IDENTIFIER_SHARE = 0.5  # more of the reference's values seen once: an identifier
MISSING_THRESHOLD = 0.01  # the share of missing values must move by at least this much
UNSEEN_THRESHOLD = 0.01  # new categories must exceed the reference's own by this share

DEFAULT_THRESHOLDS = {
    "ks": 0.1,
    "wasserstein": 0.1,
    "chi2": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.2,
}
NUMERIC_METHODS = ("ks", "wasserstein", "psi")
CATEGORICAL_METHODS = ("chi2", "jensenshannon", "psi")
NAMES = {
    "ks": "KS",
    "wasserstein": "Wasserstein (normed)",
    "chi2": "chi-square (Cramer's V)",
    "jensenshannon": "Jensen-Shannon",
    "psi": "PSI",
    "missing": "missing share",
    "unseen": "new categories",
    "type": "type changed",
}
SIGNIFICANCE = {"ks": "KS", "chi2": "chi-square"}  # the proportions' test: two_sample


def against_reference(
    spec: Data,
    frames: Mapping[str, pl.DataFrame | Profile],
    reference: pl.DataFrame | Profile | None,
) -> tuple[DriftResult, ...]:
    """data.checks.drift: the test data against the training data, or every data file
    against data.reference when the manifest names one."""
    if spec.drift is None:
        return ()
    exclude = (spec.id,) if spec.id else ()
    if reference is None:
        if "train" not in frames or "test" not in frames:
            return ()
        return (
            compare(
                frames["train"],
                frames["test"],
                spec.drift,
                reference_name="train",
                current_name="test",
                exclude=exclude,
            ),
        )
    _usable(reference, spec, frames, exclude)
    drift = spec.drift
    return tuple(
        _against(reference, frames[role], drift, role, exclude)
        for role in ("train", "test")
        if role in frames
    )


def _against(
    reference: pl.DataFrame | Profile,
    current: pl.DataFrame | Profile,
    spec: Drift,
    role: str,
    exclude: Sequence[str],
) -> DriftResult:
    names = {"reference_name": "reference", "current_name": role}
    return compare(reference, current, spec, exclude=exclude, **names)


def _usable(
    reference: pl.DataFrame | Profile,
    spec: Data,
    frames: Mapping[str, pl.DataFrame | Profile],
    exclude: Sequence[str],
) -> None:
    """A reference that cannot be compared at all is a mistake to say, not a passed check.
    Without `features` the data's own columns are what drift tests: production rows hold
    the features and seldom the label, and were refused for want of the target alone."""
    assert spec.drift is not None
    where = f"data.reference: '{spec.reference}'"
    compared = [c for f in frames.values() for c in f.columns if c not in exclude]
    wanted = (
        spec.drift.columns
        or (spec.features and [c for c in (spec.target, *spec.features) if c])
        or list(dict.fromkeys(compared))
    )
    rows = reference.rows if isinstance(reference, Profile) else reference.height
    columns = list(reference.columns)
    if rows == 0:
        raise UserError(f"{where} has no rows to measure drift against")
    if not set(wanted) & set(columns) or not set(columns) - set(exclude):
        raise UserError(
            f"{where} has none of the columns drift tests ({words.names(wanted, 10)}); "
            f"its columns: {words.names(columns, 10) or 'none'}",
            hint="name the file with the same columns as the training data in data.reference",
        )


def check(result: DriftResult) -> CheckResult:
    """The comparison as one data check: it fails when the file as a whole drifted."""
    tested, drifted = len(result.tested_columns), len(result.drifted_columns)
    shown = result.drifted_columns[: phrases.EXAMPLES]  # a column can drift by two tests
    named = "; ".join(
        f"{e.column}: {e.message}" for e in result.columns if e.drifted and e.column in shown
    )
    if drifted > len(shown):
        named += f"; and {words.count(drifted - len(shown), 'more column')}"
    message = f"{words.of(drifted, tested, 'column')} drifted" + (f" ({named})" if named else "")
    message += _in_part(result)
    status: Status = "failed" if result.drifted else "passed"
    if not tested:  # nothing measured is no evidence of no drift: said, not passed
        status, message = "skipped", "no column could be tested" + _why_none(result)
    return CheckResult(
        id=f"data.{result.current}.drift",
        stage="data",
        subject=result.current,
        rule=f"drifted columns < {phrases.fraction(result.share)} (against {result.reference})",
        status=status,
        message=message,
        observed=drifted,
        manifest_key="data.checks.drift",
    )


def _why_none(result: DriftResult) -> str:
    """Why each column was not tested, columns with the same reason said together: it
    named the first alone ("x: too few values") where x, y and t all had too few."""
    by_reason: dict[str, list[str]] = {}
    for e in result.columns:
        if e.test == "none":
            by_reason.setdefault(e.reason, []).append(e.column)
    if not by_reason:
        return ""
    said = []
    for reason, columns in by_reason.items():
        shown = ", ".join(columns[: phrases.EXAMPLES])
        more = len(columns) - phrases.EXAMPLES
        said.append(f"{shown}{f' and {more} more' if more > 0 else ''}: {reason}")
    return f" ({'; '.join(said)})"


@dataclass(frozen=True)
class _Pending:
    """One test's figures before the p-values of the whole comparison are adjusted."""

    entry: ColumnDrift
    significance: str  # the test the p-value comes from, as a report names it
    named: str = ""  # the figure's name, where NAMES' would mislead


def compare(
    reference: pl.DataFrame | Profile,
    current: pl.DataFrame | Profile,
    spec: Drift,
    *,
    reference_name: str,
    current_name: str,
    exclude: Sequence[str] = (),
) -> DriftResult:
    """Every selected column of `current` against the same column of `reference`, each side
    given as data (profiled exactly, a column at a time) or as a profile (`mlgate profile`:
    its summaries' rank errors are taken off the KS statistic, see column_tests)."""
    names = _tested(spec, list(reference.columns), exclude, reference_name)

    def tests(name: str) -> list[_Pending]:
        if name not in reference.columns or name not in current.columns:
            where = reference_name if name not in reference.columns else current_name
            return [_untested(name, f"not in {where}")]
        column = spec.per_column.get(name, DriftColumn())
        before = _column(reference, name)
        now = _column(current, name)
        if profile.kind(before) == "datetime" and isinstance(now, CategoricalProfile):
            now = _dated(now)
        return column_tests(name, before, now, spec, column)

    # sorting and searching release the GIL: columns are tested side by side
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pending = [p for found in pool.map(tests, names) for p in found]
    return _result(pending, spec, reference_name, current_name)


# ISO 8601 as text holds it: a date, with a time (seconds, a fraction) and an offset or not
ISO_DATE = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def _dated(column: CategoricalProfile) -> ColumnProfile:
    """A text column's exact counts as the datetimes they say (`_iso_dates`), where every
    distinct text was kept: the runs and the monitor hand over profiles, not frames, and a
    CSV export's dates were a change of kind there while a test of frames passed."""
    if column.other or column.error:  # a file read in batches kept only its frequent values
        return column
    counts = column.counts
    if isinstance(counts, profile.Counted):
        texts, times = counts.frame["value"].cast(pl.String), counts.frame["count"]
    else:
        texts, times = pl.Series(list(counts), dtype=pl.String), pl.Series(list(counts.values()))
    values = pl.concat(
        [texts.repeat_by(times).explode(), pl.Series([None] * column.missing, dtype=pl.String)]
    )
    dated = _iso_dates(values)
    return column if dated.dtype == pl.String else profile.of_series(dated, exact=True)


def _iso_dates(values: pl.Series) -> pl.Series:
    """Text that is ISO 8601 throughout (a CSV export of a datetime column) as the
    datetimes it says, for a column that is a datetime in the reference: it was a change
    of kind, and drift, where the Parquet export of the same rows was tested (KS). Other
    text, or any value that is no date, is left as it is (and changed kind)."""
    if values.dtype != pl.String:
        return values
    given = values.drop_nulls()
    if given.is_empty() or not given.str.contains(ISO_DATE).all():
        return values
    try:
        if not given.str.contains(r"\d[T ]\d").any():  # dates alone: each its midnight
            return values.str.to_date("%Y-%m-%d", strict=True).cast(pl.Datetime("us"))
        offset = given.str.contains(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")
        if offset.any() and not offset.all():  # some in UTC, some in no zone: unread
            return values
        parsed = values.str.to_datetime(time_unit="us", strict=True)
        if offset.all():
            parsed = parsed.dt.convert_time_zone("UTC")
        return parsed
    except pl.exceptions.PolarsError:  # a 2024-02-30, or forms mixed: text, as before
        return values


def _column(source: pl.DataFrame | Profile, name: str) -> ColumnProfile:
    if isinstance(source, Profile):
        return source.columns[name]
    return profile.of_series(source[name], exact=True)


def _result(
    pending: list[_Pending], spec: Drift, reference_name: str, current_name: str
) -> DriftResult:
    """The p-values of every test adjusted together, each test settled, the file judged."""
    adjusted = corrections.adjust(
        [p.entry.p_value for p in pending if p.entry.p_value is not None], spec.correction
    )
    settled: list[ColumnDrift] = []
    left = iter(adjusted)
    for p in pending:
        if p.entry.p_value is None:
            settled.append(p.entry)
            continue
        settled.append(_settle(p, next(left), spec.alpha))
    tested = sorted({e.column for e in settled if e.statistic is not None})
    drifted = sorted({e.column for e in settled if e.drifted})
    share = len(drifted) / len(tested) if tested else 0.0
    return DriftResult(
        reference=reference_name,
        current=current_name,
        correction=spec.correction,
        alpha=spec.alpha,
        share=spec.share,
        columns=tuple(settled),
        tested_columns=tuple(tested),
        drifted_columns=tuple(drifted),
        drifted=bool(tested) and share >= spec.share,
    )


def _tested(
    spec: Drift, columns: list[str], exclude: Sequence[str], reference_name: str
) -> list[str]:
    """The columns to test; a column given its own test must be one the reference has, or
    the override would silently test nothing."""
    for name in spec.per_column:
        if name not in columns:
            said = column_checks.missing(name, columns).replace(
                "is missing", "is not in " + reference_name, 1
            )
            raise UserError(f"data.checks.drift.per_column: {said}")
    if spec.columns is not None:
        return list(spec.columns)
    return [c for c in columns if c not in exclude]


def _settle(p: _Pending, adjusted: float, alpha: float) -> ColumnDrift:
    entry = p.entry
    assert entry.statistic is not None and entry.threshold is not None
    assert entry.p_value is not None
    large = entry.statistic >= entry.threshold
    significant = adjusted < alpha
    shown = f"{p.named or NAMES[entry.test]} {_beside(entry.statistic, entry.threshold)}"
    verb = ">=" if large else "<"
    sig = f"{p.significance} p {_p(entry.p_value, alpha)}".strip()
    if entry.p_value != adjusted:
        sig += f", adjusted {words.p_value(adjusted, alpha)}"
    sig += f" {'<' if significant else '>='} {phrases.number(alpha)}"
    return replace(
        entry,
        adjusted_p_value=adjusted,
        drifted=large and significant,
        message=f"{shown} {verb} {phrases.number(entry.threshold)}, {sig}",
    )


def _in_part(result: DriftResult) -> str:
    from mlgate.report.drift_tables import in_part

    return in_part(result)


def _p(p: float, alpha: float) -> str:
    """Three significant digits, as the report gives every p-value, and never printed on
    the other side of, or as, the level it is held against ("0.05 < 0.05" of 0.04997)."""
    from mlgate.report import numbers

    return numbers.p_is(p, alpha)


def _rounded(value: float) -> float:
    return float(f"{value:.3g}") if math.isfinite(value) else value


def _beside(value: float, threshold: float) -> str:
    """An effect size to three significant digits, trailing zeros kept (a PSI of 1.0018 read
    "PSI 1", like a cap), with the places it takes not to print as its threshold ("0.2 <
    0.2" of 0.19996)."""
    said = f"{value:#.3g}".rstrip(".") if math.isfinite(value) else phrases.number(value)
    if "e" in said:  # far from any threshold's size: as the data checks write numbers
        return phrases.number(_rounded(value))
    if value != threshold and not phrases.apart(float(said), value, threshold):
        from mlgate import bounds

        return bounds.past(value, threshold, signed=False)
    return said


def column_tests(
    name: str,
    reference: ColumnProfile,
    current: ColumnProfile,
    spec: Drift,
    column: DriftColumn,
) -> list[_Pending]:
    """The missing-value test (when either side has any) and the values' test, from two
    profiles: exact ones of the data in hand, or summaries from elsewhere."""
    numeric = isinstance(reference, NumericProfile)
    found: list[_Pending] = []
    ref_rows, cur_rows = reference.count + reference.missing, current.count + current.missing
    if reference.missing or current.missing:
        found.append(
            _missing(name, reference.missing, ref_rows, current.missing, cur_rows, numeric=numeric)
        )
    if min(reference.count, current.count) < MIN_VALUES:
        counts = f"{reference.count:,} and {current.count:,}"
        return [*found, _untested(name, f"too few values to test ({counts}; {MIN_VALUES} a side)")]
    before, now = profile.kind(reference), profile.kind(current)
    if None not in (before, now) and before != now:  # numbers become text, dates numbers
        return [*found, _retyped(name, str(before), str(now))]
    apart = _units_apart(before, now)
    if apart:
        return [*found, _untested(name, apart)]
    if numeric != isinstance(current, NumericProfile):  # a profile that did not say its unit
        kinds = ("numeric", "categorical") if numeric else ("categorical", "numeric")
        return [*found, _retyped(name, *kinds)]
    method = _fitting(name, column, spec, numeric=numeric)
    if isinstance(reference, NumericProfile) and isinstance(current, NumericProfile):
        return [*found, _numeric(name, reference, current, method, column, spec)]
    assert isinstance(reference, CategoricalProfile) and isinstance(current, CategoricalProfile)
    return [*found, *_categorical(name, reference, current, method, column, spec)]


def _units_apart(before: str | None, now: str | None) -> str:
    """Why dates, durations or times against a profile that did not say its unit are not
    compared, or "" where both say theirs. mlgate 0.24 and before kept a date in days and
    a datetime in the file's own unit, 0.25 and 0.26 in microseconds, and none said which:
    19,898 days met 1.7e15 us and drifted, "KS 1". The values cannot tell the units apart
    (their spread is the window's as much as the unit's): untested, and said, is no lie."""
    if None not in (before, now) or not {before, now} - {None, "numeric", "categorical"}:
        return ""
    side = "reference" if before is None else "current"
    return (
        f"the {side} profile does not say in what unit it kept this {before or now} column "
        "(it was written by mlgate 0.26 or before, which kept dates in days or microseconds "
        "and said neither): make it again with `mlgate profile`, or register the version "
        "again"
    )


def _fitting(name: str, column: DriftColumn, spec: Drift, *, numeric: bool) -> str:
    """The column's own test, which must fit it; else the manifest's, where it fits."""
    fits = NUMERIC_METHODS if numeric else CATEGORICAL_METHODS
    if column.method is not None and column.method != "auto":
        if column.method not in fits:
            kind = "numbers" if numeric else "categories (text or booleans)"
            raise UserError(
                f"data.checks.drift.per_column.{name}.method: {column.method} cannot test "
                f"'{name}', which holds {kind}; use auto or one of {', '.join(fits)}"
            )
        return column.method
    return spec.method if spec.method in fits else "auto"


def _missing(
    name: str, k_ref: int, n_ref: int, k_cur: int, n_cur: int, *, numeric: bool
) -> _Pending:
    """The share of values missing; of numbers, infinite ones count too (a column of inf
    read "missing share 1.00", beside the model's "Input X contains infinity")."""
    moved = k_cur / n_cur - k_ref / n_ref if n_ref and n_cur else 0.0
    tested = two_sample.proportions(k_ref, n_ref, k_cur, n_cur)
    missing = "missing or infinite" if numeric else "missing"
    return _Pending(
        ColumnDrift(
            column=name,
            test="missing",
            reason=f"{missing} {phrases.percent(k_ref, n_ref)} in reference, "
            f"{phrases.percent(k_cur, n_cur)} in current",
            statistic=abs(moved),
            threshold=MISSING_THRESHOLD,
            p_value=tested.p_value,
            values=(n_ref, n_cur),
        ),
        significance=tested.test,
        named=f"{missing} share",
    )


def _retyped(name: str, before: str, now: str) -> _Pending:
    """A column whose values changed kind (numbers become text: one "3.5cm" in a feature)
    has drifted, by the fact, with no test to run: "not tested" read as no drift."""
    why = f"{before} in reference, {now} in current"
    return _Pending(
        ColumnDrift(
            column=name,
            test="type",
            reason=why,
            statistic=1.0,
            threshold=1.0,
            p_value=None,
            drifted=True,
            message=f"type changed: {why}",
        ),
        significance="",
    )


def _untested(name: str, why: str) -> _Pending:
    return _Pending(
        ColumnDrift(
            column=name,
            test="none",
            reason=why,
            statistic=None,
            threshold=None,
            p_value=None,
            message=f"not tested: {why}",
        ),
        significance="",
    )


def _method(method: str, *, numeric: bool, small: bool) -> tuple[str, str]:
    if method == "auto":
        if numeric:
            chosen = "ks" if small else "wasserstein"
        else:
            chosen = "chi2" if small else "jensenshannon"
        return chosen, f"{'up to' if small else 'over'} {SMALL:,} values"
    return method, "set in the manifest"


def _numeric(
    name: str,
    reference: NumericProfile,
    current: NumericProfile,
    method: str,
    column: DriftColumn,
    spec: Drift,
) -> _Pending:
    ref, cur = reference.summary, current.summary
    small = min(ref.count, cur.count) <= SMALL
    chosen, why = _method(method, numeric=True, small=small)
    about = f"numeric, {ref.count:,} and {cur.count:,} values: {NAMES[chosen]} ({why})"
    if ref.epsilon == 0 and cur.epsilon == 0:  # the values themselves
        shift = two_sample.numeric_shift(ref.values, cur.values, presorted=True)
        ks, p_value, std = shift.ks, shift.ks_p, shift.reference_std
        distance = shift.wasserstein
    else:  # summaries: the KS statistic is known within their rank errors, taken off
        gap, error = sketch.ks_bounds(ref, cur)
        ks = max(0.0, gap - error)
        p_value = two_sample.ks_asymptotic_p(ks, ref.count, cur.count)
        std, distance = reference.std, sketch.quantile_distance(ref, cur)
        about += f"; from profiles, KS {gap:.3g} less their rank error {error:.2g}"
    if chosen == "ks":
        statistic = ks
    elif chosen == "wasserstein":
        statistic = two_sample.normed(distance, std, _pooled_std(reference, current))
    else:
        statistic = two_sample.psi(*sketch.decile_counts(ref, cur))
    return _Pending(
        ColumnDrift(
            column=name,
            test=chosen,
            reason=about,
            statistic=statistic,
            threshold=_threshold(chosen, column, spec),
            p_value=p_value,
            values=(ref.count, cur.count),
        ),
        significance=SIGNIFICANCE["ks"],
    )


def _pooled_std(a: NumericProfile, b: NumericProfile) -> float:
    """Of both sides together, from their moments: the scale when the reference is constant."""
    n = a.count + b.count
    delta = b.mean - a.mean
    return math.sqrt((a.m2 + b.m2 + delta * delta * a.count * b.count / n) / n) if n else 0.0


def _categorical(
    name: str,
    reference: CategoricalProfile,
    current: CategoricalProfile,
    method: str,
    column: DriftColumn,
    spec: Drift,
) -> list[_Pending]:
    n_ref, n_cur = reference.count, current.count
    found: list[_Pending] = []
    if reference.other == 0:
        found.append(_unseen(name, reference, current))
    else:
        found.append(_outgrown(name, reference, current, spec.alpha))
    if reference.once > IDENTIFIER_SHARE * n_ref:
        said = phrases.share(reference.once, n_ref)
        why = f"values untested: {said} appear once (an id, or free text?)"
        if column.method is not None:  # asked for by name: say why it was not run
            why += f"; {column.method} compares the shares of values that repeat"
        found.append(_untested(name, why))
        return found
    small = min(n_ref, n_cur) <= SMALL
    chosen, why = _method(method, numeric=False, small=small)
    tables = _tables(reference, current)
    if isinstance(tables, str):
        found.append(_untested(name, tables))
        return found
    ref_table, cur_table = tables
    shift = two_sample.categorical_shift(ref_table, cur_table)
    if chosen == "chi2":
        statistic = shift.cramers_v
    elif chosen == "jensenshannon":
        statistic = shift.jensen_shannon
    else:
        statistic = two_sample.psi(ref_table, cur_table)
    found.append(
        _Pending(
            ColumnDrift(
                column=name,
                test=chosen,
                reason=f"categorical, {n_ref:,} and {n_cur:,} values in "
                f"{words.count(ref_table.size, 'category')}: "
                f"{NAMES[chosen]} ({why})",
                statistic=statistic,
                threshold=_threshold(chosen, column, spec),
                p_value=shift.chi2_p,
                values=(n_ref, n_cur),
            ),
            significance=SIGNIFICANCE["chi2"],
        )
    )
    return found


def _tables(
    reference: CategoricalProfile, current: CategoricalProfile
) -> tuple[np.ndarray, np.ndarray] | str:
    """Both sides' counts over the same categories, or why none can be compared.

    A profile keeps its most frequent values only. Its "other" compared as a category the
    data lacks, or the data's values folded to the profile's, both let the reference's
    own counts choose the categories: those chance made frequent there, and unchanged
    data drifted (3,000 values, 1,000 kept: Jensen-Shannon 0.38 where the data's is
    0.05). So categories are chosen as for data in hand, by both sides' counts together,
    from those whose count is known on both sides and above the most any value could
    reach without being known there: the same choice the data would make."""
    if not reference.other and not current.other:
        return folded(reference.counts, current.counts)
    ref_hidden = profile.hidden(reference) + reference.error
    cur_hidden = profile.hidden(current) + current.error
    reach = 0  # the most rows, both sides together, a value not known on both can have
    if reference.other:
        reach = max(reach, ref_hidden + _largest_lacking(current, reference))
    if current.other:
        reach = max(reach, cur_hidden + _largest_lacking(reference, current))
    if reference.other and current.other:
        reach = max(reach, ref_hidden + cur_hidden)
    # known on both sides: the values each profile that left some out kept
    cut = [side for side in (reference, current) if side.other]
    candidates = [str(v) for v in cut[0].counts if all(v in side.counts for side in cut[1:])]
    ref, cur = _counts_of(reference, candidates), _counts_of(current, candidates)
    known = {
        v: (r, c)
        for v, r, c in zip(candidates, ref, cur, strict=True)
        if (r is not None and c is not None)
    }
    floor = max(RARE, reach + 1)
    order = sorted(
        (v for v, (r, c) in known.items() if r + c >= floor),
        key=lambda v: (-sum(known[v]), v),
    )
    most = most_categories(reference.count, current.count)
    kept = order[: most - 1] if len(order) > most else order
    if not kept:
        left = reference if reference.other else current
        return (
            "values untested: the profile keeps its "
            f"{words.count(len(left.counts), 'most frequent value')}, and none is more "
            "frequent than a value it left out could be: chance would choose them"
        )
    ref_kept = [known[v][0] for v in kept]
    cur_kept = [known[v][1] for v in kept]
    ref_rest = reference.count - sum(ref_kept)
    cur_rest = current.count - sum(cur_kept)
    if ref_rest or cur_rest:
        ref_kept.append(ref_rest)
        cur_kept.append(cur_rest)
    return np.array(ref_kept, dtype=float), np.array(cur_kept, dtype=float)


def _counts_of(side: CategoricalProfile, values: list[str]) -> list[int | None]:
    """Each value's count on this side: 0 when it has none, None when its profile may
    hold it in "other" (unknown)."""
    unknown = None if side.other else 0
    if isinstance(side.counts, profile.Counted):
        wanted = pl.DataFrame({"value": values}, schema={"value": pl.String})
        found = wanted.join(side.counts.frame, on="value", how="left", maintain_order="left")
        return [unknown if n is None else int(n) for n in found["count"].to_list()]
    return [side.counts.get(v, unknown) for v in values]


def _largest_lacking(side: CategoricalProfile, other: CategoricalProfile) -> int:
    """The largest count on `side` of a value `other` did not keep."""
    return int(_lacking(side, other).max(initial=0))


def _lacking(side: CategoricalProfile, other: CategoricalProfile) -> np.ndarray:
    """The counts on `side` of the values `other` lacks or did not keep; in polars when
    `side` holds its data's counts there (an identifier's million values never become a
    dict)."""
    if isinstance(side.counts, profile.Counted):
        if isinstance(other.counts, profile.Counted):
            known = other.counts.frame.select("value")
        else:
            values = [str(v) for v in other.counts]
            known = pl.DataFrame({"value": values}, schema={"value": pl.String})
        lacking = side.counts.frame.join(known, on="value", how="anti")
        return lacking["count"].to_numpy().astype(np.int64)
    return np.array([n for v, n in side.counts.items() if v not in other.counts], dtype=np.int64)


def most_categories(n_ref: int, n_cur: int) -> int:
    """How many categories a compared table may have, "other" among them: 50, or more when
    the rows can tell more apart. Over k categories, unchanged data gives a Jensen-Shannon
    divergence of about (k - 1)/8 x (1/n_ref + 1/n_cur) (the G-test's chi-square mean), so
    k grows while its square root, the distance, stays near NOISE. A fixed 50 hid a
    reweighting spread over many values: 5,000 values, half of them made 3x as frequent,
    1,000,000 rows a side, gave Jensen-Shannon 0.017 folded to 50 and 0.18 over them all."""
    if not n_ref or not n_cur:
        return MAX_CATEGORIES
    return max(MAX_CATEGORIES, 1 + int(8 * NOISE**2 / (1 / n_ref + 1 / n_cur)))


def folded(
    reference: Mapping[str, int], current: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Aligned counts of the categories by their rows in both files together (ties by
    value); rare and surplus ones folded into one "other". Chosen by the reference's
    counts alone, the kept categories were those chance had inflated there, "other" held
    less of the reference than of the current file, and unchanged data drifted; the
    counts of both together are the same however the rows were split between the files,
    so the test keeps its level."""
    pooled = {v: reference.get(v, 0) + current.get(v, 0) for v in {*reference, *current}}
    order = sorted(pooled, key=lambda v: (-pooled[v], str(v)))
    kept = [v for v in order if pooled[v] >= RARE]
    most = most_categories(sum(reference.values()), sum(current.values()))
    if len(kept) > most:
        kept = kept[: most - 1]
    kept_set = set(kept)
    ref = [reference.get(v, 0) for v in kept]
    cur = [current.get(v, 0) for v in kept]
    rest_ref = sum(c for v, c in reference.items() if v not in kept_set)
    rest_cur = sum(c for v, c in current.items() if v not in kept_set)
    if rest_ref or rest_cur:
        ref.append(rest_ref)
        cur.append(rest_cur)
    return np.array(ref, dtype=float), np.array(cur, dtype=float)


def _unseen(name: str, reference: CategoricalProfile, current: CategoricalProfile) -> _Pending:
    """The share of current rows in values the reference (every value of it known) lacks,
    against Good-Turing's estimate of it: the share of the reference's values seen once.

    That estimate varies more than a proportion of the reference's rows would: by (N1 +
    2 N2 - N1^2/n) / n^2 (Esty, 1983; N1, N2 the values seen once and twice) where a
    proportion's is (N1 - N1^2/n) / n^2, so the reference's rows are counted as fewer by
    that ratio. Taken as a proportion, unchanged data drifted in 9% to 10% of columns (a
    100-row reference against 20,000). A current profile's "other" may hold values the
    reference has, so only the values it kept are counted: the figure is then a floor."""
    new, n_cur = int(_lacking(current, reference).sum()), current.count
    once, n_ref = reference.once, reference.count
    twice = _twice(reference.counts)
    excess = new / n_cur - once / n_ref
    as_proportion = once - once * once / n_ref + 1
    scale = min(1.0, as_proportion / (as_proportion + 2 * twice))
    tested = two_sample.proportions(round(once * scale), max(round(n_ref * scale), 1), new, n_cur)
    floor = " (of those the current profile kept)" if current.other else ""
    return _Pending(
        ColumnDrift(
            column=name,
            test="unseen",
            reason=f"{phrases.share(new, n_cur)} in categories the reference lacks{floor}; "
            f"{phrases.percent(once, n_ref)} expected from the reference's values seen once",
            statistic=max(excess, 0.0),
            threshold=UNSEEN_THRESHOLD,
            p_value=tested.p_value if excess > 0 else 1.0,
            values=(n_ref, n_cur),
        ),
        significance=tested.test,
    )


def _twice(counts: Mapping[str, int]) -> int:
    if isinstance(counts, profile.Counted):
        return int(counts.frame.filter(pl.col("count") == 2).height)
    return sum(1 for n in counts.values() if n == 2)


COVERAGE = 1e-3  # the chance that any kept count's lower bound misses its value's share


def _outgrown(
    name: str, reference: CategoricalProfile, current: CategoricalProfile, alpha: float
) -> _Pending:
    """Against a profile that left values out, new categories from what the profile does
    say, two ways (Bonferroni over the two; the figure and reason are one test's, so a
    p-value and a figure never come from different tests: the one whose figure reaches
    the threshold, else the one with the smaller p-value):

    - each current value it did not keep has at most `bound` rows there (its least
      frequent kept count, plus the count's error): tested one-sided with its reference
      count set to that most (given both counts' sum the current's is binomial, and
      fewer reference rows only make it less likely; Bonferroni over the values). This
      finds a new value more frequent than any the profile left out;
    - the values it kept hold at least a share of the data: each count's Poisson lower
      bound (Garwood), all of them at once with probability 1 - COVERAGE (so the values
      chance made frequent in the reference do not inflate it), summed. Fewer current
      rows on them than that (binomial, its p-value plus COVERAGE) finds rows moved to
      new values however thinly spread: 2,000 values all renamed passed the first way.

    Before, new categories went untested here, and a column whose values were all
    replaced passed."""
    from scipy import stats

    bound = profile.hidden(reference) + reference.error
    n_ref, n_cur = reference.count, current.count
    counts = _lacking(current, reference)
    share = n_cur / (n_ref + n_cur)
    p = stats.binom.sf(counts - 1, counts + bound, share) if counts.size else np.ones(1)
    adjusted = np.minimum(p * max(counts.size, 1), 1.0)
    grown = counts[adjusted < alpha]
    excess = float(np.clip(grown / n_cur - bound / n_ref, 0, None).sum())
    left, least, on_kept = _left_kept(reference, current)
    p_left = min(1.0, float(stats.binom.cdf(on_kept, n_cur, least)) + COVERAGE) if n_cur else 1.0
    kept = words.count(len(reference.counts), "most frequent value")
    p_each = float(adjusted.min())
    reaches = (left >= UNSEEN_THRESHOLD, excess >= UNSEEN_THRESHOLD)
    if (reaches[0], -p_left) > (reaches[1], -p_each):
        reason = (
            f"{phrases.share(on_kept, n_cur)} at most on the {kept} the reference profile "
            f"kept, which hold at least {phrases.fraction(round(least, 4))} of its rows"
        )
        statistic, p_value, test = left, p_left, "binomial, on the kept values' least share"
    else:
        reason = (
            f"{phrases.share(int(grown.sum()), n_cur)} in "
            f"{words.count(grown.size, 'value')} the reference profile did not keep (it "
            f"keeps its {kept}) and could hold at most {words.count(bound, 'row')} of each"
        )
        each = f"binomial (Bonferroni over {words.count(counts.size, 'value')})"
        statistic, p_value, test = excess, p_each, each
    return _Pending(
        ColumnDrift(
            column=name,
            test="unseen",
            reason=reason,
            statistic=statistic,
            threshold=UNSEEN_THRESHOLD,
            p_value=min(1.0, 2 * p_value),
            values=(n_ref, n_cur),
        ),
        significance=f"{test}, doubled for two tests",
    )


def _left_kept(
    reference: CategoricalProfile, current: CategoricalProfile
) -> tuple[float, float, int]:
    """How far the current's share on the values the reference kept falls below the least
    share they hold there: (that shortfall, the least share, the most current rows on
    them). A current profile that left values out may hold some of them in its "other":
    each up to its own bound, all of them up to that "other"."""
    from scipy import stats

    values = [str(v) for v in reference.counts]
    if not values or not reference.count or not current.count:
        return 0.0, 0.0, 0
    counts = np.array([reference.counts[v] for v in reference.counts], dtype=float)
    level = COVERAGE / max(reference.distinct, len(values))
    least = float(np.sum(stats.chi2.ppf(level, 2 * counts) / 2)) / reference.count
    found = _counts_of(current, values)
    known = sum(n for n in found if n is not None)
    unknown = sum(n is None for n in found)
    hidden = (profile.hidden(current) + current.error) * unknown
    on_kept = known + min(hidden, current.other)
    return max(least - on_kept / current.count, 0.0), least, on_kept


def _threshold(method: str, column: DriftColumn, spec: Drift) -> float:
    for given in (column.threshold, spec.threshold):
        if given is not None:
            return given
    return DEFAULT_THRESHOLDS[method]
