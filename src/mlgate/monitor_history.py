"""The monitoring history: each recorded run of `mlgate monitor` as an entry of a journal
on a git ref of mlgate's own (registry/journal.py), the schedule's missed runs read from
it, and which run of a run of alarms acts on it (`turn`)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate import words
from mlgate.errors import UserError

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest
    from mlgate.monitor import Monitored
    from mlgate.registry.operations import Where

LATE = 2.0  # a run this many usual intervals after the last one: the schedule missed runs
# a run that opened an alarm and made no issue by then failed: a later one makes it instead
CLAIM_GRACE = dt.timedelta(minutes=30)


@dataclass(frozen=True, kw_only=True)
class History:
    """The monitoring runs recorded so far (`--record`), oldest first, and what they miss."""

    entries: tuple[Mapping[str, Any], ...]
    gaps: tuple[str, ...]  # runs the schedule should have made and did not


def entry(found: Monitored, at: dt.datetime) -> dict[str, Any]:
    """One run as the journal keeps it: small, the figures a chart of them needs."""
    drift = found.drift
    return {
        "at": at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        **found.heading(),
        "drifted_columns": list(drift.drifted_columns) if drift else [],
        "estimates": {
            e.metric: {"value": e.value, "low": e.low, "high": e.high, "reliable": e.reliable}
            for e in found.estimates
        },
        "actual": dict(found.actual),
        "changes": {
            m: {"delta": c.delta, "low": c.ci_low, "high": c.ci_high, "p": c.p_value}
            for m, c in found.changes.items()
        },
        "alarm": found.attention,
        "decay": list(found.decay),
    }


def journal_name(manifest: Manifest) -> str:
    return f"{manifest.name}/monitor"


def history(
    where: Where, manifest: Manifest, *, now: dt.datetime, fetch: bool = True, upto: str = ""
) -> History:
    """The journal's entries and the schedule's gaps up to `now` (`upto`: up to that
    entry's commit)."""
    from mlgate.registry import journal

    read = []
    name = journal_name(manifest)
    for raw in journal.read(where.root, name, token=where.token, fetch=fetch, upto=upto):
        try:
            loaded = json.loads(raw)
        except ValueError:
            continue  # not an entry of ours: the ref is shared with nobody, but say nothing
        if isinstance(loaded, dict) and isinstance(loaded.get("at"), str):
            read.append(loaded)
    crons = schedule_crons(manifest)
    every = cron_interval(crons) if crons else None
    stamps = [e["at"] for e in read]
    return History(entries=tuple(read), gaps=gaps(stamps, now, every=every, crons=crons))


def record(where: Where, manifest: Manifest, found: Monitored, *, now: dt.datetime) -> History:
    """`found` appended to the journal (at origin too), and the history as it stood when
    it landed: this run's entry last, whoever appended since (`turn` reads it so)."""
    from mlgate.registry import journal

    kept = manifest.monitor.stage
    if found.stage != kept:  # one history and one issue, of monitor.stage's runs
        raise UserError(
            f"--record keeps the history and the issue of {kept} (monitor.stage); this run "
            f"watched {found.stage}: a clean {found.stage} run closed {kept}'s alarm, and the "
            f"next {kept} run opened it again and started another retraining",
            hint=f"watch {found.stage} without --record, or set monitor.stage: {found.stage}",
        )
    said = json.dumps(entry(found, now), sort_keys=True, allow_nan=False, default=str)
    stamp = now.isoformat(timespec="seconds")
    landed = journal.append(where.root, journal_name(manifest), said, date=stamp, token=where.token)
    return history(where, manifest, now=now, upto=landed)


CLOSE_AGAIN = 3  # clean runs after an alarm that close its issue, should the first fail


@dataclass(frozen=True, kw_only=True)
class Turn:
    """What a recorded run's place in the history asks of it. Appends to the history are
    compare-and-swap, so of runs racing on one alarm exactly one lands first: it `open`s
    (creates the issue, starts a retraining); the others `follow` (update what it made)."""

    kind: str  # open, follow, close, quiet
    since: str  # when the alarm began: the first entry of the run of alarms ending here
    stale: bool = False  # follow: the opener is long past, and may have failed to open
    again: bool = False  # close: a later clean run, in case the first one's close failed


def turn(entries: tuple[Mapping[str, Any], ...], now: dt.datetime) -> Turn:
    """This run's turn: its entry is the history's last. A run that measured nothing (no
    alarm, no column tested, no labelled rows) leaves the alarm as it was, and is passed
    over by those after it (a 1-row export closed a lasting drift's issue, and its return
    opened it again and started another retraining)."""
    if entries and entries[-1].get("measured") is False:
        return Turn(kind="quiet", since="")
    entries = tuple(e for e in entries if e.get("measured") is not False)
    if not entries:
        return Turn(kind="quiet", since="")
    alarms = [_alarm(e) for e in entries]
    start = len(alarms)
    while start and alarms[start - 1]:
        start -= 1
    earlier = len(alarms) > 1 and alarms[-2]
    if not alarms[-1]:
        if earlier:
            return Turn(kind="close", since="")
        # the clean runs just after it close again: one close that failed (GitHub down, a
        # cancelled job) left the issue saying "drifted" for good
        recent = any(alarms[-CLOSE_AGAIN - 1 : -1])
        return Turn(kind="close" if recent else "quiet", since="", again=recent)
    since = str(entries[start].get("at", ""))
    if not earlier:
        return Turn(kind="open", since=since)
    began = _when(since)
    return Turn(kind="follow", since=since, stale=began is None or now - began > CLAIM_GRACE)


def _alarm(entry: Mapping[str, Any]) -> bool:
    """An entry's alarm; entries from before mlgate recorded it: drift, or an estimate in doubt."""
    if "alarm" in entry:
        return bool(entry["alarm"])
    doubted = any(
        isinstance(e, dict) and e.get("reliable") is False
        for e in (entry.get("estimates") or {}).values()
    )
    return bool(entry.get("drifted")) or doubted


def gaps(
    stamps: list[str],
    now: dt.datetime,
    *,
    every: dt.timedelta | None = None,
    crons: Sequence[str] = (),
) -> tuple[str, ...]:
    """Where runs came later than twice their usual interval: GitHub delays scheduled runs
    and drops some when it is busy. Needs three runs. The usual interval is `every`, the
    schedule's own (its cron), when known; else the median between runs, bursts left out
    (`_usual`). With the schedule's `crons`, a gap is one where the cron fired and no run
    came within the usual interval after: a weekdays-only cron's weekend is no gap (it
    was three days "where runs came every 24 h")."""
    times = sorted(t for t in map(_when, stamps) if t is not None)
    if len(times) < 3:
        return ()
    intervals = [b - a for a, b in itertools.pairwise(times)]
    usual = every if every is not None else _usual(intervals)
    if usual.total_seconds() <= 0:
        return ()
    parsed = [f for f in map(_cron, crons) if f is not None] if crons else []

    def missed(a: dt.datetime, b: dt.datetime) -> bool:
        if parsed and len(parsed) == len(crons):
            return _fired(parsed, a, b - usual)
        return b - a > LATE * usual

    found = [
        f"no run between {_day(a)} and {_day(b)} ({_span(b - a)}, where runs came every "
        f"{_span(usual)})"
        for a, b in itertools.pairwise(times)
        if missed(a, b)
    ]
    if missed(times[-1], now):
        found.append(
            f"no run since {_day(times[-1])} ({_span(now - times[-1])} ago, where runs came "
            f"every {_span(usual)})"
        )
    return tuple(found)


BURST = 0.1  # an interval under this share of the time-weighted median: runs in a burst


def _usual(intervals: list[dt.timedelta]) -> dt.timedelta:
    """The median interval between runs, leaving out a burst's: manual re-runs, or runs
    that raced, seconds apart. A few of them made the median seconds, and every daily run
    after was "late". A burst is told apart by the time it spans: next to the interval
    that half of the history's time passed in (the time-weighted median), a burst's
    intervals are nothing, however many they are."""
    seconds = sorted(i.total_seconds() for i in intervals)
    total = sum(seconds)
    if total <= 0:
        return dt.timedelta(0)
    passed, weighted = 0.0, seconds[-1]
    for each in seconds:
        passed += each
        if passed >= total / 2:
            weighted = each
            break
    kept = [s for s in seconds if s >= BURST * weighted]
    # an even count: the mean of the middle two
    return dt.timedelta(seconds=statistics.median(kept))


MONITOR_WORKFLOW = "mlgate-monitor.yml"  # what `mlgate init` writes for the scheduled job
CRON = re.compile(r"""^\s*(?:-\s*)?cron:\s*(["']?)([^"'#\n]+?)\1\s*(?:#.*)?$""", re.MULTILINE)


def schedule_interval(manifest: Manifest) -> dt.timedelta | None:
    """How often the scheduled workflow `mlgate init` wrote for this project runs: the
    median between the firings of its crons (`17 4 * * *`: 24 h). None when there is no
    such workflow, or a cron this reading does not know (names, `@daily`)."""
    crons = schedule_crons(manifest)
    return cron_interval(crons) if crons else None


def schedule_crons(manifest: Manifest) -> list[str]:
    """The crons of the scheduled workflow `mlgate init` wrote for this project, as
    written; none when there is no such workflow."""
    from mlgate import git

    top = git.toplevel(manifest.root)
    if top is None:
        return []
    inside = os.path.relpath(manifest.root.resolve(), top.resolve())
    name = MONITOR_WORKFLOW
    if inside != ".":  # a project in a folder: its own, `mlgate-monitor.ml-churn.yml`
        name = f"mlgate-monitor.{inside.replace(os.sep, '-')}.yml"
    try:
        text = (top / ".github" / "workflows" / name).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [m.group(2).strip() for m in CRON.finditer(text)]


def cron_interval(crons: list[str]) -> dt.timedelta | None:
    """The median interval between the firings of `crons` (POSIX cron as GitHub reads it:
    numbers, month and weekday names, `*`, `?`, `,`, `-`, `/`, and `@daily` and the other
    shorthands) over a year; None for one it cannot read."""
    parsed = [_cron(c) for c in crons]
    if any(p is None for p in parsed):
        return None
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    fired: set[dt.datetime] = set()
    for day in range(366):
        date = start + dt.timedelta(days=day)
        for fields in parsed:
            assert fields is not None
            fired.update(_firings(fields, date))
    times = sorted(fired)
    if len(times) < 2:
        return None
    spacing = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    return dt.timedelta(seconds=statistics.median(spacing))


Fields = tuple[set[int], set[int], set[int], set[int], set[int], bool]


def _firings(fields: Fields, day: dt.datetime) -> Iterator[dt.datetime]:
    """When a cron fires on `day` (midnight, UTC): none on a day it skips. Of a day of the
    month and of the week both restricted, either is enough, as cron reads them."""
    minutes, hours, days, months, weekdays, either = fields
    on_day, on_weekday = day.day in days, (day.isoweekday() % 7) in weekdays
    if day.month in months and ((on_day or on_weekday) if either else (on_day and on_weekday)):
        yield from (day.replace(hour=h, minute=m) for h in sorted(hours) for m in sorted(minutes))


def _fired(parsed: list[Fields], after: dt.datetime, before: dt.datetime) -> bool:
    """Whether any of the crons fires strictly between `after` and `before` (UTC, as
    GitHub's schedules run), looked for day by day, at most a year and a day of them."""
    if before <= after:
        return False
    day = after.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for _ in range(367):
        if day > before:
            return False
        if any(after < at < before for fields in parsed for at in _firings(fields, day)):
            return True
        day += dt.timedelta(days=1)
    return True  # over a year without a firing looked at: late, whatever the cron


# shorthands some cron readers take (actionlint refuses them; GitHub is said to run them)
SHORTHANDS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _cron(cron: str) -> Fields | None:
    """A cron's five fields as the values each allows; with whether a day of the month or
    of the week is enough (both restricted: either, as cron reads them)."""
    parts = SHORTHANDS.get(cron.strip().lower(), cron).split()
    if len(parts) != 5:
        return None
    parts[3] = _numbered(parts[3], MONTHS, 1)  # names as GitHub's documentation lists them
    parts[4] = _numbered(parts[4], WEEKDAYS, 0)
    parts[2], parts[4] = (p.replace("?", "*") for p in (parts[2], parts[4]))  # as actionlint
    bounds = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
    values = [_field(p, lo, hi) for p, (lo, hi) in zip(parts, bounds, strict=True)]
    if any(v is None for v in values):
        return None
    minutes, hours, days, months, weekdays = (v or set() for v in values)
    weekdays = {d % 7 for d in weekdays}  # 7 is Sunday too
    either = not parts[2].startswith("*") and not parts[4].startswith("*")
    return minutes, hours, days, months, weekdays, either


def _numbered(field: str, names: tuple[str, ...], first: int) -> str:
    """A month's or weekday's names (`MON-FRI`, `jan,jul`) as the numbers they stand for;
    anything else is left for `_field` to refuse."""
    return re.sub(
        "[A-Za-z]{3}",
        lambda m: str(names.index(m[0].upper()) + first) if m[0].upper() in names else m[0],
        field,
    )


def _field(field: str, low: int, high: int) -> set[int] | None:
    found: set[int] = set()
    for item in field.split(","):
        part, _, step_text = item.partition("/")
        if part == "*":
            first, last = low, high
        elif "-" in part:
            a, _, b = part.partition("-")
            if not (a.isdigit() and b.isdigit()):
                return None
            first, last = int(a), int(b)
        elif part.isdigit():
            first = last = int(part)
            if step_text:
                last = high
        else:
            return None
        if step_text and not step_text.isdigit():
            return None
        step = int(step_text) if step_text else 1
        if step < 1 or first < low or last > high or first > last:
            return None
        found.update(range(first, last + 1, step))
    return found


def _when(stamp: str) -> dt.datetime | None:
    try:
        found = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _day(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _span(gap: dt.timedelta) -> str:
    """Seconds under a minute, minutes under an hour ("0 h" and "0 minutes" read as no time
    at all), hours under two days."""
    seconds = gap.total_seconds()
    if seconds < 59.5:
        return words.count(round(seconds), "second")
    hours = seconds / 3600
    if hours < 1:
        return words.count(round(hours * 60), "minute")
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"
