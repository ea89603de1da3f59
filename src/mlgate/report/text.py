"""The run's verdict for a terminal: short, failures first, with the report's path."""

from __future__ import annotations

from mlgate.report import gate_text, numbers
from mlgate.report.inert import one_line
from mlgate.result.records import Baseline, RunResult


def left_out(b: Baseline) -> str:
    """The candidate's test rows the comparison left out, and why."""
    reasons = [
        (b.rows_in_baseline_training, "in the baseline's training data"),
        (b.rows_in_candidate_training, "in the candidate's training data"),
        (b.rows_not_scored_by_baseline, "not among the rows the baseline was scored on"),
    ]
    said = [f"{n:,} {why}" for n, why in reasons if n]
    if not said:
        return "none left out"
    return f"{sum(n for n, _ in reasons):,} left out: " + "; ".join(said)


def training_unknown(b: Baseline) -> str:
    whose = " and ".join(f"the {side}'s" for side in b.training_rows_unknown)
    whose = whose[0].upper() + whose[1:] + " training rows"
    return (
        f"{whose} are unknown (a run.json from an mlgate that did not keep them, or "
        "kept in other columns than the rows are compared in), so rows it was trained on "
        "may be among those compared."
    )


def render(result: RunResult, report_path: str | None = None) -> str:
    lines = [f"{result.name}: {result.verdict.upper()} - {one_line(result.summary)}"]
    lines += [one_line(f"  note: {note}") for note in result.notes]
    metrics = result.evaluate.metrics
    if metrics:
        said = numbers.metrics(metrics, result.model.checks)
        shown = ", ".join(f"{k} {v}" for k, v in said.items())
        lines.append(f"  metrics: {shown}")
    compared = result.compare
    gated = {(g.metric, g.missing_why) for g in compared.gates} if compared is not None else set()
    for name, why in result.evaluate.metric_errors.items():
        if (name, why) not in gated:  # a gate's line says it otherwise
            lines.append(one_line(f"  not computed: {name}: {why}"))
    if compared is not None:
        b = compared.baseline
        what = f"{b.name} ({b.source})" if b.kind != "none" else "none"
        lines.append(one_line(f"  baseline: {what}" + (f": {b.message}" if b.message else "")))
        if b.paired_rows and b.candidate_rows:
            lines.append(
                f"  compared on {b.paired_rows:,} of the candidate's {b.candidate_rows:,}"
                f" test rows ({left_out(b)})"
            )
        if b.training_rows_unknown:
            lines.append(f"  warning: {training_unknown(b)}")
        for r in compared.rules:  # what it is judged by, moved with the model
            old, new = r.old or "none", r.new or "none"
            lines.append(
                one_line(
                    f"  warning: {r.kind} {r.subject} {r.change} since {b.name}: {old} -> {new}"
                )
            )
        order = {"failed": 0, "passed": 1, "not evaluated": 2}
        for gate in sorted(compared.gates, key=lambda g: order[g.status]):
            lines.append(one_line(f"  gate {gate.status}: {gate_text.explanation(gate)}"))
            if warning := gate_text.warning(gate):
                lines.append(one_line(f"    warning: {warning}"))
    for check in result.checks:
        if check.status in ("failed", "error"):
            lines.append(
                one_line(f"  {check.status}: {check.subject} {check.rule}: {check.message}")
            )
    for name in ("data", "train", "evaluate"):
        stage = getattr(result, name)
        outcome = getattr(stage, "outcome", None) or getattr(stage, "prepare", None)
        if stage.status in ("failed", "error") and outcome is not None and outcome.log_tail:
            lines.append(f"  last lines of `{outcome.command}`:")
            lines += [f"    {line}" for line in outcome.log_tail[-10:]]
    if report_path:
        lines.append(f"  report: {report_path}")
    return "\n".join(lines)
