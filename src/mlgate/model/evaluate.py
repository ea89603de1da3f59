"""Score a trained model on the test data: predictions, per-row keys and metrics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from mlgate import spelling, words
from mlgate.manifest.metrics import DEFAULT_METRICS, METRICS, Task
from mlgate.manifest.spec import Manifest
from mlgate.model import metrics as metric_table
from mlgate.result import arrays, rowsets
from mlgate.result.records import (
    EvaluateStage,
    Importance,
    Latency,
    Predictions,
    Robustness,
    RowSet,
    RowValues,
)


class EvaluationError(Exception):
    """The model and the test data do not fit together; the message says how."""


@dataclass(frozen=True, kw_only=True)
class Scored:
    task: str
    task_inferred: bool
    metrics: dict[str, float | None]
    metric_errors: dict[str, str]
    predictions: Predictions
    positive_label: Any = None
    robustness: tuple[Robustness, ...] = ()
    importance: Importance | None = None
    latency: tuple[Latency, ...] = ()
    note: str = ""  # what the figures rest on that the user may not know: said with them

    def passed(
        self, message: str, *, train_rows: RowSet | None, predictions: Predictions | None = None
    ) -> EvaluateStage:
        """The evaluate stage these scores make (the candidate's, or a baseline's scored on the
        candidate's rows, whose predictions carry the candidate's row keys)."""
        return EvaluateStage(
            status="passed",
            task=self.task,
            task_inferred=self.task_inferred,
            metrics=self.metrics,
            metric_errors=self.metric_errors,
            predictions=self.predictions if predictions is None else predictions,
            positive_label=self.positive_label,
            train_rows=train_rows,
            robustness=self.robustness,
            importance=self.importance,
            latency=self.latency,
            message=message,
        )


def feature_columns(manifest: Manifest, frame: pd.DataFrame) -> list[str]:
    """The columns a model is given, which are also what a row is (`row_columns`): never
    the id, even where data.features was set from what a model was fitted on (a
    baseline's, `compare.baseline`), which names the id when it was fitted on every column
    and left the id out itself. A row keyed with the id there and without it in the run
    that hashed its training rows matched none of them: a re-split baseline was scored on
    rows it was trained on, "which neither model was trained on"."""
    spec = manifest.data
    excluded = {spec.target, spec.id}
    named = spec.features if spec.features is not None else frame.columns
    return [c for c in named if c not in excluded]


def _as_fitted(
    manifest: Manifest, model: Any, frame: pd.DataFrame, features: list[str]
) -> pd.DataFrame:
    """The features in the order the model was fitted on them; a model fitted on other
    columns is refused in the manifest's terms (scikit-learn says only "feature names
    unseen at fit time")."""
    names = getattr(model, "feature_names_in_", None)
    fitted = [str(n) for n in names] if names is not None else None
    if fitted is not None and set(fitted) == set(features):
        return frame[fitted]  # a model that names its columns is handed them by name
    count = getattr(model, "n_features_in_", None)
    if fitted is None:
        if not isinstance(count, int) or count == len(features):
            return frame[features]
        raise EvaluationError(
            f"the model was fitted on {words.count(count, 'column')} and is given "
            f"{len(features)} ({_features_from(manifest)}): set data.features to the "
            f"{count} it was fitted on, in order"
        )
    where = _features_from(manifest)
    extra = [c for c in features if c not in fitted]
    lacking = [c for c in fitted if c not in features]
    if lacking == [manifest.data.id] and not extra:
        # fitted on every column, the id too, by a training script that cannot know it is
        # one: a model that drops it itself (a ColumnTransformer) scores without it, and
        # one that needs it fails at predict with what to do (`score`)
        return frame[[c for c in fitted if c != manifest.data.id]]
    absent = [c for c in lacking if c not in frame.columns]
    said = []
    if extra:
        said.append(
            f"{words.count(len(extra), 'column')} it was not fitted on: "
            + ", ".join(map(repr, extra))
        )
    if lacking:
        said.append(
            f"{words.count(len(lacking), 'column')} it was fitted on that it is not "
            "given: "
            + ", ".join(map(repr, lacking))
            + (f" (the test data has no {', '.join(map(repr, absent))})" if absent else "")
        )
    key = manifest.data.id
    if key is not None and key in lacking:  # data.features may not name it: no way round
        fix = (
            f"'{key}' is the id column (data.id), never handed to a model: fit the model "
            f"without it, or, if it is a feature after all, remove data.id from the manifest"
        )
    else:
        fix = "set data.features to the columns it was fitted on"
        fix += (
            f", and give the test data {', '.join(map(repr, absent))}"
            if absent
            else f": [{', '.join(map(_yaml_name, fitted))}]"
        )
    raise EvaluationError(
        f"the model was fitted on other columns than it is given ({where}): "
        + "; ".join(said)
        + f"; {fix}"
    )


def _a_regressor(manifest: Manifest, classes: object, y_pred: np.ndarray) -> str:
    """A model with no classes that answers fractions is a regressor judged as a classifier:
    said with the key that made it one (the message named no key)."""
    if classes is not None or y_pred.dtype.kind != "f" or manifest.evaluate.task is None:
        return ""
    return (
        f"; the model has no classes and answers fractions, as a regression does, but "
        f"{manifest.cited('evaluate.task')} says classification: set evaluate.task: regression"
    )


def _a_classifier(manifest: Manifest, model: Any) -> str:
    """A classifier scored as a regression (the manifest says so) has its labels measured
    as numbers: rmse between class 1 and class 3 is 2, which may be what the user meant
    (ordered grades), or a task set by mistake. Said beside the figures, not refused."""
    classes = getattr(model, "classes_", None)
    if classes is None:
        return ""
    shown = ", ".join(map(str, list(classes)[:5])) + (", ..." if len(classes) > 5 else "")
    return (
        f"the model is a classifier (classes {shown}) scored as a regression, its answers "
        f"measured as numbers, as {manifest.cited('evaluate.task')} says; to score them as "
        "classes, set evaluate.task: classification"
    )


def _fractions(model: Any, returned: Any) -> bool:
    """A model without classes whose answers are not whole numbers is a regressor, though
    its target holds whole numbers (5 to 40): inferred a classifier, its every answer
    was "a label none of which is a value of 'y'"."""
    if hasattr(model, "classes_"):
        return False
    try:
        answers = np.asarray(returned, dtype=float)
    except (TypeError, ValueError):
        return False
    finite = answers[np.isfinite(answers)]
    return bool(finite.size) and bool(np.any(finite != np.round(finite)))


FEWEST_CLASSES_JUDGED = 20  # fewer distinct whole numbers than this are always classes


def _too_many_to_be_classes(model: Any, y: pd.Series, returned: Any) -> str:
    """A model without classes that answers whole numbers of a whole-number target, with
    more distinct values among the labels and answers than half the rows, and fewer than
    half its answers right, is a regression (a count, a score rounded): scored as 177
    classes of 150 rows, its accuracy 0.013 passed. Why it was so judged, or "" for
    classes."""
    if hasattr(model, "classes_") or not pd.api.types.is_integer_dtype(y):
        return ""
    try:
        answers = np.asarray(returned, dtype=float).ravel()
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(answers).all():
        return ""
    labels = y.to_numpy(dtype=float)
    distinct = len(np.union1d(labels, answers))
    if distinct < FEWEST_CLASSES_JUDGED or distinct <= len(y) / 2:
        return ""
    if len(answers) == len(labels) and (answers == labels).mean() >= 0.5:
        return ""  # most answers right: a classifier (40 classes on 60 rows, scored by rmse)
    return (
        f"judged a regression: {distinct} distinct whole numbers among the {len(y):,} test "
        "rows' labels and the model's answers are too many to be classes; if they are "
        "classes, set evaluate.task: classification"
    )


def _id_fitted(manifest: Manifest, model: Any) -> str:
    """What to do when the model was fitted on the id column, which it is never handed."""
    key = manifest.data.id
    names = getattr(model, "feature_names_in_", None)
    if key is None or names is None or key not in [str(n) for n in names]:
        return ""
    return (
        f"; it was fitted on '{key}', the id column (data.id, $MLGATE_ID to the training "
        "command), which is never handed to a model: fit it without that column, or, if it "
        "is a feature after all, remove data.id from the manifest"
    )


def _yaml_name(name: str) -> str:
    """A column name as it can stand in a YAML list: bare when plain, else quoted."""
    plain = name.replace("_", "a").replace("-", "a").isalnum() and not name[:1].isdigit()
    return name if plain else json.dumps(name)


def _features_from(manifest: Manifest) -> str:
    """Where the columns handed to the model come from, in the manifest's words."""
    spec = manifest.data
    if spec.features is not None:
        line = manifest.line_of("data.features")
        return "data.features" + (f", line {line}" if line else "")
    but = "the target" + (f" and the id '{spec.id}'" if spec.id else "")
    return f"every column but {but}, as data.features is not set"


def infer_task(manifest: Manifest, model: Any, y: pd.Series) -> tuple[Task, bool]:
    """The manifest's task, else classification for a model with classes or a non-float target."""
    if manifest.evaluate.task is not None:
        return manifest.evaluate.task, False
    if _says_regressor(model):  # a tree regressor of a whole-number target answers whole
        return "regression", True  # numbers: "117 classes" of 88 rows, passed
    if hasattr(model, "classes_") or not pd.api.types.is_float_dtype(y):
        return "classification", True
    return "regression", True


def _says_regressor(model: Any) -> bool:
    """scikit-learn's own word for what the model is (a pipeline's is its last step's)."""
    if hasattr(model, "classes_"):
        return False
    try:
        from sklearn.base import is_regressor

        return bool(is_regressor(model))
    except Exception:  # not a scikit-learn estimator: its answers say (_fractions)
        return False


def metric_names(manifest: Manifest, task: Task) -> tuple[list[str], bool]:
    """Metrics to compute (asked-for ones plus those model checks need) and whether defaulted."""
    asked = manifest.evaluate.metrics
    names = list(asked) if asked is not None else list(DEFAULT_METRICS[task])
    for needed in (
        *(c.metric for c in manifest.model_checks),
        *(g.metric for g in manifest.compare.gates),
    ):
        if needed not in names:
            names.append(needed)
    return names, asked is None


def _quiet(step: str) -> None:
    pass


def score(
    manifest: Manifest, model: Any, frame: pd.DataFrame, announce: Callable[[str], None] = _quiet
) -> Scored:
    """`announce(step)` says what runs now (the user's predict, say), for a timeout."""
    target = manifest.data.target
    features = feature_columns(manifest, frame)
    missing = [c for c in [target, *features] if c not in frame.columns]
    if missing:
        raise EvaluationError(f"the test data has no column {', '.join(map(repr, missing))}")
    kept = _kept_values(manifest, frame)
    X, y = _as_fitted(manifest, model, frame, features), frame[target]
    _labelled_everywhere(y, target)
    task, inferred = infer_task(manifest, model, y)
    announce(f"model.predict on {words.count(len(frame), 'row')}")
    who = _who(model, "predict")
    try:
        returned = model.predict(X)
    except Exception as exc:  # the user's model: any error is theirs to see
        raise EvaluationError(
            f"{who} failed: {type(exc).__name__}: {exc}{_id_fitted(manifest, model)}"
        ) from exc
    judged = ""
    if inferred and task == "classification" and _fractions(model, returned):
        task = "regression"  # whole-number targets, a model without classes answering 10.21
    elif inferred and task == "classification":
        judged = _too_many_to_be_classes(model, y, returned)
        task = "regression" if judged else task
    y_pred = predictions(returned, len(frame), task, target, who)
    announce("computing the metrics")
    row_keys = hash_rows(frame, row_columns(manifest, frame))
    if task == "regression" and manifest.evaluate.positive_label is not None:
        # validate refuses it beside `task: regression`; inferred, it did nothing, unsaid
        raise EvaluationError(
            f"{manifest.cited('evaluate.positive_label')}: a positive label names a "
            "classifier's class, but the model was judged a regression (evaluate.task is not "
            "set, and the model answers numbers): leave it out, or set evaluate.task: "
            "classification"
        )
    if task == "regression":
        try:
            y_true = y.to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise EvaluationError(
                f"the test data's '{target}' holds values that are not numbers, but "
                "evaluate.task is regression; set evaluate.task: classification"
            ) from exc
        _finite_everywhere(y_true, target)
        scored = replace(
            _regression(manifest, y_true, y_pred, row_keys, inferred),
            note=judged or _a_classifier(manifest, model),
        )
    else:
        scored = _classification(
            manifest, model, X, y.to_numpy(), y_pred, row_keys, inferred, announce
        )
    _measured(scored)
    return replace(scored, predictions=replace(scored.predictions, columns=kept))


def _labelled_everywhere(y: pd.Series, target: str) -> None:
    """A test row without its label scores nothing: every metric came out "n/a" with
    scikit-learn's words for it, and the run passed."""
    empty = y.isna().to_numpy()
    if empty.any():
        rows = ", ".join(str(int(r) + 1) for r in np.flatnonzero(empty)[:5])
        raise EvaluationError(
            f"the test data's '{target}' is empty on {words.of(int(empty.sum()), len(y), 'row')} "
            f"(rows {rows}{', ...' if empty.sum() > 5 else ''}, data rows counted from 1): a "
            "row without its label cannot be scored; drop those rows or fill in their labels"
        )


def _finite_everywhere(y_true: np.ndarray, target: str) -> None:
    """An infinite target: every metric was "not computed" with scikit-learn's "Input
    contains infinity", and no row named."""
    endless = ~np.isfinite(y_true)
    if endless.any():
        rows = ", ".join(str(int(r) + 1) for r in np.flatnonzero(endless)[:5])
        raise EvaluationError(
            f"the test data's '{target}' is infinite on "
            f"{words.of(int(endless.sum()), len(y_true), 'row')} (rows {rows}"
            f"{', ...' if endless.sum() > 5 else ''}, data rows counted from 1): no error "
            "from an infinite target has a size; drop those rows or correct their values"
        )


def _measured(scored: Scored) -> None:
    """A run whose every metric is undefined measured nothing, and passed: it is the
    evaluation's error, with the first metric's reason."""
    if scored.metrics and all(v is None for v in scored.metrics.values()):
        name, why = next(iter(scored.metric_errors.items()), ("", "no reason given"))
        raise EvaluationError(f"no metric could be computed on the test rows ({name}: {why})")


def model_input(manifest: Manifest, model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """The test rows as `model` is given them."""
    return _as_fitted(manifest, model, frame, feature_columns(manifest, frame))


def examined(manifest: Manifest, model: Any, frame: pd.DataFrame, scored: Scored) -> Scored:
    """`scored` with the manifest's robustness checks and permutation importance measured
    on the model's input."""
    spec = manifest.evaluate.importance
    if not manifest.robustness_checks and spec is None:
        return scored
    from mlgate.model import importance, robustness

    regression = scored.task == "regression"
    classes = list(scored.predictions.classes or ())
    label = scored.positive_label if len(classes) == 2 else manifest.evaluate.positive_label
    positive = next((i for i, c in enumerate(classes) if str(c) == str(label)), None)
    given = model_input(manifest, model, frame)
    found = robustness.measure(
        manifest.robustness_checks,
        robustness.answers(model, regression=regression, positive_index=positive),
        given,
        regression=regression,
        confidence=manifest.compare.confidence,
    )
    explained = None
    if spec is not None:
        computed = [n for n, v in scored.metrics.items() if v is not None]
        metric = spec.metric or (computed[0] if computed else next(iter(scored.metrics)))
        explained = importance.measure(
            spec,
            model,
            given,
            frame[manifest.data.target],
            metric=metric,
            classes=classes or None,
            positive_index=1 if positive is None else positive,
        )
    return replace(scored, robustness=found, importance=explained)


def _kept_values(manifest: Manifest, frame: pd.DataFrame) -> dict[str, RowValues]:
    """The columns slices and fairness checks read, kept for each row."""
    from mlgate.result import row_values

    lacking = [c for c in manifest.kept_columns if c not in frame.columns]
    if lacking:
        from mlgate.manifest.semantic_checks import columns_hint

        named = [s.key for s in manifest.evaluate.slices if lacking[0] in s.columns]
        named += [f.key for f in manifest.fairness_checks if f.sensitive == lacking[0]]
        raise EvaluationError(
            f"the test data has no column '{lacking[0]}', which {manifest.cited(named[0])} "
            f"names{columns_hint(lacking[0], [str(c) for c in frame.columns])}"
            + (f" (nor {', '.join(map(repr, lacking[1:]))})" if lacking[1:] else "")
        )
    kept = {c: row_values.encode(frame[c]) for c in manifest.kept_columns}
    for spec in manifest.evaluate.slices:
        if spec.bins is not None and all(kept[c].labels is not None for c in spec.columns):
            sample = frame[spec.columns[0]].dropna()
            shown = f" (such as {str(sample.iloc[0])[:40]!r})" if len(sample) else ""
            raise EvaluationError(
                f"{manifest.cited(spec.key + '.bins')}: {' and '.join(map(repr, spec.columns))} "
                f"{'holds' if len(spec.columns) == 1 else 'hold'} no numbers{shown}, so there "
                "is nothing to bin; leave bins out to slice by value"
            )
    return kept


def _who(model: Any, method: str) -> str:
    """The function that answered as a message names it: the user's `evaluate.predict_proba`
    (its manifest line and module:function) where it ran, else the model's own method."""
    named = getattr(model, f"{method}_named", None)
    return named if isinstance(named, str) else f"model.{method}"


def predictions(
    returned: Any, rows: int, task: str, target: str, who: str = "model.predict"
) -> np.ndarray:
    """What predict returned as one value per row, or an EvaluationError saying, in the
    user's terms, what came back and what was expected. `who`: the function that ran."""
    expected = f"one prediction per test row ({rows:,} values)"
    if returned is None:
        raise EvaluationError(f"{who} returned None; expected {expected}")
    try:
        y_pred = np.asarray(returned)
    except Exception as exc:  # a ragged list, an object numpy cannot take
        raise EvaluationError(
            f"{who} returned a {type(returned).__name__} that is "
            f"not an array ({exc}); expected {expected}"
        ) from exc
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred[:, 0]  # a single output as a column (Keras, say)
    if y_pred.ndim != 1:
        shape = "a single value" if y_pred.ndim == 0 else f"an array of shape {tuple(y_pred.shape)}"
        hint = "; probabilities belong in predict_proba" if y_pred.ndim == 2 else ""
        raise EvaluationError(f"{who} returned {shape}; expected {expected}{hint}")
    if len(y_pred) != rows:
        raise EvaluationError(
            f"{who} returned {words.count(len(y_pred), 'value')} "
            f"for {words.count(rows, 'test row')}; expected one per row"
        )
    if task != "regression":
        _labelled(y_pred, who)
        return y_pred
    try:
        numbers = y_pred.astype(float)
    except (TypeError, ValueError) as exc:
        sample = next((v for v in y_pred.tolist() if not _is_number(v)), y_pred[0])
        raise EvaluationError(
            f"{who} returned {_kind(sample)} such as {str(sample)[:40]!r}, but "
            f"'{target}' is a regression target: expected numbers (or set evaluate.task: "
            "classification if the model predicts classes)"
        ) from exc
    bad = ~np.isfinite(numbers)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise EvaluationError(
            f"{who} returned NaN or infinity for {words.count(int(bad.sum()), 'test row')} "
            f"(the first, test row {first + 1}); expected a finite number for every row"
        )
    return numbers


def _labelled(y_pred: np.ndarray, who: str = "model.predict") -> None:
    """A classifier's answer with no label in it (None, NaN among "yes"/"no") is no
    prediction: counted as wrong it would be a guess at the model's meaning, and sorting it
    among the labels ended the run with a TypeError."""
    import pandas as pd

    missing = np.asarray(pd.isna(y_pred), dtype=bool)
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise EvaluationError(
            f"{who} returned {words.count(int(missing.sum()), 'missing label')} "
            f"(None or NaN; the first for test row {first + 1}); expected a label for every row"
        )


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _kind(value: Any) -> str:
    return "text" if isinstance(value, str | bytes) else f"values of type {type(value).__name__}"


def hash_rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit hash of each row's values in `columns`: equal rows hash equal across runs."""
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def train_rows(
    manifest: Manifest, train: Iterable[pd.DataFrame], test: pd.DataFrame
) -> RowSet | None:
    """The training rows, read in parts (`load.pandas_batches`), hashed as the test rows
    are (their columns, their types), so a test row that is also a training row is known;
    None when the training data lacks one of the columns."""
    columns = row_columns(manifest, test)
    hashed: list[np.ndarray] = []
    seen: set[str] = set()
    for part in train:
        seen.update(part.columns)
        part = part.reindex(columns=columns)  # JSON Lines: a field some records lack
        typed, apart = _typed_like(part, test[columns])
        keys = hash_rows(typed, columns)
        if apart.any():  # hashed as they are: no test row can equal them
            keys = np.where(apart, hash_rows(part, columns), keys)
        hashed.append(keys)
    if not set(columns) <= seen:
        return None
    return rowsets.encode(np.concatenate(hashed) if hashed else np.empty(0, np.uint64))


def row_columns(manifest: Manifest, test: pd.DataFrame) -> list[str]:
    """What a row is to the model: its features and its target."""
    return [*feature_columns(manifest, test), manifest.data.target]


def _typed_like(frame: pd.DataFrame, like: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """`frame` with each column in `like`'s type where the values survive the change: a
    column read as float in one file (it has a gap, or one fraction) and int in the other
    would otherwise hash every row differently, and no training row would be known. Also
    which rows hold a value `like`'s type cannot (35.5 where the test file's column is
    whole numbers): they equal no test row, whatever their hash."""
    out = {}
    apart = np.zeros(len(frame), dtype=bool)
    for name in frame.columns:
        column, wanted = frame[name], like[name].dtype
        if column.dtype != wanted:
            if pd.api.types.is_integer_dtype(wanted) and pd.api.types.is_float_dtype(column):
                values = column.to_numpy(dtype=float, na_value=np.nan)
                whole = np.isfinite(values) & (values == np.floor(values)) & (abs(values) < 2**62)
                apart |= ~whole
                column = pd.Series(np.where(whole, values, 0), index=frame.index).astype(wanted)
            else:
                try:
                    cast = column.astype(wanted)
                    if cast.astype(column.dtype).equals(column):
                        column = cast
                except (TypeError, ValueError):
                    pass
        out[name] = column
    return pd.DataFrame(out, index=frame.index), apart


def _classification(
    manifest: Manifest,
    model: Any,
    X: pd.DataFrame,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    row_keys: np.ndarray,
    inferred: bool,
    announce: Callable[[str], None] = _quiet,
) -> Scored:
    scores = None
    known: Any = getattr(model, "classes_", None)  # the model's own: an array, a list, or None
    fitted = known.tolist() if hasattr(known, "tolist") else list(known or ())
    if fitted and not set(_hashable(y_true)) & set(_hashable(np.array(fitted, dtype=object))):
        apart = _kinds_apart(y_true, fitted)
        recoded = (
            ""
            if apart
            else "a training command that recodes the target (to 0 and 1, say) should fit "
            "on the labels as the data holds them, or data.prepare recode both files; "
            "otherwise "
        )
        raise EvaluationError(
            f"the test data's '{manifest.data.target}' holds "
            f"{', '.join(map(repr, sorted(map(str, set(y_true.tolist())))[:5]))}, none of which "
            f"is a class the model was trained on ({', '.join(map(repr, map(str, fitted[:5])))})"
            f"{apart}: {recoded}write the test labels as the training data does"
        )
    labels = {*y_true.tolist(), *fitted}
    if len(y_pred) and not labels & set(_hashable(y_pred)):
        shown = ", ".join(map(repr, sorted(map(str, set(_hashable(y_pred))))[:5]))
        raise EvaluationError(
            f"{_who(model, 'predict')} returned labels ({shown}) none of which is a value of "
            f"'{manifest.data.target}' in the test data "
            f"({', '.join(map(repr, sorted(map(str, set(y_true.tolist())))[:5]))})"
            f"{_kinds_apart(y_true, list(set(_hashable(y_pred))), 'its answers')}; "
            "expected the target's own labels" + _a_regressor(manifest, known, y_pred)
        )
    if callable(getattr(model, "predict_proba", None)):
        announce(f"model.predict_proba on {words.count(len(y_true), 'row')}")
        who = _who(model, "predict_proba")
        try:
            returned = model.predict_proba(X)
        except Exception as exc:
            raise EvaluationError(f"{who} failed: {type(exc).__name__}: {exc}") from exc
        if known is None and hasattr(returned, "columns"):  # a DataFrame names its classes,
            returned = returned[sorted(returned.columns)]  # sorted, as classes_ always are
            known = [arrays.plain(c) for c in returned.columns]
            if not set(_hashable(np.array(known, dtype=object))) & set(_hashable(y_true)):
                raise EvaluationError(
                    who + f" returned columns named {known[:10]}, none of which "
                    f"is a value of '{manifest.data.target}' in the test data "
                    f"({', '.join(map(repr, sorted(map(str, set(y_true.tolist())))[:5]))})"
                    f"{_kinds_apart(y_true, known, 'its column names')}; name each column by "
                    "its label"
                )
            _refuse_missing_labels(returned, known, y_true, y_pred, who)
        # a model without classes_ answering an array: its columns are the labels seen
        expected = known if known is not None else sorted({*y_true.tolist(), *y_pred.tolist()})
        scores = probabilities(returned, len(y_true), expected, who, named=known is not None)
        announce("computing the metrics")
    classes = list(known) if known is not None else sorted({*y_true.tolist(), *y_pred.tolist()})
    positive_index = _positive_index(manifest, classes, known=known is not None)
    names, defaulted = metric_names(manifest, "classification")
    # a default the model cannot give is left out, not failed
    asked = [
        n for n in names if not (defaulted and METRICS[n].needs == "scores" and scores is None)
    ]
    values, errors = metric_table.compute_each(
        asked, y_true, y_pred, scores, classes=classes, positive_index=positive_index
    )
    unknown, unknown_rows = _unknown_labels(y_true, classes) if known is not None else ([], 0)
    if unknown_rows:  # scikit-learn's "'y_true' contains labels not in parameter 'labels'"
        errors = {
            name: f"the model has no score for {_shown_labels(unknown)}, a label of "
            f"{words.count(unknown_rows, 'test row')} it was never trained on"
            if METRICS[name].needs == "scores" and _of_unknown_labels(why)
            else why
            for name, why in errors.items()
        }
    index = {c: i for i, c in enumerate(classes)}
    predictions = Predictions(
        rows=len(y_true),
        row_keys=arrays.encode(row_keys),
        y_true=arrays.encode(np.array([index.get(v, -1) for v in y_true.tolist()], np.int32)),
        y_pred=arrays.encode(np.array([index.get(v, -1) for v in y_pred.tolist()], np.int32)),
        # as the model gave them: a comparison recomputes its figures from these, and a
        # log loss from float32 differed from the run's own at the 8th place, so a bound
        # between them passed as a model check and failed as a gate in one report
        scores=arrays.encode(scores.astype(np.float64)) if scores is not None else None,
        classes=tuple(arrays.plain(c) for c in classes),
    )
    return Scored(
        task="classification",
        task_inferred=inferred,
        metrics=values,
        metric_errors=errors,
        predictions=predictions,
        positive_label=arrays.plain(classes[positive_index]) if len(classes) == 2 else None,
        note=_unknown_note(unknown, unknown_rows, len(y_true), len(classes)),
    )


def _unknown_labels(y_true: np.ndarray, classes: list[Any]) -> tuple[list[str], int]:
    """Test rows of a label the model was never trained on (the labels, and how many rows):
    no answer of it can be right, and the confusion matrix, whose rows are the model's
    classes, cannot hold them. 10 of 90 such rows left a matrix of 80 beside "90 test
    rows", and nothing said why."""
    # Python's own values on both sides: the model's classes are NumPy's (np.int64(0)),
    # the labels read Python's (0), and as text they parted
    fitted = set(_hashable(np.array([arrays.plain(c) for c in classes], dtype=object)))
    unknown = [v for v in _hashable(y_true) if v not in fitted]
    return sorted(set(map(str, unknown))), len(unknown)


def _of_unknown_labels(why: str) -> bool:
    """scikit-learn's words for labels outside those the scores are of, and no other
    reason (a top-5 accuracy of three classes, one class on the rows) is taken for it."""
    return "labels" in why and ("not in parameter" in why or "not belonging" in why)


def _shown_labels(labels: list[str]) -> str:
    return ", ".join(map(repr, labels[:5])) + (", ..." if len(labels) > 5 else "")


def _unknown_note(labels: list[str], rows: int, total: int, classes: int) -> str:
    if not rows:
        return ""
    scores = (
        "a score metric of the positive class's score takes them as rows of the negative "
        "class (of every class's: log_loss, the D² scores, not computed)"
        if classes == 2
        else "a score metric that needs every label's score is not computed"
    )
    return (
        f"{words.of(rows, total, 'test row')} {'is' if rows == 1 else 'are'} of "
        f"{'a label' if len(labels) == 1 else 'labels'} the model was never trained on "
        f"({_shown_labels(labels)}): the label metrics count them as its errors, {scores}, "
        "and the confusion matrix and curves leave them out"
    )


def _kinds_apart(y_true: np.ndarray, fitted: list[Any], whose: str = "the model's classes") -> str:
    """Why labels that read alike are not the model's: '0' and '1' as text beside the
    classes 0 and 1 (one label that is not a number, 'unknown', makes the column text).
    `whose`: what `fitted` are (a predict's answers: two lists that read alike, unsaid)."""
    said = {str(v) for v in y_true.tolist()}
    if not said & {str(v) for v in fitted}:
        return ""
    ours = {_label_kind(v) for v in y_true.tolist()}
    theirs = {_label_kind(v) for v in fitted}
    return (
        f" (they read alike, but the test labels are {' and '.join(sorted(ours))} and "
        f"{whose} {' and '.join(sorted(theirs))})"
    )


def _label_kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "true/false values"
    if isinstance(value, int | np.integer):
        return "whole numbers"
    if isinstance(value, float | np.floating):
        return "numbers"
    return "text"


def _regression(
    manifest: Manifest,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    row_keys: np.ndarray,
    inferred: bool,
) -> Scored:
    names, _ = metric_names(manifest, "regression")
    values, errors = metric_table.compute_each(names, y_true, y_pred, None)
    predictions = Predictions(
        rows=len(y_true),
        row_keys=arrays.encode(row_keys),
        y_true=arrays.encode(y_true.astype(np.float64)),
        y_pred=arrays.encode(y_pred.astype(np.float64)),
    )
    return Scored(
        task="regression",
        task_inferred=inferred,
        metrics=values,
        metric_errors=errors,
        predictions=predictions,
    )


def probabilities(
    returned: Any,
    rows: int,
    classes: Any,
    who: str = "model.predict_proba",
    *,
    named: bool = True,
) -> np.ndarray:
    """predict_proba's answer as a rows x classes array of numbers, or what was wrong.
    `who`: the function that ran; `named`: `classes` are the model's classes_ (else the
    labels seen, which an array without classes_ must follow in sorted order)."""
    width = f" x {len(classes)}" if classes is not None else ""
    expected = (
        f"expected an array of {rows}{width} probabilities (a row per test row, a column per class)"
    )
    if returned is None:
        raise EvaluationError(f"{who} returned None; {expected}")
    try:
        scores = np.asarray(returned, dtype=float)
    except (TypeError, ValueError) as exc:
        raise EvaluationError(f"{who} returned values that are not numbers; {expected}") from exc
    if scores.ndim == 2 and scores.shape[0] == rows and classes is not None:
        _refuse_other_width(scores.shape, list(classes), who, named)
    if scores.ndim != 2 or scores.shape[0] != rows:
        raise EvaluationError(f"{who} returned an array of shape {tuple(scores.shape)}; {expected}")
    _refuse_no_chances(scores, expected, who)
    sums = scores.sum(axis=1, keepdims=True)
    _refuse_no_whole(scores, sums[:, 0], expected, _sum_slack(returned, scores.shape[1]), who)
    whole: np.ndarray = scores / sums  # single precision's rounding (ONNX) taken out
    return whole


def _refuse_other_width(shape: tuple[int, ...], classes: list[Any], who: str, named: bool) -> None:
    """A column count that is not the classes' said first, naming them: the positive
    class's column alone, (n, 1), from a function without classes_ was refused as rows
    that "do not add up to 1", "expected an array of 375 probabilities"."""
    rows, width = shape
    if width == len(classes):
        return
    shown = ", ".join(map(str, classes[:10])) + (", ..." if len(classes) > 10 else "")
    one = (
        " (a binary classifier's probabilities of both classes, not the positive class's alone)"
        if width == 1 and len(classes) == 2
        else ""
    )
    if named:  # the model's classes_
        raise EvaluationError(
            f"{who} returned an array of shape {tuple(shape)}; expected an array of {rows} x "
            f"{len(classes)} probabilities (a row per test row, a column per class: {shown}){one}"
        )
    how = (
        "return a DataFrame whose columns are the labels, or an array with a column per "
        "label in sorted order"
    )
    if one:
        raise EvaluationError(
            f"{who} returned 1 column; expected 2, one per class ({shown}){one}: {how}"
        )
    raise EvaluationError(
        f"{who} returned {words.count(width, 'column')}, and the model has no classes_ to "
        f"name them; the labels are {words.count(len(classes), 'class')} ({shown}): {how}"
    )


def _refuse_missing_labels(
    returned: Any, columns: list[Any], y_true: np.ndarray, y_pred: np.ndarray, who: str
) -> None:
    """A DataFrame without a column for a label seen, whose rows do not add up to 1 without
    it, said so as an array of too few columns is: the positive class's column alone was
    told its rows "do not add up to 1", "expected an array of 60 x 1 probabilities", as if
    one column were right. Rows that add up to 1 are a model that lacks the label, which
    the metrics say."""
    named = set(_hashable(np.array(columns, dtype=object)))
    seen = set(_hashable(np.concatenate([y_true.astype(object), y_pred.astype(object)])))
    missing = seen - named
    try:
        scores = np.asarray(returned, dtype=float)
    except (TypeError, ValueError):
        return  # probabilities says what came back
    if not missing or scores.ndim != 2 or not len(scores):
        return
    sums = scores.sum(axis=1)
    if not (np.abs(sums - 1) >= _sum_slack(returned, scores.shape[1])).any():
        return
    labels = _in_order(named | seen)
    if len(columns) == 1 and len(labels) == 2:  # "returned 1 column; expected 2, ..."
        _refuse_other_width(scores.shape, labels, who, named=False)
    shown = ", ".join(map(str, labels[:10])) + (", ..." if len(labels) > 10 else "")
    given = words.names([str(c) for c in columns], 10)
    lacking = words.names([str(m) for m in _in_order(missing)], 10)
    raise EvaluationError(
        who + f" returned a column for each of {given}, and none for {lacking}; expected "
        f"{len(labels)}, one per class ({shown}), each row adding up to 1: return a "
        "DataFrame with a column per label"
    )


def _in_order(values: set[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:  # labels of two kinds
        return sorted(values, key=str)


SUM_SLACK = 1e-5  # the least a row's sum may miss 1 by (float32 models, ONNX)


def _sum_slack(returned: Any, width: int) -> float:
    """How far from 1 a row's sum may be in the precision the model answered in: a float32
    softmax over 10,000 classes summed 2.8e-5 away, a float16 one further. A DataFrame's
    precision is its columns' coarsest (it has dtypes, no dtype: a float16 DataFrame was
    held to float64's slack and refused, the same values as an array accepted)."""
    dtypes = getattr(returned, "dtypes", None)  # a DataFrame's, a column each
    found = (
        list(dtypes)
        if dtypes is not None and not isinstance(dtypes, np.dtype) and hasattr(dtypes, "__iter__")
        else [getattr(returned, "dtype", None)]
    )
    eps = [float(np.finfo(d).eps) for d in map(_numpy_dtype, found) if d is not None]
    return max(SUM_SLACK, 4 * width * max(eps)) if eps else SUM_SLACK


def _numpy_dtype(dtype: Any) -> np.dtype[Any] | None:
    """A floating NumPy type, of pandas' nullable Float32 too; None for anything else."""
    try:
        found = np.dtype(getattr(dtype, "numpy_dtype", dtype))
    except TypeError:  # a torch or polars type, None
        return None
    return found if np.issubdtype(found, np.floating) else None


def _refuse_no_whole(
    scores: np.ndarray, sums: np.ndarray, expected: str, slack: float, who: str
) -> None:
    """A row of chances adds up to 1: rows scaled by a half gave a log loss off by ln 2,
    a calibration error of 0.49, and no word of it (scikit-learn only warned)."""
    bad = np.abs(sums - 1) >= slack
    _refuse_rows(
        bad,
        scores,
        "chances that do not add up to 1",
        f"{expected}, each row adding up to 1",
        lambda first: f", adding up to {float(sums[first]):.6g}",
        who,
    )


PROBABILITY_SLACK = 1e-6  # single precision's rounding past 0 or 1 (ONNX, float32 models)


def _refuse_no_chances(scores: np.ndarray, expected: str, who: str) -> None:
    """NaN, infinity, or values outside 0 to 1 (a decision function's scores handed over
    as probabilities) are no chances: log loss and the Brier score of them were errors
    of scikit-learn's words, or figures of nothing, and the ROC area ranked them as if."""
    bad = ~np.isfinite(scores).all(axis=1)
    what = "NaN or infinity"
    if not bad.any():
        bad = ((scores < -PROBABILITY_SLACK) | (scores > 1 + PROBABILITY_SLACK)).any(axis=1)
        what = "values outside 0 to 1 (scores of a decision function?)"
    _refuse_rows(bad, scores, what, expected, who=who)


def _refuse_rows(
    bad: np.ndarray,
    scores: np.ndarray,
    what: str,
    expected: str,
    more: Callable[[int], str] = lambda first: "",
    who: str = "model.predict_proba",
) -> None:
    """The rows of `scores` that are `bad`, refused with how many and the first."""
    if not bad.any():
        return
    first = int(np.argmax(bad))
    rows = words.of(int(bad.sum()), len(scores), "row")
    raise EvaluationError(
        f"{who} returned {what} on {rows} (first at test row {first + 1:,}: "
        f"{scores[first][:5].tolist()}{more(first)}); {expected}"
    )


def _hashable(values: np.ndarray) -> list[Any]:
    return [
        v if isinstance(v, str | int | float | bool | bytes) else str(v) for v in values.tolist()
    ]


def _positive_index(manifest: Manifest, classes: list[Any], *, known: bool = True) -> int:
    """Index of the positive class: the manifest's, else the greater label (scikit-learn's).
    A label the model lacks stops the evaluation whatever the number of classes: of three,
    the run trained, scored and passed but for the fairness check that read it. Not
    `known` (a model without classes_: its classes are the labels seen), only of two."""
    label = manifest.evaluate.positive_label
    found = [i for i, c in enumerate(classes) if c == label or str(c) == str(label)]
    if label is not None and not found and (known or len(classes) == 2):
        names = [str(c) for c in classes]
        close = spelling.closest(str(label), names)
        whose = "the model's classes" if known else "the labels of the test rows and answers"
        raise EvaluationError(
            f"{manifest.cited('evaluate.positive_label')}: {label!r} is not one of "
            f"{whose}: {', '.join(names[:10])}"
            + (f"; {spelling.did_you_mean(close)}" if close else "")
        )
    return found[0] if label is not None and len(classes) == 2 else 1
