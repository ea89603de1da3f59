"""The registry as documents (`--json`) and as text: what `mlgate registry` prints."""

from __future__ import annotations

from typing import Any

from mlgate.manifest.model import Manifest
from mlgate.registry.state import Assignment, State, Version


def version_doc(v: Version) -> dict[str, Any]:
    return {"version": v.version, "commit": v.commit, "tag": v.tag, "created": v.created,
            "record": v.record}


def assignment_doc(a: Assignment) -> dict[str, Any]:
    return {"environment": a.stage, "n": a.n, "version": a.version, "tag": a.tag,
            "created": a.created, "record": a.record}


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
        lines.append(f"    {v['version']:<10} {v['commit'][:12]}  {v['created']}  {shown}")
    return "\n".join(lines)


def history_text(entries: list[dict[str, Any]]) -> str:
    lines = []
    for a in entries:
        r = a["record"]
        what = "rollback to" if r.get("rollback") else "promote"
        by = f" by {r['by']}" if r.get("by") else ""
        why = f": {r['reason']}" if r.get("reason") else ""
        lines.append(f"{a['created']}  {a['environment']:<12} {what} {a['version']}"
                     f" (from {r.get('previous') or '-'}){by}{why}")
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
