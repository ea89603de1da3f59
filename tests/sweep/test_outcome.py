"""What a configuration's run counts as: finished (`passed`, `failed`: a model scored) or
not (`error`, `killed`: run again by the next sweep)."""

from __future__ import annotations

from pathlib import Path

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
