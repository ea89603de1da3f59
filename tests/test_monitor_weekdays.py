"""A schedule with planned breaks: a weekdays-only cron that ran on time was reported to
have missed runs every weekend ("no run between Fri and Mon (3.0 days, where runs came
every 24 h)"), and on Monday morning "no run since Friday". With the cron, a gap is a
firing no run followed within the usual interval."""

from __future__ import annotations

import datetime as dt

from mlgate import monitor_history

WEEKDAYS = ["0 9 * * 1-5"]
MONDAY = dt.datetime(2026, 11, 2, 9, 5, tzinfo=dt.UTC)  # a Monday


def stamps(days: list[int]) -> list[str]:
    """A run at 09:05 on each of `days` (0 is the first Monday)."""
    return [(MONDAY + dt.timedelta(days=d)).isoformat().replace("+00:00", "Z") for d in days]


def test_a_weekdays_cron_that_ran_on_time_has_no_gap_over_its_weekends() -> None:
    on_time = stamps([0, 1, 2, 3, 4, 7, 8, 9, 10, 11])
    every = monitor_history.cron_interval(WEEKDAYS)
    assert every == dt.timedelta(hours=24)
    monday_early = MONDAY + dt.timedelta(days=14, hours=-1)  # before the cron fired
    assert monitor_history.gaps(on_time, monday_early, every=every, crons=WEEKDAYS) == ()
    # the median alone (no cron) takes the weekends for gaps, as before
    assert len(monitor_history.gaps(on_time, monday_early, every=every)) == 2


def test_a_missed_weekday_is_still_a_gap() -> None:
    every = monitor_history.cron_interval(WEEKDAYS)
    wednesday_missed = stamps([0, 1, 3, 4, 7])
    found = monitor_history.gaps(
        wednesday_missed, MONDAY + dt.timedelta(days=7, hours=2), every=every, crons=WEEKDAYS
    )
    assert len(found) == 1 and found[0].startswith("no run between 2026-11-03"), found
    late = monitor_history.gaps(  # Monday's run missing, said on Tuesday
        stamps([0, 1, 2, 3, 4]), MONDAY + dt.timedelta(days=8, hours=2), every=every, crons=WEEKDAYS
    )
    assert len(late) == 1 and late[0].startswith("no run since 2026-11-06"), late


def test_names_and_shorthands_read_as_the_numbers_they_stand_for() -> None:
    """GitHub's schedules take `MON-FRI`, `JAN-DEC` and `@daily`: such a cron was "one it
    cannot read", and its weekends were gaps again."""
    assert monitor_history.cron_interval(["0 9 * * MON-FRI"]) == monitor_history.cron_interval(
        WEEKDAYS
    )
    assert monitor_history.cron_interval(["@daily"]) == dt.timedelta(days=1)
    assert monitor_history.cron_interval(["@HOURLY"]) == dt.timedelta(hours=1)
    assert monitor_history.cron_interval(["17 4 * * sun"]) == dt.timedelta(days=7)
    assert monitor_history.cron_interval(["0 0 ? * *"]) == dt.timedelta(days=1)
    assert monitor_history.cron_interval(["0 0 1 jan,Jul *"]) == monitor_history.cron_interval(
        ["0 0 1 1,7 *"]
    )
    on_time = stamps([0, 1, 2, 3, 4, 7, 8, 9, 10, 11])
    monday_early = MONDAY + dt.timedelta(days=14, hours=-1)
    named = ["0 9 * * MON-FRI"]
    assert (
        monitor_history.gaps(on_time, monday_early, every=dt.timedelta(days=1), crons=named) == ()
    )
    for unread in ("0 9 * * MON-FUN", "0 9 * MAYBE *", "@fortnightly", "0 9 * * 1-5 2026"):
        assert monitor_history.cron_interval([unread]) is None, unread
