"""Which configuration wins, honestly.

The best of N on one test set is flattered: some of its lead is the luck of those rows
(the winner's curse), more so the more configurations were tried. So the test rows are
split by their row keys (the same split for every configuration, whatever order the file
is in): the configurations are ranked on one part, and the winner is then measured on
the other, which played no part in choosing it. That held-out figure is the one the
report leads with; the gap between the two is the flattery, measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlgate import words
from mlgate.manifest.metrics import DEFAULT_METRICS, METRICS, Task
from mlgate.manifest.spec import HOLDOUT_STEPS, Manifest
from mlgate.result.records import RunResult, SweepRecord, SweptConfiguration
from mlgate.sweep.local import Finished

SPLIT = HOLDOUT_STEPS  # row keys fall into this many buckets; `holdout` of them are held out
MIN_SHARED_ROWS = 30  # where configurations were tested on other rows: fewer shared, no ranking
MIN_CHOOSING_ROWS = 10  # on the same rows: fewer, and chance picks the best (holdout 0.99)


@dataclass(frozen=True, kw_only=True)
class Ranked:
    finished: Finished
    choosing: float | None  # the metric on the rows that rank (None: no run, or undefined)
    eligible: bool = False  # passed its checks judged on the rows that rank

    @property
    def passed_where_ranked(self) -> bool | None:
        """As run.json and --json keep it: None where there is no figure to judge by."""
        return self.eligible if self.choosing is not None else None


@dataclass(frozen=True, kw_only=True)
class Ranking:
    metric: str
    holdout: float
    ranked: tuple[Ranked, ...]  # best first; configurations without a figure last
    winner: Ranked | None
    held_out: float | None  # the winner's figure on the held-out rows
    rows: tuple[int, int]  # test rows that chose, and that were held out
    unranked: str = ""  # why there is no winner, when the figures could not choose one


# whether a configuration passed its checks, given its run (read once, by the ranking)
# and which of its test rows its figure is taken on
Eligible = Callable[[Finished, RunResult, np.ndarray], bool]


def rank(
    root: Path,
    finished: Sequence[Finished],
    metric: str,
    holdout: float,
    *,
    eligible: Eligible = lambda f, _, __: f.status == "passed",
) -> Ranking:
    """`finished` ranked by `metric` on the choosing rows; the winner measured on the rest.
    Where a swept value changes the test rows (a split's size or seed), the figures are
    taken on the choosing rows every configuration was tested on: figures on different
    rows do not rank. `eligible`: whether a configuration passed its checks, judged on
    the rows its figure is taken on (gating.passes_where_chosen): judged on its own
    choosing rows, 0.9572 "passed" under `min: 0.96` and 0.9754 "failed"."""
    better = METRICS[metric].greater_is_better
    sides = {
        f.configuration.id: parts
        for f in finished
        if f.ran and (parts := _parts(root / f.run, holdout)) is not None
    }
    common = _common_choosing(list(sides.values()))
    unranked = ""
    if common is not None and common.size < MIN_SHARED_ROWS:
        unranked = (
            f"the configurations share {words.count(common.size, 'choosing test row')}: a "
            "swept value changes the test rows (a split's seed or size), or a collected "
            "run was scored on other rows, and figures on "
            f"other rows, or on fewer than {MIN_SHARED_ROWS}, do not rank; sweep values that "
            "leave the test rows as they are"
        )
        sides = {}
    elif common is None and sides:  # every configuration on the same rows: are they enough?
        first = next(iter(sides.values()))
        choosing = int(first.choosing.sum())
        if choosing < MIN_CHOOSING_ROWS:
            unranked = (
                f"{words.count(choosing, 'test row')} of {first.keys.size:,} would choose "
                f"among the configurations (sweep.holdout {holdout:g} held out), fewer than "
                f"{MIN_CHOOSING_ROWS}: chance would pick the best; lower sweep.holdout, or "
                "test on more rows"
            )
            sides = {}
    ranks_on = {key: _among(parts, common) for key, parts in sides.items()}
    measured = {key: _measured(metric, parts, ranks_on[key]) for key, parts in sides.items()}
    figures = [(f, measured.get(f.configuration.id, (None, ""))[0]) for f in finished]
    scored = [
        Ranked(
            finished=f,
            choosing=figure,
            eligible=figure is not None
            and eligible(f, sides[f.configuration.id].result, ranks_on[f.configuration.id]),
        )
        for f, figure in figures
    ]
    # a configuration that failed its checks wins only if none passed them: a model
    # that fails a fairness or calibration check is not the best, whatever its metric
    ordered = sorted(
        scored,
        key=lambda r: (
            r.choosing is None,
            not r.eligible,
            0.0 if r.choosing is None else (-r.choosing if better else r.choosing),
        ),
    )
    winner = ordered[0] if ordered and ordered[0].choosing is not None else None
    if winner is None and not unranked:
        unranked = _why_no_figure(finished, [why for _, why in measured.values() if why])
    held, rows = None, (0, 0)
    if winner is not None:
        won = sides[winner.finished.configuration.id]
        held = _figure(metric, won, ~won.choosing)
        rows = (int(_among(won, common).sum()), int((~won.choosing).sum()))
        if not rows[1]:  # nothing to measure it on that did not choose it
            unranked = (
                f"none of the {words.count(won.keys.size, 'test row')} fell among the held-out "
                f"{holdout:g} of them, so no figure played no part in choosing the best: "
                "raise sweep.holdout, or test on more rows"
            )
            winner = None
        elif held is None:  # the one honest figure is not there: nothing to trust instead
            why = _measured(metric, won, ~won.choosing, "there")[1]
            unranked = (
                f"the best on the rows that ranked ({winner.finished.configuration.id}) has "
                f"no figure on the {words.count(rows[1], 'held-out test row')}: {why}, so "
                "no figure of it played no part in choosing it; raise sweep.holdout, test on "
                "more rows, or rank by a metric defined there"
            )
            winner = None
    return Ranking(
        metric=metric,
        holdout=holdout,
        ranked=tuple(ordered),
        winner=winner,
        held_out=held if winner is not None else None,
        rows=rows,
        unranked=unranked,
    )


@dataclass(frozen=True, kw_only=True)
class _Parts:
    """A run's scored test rows: which choose, their keys, and what the metric needs."""

    result: RunResult
    choosing: np.ndarray
    keys: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray  # empty: none
    classes: int
    positive: int
    labels: tuple[object, ...] = ()  # what the class indices stand for, for messages


def _common_choosing(sides: Sequence[_Parts]) -> np.ndarray | None:
    """The keys of the choosing rows every configuration was tested on; None when all
    were tested on the same rows (the usual case: nothing to narrow)."""
    keys = [np.unique(p.keys[p.choosing]) for p in sides]
    if all(k.size == keys[0].size and np.array_equal(k, keys[0]) for k in keys):
        return None
    common = keys[0]
    for k in keys[1:]:
        common = np.intersect1d(common, k, assume_unique=True)
    return common


def _among(parts: _Parts, common: np.ndarray | None) -> np.ndarray:
    return parts.choosing if common is None else parts.choosing & np.isin(parts.keys, common)


def _parts(run_json: Path, holdout: float) -> _Parts | None:
    from mlgate.errors import UserError
    from mlgate.result import arrays, runs

    try:
        result = runs.read(run_json)
    except UserError:
        return None
    kept = result.evaluate.predictions
    if kept is None:
        return None
    keys = arrays.decode(kept.row_keys)
    return _Parts(
        result=result,
        choosing=chooses(keys, holdout),
        keys=keys,
        y_true=arrays.decode(kept.y_true),
        y_pred=arrays.decode(kept.y_pred),
        scores=arrays.decode(kept.scores) if kept.scores is not None else np.empty(0),
        classes=len(kept.classes or ()),
        positive=result.evaluate.positive_index if kept.classes else 1,
        labels=tuple(kept.classes or ()),
    )


def choosing_figure(root: Path, finished: Finished, metric: str, holdout: float) -> float | None:
    """A configuration's figure on the rows that rank (None: no run, or undefined there):
    what an adaptive search is told, so the held-out rows never steer it."""
    if not finished.ran:
        return None
    parts = _parts(root / finished.run, holdout)
    return None if parts is None else _figure(metric, parts, parts.choosing)


def chooses(row_keys: np.ndarray, holdout: float) -> np.ndarray:
    """Which test rows rank the configurations; the rest (`holdout` of them) are held out.
    By each row's key, so every configuration and every machine splits the same way."""
    buckets = row_keys.astype(np.uint64) % np.uint64(SPLIT)
    return buckets >= np.uint64(round(holdout * SPLIT))


def _figure(metric: str, parts: _Parts, rows: np.ndarray) -> float | None:
    return _measured(metric, parts, rows)[0]


def _measured(
    metric: str, parts: _Parts, rows: np.ndarray, where: str = "on the rows that rank"
) -> tuple[float | None, str]:
    """The metric on the rows, or None and why: a sweep whose every configuration had
    none said only "no configuration has a figure to rank by" (f1 of a regression)."""
    from mlgate.model.metrics import compute

    if not rows.any():
        return None, ""
    wanted, task = METRICS[metric], parts.result.evaluate.task
    if task is not None and wanted.task != task:
        return None, (
            f"{metric} is a {wanted.task} metric, and the task is {task}; name a {task} "
            "metric in sweep.metric"
        )
    if wanted.needs == "scores" and not parts.scores.size:
        return None, (
            f"{metric} needs predict_proba, which the model lacks; name a metric of its "
            "predictions in sweep.metric (accuracy, f1_macro)"
        )
    try:
        value = compute(
            metric,
            parts.y_true[rows],
            parts.y_pred[rows],
            parts.scores[rows] if parts.scores.size else None,
            classes=list(range(parts.classes)) if parts.classes else None,
            positive_index=parts.positive,
            labels=parts.labels,
        )
    except ValueError as exc:
        return None, f"{metric} is undefined {where} ({_first_line(exc)})"
    if not np.isfinite(value):
        return None, f"{metric} is not a number {where}"
    return float(value), ""


def _first_line(exc: Exception) -> str:
    return words.clip(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)


def _why_no_figure(finished: Sequence[Finished], reasons: Sequence[str]) -> str:
    """Why no configuration has a figure, as most of them said (nothing: none said)."""
    if finished and not any(f.ran for f in finished):
        return "no configuration scored a model to rank (each one's status says why)"
    if not reasons:
        return ""
    said = max(set(reasons), key=reasons.count)
    return f"no configuration has a figure to rank by: {said}"


def metric_for(manifest: Manifest, finished: Sequence[Finished]) -> str:
    """sweep.metric, else evaluate's first metric, else the task's first, as a run computes
    its metrics (accuracy, rmse): the task evaluate.task names, or the runs found. Where
    no run found one (every training failed) no figure ranks, and classification's
    stands: the table and the exit code say so, not a refusal to rank."""
    return named_metric(manifest) or DEFAULT_METRICS[task_of(finished) or "classification"][0]


def named_metric(manifest: Manifest) -> str | None:
    """The metric the manifest ranks by, as far as it says (None: it is the task's default,
    and only a run learns the task, from its model and target)."""
    if manifest.sweep.metric:
        return manifest.sweep.metric
    if manifest.evaluate.metrics:
        return manifest.evaluate.metrics[0]
    task = manifest.evaluate.task
    return DEFAULT_METRICS[task][0] if task is not None else None


def task_of(finished: Sequence[Finished]) -> Task | None:
    """The task the runs scored their models as, by the metrics they computed (None: none
    computed any)."""
    computed = (m for f in finished for m in (f.metrics or {}) if m in METRICS)
    return next((METRICS[m].task for m in computed), None)


def record(ranking: Ranking) -> SweepRecord:
    """What the winner's run keeps of the sweep, and what the tables show."""
    win = ranking.winner
    return SweepRecord(
        metric=ranking.metric,
        holdout=ranking.holdout,
        choosing_rows=ranking.rows[0],
        held_out_rows=ranking.rows[1],
        configurations=tuple(
            SweptConfiguration(
                id=r.finished.configuration.id,
                params=dict(r.finished.configuration.params),
                status=r.finished.status,
                figure=r.choosing,
                passed_where_ranked=r.passed_where_ranked,
                reason=words.clip(r.finished.message, 1000)
                if r.finished.status in ("error", "killed")
                else "",
            )
            for r in ranking.ranked
        ),
        winner=None if win is None else win.finished.configuration.id,
        choosing=None if win is None else win.choosing,
        held_out=ranking.held_out,
        unranked=ranking.unranked,
    )


def document(ranking: Ranking) -> dict[str, object]:
    """`mlgate sweep --json`: each configuration with its figure, and the winner."""
    win = ranking.winner
    return {
        "metric": ranking.metric,
        "holdout": ranking.holdout,
        "rows": {"choosing": ranking.rows[0], "held_out": ranking.rows[1]},
        "configurations": [
            {
                **r.finished.document(),
                "figure": r.choosing,
                "passed_where_ranked": r.passed_where_ranked,
            }
            for r in ranking.ranked
        ],
        "winner": None
        if win is None
        else {
            "id": win.finished.configuration.id,
            "params": dict(win.finished.configuration.params),
            "choosing": win.choosing,
            "held_out": ranking.held_out,
            "run": win.finished.run,
        },
        "unranked": ranking.unranked,
    }
