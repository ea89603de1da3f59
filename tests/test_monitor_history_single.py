"""The monitoring history keeps and shows the real figure of every labelled run (audit R,
finding 1). A decayed run's real accuracy, the one labelled run of four recorded, was a
chart of one point, which is no chart: the history drew the estimate alone, flat, and
said nothing. And the runs a chart left out were named by their minute alone, two of
them "20:10", where the chart's axis told them apart as "20:10 (2)"."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from mlgate.cli.main import main
from mlgate.report import numbers
from tests import projects
from tests.ahead import trained_ahead
from tests.registry.conftest import Project, make_project, promote

# when each run happens, as the audit's did: minutes apart, three in one minute
TIMES = ["20:09", "20:10", "20:10", "20:10", "20:11", "20:11", "20:12"]


@pytest.fixture
def cancer(tmp_path: Path) -> Project:
    """breast cancer, promoted to production: 342 test rows, enough for an estimate."""
    return promote(make_project(tmp_path / "cancer", files=trained_ahead(projects.cancer_files())))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each `mlgate monitor` run at the next of TIMES (2026-12-07, UTC)."""
    times = iter(TIMES)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Clock:
            hour, minute = map(int, next(times).split(":"))
            return cls(2026, 12, 7, hour, minute, tzinfo=dt.UTC)

    monkeypatch.setattr("mlgate.cli.monitor.dt", SimpleNamespace(datetime=Clock, UTC=dt.UTC))
    yield


def batches(project: Project, folder: Path) -> dict[str, Path]:
    """The version's test rows as production's: unlabelled; with three columns moved
    (drift); and labelled with every label turned over (concept drift: real accuracy near
    0, where the features, and so the estimate, say nothing changed)."""
    frame = pd.read_csv(project.root / "data" / "test.csv")
    shifted = frame.drop(columns="target")
    for column in ("mean_radius", "mean_texture", "mean_area"):
        shifted[column] = shifted[column] * 3
    paths = {
        "plain": frame.drop(columns="target"),
        "drift": shifted,
        "decayed": frame.assign(target=1 - frame["target"]),
    }
    for name, rows in paths.items():
        rows.to_csv(folder / f"{name}.csv", index=False)
    return {name: folder / f"{name}.csv" for name in paths}


def test_the_one_labelled_runs_real_figure_is_said_and_runs_are_named_as_the_axis_names_them(
    cancer: Project, tmp_path: Path, clock: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = batches(cancer, tmp_path)
    command = ["monitor", "-C", str(cancer.root)]
    for name in ("plain", "drift", "decayed", "plain"):  # the audit's four recorded runs
        main([*command, "--data", str(data[name]), "--record", "--json"])
        said = json.loads(capsys.readouterr().out)
    entries = said["history"]
    assert [bool(e["actual"]) for e in entries] == [False, False, True, False]
    real = entries[2]["actual"]["accuracy"]
    assert real < 0.2 and entries[2]["decay"]  # the decayed run, in the journal
    assert main([*command, "--data", str(data["decayed"]), "--format", "markdown"]) == 1
    text = capsys.readouterr().out
    history = text[text.index("<summary>History (4 runs)</summary>") :]
    assert 'title "accuracy, estimated"' in history  # the estimate of each of the four
    # the third run's real figure, which no chart of one point can draw, is said: its
    # value and its run, named as the estimate's axis names it
    assert (
        "accuracy on the labelled rows has a value on 1 of 4 runs alone: "
        f"{numbers.value(real)} on 2026-12-07 20:10 (2) (one point: no line to draw)."
    ) in history, history
    axis = re.search(r'title "accuracy, estimated"\n    x-axis \[(.*)\]', history)
    assert axis is not None and axis[1] == (
        '"2026-12-07 20:09", "2026-12-07 20:10", "2026-12-07 20:10 (2)", "2026-12-07 20:10 (3)"'
    )

    # a second labelled run: a line of two points, and the three runs it leaves out named
    # as the axis names them ("20:10" twice, before)
    assert main([*command, "--data", str(data["decayed"]), "--record", "--json"]) == 1
    capsys.readouterr()
    assert main([*command, "--data", str(data["plain"]), "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    chart = text[text.index('title "accuracy on the labelled rows"') :]
    assert chart.startswith(
        'title "accuracy on the labelled rows"\n'
        '    x-axis ["2026-12-07 20:10 (2)", "2026-12-07 20:11"]'
    ), chart
    assert (
        "accuracy on the labelled rows has no value on 3 of 5 runs (2026-12-07 20:09, "
        "2026-12-07 20:10, 2026-12-07 20:10 (3)): left out of the chart."
    ) in chart
