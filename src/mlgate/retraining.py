"""The retraining a monitoring alarm starts (mlgate-retrain.yml, the action's `retrain-pr`):
refresh the training data, commit what the refresh changed on one fixed branch,
`mlgate/retrain/NAME`, open or update its one pull request, then train, gate and post the
report and check on it.

The run posts the report itself because a pull request opened with the workflow's own
token starts no workflow (GitHub's rule against recursive runs); with a GitHub App's token
the repository's pull-request workflow runs on it as well and updates the same sticky
comment. A second alarm on an unchanged base with unchanged data pushes nothing, opens
nothing and trains nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import branch, git, words
from mlgate.branch import Pushed
from mlgate.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mlgate.github.context import ActionsContext
    from mlgate.github.pulls import PullOutcome
    from mlgate.manifest.spec import Manifest
    from mlgate.pipeline import Observer
    from mlgate.result.records import RunResult

BRANCH = "mlgate/retrain/{name}"


@dataclass(frozen=True, kw_only=True)
class Retrained:
    branch: str
    pushed: Pushed
    pull: PullOutcome
    result: RunResult | None  # None: nothing changed, nothing trained
    lines: tuple[str, ...]


def retrain(
    manifest: Manifest,
    ctx: ActionsContext,
    *,
    observer: Observer | None = None,
    env: Mapping[str, str] | None = None,
) -> Retrained:
    from mlgate import pipeline, publish
    from mlgate.compare import baseline
    from mlgate.github import checks
    from mlgate.github.http import GitHub
    from mlgate.github.pulls import open_or_update

    if not ctx.repository or not ctx.token:
        raise UserError(
            "retraining into a pull request needs GitHub: a repository and a token",
            hint="run it in the mlgate-retrain workflow (mlgate init writes it)",
        )
    root = manifest.root
    base = git.resolve(root, "HEAD")
    if base is None:
        raise UserError(f"{root} is not a git checkout with a commit: nothing to branch from")
    target = ctx.main_branch
    name = BRANCH.format(name=manifest.name)
    before = set(branch.changed(root))  # left by earlier steps: not the refresh's to commit
    said = refreshed(manifest, env)
    paths = tuple(p for p in branch.changed(root) if p not in before)
    _stored(manifest, paths)
    reason = words.clip(ctx.inputs.get("reason") or "a monitoring alarm", 200)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    made = branch.commit(
        root, base, paths, f"Retrain {manifest.name}: {reason}\n\n{said}", date=now
    )
    pushed = branch.push(root, name, made, token=ctx.token)
    with GitHub(ctx.api_url, ctx.token) as gh:
        pull = open_or_update(
            gh,
            ctx.repository,
            head=name,
            base=target,
            title=f"Retrain {manifest.name} on refreshed data",
            body=_body(manifest, reason, said, paths),
        )
        same = pushed.action == "unchanged" and pull.action == "unchanged"
        # a retraining that died after opening its pull request left it without a report:
        # "its pull request holds its report" was said of none, and nothing trained again
        reported = same and checks.reported(
            gh, ctx.repository, pushed.commit, f"mlgate / {manifest.name}"
        )
    lines = [
        f"refresh: {said}",
        f"branch {name}: {pushed.action} ({pushed.commit[:12]})",
        f"pull request: {pull.action} {pull.html_url}",
    ]
    if same and not reported:
        lines.append("its pull request has no report on this commit: training it again")
    if reported:
        lines.append(
            "nothing changed since the last retraining (same base, same data): its pull "
            "request holds its report; nothing trained"
        )
        return Retrained(branch=name, pushed=pushed, pull=pull, result=None, lines=tuple(lines))
    trained = baseline.override(manifest, base, origin="the retraining's base commit")
    result = pipeline.run(trained, observer=observer, env=env)
    done = publish.publish(
        result, manifest, ctx.for_pull_request(pull.number, head_sha=pushed.commit)
    )
    lines += [f"run {result.run_id}: {result.verdict}: {result.summary}", *done.lines()]
    return Retrained(branch=name, pushed=pushed, pull=pull, result=result, lines=tuple(lines))


def refreshed(manifest: Manifest, env: Mapping[str, str] | None = None) -> str:
    """monitor.refresh run; without one, `dvc update` of training data DVC imported (the
    one kind of DVC-tracked data DVC itself knows how to refresh). What was done, said."""
    from mlgate import commands

    if manifest.monitor.refresh is not None:
        commands.required(
            manifest,
            manifest.monitor.refresh,
            "monitor.refresh",
            hint="it should refresh the training data (data.train, data.test)",
            base_env=env,
        )
        return f"ran monitor.refresh ({manifest.monitor.refresh.display})"
    imports = _dvc_imports(manifest)
    if not imports:
        return (
            "nothing to refresh (no monitor.refresh, and no training data imported with "
            "DVC): retrained on the data as it is, or as data.prepare makes it"
        )
    _dvc(manifest.root, "update", *imports)
    return f"dvc update {' '.join(imports)}"


def _dvc_imports(manifest: Manifest) -> list[str]:
    """The .dvc files by which data.train and data.test were imported (their own, or a
    folder's holding them), each once."""
    from mlgate import dvc_files

    found = [
        dvc_files.import_of(manifest.resolve(n)) for n in (manifest.data.train, manifest.data.test)
    ]
    return list(dict.fromkeys(os.path.relpath(f, manifest.root) for f in found if f is not None))


def _stored(manifest: Manifest, paths: tuple[str, ...]) -> None:
    """`dvc push` when the refresh changed what DVC tracks: the branch must not name data
    its pull request's run cannot pull. Before anything is pushed to git."""
    if any(p.endswith(".dvc") or Path(p).name == "dvc.lock" for p in paths):
        _dvc(manifest.root, "push")


def _dvc(root: Path, *args: str) -> None:
    from mlgate import dvc_files

    dvc_files.run(
        root,
        list(args),
        absent=UserError(
            "the training data is tracked by DVC, and DVC is not installed to refresh it",
            hint="install mlgate[dvc] (the action's `extras` input: png,dvc)",
        ),
        failed=f"`dvc {' '.join(args)}` failed",
        hint="nothing was pushed to git; check the DVC remote and its credentials",
    )


def _body(manifest: Manifest, reason: str, said: str, paths: tuple[str, ...]) -> str:
    """The pull request's description. The reason (a dispatch's input, anyone's who may
    run the workflow), what the refresh said and the files it changed are untrusted text:
    escaped, so a `[link](...)`, an @mention or a `<!--` in them does nothing."""
    from mlgate.report.inert import code, escape

    changed = "\n".join(f"- {code(p)}" for p in paths) or "- (no file: the data is as it was)"
    alarm = re.fullmatch(r"monitoring alarm \(issue #([0-9]{1,9})\)", reason)
    # the alarm's own reason links its issue; any other text is inert
    why = f"monitoring alarm (issue #{alarm.group(1)})" if alarm else escape(reason)
    return (
        f"mlgate retrained **{manifest.name}** after {why}.\n\n"
        f"Refresh: {escape(said)}.\n\n{words.count(len(paths), 'file')} changed:\n\n"
        f"{changed}\n\n"
        "The retrained model's report and check are on this pull request. Review it as "
        "any other: merging registers the model and promotes it through the manifest's "
        "gates. Further alarms update this pull request (branch "
        f"`{BRANCH.format(name=manifest.name)}`) instead of opening another.\n\n"
        "Opened with the workflow's own token, this pull request starts no workflow of "
        "its own: the retraining run gated the model and posted the report. To have the "
        "repository's pull-request workflow run on it too, give the retrain workflow a "
        "GitHub App token (docs/monitor.md), or close and reopen the pull request."
    )
