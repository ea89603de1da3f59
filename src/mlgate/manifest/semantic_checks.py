"""The rules of a manifest that its JSON Schema cannot say: files that exist and whose
headers hold the columns named, metrics that fit the task, ranges that are not upside
down, durations a clock can wait for, environments that do not require each other in a
loop, image names and store locations that a registry accepts.

`semantic_problems` reads the raw data defensively, so it can run beside the schema
check and every problem is reported in one pass; `build` assumes both found nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeGuard

from mlgate import dvc_files, files, spelling, words
from mlgate.errors import Problem, UserError
from mlgate.manifest import data_formats, entry_points, image_name, lint, sql_words
from mlgate.manifest.build import DEFAULT_MODEL, DURATION, ROBUSTNESS
from mlgate.manifest.metrics import (
    DEFAULT_METRICS,
    HIGHER_IS_FAIRER,
    METRICS,
    fewest_resamples,
    for_many_classes,
    resampled,
)
from mlgate.manifest.spec import HOLDOUT_STEPS, Command, Manifest
from mlgate.manifest.store_location import location_problem
from mlgate.yaml_source import Document, KeyPath

MAX_TIMEOUT_S = 30 * 24 * 3600.0  # past this a timeout is a typo (and overflows the clock)
NUMERIC_TYPES = ("integer", "number")
COLUMN_TYPES = ("integer", "number", "string", "category", "boolean", "datetime")


def semantic_problems(
    doc: Document, root: Path, *, files: bool = True, starting: tuple[str, ...] = ()
) -> list[Problem]:
    """`files=False` leaves out whether the files it names exist: a manifest read as data,
    away from its repository (the fork-safe workflow's). `starting`: the commands about to
    run (`train.command`), whose scripts must be there: said with the rest, in one pass."""
    raw = doc.data if isinstance(doc.data, dict) else {}
    looked = _looked_at(raw, root) if files else []  # each data file's first MiB read once
    found = [
        *(_file_problems(raw, root) if files else ()),
        *_format_problems(raw, root),
        *_unreadable_problems(looked),
        *_header_problems(raw, looked),
        *_kind_problems(raw, looked),
        *_expression_type_problems(raw, looked),
        *_column_problems(raw),
        *_freshness_problems(raw),
        *_expression_problems(raw),
        *_range_problems(raw),
        *_nan_problems(raw),
        *_thresholdless_gates(raw),
        *_direction_problems(raw),
        *_duration_problems(raw),
        *_metric_problems(raw),
        *_two_class_problems(raw),
        *_balance_problems(raw),
        *_feature_problems(raw),
        *_robustness_problems(raw),
        *_environment_problems(raw),
        *_monitor_problems(raw),
        *_baseline_stage_problems(raw),
        *_docker_problems(raw),
        *_registry_problems(raw),
        *_drift_problems(raw),
        *_slice_problems(raw),
        *_fairness_bound_problems(raw),
        *_resample_problems(raw),
        *(_pytest_problems(raw, root) if files else ()),
        *(_parquet_reader_problems(raw) if files else ()),
        *(_model_reader_problems(raw) if files else ()),
        *(entry_points.problems(raw, root) if files else ()),
        *_train_problems(raw, root, files),
        *(_prepare_stage_problems(raw, root) if files else ()),
        *_sweep_problems(raw, root, files),
        *(_unstartable_problems(raw, root, starting) if files else ()),
    ]
    return [doc.problem(path, message, key=at_key) for path, message, at_key in found]


Finding = tuple[KeyPath, str, bool]


def _get(raw: object, *keys: str) -> Any:
    for key in keys:
        if not isinstance(raw, dict):
            return None
        raw = raw.get(key)
    return raw


def _file_problems(raw: dict[str, Any], root: Path) -> Iterator[Finding]:
    produced = _get(raw, "data", "prepare") is not None
    for keys in (
        ("data", "train"),
        ("data", "test"),
        ("data", "reference"),
        ("train", "params"),
        ("compare", "baseline", "file"),
    ):
        relative = _get(raw, *keys)
        if not isinstance(relative, str) or not relative:
            continue
        target = root / relative
        kind = _not_a_file(target)
        if kind:
            yield keys, f"'{relative}' is {kind}, not a file; name a file", False
            continue
        there = _exists(target) or (keys[0] == "data" and produced)
        if there and keys[0] != "data":
            continue
        # a data file's DVC record is read even when the file is there: the run reads it
        # too, and a damaged one refused the run that validate had called valid
        tracked = _dvc_tracked(target, root)
        if isinstance(tracked, str):
            yield keys, f"'{relative}' is tracked by DVC, but {tracked}", False
            continue
        if there or tracked:
            continue  # tracked and absent: pulled before the run
        if _exists(Path(f"{target}.dvc")):
            yield (
                keys,
                f"file '{relative}' does not exist, and '{relative}.dvc' beside it records no "
                "such file: is it DVC's own? (`dvc status` says)",
                False,
            )
            continue
        message = f"file '{relative}' does not exist"
        close = files.nearby(target)
        if close:
            message += f"; did you mean '{os.path.relpath(close, root)}'?"
        elif keys[0] == "data":
            message += " (add data.prepare to write it, or track it with DVC)"
        yield keys, message, False


def _not_a_file(path: Path) -> str | None:
    try:
        return files.not_a_file(path)
    except OSError:  # absent: reported as such
        return None


def _format_problems(raw: dict[str, Any], root: Path) -> Iterator[Finding]:
    """A data file whose format the run could not tell (data.format: auto); a compressed
    one's command names it from where mlgate was started, as every printed command does."""
    declared = _get(raw, "data", "format")
    if declared not in (None, "auto"):
        return  # the schema judges the name; a declared format reads any file
    for role in ("train", "test", "reference"):
        relative = _get(raw, "data", role)
        if not isinstance(relative, str) or not relative:
            continue
        suffix = Path(relative).suffix
        if role == "reference" and suffix.lower() == ".json":
            continue  # a profile (mlgate profile), not data
        shown = data_formats.shown_path(root / relative, relative)
        if said := data_formats.compressed(shown):  # not "set data.format"
            yield (("data", role), said, False)
        elif suffix.lower() not in data_formats.EXTENSIONS:
            found = f"extension '{suffix}'" if suffix else "no extension"
            known = ", ".join(data_formats.EXTENSIONS)
            yield (
                ("data", role),
                f"'{relative}' has {found}, so its format is unknown "
                f"(known: {known}); set data.format to one of {', '.join(data_formats.FORMATS)}",
                False,
            )


def _data_files(
    raw: dict[str, Any], root: Path, roles: tuple[str, ...]
) -> Iterator[tuple[str, str, Path, str]]:
    """(role, as written, path, format) of each data file already there to judge: none
    when data.prepare writes them (judged after it runs), nor a reference profile (.json,
    checked when it is read), nor what other checks report (absent, no regular file, a
    format that cannot be told)."""
    if _get(raw, "data", "prepare") is not None:
        return
    for role in roles:
        relative = _get(raw, "data", role)
        if not isinstance(relative, str) or not relative or relative.lower().endswith(".json"):
            continue
        path = root / relative
        if _not_a_file(path) or not _exists(path):
            continue
        try:
            fmt = data_formats.detect_format(path, _get(raw, "data", "format") or "auto")
        except UserError:
            continue
        yield role, relative, path, fmt


# (role, as written, path, format, why the run could not read it: None when it could)
Looked = tuple[str, str, Path, str, str | None]


def _looked_at(raw: dict[str, Any], root: Path) -> list[Looked]:
    """The `_data_files` (training, test, reference), each with why the run could not read
    it (`data_formats.unreadable`: its first MiB, a JSON Lines file's every line there):
    read once for all the rules that look inside a file."""
    looked = []
    for role, relative, path, fmt in _data_files(raw, root, ("train", "test", "reference")):
        quote = data_formats.unquotable(path, relative) is None
        why = data_formats.unreadable(path, fmt, relative, quote=quote)
        looked.append((role, relative, path, fmt, why))
    return looked


def _readable_files(
    looked: list[Looked], roles: tuple[str, ...]
) -> Iterator[tuple[str, str, Path, str]]:
    """The files of `roles` the run could read: the rules that look inside a file judge
    these; an unreadable one is said once, by `_unreadable_problems`."""
    for role, relative, path, fmt, why in looked:
        if role in roles and why is None:
            yield role, relative, path, fmt


def _unreadable_problems(looked: list[Looked]) -> Iterator[Finding]:
    """Data files already there that the run could not read: what `validate` accepts, the
    run reads (a Latin-1 header, a cut Parquet file, an empty reference)."""
    for role, relative, _, fmt, why in looked:
        if why == data_formats.HEADER_ALONE:  # readable, and of no use to the run
            yield ("data", role), f"'{relative}' {why}: {NO_ROWS_FOR[role]}", False
        elif why is not None:
            yield ("data", role), f"'{relative}' cannot be read as {fmt}: {why}", False


# what a data file with a header and no row cannot give, by its role
NO_ROWS_FOR = {
    "train": "no model can be trained on it",
    "test": "no model can be scored on it",
    "reference": "no drift can be measured against it",
}


def _header_problems(raw: dict[str, Any], looked: list[Looked]) -> Iterator[Finding]:
    """Columns the run needs (target, id, features; slices and sensitive columns in the
    test data) missing from data files already there.

    Files that data.prepare writes are judged after it runs, by the data checks.
    """
    needed: list[tuple[KeyPath, str]] = [
        (("data", role), name)
        for role in ("target", "id")
        if isinstance(name := _get(raw, "data", role), str) and name
    ]
    features = _get(raw, "data", "features")
    if isinstance(features, list):
        needed += [
            (("data", "features", i), f) for i, f in enumerate(features) if isinstance(f, str) and f
        ]
    needed += _drift_columns(raw)
    fresh = _get(raw, "data", "checks", "freshness", "column")
    if isinstance(fresh, str) and fresh:
        needed.append((("data", "checks", "freshness", "column"), fresh))
    needed += _expression_columns(raw)
    scored = _kept_columns(raw)
    declared = _get(raw, "data", "columns")
    if isinstance(declared, dict):  # the key is the name: the error points at it
        needed += [
            (("data", "columns", name), name)
            for name, spec in declared.items()
            if isinstance(name, str)
            and not (isinstance(spec, dict) and spec.get("required") is False)
        ]
    if not needed and not scored:
        return
    # once per key and header: files with the same columns are named in one problem
    lacking: dict[tuple[KeyPath, tuple[str, ...] | str | None], tuple[str, list[str]]] = {}
    for role, relative, path, fmt in _readable_files(looked, ("train", "test")):
        named = needed + scored if role == "test" else needed
        missing = data_formats.missing_columns(path, fmt, [name for _, name in named])
        if not missing:
            continue
        columns = data_formats.column_names(path, fmt)
        # a file that is not named as data is judged, never quoted (`test: /etc/passwd`)
        hidden = data_formats.unquotable(path, relative)
        for where, name in named:
            if name in missing:
                header = hidden or (tuple(columns) if columns is not None else None)
                lacking.setdefault((where, header), (name, []))[1].append(relative)
    for (where, header), (name, paths) in lacking.items():
        held = " nor ".join(dict.fromkeys(paths))  # the same file twice is named once
        if isinstance(header, str):
            hint = f" (its columns are not shown: {header})"
        else:
            hint = columns_hint(name, list(header) if header is not None else None)
        yield (
            where,
            f"column '{name}' is not in {held}{hint}",
            where[:2] == ("data", "columns"),
        )


def _kind_problems(raw: dict[str, Any], looked: list[Looked]) -> Iterator[Finding]:
    """A rule that needs numbers or dates, on a column whose type the manifest leaves to
    the data, where a data file already there holds another kind: `freshness` on numbers,
    `sorted` on text. The run could only call the rule an error of the check, after
    data.prepare and before training; the file's types say it here (`kinds`)."""
    declared = _get(raw, "data", "columns")
    declared = declared if isinstance(declared, dict) else {}

    def undeclared(name: object) -> bool:
        spec = declared.get(name)
        return isinstance(name, str) and not (isinstance(spec, dict) and "type" in spec)

    # (where, column, the kinds it may not hold, what the rule reads, what to do instead)
    asks: list[tuple[KeyPath, str, tuple[str, ...], str, str]] = []
    fresh = _get(raw, "data", "checks", "freshness", "column")
    if isinstance(fresh, str) and undeclared(fresh):
        asks.append(
            (
                ("data", "checks", "freshness", "column"),
                fresh,
                ("number", "boolean"),
                "freshness reads a column of dates or times",
                "name one (a date type, or text such as 2026-12-01 or 2026-12-01T10:00:00Z)",
            )
        )
    for name, spec in declared.items():
        if isinstance(spec, dict) and "sorted" in spec and undeclared(name):
            asks.append(
                (
                    ("data", "columns", name, "sorted"),
                    name,
                    ("text", "boolean"),
                    "'sorted' applies to numbers and dates",
                    "for dates written as text, declare type: datetime (then compared by "
                    "their moment); else leave 'sorted' out",
                )
            )
    if not asks:
        return  # polars is imported below, and only then
    wrong: dict[tuple[KeyPath, str], list[str]] = {}
    for _, relative, path, fmt in _readable_files(looked, ("train", "test")):
        held = data_formats.kinds(path, fmt, [ask[1] for ask in asks])
        for where, name, refused, _, _ in asks:
            if held.get(name) in refused:
                wrong.setdefault((where, held[name]), []).append(relative)
    for where, name, _, rule, instead in asks:
        for kind in ("number", "boolean", "text"):
            paths = wrong.get((where, kind))
            if paths:
                files = " and ".join(dict.fromkeys(paths))
                yield (
                    where,
                    f"{rule}, and '{name}' holds {KIND_WORDS[kind]} in {files}: {instead}",
                    where[-1] == "sorted",
                )


KIND_WORDS = {"number": "numbers", "boolean": "true/false values", "text": "text"}


def _expression_columns(raw: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    """The columns each row expression reads: a name misspelt there was an error of the
    data stage ('unable to find column'), with no line and no columns to choose from."""
    return [(where, c) for where, text in _expressions(raw) for c in sql_words.columns_of(text)]


def _expressions(raw: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    """Each row expression of the manifest, where it stands: a column's and the table's."""
    columns = _get(raw, "data", "columns")
    for name, spec in (columns if isinstance(columns, dict) else {}).items():
        text = spec.get("expression") if isinstance(spec, dict) else None
        if isinstance(text, str):
            yield ("data", "columns", name, "expression"), text
    texts = _get(raw, "data", "checks", "expressions")
    for i, text in enumerate(texts if isinstance(texts, list) else ()):
        if isinstance(text, str):
            yield ("data", "checks", "expressions", i), text


def _kept_columns(raw: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    """The columns evaluate.slices and the fairness checks read from the test data."""
    named: list[tuple[KeyPath, str]] = []
    slices = _get(raw, "evaluate", "slices")
    for i, spec in enumerate(slices if isinstance(slices, list) else ()):
        where: KeyPath = ("evaluate", "slices", i)
        if isinstance(spec, str):
            named.append((where, spec))
        elif isinstance(spec, dict) and isinstance(spec.get("column"), str):
            named.append(((*where, "column"), spec["column"]))
        elif isinstance(spec, dict) and isinstance(spec.get("columns"), list):
            named += [((*where, "columns", j), c) for j, c in enumerate(spec["columns"])]
    checks = _get(raw, "model_checks")
    for i, check in enumerate(checks if isinstance(checks, list) else ()):
        if isinstance(check, dict) and isinstance(check.get("sensitive"), str):
            named.append((("model_checks", i, "sensitive"), check["sensitive"]))
        for kind in ROBUSTNESS if isinstance(check, dict) else ():  # it trained, then failed
            given = check.get(kind)
            if isinstance(given, str):
                named.append((("model_checks", i, kind), given))
            elif isinstance(given, list):
                named += [(("model_checks", i, kind, j), c) for j, c in enumerate(given)]
    return [(where, name) for where, name in named if isinstance(name, str) and name]


def _parquet_reader_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """Parquet training or test data where pyarrow is not installed: the checks read it
    (polars), the model's frame cannot be made (pandas needs pyarrow), and the run failed
    after training. Looked for, not imported: validate stays fast."""
    import importlib.util

    parquet = data_formats.parquet_files(raw.get("data"))
    if parquet and importlib.util.find_spec("pyarrow") is None:  # said once: one install
        role, named = parquet[0]
        yield (
            ("data", role),
            f"'{named}' is Parquet, which the model reads through pandas and pyarrow, "
            "and pyarrow is not installed: pip install 'mlgate[parquet]' (in the "
            "GitHub action: extras: png,parquet)",
            False,
        )


def _model_reader_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """A `.onnx` or `.skops` model where what reads it is not installed: the run trained,
    and only then failed to load the model. Looked for, not imported."""
    import importlib.util

    from mlgate.manifest.model_formats import model_reader

    found = model_reader(raw)
    if found is None:
        return
    named, reader = found
    if importlib.util.find_spec(reader.module) is None:
        yield (
            ("train", "outputs", "model"),
            f"'{named}' is {reader.what}, and {reader.module} is not installed: "
            f"pip install 'mlgate[{reader.extra}]' (in the GitHub action: extras: "
            f"png,{reader.extra})",
            False,
        )


def _pytest_problems(raw: dict[str, Any], root: Path) -> Iterator[Finding]:
    """A test path that is not there, or lies outside the project."""
    checks = _get(raw, "model_checks")
    for i, check in enumerate(checks if isinstance(checks, list) else ()):
        named = check.get("pytest") if isinstance(check, dict) else None
        if not isinstance(named, str) or not named:
            continue
        where: KeyPath = ("model_checks", i, "pytest")
        path = (root / named).resolve()
        if not path.is_relative_to(root.resolve()):
            yield where, f"'{named}' is outside the project's folder", False
        elif not path.exists():
            yield (
                where,
                f"there is no {named} beside the manifest (a folder or file of tests)",
                False,
            )


def _fairness_bound_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """A bound on the unfair side of a fairness figure: `min` on a difference (0 is
    parity) or `max` on the ratio (1 is parity) failed the fairer model and passed the
    less fair one."""
    checks = _get(raw, "model_checks")
    for i, check in enumerate(checks if isinstance(checks, list) else ()):
        name = check.get("fairness") if isinstance(check, dict) else None
        if not isinstance(name, str):
            continue
        fairer = name in HIGHER_IS_FAIRER
        wrong, right = ("max", "min") if fairer else ("min", "max")
        parity = 1.0 if fairer else 0.0  # a bound at or past parity never bites: harmless
        given = check.get(wrong)
        if _is_number(given) and (given < parity if fairer else given > parity):
            said = "1 is parity, and the higher the fairer" if fairer else "0 is parity"
            yield (
                ("model_checks", i, wrong),
                f"{name} is bounded by {right}, not {wrong} ({said}): {wrong} "
                f"{check[wrong]} fails a model for being fairer than that; write "
                f"{right}: BOUND",
                True,
            )


# declared types the run reads as labels, never as numbers (result.row_values.encode): bins
# on them failed the evaluation, after training; a category's integer codes are labels too
UNBINNED_TYPES = ("string", "category", "boolean", "datetime")


def _slice_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """Bins on columns declared to hold no numbers, bin edges out of order, a slice gate
    with nothing to slice or no test to ask of the slices, fairness or a positive label
    asked of a regression model."""
    slices = _get(raw, "evaluate", "slices")
    for i, spec in enumerate(slices if isinstance(slices, list) else ()):
        if said := _unbinned(spec, _get(raw, "data", "columns")):
            yield ("evaluate", "slices", i, "bins"), said, True
        edges = spec.get("bins") if isinstance(spec, dict) else None
        if not isinstance(edges, list) or not all(_is_number(e) for e in edges):
            continue
        if any(b <= a for a, b in itertools.pairwise(edges)):
            yield (
                ("evaluate", "slices", i, "bins"),
                f"bin edges must increase, found {_shown(edges)}",
                False,
            )
    gates = _get(raw, "compare", "gates")
    for name, gate in gates.items() if isinstance(gates, dict) else ():
        if not isinstance(gate, dict) or gate.get("slices") is not True:
            continue
        where: KeyPath = ("compare", "gates", name, "slices")
        if not slices:
            yield where, "there are no slices to gate: name them in evaluate.slices", True
        elif gate.get("significance") in (None, "none", "significant gain"):  # else misspelt:
            yield (  # the schema says so
                where,
                "a slice gate asks each slice for no significant drop: "
                "add significance: no significant drop",
                True,
            )
    if _get(raw, "evaluate", "task") != "regression":
        return
    checks = _get(raw, "model_checks")
    for i, check in enumerate(checks if isinstance(checks, list) else ()):
        if isinstance(check, dict) and "fairness" in check:
            yield (
                ("model_checks", i, "fairness"),
                "fairness compares a classifier's decisions, but evaluate.task is regression",
                False,
            )
    if _get(raw, "evaluate", "positive_label") is not None:  # it was accepted, and meant nothing
        yield (
            ("evaluate", "positive_label"),
            "a positive label names a classifier's class, but evaluate.task is regression: "
            "leave it out",
            False,
        )


def _resample_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """Too few compare.resamples for compare.confidence, when a test asked for bootstraps:
    knowable here, where the run found it only once both models had been trained."""
    confidence = _get(raw, "compare", "confidence")
    resamples = _get(raw, "compare", "resamples")
    confidence = 0.95 if confidence is None else confidence
    resamples = 1000 if resamples is None else resamples
    # past the schema's bounds the schema says what is wrong, and resamples for a level
    # that is refused anyway would be advice to follow for nothing
    if not (_is_number(confidence) and 0.5 < confidence <= 0.999 and isinstance(resamples, int)):
        return
    needed = fewest_resamples(confidence)
    if resamples >= needed:
        return
    if _get(raw, "evaluate", "intervals") is True:  # each was dropped from the report, unsaid
        yield (
            ("evaluate", "intervals"),
            f"each metric's interval is a {confidence:g} bootstrap interval, which "
            f"{resamples} resamples (compare.resamples) cannot bound: set compare.resamples "
            f"to at least {needed}",
            False,
        )
    gates = _get(raw, "compare", "gates")
    users = [
        f"the gate on {name}"
        for name, gate in (gates.items() if isinstance(gates, dict) else ())
        if isinstance(gate, dict)
        and gate.get("significance") in ("no significant drop", "significant gain")
        and name in METRICS
        and resampled(name)
    ]
    checks = _get(raw, "model_checks")
    users += [
        f"the fairness check {check['fairness']}"
        for check in (checks if isinstance(checks, list) else ())
        if isinstance(check, dict)
        and "fairness" in check
        and check.get("significance") == "no significant worsening"
    ]
    if users:
        compare = _get(raw, "compare")
        named = isinstance(compare, dict) and "resamples" in compare
        yield (
            ("compare", "resamples" if named else "confidence"),
            f"{resamples} resamples cannot bound a {confidence:g} interval, and "
            f"{', '.join(users[:3])}{' and more' if len(users) > 3 else ''} "
            f"{'tests' if len(users) == 1 else 'test'} by "
            f"resampling: set compare.resamples to at least {needed}",
            False,
        )


def _unbinned(spec: object, declared: object) -> str | None:
    """Why a slice's `bins` cannot apply: each column it cuts is declared a type that
    holds no numbers (of a pair, bins cut the numeric one). None: none declared so."""
    if not isinstance(spec, dict) or "bins" not in spec or not isinstance(declared, dict):
        return None
    named = spec.get("columns") if "columns" in spec else [spec.get("column")]
    if not isinstance(named, list) or not named:
        return None
    kinds = [_get(declared, c, "type") if isinstance(c, str) else None for c in named]
    if not all(kind in UNBINNED_TYPES for kind in kinds):
        return None
    if len(named) == 1:
        said = f"'{named[0]}' is declared {kinds[0]} in data.columns, so it holds no numbers"
    else:  # a pair (the schema's limit)
        said = (
            f"'{named[0]}' is declared {kinds[0]} and '{named[1]}' {kinds[1]} in "
            "data.columns, so neither holds numbers"
        )
    return f"{said} to bin; leave bins out to slice by value"


def _drift_columns(raw: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    drift = _get(raw, "data", "checks", "drift")
    if not isinstance(drift, dict):
        return []
    where: KeyPath = ("data", "checks", "drift")
    named: list[tuple[KeyPath, str]] = []
    if isinstance(columns := drift.get("columns"), list):
        named += [((*where, "columns", i), c) for i, c in enumerate(columns) if isinstance(c, str)]
    if isinstance(per_column := drift.get("per_column"), dict):
        named += [((*where, "per_column", c), c) for c in per_column if isinstance(c, str)]
    return named


def columns_hint(name: str, columns: list[str] | None) -> str:
    """What a file's columns are, and the closest to `name`: "; its columns: a, b; did
    you mean 'a'?" ("" when the columns are not known)."""
    if columns is None:
        return ""
    if not columns:
        return " (the file has no header row)"
    # the same name but for case, blanks at its ends or its Unicode form (é one character
    # or two) is the one meant
    loose = {spelling.loosely(c): c for c in columns}
    close = (
        [loose[spelling.loosely(name)]]
        if spelling.loosely(name) in loose
        else spelling.closest(name, columns)
    )
    shown = (
        f"; its columns: {', '.join(map(words.name, columns))}"
        if len(columns) <= 20
        else f"; it has {words.count(len(columns), 'column')}"
    )
    return shown + (f"; {spelling.did_you_mean(close)}" if close else "")


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system, a folder that cannot be read
        return False


def _column_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    columns = _get(raw, "data", "columns")
    if not isinstance(columns, dict):
        return
    for name, spec in columns.items():
        if not isinstance(spec, dict):
            continue
        where = ("data", "columns", name)
        kind = spec.get("type")
        if kind not in (None, *COLUMN_TYPES):
            continue  # the schema reports the type; rules that depend on it cannot be judged
        for bound in ("min", "max"):
            dated = kind == "datetime" and isinstance(spec.get(bound), str)
            if bound in spec and kind not in (None, *NUMERIC_TYPES) and not dated:
                yield (
                    (*where, bound),
                    f"'{bound}' applies to integer or number columns, not {kind}",
                    True,
                )
        if "pattern" in spec and kind not in (None, "string", "category"):
            yield (*where, "pattern"), f"'pattern' applies to string columns, not {kind}", True
        yield from _new_rule_problems(where, kind, spec)
        pattern = spec.get("pattern")
        if isinstance(pattern, str) and (problem := sql_words.regex_problem(pattern)):
            said = f"not a valid regular expression in polars' (Rust) syntax: {problem}"
            yield (*where, "pattern"), said, False
        values = spec.get("values")
        if isinstance(values, list) and kind in NUMERIC_TYPES:
            for i, value in enumerate(values):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    yield (
                        (*where, "values", i),
                        f"{_a(kind)} {kind} column cannot hold '{value}'",
                        False,
                    )


TEXT_TYPES = ("string", "category")


def _freshness_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """Freshness on a column declared as something other than dates: the run could only
    say it holds none."""
    column = _get(raw, "data", "checks", "freshness", "column")
    declared = _get(raw, "data", "columns", column) if isinstance(column, str) else None
    kind = declared.get("type") if isinstance(declared, dict) else None
    if kind in (*NUMERIC_TYPES, "boolean"):
        yield (
            ("data", "checks", "freshness", "column"),
            f"freshness reads a column of dates or times, and '{column}' is declared "
            f"{kind} in data.columns: name a timestamp column (declared datetime)",
            False,
        )


def _expression_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """Row expressions polars cannot parse, and those that hold a query (refused here,
    never handed to polars)."""
    for where, text in _expressions(raw):
        if isinstance(why := sql_words.condition(text), str):
            yield where, why, False


def _expression_type_problems(raw: dict[str, Any], looked: list[Looked]) -> Iterator[Finding]:
    """Row expressions that are no condition on the columns of a data file already there:
    a type error (`name > 3` on text), a result that is not true/false (`age` alone). The
    run could only call them errors of the data checks, after data.prepare; the file's
    types say it here (the Parquet footer, a CSV's first rows; a column empty in those
    rows, and a JSON Lines file, are left to the run)."""
    asked = [
        (where, text, parsed)
        for where, text in _expressions(raw)
        if not isinstance(parsed := sql_words.condition(text), str)
    ]
    if not asked:
        return
    import polars as pl

    wanted = list(dict.fromkeys(c for _, _, p in asked for c in p.meta.root_names()))
    said: dict[KeyPath, list[tuple[str, str]]] = {}
    for _, relative, path, fmt in _readable_files(looked, ("train", "test")):
        typed = data_formats.types(path, fmt, wanted)
        for where, _, parsed in asked:
            needs = parsed.meta.root_names()
            if not typed or not all(c in typed for c in needs):
                continue  # a column missing is said elsewhere; an untyped one by the run
            shape = pl.DataFrame(schema={c: typed[c] for c in needs})
            if why := sql_words.judged_on(parsed, shape):
                said.setdefault(where, []).append((relative, why))
    for where, found in said.items():
        files = " and ".join(dict.fromkeys(relative for relative, _ in found))
        yield where, f"{found[0][1]} (in {files})", False


def _new_rule_problems(where: KeyPath, kind: str | None, spec: dict[str, Any]) -> Iterator[Finding]:
    """Rules that need a column type, and bounds that must be in order."""
    for key in ("min_length", "max_length"):
        if key in spec and kind not in (None, *TEXT_TYPES):
            yield (*where, key), f"'{key}' applies to string columns, not {kind}", True
    low, high = spec.get("min_length"), spec.get("max_length")
    if _is_number(low) and _is_number(high) and low > high:
        yield (
            (*where, "min_length"),
            f"min_length ({low}) is greater than max_length ({high})",
            False,
        )
    if "sorted" in spec and kind not in (None, *NUMERIC_TYPES, "datetime"):
        yield (*where, "sorted"), f"'sorted' applies to numbers and dates, not {kind}", True
    if "quantiles" in spec and kind not in (None, *NUMERIC_TYPES):
        yield (*where, "quantiles"), f"'quantiles' applies to numeric columns, not {kind}", True
    quantiles = spec.get("quantiles")
    for i, q in enumerate(quantiles if isinstance(quantiles, list) else ()):
        if not isinstance(q, dict) or not (_is_number(q.get("min")) and _is_number(q.get("max"))):
            continue
        if q["min"] > q["max"]:
            yield (
                (*where, "quantiles", i, "min"),
                f"min ({q['min']}) is greater than max ({q['max']})",
                False,
            )
    dates = {}
    for bound in ("min", "max"):
        value = spec.get(bound)
        if not isinstance(value, str):
            continue
        if kind not in (None, "datetime"):
            said = f"expected a number, found '{value}'"
            if _is_date(value):
                said += f" (a date bound is for a datetime column; this one is {kind})"
            yield (*where, bound), said, False
            continue
        try:
            dates[bound] = dt.datetime.fromisoformat(value)
        except ValueError:
            yield (
                (*where, bound),
                f"'{value}' is not an ISO date or datetime (2024-01-31 or 2024-01-31T12:00:00)",
                False,
            )
    ordered = len(dates) == 2 and _comparable_dates(dates["min"], dates["max"])
    if ordered and dates["min"] > dates["max"]:
        yield (*where, "min"), f"min ({spec['min']}) is later than max ({spec['max']})", False


def _is_date(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _comparable_dates(a: dt.datetime, b: dt.datetime) -> bool:
    return (a.tzinfo is None) == (b.tzinfo is None)


def _a(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _range_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    ranges: list[tuple[KeyPath, object]] = [
        (("data", "checks", "rows"), _get(raw, "data", "checks", "rows"))
    ]
    columns = _get(raw, "data", "columns")
    if isinstance(columns, dict):
        ranges += [(("data", "columns", name), spec) for name, spec in columns.items()]
    checks = _get(raw, "model_checks")
    if isinstance(checks, list):
        ranges += [(("model_checks", i), spec) for i, spec in enumerate(checks)]
    gates = _get(raw, "compare", "gates")
    if isinstance(gates, dict):
        ranges += [(("compare", "gates", name), spec) for name, spec in gates.items()]
    for where, spec in ranges:
        if not isinstance(spec, dict):
            continue
        low, high = spec.get("min"), spec.get("max")
        if _is_number(low) and _is_number(high) and low > high:
            yield (*where, "min"), f"min ({low}) is greater than max ({high})", False
        for kind in ("change", "relative_change"):
            low, high = spec.get(f"min_{kind}"), spec.get(f"max_{kind}")
            for key, value in ((f"min_{kind}", low), (f"max_{kind}", high)):
                if isinstance(value, float) and math.isinf(value):  # a bound that binds nothing
                    yield (*where, key), f"must be a finite number, found {_as_yaml(value)}", False
            if _is_number(low) and _is_number(high) and low > high:
                yield (
                    (*where, f"min_{kind}"),
                    f"min_{kind} ({low}) is greater than max_{kind} ({high})",
                    False,
                )


GATE_THRESHOLDS = (
    "min",
    "max",
    "min_change",
    "max_change",
    "min_relative_change",
    "max_relative_change",
)


def _thresholdless_gates(raw: dict[str, Any]) -> Iterator[Finding]:
    """A gate of `missing`, `greater_is_better` or `slices` alone bounds nothing, and was
    counted as passed ("no threshold holds") in every run."""
    gates = _get(raw, "compare", "gates")
    for name, spec in gates.items() if isinstance(gates, dict) else ():
        if not isinstance(spec, dict) or not spec:
            continue  # the schema says what is wrong with it
        tested = spec.get("significance") not in (None, "none")
        if not tested and all(spec.get(key) is None for key in GATE_THRESHOLDS):
            yield (
                ("compare", "gates", name),
                "sets no threshold, so it holds whatever the model does: name one, such as "
                "{min_change: -0.01} or {significance: no significant drop}",
                False,
            )


def _direction_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """`greater_is_better` against the direction of a metric mlgate knows: `accuracy:
    {significance: no significant drop, greater_is_better: false}` read a fall of 27 points
    as a gain, and the gate passed it (the report called the drop "better")."""
    gates = _get(raw, "compare", "gates")
    for name, spec in gates.items() if isinstance(gates, dict) else ():
        if not isinstance(spec, dict) or name not in METRICS:
            continue  # the schema says what is wrong with it
        said, own = spec.get("greater_is_better"), METRICS[name].greater_is_better
        if isinstance(said, bool) and said != own:
            way, other = ("higher", "fall") if own else ("lower", "rise")
            yield (
                ("compare", "gates", name, "greater_is_better"),
                f"{way} {name} is better, so greater_is_better: {str(said).lower()} would "
                f"read a {other} of it as a gain and pass it: leave greater_is_better out "
                f"(mlgate knows {name}'s direction), or write greater_is_better: "
                f"{str(own).lower()}",
                False,
            )


def _nan_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """.nan is a number no key takes: every comparison with it is false, so a bound of it
    held against anything (a gate's `max_change: .nan` passed a regression of 4.8 rmse).
    The sweep's values are judged with its own rules."""
    stack: list[tuple[KeyPath, Any]] = [((), raw)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, float) and math.isnan(value):
            yield where, "must be a number, found .nan", False
        elif isinstance(value, dict):
            stack += [((*where, k), v) for k, v in value.items() if (*where, k) != ("sweep",)]
        elif isinstance(value, list):
            stack += [((*where, i), v) for i, v in enumerate(value)]


def _duration_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """`0s` matches the schema's pattern, but no command finishes in no time; and a
    timeout of years is a typo that the clock cannot even wait for."""
    places = [
        ("train", "timeout"),
        ("data", "prepare", "timeout"),
        ("evaluate", "timeout"),
        ("monitor", "prepare", "timeout"),
        ("monitor", "refresh", "timeout"),
    ]
    envs = _get(raw, "environments")
    if isinstance(envs, dict):
        places += [("environments", name, "deploy", "command", "timeout") for name in envs]
    for keys in places:
        value = _get(raw, *keys)
        if isinstance(value, str) and value and set(value) <= set("0hms") and DURATION.match(value):
            yield keys, f"must be at least 1 second, found '{value}'", False
        elif _duration_seconds(value) > MAX_TIMEOUT_S:
            yield keys, f"must be at most 720h (30 days), found {_shown(value)}", False


def _duration_seconds(value: object) -> float:
    """Seconds of a well-formed duration; 0 for anything else (the schema reports it)."""
    if isinstance(value, str) and (found := DURATION.match(value)):
        if any(g and len(g) > 15 for g in found.groups()):
            return math.inf  # Python will not convert a decimal of 4300 digits or more
        hours, minutes, secs = (int(g) if g else 0 for g in found.groups())
        return hours * 3600.0 + minutes * 60.0 + secs
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0


def _shown(value: object) -> str:
    text = f"'{value}'" if isinstance(value, str) else str(value)
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _metric_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    task = _get(raw, "evaluate", "task")
    names = [(where, n) for where, n in _metric_names(raw) if n in METRICS]
    if task is None and names:
        # the task most of them are of (the first's on a tie): one classification metric
        # among sixteen regression ones was the one not flagged
        first = names[0][1]
        kinds = [METRICS[n].task for _, n in names]
        task = max(dict.fromkeys([METRICS[first].task, *kinds]), key=kinds.count)
        most = kinds.count(task)
        for where, name in names:
            if METRICS[name].task == task:
                continue
            if most > kinds.count(METRICS[name].task) and most > 1:
                said = f"{words.of(most, len(kinds), 'metric')} named are {task} ones"
            else:
                said = f"'{first}' is a {task} metric"
            yield (
                where,
                f"'{name}' is a {METRICS[name].task} metric, but {said}: set evaluate.task",
                False,
            )
        return
    for where, name in names:
        if task in ("classification", "regression") and METRICS[name].task != task:
            usual = ", ".join(DEFAULT_METRICS[task])
            yield (
                where,
                f"'{name}' is a {METRICS[name].task} metric, but evaluate.task is {task}: "
                f"name a {task} metric ({usual}, ...), or change evaluate.task to "
                f"{METRICS[name].task}",
                False,
            )


def _balance_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """Class balance asked of a regression: every distinct number would be a class."""
    if not isinstance(_get(raw, "data", "checks", "target_balance"), dict):
        return
    task = _get(raw, "evaluate", "task")
    said = "evaluate.task is regression"
    if task is None:
        names = [n for _, n in _metric_names(raw) if n in METRICS]
        task = METRICS[names[0]].task if names else None
        said = f"'{names[0]}' is a regression metric" if names else ""
    if task == "regression":
        yield (
            ("data", "checks", "target_balance"),
            f"class balance applies to a classifier's target, but {said}: remove it",
            True,
        )


def _two_class_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """A metric defined for two classes, asked of a target declared with more, or a
    positive label the declared classes lack: the run could only fail on it, after
    training."""
    target = _get(raw, "data", "target")
    columns = _get(raw, "data", "columns")
    spec = columns.get(target) if isinstance(columns, dict) and isinstance(target, str) else None
    values = spec.get("values") if isinstance(spec, dict) else None
    if not isinstance(values, list):
        return
    positive = _get(raw, "evaluate", "positive_label")
    if positive is not None and str(positive) not in {str(v) for v in values}:
        shown = ", ".join(str(v) for v in values[:10])
        close = spelling.closest(str(positive), [str(v) for v in values])
        meant = f"; {spelling.did_you_mean(close)}" if close else ""
        yield (
            ("evaluate", "positive_label"),
            f"{positive!r} is not one of the classes data.columns.{target}.values declares "
            f"({shown}){meant}",
            False,
        )
    named = [*_metric_names(raw), *_one_metric_names(raw)]
    for where, name in named:
        top = METRICS[name].top_k if name in METRICS else None
        if top is not None and len(values) <= top:  # it was blamed on missing probabilities
            yield (
                where,
                f"'{name}' needs more than {words.count(top, 'class')}, and "
                f"data.columns.{target}.values declares {len(values)} (with as few it is 1 "
                "by definition): use accuracy",
                False,
            )
    if len(values) <= 2:
        return
    for where, name in named:
        if name in METRICS and METRICS[name].binary_only:
            yield (
                where,
                f"'{name}' is defined for two classes, but data.columns.{target}.values "
                f"declares {len(values)}: {for_many_classes(name)}",
                False,
            )


def _one_metric_names(raw: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    """The metrics named one each (a sweep ranked by one trained every configuration,
    then had no winner), which the task checks read elsewhere."""
    places: list[tuple[str, ...]] = [
        ("sweep", "metric"),
        ("evaluate", "importance", "metric"),
        ("evaluate", "discover", "metric"),
    ]
    return [(where, name) for where in places if isinstance(name := _get(raw, *where), str)]


def _metric_names(raw: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    names: list[tuple[KeyPath, str]] = []
    metrics = _get(raw, "evaluate", "metrics")
    if isinstance(metrics, list):
        names += [
            (("evaluate", "metrics", i), m) for i, m in enumerate(metrics) if isinstance(m, str)
        ]
    checks = _get(raw, "model_checks")
    if isinstance(checks, list):
        names += [
            (("model_checks", i, "metric"), c["metric"])
            for i, c in enumerate(checks)
            if isinstance(c, dict) and isinstance(c.get("metric"), str)
        ]
    gates = _get(raw, "compare", "gates")
    if isinstance(gates, dict):
        names += [(("compare", "gates", name), name) for name in gates if isinstance(name, str)]
    return names


def _feature_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    key, target = _get(raw, "data", "id"), _get(raw, "data", "target")
    if isinstance(key, str) and key == target:  # it trained, then failed at evaluation
        yield ("data", "id"), f"'{key}' is the target column; data.id names the row's id", False
    features = _get(raw, "data", "features")
    if not isinstance(features, list):
        return
    for role in ("target", "id"):
        column = _get(raw, "data", role)
        if isinstance(column, str) and column in features:
            index = features.index(column)
            yield (
                ("data", "features", index),
                f"'{column}' is the {role} column; it cannot be a feature",
                False,
            )


ROBUSTNESS_KINDS = ("invariance", "noise", "nulls", "unseen", "directional")


def _robustness_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """A robustness check of a column the model is never given (data.id, the target):
    valid, then every run failed it, "the model is not given 'patient_id'", exit 1."""
    checks = _get(raw, "model_checks")
    never = {
        _get(raw, "data", role): said
        for role, said in (("id", "the id column (data.id)"), ("target", "the target"))
        if isinstance(_get(raw, "data", role), str)
    }
    for i, check in enumerate(checks if isinstance(checks, list) else ()):
        kind = next((k for k in ROBUSTNESS_KINDS if isinstance(check, dict) and k in check), None)
        if kind is None:
            continue
        named = check[kind]
        columns = named if isinstance(named, list) else [named]
        for j, column in enumerate(columns):
            if isinstance(column, str) and column in never:
                where: KeyPath = (
                    ("model_checks", i, kind, j)
                    if isinstance(named, list)
                    else ("model_checks", i, kind)
                )
                yield (
                    where,
                    f"'{column}' is {never[column]}, which the model is never given, so "
                    f"the {kind} check cannot disturb it; check a column the model takes",
                    False,
                )


def _environment_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """`requires` names a declared environment, and the chain has no loop."""
    envs = _get(raw, "environments")
    if not isinstance(envs, dict):
        return
    needs = {n: s.get("requires") for n, s in envs.items() if isinstance(s, dict)}
    for name, required in needs.items():
        if required is None:
            continue
        if required not in envs:
            others = [n for n in envs if n != name]
            yield ("environments", name, "requires"), _not_an_environment(required, others), False
            continue
        seen, at = {name}, required
        while at is not None and at not in seen:
            seen.add(at)
            at = needs.get(at)
        if at is not None:
            yield (
                ("environments", name, "requires"),
                f"environments require each other in a loop through '{name}'",
                False,
            )


def _monitor_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """The environment watched is one the manifest declares, when it declares any."""
    spec, envs = _get(raw, "monitor"), _get(raw, "environments")
    if isinstance(spec, dict) and "prepare" in spec and "data" not in spec:
        yield (
            ("monitor", "prepare"),
            "it writes the production data: name the file it writes in monitor.data",
            True,
        )
    if isinstance(spec, dict) and "labels" in spec and not _get(raw, "data", "id"):
        yield (
            ("monitor", "labels"),
            "labels are joined to the production rows by data.id, and the manifest names "
            "no data.id: name the column that identifies a row",
            True,
        )
    if isinstance(spec, dict) and "refresh" in spec and spec.get("on_drift") != "retrain":
        yield (
            ("monitor", "refresh"),
            "it runs before a retraining, and on_drift is not retrain: set "
            "`on_drift: retrain`, or remove refresh",
            True,
        )
    if not isinstance(spec, dict) or not isinstance(envs, dict) or not envs:
        return
    stage = spec.get("stage", "production")
    if isinstance(stage, str) and stage not in envs:
        said = _not_an_environment(stage, list(envs))
        yield (
            ("monitor", "stage") if "stage" in spec else ("monitor",),
            said if "stage" in spec else said.replace(" is not", " (the default) is not", 1),
            "stage" in spec,
        )


def _baseline_stage_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """A baseline read from a registry stage names a declared environment: `{stage: prod}`
    for `production` found no version, said "this is the first model", and every run
    passed without a comparison."""
    stage, envs = _get(raw, "compare", "baseline", "stage"), _get(raw, "environments")
    if isinstance(stage, str) and isinstance(envs, dict) and envs and stage not in envs:
        yield ("compare", "baseline", "stage"), _not_an_environment(stage, list(envs)), False


def _not_an_environment(name: str, declared: list[Any]) -> str:
    """One wording for every key that names an environment: requires, monitor.stage, a
    registry-stage baseline."""
    names = [str(e) for e in declared]
    close = spelling.closest(name, names)
    hint = f"; {spelling.did_you_mean(close)}" if close else ""
    return f"'{name}' is not an environment (declared: {', '.join(names) or 'none'}){hint}"


def _docker_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """The image is a repository a registry accepts, and push asks for a build."""
    envs = _get(raw, "environments")
    if not isinstance(envs, dict):
        return
    for name in envs:
        spec = _get(envs, name, "deploy", "docker")
        if not isinstance(spec, dict):
            continue
        where = ("environments", name, "deploy", "docker")
        ref = spec.get("image")
        wrong = image_name.problem(ref) if isinstance(ref, str) and ref else None
        if wrong:
            yield (*where, "image"), wrong, False
        if spec.get("build") is False and spec.get("push") is True:
            yield (
                (*where, "push"),
                "push: true needs the image built here; with build: "
                "false mlgate writes the build context only (drop push, or set build: true)",
                False,
            )


def _registry_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """A `github-release:` store needs a tag that cannot pass for one of GTO's."""
    location = _get(raw, "registry", "artifacts")
    problem = location_problem(location) if isinstance(location, str) else None
    if problem:
        yield ("registry", "artifacts"), problem, False


NUMERIC_DRIFT = ("ks", "wasserstein")  # the tests that need numbers (psi takes either)
CATEGORICAL_DRIFT = ("chi2", "jensenshannon")


def _drift_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """data.id named for drift, a column's test that cannot apply to the column's declared
    type, or a column given its own test but left out of the tested columns."""
    key = _get(raw, "data", "id")
    chosen = _get(raw, "data", "checks", "drift", "columns")
    if isinstance(key, str) and isinstance(chosen, list) and key in chosen:
        yield ("data", "checks", "drift", "columns", chosen.index(key)), _drifts(key), False
    per_column = _get(raw, "data", "checks", "drift", "per_column")
    if not isinstance(per_column, dict):
        return
    declared = _get(raw, "data", "columns")
    for name, spec in per_column.items():
        where = ("data", "checks", "drift", "per_column", name)
        if name == key:
            yield where, _drifts(name), True
            continue
        if isinstance(chosen, list) and name not in chosen:
            yield where, f"'{name}' is not among data.checks.drift.columns: add it there", True
        method = spec.get("method") if isinstance(spec, dict) else None
        kind = _get(declared, name, "type") if isinstance(declared, dict) else None
        numbers = kind in NUMERIC_TYPES or kind == "datetime"
        if method in NUMERIC_DRIFT and kind is not None and not numbers:
            fits = ", ".join((*CATEGORICAL_DRIFT, "psi"))
            yield (
                (*where, "method"),
                f"{method} tests numbers and '{name}' is {kind}; use {fits}",
                True,
            )
        if method in CATEGORICAL_DRIFT and numbers:
            fits = ", ".join((*NUMERIC_DRIFT, "psi"))
            yield (
                (*where, "method"),
                f"{method} tests categories and '{name}' is {kind}; use {fits}",
                True,
            )


def _drifts(key: str) -> str:
    """data.id tested for drift: valid, then every run failed the data stage on it (new ids
    in the test file "drift", KS 1.00)."""
    return (
        f"'{key}' is the id column (data.id), which differs by design between the files, "
        "so it would always drift; leave it out (columns: all already does)"
    )


def _unstartable_problems(
    raw: dict[str, Any], root: Path, starting: tuple[str, ...]
) -> Iterator[Finding]:
    """A command about to run whose script is not there (or cannot start), as the run
    would refuse it after the manifest's other problems were mended."""
    for key in starting:
        keys = key.split(".")
        where: KeyPath = tuple(keys)
        given = _get(raw, *keys)
        if isinstance(given, dict):
            where, given = (*where, "command"), given.get("command")
        if isinstance(given, str):
            command = Command(shell=given, timeout_s=0)
        elif isinstance(given, list) and given and all(isinstance(w, str) for w in given):
            command = Command(argv=tuple(given), timeout_s=0)
        else:
            continue  # not a command at all: the schema says so
        said = lint.why_not(root, command, running=True)
        if said is not None:
            yield where, said, True


def _train_problems(raw: dict[str, Any], root: Path, files: bool) -> Iterator[Finding]:
    """train: a command or a DVC stage, exactly one; the stage must be in dvc.yaml."""
    train = raw.get("train")
    if not isinstance(train, dict):
        return
    if "command" not in train and "dvc" not in train:
        yield (
            ("train",),
            "missing required key 'command' (a shell command line, or a list of arguments "
            "run without a shell), or 'dvc' (a stage of dvc.yaml)",
            True,
        )
    elif "command" in train and "dvc" in train:
        yield ("train", "dvc"), "give train.command or train.dvc, not both", True
    stage = train.get("dvc")
    if not files or not isinstance(stage, str) or not DVC_STAGE.fullmatch(stage):
        return  # not a stage's name at all: the schema says so
    if shutil.which("dvc") is None:  # the run would stop at training, exit 1
        yield (
            ("train", "dvc"),
            f"training is `dvc repro {stage}`, and DVC is not installed: pip install "
            "'mlgate[dvc]' (in the GitHub action: extras: png,dvc)",
            False,
        )
    try:
        stages = dvc_files.stages(root / "dvc.yaml", root)
    except UserError as exc:
        yield ("train", "dvc"), f"stage '{stage}': {exc.message}", False
        return
    try:
        dvc_files.locked_stage(root, stage)  # damaged, the run would stop at training (exit 1)
    except UserError as exc:
        yield ("train", "dvc"), f"stage '{stage}': {exc.message}", False
    if stages is None:
        yield (
            ("train", "dvc"),
            f"stage '{stage}' needs a dvc.yaml beside the manifest; none is there",
            False,
        )
    elif stage in stages.frozen:
        yield (
            ("train", "dvc"),
            f"dvc.yaml's stage '{stage}' is frozen (frozen: true): `dvc repro` does not run "
            "it, and records whatever model file stands at its output as the stage's, so "
            f"the run would name a model the stage never trained; `dvc unfreeze {stage}` "
            "to train with it, or `mlgate check model` to judge the model as it is",
            False,
        )
    elif stage in stages.outs and not stages.writes(stage, model := _model_of(train)):
        outs = ", ".join(stages.outs[stage]) or "none"
        yield (
            ("train", "dvc"),
            f"stage '{stage}' does not write the model '{model}' (its outputs: {outs}): the "
            "run would score whatever file is there",
            False,
        )
    elif stage.partition("@")[0] in stages.keys and stage not in stages:
        group, _, key = stage.partition("@")
        items = ", ".join(sorted(stages.keys[group])[:10]) or "none"
        yield (
            ("train", "dvc"),
            f"dvc.yaml's stage '{group}' makes no stage '{stage}': its foreach has no "
            f"item '{key}' (its items: {items})",
            False,
        )
    elif stage not in stages:
        group, at, key = stage.partition("@")  # `trian@lr` of a foreach's `train`
        close = [f"{name}{at}{key}" for name in spelling.closest(group, stages.names)]
        known = ", ".join(stages.names) or "none"
        hint = f"; {spelling.did_you_mean(close)}" if close else ""
        yield (
            ("train", "dvc"),
            f"dvc.yaml has no stage '{stage}' (its stages: {known}){hint}",
            False,
        )


DVC_REPRO = re.compile(r"dvc\s+repro(?:\s+--pull)?\s+(\S+)")


def _prepare_stage_problems(raw: dict[str, Any], root: Path) -> Iterator[Finding]:
    """data.prepare as `dvc repro [--pull] STAGE`: the stage must be in dvc.yaml, as
    train.dvc's must (a misspelt one passed validate and stopped the run at DVC)."""
    where: KeyPath = ("data", "prepare")
    given = _get(raw, "data", "prepare")
    if isinstance(given, dict):
        where, given = (*where, "command"), given.get("command")
    if isinstance(given, list) and all(isinstance(word, str) for word in given):
        given = " ".join(given)  # the argument list [dvc, repro, STAGE] says the same
    found = DVC_REPRO.fullmatch(given.strip()) if isinstance(given, str) else None
    target = found[1] if found else ""
    if not target or "@" in target or not DVC_STAGE.fullmatch(target):
        return  # another command, or a foreach's item: DVC says what is wrong with it
    if target.endswith((".yaml", ".yml", ".dvc")) or (root / target).exists():
        return  # a dvc.yaml or a .dvc file to reproduce whole, not a stage's name
    try:
        stages = dvc_files.stages(root / "dvc.yaml", root)
    except UserError:
        return  # an unreadable dvc.yaml: train.dvc's check, or DVC, says so
    if stages is None:
        yield (
            where,
            f"`dvc repro {target}` needs a dvc.yaml beside the manifest; none is there",
            False,
        )
        return
    if target in stages:
        return
    close = spelling.closest(target, stages.names)
    hint = f"; {spelling.did_you_mean(close)}" if close else ""
    known = ", ".join(stages.names) or "none"
    yield where, f"dvc.yaml has no stage '{target}' (its stages: {known}){hint}", False


def dvc_params_warnings(manifest: Manifest, name: str) -> list[Problem]:
    """train.dvc: a warning, located, when the stage reads params from a file the run
    result's `params` is not read from (train.params, else params.yaml): those values
    are what trained the model, and the run records them as `train.dvc_params` (from
    dvc.lock); `params`, which compare and the sweep read, does not hold them."""
    stage = manifest.train.dvc_stage
    place = manifest.lines.get("train.dvc")
    if stage is None or place is None:
        return []
    try:
        declared = dvc_files.stages(manifest.root / "dvc.yaml", manifest.root)
    except UserError:
        return []  # said as the manifest's problem
    read = declared.params.get(stage, ()) if declared is not None else ()
    recorded = manifest.train.params
    others = [
        f for f in read if recorded is None or os.path.normpath(f) != os.path.normpath(recorded)
    ]
    if not others:
        return []
    line, column = place
    message = (
        f"stage '{stage}' reads its params from {', '.join(others)}, and the run result's "
        f"`params` are read from {recorded or 'no params file'}: the values that train the "
        "model are recorded as train.dvc_params (from dvc.lock), not in `params`, which "
        f"compare and the sweep read; set train.params: {others[0]} to record them there"
    )
    return [Problem(file=name, line=line, column=column, path="train.dvc", message=message)]


def _model_of(train: dict[str, Any]) -> str:
    return str(_get(train, "outputs", "model") or DEFAULT_MODEL)


def _dvc_tracked(target: Path, root: Path) -> bool | str:
    """Tracked by DVC (its own .dvc file, a stage's output, a tracked folder), so the run
    pulls it; or what stops the pull: DVC's file is damaged, or the tracked folder's
    recorded version does not list it (a typo in the name)."""
    try:
        found = dvc_files.tracked(target, root)
    except UserError as exc:
        return exc.message
    if found is not None and found.unlisted:
        return f"the version of its folder that {found.source} holds does not list it"
    return found is not None


DVC_STAGE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_@.-]*")  # schema.json's train.dvc
SWEEP_KINDS = ("grid", "random", "optuna")
# a grid's configurations, at most as many as random's samples and Optuna's trials (schema.json)
MAX_CONFIGURATIONS = 10_000


def _sweep_problems(raw: dict[str, Any], root: Path, files: bool) -> Iterator[Finding]:
    """One of a grid, random draws or Optuna's trials; values and ranges that can be run
    (finite, no repeats, a grid of bounded size); a metric of the task; and every path a
    value the params file holds (a sweep sets values, it does not invent keys)."""
    from mlgate.manifest import params
    from mlgate.manifest.build import params_file

    spec = _get(raw, "sweep")
    if not isinstance(spec, dict):
        return
    if sum(part in spec for part in SWEEP_KINDS) != 1:
        yield (
            ("sweep",),
            "name a grid (sweep.grid), random draws (sweep.random) or Optuna's trials "
            "(sweep.optuna), one of the three",
            False,
        )
    yield from _grid_problems(_get(spec, "grid"))
    for part in ("random", "optuna"):
        space = _get(spec, part, "space")
        for key, dim in space.items() if isinstance(space, dict) else ():
            where = ("sweep", part, "space", key)
            if isinstance(dim, list):
                yield from _infinite_values(where, dim)
            if not isinstance(dim, dict) or not (
                _number(dim.get("low")) and _number(dim.get("high"))
            ):
                continue
            bounds = [b for b in ("low", "high") if _infinite(dim[b])]
            for bound in bounds:
                yield (
                    (*where, bound),
                    f"must be a finite number, found {_as_yaml(dim[bound])}",
                    False,
                )
            if bounds:
                continue
            if dim["low"] >= dim["high"]:
                yield where, "low must be below high", True
            elif dim.get("log") and dim["low"] <= 0:
                yield where, "a log scale needs low above 0", True
            elif dim.get("integer") is True and math.ceil(dim["low"]) > math.floor(dim["high"]):
                yield (
                    where,
                    "integer: true draws the whole numbers from low to high, and there is none "
                    f"from {_as_yaml(dim['low'])} to {_as_yaml(dim['high'])}: set low to "
                    f"{math.floor(dim['low'])} or high to {math.ceil(dim['high'])}",
                    True,
                )
    yield from _sweep_metric_problems(raw)
    holdout = _get(spec, "holdout")
    if _number(holdout) and 0 < holdout < 1 and round(holdout * HOLDOUT_STEPS) % HOLDOUT_STEPS == 0:
        side = "no test row is held out" if holdout < 0.5 else "no test row is left to rank on"
        yield (
            ("sweep", "holdout"),
            f"{side} (rows are split in steps of 1/{HOLDOUT_STEPS:,}); "
            f"use at least {1 / HOLDOUT_STEPS:g} and at most {1 - 1 / HOLDOUT_STEPS:g}",
            False,
        )
    paths = [
        (("sweep", part, *(("space",) if part != "grid" else ())), key)
        for part in SWEEP_KINDS
        for key in (_get(spec, part, "space") if part != "grid" else _get(spec, part)) or {}
        if isinstance(key, str)
    ]
    if not files or not paths:
        return
    named = params_file(raw, root)
    if named is None:
        yield (
            ("sweep",),
            "a sweep sets values in the params file, and there is none: name it in "
            "train.params (or write params.yaml beside the manifest)",
            False,
        )
        return
    try:
        tree = params.nested(root, named)  # as a sweep writes it
        held = params.flatten(tree)
    except UserError:  # its own problems are reported for train.params
        return
    for where, key in paths:
        under = [k for k in held if k.startswith(f"{key}.")]
        if key not in held and under:  # "has no value at 'train'", where a mapping is
            yield (
                (*where, key),
                f"{named} holds a mapping at '{key}', and a sweep sets one value: name a "
                f"value under it, such as '{under[0]}' "
                f"(it has: {words.clip(', '.join(under), 120)})",
                True,
            )
        elif key not in held:
            close = spelling.closest(key, held)
            hint = f"; {spelling.did_you_mean(close)}" if close else ""
            known = words.clip(", ".join(held) or "none", 120)
            yield (*where, key), f"{named} has no value at '{key}' (it has: {known}){hint}", True
        elif not _nested(tree, key):
            yield (
                (*where, key),
                f"{named} holds '{key}' only through a key with a dot in its name, which a "
                "sweep cannot set: it writes each part of the path as a key of its own; "
                f"rename that key in {named}",
                True,
            )


def _grid_problems(grid: object) -> Iterator[Finding]:
    """Values run once each (1 and 1.0 are the same number to a script), finite, and no
    more combinations than a sweep may run: counted, never enumerated."""
    if not isinstance(grid, dict):
        return
    lists = {key: values for key, values in grid.items() if isinstance(values, list)}
    for key, values in lists.items():
        where = ("sweep", "grid", key)
        yield from _infinite_values(where, values)
        first: dict[tuple[bool, Any], int] = {}
        for i, value in enumerate(values):
            try:
                j = first.setdefault((isinstance(value, bool), value), i)
            except TypeError:  # a list or mapping: the schema reports it
                continue
            if j != i:
                shown, again = _as_yaml(value), _as_yaml(values[j])
                same = "" if shown == again else " (the same number)"
                yield (
                    (*where, i),
                    f"{shown} repeats {again} at index {j}{same}: list each value once",
                    False,
                )
    count = math.prod(len(values) for values in lists.values())
    if lists and count > MAX_CONFIGURATIONS:
        sizes = words.clip(" x ".join(str(len(values)) for values in lists.values()), 60)
        yield (
            ("sweep", "grid"),
            f"makes {count:,} configurations ({sizes} values), more than the "
            f"{MAX_CONFIGURATIONS:,} a sweep may run: list fewer values, or draw "
            "sweep.random samples from the same space (numbers from a range, "
            "{low: ..., high: ...})",
            False,
        )


def _infinite_values(where: KeyPath, values: list[Any]) -> Iterator[Finding]:
    for i, value in enumerate(values):
        if _infinite(value):
            yield (*where, i), f"must be a finite number, found {_as_yaml(value)}", False


def _infinite(value: object) -> bool:
    """NaN or infinity (an int, however long, is finite)."""
    return isinstance(value, float) and not math.isfinite(value)


def _as_yaml(value: object) -> str:
    """A value as YAML writes it: .nan, -.inf, 'l1', true, null."""
    return words.clip(f"'{value}'" if isinstance(value, str) else words.as_written(value), 40)


def _sweep_metric_problems(raw: dict[str, Any]) -> Iterator[Finding]:
    """sweep.metric of the task: declared, else that of the manifest's first metric."""
    name = _get(raw, "sweep", "metric")
    if not isinstance(name, str) or name not in METRICS:
        return
    task = _get(raw, "evaluate", "task")
    if task in ("classification", "regression"):
        said = f"evaluate.task is {task}"
    else:
        first = next((n for _, n in _metric_names(raw) if n in METRICS), None)
        if first is None:
            return
        task = METRICS[first].task
        said = f"'{first}' is a {task} metric"
    if METRICS[name].task != task:
        yield (
            ("sweep", "metric"),
            f"'{name}' is a {METRICS[name].task} metric, but {said}: rank by a {task} metric",
            False,
        )


def _nested(tree: object, key: str) -> bool:
    """`train.a.b` reached through train, a, b: the path a sweep writes its value at."""
    for part in key.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
