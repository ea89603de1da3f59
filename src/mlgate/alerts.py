"""What a recorded monitoring run does about its alarm (monitor.on_drift): one sticky issue
per model, opened on the alarm, updated while it lasts, closed when it clears, reopened
when it returns; with `retrain`, also the retraining workflow started once per alarm.

Which run opens is decided by the history (monitor_history.turn): of runs racing on one alarm,
only the one whose entry landed first creates the issue and starts the retraining, so
twenty at once still leave one issue and one retraining.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import words
from mlgate.errors import OutsideError, UserError

if TYPE_CHECKING:
    from mlgate.github.context import ActionsContext
    from mlgate.github.http import GitHub
    from mlgate.github.issues import IssueOutcome
    from mlgate.manifest.spec import Manifest
    from mlgate.monitor import Monitored
    from mlgate.monitor_history import History, Turn

LABEL = "mlgate-monitor"
RETRAIN_WORKFLOW = "mlgate-retrain.yml"  # what `mlgate init` writes for on_drift: retrain
WAIT_S = 30.0  # how long a run that follows looks for the issue the opener is making
RETRAIN_BRANCH = "mlgate/retrain/{name}"
ISSUE_LIMIT = 65_536  # characters GitHub takes in an issue's body
MARKER_ROOM = 200  # the marker comment the tracker adds to the body


@dataclass(frozen=True, kw_only=True)
class Acted:
    action: str  # created, updated, unchanged, closed, reopened, none
    issue: str = ""  # its URL
    retrain: str = ""  # what was started, when it was
    notes: tuple[str, ...] = ()  # why something was not done

    def lines(self) -> list[str]:
        said = f"issue: {self.action}" + (f" {self.issue}" if self.issue else "")
        return [said, *([f"retrain: {self.retrain}"] if self.retrain else [])] + [
            f"note: {n}" for n in self.notes
        ]


def act(
    manifest: Manifest,
    found: Monitored,
    past: History,
    ctx: ActionsContext | None,
    *,
    now: dt.datetime,
    gh: GitHub | None = None,
) -> Acted:
    """The issue (and retraining) this run's turn asks for. Never raises for GitHub: a
    token that may not write issues leaves a note, and the job still fails on the alarm."""
    from mlgate import monitor_history

    on_drift = manifest.monitor.on_drift
    if on_drift == "none":
        return Acted(action="none", notes=("monitor.on_drift is none: no issue is kept",))
    if ctx is None or not ctx.repository or not ctx.token:
        unstarted = on_drift == "retrain" and found.attention
        return Acted(
            action="none",
            notes=(
                "not in GitHub Actions (no GITHUB_REPOSITORY and token): no issue kept"
                + (
                    ", and the retraining monitor.on_drift asks for not started"
                    if unstarted
                    else ""
                ),
            ),
        )
    turn = monitor_history.turn(past.entries, now)
    if turn.kind == "quiet":
        return Acted(action="none")
    from mlgate.github import issues
    from mlgate.github.comments import marker_for
    from mlgate.github.http import GitHub

    client = gh or GitHub(ctx.api_url, ctx.token)
    try:
        tracker = issues.Tracker.of(
            client, ctx.repository, marker=marker_for(manifest.name), label=LABEL, author=ctx.login
        )
        if turn.kind == "close":
            done = tracker.close(_cleared(manifest, found, past, ctx))
            if turn.again and done.action == "none":  # closed by the first, as it should be
                return Acted(action="none")
            return _acted(done)
        since = None if turn.kind == "open" else turn.since
        body = _alarm_body(manifest, found, past, ctx, turn)
        done = tracker.open(title(manifest), body, since=since, may_open=turn.stale, wait_s=WAIT_S)
        # the opener starts the retraining once it has the issue; a follower that had to
        # make the issue itself (the opener died first) starts it in its stead
        retrain = on_drift == "retrain" and (
            turn.kind == "open" or (turn.stale and done.action == "created")
        )
        started = _dispatch(client, ctx, manifest, done) if retrain else ""
        if started.startswith("not started"):  # the issue said it was: say what happened
            failed = _alarm_body(manifest, found, past, ctx, turn, retrain=started)
            tracker.open(title(manifest), failed, since=turn.since, may_open=False)
        return _acted(done, retrain=started)
    except OutsideError as exc:
        nor = " nor retraining started" if on_drift == "retrain" and found.attention else ""
        return Acted(action="none", notes=(f"no issue kept{nor}: {exc.message}",))
    finally:
        if gh is None:
            client.close()


def title(manifest: Manifest) -> str:
    return f"mlgate monitor: {manifest.name} in {manifest.monitor.stage} needs attention"


def _alarm_body(
    manifest: Manifest,
    found: Monitored,
    past: History,
    ctx: ActionsContext,
    turn: Turn,
    *,
    retrain: str = "",
) -> str:
    """The report, fitted to what GitHub takes (65,536 characters: one long value, or some
    500 features, made a body GitHub refused, and the alarm reached nobody), then when
    the alarm began and what to do."""
    from mlgate import monitor_report

    tail = "\n\n".join(
        [
            f"_Alarm since {turn.since}; this issue is updated by each scheduled run while "
            "it lasts, and closed by the first run that finds the data steady and the "
            "performance trusted._",
            _what_to_do(manifest, ctx, retrain),
        ]
    )
    report = monitor_report.markdown(manifest.name, found, past, charts=False)
    return _fitted(report, ISSUE_LIMIT - len(tail) - MARKER_ROOM) + "\n\n" + tail


def _fitted(report: str, room: int) -> str:
    """`report` whole, or its first lines within `room`, saying it was cut and where the
    rest is."""
    if len(report) <= room:
        return report
    cut = "\n\n_Cut here to stay within GitHub's size limit: the job's summary has it all._"
    kept = report[: max(room - len(cut), 0)].rsplit("\n", 1)[0]
    return kept + cut


def _what_to_do(manifest: Manifest, ctx: ActionsContext, retrain: str = "") -> str:
    branch = RETRAIN_BRANCH.format(name=manifest.name)
    if manifest.monitor.on_drift == "retrain" and retrain.startswith("not started"):
        from mlgate.report import inert

        return (
            "### What to do\n\n"
            f"A retraining should have started with this alarm, but was {inert.escape(retrain)}. "
            "Start it from the mlgate dispatch workflow with `retrain`, once the workflow "
            "can be dispatched."
        )
    if manifest.monitor.on_drift == "retrain":
        workflow = retrain_workflow(manifest)
        runs = f"{ctx.server_url}/{ctx.repository}/actions/workflows/{workflow}"
        return (
            "### What to do\n\n"
            f"A retraining was started ([{workflow}]({runs})): it refreshes the "
            f"data, retrains on the branch `{branch}` and opens (or updates) one pull request "
            "with the retrained model's report and check (none when the refresh brought no "
            "new data: its run's log says so, and so does a comment here when its token may "
            "write issues). Review and merge it as any "
            "other: the merge registers and promotes the model through your gates. A pull "
            "request opened with the workflow's own token starts no workflow; the retraining "
            "run posts the report itself, and with a GitHub App token (docs/monitor.md) your "
            "pull-request workflow runs on it too."
        )
    return (
        "### What to do\n\n"
        "Look at what drifted and at the estimate's doubts above. To retrain, run the "
        "mlgate dispatch workflow with `retrain`, or set `monitor.on_drift: retrain` in "
        "the manifest so that the next alarm opens a retraining pull request by itself."
    )


def _cleared(manifest: Manifest, found: Monitored, past: History, ctx: ActionsContext) -> str:
    from mlgate import monitor_report

    report = monitor_report.markdown(manifest.name, found, past, charts=False)
    said = "The alarm cleared: the latest run found nothing to act on.\n\n"
    return said + _fitted(report, ISSUE_LIMIT - len(said) - MARKER_ROOM)


def _dispatch(gh: GitHub, ctx: ActionsContext, manifest: Manifest, done: IssueOutcome) -> str:
    """The retraining workflow started on the default branch; what was said if it was not."""
    from mlgate.github import workflows

    branch = ctx.main_branch
    reason = f"monitoring alarm (issue #{done.number})" if done.number else "monitoring alarm"
    workflow = retrain_workflow(manifest)
    try:
        workflows.dispatch(gh, ctx.repository, workflow, ref=branch, inputs={"reason": reason})
    except OutsideError as exc:
        return (
            f"not started: {exc.message} (mlgate init writes .github/workflows/"
            f"{workflow}; the job needs `actions: write`)"
        )
    return f"{workflow} dispatched on {branch}"


def retrain_workflow(manifest: Manifest) -> str:
    """The retraining workflow `mlgate init` wrote for this project: at the repository's
    top `mlgate-retrain.yml`, for a project in `ml/churn` `mlgate-retrain.ml-churn.yml`."""
    from mlgate import scaffold

    try:
        folder = scaffold.below_top(manifest.root)
    except UserError:  # a folder init would have refused: it wrote none for it
        folder = ""
    return Path(scaffold.workflow_path(RETRAIN_WORKFLOW, folder)).name


def _acted(done: IssueOutcome, *, retrain: str = "") -> Acted:
    notes: tuple[str, ...] = (done.note,) if done.note else ()
    if done.duplicates:
        more = words.count(done.duplicates, "more open issue")
        notes += (f"{more} of ours carry the marker: left alone",)
    return Acted(action=done.action, issue=done.html_url, retrain=retrain, notes=notes)
