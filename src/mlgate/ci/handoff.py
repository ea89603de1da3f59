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

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate import atomic
from mlgate.errors import UserError
from mlgate.github.context import ActionsContext
from mlgate.github.pulls import PullRequest
from mlgate.manifest.model import Manifest
from mlgate.result import store
from mlgate.result.model import RunResult

HANDOFF_FILE = "handoff.json"
MANIFEST_COPY = "manifest.yaml"
MAX_MANIFEST_BYTES = 1 << 20
SHA = frozenset("0123456789abcdef")


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
    atomic.write_text(run_folder / HANDOFF_FILE, json.dumps({
        "repository": ctx.repository, "pull_number": ctx.pull_number,
        "head_sha": ctx.head_sha, "manifest_path": manifest_path}, indent=2) + "\n")


def find(folder: Path) -> Path:
    """The one run folder with a hand-over in the downloaded artifact."""
    found = sorted(p.parent for p in folder.glob(f"*/{HANDOFF_FILE}"))
    found += [folder] if (folder / HANDOFF_FILE).is_file() else []
    if len(found) != 1:
        raise UserError(
            f"{'no' if not found else len(found)} run hand-overs in '{folder}'; expected one",
            hint="download the pull request run's `mlgate-run` artifact into this folder "
            "(the fork-safe template does)")
    return found[0]


def read(folder: Path) -> Received:
    """The hand-over, its run and its manifest, each checked for shape; not yet believed."""
    from mlgate import manifest as manifests

    run_folder = find(folder)
    handoff = _handoff(run_folder)
    result = store.read(run_folder / store.RESULT_FILE)
    raw = (run_folder / MANIFEST_COPY).read_bytes()[: MAX_MANIFEST_BYTES + 1]
    if len(raw) > MAX_MANIFEST_BYTES:
        raise UserError(f"the handed-over manifest is over {MAX_MANIFEST_BYTES} bytes")
    loaded = manifests.parse(raw, name=handoff.manifest_path, root=run_folder,
                             path=run_folder / MANIFEST_COPY, files=False)
    if loaded.sha256 != result.manifest.sha256:
        raise UserError("the handed-over manifest is not the one the run used "
                        "(its sha256 differs from run.json's)")
    if loaded.name != result.name:
        raise UserError(f"the handed-over run is of '{result.name}', its manifest of "
                        f"'{loaded.name}'")
    return Received(handoff=handoff, result=result, manifest=loaded)


def verify(handoff: Handoff, ctx: ActionsContext, pull: PullRequest | None) -> str:
    """Why this hand-over must not be posted ('' when it may). A mismatch with GitHub's
    own account raises: the artifact claims something false."""
    run = ctx.workflow_run
    if run is None:
        raise UserError("not a workflow_run event: nothing says which run to trust")
    if handoff.repository != ctx.repository:
        raise UserError(f"the hand-over names repository '{handoff.repository}', "
                        f"this workflow runs in '{ctx.repository}'")
    if handoff.head_sha != run.head_sha:
        raise UserError(f"the hand-over claims head commit {handoff.head_sha[:12]}, GitHub "
                        f"says run {run.id} ran on {run.head_sha[:12]}: not posted")
    if pull is None:
        return ""
    if pull.base_repository != ctx.repository or pull.number != handoff.pull_number:
        raise UserError(f"pull request #{handoff.pull_number} is not this repository's")
    if pull.head_repository is not None and run.head_repository is not None \
            and pull.head_repository != run.head_repository:
        raise UserError(f"pull request #{pull.number} comes from {pull.head_repository}, "
                        f"run {run.id} from {run.head_repository}")
    if pull.head_sha != run.head_sha:
        return (f"pull request #{pull.number} has moved on to {pull.head_sha[:12]} since "
                f"run {run.id}; that commit's own run posts its report")
    if pull.state != "open":
        return f"pull request #{pull.number} is {pull.state}"
    return ""


def _handoff(run_folder: Path) -> Handoff:
    path = run_folder / HANDOFF_FILE
    try:
        data: Any = json.loads(path.read_bytes()[:65536])
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the hand-over {path.name}: {exc}") from exc
    try:
        handoff = Handoff(repository=str(data["repository"]),
                          pull_number=_number(data["pull_number"]),
                          head_sha=str(data["head_sha"]),
                          manifest_path=str(data["manifest_path"]), folder=run_folder)
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"the hand-over {path.name} is malformed: {exc!r}") from exc
    if len(handoff.head_sha) != 40 or not SHA.issuperset(handoff.head_sha):
        raise UserError(f"the hand-over's head_sha is not a commit id: {handoff.head_sha!r}")
    return handoff


def _number(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"pull_number must be a positive integer, not {value!r}")
    return value
