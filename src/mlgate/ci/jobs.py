"""Carry out a plan: run, hand over or post, and the registry's steps, then set the step's
outputs. What each step did is kept as lines for the log and the job summary."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from mlgate.ci.plan import Plan
from mlgate.errors import UserError
from mlgate.github.context import ActionsContext
from mlgate.manifest.model import Manifest
from mlgate.result.model import RunResult

# the registry's commands slot in here when it lands: name -> (manifest, plan, run) -> version
RegistryStep = Callable[[Manifest, Plan, RunResult | None], str]
REGISTRY_STEPS: dict[str, RegistryStep] = {}
NO_REGISTRY = "mlgate's model registry is not in this version"
OUTPUTS = ("job", "verdict", "report", "run-id", "version")  # the action's outputs, by name
MONITOR_NOTE = ("scheduled run: drift monitoring (`monitor:`) is not in this version of "
                "mlgate, so this run re-checks today's data, retrains and re-checks the model")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    plan: Plan
    result: RunResult | None = None
    report: str = ""  # the run's report.md
    version: str = ""  # the version registered, when one was
    lines: tuple[str, ...] = field(default_factory=tuple)  # what happened, in order

    @property
    def verdict(self) -> str:
        return self.result.verdict if self.result is not None else ""

    @property
    def passed(self) -> bool:
        return self.result is None or self.result.passed


@dataclass(frozen=True, kw_only=True)
class Job:
    """What a job needs from outside: how to load the manifest and report progress."""

    ctx: ActionsContext
    load: Callable[[], Manifest]
    observer: object = None  # pipeline.Observer
    env: Mapping[str, str] | None = None
    artifact: Path = Path("mlgate-run")  # where the fork-safe workflow downloaded the run


def execute(plan: Plan, job: Job) -> Outcome:
    outcome = Outcome(plan=plan, lines=(f"{plan.job}: {plan.reason}",))
    for step in plan.steps:
        outcome = STEPS[step](plan, job, outcome)
    return outcome


def _run(plan: Plan, job: Job, outcome: Outcome, *, notes: tuple[str, ...] = ()) -> Outcome:
    from mlgate import pipeline, publish
    from mlgate.ci import handoff
    from mlgate.compare import baseline
    from mlgate.result import store

    manifest = job.load()
    if plan.baseline and manifest.compare.baseline_kind == "auto":
        manifest = baseline.override(manifest, plan.baseline)
    result = pipeline.run(manifest, observer=job.observer, env=job.env,
                          fork=plan.fork_settings, notes=notes)
    folder = store.run_dir(manifest.root, result.run_id)
    if plan.handoff:
        handoff.write(folder, manifest, job.ctx, publish.manifest_path(manifest))
    done = publish.publish(result, manifest, job.ctx)  # posts where the event allows
    return replace(outcome, result=result,
                   report=os.path.relpath(folder / store.REPORT_FILE),
                   lines=(*outcome.lines, f"run {result.run_id}: {result.verdict}: "
                          f"{result.summary}", *done.lines()))


def _monitor(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    return _run(plan, job, outcome, notes=(MONITOR_NOTE,))


def _validate(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    loaded = job.load()
    return replace(outcome, lines=(*outcome.lines, f"{loaded.path.name}: valid ({loaded.name})"))


def _registry(name: str) -> Callable[[Plan, Job, Outcome], Outcome]:
    """register/promote after a run go quietly when the registry is absent or the run
    failed; a promote or rollback asked for by name is an error without it."""

    def step(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
        after_run = "run" in plan.steps
        if after_run and not outcome.passed:
            return _said(outcome, f"{name}: skipped: the run did not pass its gates")
        command = REGISTRY_STEPS.get(name)
        if command is None:
            if after_run:
                return _said(outcome, f"{name}: skipped: {NO_REGISTRY}")
            raise UserError(f"cannot {name}: {NO_REGISTRY}",
                            hint="promotion and rollback arrive with the registry; "
                            "until then the workflow_dispatch template can only retrain")
        version = command(job.load(), plan, outcome.result)
        return replace(_said(outcome, f"{name}: {version}"), version=version or outcome.version)

    return step


def _post_handoff(plan: Plan, job: Job, outcome: Outcome) -> Outcome:
    from mlgate import publish
    from mlgate.ci import handoff
    from mlgate.github import pulls
    from mlgate.github.http import GitHub, NotFound

    ctx = job.ctx
    received = handoff.read(job.artifact)
    claimed = received.handoff
    handoff.verify(claimed, ctx, None)  # before any call: the artifact against the event
    if not ctx.token:
        raise UserError("no token to post with", hint="pass `token:` to the action")
    with GitHub(api_url=ctx.api_url, token=ctx.token) as gh:
        try:
            pull = pulls.get(gh, ctx.owner, ctx.repo, claimed.pull_number)
        except NotFound as exc:
            raise UserError(f"pull request #{claimed.pull_number} does not exist here") from exc
    why_not = handoff.verify(claimed, ctx, pull)
    result = received.result
    said = (f"hand-over of #{claimed.pull_number} at {claimed.head_sha[:12]} checked "
            "against GitHub",)
    if why_not:
        return replace(outcome, result=result, lines=(*outcome.lines, *said,
                                                      f"not posted: {why_not}"))
    trusted = replace(ctx, pull_number=claimed.pull_number, head_sha=claimed.head_sha,
                      is_fork=False)
    done = publish.publish(result, received.manifest, trusted, strict=True,
                           manifest_path=claimed.manifest_path)
    return replace(outcome, result=result,
                   report=os.path.relpath(claimed.folder / "report.md"),
                   lines=(*outcome.lines, *said, *done.lines()))


def _said(outcome: Outcome, line: str) -> Outcome:
    return replace(outcome, lines=(*outcome.lines, line))


STEPS: dict[str, Callable[[Plan, Job, Outcome], Outcome]] = {
    "run": _run,
    "monitor": _monitor,
    "validate": _validate,
    "register": _registry("register"),
    "promote": _registry("promote"),
    "rollback": _registry("rollback"),
    "post-handoff": _post_handoff,
}


def set_outputs(outcome: Outcome, ctx: ActionsContext) -> None:
    """The action's outputs, through GITHUB_OUTPUT."""
    if ctx.output is None:
        return
    from mlgate.github import actions

    values = (outcome.plan.job, outcome.verdict, outcome.report,
              outcome.result.run_id if outcome.result else "", outcome.version)
    for name, value in zip(OUTPUTS, values, strict=True):
        actions.set_output(ctx.output, name, value)
