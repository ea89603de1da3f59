"""Data checks: the manifest's `data` rules on every data file, in one pass per file.

Order is deterministic: by role (train, test), then per file its row count, duplicates,
the presence of target, id and features, then `data.columns` in manifest order, each
column's rules in the order `column_checks.rules` gives, the row expressions, class
balance and freshness; leakage and the shared schema come last.

Per-column statistics of a file are computed in one `select` (polars runs its
expressions in parallel), and example values are fetched only for checks that failed,
from the rows marked when they were counted: on 1M rows x 20 columns, 97 checks take
about 0.35 s here.

`observed` is the count of offending rows, the row count for `rows`, or the dtype's
name when the dtype alone decides a type check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import polars as pl

from mlgate import dvc_files, words
from mlgate.data import (
    column_checks,
    dataset_checks,
    phrases,
    table_checks,
    type_checks,
)
from mlgate.data import frames as frames_
from mlgate.data.column_checks import Counted, Measured, Planned
from mlgate.data.frames import Table
from mlgate.manifest.spec import Data
from mlgate.result.records import CheckResult, DatasetSummary, FileFingerprint
from mlgate.yaml_source import format_path

ROLES = ("train", "test")


def summarize(
    role: str,
    frame: Table,
    file: FileFingerprint,
    fmt: str,
    *,
    rows: int,
    dvc: dvc_files.Tracked | None = None,
    profile: str | None = None,
) -> DatasetSummary:
    return DatasetSummary(
        role=role,
        file=file,
        format=fmt,
        rows=rows,
        columns={name: str(dtype) for name, dtype in frames_.schema(frame).items()},
        dvc_md5=dvc.md5 if dvc else None,
        dvc_source=dvc.source if dvc else None,
        profile=profile,
    )


def run_checks(
    spec: Data,
    frames: Mapping[str, Table],
    reference: Table | None = None,
    test_columns: Sequence[tuple[str, str]] = (),
) -> list[CheckResult]:
    """Every data check of the manifest; frames are keyed by role, each in memory or a scan
    (frames.py). The drift reference is held to the same schema, and to nothing else.
    `test_columns`: (column, manifest key) the evaluation reads from the test data (a
    slice's, a sensitive column): a file data.prepare wrote is checked for them here, as
    validate checks a file already there, before anything trains."""
    roles = [r for r in ROLES if r in frames] + [r for r in frames if r not in ROLES]
    found: list[CheckResult] = []
    for role in roles:
        found += _frame_checks(spec, role, frames[role], test_columns if role == "test" else ())
    if spec.leakage and "train" in frames and "test" in frames:
        found.append(dataset_checks.leakage(frames["train"], frames["test"], id_column=spec.id))
    if spec.same_schema:
        shapes = {role: frames_.shape(frame) for role, frame in frames.items()}
        if reference is not None:
            shapes["reference"] = frames_.shape(reference)
        if len(shapes) > 1:
            found.append(table_checks.same_schema(shapes))
    return found


def _frame_checks(
    spec: Data, role: str, frame: Table, read: Sequence[tuple[str, str]] = ()
) -> list[CheckResult]:
    shape = frames_.shape(frame)  # planning needs the columns and types, not the rows
    planned: list[Planned] = list(_implicit_presence(spec, role, shape, read))
    for column in spec.columns:
        planned += column_checks.plan(role, column, shape)
    planned += table_checks.expressions(role, spec.expressions, shape)
    head = []
    if spec.rows_min is not None or spec.rows_max is not None:
        height = frames_.height(frame)
        head.append(dataset_checks.rows(role, height, spec.rows_min, spec.rows_max))
    if spec.duplicates_max_fraction is not None:
        head.append(
            dataset_checks.duplicates(role, frame, spec.duplicates_max_fraction, id_column=spec.id)
        )
    return head + settle(frame, planned) + table_checks.table_checks(spec, role, frame)


def _implicit_presence(
    spec: Data, role: str, frame: pl.DataFrame, read: Sequence[tuple[str, str]] = ()
) -> list[CheckResult]:
    """Target, id and features are named columns too: a typo is a failed check, not a crash.
    A name that `data.columns` requires is checked there, once; so are the columns the
    evaluation reads (`read`), which were found missing only after training."""
    named: list[tuple[str, str, str]] = [
        ("target", spec.target, format_path(("data", "target"), None))
    ]
    if spec.id is not None:
        named.append(("id", spec.id, format_path(("data", "id"), None)))
    for i, feature in enumerate(spec.features or ()):
        named.append((f"features.{feature}", feature, format_path(("data", "features", i), None)))
    named += [(f"read.{name}", name, key) for name, key in read]
    declared = {c.name for c in spec.columns if c.required}
    found = []
    seen: set[str] = set()
    for suffix, name, path in named:
        if name in declared or name in seen:
            continue
        seen.add(name)
        present = name in frame.columns
        message = (
            f"present ({type_checks.name(frame.schema[name])})"
            if present
            else column_checks.missing(name, frame.columns)
        )
        found.append(
            CheckResult(
                id=f"data.{role}.{suffix}",
                stage="data",
                subject=f"{role}.{name}",
                rule="present",
                status="passed" if present else "failed",
                message=message,
                manifest_key=path,
            )
        )
    return found


def settle(frame: Table, planned: list[Planned]) -> list[CheckResult]:
    """Counted checks as results, from one select over the frame (and one for examples)."""
    counted = {i: p for i, p in enumerate(planned) if isinstance(p, Counted)}
    frame, offends = _marked(frame, counted)
    exprs: dict[str, pl.Expr] = {"rows": pl.len()}
    for i, check in counted.items():
        exprs[f"count.{i}"] = offends[i].sum() if check.count is None else check.count
        exprs[f"judged.{i}"] = check.judged
    for i, plan in enumerate(planned):
        if isinstance(plan, Measured):
            exprs[f"value.{i}"] = plan.value
    stats = _evaluate(frame, exprs)
    height = frames_.height(frame) if isinstance(stats["rows"], Exception) else stats["rows"]
    failed = {i: check for i, check in counted.items() if _positive(stats[f"count.{i}"])}
    wanted = {
        f"examples.{i}": check.examples(offends[i]).implode()
        for i, check in failed.items()
        if check.examples is not None
    }
    wanted |= {  # where the first offending rows are, counted from 1 (a header is no row)
        f"rows.{i}": (offends[i].arg_true().head(phrases.EXAMPLES) + 1).implode() for i in failed
    }
    shown = _evaluate(frame, wanted) if wanted else {}
    results = []
    for i, plan in enumerate(planned):
        if isinstance(plan, Counted):
            examples, rows = shown.get(f"examples.{i}"), shown.get(f"rows.{i}")
            results.append(
                _verdict(
                    plan,
                    stats[f"count.{i}"],
                    stats[f"judged.{i}"],
                    height,
                    examples if isinstance(examples, list) else [],
                    rows if isinstance(rows, list) else [],
                )
            )
        elif isinstance(plan, Measured):
            results.append(_measured(plan, stats[f"value.{i}"]))
        else:
            results.append(plan)
    return results


def _marked(frame: Table, counted: Mapping[int, Counted]) -> tuple[Table, dict[int, pl.Expr]]:
    """Each check's offending rows as an expression for the two passes. In a frame held in
    memory the rows are marked once, as columns of their own: the rule (a pattern over a
    million texts, say) is then run once, not again for a failed check's examples; 1M rows
    x 20 columns took 0.4 s unmarked, 0.3 s marked. A scan is not marked: its questions are
    answered a few columns at a time (frames.answers). Not marked either: a check with a
    cheaper `count` (its rule runs again only if it fails, for its examples), a rule of
    one value, and every check when marking fails (each rule then runs alone and keeps its
    own error: _evaluate)."""
    offends = {i: check.offending for i, check in counted.items()}
    if not isinstance(frame, pl.DataFrame):
        return frame, offends
    prefix = "\0offends."  # no name a user's column has
    while any(name.startswith(prefix) for name in frame.columns):
        prefix = "\0" + prefix
    marks = {f"{prefix}{i}": c.offending for i, c in counted.items() if c.count is None}
    if not marks or frame.height < 2:
        return frame, offends
    try:
        # a rule of one value (`max(age) < 10`, `1 = 0`) is summed once, as a scan sums it:
        # marked, it would be spread over every row; two rows tell one value from a column
        sizes = frame.head(2).lazy().select(**{n: e.len() for n, e in marks.items()}).collect()
        marks = {n: e for n, e in marks.items() if sizes[n].item() == 2}
        marked = frame.lazy().with_columns(**marks).collect()
    except pl.exceptions.PolarsError:
        return frame, offends
    return marked, offends | {int(name.removeprefix(prefix)): pl.col(name) for name in marks}


def _measured(plan: Measured, value: float | Exception | None) -> CheckResult:
    result = partial(
        CheckResult,
        id=plan.id,
        stage="data",
        subject=plan.subject,
        rule=plan.rule,
        manifest_key=plan.manifest_key,
    )
    if isinstance(value, Exception):
        return result(status="error", message=dataset_checks.not_evaluated(value))
    number = (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )
    status, message = plan.decide(number)
    return result(status=status, message=message, observed=number)


def _positive(value: object) -> bool:
    return isinstance(value, int) and value > 0


def _evaluate(frame: Table, exprs: Mapping[str, pl.Expr]) -> dict[str, Any]:
    """All statistics in one pass; when one cannot be computed, each alone, keeping the error."""
    if not exprs:
        return {}
    try:
        return frames_.answers(frame, exprs)
    except pl.exceptions.PolarsError:
        pass
    values: dict[str, Any] = {}
    for name, expr in exprs.items():
        try:
            values[name] = frames_.collected(frame.select(expr.alias(name))).item()
        except pl.exceptions.PolarsError as exc:
            values[name] = exc
    return values


def _verdict(
    check: Counted,
    count: int | Exception,
    judged: int | Exception,
    height: int,
    examples: list[Any],
    rows: list[int],
) -> CheckResult:
    result = partial(
        CheckResult,
        id=check.id,
        stage="data",
        subject=check.subject,
        rule=check.rule,
        manifest_key=check.manifest_key,
    )
    for value in (count, judged):
        if isinstance(value, Exception):
            return result(status="error", message=dataset_checks.not_evaluated(value))
    assert isinstance(count, int) and isinstance(judged, int)
    if count:
        message = (
            f"{check.prefix}{phrases.share(count, height)} {check.found}"
            f"{phrases.examples(examples)}{phrases.at_rows(rows, count)}"
        )
        return result(status="failed", message=message, observed=count)
    if height == 0:
        message = "no rows to check"
    elif judged == height:
        message = f"all {words.count(height, 'row')} {check.holds}"
    elif judged == 0:
        message = f"no values to check: all {words.count(height, 'row')} are missing"
    else:
        message = f"all {words.count(judged, 'non-null row')} {check.holds}"
    return result(status="passed", message=f"{check.prefix}{message}", observed=0)
