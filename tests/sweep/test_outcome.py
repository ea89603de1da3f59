"""What a configuration's run counts as: finished (`passed`, `failed`: a model scored) or
not (`error`, `killed`: run again by the next sweep)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.sweep import local
from tests import projects


def test_a_failed_data_prepare_is_an_error_the_next_sweep_runs_again(tmp_path: Path) -> None:
    """It was `failed`, as a model that failed its checks, so a sweep after the cause was
    mended said "finished before: not run again" and exited 0 with nothing trained."""
    files = projects.iris_files(Path())
    files["mlops.yaml"] = projects.IRIS_MANIFEST.replace(
        "  target: species\n",
        '  target: species\n  prepare: python -c "raise SystemExit(1)"\n',
        1,
    )
    root = projects.write(tmp_path / "iris", files)
    loaded = manifests.load(root / "mlops.yaml")
    result = pipeline.run(loaded, compare=False)
    assert result.verdict == "failed" and result.evaluate.status not in ("passed", "failed")
    status, message = local.outcome_of(result, shell=False)
    assert (status, message) == ("error", result.summary)
    assert "prepar" in message


def test_a_baseline_ref_that_does_not_exist_stops_the_sweep_before_it_trains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compare.baseline: baseline.json` (a file named as a git ref): every configuration
    trained before the winner's gate said the ref was unknown."""
    import subprocess

    from mlgate.cli.main import main

    files = projects.iris_files(Path())
    files["mlops.yaml"] = (
        projects.IRIS_MANIFEST
        + "compare:\n  baseline: baseline.json\nsweep:\n  grid: {train.C: [0.5, 1.0]}\n"
    )
    files["baseline.json"] = "{}"
    root = projects.write(tmp_path / "iris", files)
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "start"]):
        subprocess.run(["git", *command], cwd=root, check=True)
    assert main(["sweep", "-C", str(root)]) == 2
    err = capsys.readouterr().err
    assert "compare.baseline: unknown git ref 'baseline.json'" in err
    assert "a file of that name is there: write {file: baseline.json}" in err
    assert not (root / ".mlgate" / "sweeps").exists()  # nothing trained
