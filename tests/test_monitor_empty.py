"""A production export of no rows measured nothing, as one of 5 rows does (audit R, finding
2): "production data not measured", ⚠️, exit 0, and recorded. It was exit 2 "has no rows to
monitor", with no word of what to do and nothing recorded: a quiet day's export failed
the scheduled job, which docs/monitor.md says a run that finds no alarm must not do."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mlgate.cli.main import main
from tests.registry.conftest import Project, make_project, promote


@pytest.fixture
def promoted(tmp_path: Path) -> Project:
    return promote(make_project(tmp_path / "iris"))


def test_an_export_of_no_rows_is_not_measured_and_is_recorded(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = tmp_path / "empty.csv"
    train = pd.read_csv(promoted.root / "data" / "train.csv")
    train.drop(columns="species").head(0).to_csv(header, index=False)
    assert header.read_text().count("\n") == 1  # the header line alone
    command = ["monitor", "-C", str(promoted.root), "--data", str(header)]
    assert main([*command, "--record", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["rows"], said["measured"], said["drifted"], said["recorded"]) == (
        0,
        False,
        False,
        True,
    )
    assert said["said"] == [
        f"{header} has no rows (a header alone): nothing to test for drift or to score. A "
        "day without traffic exports none; if rows were due, look at the export"
    ]
    (kept,) = said["history"]
    assert (kept["rows"], kept["measured"], kept["alarm"]) == (0, False, False)
    assert said["action"] == "none"  # no alarm to act on, and none closed
    assert main([*command, "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "## ⚠️ iris: production data not measured: no rows to test for drift or to score\n"
    ), text[:300]
    assert main(command) == 0
    assert "production data not measured" in capsys.readouterr().out


def test_an_empty_file_is_no_rows_too_and_labels_for_it_are_not_read(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON Lines of no rows is a file of no bytes (and a CSV of none may lack its header):
    it read as "it is empty", exit 2, with no hint."""
    empty, labels = tmp_path / "today.jsonl", tmp_path / "labels.csv"
    empty.write_bytes(b"")
    labels.write_text("row_id,species\n1,setosa\n")
    command = ["monitor", "-C", str(promoted.root), "--data", str(empty), "--json"]
    assert main([*command, "--labels", str(labels)]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["rows"], said["measured"]) == (0, False)
    assert said["said"][0].startswith(f"{empty} is an empty file: nothing to test for drift")
    assert said["said"][1] == (f"{labels} was not read: there are no production rows to join it to")
