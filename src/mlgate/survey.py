"""What `mlgate init` reads from a project before it writes a starter manifest: the data
files that are there (CSV, Parquet, JSON Lines), their columns and row counts, the column
that looks like the target, and the scripts that prepare data and train.

Guesses, each said in a phrase, so the manifest's comments can tell the user what to check.
Only file headers and counts are read (polars scans; a Parquet file's row count is in its
footer), so a large file costs little.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from mlgate import words
from mlgate.data.load import EXTENSIONS, PANDAS_INDEX
from mlgate.errors import UserError

if TYPE_CHECKING:
    from mlgate.data.profile import Profile

SKIPPED_FOLDERS = {
    ".git",
    ".mlgate",
    ".venv",
    "venv",
    "env",
    "node_modules",
    "__pycache__",
    "site-packages",
    ".tox",
    ".dvc",
    "mlruns",
    "build",
    "dist",
}
DEPTH = 3  # folders below the project searched for data and scripts
TRAIN_WORDS = ("train", "training")
TEST_WORDS = ("test", "testing", "holdout", "eval", "evaluation", "valid", "validation", "val")
# names a target column usually has, likeliest first
TARGET_NAMES = (
    "target",
    "label",
    "labels",
    "y",
    "class",
    "outcome",
    "churn",
    "churned",
    "response",
    "diagnosis",
    "species",
    "price",
)
REGRESSION_MIN_VALUES = 20  # an integer target with more distinct values is a quantity
Task = Literal["classification", "regression"]


@dataclass(frozen=True, kw_only=True)
class DataFile:
    path: str  # relative to the project, posix
    rows: int
    columns: tuple[str, ...]
    dtypes: tuple[str, ...]  # polars dtype names, by column


@dataclass(frozen=True, kw_only=True)
class Survey:
    train: DataFile | None = None
    test: DataFile | None = None
    target: str | None = None
    id: str | None = None  # a column that names each row, never handed to the model
    task: Task | None = None
    prepare: str | None = None  # the preparation script, relative posix path
    trainer: str | None = None  # the training script
    said: tuple[str, ...] = field(default=())  # what was read and guessed, one phrase each
    # a DVC pipeline: the stage that writes a model file (and that file), and the one
    # that writes the training data, run as data.prepare
    dvc_train: tuple[str, str] | None = None
    dvc_prepare: str | None = None
    # data.columns entries both files pass today, from their profiles: (name, rules)
    columns: tuple[tuple[str, dict[str, object]], ...] = ()

    @property
    def fewest_rows(self) -> int | None:
        counts = [f.rows for f in (self.train, self.test) if f is not None]
        return min(counts) if counts else None

    @property
    def rows_min(self) -> int | None:
        """A floor every file passes today and a truncated file would not: the smallest
        file's row count, rounded down to one significant figure (54 -> 50)."""
        fewest = self.fewest_rows
        return round_down(fewest) if fewest else None


def survey(root: Path) -> Survey:
    """Read the project at `root`; nothing found leaves a field None."""
    data, scripts = _files(root)
    said: list[str] = []
    train_path, test_path = pick_pair(data)
    train = _read(root, train_path, said) if train_path else None
    test = _read(root, test_path, said) if test_path else None
    target = task = None
    row_id = None
    if train is not None:
        target, why = guess_target(train, test)
        said.append(f"target '{target}': {why}")
        task, why = _guess_task(root, train, target)
        said.append(f"task {task}: {why}")
        row_id = guess_id(root, train, test, target)
        if row_id is not None:
            said.append(
                f"id '{row_id}': named as an id, a different value on every training row "
                "(never handed to the model; leakage compares rows without it)"
            )
        if task == "classification" and _one_per_row(root, train, target):
            said.append(
                f"'{target}' holds a different value on every training row: an id or a "
                "date rather than something to predict? set data.target"
            )
    columns = _seeds(root, train, test, said) if train is not None and test is not None else ()
    dvc_train, dvc_prepare = _dvc_stages(root, train.path if train else None, said)
    return Survey(
        dvc_train=dvc_train,
        dvc_prepare=dvc_prepare,
        train=train,
        test=test,
        target=target,
        id=row_id,
        task=task,
        prepare=_script(scripts, "prepare"),
        trainer=_script(scripts, "train") or _script(scripts, "fit"),  # fit.py, fit_model.py
        said=tuple(said),
        columns=columns,
    )


MODEL_SUFFIXES = (".joblib", ".pkl", ".pickle", ".skops", ".onnx")  # what mlgate loads


def _dvc_stages(
    root: Path, train: str | None, said: list[str]
) -> tuple[tuple[str, str] | None, str | None]:
    """dvc.yaml's stage that writes a model file (one named like `train` first), and the
    stage that writes the training data, if any."""
    from mlgate import dvc_files

    try:
        declared = dvc_files.stages(root / "dvc.yaml", root)
    except UserError:
        return None, None
    if declared is None:
        return None, None
    models = [
        (stage, out)
        for stage, outs in declared.outs.items()
        for out in outs
        if out.lower().endswith(MODEL_SUFFIXES)
    ]
    models.sort(key=lambda m: "train" not in m[0])
    writing = [s for s in declared.outs if train is not None and declared.writes(s, train)]
    prepare = writing[0] if writing else None
    if models:
        said.append(f"training: dvc.yaml's stage '{models[0][0]}', which writes {models[0][1]}")
    if prepare is not None:
        said.append(f"data: dvc.yaml's stage '{prepare}' writes {train}, run before the checks")
    return (models[0] if models else None), prepare


SEEDED_COLUMNS = 40  # a wider file keeps the commented example: too long to read
LISTED_VALUES = 10  # a category with at most this many values lists them


def _seeds(
    root: Path, train: DataFile, test: DataFile, said: list[str]
) -> tuple[tuple[str, dict[str, object]], ...]:
    """Each shared column's type, whether it may be missing and (for a few categories) its
    values, as the two files' profiles show them: rules the data passes today."""
    from mlgate.data import profile

    shared = [c for c in train.columns if c in test.columns]
    if not shared or len(shared) > SEEDED_COLUMNS:
        return ()
    try:
        (schema, made), (_, other) = (_profiled(root / f.path, shared) for f in (train, test))
    except UserError:  # read as a schema above, not whole: then no seeds, the example stays
        return ()
    seeds = []
    for name in shared:
        dtype = schema[name]
        sides = [made.columns[name], other.columns[name]]
        rules: dict[str, object] = {"type": _column_type(dtype, sides[0])}
        if not any(side.missing for side in sides):
            rules["nullable"] = False
        if all(isinstance(side, profile.CategoricalProfile) for side in sides):
            values = sorted({v for side in sides for v in side.counts})  # type: ignore[union-attr]
            if rules["type"] == "category" and len(values) <= LISTED_VALUES:
                rules["values"] = values
        seeds.append((name, rules))
    said.append("columns: types, missing values and few categories from both files' profiles")
    return tuple(seeds)


def _profiled(path: Path, columns: list[str]) -> tuple[pl.Schema, Profile]:
    """The file's columns and their profile; a file too big to hold, read in batches."""
    from mlgate.data import load, profile

    fmt = EXTENSIONS[path.suffix.lower()]
    if load.too_big(path):
        return load.schema(path, fmt), profile.of_file(path, fmt, columns)
    frame = load.read(path, fmt, columns)
    return frame.schema, profile.of_frame(frame)


def _column_type(dtype: pl.DataType, seen: object) -> str:
    from mlgate.data import profile

    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    if dtype.is_temporal():
        return "datetime"
    if _iso_dates(seen):  # a JSON Lines or CSV date is text: typed as what it holds
        return "datetime"
    few = isinstance(seen, profile.CategoricalProfile) and seen.distinct <= 2 * LISTED_VALUES
    return "category" if few else "string"


def _iso_dates(seen: object) -> bool:
    """Every value of a text column (all counted: none left in "other") an ISO 8601 date
    or time, as the `datetime` type check reads them."""
    from mlgate.data import profile
    from mlgate.data.type_checks import iso_dates

    if not isinstance(seen, profile.CategoricalProfile) or seen.other or not seen.counts:
        return False
    return iso_dates(pl.Series(list(seen.counts), dtype=pl.String))


def _files(root: Path) -> tuple[list[str], list[str]]:
    """Data files and Python scripts under `root`, shallow ones first."""
    data: list[str] = []
    scripts: list[str] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        depth = len(here.relative_to(root).parts)
        dirs[:] = sorted(
            d for d in dirs if d not in SKIPPED_FOLDERS and not d.startswith(".") and depth < DEPTH
        )
        for name in sorted(names):
            relative = (here / name).relative_to(root).as_posix()
            suffix = Path(name).suffix.lower()
            if suffix in EXTENSIONS:
                data.append(relative)
            elif suffix == ".py":
                scripts.append(relative)
    key = lambda p: (p.count("/"), p)  # noqa: E731
    return sorted(data, key=key), sorted(scripts, key=key)


def _words(path: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", Path(path).stem.lower()))


def pick_pair(paths: list[str]) -> tuple[str | None, str | None]:
    """A training and a test file, from their names; in one folder and format if possible."""
    trains = [p for p in paths if _words(p) & set(TRAIN_WORDS)]
    tests = sorted(
        (p for p in paths if _words(p) & set(TEST_WORDS) and p not in trains),
        key=lambda p: min(TEST_WORDS.index(w) for w in _words(p) & set(TEST_WORDS)),
    )
    for train in trains:
        for test in tests:
            if (
                Path(train).parent == Path(test).parent
                and EXTENSIONS[Path(train).suffix.lower()] == EXTENSIONS[Path(test).suffix.lower()]
            ):
                return train, test
    return (trains[0] if trains else None), (tests[0] if tests else None)


def _read(root: Path, relative: str, said: list[str]) -> DataFile | None:
    path = root / relative
    fmt = EXTENSIONS[path.suffix.lower()]
    try:
        if fmt == "csv":
            lazy = pl.scan_csv(
                path,
                separator="\t" if path.suffix.lower() == ".tsv" else ",",
                infer_schema_length=1000,
            )
        elif fmt == "parquet":
            lazy = pl.scan_parquet(path)
        else:
            lazy = pl.scan_ndjson(path, infer_schema_length=1000)
        schema = lazy.collect_schema()
        rows = int(lazy.select(pl.len()).collect().item())
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        said.append(f"{relative} could not be read ({reason})")
        return None
    # a pandas index stored in Parquet is not a column (data.load drops it too)
    columns = {n: str(t) for n, t in schema.items() if not PANDAS_INDEX.fullmatch(n)}
    said.append(f"{relative}: {words.count(rows, 'row')}, {words.count(len(columns), 'column')}")
    return DataFile(
        path=relative, rows=rows, columns=tuple(columns), dtypes=tuple(columns.values())
    )


def guess_target(train: DataFile, test: DataFile | None) -> tuple[str, str]:
    """The column the model predicts: a usual target name both files have, else the last
    column of the training file."""
    shared = [c for c in train.columns if test is None or c in test.columns]
    lowered = {c.lower(): c for c in shared}
    for name in TARGET_NAMES:
        if name in lowered:
            return lowered[name], "a usual name for a target"
    return (shared or list(train.columns))[-1], "the last column; check it"


# a column named as an id: `id`, `user_id`, `order-key`, `uuid`; `SampleID`, `userId`
# (not `paid` or `valid`)
ID_NAME = re.compile(r"(?:^|[_\s.-])(?:id|uuid|guid|key)$", re.IGNORECASE)
ID_CAMEL = re.compile(r"[a-z0-9](?:ID|Id)$")


def guess_id(root: Path, train: DataFile, test: DataFile | None, target: str) -> str | None:
    """A column both files have, named as an id, with a different value on every
    training row: left out of the model's columns, and of the rows leakage compares
    (copies of a row under new ids were not found)."""
    for name in train.columns:
        if name == target or (test is not None and name not in test.columns):
            continue
        named = ID_NAME.search(name) or ID_CAMEL.search(name)
        if named and _distinct(root / train.path, name) == train.rows:
            return name
    return None


def _one_per_row(root: Path, train: DataFile, target: str) -> bool:
    """A classification target with a value for every row is no class to learn."""
    dtype = train.dtypes[train.columns.index(target)]
    if dtype.startswith("Float") or train.rows < 20:
        return False
    return _distinct(root / train.path, target) == train.rows


def _guess_task(root: Path, train: DataFile, target: str) -> tuple[Task, str]:
    dtype = train.dtypes[train.columns.index(target)]
    if dtype.startswith("Float"):
        return "regression", f"'{target}' holds decimal numbers"
    if not dtype.startswith(("Int", "UInt")):
        return "classification", f"'{target}' holds labels ({dtype})"
    distinct = _distinct(root / train.path, target)
    if distinct is not None and distinct > REGRESSION_MIN_VALUES:
        return "regression", f"'{target}' has {words.count(distinct, 'distinct value')}"
    return "classification", f"'{target}' has few distinct whole numbers"


def _distinct(path: Path, column: str) -> int | None:
    fmt = EXTENSIONS[path.suffix.lower()]
    scanners: dict[str, Callable[[Path], pl.LazyFrame]] = {
        "csv": pl.scan_csv,
        "parquet": pl.scan_parquet,
        "jsonl": pl.scan_ndjson,
    }
    scan = scanners[fmt]
    try:
        return int(scan(path).select(pl.col(column).n_unique()).collect().item())
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None


def _script(scripts: list[str], word: str) -> str | None:
    """`prepare.py`, else a script named for the step (`src/train_model.py`)."""
    exact = [p for p in scripts if Path(p).stem == word]
    named = [p for p in scripts if Path(p).stem.startswith(word) and "test" not in _words(p)]
    found = exact or named
    return found[0] if found else None


def round_down(n: int) -> int:
    """To one significant figure: 54 -> 50, 455 -> 400, 7 -> 7."""
    scale: int = 10 ** (len(str(n)) - 1)  # a non-negative power: an int
    return n // scale * scale
