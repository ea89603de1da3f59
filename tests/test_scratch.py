"""A temporary folder an mlgate killed outright left (a deployment's copy of the model, a
baseline's checkout) is removed by the next mlgate that makes one of its kind; one whose
maker still runs is not."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mlgate import scratch


def test_a_folder_whose_maker_is_gone_is_removed_and_a_living_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = "from mlgate import scratch; print(scratch.folder('mlgate-deploy-'))"
    left = Path(
        subprocess.run(
            [sys.executable, "-c", made],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "TMPDIR": str(tmp_path)},
        ).stdout.strip()
    )
    (left / "model.joblib").write_bytes(b"a model's copy")  # its maker died holding it
    ours = scratch.folder("mlgate-deploy-")
    assert not left.exists() and ours.is_dir()
    assert not scratch.gone(ours)
    again = scratch.folder("mlgate-deploy-")  # ours is not left behind: its maker lives
    assert ours.is_dir() and again.is_dir()
    unowned = tmp_path / "mlgate-deploy-by-hand"
    unowned.mkdir()  # no record of a maker: not ours to judge
    scratch.folder("mlgate-deploy-")
    assert unowned.is_dir()


def test_a_folder_made_in_another_pid_namespace_is_not_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two containers sharing /tmp: a process id of the other's names some other process
    here, or none, and its folder in use was taken for one left behind."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    theirs = tmp_path / "mlgate-serve-theirs"
    theirs.mkdir()
    (theirs / scratch.OWNER).write_text("4194303 12345 1\n")  # no such process here
    scratch.folder("mlgate-serve-")
    assert theirs.is_dir()
    (theirs / scratch.OWNER).write_text(f"4194303 12345 {scratch._namespace()}\n")
    scratch.folder("mlgate-serve-")  # in ours, that process is gone
    assert not theirs.exists()
