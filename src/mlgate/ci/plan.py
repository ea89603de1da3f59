"""Which job an Actions event asks for: a pure decision, so every trigger is testable
without running anything.

    pull_request          -> run (train, compare, gate) and post the report
    pull_request (fork)   -> run with the manifest's fork settings; hand the result over
    workflow_run          -> the fork-safe companion: check the hand-over, post it
    push, default branch  -> run against the previous commit, register, promote on merge
    push, other branch    -> run (the job summary only)
    workflow_dispatch     -> its `action` input: promote, rollback, retrain, retrain-pr or run
                             (but retrain-pr: from the default branch only)
    repository_dispatch   -> the same, from `client_payload`
    schedule              -> monitor
"""

from __future__ import annotations

from dataclasses import dataclass

from mlgate.errors import UserError
from mlgate.github.context import ActionsContext

# what the action's `command` input may say; `auto` reads the event
COMMANDS = (
    "auto",
    "run",
    "validate",
    "retrain",
    "retrain-pr",
    "register",
    "promote",
    "rollback",
    "monitor",
    "sweep-plan",
    "sweep",
    "sweep-collect",
)
DISPATCH_ACTIONS = ("run", "retrain", "retrain-pr", "promote", "rollback")
HANDLED_EVENTS = (
    "pull_request",
    "push",
    "workflow_dispatch",
    "repository_dispatch",
    "schedule",
    "workflow_run",
)
ZERO_SHA = "0" * 40
# pull_request activity that changes nothing a model depends on (`edited` is not among
# them: a new base branch is a new baseline)
QUIET_PR_ACTIONS = (
    "closed",
    "labeled",
    "unlabeled",
    "assigned",
    "unassigned",
    "review_requested",
    "review_request_removed",
    "locked",
    "unlocked",
    "milestoned",
    "demilestoned",
    "auto_merge_enabled",
    "auto_merge_disabled",
    "enqueued",
    "dequeued",
    "converted_to_draft",
)


@dataclass(frozen=True, kw_only=True)
class Plan:
    job: str  # pull-request, fork-pull-request, fork-report, merge, branch, dispatch,
    #           retrain-pr, monitor, validate, nothing
    steps: tuple[str, ...]  # run, register, promote, rollback, monitor, validate, post-handoff
    reason: str  # one line for the log and the summary: why this job
    handoff: bool = False  # leave the run for the fork-safe workflow to post
    baseline: str | None = None  # overrides compare.baseline `auto`
    version: str | None = None  # promote/rollback: which version
    environment: str | None = None  # promote/rollback: which environment
    fork_settings: bool = False  # apply the manifest's `forks:` section


def plan(
    ctx: ActionsContext,
    command: str = "auto",
    *,
    action: str | None = None,
    version: str | None = None,
    environment: str | None = None,
) -> Plan:
    """The job for this event; `command` other than auto forces one step."""
    if command not in COMMANDS:
        raise UserError(
            f"unknown command '{command}'",
            hint="the action's `command` input takes " + ", ".join(COMMANDS),
        )
    event = ctx.event_name
    if event == "pull_request_target":  # whatever the command: `run` trains the PR's code too
        raise UserError(
            "mlgate does not run on pull_request_target: that event runs with the base "
            "repository's token and secrets, and training runs the pull request's code",
            hint="trigger on pull_request, and add the fork-safe workflow_run companion "
            "(mlgate init writes both)",
        )
    if command != "auto":
        return _forced(ctx, command, version=version, environment=environment)
    if event == "pull_request":
        return _pull_request(ctx)
    if event == "workflow_run":
        return _workflow_run(ctx)
    if event == "push":
        return _push(ctx)
    if event in ("workflow_dispatch", "repository_dispatch"):
        requested = action or ctx.inputs.get("action") or "run"
        return _dispatch(
            ctx,
            requested,
            version=version or ctx.inputs.get("version"),
            environment=environment or ctx.inputs.get("environment"),
        )
    if event == "schedule":
        return Plan(
            job="monitor",
            steps=("monitor",),
            reason=f"scheduled run ({ctx.schedule or 'schedule'})",
        )
    raise UserError(
        f"mlgate's action does not handle the '{event}' event",
        hint="it handles " + ", ".join(HANDLED_EVENTS) + "; or set the action's `command` input",
    )


def _forced(
    ctx: ActionsContext, command: str, *, version: str | None, environment: str | None
) -> Plan:
    in_pr = ctx.event_name == "pull_request"
    if command in ("run", "retrain"):
        return Plan(
            job="run",
            steps=("run",),
            reason=f"command: {command}",
            handoff=in_pr and ctx.is_fork,
            fork_settings=in_pr and ctx.is_fork,
        )
    if command == "retrain-pr":
        return _retrain_pr(ctx)
    if command in ("promote", "rollback"):
        return _dispatch(
            ctx,
            command,
            version=version or ctx.inputs.get("version"),
            environment=environment or ctx.inputs.get("environment"),
        )
    return Plan(
        job=command,
        steps=(command,),
        reason=f"command: {command}",
        version=version,
        environment=environment,
    )


def _pull_request(ctx: ActionsContext) -> Plan:
    if ctx.action in QUIET_PR_ACTIONS:
        return Plan(
            job="nothing",
            steps=(),
            reason=f"pull request {ctx.action}: nothing a model depends on changed",
        )
    number = f"#{ctx.pull_number}" if ctx.pull_number is not None else "a pull request"
    if ctx.is_fork:
        return Plan(
            job="fork-pull-request",
            steps=("run",),
            handoff=True,
            fork_settings=True,
            reason=f"{number} comes from a fork: run with no secrets and the "
            "manifest's fork settings; the workflow_run companion posts the report",
        )
    return Plan(
        job="pull-request",
        steps=("run",),
        reason=f"{number} into {ctx.base_ref or 'its base branch'}",
    )


def _workflow_run(ctx: ActionsContext) -> Plan:
    run = ctx.workflow_run
    if run is None or run.event != "pull_request":
        origin = run.event if run is not None else "unknown"
        return Plan(
            job="nothing",
            steps=(),
            reason=f"workflow_run from a {origin} run: only pull request runs are handed over",
        )
    if run.conclusion not in ("success", "failure"):
        return Plan(
            job="nothing",
            steps=(),
            reason=f"the pull request's run ended {run.conclusion or 'unfinished'}: "
            "no run result to post",
        )
    return Plan(
        job="fork-report",
        steps=("post-handoff",),
        reason=f"post the report of pull request run {run.id} (head {run.head_sha[:12]})",
    )


def _push(ctx: ActionsContext) -> Plan:
    if ctx.deleted or not ctx.ref.startswith("refs/heads/"):
        what = "a deletion" if ctx.deleted else ctx.ref or "an unknown ref"
        return Plan(job="nothing", steps=(), reason=f"push of {what}: nothing to run")
    branch = ctx.ref.removeprefix("refs/heads/")
    before = ctx.before if ctx.before and ctx.before != ZERO_SHA else None
    if ctx.default_branch and branch == ctx.default_branch:
        return Plan(
            job="merge",
            steps=("run", "register", "promote"),
            baseline=before,
            reason=f"push to the default branch {branch}: run against "
            f"{before[:12] if before else 'no earlier commit'}, register, promote "
            "on merge",
        )
    return Plan(
        job="branch",
        steps=("run",),
        baseline=before,
        reason=f"push to {branch}, not the default branch: run only",
    )


def _dispatch(
    ctx: ActionsContext, action: str, *, version: str | None, environment: str | None
) -> Plan:
    if action not in DISPATCH_ACTIONS:
        raise UserError(
            f"unknown dispatch action '{action}'",
            hint="the workflow's `action` input takes " + ", ".join(DISPATCH_ACTIONS),
        )
    if action == "retrain-pr":
        return _retrain_pr(ctx)
    decided = _from_the_default_branch(ctx, action)
    if action in ("run", "retrain"):
        return Plan(
            job="dispatch",
            steps=("run", "register", "promote"),
            reason=f"{ctx.event_name}: {action} on {decided}",
        )
    if not environment:
        raise UserError(
            f"{action} needs an environment",
            hint="set the workflow's `environment` input (staging, production, ...)",
        )
    if action == "promote" and not version:
        raise UserError("promote needs a version", hint="set the workflow's `version` input")
    target = f"{version} to {environment}" if action == "promote" else environment
    return Plan(
        job="dispatch",
        steps=(action,),
        version=version,
        environment=environment,
        reason=f"{ctx.event_name}: {action} {target}, from {decided}",
    )


def _from_the_default_branch(ctx: ActionsContext, action: str) -> str:
    """The default branch (and the commit) a dispatch's promote, rollback, retrain or run
    is decided on, said in its record's reason; refused from any other ref. The job runs
    on the ref it was dispatched from (Run workflow -> Use workflow from: a branch or a
    tag), so that ref's mlops.yaml decided: a branch that dropped `requires: staging` or
    changed a deploy command promoted to production under its own rules, running its
    deploy command with the environment's secrets, in the registry the default branch
    shares; and its training registered a version (audit V, finding 2). A
    repository_dispatch runs on the default branch only."""
    default = ctx.default_branch
    if ctx.event_name == "repository_dispatch" and not ctx.ref and default:
        ref = f"refs/heads/{default}"  # GitHub runs it there, and says so in GITHUB_REF
    else:
        ref = ctx.ref
    if not default:
        raise UserError(
            f"{action} was not run: the event names no default branch "
            "(repository.default_branch), so whether it was dispatched from it cannot be told",
            hint="dispatch it with workflow_dispatch or repository_dispatch from the default "
            "branch: GitHub's payload of either names it",
        )
    if ref != f"refs/heads/{default}":
        raise UserError(
            f"{action} was dispatched from {ref or 'an unknown ref'}, not from the default "
            f"branch {default}: that ref's mlops.yaml (its environments' `requires` and "
            "deploy commands, its training) would decide, in the registry the default "
            "branch shares",
            hint=f"dispatch it from {default} (Actions -> mlgate dispatch -> Run workflow -> "
            f"Use workflow from: {default}); to have GitHub refuse such a run too, allow only "
            f"{default} under the environment's deployment branches (Settings -> Environments)",
        )
    return f"{default} at {ctx.sha[:12]}" if ctx.sha else default


def _retrain_pr(ctx: ActionsContext) -> Plan:
    why = ctx.inputs.get("reason") or "by hand"
    return Plan(
        job="retrain-pr",
        steps=("retrain-pr",),
        reason=f"{ctx.event_name}: refresh the data, retrain on a branch of its own and "
        f"open or update its pull request ({why[:200]})",
    )
