"""The winner gated as any candidate is, on the rows that did not choose it.

Its run is cut to the held-out test rows (predictions kept for them alone, every metric
computed again there), compared with the baseline on those rows, and decided; then
saved as a run of the project of its own, carrying the sweep it won. So the report, the
pull-request comment and the check are the ones every run gets, and no figure in them
is one the winner was chosen by. The configuration's own run is left as it was.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlgate import words
from mlgate.result.records import (
    EvaluateStage,
    Predictions,
    RowValues,
    RunResult,
    SweepRecord,
    TrainStage,
    noted,
)
from mlgate.sweep import copies, ranking
from mlgate.sweep.local import Finished

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest
    from mlgate.pipeline.observer import Observer


@dataclass(frozen=True, kw_only=True)
class Decided:
    """A sweep's outcome: its ranking, what the winner's run keeps of it, and that run."""

    ranking: ranking.Ranking
    record: SweepRecord
    gated: RunResult | None  # the winner's held-out run (None: no winner)
    complete: bool  # every configuration has a run to rank

    @property
    def passed(self) -> bool:
        return self.complete and self.gated is not None and self.gated.passed


def decide(
    manifest: Manifest,
    finished: Sequence[Finished],
    root: Path,
    *,
    observer: Observer | None = None,
    env: Mapping[str, str] | None = None,
    uploaded: bool = False,
) -> Decided:
    """The configurations ranked by the sweep's metric, and the winner gated (`root`: where
    their runs are; `uploaded`: they are a matrix's uploads, which `sweep collect` read)."""
    metric = ranking.metric_for(manifest, finished)
    holdout = manifest.sweep.holdout
    eligible = passes_where_chosen(manifest, holdout)
    ranked = ranking.rank(root, finished, metric, holdout, eligible=eligible)
    return Decided(
        ranking=ranked,
        record=ranking.record(ranked),
        gated=gate(manifest, ranked, root, observer=observer, env=env, uploaded=uploaded),
        complete=all(f.ran for f in finished),
    )


def gate(
    manifest: Manifest,
    ranked: ranking.Ranking,
    root: Path,
    *,
    observer: Observer | None = None,
    env: Mapping[str, str] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    uploaded: bool = False,
) -> RunResult | None:
    """The winner's held-out run, compared and decided, saved under the project's runs
    (None: no winner). `root` is where the configurations' runs are (the project, or the
    folder a matrix's artifacts were downloaded to: `uploaded`, whose baseline is scored
    on the project's own files, never on files an upload put beside its run)."""
    from mlgate import pipeline
    from mlgate.result import runs

    win = ranked.winner
    if win is None:
        return None
    own = runs.read(root / win.finished.run)
    count = len(ranked.ranked)
    note = (
        f"the winner of a sweep of {words.count(count, 'configuration')} "
        f"({win.finished.configuration.id}: {win.finished.configuration.label()}), "
        f"measured and gated on the {words.count(ranked.rows[1], 'held-out test row')} "
        "alone, which played no part in choosing it"
    )
    if not win.eligible:  # the best of those that failed: its pass below is the held-out rows'
        note += (
            "; no configuration passed the model checks on the rows that ranked them, and "
            "this one, the best of those that failed there, passes or fails them on the "
            "held-out rows alone"
        )
    cut = replace(
        on_rows(manifest, own, ranked.holdout, held=True, also=ranked.metric),
        train=_model_where_it_is(own, root / win.finished.run, manifest.root),
        run_id=runs.new_run_id(now()),
        sweep=ranking.record(ranked),
        notes=noted((*own.notes, note)),
        compare=None,
    )
    scored = manifest if uploaded else _data_of_the_copy(manifest, root / Path(win.finished.run))
    return pipeline.recompare(scored, cut, observer=observer, env=env)


def _data_of_the_copy(manifest: Manifest, run: Path) -> Manifest:
    """The manifest with its data files in the winner's copy (`run` is COPY/.mlgate/runs/
    ID/run.json), where the configuration prepared them: the baseline is scored on the
    candidate's test rows, and the project's own files may be another preparation's (a
    `mlgate run` with other params left them; the gates then compared other rows). Only
    for the local pool's runs: a matrix's come without their copies, and files an upload
    put beside its run (a manifest, a test.csv of its choosing) chose the rows the baseline
    was scored on; the collect job scores it on the project's files, as it has them."""
    if len(run.parents) < 4:
        return manifest
    copy = run.parents[3]
    if not (copy / manifest.path.name).is_file():
        return manifest
    inside = Path(os.path.relpath(copy, manifest.root))
    if inside.parts[:1] == ("..",):
        return manifest
    data = replace(
        manifest.data,
        train=copies.in_copy(manifest.root, manifest.data.train, inside),
        test=copies.in_copy(manifest.root, manifest.data.test, inside),
    )
    return replace(manifest, data=data)


def _model_where_it_is(own: RunResult, run: Path, project: Path) -> TrainStage:
    """The training stage with its model named where it lies, from the project's folder
    as every path of a run is: in the configuration's copy (`run` is COPY/.mlgate/runs/
    ID/run.json; a matrix's, under the folder its artifacts were downloaded to), not at
    train.model in the project."""
    model = own.train.model
    if model is None or len(run.parents) < 4:
        return own.train
    where = os.path.relpath(run.parents[3] / model.path, project)
    return replace(own.train, model=replace(model, path=Path(where).as_posix()))


def passes_where_chosen(manifest: Manifest, holdout: float) -> ranking.Eligible:
    """Whether a configuration passes its checks judged on the rows its figure is taken on
    (the choosing rows every configuration shares) alone: a metric bound or fairness
    check decided on every test row let the held-out rows decide which configurations may
    win (three failed on the choosing rows and passed on all)."""
    from mlgate.report import verdict

    if not manifest.model_checks and not manifest.fairness_checks:  # none of the rows
        return lambda finished, _, __: finished.status == "passed"

    def passes(finished: Finished, ran: RunResult, rows: np.ndarray) -> bool:
        if finished.status != "passed" and finished.status != "failed":
            return False
        judged = on_rows(manifest, ran, holdout, held=False, rows=rows)
        return verdict.decide(judged)[0] == "passed"

    return passes


def on_rows(
    manifest: Manifest,
    result: RunResult,
    holdout: float,
    *,
    held: bool,
    also: str | None = None,
    rows: np.ndarray | None = None,
) -> RunResult:
    """The run as if it had been scored on the held-out rows alone (`held`), or on the
    rows that choose: its metrics (and `also`, the metric the sweep ranked by, when
    evaluate did not name it), and the model checks that are figures of the rows (metric
    bounds, fairness), decided again there. Figures of all the rows that cannot be
    recomputed from the predictions (each slice's, the metrics' intervals) are left out
    rather than shown for the wrong rows; the probes (robustness, importance, speed) and
    the users' own tests describe the model, and stay as they were. `rows`: which of the
    run's test rows to keep instead (the choosing rows all configurations share)."""
    from mlgate.pipeline import stages

    evaluated = result.evaluate
    kept = evaluated.predictions
    if kept is None:
        return result
    from mlgate.result import arrays

    keys = arrays.decode(kept.row_keys)
    if rows is None:
        chosen = ranking.chooses(keys, holdout)
        rows = ~chosen if held else chosen
    y_true, y_pred = arrays.decode(kept.y_true)[rows], arrays.decode(kept.y_pred)[rows]
    scores = arrays.decode(kept.scores)[rows] if kept.scores is not None else None
    cut = Predictions(
        rows=int(rows.sum()),
        row_keys=arrays.encode(keys[rows]),
        y_true=arrays.encode(y_true),
        y_pred=arrays.encode(y_pred),
        scores=None if scores is None else arrays.encode(scores),
        classes=kept.classes,
        columns={
            name: RowValues(
                values=arrays.encode(arrays.decode(column.values)[rows]), labels=column.labels
            )
            for name, column in kept.columns.items()
        },
    )
    names = [*evaluated.metrics, *([also] if also and also not in evaluated.metrics else [])]
    metrics, errors = metrics_on(evaluated, names, y_true, y_pred, scores)
    again = replace(
        evaluated,
        predictions=cut,
        metrics=metrics,
        metric_errors=errors,
        slices=(),
        intervals=(),
        message=stages.scored_said(metrics, errors, cut.rows),
    )
    kept_checks = tuple(c for c in result.model.checks if not c.id.startswith(stages.ROW_CHECKS))
    found = (*stages.on_the_rows(manifest, again), *kept_checks)
    model = replace(result.model, checks=found, status=stages.status_of(found))
    return replace(result, evaluate=again, model=model)


def metrics_on(
    evaluated: EvaluateStage,
    names: Sequence[str],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    scores: np.ndarray | None,
) -> tuple[dict[str, float | None], dict[str, str]]:
    """Each metric named, computed again on the rows given."""
    from mlgate.model.metrics import compute_each

    classes = evaluated.predictions.classes if evaluated.predictions else None
    return compute_each(
        names,
        y_true,
        y_pred,
        scores,
        classes=list(range(len(classes))) if classes else None,
        positive_index=evaluated.positive_index,
        labels=classes,
    )
