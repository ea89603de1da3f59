"""The Markdown report of a run, rendered from its RunResult alone.

Deterministic: the same result gives the same bytes. Verdict first; what failed
before what passed; long sections collapsed. Text that came from data or from the
user's commands is escaped so that it cannot break the tables or inject HTML.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlgate.manifest.model import Manifest
from mlgate.result.model import CheckResult, CommandOutcome, RunResult

ICON = {"passed": "✅", "failed": "❌", "error": "⚠️", "skipped": "⏭️"}


def render(result: RunResult, manifest: Manifest | None = None) -> str:
    """`manifest` (optional) lets check rows link to their line in mlops.yaml."""
    parts = [
        _verdict(result),
        _metrics(result),
        _checks("Model checks", result.model.checks, manifest),
        _checks("Data checks", result.data.checks, manifest),
        _stages(result),
        _datasets(result),
        _lineage(result),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _verdict(result: RunResult) -> str:
    word = "passed" if result.passed else "failed"
    return f"## {ICON[word]} {escape(result.name)}: {word}\n\n{escape(result.summary)}"


def _metrics(result: RunResult) -> str:
    ev = result.evaluate
    if not ev.metrics:
        return ""
    task = f"{ev.task}" + (" (inferred)" if ev.task_inferred else "")
    rows = [f"| {escape(name)} | {_value(value)} |" for name, value in ev.metrics.items()]
    head = f"### Metrics\n\n{task}, {ev.predictions.rows if ev.predictions else '?'} test rows"
    if ev.positive_label is not None:
        head += f", positive class `{escape(str(ev.positive_label))}`"
    table = "\n".join(["| metric | value |", "| --- | ---: |", *rows])
    errors = "".join(f"\n- {escape(k)} not computed: {escape(v)}"
                     for k, v in ev.metric_errors.items())
    return f"{head}\n\n{table}{errors}"


def _value(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _checks(title: str, checks: Iterable[CheckResult], manifest: Manifest | None) -> str:
    checks = list(checks)
    if not checks:
        return ""
    bad = [c for c in checks if c.status in ("failed", "error")]
    rest = [c for c in checks if c not in bad]
    head = f"### {title}: {len(checks) - len(bad)} of {len(checks)} passed"
    out = [head]
    if bad:
        out.append(_check_table(bad, manifest))
    if rest:
        table = _check_table(rest, manifest)
        out.append(table if not bad and len(rest) <= 5 else _details(
            f"{len(rest)} passed or skipped", table))
    return "\n\n".join(out)


def _check_table(checks: list[CheckResult], manifest: Manifest | None) -> str:
    rows = ["| | check | rule | found |", "| --- | --- | --- | --- |"]
    for c in checks:
        where = _line_ref(c, manifest)
        rows.append(
            f"| {ICON[c.status]} | {escape(c.subject)}{where} | {escape(c.rule)} | "
            f"{escape(c.message)} |"
        )
    return "\n".join(rows)


def _line_ref(check: CheckResult, manifest: Manifest | None) -> str:
    if manifest is None or check.manifest_key is None:
        return ""
    line = manifest.line_of(check.manifest_key)
    return f" <sub>{manifest.path.name}:{line}</sub>" if line else ""


def _stages(result: RunResult) -> str:
    rows = ["| stage | status | time | |", "| --- | --- | ---: | --- |"]
    commands: list[tuple[str, CommandOutcome]] = []
    if result.data.prepare is not None:
        commands.append(("prepare", result.data.prepare))
    if result.train.outcome is not None:
        commands.append(("train", result.train.outcome))
    for name in ("data", "train", "evaluate", "model"):
        stage = getattr(result, name)
        rows.append(f"| {name} | {ICON[stage.status]} {stage.status} | {stage.duration_s:.2f}s "
                    f"| {escape(stage.message)} |")
    out = ["### Stages", "\n".join(rows)]
    for name, outcome in commands:
        if outcome.status != "passed" and outcome.log_tail:
            out.append(_details(f"last lines of `{name}` output",
                                "```text\n" + fence_safe("\n".join(outcome.log_tail)) + "\n```"))
    return "\n\n".join(out)


def _datasets(result: RunResult) -> str:
    if not result.data.datasets:
        return ""
    rows = ["| data | file | rows | columns | sha256 |", "| --- | --- | ---: | ---: | --- |"]
    for d in result.data.datasets:
        rows.append(f"| {d.role} | `{escape(d.file.path)}` | {d.rows} | {len(d.columns)} | "
                    f"`{d.file.sha256[:12]}` |")
    return "### Data\n\n" + "\n".join(rows)


def _lineage(result: RunResult) -> str:
    git = result.git
    lines = [
        f"- run `{result.run_id}`, mlgate {result.mlgate_version}, {result.duration_s:.1f}s",
        f"- commit `{git.commit[:12] if git.commit else 'none'}`"
        + (f" on `{escape(git.branch)}`" if git.branch else "")
        + (" (uncommitted changes)" if git.dirty else ""),
        f"- manifest `{escape(result.manifest.path)}` `{result.manifest.sha256[:12]}`",
    ]
    if result.train.model is not None:
        m = result.train.model
        lines.append(f"- model `{escape(m.path)}` `{m.sha256[:12]}` ({m.bytes} bytes)")
    packages = ", ".join(f"{k} {v}" for k, v in result.environment.packages.items())
    lines.append(f"- Python {result.environment.python}; {escape(packages)}")
    body = "\n".join(lines)
    if result.params:
        params = "\n".join(f"| `{escape(k)}` | `{escape(str(v))}` |"
                           for k, v in result.params.items())
        body += "\n\n| param | value |\n| --- | --- |\n" + params
    return _details("Lineage", body)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def escape(text: str) -> str:
    """Make untrusted text inert inside a Markdown table cell."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("|", "\\|").replace("\n", " ").replace("`", "'")
    )


def fence_safe(text: str) -> str:
    """Output inside a ``` fence cannot close it."""
    return text.replace("```", "ʼʼʼ")
