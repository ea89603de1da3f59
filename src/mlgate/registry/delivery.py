"""Delivery figures from the registry's own history (DORA's, for models): how often an
environment changes, how long a commit takes to reach it, how often a change is rolled
back. Pure: the assignments and the commits' dates come in."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from mlgate.registry.state import State


@dataclass(frozen=True, kw_only=True)
class Delivery:
    environment: str
    promotions: int  # changes that were not rollbacks
    rollbacks: int
    failed: int  # promotions later rolled back from (each counted once)
    per_week: float | None  # promotions a week, over the span from the first to now
    lead_time_h: float | None  # median hours from a version's commit to this environment
    change_failure_rate: float | None  # failed / promotions


def delivery(
    current: State, environment: str, committed: Mapping[str, str], *, now: dt.datetime
) -> Delivery:
    """`committed`: each version's commit date (ISO 8601), by commit id."""
    history = current.history(environment)
    promotions = [a for a in history if not a.record.get("rollback")]
    rollbacks = len(history) - len(promotions)
    failed = len(_failed(current, environment))
    if not promotions:
        return Delivery(
            environment=environment,
            promotions=0,
            rollbacks=rollbacks,
            failed=0,
            per_week=None,
            lead_time_h=None,
            change_failure_rate=None,
        )
    first = min(_time(a.created) for a in promotions)
    weeks = max((now - first).total_seconds() / (7 * 86400), 1 / 7)  # at least a day
    leads = []
    for a in promotions:
        version = current.version(a.version)
        when = committed.get(version.commit) if version else None
        if when is not None:
            leads.append((_time(a.created) - _time(when)).total_seconds() / 3600)
    return Delivery(
        environment=environment,
        promotions=len(promotions),
        rollbacks=rollbacks,
        failed=failed,
        per_week=round(len(promotions) / weeks, 2),
        lead_time_h=round(statistics.median(leads), 2) if leads else None,
        change_failure_rate=round(failed / len(promotions), 3),
    )


def _failed(current: State, environment: str) -> set[int]:
    """The promotions (by n) that failed: for each rollback, the last promotion of the
    version it left. A version left twice (a history written before rollbacks skipped
    what they had left) is one failed change, not two."""
    history = current.history(environment)
    found: set[int] = set()
    for left, rollback in current.rollbacks(environment):
        promoted = [
            a.n
            for a in history
            if a.n < rollback.n and a.version == left and not a.record.get("rollback")
        ]
        if promoted:
            found.add(promoted[-1])
    return found


def _time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
