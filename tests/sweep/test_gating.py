"""The sweep's winner gated against the baseline on the rows that did not choose it: its
run cut to the held-out rows, compared with the baseline's predictions on the same rows,
and saved as a run of the project whose report carries the sweep."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mlgate.cli.main import main
from mlgate.result import arrays, runs
from mlgate.sweep import ranking
from tests.conftest import git
from tests.sweep.test_local import PICK_TRAINED, project

pytestmark = pytest.mark.e2e  # every configuration trains

SWEEP = "sweep:\n  grid: {train.C: [0.05, 1.0]}\n  metric: accuracy\n"


def against_a_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str], gate: str) -> Path:
    """The project run once as it is (its run.json the baseline), then given a sweep and
    compared with that run under `gate`."""
    root = project(tmp_path, "", PICK_TRAINED, (0.05, 1.0))  # 1.0: params.yaml's
    assert main(["run", "-C", str(root), "--json"]) == 0
    kept = json.loads(capsys.readouterr().out)["run_id"]
    shutil.copy(runs.run_dir(root, kept) / runs.RESULT_FILE, root / "baseline.json")
    manifest = root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text()
        + f"compare:\n  baseline: {{file: baseline.json}}\n  gates:\n    accuracy: {gate}\n"
        + SWEEP
    )
    return root


def test_the_winner_is_compared_with_the_baseline_on_the_held_out_rows_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = against_a_baseline(tmp_path, capsys, "{min_change: -1}")
    assert main(["sweep", "-C", str(root), "--json", "--workers", "2"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["gated"]["verdict"] == "passed"
    gated = runs.read(root / said["gated"]["run"])
    own = runs.read(root / said["winner"]["run"])
    baseline = runs.read(root / "baseline.json")
    # recomputed by hand: the held-out rows of the winner's own run, and the baseline's
    # predictions on those very rows
    keys = arrays.decode(own.evaluate.predictions.row_keys)  # type: ignore[union-attr]
    held = ~ranking.chooses(keys, 0.5)
    assert held.sum() == said["rows"]["held_out"] and 0 < held.sum() < len(keys)
    mine = arrays.decode(own.evaluate.predictions.y_pred)[held]  # type: ignore[union-attr]
    truth = arrays.decode(own.evaluate.predictions.y_true)[held]  # type: ignore[union-attr]
    theirs_by_key = dict(
        zip(
            arrays.decode(baseline.evaluate.predictions.row_keys).tolist(),  # type: ignore[union-attr]
            arrays.decode(baseline.evaluate.predictions.y_pred).tolist(),  # type: ignore[union-attr]
            strict=True,
        )
    )
    theirs = np.array([theirs_by_key[k] for k in keys[held].tolist()])
    assert gated.compare is not None and gated.compare.baseline.paired_rows == held.sum()
    accuracy = next(m for m in gated.compare.metrics if m.metric == "accuracy")
    assert accuracy.candidate == pytest.approx((mine == truth).mean())
    assert accuracy.candidate == pytest.approx(said["winner"]["held_out"])
    assert accuracy.baseline == pytest.approx((theirs == truth).mean())
    # the model checks that are figures of the rows are decided on the held-out rows too
    check = next(c for c in gated.model.checks if c.id == "model.metrics.accuracy")
    assert check.observed == pytest.approx(said["winner"]["held_out"])
    assert gated.sweep is not None and gated.sweep.winner == said["winner"]["id"]
    # its stage line and its lineage say what this run holds: the held-out rows, and the
    # model where it lies (in the configuration's copy, not at train.model)
    assert gated.evaluate.message == f"3 metrics on {held.sum()} rows"
    model = gated.train.model
    assert model is not None and model.path.startswith(".mlgate/sweeps/")
    assert hashlib.sha256((root / model.path).read_bytes()).hexdigest() == model.sha256
    assert any("held-out test row" in n for n in gated.notes)
    # the report leads the sweep with the honest figure; the configuration's run is as it was
    report = (root / said["gated"]["run"]).with_name(runs.REPORT_FILE).read_text()
    assert "### Sweep: 2 configurations, ranked by accuracy" in report
    assert runs.read(root / said["winner"]["run"]).compare is None
    # no line of history joins figures on the held-out rows to figures on every row
    assert runs.history(root, "iris", ["accuracy"], current=gated, minimum=1) == {}
    [(_, alone)] = runs.history(root, "iris", ["accuracy"], minimum=1)["accuracy"]
    assert alone == baseline.evaluate.metrics["accuracy"]  # the project's own run, alone


def test_a_winner_that_fails_the_gate_fails_the_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = against_a_baseline(tmp_path, capsys, "{min_change: 0.5}")
    assert main(["sweep", "-C", str(root), "--workers", "2"]) == 1
    out = capsys.readouterr().out
    assert "winner: " in out and "on the held-out" not in out.split("winner: ")[0]
    latest = runs.read_latest(root)
    assert latest.sweep is not None and latest.verdict == "failed"
    assert latest.compare is not None and latest.compare.gates[0].status == "failed"


def test_a_sweeps_winner_is_never_registered_as_the_projects_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its model is in the configuration's copy, not at train.model: registering the run
    would pair its figures with another model."""
    root = against_a_baseline(tmp_path, capsys, "{min_change: -1}")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the project")
    assert main(["sweep", "-C", str(root), "--json", "--workers", "2"]) == 0
    winner = json.loads(capsys.readouterr().out)["winner"]
    assert main(["register", "-C", str(root)]) == 2
    said = capsys.readouterr().err
    assert "is a sweep's winner, measured on its held-out test rows" in said
    assert f"set train.C={winner['params']['train.C']} in the params file" in said


def test_the_baseline_is_scored_on_the_winners_own_test_rows(tmp_path: Path) -> None:
    """Each configuration prepares its data in its copy; the project's own files may be
    another preparation's (a `mlgate run` with other params left them, ignored by git).
    The baseline was scored on those, and the gates compared other rows (13 of 56)."""
    import pandas as pd

    from mlgate import manifest as manifests
    from mlgate.sweep import gating, local, space

    root = project(tmp_path, "", PICK_TRAINED, (0.05, 1.0))
    manifest = root / "mlops.yaml"
    manifest.write_text(manifest.read_text() + "compare:\n  baseline: main\n" + SWEEP)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the project")
    loaded = manifests.load(manifest)
    finished = local.sweep(loaded, space.configurations(loaded.sweep), workers=2)
    test = pd.read_csv(root / "data" / "test.csv")
    stale = test.assign(sepal_length=test["sepal_length"] + 10)  # other rows entirely
    stale.to_csv(root / "data" / "test.csv", index=False)
    decided = gating.decide(loaded, finished, root)
    gated = decided.gated
    assert gated is not None and gated.compare is not None
    held = decided.ranking.rows[1]
    assert gated.compare.baseline.paired_rows == held  # every held-out row, scored by both
    assert gated.compare.baseline.rows_not_scored_by_baseline == 0


def test_the_metric_ranked_by_is_in_the_winners_run_though_evaluate_names_it_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ranked by a metric evaluate.metrics leaves out, the gated run's metrics left it out
    too: the held-out figure the sweep printed was nowhere in the run."""
    sweep = "sweep:\n  grid: {train.C: [0.05, 1.0]}\n  metric: balanced_accuracy\n"
    root = project(tmp_path, sweep, PICK_TRAINED, (0.05, 1.0))
    assert main(["sweep", "-C", str(root), "--json", "--workers", "2"]) == 0
    said = json.loads(capsys.readouterr().out)
    gated = runs.read(root / said["gated"]["run"])
    assert list(gated.evaluate.metrics) == ["accuracy", "f1_macro", "roc_auc", "balanced_accuracy"]
    assert gated.evaluate.metrics["balanced_accuracy"] == pytest.approx(said["winner"]["held_out"])
