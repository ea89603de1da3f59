"""The retraining a monitoring alarm starts (mlgate-retrain.yml, the action's `retrain-pr`):
refresh the training data, commit what the refresh changed on one fixed branch,
`mlgate/retrain/NAME`, open or update its one pull request, then train, gate and post the
report and check on it.

The run posts the report itself because a pull request opened with the workflow's own
token starts no workflow (GitHub's rule against recursive runs); with a GitHub App's token
the repository's pull-request workflow runs on it as well and updates the same sticky
comment. A second alarm on an unchanged base with unchanged data pushes nothing, opens
nothing and trains nothing.

"The data" is what the training reads: data.train and data.test as data.prepare makes them
now, by sha256, not only the files the refresh changed. A refresh that changed no file,
with data the version monitor.stage holds was trained on, opens no pull request at all
(it would have been empty, and "on refreshed data"); one whose data.prepare made other
data is compared with that version, since the default branch's code trained again would
read the same new data and be compared with itself.
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
    pushed: Pushed | None  # None: no new data, so no branch pushed
    pull: PullOutcome | None  # None: no new data, so no pull request opened
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
    data = prepared(manifest, env)
    against = None if paths else _held_data(manifest, ctx.token)
    if not paths:
        stale = _no_new_data(manifest, data, against)
        if stale:
            lines = [
                f"refresh: {said}",
                f"nothing to retrain on: {stale}; no branch pushed, no pull request opened, "
                "nothing trained",
            ]
            lines += _tell_the_alarm(manifest, ctx, reason, stale)
            return Retrained(branch=name, pushed=None, pull=None, result=None, lines=tuple(lines))
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
            body=_body(manifest, reason, said, paths, data, against),
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
    if paths:  # the default branch's code, trained on the data as the default branch has it
        trained = baseline.override(manifest, base, origin="the retraining's base commit")
    else:  # that code trained again would read the new data too: the version in service
        trained = baseline.override(
            manifest,
            manifest.monitor.stage,
            kind="stage",
            origin="the retraining (monitor.stage: the refresh changed no file, and "
            "data.prepare made other data)",
        )
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


def prepared(manifest: Manifest, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """data.prepare run (the run prepares again, as every run does), then the sha256 of
    data.train and data.test by role: the data the training reads now. A file that is not
    there (or a folder) has none; the run says what is wrong with it."""
    from mlgate import commands
    from mlgate.data import fingerprint

    if manifest.data.prepare is not None:
        commands.required(
            manifest,
            manifest.data.prepare,
            "data.prepare",
            hint="it should write the training data (data.train, data.test)",
            base_env=env,
        )
    found = {}
    for role, relative in (("train", manifest.data.train), ("test", manifest.data.test)):
        path = manifest.resolve(relative)
        if path.is_file():
            found[role] = fingerprint.file_fingerprint(path, manifest.root).sha256
    return found


@dataclass(frozen=True, kw_only=True)
class Held:
    """The version monitor.stage holds, and the data it was trained and tested on."""

    stage: str
    version: str
    data: Mapping[str, str]  # role: sha256
    problem: str = ""  # why it could not be read: the data cannot be compared


def _held_data(manifest: Manifest, token: str | None) -> Held:
    from mlgate.errors import MlgateError
    from mlgate.registry.operations import Where

    stage = manifest.monitor.stage
    try:
        current = Where.of(manifest, token=token).read()
    except MlgateError as exc:
        return Held(stage=stage, version="", data={}, problem=f"the registry: {exc}")
    held = current.current(stage)
    version = current.version(held.version) if held is not None else None
    if held is None or version is None or version.problem:
        why = version.problem if version and version.problem else f"{stage} holds no version"
        return Held(stage=stage, version=held.version if held else "", data={}, problem=why)
    data = {
        str(d.get("role")): str(d.get("sha256"))
        for d in version.record.get("data") or []
        if isinstance(d, dict)
    }
    return Held(stage=stage, version=version.version, data=data)


def _no_new_data(manifest: Manifest, data: Mapping[str, str], held: Held | None) -> str:
    """Why a retraining whose refresh changed no file has nothing to train on; "" when it
    has (data.prepare made other data, or it cannot be told)."""
    if manifest.data.prepare is None:
        return (
            "the refresh changed no file, and without data.prepare the data is the default "
            "branch's own, which its model was trained on"
        )
    if held is None or held.problem or not data or dict(held.data) != dict(data):
        return ""
    return (
        f"the refresh changed no file, and data.prepare made the data {held.stage} "
        f"({held.version}) was trained and tested on (sha256 {_shas(data)})"
    )


def _shas(data: Mapping[str, str]) -> str:
    return ", ".join(f"{role} {sha[:16]}" for role, sha in sorted(data.items()))


def _tell_the_alarm(manifest: Manifest, ctx: ActionsContext, reason: str, why: str) -> list[str]:
    """A comment on the alarm's issue (the dispatch's reason names it) saying that no pull
    request comes of this alarm; what was done, as lines. Its token needs `issues: write`."""
    from mlgate.errors import OutsideError
    from mlgate.github.comments import marker_for, upsert_comment
    from mlgate.github.http import GitHub
    from mlgate.report.inert import escape

    number = _alarm_issue(reason)
    if number is None or not ctx.repository or not ctx.token:
        return []
    owner, _, repo = ctx.repository.partition("/")
    body = (
        f"The retraining this alarm started found nothing to retrain on: {escape(why)}. "
        "No pull request was opened and nothing was trained. A refresh that brings new "
        "data (monitor.refresh, or what data.prepare fetches) retrains at the next alarm."
    )
    try:
        with GitHub(ctx.api_url, ctx.token) as gh:
            done = upsert_comment(
                gh, owner, repo, number, marker=marker_for(manifest.name, kind="retrain"), body=body
            )
    except OutsideError as exc:
        return [
            f"issue #{number} not told: {exc.message} (the retraining's token needs "
            "`issues: write` to comment on it)"
        ]
    return [f"issue #{number}: {done.action} a comment saying so ({done.html_url})"]


def _alarm_issue(reason: str) -> int | None:
    """The issue of the alarm that started this retraining, when its reason is the alarm's
    own words ("monitoring alarm (issue #7)", alerts.py's); any other text names none."""
    alarm = re.fullmatch(r"monitoring alarm \(issue #([0-9]{1,9})\)", reason)
    return int(alarm.group(1)) if alarm else None


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


def _body(
    manifest: Manifest,
    reason: str,
    said: str,
    paths: tuple[str, ...],
    data: Mapping[str, str],
    held: Held | None,
) -> str:
    """The pull request's description. The reason (a dispatch's input, anyone's who may
    run the workflow), what the refresh said and the files it changed are untrusted text:
    escaped, so a `[link](...)`, an @mention or a `<!--` in them does nothing. It names the
    data by sha256: data.prepare's other data changes it, so the next alarm trains again
    where it found the pull request "unchanged" and trained nothing."""
    from mlgate.report.inert import code, escape

    changed = "\n".join(f"- {code(p)}" for p in paths)
    if not paths:
        was = (
            f"the data {held.stage} ({held.version}) was trained on"
            if held is not None and not held.problem
            else f"what {manifest.monitor.stage} was trained on "
            f"({held.problem if held else 'not read'})"
        )
        changed = (
            f"- (no file: data.prepare made other data than {escape(was)}; the model is "
            f"compared with the version {manifest.monitor.stage} holds, and merging this "
            "empty commit has the merge's run prepare, train and register it again)"
        )
    trained = _shas(data) or "(no data file found)"
    number = _alarm_issue(reason)
    # the alarm's own reason links its issue; any other text is inert
    why = f"monitoring alarm (issue #{number})" if number is not None else escape(reason)
    return (
        f"mlgate retrained **{manifest.name}** after {why}.\n\n"
        f"Refresh: {escape(said)}.\n\n{words.count(len(paths), 'file')} changed:\n\n"
        f"{changed}\n\nData (data.train and data.test, as data.prepare made them): "
        f"sha256 {trained}.\n\n"
        "The retrained model's report and check are on this pull request. Review it as "
        "any other: merging registers the model and promotes it through the manifest's "
        "gates. Further alarms update this pull request (branch "
        f"`{BRANCH.format(name=manifest.name)}`) instead of opening another.\n\n"
        "Opened with the workflow's own token, this pull request starts no workflow of "
        "its own: the retraining run gated the model and posted the report. To have the "
        "repository's pull-request workflow run on it too, give the retrain workflow a "
        "GitHub App token (docs/monitor.md), or close and reopen the pull request."
    )
