"""`mlgate monitor --data FILE`: production data against the version a registry stage
holds; exit 1 when the data drifted, the estimate cannot be trusted or the performance
decayed. A recorded run keeps the model's one monitoring issue (alerts.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import os

from mlgate import words
from mlgate.cli.shared import load_manifest, print_json, shown
from mlgate.errors import EXIT_FAILED, EXIT_PASSED


def monitor(args: argparse.Namespace) -> int:
    from mlgate import alerts, monitor_history, promotion
    from mlgate import monitor as monitoring
    from mlgate.github import context
    from mlgate.report import drift_tables, numbers
    from mlgate.result import document

    loaded = load_manifest(args)
    ctx = context.load(os.environ)
    where = promotion.where_in_workflow(loaded, ctx, context.token(os.environ))
    stage = args.stage or loaded.monitor.stage
    found = monitoring.watch(
        loaded,
        where,
        args.data,
        stage=stage,
        labels=args.labels,
        show=lambda path: shown(args, path),
    )
    now = dt.datetime.now(dt.UTC)
    if args.record:
        past = monitor_history.record(where, loaded, found, now=now)
        acted = alerts.act(loaded, found, past, ctx, now=now)
    else:
        past = monitor_history.history(where, loaded, now=now)
        acted = alerts.Acted(
            action="none", notes=("not recorded (--record): only a recorded run acts",)
        )
    if args.json:
        print_json(
            {
                **found.heading(),
                "drift": document.to_dict(found.drift.columns) if found.drift else [],
                "estimates": document.to_dict(found.estimates),
                "reliable": found.reliable,
                "actual": dict(found.actual),
                "changes": document.to_dict(found.changes),
                "said": list(found.said),
                "recorded": bool(args.record),
                "history": list(past.entries),
                "gaps": list(past.gaps),
                "decay": list(found.decay),
                "action": acted.action,
                "issue": acted.issue,
                "retrain": acted.retrain,
                "notes": list(acted.notes),
            }
        )
        return EXIT_FAILED if found.attention else EXIT_PASSED
    from mlgate import monitor_report

    if args.format == "markdown":
        print(monitor_report.markdown(loaded.name, found, past))
        return EXIT_FAILED if found.attention else EXIT_PASSED
    print(monitor_report.headline(loaded.name, found))
    print(f"{found.data}: {words.count(found.rows, 'row')} against {found.version} ({found.stage})")
    if found.drift is not None:
        print(drift_tables.text((found.drift,)))
    for e in found.estimates:
        print(
            f"{e.metric}, estimated without labels: {numbers.value(e.value)} "
            f"({words.confidence(e.confidence)} interval {numbers.value(e.low)} "
            f"to {numbers.value(e.high)})"
            + ("" if e.reliable else " - not to be trusted: " + "; ".join(e.reasons))
        )
    for metric, value in found.actual.items():  # where labels arrived
        line = f"{metric} on the {words.count(found.labelled, 'labelled row')}: "
        line += numbers.value(value)
        before, change = found.registered.get(metric), found.changes.get(metric)
        if before is not None:
            line += f"; {found.version}'s {numbers.value(before)} on its test rows"
        if change is not None:
            line += (
                f" (change {numbers.delta(change.delta)}, "
                f"{words.confidence(change.confidence)} interval "
                f"{numbers.interval(change.ci_low, change.ci_high)}, "
                f"p {numbers.p_is(change.p_value)})"
            )
        print(line)
    if found.unscorable:
        print(found.unscorable)
    for line in found.decay:
        print(f"decayed: {line}")
    for line in found.said:
        print(line)
    runs = words.count(len(past.entries), "recorded run")
    print(f"history: {runs}" + ("" if args.record else " (this one not recorded: --record)"))
    for gap in past.gaps:
        print(f"the schedule missed runs: {gap}")
    for line in acted.lines():
        print(line)
    return EXIT_FAILED if found.attention else EXIT_PASSED
