"""Why no configuration has a figure to rank by, said: a sweep whose metric could not be
computed for any of them (f1 of a regression, log_loss of a model without
predict_proba) trained them all and said only "no configuration has a figure"."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mlgate.git import GitInfo
from mlgate.result import arrays, runs
from mlgate.result.records import (
    DataStage,
    Environment,
    EvaluateStage,
    FileFingerprint,
    ModelStage,
    Predictions,
    RunResult,
    TrainStage,
)
from mlgate.sweep import ranking, space
from mlgate.sweep.local import Finished

ROWS = 200


def scored(task: str, *, scores: bool) -> RunResult:
    """A run of `task` on ROWS test rows, with the model's probabilities or without."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, ROWS) if task == "classification" else rng.normal(size=ROWS)
    predictions = Predictions(
        rows=ROWS,
        row_keys=arrays.encode(np.arange(ROWS, dtype=np.uint64) * 97),  # half choose
        y_true=arrays.encode(truth),
        y_pred=arrays.encode(truth[::-1].copy()),
        scores=arrays.encode(rng.dirichlet([1, 1], ROWS)) if scores else None,
        classes=(0, 1) if task == "classification" else None,
    )
    return RunResult(
        run_id="20261123T000000Z-abcdef",
        name="p",
        mlgate_version="0",
        started_at="2026-11-23T00:00:00Z",
        duration_s=1.0,
        verdict="passed",
        summary="",
        manifest=FileFingerprint(path="mlops.yaml", sha256="ab" * 32, bytes=1),
        git=GitInfo(commit=None, branch=None, dirty=None),
        params={},
        environment=Environment(python="3.11.7", platform="Linux", packages={}),
        data=DataStage(status="passed"),
        train=TrainStage(status="passed"),
        evaluate=EvaluateStage(status="passed", task=task, predictions=predictions),
        model=ModelStage(status="passed"),
    )


def ranked(tmp_path: Path, result: RunResult, metric: str) -> ranking.Ranking:
    finished = []
    for c in (0.1, 1.0):
        folder = tmp_path / str(c)
        folder.mkdir()
        run = runs.save(tmp_path, result, "", folder=folder)
        finished.append(
            Finished(
                configuration=space.configuration({"train.C": c}),
                status="passed",
                key="",
                run=str(run.relative_to(tmp_path)),
            )
        )
    return ranking.rank(tmp_path, finished, metric, 0.5)


def test_a_metric_of_another_task_says_so(tmp_path: Path) -> None:
    said = ranked(tmp_path, scored("regression", scores=False), "f1")
    assert said.winner is None and said.unranked == (
        "no configuration has a figure to rank by: f1 is a classification metric, and the "
        "task is regression; name a regression metric in sweep.metric"
    )
    assert ranking.document(said)["unranked"] == said.unranked  # --json says it too


def test_a_metric_of_probabilities_a_model_without_them_says_so(tmp_path: Path) -> None:
    said = ranked(tmp_path, scored("classification", scores=False), "log_loss")
    assert said.winner is None and said.unranked == (
        "no configuration has a figure to rank by: log_loss needs predict_proba, which the "
        "model lacks; name a metric of its predictions in sweep.metric (accuracy, f1_macro)"
    )


def test_a_metric_that_can_be_computed_ranks(tmp_path: Path) -> None:
    said = ranked(tmp_path, scored("classification", scores=True), "log_loss")
    assert said.winner is not None and said.unranked == ""
