"""Carry out a plan: run, hand over or post, and the registry's steps, then set the step's
outputs. What each step did is kept as lines for the log and the job summary."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.ci.plan import Plan
from mlgate.errors import UserError
from mlgate.github.context import ActionsContext
from mlgate.manifest.spec import Manifest
from mlgate.result.records import RunResult

if TYPE_CHECKING:
    from mlgate.github.http import GitHub
    from mlgate.pipeline import Observer
    from mlgate.registry.operations import Change, Where
    from mlgate.sweep.local import Finished

# the action's outputs, by name, each with the only values it may take: what a workflow
# does with them (`if: steps.mlgate.outputs.verdict == 'passed'`) must not be steered by
# a value someone else wrote
OUTPUTS = {
    "job": re.compile(r"|[a-z][a-z-]{0,39}"),
    "verdict": re.compile(r"|passed|failed"),
    "report": re.compile(r"|[^\x00-\x1f\x7f]{1,4096}"),  # a path, on one line
    "run-id": re.compile(r"|[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}"),
    "version": re.compile(r"|v?[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]{0,64}"),
    # a sweep's matrix, as mlgate made it: ids and shard numbers only, on one line
    "matrix": re.compile(r'|\{"include": \[[ -~]{0,1000000}\]\}'),
}
MONITOR_NOTE = (
    "scheduled run: the manifest names no production data (monitor.data), so this run "
    "re-checks today's data, retrains and re-checks the model"
)
MONITOR_REPORT = Path(".mlgate") / "monitor" / "report.md"


@dataclass(frozen=True, kw_only=True)
class Outcome:
    plan: Plan
    result: RunResult | None = None
    report: str = ""  # the run's report.md
    version: str = ""  # the version registered, when one was
    lines: tuple[str, ...] = field(default_factory=tuple)  # what happened, in order
    attention: bool | None = None  # a monitoring job: drift, or an estimate in doubt
    summary: str = ""  # Markdown of the job's own for the job summary (a monitoring report)
    matrix: str = ""  # sweep-plan: the matrix, JSON on one line

    @property
    def verdict(self) -> str:
        if self.result is None and self.attention is None:
            return ""
        if self.attention:
            return "failed"
        return "passed" if self.result is None else self.result.verdict

    @property
    def passed(self) -> bool:
        """The run passed, if there was one, and nothing else needs attention (drift, a
        sweep's configuration that never finished)."""
        return (self.result is None or self.result.passed) and not self.attention


@dataclass(frozen=True, kw_only=True)
class Job:
    """What a job needs from outside: how to load the manifest and report progress."""

    ctx: ActionsContext
    load: Callable[[], Manifest]
    observer: Observer | None = None
    env: Mapping[str, str] | None = None
    artifact: Path = Path("mlgate-run")  # where the fork-safe workflow downloaded the run
    configurations: str = ""  # sweep: a matrix job's configuration ids, comma-separated


def execute(plan: Plan, job: Job) -> Outcome:
    outcome = Outcome(plan=plan, lines=(f"{plan.job}: {plan.reason}",))
    for step in plan.steps:
        outcome = STEPS[step](plan, job, outcome)
    return outcome


def _run(plan: Plan, job: Job, outcome: Outcome, *, notes: tuple[str, ...] = ()) -> Outcome:
    from mlgate import pipeline, publish
    from mlgate.ci import handoff
    from mlgate.compare import baseline
    from mlgate.result import runs

    manifest = job.load()
    if plan.baseline and manifest.compare.baseline_kind == "auto":
        manifest = baseline.override(
            manifest, plan.baseline, origin="the push event (the commit before the push)"
        )
    result = pipeline.run(
        manifest, observer=job.observer, env=job.env, fork=plan.fork_settings, notes=notes
    )
    folder = runs.run_dir(manifest.root, result.run_id)
    if plan.handoff:
        handoff.write(folder, manifest, job.ctx, publish.manifest_path(manifest))
    done = publish.publish(result, manifest, job.ctx)  # posts where the event allows
    return replace(
        outcome,
        result=result,
        report=os.path.relpath(folder / runs.REPORT_FILE),
        lines=(
            *outcome.lines,
            f"run {result.run_id}: {result.verdict}: {result.summary}",
            *done.lines(),
        ),
    )


def _monitor(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """`mlgate monitor --record` on the manifest's production data, its Markdown in the job
    summary; a manifest that names none gets a run of the model on today's data."""
    import datetime as dt

    from mlgate import alerts, atomic, monitor, monitor_history, monitor_report

    manifest = job.load()
    if manifest.monitor.data is None:
        return _run(plan, job, outcome, notes=(MONITOR_NOTE,))
    where = _where(job, manifest)
    stage = manifest.monitor.stage
    found = monitor.watch(manifest, where, None, stage=stage, env=job.env)
    now = dt.datetime.now(dt.UTC)
    past = monitor_history.record(where, manifest, found, now=now)
    acted = alerts.act(manifest, found, past, job.ctx, now=now)
    text = monitor_report.markdown(manifest.name, found, past)
    report = manifest.root / MONITOR_REPORT
    atomic.write_text(report, text)
    said = [
        "data " + ("drifted" if found.drifted else "steady" if found.measured else "not measured")
    ]
    if found.estimates:  # none for a regression, or too few test rows: nothing to trust
        said.append("estimate " + ("trusted" if found.reliable else "not to be trusted"))
    if found.decay:
        said.append("performance decayed")
    return replace(
        outcome,
        attention=found.attention,
        report=os.path.relpath(report),
        summary=text,
        lines=(
            *outcome.lines,
            f"monitor: {found.data} against {found.version} ({stage}): {', '.join(said)}; "
            f"recorded ({len(past.entries)} in the history)",
            *acted.lines(),
        ),
    )


def _retrain_pr(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """The retraining a monitoring alarm dispatched: one branch, one pull request."""
    from mlgate import retraining
    from mlgate.result import runs

    manifest = job.load()
    done = retraining.retrain(manifest, job.ctx, observer=job.observer, env=job.env)
    report = ""
    if done.result is not None:
        folder = runs.run_dir(manifest.root, done.result.run_id)
        report = os.path.relpath(folder / runs.REPORT_FILE)
    return replace(outcome, result=done.result, report=report, lines=(*outcome.lines, *done.lines))


def _sweep_plan(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """The sweep as a matrix, for the next job's `strategy.matrix` (the `matrix` output)."""
    import json

    from mlgate.sweep import matrix, space

    planned = matrix.matrix(space.of(job.load()))
    lines = [f"sweep plan: {len(planned.include)} jobs", *filter(None, [planned.said()])]
    return replace(
        outcome,
        matrix=json.dumps(planned.document()),
        attention=False,
        lines=(*outcome.lines, *lines),
    )


def _sweep(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """A matrix job: its configurations (all, without any named) run on this runner."""
    from mlgate.sweep import engine

    manifest = job.load()
    where = engine.Where(workers=os.cpu_count() or 1)
    finished = engine.sweep(manifest, where, only=job.configurations)
    lines = [f"sweep: {f.configuration.id} {f.configuration.label()}: {f.status}" for f in finished]
    whole = all(f.ran for f in finished)
    return replace(outcome, attention=not whole, lines=(*outcome.lines, *lines))


def _sweep_collect(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """The matrix's runs, downloaded under the `artifact` folder, ranked; the winner gated
    on the held-out rows as a run of the project, reported as every run is."""
    from mlgate import publish
    from mlgate.report import sweep_tables
    from mlgate.result import runs
    from mlgate.sweep import collect, gating, space

    manifest = job.load()
    folder = manifest.root / job.artifact
    if not folder.is_dir():
        raise UserError(
            f"'{job.artifact}' is not a folder",
            hint="download the sweep jobs' artifacts there (actions/download-artifact)",
        )
    finished = collect.collected(folder, manifest, space.of(manifest))
    decided = gating.decide(manifest, finished, folder, observer=job.observer, env=job.env)
    lines = (*outcome.lines, *_unfinished(finished), sweep_tables.winner(decided.record))
    gated = decided.gated
    if gated is None:
        summary = sweep_tables.markdown(decided.record)
        return replace(outcome, attention=True, summary=summary, lines=lines)
    done = publish.publish(gated, manifest, job.ctx)  # the report holds the sweep's table
    report = runs.run_dir(manifest.root, gated.run_id) / runs.REPORT_FILE
    return replace(
        outcome,
        result=gated,
        attention=not decided.complete,
        report=os.path.relpath(report),
        lines=(*lines, f"run {gated.run_id}: {gated.verdict}: {gated.summary}", *done.lines()),
    )


def _unfinished(finished: list[Finished]) -> list[str]:
    """A line for each configuration that has no run to rank: the step fails on them."""
    return [
        f"sweep: {f.configuration.id} {f.configuration.label()}: {f.status}: {f.message}"
        for f in finished
        if not f.ran
    ]


def _validate(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    from mlgate.manifest import lint

    loaded = job.load()
    warned = tuple(f"warning: {w}" for w in lint.warnings(loaded, loaded.path.name))
    return replace(
        outcome, lines=(*outcome.lines, *warned, f"{loaded.path.name}: valid ({loaded.name})")
    )


def _where(job: Job, manifest: Manifest) -> Where:
    from mlgate import promotion

    return promotion.where_in_workflow(manifest, job.ctx)


def _register(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """After a run on the default branch: its model becomes the next version."""
    from mlgate.registry import operations

    manifest = job.load()
    from mlgate.result import runs

    # `command: register`: the last run this job made, never one a commit put there
    result = outcome.result or runs.read_latest(manifest.root)
    if not result.passed:
        return _said(outcome, "register: skipped: the run did not pass its checks and gates")
    change = operations.register(
        _where(job, manifest), manifest, result, actor=job.ctx.actor, reason=plan.reason
    )
    said = (
        f"registered {change.version}"
        if change.changed
        else f"register: this commit is {change.version} already"
    )
    return replace(_said(outcome, said), version=change.version)


def _promote(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """After registering: to each environment promoted on merge. Asked for by a dispatch:
    the version to the environment."""
    from mlgate import promotion

    manifest = job.load()
    if "run" not in plan.steps:  # a dispatch: promote VERSION to ENVIRONMENT
        change = promotion.promote(
            _where(job, manifest),
            manifest,
            plan.version or "",
            plan.environment or "",
            actor=job.ctx.actor,
            reason=plan.reason,
        )
        return replace(_said(outcome, _change_line(change)), version=change.version)
    if not outcome.version:
        return _said(outcome, "promote: skipped: no version was registered")
    targets = [e.name for e in manifest.environments if e.on == "merge"]
    if not targets:
        return _said(outcome, "promote: no environment in mlops.yaml is promoted on merge")
    for name in targets:
        change = promotion.promote(
            _where(job, manifest),
            manifest,
            outcome.version,
            name,
            actor=job.ctx.actor,
            reason=plan.reason,
        )
        outcome = _said(outcome, _change_line(change))
    return outcome


def _rollback(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    from mlgate import promotion

    manifest = job.load()
    change = promotion.rollback(
        _where(job, manifest),
        manifest,
        plan.environment or "",
        actor=job.ctx.actor,
        reason=plan.reason,
    )
    return replace(_said(outcome, _change_line(change)), version=change.version)


def _change_line(change: Change) -> str:
    if not change.changed:
        return f"{change.environment}: holds {change.version} already"
    return f"{change.environment}: {change.previous or 'empty'} -> {change.version} ({change.tag})"


def _post_handoff(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    """A fork's run, checked against GitHub and posted: the pull request as GitHub sees
    it, the manifest copy against the file at its head commit, and the rules it changes
    listed from the base commit's manifest here, not taken from the run."""
    from mlgate import atomic, publish
    from mlgate.ci import handoff
    from mlgate.github import contents, pulls
    from mlgate.github.http import GitHub, NotFound
    from mlgate.report import markdown
    from mlgate.result import runs

    ctx = job.ctx
    received = handoff.read(job.artifact)
    claimed = received.handoff
    handoff.verify(claimed, ctx, None)  # before any call: the artifact against the event
    if not ctx.token:
        raise UserError("no token to post with", hint="pass `token:` to the action")
    said = (
        f"hand-over of #{claimed.pull_number} at {claimed.head_sha[:12]} checked against GitHub",
    )
    with GitHub(api_url=ctx.api_url, token=ctx.token) as gh:
        try:
            pull = pulls.get(gh, ctx.owner, ctx.repo, claimed.pull_number)
        except NotFound as exc:
            raise UserError(f"pull request #{claimed.pull_number} does not exist here") from exc
        why_not = handoff.verify(claimed, ctx, pull)
        if why_not:  # moved on or closed: skipped quietly, no verdict of a report not posted
            return replace(outcome, lines=(*outcome.lines, *said, f"not posted: {why_not}"))
        # the head commit is the fork's, and the base repository holds it (refs/pull/N/head)
        path = claimed.manifest_path
        at_head = contents.file_at(gh, ctx.owner, ctx.repo, path, claimed.head_sha)
        checked = handoff.same_manifest(received, at_head)
        base_path, at_base = _base_manifest(gh, ctx, path, pull.base_sha)
        whole = True
        if at_base is None:  # new in the pull request: the base may hold the model elsewhere
            base_path, at_base, whole = _model_at_base(
                gh, ctx, received.manifest.name, path, pull.base_sha
            )
    received, ruled = handoff.judged(received, at_base, pull, base_path, listed_whole=whole)
    received = handoff.fork_noted(received)
    result = received.result
    trusted = replace(
        ctx, pull_number=claimed.pull_number, head_sha=claimed.head_sha, is_fork=False
    )
    done = publish.publish(
        result,
        received.manifest,
        trusted,
        strict=True,
        manifest_path=claimed.manifest_path,
        earlier_runs=False,  # the folder's other runs are the fork's to make up
    )
    # the output names a report rendered here, from the checked run, over the fork's own
    report = claimed.folder / runs.REPORT_FILE
    atomic.write_text(report, markdown.render(result, received.manifest))
    return replace(
        outcome,
        result=result,
        report=os.path.relpath(report),
        lines=(*outcome.lines, *said, checked, ruled, *done.lines()),
    )


def _base_manifest(
    gh: GitHub, ctx: ActionsContext, path: str, base_sha: str
) -> tuple[str, bytes | None]:
    """The base commit's manifest: at the head's path, else under the other name a
    manifest may have beside it. A fork that renamed mlops.yaml to mlops.yml was taken to
    add the manifest, and its claim of no baseline (every gate left out) was believed."""
    from mlgate.ci import handoff
    from mlgate.github import contents
    from mlgate.manifest.load import spellings

    for tried in spellings(path):
        found = contents.file_at(gh, ctx.owner, ctx.repo, tried, base_sha)
        # a file of the base that is no manifest (params.yaml, named by the fork's
        # hand-over) is not the base's rules: the base's manifest of the model is looked for
        if found is not None and handoff.manifest_name(found, tried) is not None:
            return tried, found
    return path, None


def _model_at_base(
    gh: GitHub, ctx: ActionsContext, model: str, path: str, base_sha: str
) -> tuple[str, bytes | None, bool]:
    """The base commit's manifest of `model`, where the hand-over's is new: a fork that
    added `models/mlops.yaml` (the model's name, no gates) beside the base's `mlops.yaml`
    was taken to add the model, and judged by none of the base's rules. The base commit's
    files named as a manifest is (handoff.candidates) are read, nearest the top first; the
    first that names the model is the base's. (Its path, or `path`; its bytes, or None;
    whether every file of the base commit was looked at.)"""
    from mlgate.ci import handoff
    from mlgate.github import contents

    listed, whole = contents.paths_at(gh, ctx.owner, ctx.repo, base_sha)
    found = handoff.candidates(listed, path)
    for tried in found[: handoff.MAX_CANDIDATES]:
        text = contents.file_at(gh, ctx.owner, ctx.repo, tried, base_sha)
        if text is not None and handoff.names_model(text, tried, model):
            return tried, text, whole
    return path, None, whole and len(found) <= handoff.MAX_CANDIDATES


def _said(outcome: Outcome, line: str) -> Outcome:
    return replace(outcome, lines=(*outcome.lines, line))


STEPS: dict[str, Callable[[Plan, Job, Outcome], Outcome]] = {
    "run": _run,
    "monitor": _monitor,
    "retrain-pr": _retrain_pr,
    "sweep-plan": _sweep_plan,
    "sweep": _sweep,
    "sweep-collect": _sweep_collect,
    "validate": _validate,
    "register": _register,
    "promote": _promote,
    "rollback": _rollback,
    "post-handoff": _post_handoff,
}


def set_outputs(outcome: Outcome, ctx: ActionsContext) -> None:
    """The action's outputs, through GITHUB_OUTPUT."""
    if ctx.output is None:
        return
    from mlgate.github import actions

    values = (
        outcome.plan.job,
        outcome.verdict,
        outcome.report,
        outcome.result.run_id if outcome.result else "",
        outcome.version,
        outcome.matrix,
    )
    said = dict(zip(OUTPUTS, values, strict=True))
    for name, value in said.items():
        if not OUTPUTS[name].fullmatch(value):
            raise UserError(
                f"refused to set the step output {name} to {value[:80]!r}: not "
                "one of the values it may take"
            )
    for name, value in said.items():
        actions.set_output(ctx.output, name, value)
