"""A version's model card, in Markdown: generated from its immutable record (and the run
it came from, when the store has it), so the card of a version never goes stale."""

from __future__ import annotations

from mlgate.registry.state import Assignment, Move, Version
from mlgate.report import tally
from mlgate.report.inert import code, escape
from mlgate.result.records import RunResult


def render(version: Version, moves: tuple[Move, ...], run: RunResult | None) -> str:
    r = version.record
    out = [f"# {escape(version.model)} {escape(version.version)}", ""]
    out.append(
        f"Registered {escape(version.created)}"
        + (f" by {escape(r['by'])}" if r.get("by") else "")
        + (f": {escape(r['reason'])}" if r.get("reason") else "")
        + "."
        + (f" [Workflow run]({r['trigger']})." if _link(r.get("trigger")) else "")
    )
    out.append(
        f"Commit `{version.commit}`" + (f" on {code(r['branch'])}" if r.get("branch") else "") + "."
    )
    if r.get("summary"):
        out += ["", f"Verdict: **{escape(r.get('verdict', '?'))}**: {escape(r['summary'])}"]
    metrics = r.get("metrics") or {}
    if metrics:
        out += ["", "## Metrics", "", "| metric | value |", "| --- | ---: |"]
        out += [
            f"| {escape(k)} | {v:.4f} |" if isinstance(v, int | float) else f"| {escape(k)} | – |"
            for k, v in metrics.items()
        ]
    if run is not None and run.checks:
        # counted as the verdict, the terminal and the report count them: a skipped check
        # is not a passed one, and an error is not a failure
        said = tally.checks(run.checks, always_noun=True)
        out += [
            "",
            "## Checks",
            "",
            f"<details><summary>{said}</summary>",
            "",
            "| check | verdict |",
            "| --- | --- |",
        ]
        out += [
            f"| {escape(c.stage)}: {escape(c.subject)} {escape(c.rule)} | {c.status} |"
            for c in run.checks
        ]
        out += ["", "</details>"]
    params = r.get("params") or {}
    if params:
        out += ["", "## Parameters", "", "| parameter | value |", "| --- | --- |"]
        out += [f"| {escape(k)} | {escape(str(v))} |" for k, v in params.items()]
    data = r.get("data") or []
    if data:
        out += ["", "## Data", "", "| role | file | rows | sha256 |", "| --- | --- | ---: | --- |"]
        out += [
            f"| {escape(d['role'])} | {escape(d['file'])} | {d['rows']} | `{d['sha256'][:16]}` |"
            for d in data
        ]
    model = r.get("model") or {}
    if model:
        out += [
            "",
            "## Artifact",
            "",
            f"{code(model.get('file', ''))}, "
            f"{model.get('bytes', 0):,} bytes, sha256 `{model.get('sha256', '')}`; "
            f"trained with Python {escape(str(r.get('python', '?')))}.",
        ]
    out += ["", "## Environments", ""]
    out += _environments(moves) or ["- not promoted yet"]
    return "\n".join(out) + "\n"


def _environments(moves: tuple[Move, ...]) -> list[str]:
    """Each time the version came into an environment, and each time an environment was
    rolled back from it: oldest first."""
    return [
        f"- {escape(m.stage)}: **rolled back from** on {escape(m.assignment.created)}"
        f"{_who(m.assignment, to=m.assignment.version)}"
        if m.what == "rolled back from"
        else f"- {escape(m.stage)}: {m.what} {escape(m.assignment.created)}{_who(m.assignment)}"
        for m in moves
    ]


def _who(a: Assignment, *, to: str | None = None) -> str:
    r = a.record
    return (
        (f", to {escape(to)}" if to else "")
        + (f" by {escape(r['by'])}" if r.get("by") else "")
        + (f": {escape(r['reason'])}" if r.get("reason") else "")
        + (f" ([run]({r['trigger']}))" if _link(r.get("trigger")) else "")
    )


def _link(url: object) -> bool:
    """Only a plain https URL becomes a link: a record is data, not Markdown."""
    return (
        isinstance(url, str)
        and url.startswith("https://")
        and not any(c in url for c in " ()[]<>\"'`\n")
    )
