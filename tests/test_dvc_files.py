"""DVC's files read without DVC: where the search for them stops (no DVC process here)."""

from __future__ import annotations

from pathlib import Path

from mlgate import dvc_files

LOCK = """\
schema: '2.0'
stages:
  prepare:
    cmd: cp a b
    outs:
    - path: proj/data/train.csv
      md5: d41d8cd98f00b204e9800998ecf8427e
"""


def test_outside_a_repository_a_dvc_lock_above_the_project_is_not_its_record(
    tmp_path: Path,
) -> None:
    """With no .git and no .dvc/, the search climbed to / and read someone else's dvc.lock:
    the run then failed on a hash that file gave for the project's data."""
    project = tmp_path / "outer" / "proj"
    (project / "data").mkdir(parents=True)
    data = project / "data" / "train.csv"
    data.write_text("a,b\n1,2\n")
    (tmp_path / "outer" / "dvc.lock").write_text(LOCK)
    (tmp_path / "outer" / "proj.dvc").write_text(
        "outs:\n- path: proj\n  md5: 00000000000000000000000000000000.dir\n"
    )
    assert dvc_files.tracked(data, project) is None
    # inside a DVC project (its .dvc/ above the manifest) the same dvc.lock is the record
    (tmp_path / "outer" / ".dvc").mkdir()
    found = dvc_files.tracked(data, project)
    assert (
        found is not None
        and found.stage == "prepare"
        and found.md5 == "d41d8cd98f00b204e9800998ecf8427e"
    )
