"""Which run is the latest: by the second each started, then by when each finished, never
by the random part of the id."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgate.errors import UserError
from mlgate.result import runs


def finished(root: Path, run_id: str, at_ns: int) -> Path:
    """A run folder whose run.json was last written at `at_ns`."""
    path = runs.run_dir(root, run_id) / runs.RESULT_FILE
    path.write_text("{}")
    os.utime(path, ns=(at_ns, at_ns))
    return path


def test_runs_of_the_same_second_are_ordered_by_when_they_finished(tmp_path: Path) -> None:
    second = 1_796_000_000 * 10**9
    first = finished(tmp_path, "20261205T174935Z-ffffff", second)
    then = finished(tmp_path, "20261205T174935Z-000000", second + 1_000)  # sorts first by name
    earlier = finished(tmp_path, "20261205T174934Z-aaaaaa", second + 5_000)  # started before
    assert runs.oldest_first([then, first, earlier]) == [earlier, first, then]
    assert runs.latest(tmp_path) == then
    with pytest.raises(UserError, match="the latest is 20261205T174935Z-000000"):
        runs.find(tmp_path, "20261206")


def test_a_run_folder_that_cannot_be_made_is_a_plain_error(tmp_path: Path) -> None:
    """`.mlgate` a file, or a read-only checkout: a traceback and "internal error", exit 3."""
    (tmp_path / ".mlgate").write_text("not a folder\n")
    folder = tmp_path / ".mlgate" / "runs" / "20261123T031500Z-3f9a1c"
    with pytest.raises(UserError) as refused:
        runs.run_dir(tmp_path, "20261123T031500Z-3f9a1c")
    assert refused.value.message.startswith(f"cannot make the run's folder {folder}: ")
    assert refused.value.exit_code == 2 and ".mlgate is a folder or absent" in refused.value.hint


def test_a_run_that_never_wrote_its_result_is_said_unfinished_not_absent(tmp_path: Path) -> None:
    """A run killed (or out of disk) before its run.json: `--run ID` said "no run 'ID'"
    beside the folder the user could see."""
    done = finished(tmp_path, "20261207T080000Z-aaaaaa", 1_796_000_000 * 10**9)
    stopped = runs.run_dir(tmp_path, "20261207T081000Z-bbbbbb")
    (stopped / runs.REPORT_FILE).write_text("# a report of a run that did not end\n")
    for given in ("20261207T081000Z-bbbbbb", str(stopped)):
        with pytest.raises(UserError, match=r"did not finish: .* has no run\.json") as said:
            runs.find(tmp_path, given)
        assert "no run '" not in str(said.value)
    assert runs.latest(tmp_path) == done  # and the latest is the last that finished
    with pytest.raises(UserError, match=r"no run '.*tmp'"):
        runs.find(tmp_path, str(tmp_path / "tmp"))  # no such folder: as before
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(UserError, match="no run '"):  # any folder is not a run's
        runs.find(tmp_path, str(tmp_path / "elsewhere"))
