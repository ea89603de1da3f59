"""The registry as documents (`--json`) and as text: what `mlgate registry` prints."""

from __future__ import annotations

from typing import Any

from mlgate.errors import UserError
from mlgate.manifest.model import Manifest
from mlgate.registry.state import Assignment, State, Version


def version_doc(v: Version) -> dict[str, Any]:
    return {"version": v.version, "commit": v.commit, "tag": v.tag, "created": v.created,
            "record": v.record, "problem": v.problem}


def assignment_doc(a: Assignment) -> dict[str, Any]:
    return {"environment": a.stage, "n": a.n, "version": a.version, "tag": a.tag,
            "created": a.created, "record": a.record, "problem": a.problem}


def listing(current: State, manifest: Manifest) -> dict[str, Any]:
    """Each environment's version (the manifest's, then any other stage the tags hold),
    and every version, newest first."""
    stages = [*(e.name for e in manifest.environments),
              *(s for s in current.stages() if manifest.environment(s) is None)]
    held = {s: (a.version if (a := current.current(s)) else None) for s in stages}
    return {"model": current.model, "environments": held,
            "versions": [version_doc(v) for v in reversed(current.versions)]}


def listing_text(doc: dict[str, Any]) -> str:
    lines = [f"{doc['model']}"]
    lines += [f"  {env:<12} {version or '-'}" for env, version in doc["environments"].items()]
    if doc["versions"]:
        lines.append("  versions:")
    for v in doc["versions"]:
        metrics = v["record"].get("metrics", {})
        shown = ", ".join(f"{k} {x:.4f}" for k, x in list(metrics.items())[:4]
                          if isinstance(x, int | float))
        if v["problem"]:
            shown = f"unusable: {v['problem']}"
        lines.append(f"    {v['version']:<10} {v['commit'][:12]}  {v['created']}  {shown}")
    return "\n".join(lines)


def history_text(entries: list[dict[str, Any]]) -> str:
    lines = []
    for a in entries:
        r = a["record"]
        what = "rollback to" if r.get("rollback") else "promote"
        by = f" by {r['by']}" if r.get("by") else ""
        why = f": {r['reason']}" if r.get("reason") else ""
        via = f" [{r['trigger']}]" if r.get("trigger") else ""
        lines.append(f"{a['created']}  {a['environment']:<12} {what} {a['version']}"
                     f" (from {r.get('previous') or '-'}){by}{why}{via}")
    return "\n".join(lines) or "no promotions yet"


def stats_text(found: list) -> str:  # (list[stats.Delivery])
    def shown(value, unit: str = "") -> str:
        return "-" if value is None else f"{value}{unit}"

    lines = ["environment   promotions  rollbacks  per week  lead time  change failure"]
    for d in found:
        rate = None if d.change_failure_rate is None else f"{d.change_failure_rate:.0%}"
        lines.append(f"{d.environment:<13} {d.promotions:>10} {d.rollbacks:>10} "
                     f"{shown(d.per_week):>9} {shown(d.lead_time_h, ' h'):>10} "
                     f"{shown(rate):>15}")
    return "\n".join(lines)


def pick(current: State, target: str | None) -> Version:
    """The version asked for, else the latest; a clear error when there is none."""
    found = current.version(target) if target else current.latest()
    if found is None:
        raise UserError(f"{current.model} has no version {target or '(none yet)'}")
    return found


def history(current: State, environment: str | None) -> list[dict[str, Any]]:
    """Every promotion (of one environment, or all), oldest first."""
    entries = [assignment_doc(a) for a in current.assignments
               if environment in (None, a.stage)]
    return sorted(entries, key=lambda e: e["created"])


def card_text(where, current: State, target: str | None) -> str:  # (Where, ...)
    """The version's model card, with its run read back from the store."""
    from mlgate.registry import card
    from mlgate.result import store as runs

    found = pick(current, target)
    if found.problem:
        raise UserError(f"no model card for {found.version}: {found.problem}")
    sha = found.record.get("run", {}).get("sha256")
    run = runs.read(where.store.get(sha)) if sha else None
    return card.render(found, current.assignments, run)


def delivery(where, current: State, manifest: Manifest) -> list:  # -> list[stats.Delivery]
    """Each environment's delivery figures (the manifest's, else those the tags hold)."""
    import datetime as dt

    from mlgate.registry import gitio, stats

    dates = gitio.commit_dates(where.root, [v.commit for v in current.versions])
    now = dt.datetime.now(dt.UTC)
    envs = [e.name for e in manifest.environments] or list(current.stages())
    return [stats.delivery(current, e, dates, now=now) for e in envs]
