"""The metric a sweep ranks by where nothing names it: the task's first default, as a run
computes its metrics (accuracy, rmse), never a refusal to show the table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.manifest.spec import Manifest
from mlgate.sweep import engine, gating, local, optuna_search, ranking, space
from mlgate.sweep.local import Finished
from tests.sweep.test_local import project


def unnamed(root: Path) -> Manifest:
    """The project's manifest with no sweep.metric, evaluate.metrics or evaluate.task."""
    loaded = manifests.load(root / "mlops.yaml")
    return replace(loaded, evaluate=replace(loaded.evaluate, metrics=None, task=None))


def ended(c: space.Configuration, metrics: dict[str, float | None] | None = None) -> Finished:
    """A configuration whose training failed (no metrics), or that computed `metrics`."""
    if metrics is None:
        return Finished(configuration=c, status="error", key=c.id, message="training failed")
    return Finished(configuration=c, status="passed", key=c.id, run="gone.json", metrics=metrics)


GRID = "sweep:\n  grid: {train.C: [0.1, 1.0]}\n"


def test_the_metric_is_the_tasks_default_whether_or_not_a_run_computed_one(
    tmp_path: Path,
) -> None:
    manifest = unnamed(project(tmp_path, GRID))
    a, b = space.configurations(manifest.sweep)
    assert ranking.metric_for(manifest, [ended(a), ended(b)]) == "accuracy"
    assert ranking.metric_for(manifest, [ended(a), ended(b, {"rmse": 1.0, "r2": 0.5})]) == "rmse"
    declared = replace(manifest, evaluate=replace(manifest.evaluate, task="regression"))
    assert ranking.metric_for(declared, [ended(a)]) == "rmse"


def test_a_sweep_whose_every_training_failed_shows_its_table_and_fails(tmp_path: Path) -> None:
    """It was a UserError, "no configuration computed a metric to rank by" (exit 2, the
    table lost), telling the user to fix a manifest that was right."""
    manifest = unnamed(project(tmp_path, GRID))
    finished = [ended(c) for c in space.configurations(manifest.sweep)]
    decided = gating.decide(manifest, finished, manifest.root)
    assert not decided.passed and decided.gated is None
    assert [c.status for c in decided.record.configurations] == ["error", "error"]
    assert decided.record.unranked == (
        "no configuration scored a model to rank (each one's status says why)"
    )


def test_an_optuna_search_with_no_metric_named_ranks_by_the_tasks_learnt_from_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It refused before anything ran. A run learns the task: the search starts with
    classification's metric, and again with regression's once a run says so, its seeded
    asks running nothing twice."""
    search = (
        "sweep:\n  optuna:\n    trials: 4\n    seed: 0\n    space:\n"
        "      train.C: {low: 0.001, high: 10, log: true}\n"
    )
    manifest = unnamed(project(tmp_path, search))
    ran: list[str] = []

    def regression(_: Manifest, todo: list[space.Configuration], **__: object) -> list[Finished]:
        ran.extend(c.id for c in todo)
        return [ended(c, {"rmse": 1.0}) for c in todo]

    told: list[str] = []
    searched = optuna_search.search

    def heard(*args: object, metric: str, **kw: object) -> list[Finished]:
        told.append(metric)
        return searched(*args, metric=metric, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(local, "sweep", regression)
    monkeypatch.setattr(optuna_search, "search", heard)
    finished = engine.sweep(manifest, engine.Where(workers=2))
    assert told == ["accuracy", "rmse"]
    assert len(ran) == len(set(ran)) == len(finished) and 1 <= len(finished) <= 4
