"""Checks on whole data files: row count, duplicated rows, and test rows leaked from train."""

from __future__ import annotations

from functools import partial

import polars as pl

from mlgate import words
from mlgate.data import frames, phrases, type_checks
from mlgate.data.frames import Table
from mlgate.result.records import CheckResult


def not_evaluated(exc: BaseException) -> str:
    """polars' first line, less the list of every column (a wide file's runs on), with its
    guess at a misspelt column kept."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    said = lines[0].split("; valid columns:")[0] if lines else type(exc).__name__
    guess = next((line for line in lines[1:3] if line.startswith("Did you mean")), None)
    if guess is not None:
        said += "; d" + guess[1:]
    return f"could not be evaluated: {said}"


def rows(role: str, height: int, low: int | None, high: int | None) -> CheckResult:
    if low is not None and high is not None:
        rule = f"{low} <= rows <= {high}"
    else:
        rule = f"rows >= {low}" if low is not None else f"rows <= {high}"
    result = partial(
        CheckResult,
        id=f"data.{role}.rows",
        stage="data",
        subject=role,
        rule=rule,
        observed=height,
        manifest_key="data.checks.rows",
    )
    if low is not None and height < low:
        return result(status="failed", message=f"{words.count(height, 'row')}, fewer than {low}")
    if high is not None and height > high:
        return result(status="failed", message=f"{words.count(height, 'row')}, more than {high}")
    return result(status="passed", message=words.count(height, "row"))


def duplicate_rows(frame: Table, height: int) -> int:
    """Rows that repeat an earlier row exactly; the first of each group is not counted.

    Distinct row hashes prove there are no duplicates at a tenth of the cost of comparing
    rows (1M x 20: 0.06 s against 0.7 s), so rows are compared only when hashes repeat.
    """
    if height < 2 or not frames.schema(frame):
        return 0
    if isinstance(frame, pl.DataFrame):
        if frame.hash_rows().n_unique() == height:
            return 0
        return height - frame.n_unique()
    rows = pl.struct(pl.all())
    if frames.collected(frame.select(rows.hash().n_unique())).item() == height:
        return 0
    return height - int(frames.collected(frame.select(rows.n_unique())).item())


def duplicates(
    role: str, frame: Table, limit: float, *, id_column: str | None = None
) -> CheckResult:
    """Fails when the share of repeated rows passes `limit` (data.checks.duplicates).

    The id column is left out of the comparison, as leakage leaves it out: a copied row
    gets a new id, so comparing ids would hide every duplicate (`mlgate init` sets one).
    """
    result = partial(
        CheckResult,
        id=f"data.{role}.duplicates",
        stage="data",
        subject=role,
        rule=f"duplicate rows <= {phrases.fraction(limit)}",
        manifest_key="data.checks.duplicates.max_fraction",
    )
    basis = ""
    if id_column is not None and id_column in frames.schema(frame):
        frame = frame.drop(id_column)
        basis = f" (compared without the id column '{id_column}')"
    try:
        height = frames.height(frame)
        count = duplicate_rows(frame, height)
    except pl.exceptions.PolarsError as exc:
        return result(status="error", message=not_evaluated(exc))
    if count == 0:
        return result(
            status="passed", message=f"no duplicate rows in {height:,}{basis}", observed=0
        )
    over = count / height > limit
    verdict = "more than" if over else "within"
    where = _first_rows(_repeated(frame), count) if over else ""
    message = (
        f"{phrases.share(count, height, bound=limit)} repeat an earlier row, {verdict} "
        f"{phrases.fraction(limit)}{basis}{where}"
    )
    return result(status="failed" if over else "passed", message=message, observed=count)


def _first_rows(rows: pl.LazyFrame, count: int) -> str:
    """Where the first offending rows are ("; first at rows 5, 9, 77", from 1 after the
    header), of `rows`, a frame of their indices (`__row`), in any order."""
    first = frames.collected(rows.select(pl.col(ROW).bottom_k(phrases.EXAMPLES).sort()))
    return phrases.at_rows((first[ROW] + 1).to_list(), count)


ROW = "__row"  # a row's index, beside the data's columns


def _repeated(frame: Table) -> pl.LazyFrame:
    """The indices of rows that repeat an earlier row."""
    every = pl.struct(pl.all().exclude(ROW))
    return frame.lazy().with_row_index(ROW).filter(~every.is_first_distinct()).select(ROW)


def leakage(train: Table, test: Table, *, id_column: str | None = None) -> CheckResult:
    """Test rows equal to a training row on every shared column (data.checks.leakage).

    The id column is left out of the comparison: ids differ between copies of a row by
    construction, so comparing them would hide every leak.
    """
    result = partial(
        CheckResult,
        id="data.leakage",
        stage="data",
        subject="test",
        rule="no test row in train",
        manifest_key="data.checks.leakage",
    )
    test_columns, train_columns = frames.schema(test), frames.schema(train)
    shared = [c for c in test_columns if c in train_columns and c != id_column]
    if not shared:
        return result(status="error", message="train and test share no columns to compare")
    try:
        count = leaked_rows(*_aligned(test, train, shared))
        height = frames.height(test)
    except pl.exceptions.PolarsError as exc:
        return result(status="error", message=not_evaluated(exc))
    basis = f"compared on {words.count(len(shared), 'shared column')}"
    if id_column is not None and id_column in test_columns and id_column in train_columns:
        basis += f", without the id column '{id_column}'"
    if count:
        where = _first_rows(_in_train(test, train, shared), count)
        message = (
            f"{phrases.share(count, height, 'test rows')} also appear in train ({basis}){where}"
        )
        return result(status="failed", message=message, observed=count)
    return result(
        status="passed",
        observed=0,
        message=f"none of {words.count(height, 'test row')} appear in train ({basis})",
    )


def _in_train(test: Table, train: Table, shared: list[str]) -> pl.LazyFrame:
    """The indices of test rows equal to a training row on the shared columns."""
    left, right = _aligned(test, train, shared)
    indexed = left.lazy().with_row_index(ROW)
    return indexed.join(right.lazy(), on=shared, how="semi", nulls_equal=True).select(ROW)


def leaked_rows(test: Table, train: Table) -> int:
    """Test rows equal to some training row; the frames share columns and dtypes.

    Row hashes rule out most rows cheaply (1M x 20 against 200k: 0.1 s), so only rows
    whose hash appears on both sides are compared. A scanned side is joined as it streams
    past the other's distinct rows, which are what memory holds.
    """
    if isinstance(test, pl.LazyFrame) or isinstance(train, pl.LazyFrame):
        test, train = test.lazy(), train.lazy()
        columns = frames.schema(test).names()
        seen = train.join(test.unique(), on=columns, how="semi", nulls_equal=True).unique()
        found = test.join(seen, on=columns, how="semi", nulls_equal=True).select(pl.len())
        return int(frames.collected(found).item())
    test_hashes, train_hashes = test.hash_rows(), train.hash_rows()
    candidates = test_hashes.is_in(train_hashes.implode())
    if not candidates.any():
        return 0
    test, train = test.filter(candidates), train.filter(train_hashes.is_in(test_hashes.implode()))
    return test.join(train, on=test.columns, how="semi", nulls_equal=True).height


def _aligned(left: Table, right: Table, shared: list[str]) -> tuple[Table, Table]:
    """Both frames on the shared columns with one dtype each, NaN as null: joinable."""
    left_exprs: list[pl.Expr] = []
    right_exprs: list[pl.Expr] = []
    left_schema, right_schema = frames.schema(left), frames.schema(right)
    for name in shared:
        a, b = left_schema[name], right_schema[name]
        if a == b and not (a.is_float() or type_checks.is_text(a)):
            target = a
        elif a.is_numeric() and b.is_numeric():
            target = pl.Float64()
        else:
            target = pl.String()  # text, categoricals from two files, or dtypes that disagree
        for exprs, dtype in ((left_exprs, a), (right_exprs, b)):
            expr = pl.col(name).cast(target, strict=False) if dtype != target else pl.col(name)
            exprs.append(expr.fill_nan(None) if target.is_float() else expr)
    return left.select(left_exprs), right.select(right_exprs)
