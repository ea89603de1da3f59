"""Which run of a monitoring history acts on an alarm (monitor_history.turn), and when an estimate
counts as decay (monitor.decayed): pure functions, every branch."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlgate import monitor, monitor_history
from mlgate.model.estimate import Estimate
from tests.conftest import git

NOW = dt.datetime(2026, 12, 5, 4, 17, tzinfo=dt.UTC)


def entries(*alarms: bool, step: dt.timedelta = dt.timedelta(days=1)) -> tuple[dict, ...]:
    """One entry a day up to NOW, oldest first."""
    first = NOW - step * (len(alarms) - 1)
    return tuple(
        {"at": (first + step * i).isoformat().replace("+00:00", "Z"), "alarm": a}
        for i, a in enumerate(alarms)
    )


def test_the_first_alarm_after_a_quiet_run_opens_and_later_ones_follow() -> None:
    assert monitor_history.turn(entries(False, True), NOW).kind == "open"
    assert monitor_history.turn(entries(True), NOW).kind == "open"  # a first run that alarms
    follow = monitor_history.turn(entries(False, True, True), NOW)
    assert follow.kind == "follow"
    assert follow.since == entries(False, True, True)[1]["at"]  # the alarm's first entry


def test_a_quiet_run_after_an_alarm_closes_and_quiet_after_quiet_does_nothing() -> None:
    assert monitor_history.turn(entries(True, True, False), NOW).kind == "close"
    # the clean runs just after it close again, in case the first one's close failed
    again = monitor_history.turn(entries(True, False, False), NOW)
    assert (again.kind, again.again) == ("close", True)
    assert monitor_history.turn(entries(True, False, False, False, False), NOW).kind == "quiet"
    assert monitor_history.turn(entries(False, False, False), NOW).kind == "quiet"
    assert monitor_history.turn((), NOW).kind == "quiet"


def test_racing_runs_on_one_alarm_elect_exactly_one_opener() -> None:
    """Appends are ordered by compare-and-swap: each racer sees the history up to its own
    entry, and only the first to land sees the quiet run before it."""
    history = entries(False, *([True] * 20), step=dt.timedelta(seconds=1))
    kinds = [monitor_history.turn(history[: i + 1], NOW).kind for i in range(1, len(history))]
    assert kinds.count("open") == 1 and kinds.count("follow") == 19


def test_a_follower_long_after_the_alarm_began_may_open_in_its_stead() -> None:
    """The opener may have died before it made the issue: after CLAIM_GRACE, a follower
    finding none makes it."""
    recent = monitor_history.turn(entries(False, True, True, step=dt.timedelta(minutes=1)), NOW)
    assert recent.kind == "follow" and not recent.stale
    later = monitor_history.turn(entries(False, True, True), NOW)  # the alarm began a day ago
    assert later.kind == "follow" and later.stale


def test_entries_from_before_alarms_were_recorded_read_drift_and_doubt() -> None:
    old = [
        {"at": "2026-12-03T04:17:00Z", "drifted": False, "estimates": {}},
        {
            "at": "2026-12-04T04:17:00Z",
            "drifted": False,
            "estimates": {"accuracy": {"reliable": False}},
        },
        {"at": "2026-12-05T04:17:00Z", "drifted": True, "estimates": {}},
    ]
    assert monitor_history.turn(tuple(old[:2]), NOW).kind == "open"
    assert monitor_history.turn(tuple(old), NOW).kind == "follow"


def estimate(value: float, low: float, high: float, *, metric: str = "accuracy") -> Estimate:
    return Estimate(
        metric=metric, value=value, low=low, high=high, confidence=0.95, rows=5000, reliable=True
    )


@pytest.mark.parametrize(
    ("value", "low", "high", "decays"),
    [
        (0.80, 0.78, 0.82, True),  # 0.10 below, interval wholly below 0.90
        (0.86, 0.84, 0.88, False),  # 0.04 below: less than max_drop
        (0.84, 0.76, 0.92, False),  # 0.06 below, but the interval reaches 0.90: noise
        (0.95, 0.93, 0.97, False),  # better
    ],
)
def test_decay_is_a_drop_of_max_drop_or_more_that_the_interval_cannot_explain(
    value: float, low: float, high: float, decays: bool
) -> None:
    found = monitor.decayed((estimate(value, low, high),), {"accuracy": 0.90}, 0.05, "v1.0.0")
    assert bool(found) is decays
    if decays:
        assert found[0] == (
            "accuracy estimated 0.8000 (95% interval 0.7800 to 0.8200), 0.1000 below "
            "v1.0.0's 0.9000 on its test rows (monitor.max_drop 0.05)"
        )


def test_decay_is_not_judged_without_max_drop_or_a_registered_figure() -> None:
    low = (estimate(0.5, 0.45, 0.55),)
    assert monitor.decayed(low, {"accuracy": 0.9}, None, "v1") == ()
    assert monitor.decayed(low, {"accuracy": None}, 0.05, "v1") == ()
    doubted = (Estimate(**{**estimate(0.5, 0.45, 0.55).__dict__, "reliable": False}),)
    assert monitor.decayed(doubted, {"accuracy": 0.9}, 0.05, "v1") == ()


def test_a_headline_of_steady_data_names_the_columns_that_drifted_below_the_alarm() -> None:
    """Three of 69 columns drifted (one by KS 0.45) and the headline said only "steady"."""
    from mlgate import monitor_report
    from mlgate.monitor_history import History
    from mlgate.result.records import DriftResult

    drift = DriftResult(
        reference="train",
        current="production",
        correction="holm",
        alpha=0.05,
        share=0.5,
        columns=(),
        tested_columns=tuple(f"c{i}" for i in range(69)),
        drifted_columns=("med_inc", "ave_rooms", "ocean", "px36"),
        drifted=False,
    )
    found = monitor.Monitored(
        stage="production",
        version="v0.1.0",
        data="p.csv",
        rows=10,
        labelled=0,
        drift=drift,
        actual={},
    )
    assert monitor_report.headline("housing", found) == (
        "housing: production data steady overall (4 of 69 columns drifted: med_inc, "
        "ave_rooms, ocean and 1 more; the alarm is at a share of 0.5)"
    )
    assert monitor_report.markdown(
        "housing", found, History(entries=(), gaps=()), charts=False
    ).startswith("## ⚠️ housing")
    quiet = replace(found, drift=replace(drift, drifted_columns=()))
    assert monitor_report.headline("housing", quiet) == "housing: production data steady"


def test_a_burst_of_runs_is_no_schedule_the_later_runs_are_late_against() -> None:
    """Five runs seconds apart (re-runs by hand, or runs that raced) in a daily history:
    the median interval became 4 s, and every daily run after them "missed runs"."""
    day = dt.datetime(2026, 12, 1, 4, 17, tzinfo=dt.UTC)
    daily = [day + dt.timedelta(days=d) for d in range(4)]
    burst = [daily[-1] + dt.timedelta(seconds=4 * s) for s in range(1, 6)]
    stamps = [t.isoformat() for t in (*daily, *burst, day + dt.timedelta(days=4))]
    assert monitor_history.gaps(stamps, now=day + dt.timedelta(days=4, hours=1)) == ()
    # the days are still the schedule: a day without a run is missed
    late = monitor_history.gaps(stamps, now=day + dt.timedelta(days=7))
    assert late == ("no run since 2026-12-05 04:17 UTC (3.0 days ago, where runs came every 24 h)",)


def test_the_workflows_cron_is_the_schedule_when_the_history_is_a_burst(
    tmp_path: Path,
) -> None:
    """A history of nothing but a burst (five runs 4 s apart) read a minute later: "no run
    since ... (53 seconds ago, where runs came every 4 seconds)". The scheduled workflow's
    cron says how often runs come."""
    top = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(top))
    workflows = top / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "mlgate-monitor.yml").write_text(
        'on:\n  schedule:\n    - cron: "17 4 * * *"  # daily\n  workflow_dispatch:\n'
    )
    (workflows / "mlgate-monitor.ml-churn.yml").write_text(
        "on:\n  schedule:\n    - cron: '0 */6 * * *'\n    - cron: 0 3-21/6 * * *\n"
    )
    (top / "ml" / "churn").mkdir(parents=True)
    here = SimpleNamespace(root=top)
    daily = monitor_history.schedule_interval(here)  # type: ignore[arg-type]
    assert daily == dt.timedelta(days=1)
    churn = SimpleNamespace(root=top / "ml" / "churn")
    assert monitor_history.schedule_interval(churn) == dt.timedelta(hours=3)  # type: ignore[arg-type]
    start = dt.datetime(2026, 12, 7, 14, 19, 7, tzinfo=dt.UTC)
    burst = [(start + dt.timedelta(seconds=4 * s)).isoformat() for s in range(5)]
    later = start + dt.timedelta(seconds=16 + 53)
    assert monitor_history.gaps(burst, now=later, every=daily) == ()
    assert monitor_history.gaps(burst, now=later + dt.timedelta(days=3), every=daily) == (
        "no run since 2026-12-07 14:19 UTC (3.0 days ago, where runs came every 24 h)",
    )
    # a cron this reading does not know, or no workflow: the history alone, as before
    assert monitor_history.cron_interval(["17 4 * * L"]) is None
    assert monitor_history.cron_interval(["0 0 W * *"]) is None
    assert monitor_history.schedule_interval(SimpleNamespace(root=tmp_path)) is None  # type: ignore[arg-type]
