"""`mlgate monitor`: production data against the version a registry stage holds.

The version carries what monitoring needs (docs/registry.md): the profile of the data it
was trained on, which drift is measured against, so the training data itself is never
read here; its run's per-row test predictions with their labels, which the label-free
estimate calibrates on (model/estimate.py); and its model, loaded from the store by the
sha256 its record holds, which scores the production rows. Rows whose label is already
in the file are scored for real too, and are what the estimate is checked against.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import bounds, files, monitor_labels, words
from mlgate.bounds import written
from mlgate.errors import UserError
from mlgate.manifest.spec import Drift, Manifest
from mlgate.model.estimate import Estimate
from mlgate.result.records import DriftResult, Significance

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from mlgate.data.profile import Profile
    from mlgate.registry.operations import Where
    from mlgate.result.records import Predictions, RunResult

DEFAULT_METRIC = "accuracy"
# fewer labelled rows of a classifier are given without a test, and judge neither decay
# nor concept drift (2 labels, 1 right, were once a significant drop at p = 0.001, from a
# bootstrap of counts that never varied an empty cell; the permutation test now in its
# place holds its level on any number of rows, a regression's from 2)
MIN_LABELLED = 30


@dataclass(frozen=True, kw_only=True)
class Monitored:
    stage: str
    version: str
    data: str  # the production file, as named
    rows: int
    labelled: int  # production rows whose label the file already holds
    drift: DriftResult | None  # None: the version kept no profile of its training data
    estimates: tuple[Estimate, ...] = ()  # classifiers: each label metric the run computed
    actual: Mapping[str, float | None]  # the same metrics on the labelled rows
    registered: Mapping[str, float | None] = field(default_factory=dict)  # the run's own
    # the labelled rows' figure against the run's, unpaired (compare/unpaired.py)
    changes: Mapping[str, Significance] = field(default_factory=dict)
    decay: tuple[str, ...] = ()  # figures past monitor.max_drop below the run's own
    said: tuple[str, ...] = ()  # what could not be measured, and why
    unscorable: str = ""  # why the model could not score the rows: an alarm, drift kept

    @property
    def drifted(self) -> bool:
        return self.drift is not None and self.drift.drifted

    @property
    def reliable(self) -> bool:
        return all(e.reliable for e in self.estimates)

    @property
    def measured(self) -> bool:
        """Whether the run can say the data is steady: a column was tested for drift, or
        figures computed on labelled rows; an alarm is measured too. A batch too small for
        either (an estimate alone is no word on drift) is no evidence that nothing moved:
        it was "steady" with a ✅, and a 1-row export closed a lasting drift's alarm, whose
        return started another retraining."""
        tested = self.drift is not None and bool(self.drift.tested_columns)
        figures = any(v is not None for v in self.actual.values())
        # a version that kept no profile has its estimates alone to go by
        estimated = self.drift is None and bool(self.estimates)
        return tested or figures or estimated or self.attention

    def heading(self) -> dict[str, Any]:
        """What the run was, as the JSON output and the history both begin."""
        return {
            "stage": self.stage,
            "version": self.version,
            "data": self.data,
            "rows": self.rows,
            "labelled": self.labelled,
            "drifted": self.drifted,
            "measured": self.measured,
            "unscorable": self.unscorable,
        }

    @property
    def attention(self) -> bool:
        """The alarm a scheduled run fails and acts on: the data drifted, an estimate is in
        doubt, the performance decayed, or the model could not score the rows."""
        return self.drifted or not self.reliable or bool(self.decay) or bool(self.unscorable)


@dataclass(frozen=True, kw_only=True)
class Named:
    """The production data as named (a path or a URL), and who named it."""

    name: str
    path: Path  # the path it stands for, when it is not a URL
    by: str  # "--data", or "mlops.yaml line 30 (monitor.data)"
    in_manifest: bool = False  # named by the manifest: relative to its folder


def production_data(manifest: Manifest, given: str | None) -> Named:
    """`--data` (relative to where the command started), else `monitor.data` (to the
    manifest's folder)."""
    if given is not None:
        return Named(name=given, path=Path(given), by="--data")
    if manifest.monitor.data is not None:
        named = manifest.monitor.data
        return Named(
            name=named,
            path=manifest.resolve(named),
            by=manifest.cited("monitor.data"),
            in_manifest=True,
        )
    raise UserError(
        "no production data named",
        hint="pass --data FILE, or set monitor.data in the manifest (docs/monitor.md)",
    )


def prepared(manifest: Manifest, env: Mapping[str, str] | None = None) -> None:
    """monitor.prepare run, if the manifest has one: it writes monitor.data."""
    from mlgate import commands

    if manifest.monitor.prepare is not None:
        commands.required(
            manifest,
            manifest.monitor.prepare,
            "monitor.prepare",
            hint="it should write the production data monitor.data names",
            base_env=env,
        )


def watch(
    manifest: Manifest,
    where: Where,
    given: str | None,
    *,
    stage: str,
    labels: str | None = None,
    env: Mapping[str, str] | None = None,
    show: Callable[[Path], str] | None = None,
) -> Monitored:
    """The production data `--data` names (`given`), else monitor.data after monitor.prepare
    wrote it; the labels `--labels` names, else monitor.labels; a URL copied to a temporary
    file first. `show` names a path in messages (by default as it was named)."""
    named = production_data(manifest, given)
    if given is None:  # --data names rows that exist: nothing to prepare
        prepared(manifest, env)
    joined = _labels_named(manifest, labels)
    with tempfile.TemporaryDirectory(prefix="mlgate-monitor-") as scratch:
        path, name = _local(named, Path(scratch) / "data", show)
        found = None if joined is None else _local(joined, Path(scratch) / "labels", show)
        return monitor(manifest, where, path, stage=stage, shown=name, labels=found)


def _labels_named(manifest: Manifest, given: str | None) -> Named | None:
    if given is not None:
        return Named(name=given, path=Path(given), by="--labels")
    if manifest.monitor.labels is not None:
        named = manifest.monitor.labels
        return Named(
            name=named,
            path=manifest.resolve(named),
            by=manifest.cited("monitor.labels"),
            in_manifest=True,
        )
    return None


def _local(named: Named, scratch: Path, show: Callable[[Path], str] | None) -> tuple[Path, str]:
    """The file `named` stands for, and its name for messages: a URL fetched into scratch."""
    from mlgate.data import remote

    if remote.is_url(named.name):
        scratch.mkdir(parents=True, exist_ok=True)
        return remote.fetched(named.name, scratch), named.name
    url_path = _file_url(named)
    path = url_path or named.path
    name = named.name if url_path or not show else show(named.path)
    if not path.exists():
        close = None if url_path else files.nearby(path)
        meant = f"; did you mean '{Path(name).parent / close.name}'?" if close else ""
        raise UserError(
            f"{named.by}: '{name}' does not exist{meant}",
            hint=f"the URL names the path {path}"
            if url_path
            else f"name it relative to the manifest's folder ({path.parent.resolve()} "
            "was looked in)"
            if named.in_manifest
            else "name the file from where you run mlgate",
        )
    if not path.is_file():
        raise UserError(f"{named.by}: '{name}' is not a file", hint="name a file, not a folder")
    return path, name


def _file_url(named: Named) -> Path | None:
    """The path a file:// URL names (`file:///data/today.csv`); None for anything else.
    Taken as a path, it was 'file:/data/today.csv', which "does not exist"."""
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    if not named.name.lower().startswith("file://"):
        return None
    parsed = urlparse(named.name)
    if parsed.netloc not in ("", "localhost"):
        raise UserError(
            f"{named.by}: '{named.name}' names a file on the host '{parsed.netloc}'",
            hint="a file:// URL names a file on this machine (file:///path/to/file): give "
            "its path, or a URL another protocol reads (s3://, https://)",
        )
    return Path(url2pathname(parsed.path))


def monitor(
    manifest: Manifest,
    where: Where,
    data: Path,
    *,
    stage: str,
    shown: str,
    labels: tuple[Path, str] | None = None,
) -> Monitored:
    """`data` (named `shown`) against the version `stage` holds: rows (CSV, Parquet, JSON
    Lines), or a profile of them (`mlgate profile`, `.json`), which gives drift only.
    `labels`: a file of labels that arrived since (and its name), joined by data.id."""
    from mlgate.data import load, profile
    from mlgate.model import loading
    from mlgate.registry import operations
    from mlgate.result import runs

    if manifest.environments:  # a stage no environment is: a typo, not an empty one
        operations.declared_environment(manifest, stage)
    current = where.read()
    held = current.current(stage)
    if held is None:
        raise UserError(
            f"registry stage {stage} holds no version of {manifest.name} yet",
            hint="monitoring watches a promoted version: register and promote one first",
        )
    version = current.version(held.version)
    if version is None or version.problem or not version.record:
        why = (
            "its version record is missing"
            if version is None
            else version.problem
            or f"tag {version.tag} has no mlgate record (registered with gto): no run or "
            "model to monitor with"
        )
        raise UserError(
            f"{held.version}, which {stage} holds, cannot be read: {why}",
            hint=f"git show {version.tag} shows it" if version is not None else None,
        )
    try:
        stored = where.store.get(version.record["run"]["sha256"])
    except UserError as exc:
        raise UserError(
            f"{held.version}'s run cannot be read: {exc.message}",
            hint="a store in this checkout (the default, .mlgate/registry) is empty on a "
            "fresh runner: a scheduled job needs registry.artifacts to name one it can reach "
            "(s3://..., github-release:...; docs/registry.md)",
        ) from exc
    try:
        run = runs.read(stored)
    except UserError as exc:  # there, but not readable here (a newer mlgate's, say)
        raise UserError(
            f"{held.version}'s run cannot be read: {exc.message}", hint=exc.hint
        ) from exc
    from mlgate.registry import lineage

    if edited := lineage.unlike(version.record, run):  # before the model it names is loaded
        raise UserError(
            f"{held.version}, which {stage} holds, is not monitored: {edited}",
            hint=lineage.edited(version.tag),
        )
    if profile.is_profile(data.name):
        frame, made = None, profile.read_file(data, shown)
        rows = made.rows
    elif data.stat().st_size == 0:  # JSON Lines of no rows, or a CSV without its header
        frame, made, rows = None, None, 0
    else:
        frame = load.read(data, load.detect_format(data, manifest.data.format))
        made = profile.of_frame(frame, source=shown, exact=True)
        rows = frame.height
    if rows == 0 or made is None:
        return _no_rows(manifest, held.version, stage, shown, labels, empty=made is None)
    target = manifest.data.target
    said: list[str] = []
    reference = operations.data_profile(where, version, "train")
    found_drift = None
    if reference is None:
        said.append(f"{held.version} kept no profile of its training data: drift not measured")
    else:
        from mlgate.data import drift

        # an id differs by design; the target holds the labels that arrived so far, which
        # is no distribution of production's: a file labelled in part "drifted" on it
        exclude = (*((manifest.data.id,) if manifest.data.id else ()), target)
        if frame is None:  # no rows for the model to refuse: the profile is judged here
            _features_kept(manifest, reference, made, shown, exclude=exclude)
        found_drift = drift.compare(
            reference,
            made,
            manifest.data.drift or Drift(),
            reference_name=f"{held.version}'s training data",
            current_name=shown,
            exclude=exclude,
        )
    performance, unscorable = Performance(), ""
    if frame is None:
        said.append("a profile holds no rows to score: only drift is measured")
        if labels is not None:
            said.append(f"{labels[1]} was not read: a profile holds no rows to join labels to")
    else:
        recorded = version.record["model"]  # loaded only by the sha256 its version holds
        try:
            model = loading.for_manifest(
                manifest,
                where.store.get(recorded["sha256"]),
                suffix=Path(recorded["file"]).suffix,
                shown=recorded["file"],  # the store's object is named by its sha256 alone
                trained_here=False,
            )
        except loading.ModelLoadError as exc:  # the project's own module, one not installed
            raise UserError(
                f"{held.version}, which {stage} holds, is not monitored: {exc}"
            ) from exc
        table = load.as_pandas(frame)
        if labels is not None:
            table = monitor_labels.with_labels(manifest, table, *labels, said, rows_from=shown)
        named = labels[1] if labels is not None else shown  # where the labels came from
        try:
            performance = _performance(manifest, run, model, table, said, shown, named)
        except Unscorable as exc:  # production broke the model: the alarm, with its drift
            unscorable = exc.message
    estimates = performance.estimates
    measured = dict.fromkeys([*(e.metric for e in estimates), *performance.actual])
    # the labelled too; a metric the run did not list (accuracy, estimated when it listed
    # only roc_auc) from its kept predictions: left None, it never decayed
    registered = {
        m: run.evaluate.metrics[m] if m in run.evaluate.metrics else performance.tested.get(m)
        for m in measured
    }
    max_drop = manifest.monitor.max_drop
    return Monitored(
        stage=stage,
        version=held.version,
        data=shown,
        rows=rows,
        labelled=performance.labelled,
        drift=found_drift,
        estimates=estimates,
        actual=performance.actual,
        registered=registered,
        changes=performance.changes,
        decay=decayed(estimates, registered, max_drop, held.version)
        + fell(performance, registered, max_drop, held.version),
        said=tuple(said),
        unscorable=unscorable,
    )


def _no_rows(
    manifest: Manifest,
    version: str,
    stage: str,
    shown: str,
    labels: tuple[Path, str] | None,
    *,
    empty: bool,
) -> Monitored:
    """A batch of no rows: measured nothing, as a batch too small to test any column, so
    not measured (⚠️, exit 0, recorded), not an error. It was exit 2 with no word of what to
    do, and nothing recorded: a quiet day's export failed the scheduled job, while one of
    5 rows passed it as "not measured"."""
    what = "is an empty file" if empty else "has no rows (a header alone)"
    fix = "monitor.prepare, which writes it" if manifest.monitor.prepare else "the export"
    said = [
        f"{shown} {what}: nothing to test for drift or to score. A day without traffic "
        f"exports none; if rows were due, look at {fix}"
    ]
    if labels is not None:
        said.append(f"{labels[1]} was not read: there are no production rows to join it to")
    return Monitored(
        stage=stage,
        version=version,
        data=shown,
        rows=0,
        labelled=0,
        drift=None,
        actual={},
        said=tuple(said),
    )


@dataclass(frozen=True)
class Performance:
    """A classifier's figures on the production rows: estimated, and where labels are."""

    estimates: tuple[Estimate, ...] = ()
    actual: Mapping[str, float | None] = field(default_factory=dict)
    labelled: int = 0
    changes: Mapping[str, Significance] = field(default_factory=dict)
    # the version's figures its run did not list, from its kept test predictions
    tested: Mapping[str, float | None] = field(default_factory=dict)


def decayed(
    estimates: tuple[Estimate, ...],
    registered: Mapping[str, float | None],
    max_drop: float | None,
    version: str,
) -> tuple[str, ...]:
    """Each estimate worse than the version's own test figure by max_drop or more, with its
    whole interval worse than that figure: a drop the estimate's own noise cannot explain,
    and one big enough to matter."""
    from mlgate.manifest.metrics import METRICS

    if max_drop is None:
        return ()
    found = []
    for e in estimates:
        before = registered.get(e.metric)
        if before is None or not e.reliable:  # one in doubt is an alarm of its own
            continue
        up = METRICS[e.metric].greater_is_better
        drop = before - e.value if up else e.value - before
        outside = e.high < before if up else e.low > before
        if drop >= max_drop and outside:
            found.append(
                f"{e.metric} estimated {_figure(e.value)} "
                f"({words.confidence(e.confidence)} interval "
                f"{_figure(e.low)} to {_figure(e.high)}), {_figure(drop)} "
                f"{'below' if up else 'above'} {version}'s {_figure(before)} on its test "
                f"rows (monitor.max_drop {written(max_drop)})"
            )
    return tuple(found)


def fell(
    performance: Performance,
    registered: Mapping[str, float | None],
    max_drop: float | None,
    version: str,
) -> tuple[str, ...]:
    """Each figure on the labelled rows worse than the version's own by max_drop or more,
    and significantly so (the change's interval wholly on the worse side)."""
    from mlgate.manifest.metrics import METRICS

    if max_drop is None:
        return ()
    found = []
    for metric, change in performance.changes.items():
        before, now = registered.get(metric), performance.actual.get(metric)
        if before is None or now is None:
            continue
        up = METRICS[metric].greater_is_better
        drop = -change.delta if up else change.delta
        worse = change.ci_high < 0 if up else change.ci_low > 0
        if drop >= max_drop and worse:
            found.append(
                f"{metric} on the {words.count(performance.labelled, 'labelled row')} "
                f"{_figure(now)}, {_figure(drop)} {'below' if up else 'above'} {version}'s "
                f"{_figure(before)} on its test rows "
                f"({words.confidence(change.confidence)} interval of "
                f"the change {_figure(change.ci_low)} to {_figure(change.ci_high)}, "
                f"p {words.p_is(change.p_value, bounds.alpha(change.confidence))}; "
                f"monitor.max_drop {written(max_drop)})"
            )
    return tuple(found)


def _figure(value: float) -> str:
    from mlgate.report import numbers

    return numbers.value(value)


def _performance(
    manifest: Manifest,
    run: RunResult,
    model: object,
    table: pd.DataFrame,
    said: list[str],
    shown: str,
    labels_from: str,
) -> Performance:
    """The label-free estimates of a classifier, and the metrics of the labelled rows
    against the version's own on its test rows."""
    import numpy as np

    from mlgate.compare import paired, unpaired
    from mlgate.model import counts, estimate
    from mlgate.result import arrays

    kept = run.evaluate.predictions
    if kept is None:
        said.append("the version's run kept no predictions: only drift is measured")
        return Performance()
    # every row scored, labelled or not: a column or a value the model cannot take is the
    # data's error (exit 2); unscored, a regression's file lacking one passed
    given = _production_input(manifest, run, model, table, shown)
    train = next((d for d in run.data.datasets if d.role == "train"), None)
    trained = dict(train.columns) if train is not None else {}
    decided = _scored(lambda: model.predict(given), shown, given, trained)  # type: ignore[attr-defined]
    if run.evaluate.task != "classification" or not kept.classes:
        rows, values = _targets(table, manifest.data.target, labels_from)
        scored = decided.astype(np.float64)
        return _regression(run.evaluate.metrics, kept, scored[rows], values, said)
    classes = list(kept.classes)
    probabilities = kept.scores is not None and callable(getattr(model, "predict_proba", None))
    predicted = _indices(decided, classes)
    scores = (
        _scored(lambda: model.predict_proba(given), shown, given, trained).astype(np.float64)  # type: ignore[attr-defined]
        if probabilities
        else None
    )
    rows, truth = _labelled(
        table,
        manifest.data.target,
        classes,
        labels_from,
        id_column=manifest.data.id,
        rows_from=shown,
    )
    positive = run.evaluate.positive_index
    metrics = [m for m in run.evaluate.metrics if m in counts.LABEL_METRICS] or [DEFAULT_METRIC]
    reference_y = arrays.decode(kept.y_true).astype(np.int64)
    before = counts.confusion(
        reference_y, arrays.decode(kept.y_pred).astype(np.int64), len(classes)
    )
    tested = _tested(metrics, run.evaluate.metrics, before, positive)
    estimates: tuple[Estimate, ...] = ()
    if scores is None or kept.scores is None:  # the labelled rows are still scored
        said.append("the model gives no probabilities: its performance is not estimated")
    elif len(reference_y) < estimate.MIN_REFERENCE_ROWS:  # so on every run: said, no alarm
        said.append(
            "performance not estimated without labels: the version was tested on "
            f"{words.count(len(reference_y), 'row')}, and calibrating the estimate takes at "
            f"least {estimate.MIN_REFERENCE_ROWS:,} (a larger test split gives them)"
        )
    else:
        estimates, undefined = estimate.estimates(
            metrics,
            reference_scores=arrays.decode(kept.scores),
            reference_y=reference_y,
            scores=scores,
            predicted=predicted,
            positive_index=positive,
            # fewer labels judge no concept drift, as they judge no decay
            labelled=(rows, truth) if len(rows) >= MIN_LABELLED else None,
            reference_predicted=arrays.decode(kept.y_pred).astype(np.int64),
            names=[str(c) for c in classes],
        )
        said.extend(undefined)
    if not len(rows):
        return Performance(estimates=tuple(estimates), tested=tested)
    actual: dict[str, float | None] = {}
    changes: dict[str, Significance] = {}
    now = counts.confusion(truth, predicted[rows], len(classes))
    testable = len(rows) >= MIN_LABELLED
    if not testable:
        said.append(
            f"the {words.count(len(rows), 'labelled row')} {'is' if len(rows) == 1 else 'are'} "
            "too few to test against the "
            f"version's figures (at least {MIN_LABELLED}): their figures are given, and no "
            "decay nor concept drift is judged from them"
        )
    for metric in metrics:
        value = float(counts.label_metric(metric, now, positive_index=positive))
        if counts.no_figure(metric, now, positive_index=positive):  # 0/0, not 0
            said.append(
                f"{metric} is undefined on the labelled rows: {counts.why_no_figure(metric)}"
            )
            value = float("nan")
        actual[metric] = value if np.isfinite(value) else None
        if not testable or actual[metric] is None:  # said once: no test of no figure
            continue
        try:
            test = unpaired.label_change(metric, before, now, positive_index=positive)
        except ValueError as exc:  # undefined on every resample, a figure that never varies
            said.append(f"{metric} is given without a test: {exc}")
            continue
        if np.isfinite(test.delta):
            changes[metric] = paired.recorded(test)
    of_scores = [m for m in run.evaluate.metrics if m not in counts.LABEL_METRICS]
    if of_scores and scores is not None and kept.scores is not None:
        found, tests = _score_figures(
            of_scores,
            (reference_y, arrays.decode(kept.scores)),
            (truth, scores[rows], predicted[rows]),
            (len(classes), positive),
            said,
            testable=testable,
        )
        actual.update(found)
        changes.update(tests)
    elif of_scores:
        said.append(_unscored(of_scores, model))
    return Performance(
        estimates=tuple(estimates),
        actual=actual,
        labelled=len(rows),
        changes=changes,
        tested=tested,
    )


def _tested(
    metrics: Sequence[str],
    listed: Mapping[str, float | None],
    before: np.ndarray,
    positive: int,
) -> dict[str, float | None]:
    """The version's figure on its test rows for each label metric its run did not list,
    from the confusion table of its kept predictions (`before`); None where undefined."""
    from mlgate.model import counts

    found: dict[str, float | None] = {}
    for metric in metrics:
        if metric in listed:
            continue
        value = float(counts.label_metric(metric, before, positive_index=positive))
        found[metric] = None if counts.no_figure(metric, before, positive) else value
    return found


def _score_figures(
    metrics: Sequence[str],
    reference: tuple[np.ndarray, np.ndarray],
    labelled: tuple[np.ndarray, np.ndarray, np.ndarray],
    classes: tuple[int, int],
    said: list[str],
    *,
    testable: bool,
) -> tuple[dict[str, float | None], dict[str, Significance]]:
    """Each score metric the run computed (the ROC area, log loss, ...) on the labelled
    rows (their class indices, probabilities and predictions), and, `testable`, its change
    from the version's on its test rows (`reference`: their classes and kept
    probabilities), unpaired. `classes`: how many, and the positive one's index. They were
    left out without a word: a model gated on roc_auc was monitored on accuracy alone."""
    import numpy as np

    from mlgate.compare import paired, unpaired_scores
    from mlgate.model import metrics as metric_table

    n_classes, positive = classes
    truth, scores, predicted = labelled
    found: dict[str, float | None] = {}
    changes: dict[str, Significance] = {}
    for metric in metrics:
        try:
            value = metric_table.compute(
                metric,
                truth,
                predicted,
                scores,
                classes=list(range(n_classes)),
                positive_index=positive,
            )
        except ValueError as exc:
            said.append(f"{metric} is undefined on the labelled rows: {exc}")
            found[metric] = None
            continue
        found[metric] = value if math.isfinite(value) else None
        if found[metric] is None or not testable:
            continue
        try:
            test = unpaired_scores.score_change(
                metric, reference, (truth, scores), n_classes=n_classes, positive_index=positive
            )
        except ValueError as exc:
            said.append(f"{metric} is given without a test: {exc}")
            continue
        if np.isfinite(test.delta):
            changes[metric] = paired.recorded(test)
    return found, changes


def _unscored(metrics: Sequence[str], model: object) -> str:
    """Why the score metrics the run computed are not measured on the labelled rows."""
    why = "the model gives no probabilities"
    if callable(getattr(model, "predict_proba", None)):
        why = "the version's run kept no probabilities to test them against"
    return (
        f"{', '.join(metrics)} {'is' if len(metrics) == 1 else 'are'} not measured on the "
        f"labelled rows: {why}"
    )


def _regression(
    computed: Mapping[str, float | None],
    kept: Predictions,
    predicted: np.ndarray,
    truth: np.ndarray,
    said: list[str],
) -> Performance:
    """A regression model's error is not estimated without labels; where they arrived (the
    rows `predicted` and `truth` are of), each error metric its run `computed`, against the
    version's own on its test rows, unpaired."""
    import numpy as np

    from mlgate.compare import paired, unpaired
    from mlgate.manifest.metrics import DEFAULT_METRICS, METRICS
    from mlgate.model import metrics
    from mlgate.result import arrays

    if not len(truth):
        said.append(
            "a regression model's error is not estimated without labels: only drift is "
            "measured until they arrive"
        )
        return Performance()
    names = [m for m in computed if m in METRICS and METRICS[m].task == "regression"]
    actual, why = metrics.compute_each(
        names or DEFAULT_METRICS["regression"], truth, predicted, None
    )
    said.extend(f"{metric} on the labelled rows: {reason}" for metric, reason in why.items())
    before = (
        arrays.decode(kept.y_true).astype(np.float64),
        arrays.decode(kept.y_pred).astype(np.float64),
    )
    changes: dict[str, Significance] = {}
    for metric, value in actual.items():
        if value is None:
            continue
        try:
            test = unpaired.value_change(metric, before, (truth, predicted))
        except ValueError as exc:  # no closed form (median_ae, max_error), or no spread
            said.append(f"{metric} is given without a test: {exc}")
            continue
        if np.isfinite(test.delta):
            changes[metric] = paired.recorded(test)
    return Performance(actual=actual, labelled=len(truth), changes=changes)


def _targets(table: pd.DataFrame, target: str, labels_from: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose target value is in the file, and those values; one that is not a
    number is refused, named (its row left out would bias the rest's figures)."""
    import numpy as np
    import pandas as pd

    if target not in table.columns:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64)
    column = table[target]
    present = column.notna().to_numpy()
    values = pd.to_numeric(column, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    strange = present & ~np.isfinite(values)
    if strange.any():
        shown = ", ".join(repr(v) for v in column[strange].astype(str).unique()[:3].tolist())
        raise UserError(
            f"{labels_from}: {words.of(int(strange.sum()), int(present.sum()), 'target value')} "
            f"{'is not a number' if strange.sum() == 1 else 'are not numbers'} ({shown}): "
            "the version is a regression",
            hint="write the target values as the training data did",
        )
    rows = np.flatnonzero(present)
    return rows.astype(np.int64), values[rows]


class Unscorable(UserError):
    """The model refused the production rows: a value or an empty cell it cannot take."""


def _scored(
    score: Callable[[], object],
    shown: str,
    given: pd.DataFrame,
    trained: Mapping[str, str],
) -> np.ndarray:
    """What the model gave for the production rows (`given`); a value it cannot take is the
    data's fault, said as such, with the column and row where the model quotes it, the
    empty cells a model that takes none (NaN) met, or the columns whose kind differs from
    the training file's (`trained`: its columns' types as the run recorded them; a
    category exported as codes met "ufunc 'isnan' not supported", naming nothing)."""
    import re

    import numpy as np

    try:
        return np.asarray(score())
    except (ValueError, TypeError) as exc:
        said = str(exc).strip()
        first = said.splitlines()[0] if said else type(exc).__name__
        quoted = re.search(r"could not convert string to float: '(.*)'$", said, re.M)
        if quoted and quoted.group(0) not in first:  # "... non-numeric data:" and then it
            first = f"{first.rstrip(':')}: {quoted.group(0)}"
        where = _located(given, quoted.group(1)) if quoted else ""
        if not where and "NaN" in first:
            where = _empty(given)
        if not where:
            where = _kinds_apart(given, trained)
        raise Unscorable(  # a 70,000-character cell was quoted whole, into the alarm too
            f"{shown}: the model cannot score these rows: {words.clip(first, 300)}{where}",
            hint="the production rows must hold what the training data held, as it held it",
        ) from exc


def _kinds_apart(frame: pd.DataFrame, trained: Mapping[str, str]) -> str:
    """The columns that hold numbers where the training file held text, or text where it
    held numbers: " (column 'clinic' holds numbers where the training data held text)"."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    apart = []
    for column in frame.columns:
        was = trained.get(str(column))
        if was is None:
            continue
        text_then = was.startswith(("String", "Utf8", "Categorical", "Enum"))
        numbers_now = is_numeric_dtype(frame[column]) and not is_bool_dtype(frame[column])
        if text_then and numbers_now:
            held = "numbers where the training data held text"
        elif not text_then and was != "Boolean" and frame[column].dtype == object:
            held = "text where the training data held numbers"
        else:
            continue
        apart.append(f"'{words.clip(str(column), 80)}' holds {held}")
    if not apart:
        return ""
    return f" (column {words.first(apart[:3], len(apart), sep='; column ')})"


def _empty(frame: pd.DataFrame) -> str:
    """The columns with empty cells, each with how many and its first row (from 1)."""
    empty = frame.isna()
    named = []
    for column in frame.columns:
        cells = empty[column].to_numpy()
        if cells.any():
            named.append(f"'{column}' {int(cells.sum()):,} (first row {int(cells.argmax()) + 1})")
    if not named:
        return ""
    return f" (empty cells: {words.first(named[:5], len(named))})"


def _located(frame: pd.DataFrame, value: str) -> str:
    """Where a value the model quoted stands: " (column 'width', row 4)", counting from 1
    under the header; "" when it is not found as it was quoted."""
    for column in frame.columns:
        held = frame[column].astype(str) == value
        if held.any():
            row = int(held.to_numpy().argmax()) + 1
            return f" (column '{words.clip(str(column), 80)}', row {row})"
    return ""


def _indices(labels: np.ndarray, classes: list[object]) -> np.ndarray:
    """Predicted labels as indices into the classes the version's run knew."""
    import numpy as np

    index = {monitor_labels.key_of(c): i for i, c in enumerate(classes)}
    found = np.array(
        [index.get(monitor_labels.key_of(v), -1) for v in labels.tolist()], dtype=np.int64
    )
    if (found < 0).any():
        unknown = sorted({str(v) for v, i in zip(labels.tolist(), found, strict=True) if i < 0})
        raise UserError(
            f"the model predicted {words.clip(', '.join(unknown), 80)}, which its registered "
            "run never saw as a class"
        )
    return found


def _labelled(
    table: pd.DataFrame,
    target: str,
    classes: list[object],
    labels_from: str,
    *,
    id_column: str | None = None,
    rows_from: str = "the rows",
) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose label is in the file, and their class indices. A label the version
    never saw is refused, named, with the first row that holds one (by its data.id, else
    its place among the rows) and the version's classes (the first ten, and how many
    more: five of ten, unmarked, read as all there were): leaving its rows out made the
    rest's figures a biased part of the data (accuracy on the malignant rows alone, said
    to be the real one)."""
    import numpy as np

    if target not in table.columns:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    index = {monitor_labels.key_of(c): i for i, c in enumerate(classes)}
    present = table[target].notna().to_numpy()
    keys = [monitor_labels.key_of(v) for v in table[target].tolist()]
    rows = [row for row, key in enumerate(keys) if present[row]]
    strange = [keys[r] for r in rows if keys[r] not in index]
    if strange:
        kinds = sorted(set(strange))
        named = words.first([repr(k) for k in kinds[:3]], len(kinds))
        known = words.first([repr(monitor_labels.key_of(c)) for c in classes[:10]], len(classes))
        first = next(r for r in rows if keys[r] not in index)
        where = _first_row(table, first, id_column, rows_from)
        raise UserError(
            f"{labels_from}: {words.count(len(strange), 'label')} of {len(rows):,} "
            f"{'is' if len(strange) == 1 else 'are'} not "
            f"among the version's classes ({named}, first {where}; the version's "
            f"{words.count(len(classes), 'class')}: {known}): labels the version never saw "
            "would leave their rows out, and the figures of the rest would be a biased part "
            "of the data",
            hint="write the labels as the training data did",
        )
    return np.array(rows, dtype=np.int64), np.array([index[keys[r]] for r in rows], np.int64)


def _first_row(table: pd.DataFrame, row: int, id_column: str | None, rows_from: str) -> str:
    """The row at place `row` (from 0), as a reader finds it: by its id (data.id), else
    by its place among the rows (from 1)."""
    import pandas as pd

    if id_column is not None and id_column in table.columns:
        value = table[id_column].iloc[row]
        if not pd.isna(value) and monitor_labels.key_of(value):
            shown = words.clip(monitor_labels.key_of(value), 80)
            return f"at {words.clip(id_column, 80)} {shown!r}"
    return f"on row {row + 1:,} of {rows_from}"


def _features_kept(
    manifest: Manifest, reference: Profile, made: Profile, shown: str, *, exclude: Sequence[str]
) -> None:
    """A profile of production rows that lacks a feature the training data had, or holds
    it as another kind (numbers become text), is refused as rows would be: compared
    column by column, such a feature was "not tested", and 0 of 28 columns drifted."""
    from mlgate.data.profile import kind

    wanted = manifest.data.features or [c for c in reference.columns if c not in exclude]
    lacking = [c for c in wanted if c in reference.columns and c not in made.columns]
    if lacking:
        raise _lacks(shown, lacking, "feature", "the training data had", "profile")
    for name in wanted:
        if name in reference.columns and name in made.columns:
            was, now = kind(reference.columns[name]), kind(made.columns[name])
            if None not in (was, now) and was != now:
                raise UserError(
                    f"{shown}: '{name}' holds {HELD[str(now)]} where the training data held "
                    f"{HELD[str(was)]}",
                    hint="export each feature as the training data held it",
                )


HELD = {  # what a column holds, as profile.kind names it
    "numeric": "numbers",
    "categorical": "text",
    "datetime": "dates and times",
    "duration": "durations",
    "time of day": "times of day",
}


def _production_input(
    manifest: Manifest, run: RunResult, model: object, table: pd.DataFrame, shown: str
) -> pd.DataFrame:
    """The production rows as the model takes them: by the names it was fitted on, or, a
    model that names none, the training file's features in the training file's order. An
    export's extra columns are no error, a missing one is said in the data's terms. The
    export's own order was handed to a nameless model: a reordered export was scored on
    swapped features ("decayed", "concept drift", and no column drifted)."""
    names = getattr(model, "feature_names_in_", None)
    fitted = [str(n) for n in names] if names is not None else _trained_on(manifest, run)
    if fitted is None:  # a run that recorded no training file: the export as it comes
        from mlgate.model import evaluate

        try:
            return evaluate.model_input(manifest, model, table)
        except evaluate.EvaluationError as exc:
            raise UserError(f"{shown}: {exc}") from exc
    lacking = [c for c in fitted if c not in table.columns]
    if lacking:
        raise _lacks(shown, lacking, "column", "the model was fitted on", "export")
    return table[fitted]


def _trained_on(manifest: Manifest, run: RunResult) -> list[str] | None:
    """The features of the version's training file, in its order."""
    train = next((d for d in run.data.datasets if d.role == "train"), None)
    if train is None or not train.columns:
        return None
    if manifest.data.features is not None:
        return list(manifest.data.features)
    return [c for c in train.columns if c not in (manifest.data.target, manifest.data.id)]


def _lacks(shown: str, lacking: Sequence[str], noun: str, whose: str, fix: str) -> UserError:
    """What production data lacks, a few named."""
    return UserError(
        f"{shown} lacks {words.count(len(lacking), noun)} {whose}: "
        + words.first([repr(c) for c in lacking[:5]], len(lacking)),
        hint=f"{fix} every feature the training data had",
    )
