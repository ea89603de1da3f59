"""What `mlgate init` reads from a project before it writes a starter manifest: the data
files that are there (CSV, Parquet, JSON Lines), their columns and row counts, the column
that looks like the target, and the scripts that prepare data and train.

Guesses, each said in a phrase, so the manifest's comments can tell the user what to check.
Only file headers, counts and a few columns are read (polars scans; a Parquet file's row
count is in its footer): the target's values, and a text column's whole when the commonest
of its values are dates. The one question of whole rows is the leakage check the starter
turns on (test rows that are training rows too), streamed as the run's check streams it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from mlgate import words
from mlgate.data.load import EXTENSIONS, PANDAS_INDEX
from mlgate.errors import UserError
from mlgate.manifest.model_formats import MODEL_SUFFIXES

if TYPE_CHECKING:
    from mlgate.data.profile import Profile
    from mlgate.dvc_files import Stages

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
REGRESSION_MIN_VALUES = 20  # a whole-number target with more distinct values is a quantity
DEFAULT_TRAIN = "data/train.csv"  # data.train in the starter when no data file was found
SPLIT_TEST = 5  # one file to split: its test file's rows guessed as a fifth of its rows
# a module of helpers a training script imports, not the script: `train_utils.py`
HELPER = re.compile(r"(?:^|_)(?:utils?|helpers?)$|^utils?(?:$|_)|^__init__$", re.IGNORECASE)
SCRIPT_READ = 200_000  # characters of a script read to see whether it runs something
Task = Literal["classification", "regression"]


@dataclass(frozen=True, kw_only=True)
class DataFile:
    path: str  # relative to the project, posix
    rows: int
    columns: tuple[str, ...]
    dtypes: tuple[str, ...]  # polars dtype names, by column


@dataclass(frozen=True, kw_only=True)
class ToPrepare:
    """Data files a data.prepare step must write from the files found (one file to split,
    features and labels to join): the manifest names these, not the files found."""

    train: str
    test: str
    does: str  # what it does, before the files' names: "split data.csv into"
    split: bool  # the test file will be a share of the training file read


@dataclass(frozen=True, kw_only=True)
class Survey:
    train: DataFile | None = None
    test: DataFile | None = None
    target: str | None = None
    id: str | None = None  # a column that names each row, never handed to the model
    task: Task | None = None
    prepare: str | None = None  # the preparation script, relative posix path
    trainer: str | None = None  # the training script
    # the one model file the training script names, where it does not use $MLGATE_MODEL
    trainer_writes: str | None = None
    # a classification target's commonest value and its share of the training rows
    majority: tuple[str, float] | None = None
    # what a model always answering it scores in accuracy on the test rows, which the
    # model check is measured on (None where the test file's labels were not read)
    majority_on_test: float | None = None
    # the data.prepare step the data needs and the project has not got
    to_prepare: ToPrepare | None = None
    said: tuple[str, ...] = field(default=())  # what was read and guessed, one phrase each
    # a DVC pipeline: the stage that writes a model file (and that file), and the one
    # that writes the training data, run as data.prepare
    dvc_train: tuple[str, str] | None = None
    dvc_prepare: str | None = None
    # the DVC project's default remote, when its committed config names one: what a
    # fresh clone (CI's, a baseline's worktree) can pull from
    dvc_remote: str | None = None
    # data.columns entries both files pass today, from their profiles: (name, rules)
    columns: tuple[tuple[str, dict[str, object]], ...] = ()
    # test rows equal to a training row today (data.checks.leakage's count), when counted
    leaked: int | None = None

    @property
    def fewest_rows(self) -> int | None:
        if self.to_prepare and self.to_prepare.split and self.train:  # a fifth held out
            return max(self.train.rows // SPLIT_TEST, 1)
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
    lone = train_path is None and test_path is None and len(data) == 1
    if lone:  # one data file, named neither train nor test: read, to be split
        train_path = data[0]
    train = _read(root, train_path, said) if train_path else None
    test = _read(root, test_path, said) if test_path else None
    labels_path = _labels_of(train.path, data) if train else None
    labels = _read(root, labels_path, said) if labels_path else None
    to_prepare = None
    asked_to_write = len(said)  # where the line asking for a prepare script goes, if it does
    if train is not None and lone:
        to_prepare = _to_split(train.path, said)
    elif train is not None and labels is not None:
        to_prepare = _to_join(train.path, labels.path, test.path if test else None, data, said)
    target = task = row_id = majority = majority_on_test = None
    if train is not None:
        labelled = labels or train  # the file that holds the target
        target, why = guess_target(labelled, None if labels else test)
        said.append(f"target {words.quoted(target)}: {why}")
        if test is not None and labels is None and target not in test.columns:
            said.append(
                f"{test.path} has no {words.quoted(target)}: it has no labels and cannot score the "
                f"model; a data.prepare step must split labelled rows ({train.path}'s) "
                "into a training and a test file"
            )
        task, why = _guess_task(root, labelled, target)
        said.append(f"task {task}: {why}")
        row_id = guess_id(root, train, test, target)
        if row_id is not None:
            said.append(
                f"id {words.quoted(row_id)}: named as an id, a different value on every "
                "training row (never handed to the model; leakage compares rows without it)"
            )
        if task == "classification" and _one_per_row(root, labelled, target):
            said.append(
                f"{words.quoted(target)} holds a different value on every training row: an id or a "
                "date rather than something to predict? set data.target"
            )
        if task == "classification":
            majority = _majority(root / labelled.path, target)
        if majority is not None and test is not None and labels is None and to_prepare is None:
            majority_on_test = _share_of(root / test.path, target, majority[0])
    seeded = [f for f in (train, test) if f is not None] if train and (test or lone) else []
    columns = _seeds(root, seeded, said) if seeded else ()
    leaked = None
    if train is not None and test is not None and to_prepare is None:
        leaked = _leaked(root, train, test, row_id, said)
    # the training file as the manifest will name it, written or not: in a fresh clone a
    # DVC stage's outputs are not there yet (DVC keeps them out of git), and the stage
    # that writes them was missed for `python prepare.py`
    written = to_prepare.train if to_prepare else train.path if train else DEFAULT_TRAIN
    declared = _declared(root)  # dvc.yaml's stages, read once; None without one
    pair = _dvc_pair(declared) if to_prepare is not None else None
    if to_prepare is not None and pair is not None:
        # a fresh clone of a DVC project: the stage that splits the raw file has not run,
        # so the raw file looked like one to split by hand, into files nothing writes
        to_prepare = replace(to_prepare, train=pair[0], test=pair[1])
        written = pair[0]
    dvc_train, dvc_prepare = _dvc_stages(declared, written, said)
    if dvc_prepare is None and (pair is None if to_prepare else train is None):
        said[:0] = _not_pulled(root, declared)  # what init reads from them, it cannot read here
    if dvc_prepare is not None and to_prepare is not None:  # the stage writes it already
        del said[asked_to_write]
    dvc_remote = None
    if dvc_prepare is not None:
        from mlgate import dvc_files

        dvc_remote = dvc_files.default_remote(root, committed=True)
    trainer = None if dvc_train else _trainer(root, scripts, said)
    trainer_writes = _model_named(root, trainer, said) if trainer else None
    return Survey(
        dvc_train=dvc_train,
        dvc_prepare=dvc_prepare,
        dvc_remote=dvc_remote,
        train=train,
        test=test,
        target=target,
        id=row_id,
        task=task,
        prepare=_script(scripts, "prepare"),
        trainer=trainer,
        trainer_writes=trainer_writes,
        majority=majority,
        majority_on_test=majority_on_test,
        to_prepare=to_prepare,
        said=tuple(said),
        columns=columns,
        leaked=leaked,
    )


def _leaked(
    root: Path, train: DataFile, test: DataFile, row_id: str | None, said: list[str]
) -> int | None:
    """How many test rows are training rows too, counted by the check the starter turns
    on: a first run that fails on them is said before it is made."""
    from mlgate.data import dataset_checks

    try:
        found = dataset_checks.leakage(
            _scan(root / train.path), _scan(root / test.path), id_column=row_id
        )
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    if found.status == "passed":
        return 0
    if found.status != "failed" or not isinstance(found.observed, int):
        return None  # not counted (the files could not be compared): nothing claimed
    one = found.observed == 1
    said.append(
        f"leakage: {words.of(found.observed, test.rows, 'test row')} "
        f"{'is a training row' if one else 'are training rows'} too: the leakage check fails "
        f"until {'it leaves' if one else 'they leave'} one file (or set "
        "data.checks.leakage: false)"
    )
    return found.observed


def _to_split(path: str, said: list[str]) -> ToPrepare:
    """One data file, named neither train nor test: a prepare step must split it."""
    train, test = _prepared(path)
    said.append(
        f"{path} is the only data file, not split into training and test rows: "
        f"write prepare.py to split it into {train} and {test}"
    )
    return ToPrepare(train=train, test=test, does=f"split {path} into", split=True)


def _to_join(
    features: str, labels: str, test: str | None, data: list[str], said: list[str]
) -> ToPrepare:
    """Features and labels in separate files (`X_train.csv`, `y_train.csv`): a prepare
    step must join each pair into one file, as mlgate reads a target from the data."""
    train_out, test_out = _prepared(features)
    test_labels = _labels_of(test, data) if test else None
    pairs = f"{features} and {labels}" + (f", {test} and {test_labels}" if test_labels else "")
    said.append(
        f"{labels} holds the labels of {features} (X_/y_ files): write prepare.py to join "
        f"each pair ({pairs}) into one file, {train_out} and {test_out}"
    )
    return ToPrepare(
        train=train_out, test=test_out, does="join the X_ and y_ files into", split=False
    )


def _declared(root: Path) -> Stages | None:
    """dvc.yaml's stages; None without one, or with one that cannot be read (validate
    says why)."""
    from mlgate import dvc_files

    try:
        return dvc_files.stages(root / "dvc.yaml", root)
    except UserError:
        return None


def _dvc_pair(declared: Stages | None) -> tuple[str, str] | None:
    """A training and a test data file that one stage of dvc.yaml writes, by their names:
    what that stage prepares (None without such a stage)."""
    if declared is None:
        return None
    for outs in declared.outs.values():
        data = [o for o in outs if o.lower().endswith(tuple(EXTENSIONS))]
        train, test = pick_pair(data)
        if train is not None and test is not None:
            return train, test
    return None


def _not_pulled(root: Path, declared: Stages | None) -> list[str]:
    """The data dvc.yaml's stages write that this checkout does not have (a fresh clone,
    nothing pulled): files in a folder output cannot be guessed, so init says to pull or
    reproduce first rather than name files nothing writes (audit T, finding 4)."""
    if declared is None:
        return []
    absent = [
        out
        for outs in declared.outs.values()
        for out in outs
        if not out.lower().endswith(MODEL_SUFFIXES) and not (root / out).exists()
    ]
    if not absent:
        return []
    return [
        f"dvc.yaml's stages write {words.first(absent[:5], len(absent))}, which this "
        "checkout does not have "
        "(DVC keeps them out of git): the data files below are guesses; `dvc pull` (or "
        "`dvc repro`) and `mlgate init` again read what the stages write"
    ]


def _prepared(found: str) -> tuple[str, str]:
    """The training and test files a prepare step writes from `found`: in its folder (in
    data/ for a file at the top), in its format."""
    folder = Path(found).parent
    folder = Path("data") if folder == Path() else folder
    suffix = Path(found).suffix
    return (folder / f"train{suffix}").as_posix(), (folder / f"test{suffix}").as_posix()


def _dvc_stages(
    declared: Stages | None, train: str, said: list[str]
) -> tuple[tuple[str, str] | None, str | None]:
    """dvc.yaml's stage that writes a model file (one named like `train` first), and the
    stage that writes the training data, if any."""
    if declared is None:
        return None, None
    models = [
        (stage, out)
        for stage, outs in declared.outs.items()
        for out in outs
        if out.lower().endswith(MODEL_SUFFIXES)
    ]
    models.sort(key=lambda m: "train" not in m[0])
    writing = [s for s in declared.outs if declared.writes(s, train)]
    prepare = writing[0] if writing else None
    if models:
        said.append(f"training: dvc.yaml's stage '{models[0][0]}', which writes {models[0][1]}")
    if prepare is not None:
        said.append(f"data: dvc.yaml's stage '{prepare}' writes {train}, run before the checks")
    return (models[0] if models else None), prepare


SEEDED_COLUMNS = 40  # a wider file keeps the commented example: too long to read
LISTED_VALUES = 10  # a category with at most this many values lists them


def _seeds(
    root: Path, files: list[DataFile], said: list[str]
) -> tuple[tuple[str, dict[str, object]], ...]:
    """Each shared column's type, whether it may be missing and (for a few categories) its
    values, as the files' profiles show them (the training and test files, or the one
    file to split): rules the data passes today."""
    from mlgate.data import profile

    shared = [c for c in files[0].columns if all(c in f.columns for f in files)]
    if not shared or len(shared) > SEEDED_COLUMNS:
        return ()
    paths = [root / f.path for f in files]
    try:
        profiled = [_profiled(path, shared) for path in paths]
    except UserError:  # read as a schema above, not whole: then no seeds, the example stays
        return ()
    schema = profiled[0][0]
    seeds = []
    for name in shared:
        dtype = schema[name]
        sides = [made.columns[name] for _, made in profiled]
        rules: dict[str, object] = {"type": _column_type(dtype, sides, paths, name)}
        if not any(side.missing for side in sides):
            rules["nullable"] = False
        if all(isinstance(side, profile.CategoricalProfile) for side in sides):
            values = sorted({v for side in sides for v in side.counts})  # type: ignore[union-attr]
            if rules["type"] == "category" and len(values) <= LISTED_VALUES:
                rules["values"] = values
        seeds.append((name, rules))
    whose = "both files' profiles" if len(files) > 1 else f"{files[0].path}'s profile"
    said.append(f"columns: types, missing values and few categories from {whose}")
    return tuple(seeds)


def _profiled(path: Path, columns: list[str]) -> tuple[pl.Schema, Profile]:
    """The file's columns and their profile; a file too big to hold, read in batches."""
    from mlgate.data import load, profile

    fmt = EXTENSIONS[path.suffix.lower()]
    if load.too_big(path):
        return load.schema(path, fmt), profile.of_file(path, fmt, columns)
    frame = load.read(path, fmt, columns)
    return frame.schema, profile.of_frame(frame)


def _column_type(dtype: pl.DataType, sides: Sequence[object], paths: list[Path], name: str) -> str:
    """The type a column is seeded with, from its dtype and its profile in each file."""
    from mlgate.data import profile

    seen = sides[0]

    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    if dtype.is_temporal():
        return "datetime"
    if _iso_dates(sides, paths, name):  # a JSON Lines or CSV date is text: as what it holds
        return "datetime"
    few = isinstance(seen, profile.CategoricalProfile) and seen.distinct <= 2 * LISTED_VALUES
    return "category" if few else "string"


def _iso_dates(sides: Sequence[object], paths: list[Path], name: str) -> bool:
    """Every value of a text column in every file an ISO 8601 date or time, as the
    `datetime` type check reads them. The profiles' counted values first (most text
    columns fail there); a profile keeps only the commonest (`profile.TOP`), so a column
    of more distinct values (timestamps) is then read whole from the file."""
    from mlgate.data import profile
    from mlgate.data.type_checks import iso_dates

    for seen, path in zip(sides, paths, strict=True):
        if not isinstance(seen, profile.CategoricalProfile) or not seen.counts:
            return False
        if not iso_dates(pl.Series(list(seen.counts), dtype=pl.String)):
            return False
        if seen.other and not iso_dates(_values(path, name)):
            return False
    return True


def _values(path: Path, column: str) -> pl.Series:
    """A column's distinct values, as text; none when the file cannot be read."""
    try:
        values = _scan(path).select(pl.col(column).drop_nulls().unique()).collect()
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return pl.Series([None], dtype=pl.String)  # not a date: the column stays text
    return values.to_series().cast(pl.String)


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
    return _split(Path(path).stem)


def _split(name: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", name.lower()))


def _named(path: str, names: tuple[str, ...]) -> tuple[int, int] | None:
    """How `path` is named as one of `names`: (0, the word's rank) by the file's own name,
    (1, rank) by a folder's (`data/train/iris.csv`); None when it is not."""
    for level, found in enumerate(
        (_words(path), {w for part in Path(path).parent.parts for w in _split(part)})
    ):
        hits = found & set(names)
        if hits:
            return level, min(names.index(w) for w in hits)
    return None


def _place(path: str) -> tuple[tuple[str, ...], str]:
    """Where a file is, its train or test folder left out, and its format: `data/train/a.csv`
    and `data/test/b.csv` are side by side as `data/train.csv` and `data/test.csv` are."""
    roles = set(TRAIN_WORDS) | set(TEST_WORDS)
    folders = tuple("*" if _split(p) & roles else p for p in Path(path).parent.parts)
    return folders, EXTENSIONS[Path(path).suffix.lower()]


def pick_pair(paths: list[str]) -> tuple[str | None, str | None]:
    """A training and a test file, from their names (else their folders' names); in one
    place and format if possible."""
    trains = sorted(
        (p for p in paths if _named(p, TRAIN_WORDS)),
        key=lambda p: (_named(p, TRAIN_WORDS) or (0, 0))[0],
    )
    tests = sorted(
        (p for p in paths if _named(p, TEST_WORDS) and p not in trains),
        key=lambda p: _named(p, TEST_WORDS) or (0, 0),
    )
    for train in trains:
        for test in tests:
            if _place(train) == _place(test):
                return train, test
    return (trains[0] if trains else None), (tests[0] if tests else None)


def _labels_of(features: str, paths: list[str]) -> str | None:
    """The labels' file beside a features' file (`y_train.csv` beside `X_train.csv`,
    `train_y.csv` beside `train_x.csv`), if there is one."""
    stem = Path(features).stem
    swapped = re.sub(r"(?i)(^|[_.-])x($|[_.-])", r"\1y\2", stem)
    if swapped == stem:
        return None
    wanted = Path(features).with_name(swapped + Path(features).suffix).as_posix().lower()
    return next((p for p in paths if p.lower() == wanted), None)


def _scan(path: Path) -> pl.LazyFrame:
    """The file as polars reads it lazily: a .tsv with a tab as its separator."""
    fmt = EXTENSIONS[path.suffix.lower()]
    if fmt == "csv":
        tab = path.suffix.lower() == ".tsv"
        return pl.scan_csv(path, separator="\t" if tab else ",", infer_schema_length=1000)
    if fmt == "parquet":
        return pl.scan_parquet(path)
    return pl.scan_ndjson(path, infer_schema_length=1000)


def _read(root: Path, relative: str, said: list[str]) -> DataFile | None:
    path = root / relative
    try:
        lazy = _scan(path)
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
    """The column the model predicts: one the training file has and the test file has
    not (a test file without labels), else one both have; of those, one of a usual
    target name, else the last. The other candidate is named."""
    only = [c for c in train.columns if test is not None and c not in test.columns]
    shared = [c for c in train.columns if c not in only]
    candidates = only or shared or list(train.columns)
    where = f", in {train.path} only" if only else ""
    lowered = {c.lower(): c for c in candidates}
    for name in TARGET_NAMES:
        if name in lowered:
            found, last = lowered[name], candidates[-1]
            other = f" (or {words.quoted(last)}, the last column{where})" if found != last else ""
            return found, f"a usual name for a target{where}{other}"
    if len(only) == 1:
        return only[0], f"the one column in {train.path} only"
    if only:
        return only[-1], f"the last of the columns in {train.path} only; check it"
    if len(train.columns) == 1:
        return train.columns[0], f"the only column of {train.path}"
    return candidates[-1], "the last column; check it"


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
    """Labels are classified; numbers too when they are few distinct whole numbers (0.0
    and 1.0 are two classes: pandas writes labels as floats once one was missing)."""
    dtype = train.dtypes[train.columns.index(target)]
    decimal = dtype.startswith("Float")
    if not decimal and not dtype.startswith(("Int", "UInt")):
        return "classification", f"{words.quoted(target)} holds labels ({dtype})"
    if decimal and not _whole(root / train.path, target):
        return "regression", f"{words.quoted(target)} holds decimal numbers"
    distinct = _distinct(root / train.path, target)
    stored = " (stored as decimals)" if decimal else ""
    if distinct is None:  # not counted: say so rather than guess a count
        return "classification", (
            f"{words.quoted(target)} holds whole numbers{stored}, whose distinct values could "
            "not be counted; set regression if it is a quantity"
        )
    counted = words.count(distinct, "distinct whole number")
    if distinct > REGRESSION_MIN_VALUES:
        return "regression", f"{words.quoted(target)} has {counted}{stored}"
    said = f"{words.quoted(target)} has {counted}{stored}, few enough to be classes"
    return "classification", said


def _whole(path: Path, column: str) -> bool:
    """Every value of a number column a whole number (none: not read)."""
    try:
        value = pl.col(column).drop_nulls()
        found = _scan(path).select((value == value.floor()).all()).collect().item()
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return False
    return bool(found)


def _distinct(path: Path, column: str) -> int | None:
    try:
        return int(_scan(path).select(pl.col(column).n_unique()).collect().item())
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None


def _majority(path: Path, column: str) -> tuple[str, float] | None:
    """The commonest value of a column and its share of the rows that have one: what a
    model that always predicts it scores in accuracy."""
    try:
        counts = (
            _scan(path)
            .select(pl.col(column).drop_nulls().value_counts(sort=True, name="n"))
            .unnest(column)
            .collect()
        )
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    if counts.is_empty():
        return None
    value, top = counts.row(0)
    return str(value), top / int(counts["n"].sum())


def _share_of(path: Path, column: str, value: str) -> float | None:
    """The share of the labelled rows of `path` whose `column` is `value` (as `_majority`
    names it): a constant model's accuracy there. None where no row holds it (the file's
    labels read as another kind, or none) or the file cannot be read."""
    try:
        counts = (
            _scan(path)
            .select(pl.col(column).drop_nulls().value_counts(name="n"))
            .unnest(column)
            .collect()
        )
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    total = int(counts["n"].sum()) if not counts.is_empty() else 0
    hits = sum(int(n) for v, n in counts.iter_rows() if str(v) == value)
    return hits / total if hits and total else None


def _script(scripts: list[str], word: str) -> str | None:
    """`prepare.py`, else a script named for the step (`src/prepare_data.py`), not a
    module of helpers (`prepare_utils.py`)."""
    named = [p for p in scripts if _for_step(p, word)]
    exact = [p for p in named if Path(p).stem == word]
    found = exact or named
    return found[0] if found else None


def _for_step(path: str, word: str) -> bool:
    stem = Path(path).stem
    return stem.startswith(word) and "test" not in _words(path) and not HELPER.search(stem)


def _trainer(root: Path, scripts: list[str], said: list[str]) -> str | None:
    """The training script: named for the step (`train*.py`, else `fit*.py`), not a
    module of helpers (`train_utils.py`), and one that runs something (a `__main__`
    block, a `.fit(` call) before one that does not; said with why."""
    ranked = []
    for order, word in enumerate(("train", "fit")):
        for place, path in enumerate(scripts):
            if _for_step(path, word):
                runs = _runs(root / path)
                ranked.append((not runs, order, Path(path).stem != word, place, path, runs))
    if not ranked:
        return None
    *_, path, runs = min(ranked)
    helpers = [p for p in scripts if HELPER.search(Path(p).stem) and _named_for_training(p)]
    why = f"named for the step{f', and it {runs}' if runs else ''}" + (
        f" ({', '.join(helpers)}: helpers, skipped)" if helpers else ""
    )
    said.append(f"training script {path}: {why}")
    return path


MODEL_NAMED = re.compile(
    r"""["']((?:\./)?[A-Za-z0-9_][A-Za-z0-9_./-]*(?:"""
    + "|".join(re.escape(s) for s in MODEL_SUFFIXES)
    + r"""))["']""",
    re.IGNORECASE,
)


def _model_named(root: Path, trainer: str, said: list[str]) -> str | None:
    """The model file a script written before mlgate saves to, when it names one path (a
    string such as "model.joblib") and never reads $MLGATE_MODEL: the run looks for the
    model there, as the script runs from the project's top. Said, to check."""
    text = _text(root / trainer)
    if "MLGATE_MODEL" in text:
        return None
    named = sorted({m[1].removeprefix("./") for m in MODEL_NAMED.finditer(text)})
    fit = [n for n in named if ".." not in Path(n).parts]
    if len(fit) != 1:
        return None
    said.append(f"model file {fit[0]}: the one {trainer} names (train.outputs.model)")
    return fit[0]


def _named_for_training(path: str) -> bool:
    return Path(path).stem.startswith(("train", "fit"))


def _text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(SCRIPT_READ)
    except OSError:
        return ""


def _runs(path: Path) -> str:
    """What shows a script runs something rather than defining it ("" when nothing)."""
    text = _text(path)
    if re.search(r"""__name__\s*==\s*["']__main__["']""", text):
        return "runs as a script (__main__)"
    return "calls .fit(" if ".fit(" in text else ""


def round_down(n: int) -> int:
    """To one significant figure: 54 -> 50, 455 -> 400, 7 -> 7."""
    scale: int = 10 ** (len(str(n)) - 1)  # a non-negative power: an int
    return n // scale * scale
