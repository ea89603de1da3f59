"""A production batch too small to test any column, with no labels, measured nothing: it was
"production data steady" with a ✅ (25 rows with a feature tripled), and a 1-row export
closed a lasting drift's alarm, whose return opened it again and started another
retraining (three dispatches for one drift)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from mlgate import monitor_history
from mlgate.cli import main
from tests.registry.conftest import Project, make_project, promote

NOW = dt.datetime(2026, 12, 5, 4, 17, tzinfo=dt.UTC)


def entry(day: int, *, alarm: bool, measured: bool = True) -> dict[str, object]:
    return {"at": f"2026-12-0{day}T04:17:00Z", "alarm": alarm, "measured": measured}


def test_a_run_that_measured_nothing_leaves_the_alarm_and_is_passed_over() -> None:
    drift, tiny = entry(1, alarm=True), entry(2, alarm=False, measured=False)
    assert monitor_history.turn((drift, tiny), NOW).kind == "quiet"  # not "close"
    back = monitor_history.turn((drift, tiny, entry(3, alarm=True)), NOW)
    assert (back.kind, back.since) == ("follow", drift["at"])  # the same alarm: not "open"
    clean = monitor_history.turn((drift, tiny, entry(3, alarm=False)), NOW)
    assert clean.kind == "close"  # a run that measured does close it
    old = {"at": "2026-12-01T04:17:00Z", "alarm": False}  # recorded before "measured"
    assert monitor_history.turn((drift, old), NOW).kind == "close"


@pytest.fixture
def promoted(tmp_path: Path) -> Project:
    return promote(make_project(tmp_path / "iris"))


def test_a_batch_too_small_to_test_is_not_called_steady(
    promoted: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(promoted.root / "data" / "train.csv").head(25)
    frame["sepal_length"] *= 3
    path = tmp_path / "small.csv"
    frame.drop(columns="species").to_csv(path, index=False)
    command = ["monitor", "-C", str(promoted.root), "--data", str(path)]
    assert main([*command, "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["measured"], said["drifted"]) == (False, False)
    assert main([*command, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "## ⚠️ iris: production data not measured: 25 rows, too few to test any column for "
        "drift, and no labelled rows to score"
    ), out[:300]
    assert "steady" not in out.splitlines()[0]
