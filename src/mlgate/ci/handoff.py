"""A fork's run, handed to the trusted `workflow_run` job that posts it.

The fork's job has no secrets and a read-only token, so it leaves its run folder as an
artifact with two more files: `handoff.json` (which pull request and head commit it
claims to be) and a copy of the manifest. Everything in it was written by the fork's own
code, so the trusted job believes none of it until GitHub agrees: the head commit must
be the one GitHub says the triggering run ran on, and the pull request must still point
at it. The trusted job never checks out or runs the fork's code; the manifest is read as
data, and the report's text is escaped as any report's is.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlgate import atomic
from mlgate.errors import UserError
from mlgate.github.context import ActionsContext
from mlgate.github.pulls import PullRequest
from mlgate.manifest.spec import Manifest
from mlgate.result import runs, strict
from mlgate.result.records import RunResult

HANDOFF_FILE = "handoff.json"
MANIFEST_COPY = "manifest.yaml"
MAX_MANIFEST_BYTES = 1 << 20
MAX_HANDOFF_BYTES = 1 << 16


@dataclass(frozen=True, kw_only=True)
class Handoff:
    repository: str
    pull_number: int
    head_sha: str
    manifest_path: str  # the manifest's path in the repository, for annotations
    folder: Path  # the run's folder in the downloaded artifact


@dataclass(frozen=True, kw_only=True)
class Received:
    handoff: Handoff
    result: RunResult
    manifest: Manifest


def write(run_folder: Path, manifest: Manifest, ctx: ActionsContext, manifest_path: str) -> None:
    """Beside run.json: what the trusted job needs, and nothing it must trust."""
    atomic.write_bytes(run_folder / MANIFEST_COPY, manifest.path.read_bytes())
    atomic.write_text(
        run_folder / HANDOFF_FILE,
        json.dumps(
            {
                "repository": ctx.repository,
                "pull_number": ctx.pull_number,
                "head_sha": ctx.head_sha,
                "manifest_path": manifest_path,
            },
            indent=2,
        )
        + "\n",
    )


def find(folder: Path) -> Path:
    """The one run folder with a hand-over in the downloaded artifact."""
    found = sorted(p.parent for p in folder.glob(f"*/{HANDOFF_FILE}"))
    found += [folder] if (folder / HANDOFF_FILE).is_file() else []
    if len(found) != 1:
        raise UserError(
            f"{'no' if not found else len(found)} run hand-overs in '{folder}'; expected one",
            hint="download the pull request run's `mlgate-run` artifact into this folder "
            "(the fork-safe template does)",
        )
    if found[0].is_symlink():  # the report and charts written here would land elsewhere
        raise UserError(
            f"the handed-over run folder '{found[0].name[:80]}' is a symbolic link; an "
            "artifact's folders are folders"
        )
    return found[0]


def read(folder: Path) -> Received:
    """The hand-over, its run and its manifest, each checked for shape; not yet believed."""
    from mlgate import manifest as manifests

    run_folder = find(folder)
    handoff = _handoff(run_folder)
    result = runs.read(run_folder / runs.RESULT_FILE)
    if run_folder != folder and run_folder.name != result.run_id:
        raise UserError(
            f"the handed-over run {result.run_id} is in a folder named "
            f"{run_folder.name[:80]!r}; a run's folder is named by its id"
        )
    raw = strict.read(
        run_folder / MANIFEST_COPY, limit=MAX_MANIFEST_BYTES, what="the handed-over manifest"
    )
    loaded = manifests.parse(
        raw,
        name=handoff.manifest_path,
        root=run_folder,
        path=run_folder / MANIFEST_COPY,
        files=False,
    )
    if loaded.sha256 != result.manifest.sha256:
        raise UserError(
            "the handed-over manifest is not the one the run used "
            "(its sha256 differs from run.json's)"
        )
    if loaded.name != result.name:
        raise UserError(
            f"the handed-over run is of '{result.name}', its manifest of '{loaded.name}'"
        )
    # cited as the repository names it (the report said `manifest.yaml:10`, the copy's name)
    named = Path(handoff.manifest_path).name
    if re.fullmatch(r"[\w.-]+\.ya?ml", named):
        loaded = replace(loaded, path=run_folder / named)
    return Received(handoff=handoff, result=_own_verdict(result, loaded), manifest=loaded)


def _own_verdict(result: RunResult, manifest: Manifest) -> RunResult:
    """The run with the verdict and summary its own checks and gates give, each gate and
    metric check decided again from its figures and the manifest: one that says
    otherwise was written by hand (a drop marked "passed", posted as a green check). The
    summary, free text, is rewritten from them too."""
    from mlgate.compare import recheck
    from mlgate.report import verdict

    if found := recheck.disagreements(manifest, result):
        from mlgate import __version__

        more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
        other = result.mlgate_version != __version__  # its rules may have decided otherwise
        raise UserError(
            f"the handed-over run {result.run_id} was not written by mlgate as it ran: "
            + "; ".join(found[:3])
            + more,
            hint=f"it says mlgate {result.mlgate_version} wrote it, and this is {__version__}: "
            "run the pull request's workflow again with this version"
            if other
            else None,
        )
    if why := verdict.written_by_hand(result):
        raise UserError(f"the handed-over {why}")
    return replace(recheck.reworded(manifest, result), summary=verdict.decide(result)[1])


def verify(handoff: Handoff, ctx: ActionsContext, pull: PullRequest | None) -> str:
    """Why this hand-over must not be posted ('' when it may). A mismatch with GitHub's
    own account raises: the artifact claims something false."""
    run = ctx.workflow_run
    if run is None:
        raise UserError("not a workflow_run event: nothing says which run to trust")
    if handoff.repository != ctx.repository:
        raise UserError(
            f"the hand-over names repository '{handoff.repository}', "
            f"this workflow runs in '{ctx.repository}'"
        )
    if handoff.head_sha != run.head_sha:
        raise UserError(
            f"the hand-over claims head commit {handoff.head_sha[:12]}, GitHub "
            f"says run {run.id} ran on {run.head_sha[:12]}: not posted"
        )
    if pull is None:
        return ""
    if pull.base_repository != ctx.repository or pull.number != handoff.pull_number:
        raise UserError(f"pull request #{handoff.pull_number} is not this repository's")
    if (
        pull.head_repository is not None
        and run.head_repository is not None
        and pull.head_repository != run.head_repository
    ):
        raise UserError(
            f"pull request #{pull.number} comes from {pull.head_repository}, "
            f"run {run.id} from {run.head_repository}"
        )
    if pull.head_sha != run.head_sha:
        return (
            f"pull request #{pull.number} has moved on to {pull.head_sha[:12]} since "
            f"run {run.id}; that commit's own run posts its report"
        )
    if pull.state != "open":
        return f"pull request #{pull.number} is {pull.state}"
    return ""


def _handoff(run_folder: Path) -> Handoff:
    path = run_folder / HANDOFF_FILE
    source = f"the hand-over {path.name}"
    data = strict.parse(
        strict.read(path, limit=MAX_HANDOFF_BYTES, what="hand-over"),
        limit=MAX_HANDOFF_BYTES,
        source=source,
        what="hand-over",
    )
    strict.check(data, schema(), source=source, what="hand-over")
    return Handoff(
        repository=data["repository"],
        pull_number=int(data["pull_number"]),
        head_sha=data["head_sha"],
        manifest_path=data["manifest_path"],
        folder=run_folder,
    )


@functools.cache
def schema() -> dict[str, Any]:
    """The hand-over's JSON Schema, beside this module."""
    loaded: dict[str, Any] = json.loads(
        Path(__file__).with_name("handoff.schema.json").read_text("utf-8")
    )
    return loaded
