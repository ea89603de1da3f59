"""The registry as documents (`--json`) and as text: what `mlgate registry` prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mlgate.errors import UserError
from mlgate.manifest.spec import Manifest
from mlgate.registry.state import Assignment, State, Version
from mlgate.report import numbers
from mlgate.report.inert import one_line

if TYPE_CHECKING:
    from mlgate.registry.delivery import Delivery
    from mlgate.registry.operations import Where


GTO_ONLY = "registered with gto: no run, model or metrics on record"


def version_doc(v: Version) -> dict[str, Any]:
    return {
        "version": v.version,
        "commit": v.commit,
        "tag": v.tag,
        "created": v.created,
        "record": v.record,
        "problem": v.problem,
    }


def assignment_doc(a: Assignment) -> dict[str, Any]:
    return {
        "environment": a.stage,
        "n": a.n,
        "version": a.version,
        "tag": a.tag,
        "created": a.created,
        "record": a.record,
        "problem": a.problem,
    }


def gated(manifest: Manifest) -> tuple[str, ...]:
    """The metrics the manifest decides on: its checks' and its gates', in its order."""
    return tuple(
        dict.fromkeys(
            [
                *(c.metric for c in manifest.model_checks),
                *(g.metric for g in manifest.compare.gates),
            ]
        )
    )


def listing(current: State, manifest: Manifest) -> dict[str, Any]:
    """Each environment's version (the manifest's, then any other stage the tags hold),
    and every version, newest first, with every metric; `gated`: the ones a list shows."""
    stages = [
        *(e.name for e in manifest.environments),
        *(s for s in current.stages() if manifest.environment(s) is None),
    ]
    held = {s: (a.version if (a := current.current(s)) else None) for s in stages}
    # a stage whose latest assignment is a commit with no version: gto names the commit
    unversioned = {
        s: {"commit": x.commit, "tag": x.tag, "n": x.n}
        for s in stages
        if (x := current.stray(s)) is not None
    }
    return {
        "model": current.model,
        "environments": held,
        "unversioned": unversioned,
        "gated": list(gated(manifest)),
        "versions": [version_doc(v) for v in reversed(current.versions)],
        # this clone's deployments that began and were never recorded (registry/intents.py)
        "unrecorded": [
            {
                "environment": u.environment,
                "version": u.version,
                "started": u.started,
                "said": u.said(),
            }
            for u in current.unrecorded
        ],
    }


def listing_text(doc: dict[str, Any]) -> str:
    """The gated metrics of each version (all, when the manifest gates none), and how many
    others there are: nothing is left out without saying so."""
    lines = [f"{doc['model']}"]
    # columns as wide as their longest entry: v0.2.3-rc.1 pushed its commit out of line
    env_width = max([12, *(len(e) for e in doc["environments"])])
    version_width = max([10, *(len(v["version"]) for v in doc["versions"])])
    for env, version in doc["environments"].items():
        stray = doc.get("unversioned", {}).get(env)
        said = (
            f"; its latest assignment ({stray['tag']}) is commit {stray['commit'][:12]}, "
            "which has no version: gto show names that commit"
            if stray
            else ""
        )
        lines.append(f"  {env:<{env_width}} {version or '-'}{said}")
        for left in doc.get("unrecorded", []):
            if left["environment"] == env:
                lines.append(
                    f"    ! {left['said']}; mlgate promote {version or 'VERSION'} --to {env} "
                    "deploys the recorded version again"
                )
    if doc["versions"]:
        lines.append("  versions:")
    hidden = False
    for v in doc["versions"]:
        metrics = {
            k: x for k, x in v["record"].get("metrics", {}).items() if isinstance(x, int | float)
        }
        chosen = [k for k in doc["gated"] if k in metrics] or list(metrics)
        shown = ", ".join(f"{k} {numbers.value(metrics[k])}" for k in chosen)
        if len(metrics) > len(chosen):
            shown += f" (+{len(metrics) - len(chosen)} more)"
            hidden = True
        if v["problem"]:
            shown = f"unusable: {v['problem']}"
        elif not v["record"]:  # a tag gto wrote: nothing of a run to show
            shown = GTO_ONLY
        lines.append(
            f"    {v['version']:<{version_width}} {v['commit'][:12]}  {v['created']}  {shown}"
        )
    if hidden:
        lines.append(
            "  (the metrics mlops.yaml checks and gates; every metric: "
            "mlgate registry show VERSION, or --json)"
        )
    # anyone who may push a tag writes its record: a metric named with a line break and
    # an escape sequence printed a line of its own and cleared the terminal
    return "\n".join(one_line(line) for line in lines)


def version_text(current: State, v: Version) -> str:
    """One version for a person: where it came from, its metrics, where it has been."""
    r = v.record
    lines = [f"{v.model} {v.version}"]
    if v.problem:
        return "\n".join([*lines, f"  unusable: {v.problem}"])
    if not r:  # "run -: ?, " said nothing of where it came from
        gto = [("tag", v.tag), ("commit", v.commit), ("created", v.created), ("record", GTO_ONLY)]
        lines += [f"  {k:<8} {x}" for k, x in gto]
        return "\n".join(one_line(line) for line in [*lines, *_environments(current, v)])
    said = [
        ("tag", v.tag),
        ("commit", v.commit + (f" on {r['branch']}" if r.get("branch") else "")),
        ("created", v.created),
        ("by", (r.get("by") or "-") + (f": {r['reason']}" if r.get("reason") else "")),
        (
            "run",
            f"{r.get('run', {}).get('id', '-')}: {r.get('verdict', '?')}, {r.get('summary', '')}",
        ),
        ("trigger", r.get("trigger") or ""),
    ]
    model = r.get("model") or {}
    if model:
        said.append(
            (
                "model",
                f"{model.get('file')}, {model.get('bytes', 0):,} bytes, "
                f"sha256 {model.get('sha256')}",
            )
        )
    lines += [f"  {k:<8} {x}" for k, x in said if x]
    for title, values, number in (
        ("metrics", r.get("metrics") or {}, numbers.value),
        ("params", r.get("params") or {}, str),
    ):
        if values:
            width = max(len(k) for k in values) + 1
            lines.append(f"  {title}:")
            lines += [
                f"    {k:<{width}} " + (number(x) if isinstance(x, float) else str(x))
                for k, x in values.items()
            ]
    return "\n".join(one_line(line) for line in [*lines, *_environments(current, v)])


def _environments(current: State, v: Version) -> list[str]:
    moves = current.moves(v.version)
    if not moves:
        return ["  environments: none yet"]
    return [
        "  environments:",
        *(
            f"    {m.stage}: {m.what} {m.assignment.created}"
            + (f" (to {m.assignment.version})" if m.what == "rolled back from" else "")
            + (f" by {m.assignment.record['by']}" if m.assignment.record.get("by") else "")
            for m in moves
        ),
    ]


def history_text(entries: list[dict[str, Any]]) -> str:
    lines = []
    for a in entries:
        r = a["record"]
        what = "rollback to" if r.get("rollback") else "promote"
        by = f" by {r['by']}" if r.get("by") else ""
        why = f": {r['reason']}" if r.get("reason") else ""
        via = f" [{r['trigger']}]" if r.get("trigger") else ""
        # a reason is anyone's words (the dispatch form's): a line break or a terminal's
        # escape code in it wrote a promotion line of its own into the history
        lines.append(
            one_line(
                f"{a['created']}  {a['environment']:<12} {what} {a['version']}"
                f" (from {r.get('previous') or '-'}){by}{why}{via}"
            )
        )
    return "\n".join(lines) or "no promotions yet"


def stats_text(found: Sequence[Delivery]) -> str:
    def shown(value: object, unit: str = "") -> str:
        return "-" if value is None else f"{value}{unit}"

    lines = ["environment   promotions  rollbacks  per week  lead time  change failure"]
    for d in found:
        rate = None if d.change_failure_rate is None else f"{d.change_failure_rate:.0%}"
        lines.append(
            f"{d.environment:<13} {d.promotions:>10} {d.rollbacks:>10} "
            f"{shown(d.per_week):>9} {shown(d.lead_time_h, ' h'):>10} "
            f"{shown(rate):>15}"
        )
    return "\n".join(lines)


def pick(current: State, target: str | None) -> Version:
    """The version asked for, else the latest; a clear error when there is none."""
    found = current.version(target) if target else current.latest()
    if found is None:
        raise UserError(f"{current.model} has no version {target or '(none yet)'}")
    return found


def history(current: State, environment: str | None) -> list[dict[str, Any]]:
    """Every promotion (of one environment, or all), oldest first."""
    entries = [assignment_doc(a) for a in current.assignments if environment in (None, a.stage)]
    return sorted(entries, key=lambda e: e["created"])


def card_text(where: Where, current: State, target: str | None) -> str:
    """The version's model card, with its run read back from the store."""
    from mlgate.registry import card
    from mlgate.result import runs

    found = pick(current, target)
    if found.problem:
        raise UserError(f"no model card for {found.version}: {found.problem}")
    sha = found.record.get("run", {}).get("sha256")
    run = runs.read(where.store.get(sha)) if sha else None
    return card.render(found, current.moves(found.version), run)


def delivery(where: Where, current: State, manifest: Manifest) -> list[Delivery]:
    """Each environment's delivery figures (the manifest's, else those the tags hold)."""
    import datetime as dt

    from mlgate.registry import delivery, gitio

    dates = gitio.commit_dates(where.root, [v.commit for v in current.versions])
    now = dt.datetime.now(dt.UTC)
    envs = [e.name for e in manifest.environments] or list(current.stages())
    return [delivery.delivery(current, e, dates, now=now) for e in envs]
