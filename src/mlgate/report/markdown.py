"""The Markdown report of a run, rendered from its RunResult alone.

Deterministic: the same result gives the same bytes. Verdict first; what failed
before what passed; long sections collapsed. Text that came from data or from the
user's commands is escaped so that it cannot break the tables or inject HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mlgate import bounds, words
from mlgate.manifest.spec import Manifest
from mlgate.report import (
    drift_tables,
    gate_text,
    numbers,
    probe_tables,
    slice_tables,
    sweep_tables,
    tally,
)
from mlgate.report.blocks import details
from mlgate.report.inert import code, escape, fence_safe, prose
from mlgate.report.text import left_out, training_unknown
from mlgate.result.records import (
    Baseline,
    CheckResult,
    CommandOutcome,
    CompareStage,
    EvaluateStage,
    GateResult,
    MetricChange,
    RunResult,
    noted,
)

ICON = {"passed": "✅", "failed": "❌", "error": "⚠️", "skipped": "⏭️", "not evaluated": "➖"}
# GitHub's limits, in characters (a comment, a check run's summary) or bytes (a job summary)
COMMENT_LIMIT = 65_536
CHECK_SUMMARY_LIMIT = 65_535
JOB_SUMMARY_LIMIT = 1024 * 1024

# what the report shows of a baseline's name, which the run wrote: a line's worth
NAME_SHOWN = 200
# the rule changes' rows in characters, and each cell's before escaping: the section
# fits in any comment beside the verdict and the gates
RULES_SHOWN = 16_000
RULE_SHOWN = 200

# each kind of rule a pull request may change, in the order the report names them
RULE_KINDS = {
    "gate": "gates",
    "model check": "model checks",
    "data check": "data checks",
    "setting": "settings",
}
# how compare/rules.py begins a rule the trusted jobs act on after the merge (the
# environments, the registry, the credentials a command is given): no gate judged it
AT_MERGE = "takes effect when merged"

# (label, value) oldest first, labelled e.g. by short commit shas; None: no value that run
History = Sequence[tuple[str, float | None]]


@dataclass(frozen=True, kw_only=True)
class Section:
    title: str  # named in the note when it is left out
    text: str
    keep: int  # higher is kept longer when the report must shrink


def render(
    result: RunResult,
    manifest: Manifest | None = None,
    *,
    limit: int | None = None,
    history: Mapping[str, History] | None = None,
    charts: bool = True,
    footer: str = "",
) -> str:
    """The report, within `limit` characters by leaving out the least important sections.

    `manifest` (optional) lets check and gate rows point at their line in mlops.yaml;
    `history` (metric -> points) draws the metric's history; `footer` (a link to the
    run, a hidden marker) is always kept.
    """
    confusion, curves = _charts(result) if charts else ("", "")
    sections = [
        Section(title="verdict", text=_verdict(result), keep=100),
        Section(title="gates", text=_gates(result.compare, manifest), keep=90),
        Section(title="rule changes", text=_rule_changes(result.compare), keep=95),
        # text the run wrote (a fork's, in a hand-over): left out before what mlgate decided
        Section(title="notes", text=_notes(result), keep=86),
        Section(title="baseline", text=_baseline(result.compare), keep=85),
        Section(title="sweep", text=_sweep(result, charts=False), keep=82),
        Section(title="metrics", text=_metrics(result), keep=80),
        Section(
            title="model checks",
            text=_checks("Model checks", result.model.checks, manifest),
            keep=75,
        ),
        Section(
            title="slice and fairness checks",
            text=_checks(
                "Against the baseline, slice by slice and group by group",
                result.compare.checks if result.compare is not None else (),
                manifest,
            ),
            keep=74,
        ),
        Section(
            title="data checks", text=_checks("Data checks", result.data.checks, manifest), keep=70
        ),
        Section(title="fairness", text=slice_tables.fairness(result), keep=58),
        Section(title="robustness", text=probe_tables.markdown(result), keep=56),
        Section(title="importance", text=probe_tables.importance(result), keep=52),
        Section(title="latency", text=probe_tables.latency(result), keep=51),
        Section(title="slice changes", text=slice_tables.slice_changes(result), keep=57),
        Section(title="slices", text=slice_tables.slices(result), keep=56),
        Section(title="slices found", text=slice_tables.discovered(result), keep=53),
        Section(title="drift", text=drift_tables.markdown(result.data.drift), keep=65),
        Section(title="stages", text=_stages(result), keep=60),
        Section(title="parameter changes", text=_param_changes(result.compare), keep=55),
        Section(title="data changes", text=_data_changes(result.compare), keep=54),
        Section(title="confusion matrix", text=confusion, keep=50),
        Section(title="curves", text=curves, keep=40),
        Section(title="sweep charts", text=_sweep_charts(result) if charts else "", keep=45),
        Section(title="calibration", text=_calibration(result) if charts else "", keep=35),
        Section(title="metric history", text=_history(history or {}) if charts else "", keep=30),
        Section(title="data", text=_datasets(result), keep=20),
        Section(title="lineage", text=_lineage(result), keep=10),
    ]
    return fit([s for s in sections if s.text], limit=limit, footer=footer)


def _sweep(result: RunResult, *, charts: bool) -> str:
    return "" if result.sweep is None else sweep_tables.markdown(result.sweep, charts=charts)


def _sweep_charts(result: RunResult) -> str:
    return "" if result.sweep is None else sweep_tables.chart_text(result.sweep)


def fit(sections: list[Section], *, limit: int | None, footer: str = "") -> str:
    """Join the sections; past `limit`, drop the least important first and say which.
    What is still too long is cut from the end of what was kept, never the note of what
    was left out nor the footer."""

    def tail(dropped: list[Section]) -> str:
        parts = []
        if dropped:
            names = ", ".join(s.title for s in sorted(dropped, key=lambda s: -s.keep))
            parts.append(
                f"> [!NOTE]\n> Left out to stay within GitHub's size limit: {names}. "
                "The full report is in the run's artifact (`report.md`)."
            )
        if footer:
            parts.append(footer)
        return "".join(f"\n\n{p}" for p in parts) + "\n"

    def joined(kept: list[Section], dropped: list[Section]) -> str:
        return "\n\n".join(s.text for s in kept) + tail(dropped)

    kept: list[Section] = list(sections)
    dropped: list[Section] = []
    text = joined(kept, dropped)
    while limit is not None and len(text) > limit and len(kept) > 1:
        least = min(kept[1:], key=lambda s: s.keep)  # the verdict always stays
        kept.remove(least)
        dropped.append(least)
        text = joined(kept, dropped)
    # a big section left out last can leave room for small ones left out before it
    for back in sorted(dropped, key=lambda s: -s.keep):
        if limit is None or len(text) > limit:
            break
        tried = [s for s in sections if s in kept or s is back]
        rest = [s for s in dropped if s is not back]
        if len(joined(tried, rest)) <= limit:
            kept, dropped, text = tried, rest, joined(tried, rest)
    if limit is not None and len(text) > limit:  # the verdict alone is too long: cut it
        note = "\n\n… (cut to GitHub's size limit)"
        kept_text, after = "\n\n".join(s.text for s in kept), tail(dropped)
        text = kept_text[: max(limit - len(note) - len(after), 0)] + note + after
    return text


def _verdict(result: RunResult) -> str:
    word = "passed" if result.passed else "failed"
    head = f"## {ICON[word]} {escape(result.name)}: {word}\n\n{prose(result.summary)}"
    compared = result.compare
    if compared is not None and compared.baseline.kind != "none":
        head += f"\n\nCompared with **{_baseline_name(compared)}**" + _like_for_like(
            compared.baseline
        )
    return head


def _baseline_name(compared: CompareStage) -> str:
    """The baseline's name, which the run wrote (a fork's too): a line's worth, however
    long it was made, where it stands in the verdict and the rule changes' heading."""
    return escape(words.clip(compared.baseline.name, NAME_SHOWN))


def _notes(result: RunResult) -> str:
    """How the run differs from a normal one, as it says: below the verdict, the gates and
    the rule changes, and left out before them (65 KB of a fork's notes, once rendered in
    the verdict, pushed every trusted section out of the comment)."""
    return "\n".join(f"> {escape(note)}" for note in noted(result.notes))


def _like_for_like(b: Baseline) -> str:
    """How far the two sides were measured alike, in one sentence (with a warning if not)."""
    if b.paired_rows and b.same_data:
        return ", on the same test rows."
    if b.paired_rows and b.candidate_rows:
        said = (
            f", on {b.paired_rows:,} of the candidate's "
            f"{words.count(b.candidate_rows, 'test row')} ({left_out(b)})."
        )
    elif b.same_data is False:
        return (
            ". ⚠️ **The two sides were measured on different data**, so the change "
            "mixes the model's change with the data's."
        )
    elif b.source == "unavailable":
        return "."
    elif not b.training_rows_unknown:
        return (
            ". ⚠️ The baseline's numbers are stored metrics: whether they were "
            "measured on the same data cannot be checked."
        )
    else:
        said = "."
    if b.training_rows_unknown:
        said += f" ⚠️ {training_unknown(b)}"
    return said


def _gates(compared: CompareStage | None, manifest: Manifest | None) -> str:
    if compared is None or not compared.gates:
        return ""
    order = {"failed": 0, "passed": 1, "not evaluated": 2}
    ordered = sorted(compared.gates, key=lambda g: order[g.status])
    rows = [
        "| | metric | baseline | candidate | change | change % | threshold | paired test |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for g in ordered:
        where = _key_ref(g.manifest_key, manifest)
        rows.append(
            f"| {ICON[g.status]} | {escape(g.metric)}{where} | {numbers.value(g.baseline)} | "
            f"{gate_text.figure(g, gate_text.CANDIDATE)} | "
            f"{gate_text.figure(g, gate_text.CHANGE)} | "
            f"{gate_text.figure(g, gate_text.RELATIVE)}"
            f" | {escape(gate_text.rule(g)) or '–'} | {_test(g)} |"
        )
    lines = [f"- {ICON[g.status]} {escape(gate_text.explanation(g))}" for g in ordered]
    warned = [(g, gate_text.warning(g)) for g in ordered]
    lines += [f"- ⚠️ {escape(g.metric)}: {escape(said)}" for g, said in warned if said]
    return "\n\n".join([_gates_head(compared), "\n".join(rows), "\n".join(lines)])


def _gates_head(compared: CompareStage) -> str:
    """How many gates passed, of those evaluated; gates left out are not counted as failed."""
    idle = sum(g.status == "not evaluated" for g in compared.gates)
    evaluated = len(compared.gates) - idle
    passed = sum(g.status == "passed" for g in compared.gates)
    why = (
        f"no baseline: {prose(compared.baseline.message)}"
        if compared.baseline.kind == "none"
        else prose(compared.baseline.message)
    )
    if not evaluated:
        return f"### Gates: not evaluated\n\n➖ {why}"
    head = f"### Gates: {passed:,} of {evaluated:,} passed"
    return head + (f", {idle} not evaluated\n\n➖ {why}" if idle else "")


def _test(gate: GateResult) -> str:
    t = gate.significance
    if t is None:
        return "–"
    level = bounds.alpha(t.confidence)
    verdict = "significant" if t.p_value < level else "not significant"
    return (
        f"{verdict}, p {numbers.p_is(t.p_value, level)}; {words.confidence(t.confidence)} CI "
        f"{numbers.interval(t.ci_low, t.ci_high)} ({words.count(t.rows, 'row')}, "
        f"{escape(t.method)})"
    )


def _baseline(compared: CompareStage | None) -> str:
    if compared is None:
        return ""
    b = compared.baseline
    if b.kind == "none":
        return (
            f"### Baseline\n\nNone: {prose(b.message)}. Gates that compare with a "
            "baseline are not evaluated; absolute thresholds decide."
        )
    lines = [
        f"- **{escape(b.name)}**: {escape(b.source)}" + (" (from the cache)" if b.cached else "")
    ]
    if b.origin:
        lines.append(f"- named by {escape(b.origin)}")
    if b.paired_rows and b.same_data:
        lines.append(
            f"- both sides were scored on the same "
            f"{words.count(b.paired_rows, 'test row')}, which neither model was "
            "trained on"
        )
    elif b.paired_rows and b.candidate_rows:
        lines.append(
            f"- compared on {b.paired_rows:,} of the candidate's "
            f"{words.count(b.candidate_rows, 'test row')}, paired by content: "
            f"{left_out(b)}"
        )
    elif b.paired_rows:  # a result from before the rows left out were counted
        lines.append(
            f"- {words.count(b.paired_rows, 'test row')} paired by content; the two "
            "test sets differ beyond these rows"
        )
    elif b.candidate_rows and (b.rows_in_baseline_training or b.rows_in_candidate_training):
        lines.append(
            f"- of the candidate's {words.count(b.candidate_rows, 'test row')}, {left_out(b)}"
        )
    if b.training_rows_unknown:
        lines.append(f"- ⚠️ {training_unknown(b)}")
    if b.message:
        lines.append(f"- {prose(b.message)}")
    return "### Baseline\n\n" + "\n".join(lines)


def _changes_table(
    changes: Sequence[MetricChange], checks: Sequence[CheckResult], gates: Sequence[GateResult]
) -> str:
    """Each metric against the baseline; a figure that failed its gate shown as the gates
    table shows it, past the bound ("-2.00%" under a failed ">= -2%" of -2.004%)."""
    rows = [
        "| metric | baseline | candidate | change | change % | |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    candidate = numbers.metrics({m.metric: m.candidate for m in changes}, checks)
    failed = {g.metric: g for g in gates if g.failures}
    for m in changes:
        mark = {True: "better", False: "worse", None: ""}[m.improved]
        gate = failed.get(m.metric)
        if gate is None or (gate.candidate, gate.change, gate.relative_change) != (
            m.candidate,
            m.change,
            m.relative_change,
        ):  # not the same figures': as they are
            value, change, relative = (
                candidate[m.metric],
                numbers.delta(m.change),
                numbers.relative(m.relative_change),
            )
        else:
            bounded = any(f.kind in gate_text.CANDIDATE for f in gate.failures)
            value = gate_text.figure(gate, gate_text.CANDIDATE) if bounded else candidate[m.metric]
            change = gate_text.figure(gate, gate_text.CHANGE)
            relative = gate_text.figure(gate, gate_text.RELATIVE)
        rows.append(
            f"| {escape(m.metric)} | {numbers.value(m.baseline)} | {value} "
            f"| {change} | {relative} | {mark} |"
        )
    return "\n".join(rows)


def _charts(result: RunResult) -> tuple[str, str]:
    from mlgate.report import charts

    return charts.sections(result)


def _calibration(result: RunResult) -> str:
    from mlgate.report import charts

    return charts.reliability_section(result)


def _history(history: Mapping[str, History]) -> str:
    from mlgate.report import charts

    return charts.history_section(history)


def _param_changes(compared: CompareStage | None) -> str:
    if compared is None or not compared.params:
        return ""
    rows = ["| param | baseline | candidate |", "| --- | --- | --- |"]
    for p in compared.params:
        old = "–" if p.change == "added" else escape(words.as_written(p.old))
        new = "–" if p.change == "removed" else escape(words.as_written(p.new))
        rows.append(f"| {escape(p.name)} | {old} | {new} |")
    kinds = [p.change for p in compared.params]
    said = ", ".join(
        f"{kinds.count(kind)} {kind}" for kind in ("changed", "added", "removed") if kind in kinds
    )
    return details(f"Parameters: {said}", "\n".join(rows))


def _rule_changes(compared: CompareStage | None) -> str:
    """Gates and checks this manifest sets otherwise than the baseline's commit did: the
    pull request changed what it is judged by, which a reviewer should see beside it."""
    if compared is None or not compared.rules:
        return ""
    rows = ["| rule | at the baseline | here |", "| --- | --- | --- |"]
    size = 0
    for shown, r in enumerate(compared.rules):
        old = "–" if r.old is None else escape(words.clip(r.old, RULE_SHOWN))
        # a rule that takes effect when merged says so before its value: room for both
        shown = RULE_SHOWN * (2 if (r.new or "").startswith(AT_MERGE) else 1)
        new = "–" if r.new is None else escape(words.clip(r.new, shown))
        row = f"| {r.kind} {escape(words.clip(r.subject, RULE_SHOWN))} | {old} | {new} |"
        size += len(row) + 1
        if size > RULES_SHOWN:  # a section that always fits in a comment beside the gates
            more = words.count(len(compared.rules) - shown, "more rule")
            rows.append(f"| … and {more} (run.json's compare.rules lists each) | | |")
            break
        rows.append(row)
    said = words.count(len(compared.rules), "rule")
    kinds = ", ".join(p for k, p in RULE_KINDS.items() if any(r.kind == k for r in compared.rules))
    head = (
        f"### ⚠️ What it is judged by changed: {said} ({kinds}) set otherwise "
        f"than at {_baseline_name(compared)}"
    )
    merged = sum(1 for r in compared.rules if (r.new or "").startswith(AT_MERGE))
    if merged:  # what the merge job does: a reviewer's to judge, no gate's
        head += (
            f"\n\n{AT_MERGE.capitalize()} ({words.count(merged, 'rule')} of them): the "
            "merge, dispatch and scheduled jobs read them from the merged manifest and act "
            "on them with their rights (registering, promoting, deploying); no gate of this "
            "run judged them."
        )
    return f"{head}\n\n" + "\n".join(rows)


def _data_changes(compared: CompareStage | None) -> str:
    if compared is None or not compared.data:
        return ""
    rows = ["| data | change | rows | sha256 |", "| --- | --- | ---: | --- |"]
    for d in compared.data:
        count = f"{_count(d.old_rows)} → {_count(d.new_rows)}"
        digest = f"{code((d.old_sha256 or '–')[:12])} → {code((d.new_sha256 or '–')[:12])}"
        rows.append(f"| {escape(d.role)} | {d.change} | {count} | {digest} |")
    return "### Data changes\n\n" + "\n".join(rows)


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _metrics(result: RunResult) -> str:
    ev = result.evaluate
    if not ev.metrics:
        return ""
    task = escape(ev.task) + (" (inferred)" if ev.task_inferred else "")
    said = numbers.metrics(ev.metrics, result.model.checks)
    rows = [f"| {escape(name)} | {value} |" for name, value in said.items()]
    rows_said = words.count(ev.predictions.rows, "test row") if ev.predictions else "? test rows"
    head = f"### Metrics\n\n{task}, {rows_said}"
    if ev.positive_label is not None:
        head += f", positive class {code(ev.positive_label)}"
    table = "\n".join(["| metric | value |", "| --- | ---: |", *rows])
    compared = result.compare
    if compared is not None and compared.baseline.kind != "none" and compared.metrics:
        table = _changes_table(compared.metrics, result.model.checks, compared.gates)
        b = compared.baseline
        if b.paired_rows and b.candidate_rows and b.paired_rows != b.candidate_rows:
            # the table's figures are on the paired rows: the model checks' on all of them
            own = ", ".join(f"{escape(k)} {v}" for k, v in said.items())
            head += (
                f"; both sides below on the {words.count(b.paired_rows, 'paired row')} "
                f"(the candidate on all {b.candidate_rows:,}: {own})"
            )
    errors = "".join(
        f"\n- {escape(k)} not computed: {escape(v)}" for k, v in ev.metric_errors.items()
    )
    return f"{head}\n\n{table}{errors}{_intervals(ev)}"


def _intervals(ev: EvaluateStage) -> str:
    """evaluate.intervals: each of the candidate's figures with its own interval."""
    if not ev.intervals:
        return ""
    level = words.confidence(ev.intervals[0].confidence)
    said = "".join(
        f"\n- {escape(i.metric)}: {numbers.value(ev.metrics.get(i.metric))} "
        f"[{numbers.value(i.low)}, {numbers.value(i.high)}] ({escape(i.method)})"
        for i in ev.intervals
    )
    return f"\n\nThe candidate's figures, each with its {level} interval:{said}"


def _checks(title: str, checks: Iterable[CheckResult], manifest: Manifest | None) -> str:
    checks = list(checks)
    if not checks:
        return ""
    bad = [c for c in checks if c.status in ("failed", "error")]
    rest = [c for c in checks if c not in bad]
    head = f"### {title}: {tally.checks(checks)}"
    out = [head]
    if bad:
        out.append(_check_table(bad, manifest))
    if rest:
        table = _check_table(rest, manifest)
        out.append(
            table
            if not bad and len(rest) <= 5
            else details(f"{len(rest)} passed or skipped", table)
        )
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
    return _key_ref(check.manifest_key, manifest)


def _key_ref(key: str | None, manifest: Manifest | None) -> str:
    if manifest is None or key is None:
        return ""
    line = manifest.line_of(key)
    return f" <sub>{manifest.path.name}:{line}</sub>" if line else ""


def _stages(result: RunResult) -> str:
    rows = ["| stage | status | time | |", "| --- | --- | ---: | --- |"]
    commands: list[tuple[str, CommandOutcome]] = []
    if result.data.prepare is not None:
        commands.append(("prepare", result.data.prepare))
    if result.train.outcome is not None:
        commands.append(("train", result.train.outcome))
    for name in ("data", "train", "evaluate", "model", "compare"):
        stage = getattr(result, name)
        if stage is None:
            continue
        rows.append(
            f"| {name} | {ICON[stage.status]} {stage.status} | {stage.duration_s:.2f}s "
            f"| {prose(stage.message, cell=True)} |"
        )
    out = ["### Stages", "\n".join(rows)]
    for name, outcome in commands:
        if outcome.status != "passed" and outcome.log_tail:
            out.append(
                details(
                    f"last lines of `{name}` output",
                    "```text\n" + fence_safe("\n".join(outcome.log_tail)) + "\n```",
                )
            )
    return "\n\n".join(out)


def _datasets(result: RunResult) -> str:
    if not result.data.datasets:
        return ""
    rows = ["| data | file | rows | columns | sha256 |", "| --- | --- | ---: | ---: | --- |"]
    for d in result.data.datasets:
        rows.append(
            f"| {escape(d.role)} | {escape(d.file.path)} | {d.rows:,} | {len(d.columns):,} | "
            f"{escape(d.file.sha256[:12])} |"
        )
    return "### Data\n\n" + "\n".join(rows)


def _lineage(result: RunResult) -> str:
    git = result.git
    lines = [
        f"- run {code(result.run_id)}, mlgate {escape(result.mlgate_version)}, "
        f"{result.duration_s:.1f}s",
        f"- commit {code(git.commit[:12] if git.commit else 'none')}"
        + (f" on {code(git.branch)}" if git.branch else "")
        + (" (uncommitted changes" if git.dirty else "")
        + (": " + ", ".join(map(code, git.changed)) if git.dirty and git.changed else "")
        + (")" if git.dirty else ""),
        f"- manifest {code(result.manifest.path)} {code(result.manifest.sha256[:12])}",
    ]
    if result.train.model is not None:
        m = result.train.model
        lines.append(f"- model {code(m.path)} {code(m.sha256[:12])} ({m.bytes:,} bytes)")
    packages = ", ".join(f"{k} {v}" for k, v in result.environment.packages.items())
    lines.append(f"- Python {escape(result.environment.python)}; {escape(packages)}")
    body = "\n".join(lines)
    if result.params:
        params = "\n".join(f"| {escape(k)} | {escape(v)} |" for k, v in result.params.items())
        body += "\n\n| param | value |\n| --- | --- |\n" + params
    return details("Lineage", body)
