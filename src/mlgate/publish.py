"""A run's report on GitHub: job summary, sticky comment, check, annotations, PNG charts.

Each destination is tried on its own, so a read-only token (a fork's pull request) still
leaves the job summary and the artifact, and the run says why nothing was posted.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import credentials, git, words
from mlgate.errors import MlgateError, UserError
from mlgate.github.context import ActionsContext
from mlgate.manifest.spec import Manifest
from mlgate.report import charts, gate_text, markdown
from mlgate.report.inert import one_line, visible
from mlgate.result import runs
from mlgate.result.records import RunResult

if TYPE_CHECKING:
    from mlgate.github.checks import Annotation
    from mlgate.github.http import GitHub

MAX_ANNOTATIONS = 200  # beyond this a reviewer reads the report, not the margin


@dataclass(frozen=True, kw_only=True)
class Published:
    summary: str = ""  # the job summary file written, if any
    comment: str = ""  # "created https://...", "updated ...", "unchanged ..."
    check: str = ""  # "check run ...", "commit status ..."
    charts: tuple[str, ...] = ()  # PNG files beside run.json
    notes: tuple[str, ...] = ()  # why something did not happen

    def lines(self) -> list[str]:
        done = [f"job summary: {self.summary}"] if self.summary else []
        done += [f"comment: {self.comment}"] if self.comment else []
        done += [f"check: {self.check}"] if self.check else []
        done += [f"charts: {', '.join(self.charts)}"] if self.charts else []
        return done + [f"note: {n}" for n in self.notes]


def publish(
    result: RunResult,
    manifest: Manifest,
    ctx: ActionsContext,
    *,
    post: bool = True,
    strict: bool = False,
    manifest_path: str | None = None,
    earlier_runs: bool = True,
) -> Published:
    """Everything the context allows. `strict` (the `comment` command) raises instead of
    noting when the comment or the check cannot be posted. `manifest_path`: where the
    manifest is in the repository, when it was read from elsewhere (a hand-over).
    `earlier_runs=False`: the metric history is the baseline and this run alone, none of
    the runs beside it (a hand-over's are the fork's own, and nothing checked them)."""
    notes: list[str] = []
    result = scrubbed(result, credentials.values(os.environ, ctx.token))
    # a copy typed as markdown.render reads it (a dict of sequences, not of lists)
    history: dict[str, markdown.History] = dict(_history(result, manifest, earlier_runs))
    found = annotations_for(result, manifest, manifest_path)[:MAX_ANNOTATIONS]
    written = _summary(result, manifest, ctx, history, notes)
    pngs = _pngs(result, manifest, history, notes)
    _workflow_annotations(found)
    comment = check = ""
    pull = _pull_to_post_on(ctx) if post else "posting was switched off"
    if isinstance(pull, str):  # why there is none: the summary and artifact hold the report
        if strict:
            raise UserError(f"cannot post the report: {pull}")
        notes.append(
            f"no comment or check posted: {pull}; the report is in the job "
            "summary and the run's artifact"
        )
    else:
        from mlgate.github.http import GitHub

        with GitHub(api_url=ctx.api_url, token=ctx.token) as gh:
            comment, check = _post(
                gh, pull, result, manifest, ctx, history, found, notes, strict=strict
            )
    return Published(summary=written, comment=comment, check=check, charts=pngs, notes=tuple(notes))


def _history(
    result: RunResult, manifest: Manifest, earlier_runs: bool
) -> dict[str, list[tuple[str, float | None]]]:
    """The charted metrics' points; without earlier runs, read from a folder that holds
    none, so the history is the baseline's point and this run's."""
    if earlier_runs:
        return charts.history(manifest, result)
    with tempfile.TemporaryDirectory(prefix="mlgate-no-runs-") as empty:
        return charts.history(replace(manifest, root=Path(empty)), result)


def scrubbed(result: RunResult, secrets: tuple[str, ...]) -> RunResult:
    """The result with every token value mlgate knows shown as ***: a command's output is
    scrubbed as it is read, and this holds for any other field that came to hold one."""
    from mlgate.result import document

    if not secrets or not any(s in document.dumps(result) for s in secrets):
        return result
    clean: RunResult = document.from_dict(
        RunResult, credentials.scrub_tree(document.to_dict(result), secrets)
    )
    return clean


def _pull_to_post_on(ctx: ActionsContext) -> int | str:
    """The pull request's number, or why the report cannot be posted: no pull request
    (pull_number None: a push, a schedule, `mlgate comment` without --pr), a fork's
    read-only token, no token."""
    if ctx.pull_number is None:
        return f"the event is {ctx.event_name}, not a pull request"
    if ctx.is_fork:
        return (
            "the pull request comes from a fork, whose token is read-only; the fork-safe "
            "workflow posts it from the uploaded run result"
        )
    if not ctx.token:
        return "no token (set GITHUB_TOKEN, or pass `token:` to the action)"
    return ctx.pull_number


def _summary(
    result: RunResult,
    manifest: Manifest,
    ctx: ActionsContext,
    history: dict[str, markdown.History],
    notes: list[str],
) -> str:
    if ctx.step_summary is None:
        return ""
    from mlgate.github import actions

    text = markdown.render(
        result, manifest, history=history, limit=markdown.JOB_SUMMARY_LIMIT // 4
    )  # 4 bytes a character at most
    try:
        actions.write_summary(ctx.step_summary, text)
    except MlgateError as exc:
        notes.append(f"job summary not written: {exc}")
        return ""
    return str(ctx.step_summary)


def _pngs(
    result: RunResult, manifest: Manifest, history: dict[str, markdown.History], notes: list[str]
) -> tuple[str, ...]:
    folder = runs.run_dir(manifest.root, result.run_id)
    try:
        written = charts.write_png(result, folder, history)
    except UserError as exc:  # mlgate[png] not installed: the Mermaid charts remain
        notes.append(f"no PNG charts: {exc}")
        return ()
    return tuple(os.path.relpath(p) for p in written)


def _workflow_annotations(found: list[Annotation]) -> None:
    """`::error file=mlops.yaml,line=N::` lines: annotations that need no token (forks too).

    On stderr, which the runner reads for commands too: stdout stays for `--json`."""
    from mlgate.github import actions

    for a in found:
        actions.emit(actions.annotation_command(a))


def manifest_path(manifest: Manifest) -> str:
    """The manifest's path from the repository's top, as GitHub names files."""
    try:
        return git.prefix(manifest.root) + manifest.path.name
    except MlgateError:
        return manifest.path.name


def annotations_for(
    result: RunResult, manifest: Manifest, path: str | None = None
) -> list[Annotation]:
    """One per failing gate or check, at its line in mlops.yaml (path from the repo's top)."""
    from mlgate.github.checks import Annotation

    path = path or manifest_path(manifest)
    found = []
    gates = result.compare.gates if result.compare is not None else ()
    for gate in gates:
        if gate.status == "failed":
            found.append((gate.manifest_key, f"gate {gate.metric}", gate_text.explanation(gate)))
    for c in result.checks:
        if c.status in ("failed", "error"):
            found.append(
                (
                    c.manifest_key,
                    f"{c.stage} check {c.subject}",
                    f"{c.subject} {c.rule}: {c.message}",
                )
            )
    out = []
    for key, title, message in found:
        line = (manifest.line_of(key) if key else None) or 1
        out.append(
            Annotation(
                path=path,
                start_line=line,
                end_line=line,
                level="failure",
                # the run's text (a forged fork run's too): direction marks shown as code points
                title=visible(title),
                message=visible(message),
            )
        )
    return out


def _post(
    gh: GitHub,
    pull_number: int,
    result: RunResult,
    manifest: Manifest,
    ctx: ActionsContext,
    history: dict[str, markdown.History],
    found: list[Annotation],
    notes: list[str],
    *,
    strict: bool,
) -> tuple[str, str]:
    from mlgate.github import checks, comments

    # a sweep's winner is reported beside the pull request's own run, not over it
    kind = "model" if result.sweep is None else "sweep"
    marker = comments.marker_for(result.name, kind=kind)
    footer = f"<sub>[run {result.run_id}]({ctx.run_url}) · mlgate</sub>\n{marker}"
    body = markdown.render(
        result, manifest, history=history, footer=footer, limit=markdown.COMMENT_LIMIT
    )
    comment = check = ""
    try:
        done = comments.upsert_comment(
            gh, ctx.owner, ctx.repo, pull_number, marker=marker, body=body, author=ctx.login
        )
        comment = f"{done.action} {done.html_url}"
    except MlgateError as exc:
        if strict:
            raise
        _unposted(notes, f"no comment posted: {exc}")
    summary = markdown.render(
        result, manifest, history=history, charts=False, limit=markdown.CHECK_SUMMARY_LIMIT
    )
    try:
        outcome = checks.publish_check(
            gh,
            ctx.owner,
            ctx.repo,
            head_sha=ctx.head_sha or ctx.sha,
            name=f"mlgate / {result.name}" + ("" if result.sweep is None else " sweep"),
            conclusion="success" if result.passed else "failure",
            title=_title(result),
            summary=summary,
            annotations=found,
            details_url=ctx.run_url,
        )
        check = f"{outcome.kind} {outcome.url or outcome.id}"
    except MlgateError as exc:
        if strict:
            raise
        _unposted(notes, f"no check posted: {exc}")
    return comment, check


def _unposted(notes: list[str], said: str) -> None:
    """What could not be posted, as a note and a warning annotation on the run: the step
    still exits with the verdict (the gate), and a note in the log alone went unseen."""
    from mlgate.github import actions

    notes.append(said)
    actions.emit(actions.workflow_command("warning", said, {"title": "mlgate"}))


def _title(result: RunResult) -> str:
    word = "passed" if result.passed else "failed"
    text = f"{result.name} {word}: {one_line(result.summary)}"
    return words.clip(text, 200)
