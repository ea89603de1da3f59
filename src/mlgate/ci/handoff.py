"""A fork's run, handed to the trusted `workflow_run` job that posts it.

The fork's job has no secrets and a read-only token, so it leaves its run folder as an
artifact with two more files: `handoff.json` (which pull request and head commit it
claims to be) and a copy of the manifest. Everything in it was written by the fork's own
code, so the trusted job believes none of it until GitHub agrees: the head commit must
be the one GitHub says the triggering run ran on, and the pull request must still point
at it; the manifest copy must be the file at that commit, byte for byte (the one its
diff shows), and the rules the pull request changes are listed from the base commit's
manifest by the trusted job itself. The trusted job never checks out or runs the fork's
code; the manifest is read as data, and the report's text is escaped as any report's is.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from mlgate import atomic, words, yaml_source
from mlgate.errors import ManifestError, UserError
from mlgate.github.context import ActionsContext
from mlgate.github.pulls import PullRequest
from mlgate.manifest.spec import Manifest
from mlgate.result import runs, strict
from mlgate.result.records import RuleChange, RunResult

HANDOFF_FILE = "handoff.json"
MANIFEST_COPY = "manifest.yaml"
MAX_MANIFEST_BYTES = 1 << 20
MAX_HANDOFF_BYTES = 1 << 16
MAX_CANDIDATES = 50  # files of the base commit read for a model's manifest, at most


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
    manifest_bytes: bytes  # the copy as handed over, to be set beside GitHub's


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
    """The one run folder with a hand-over in the downloaded artifact, which holds folders
    and files only."""
    _plain(folder)
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


def _plain(folder: Path) -> None:
    """Refused before anything in it is read or written: a symbolic link anywhere below
    `folder` (the charts were written through `<run>/.mlgate -> elsewhere`, outside the
    download), and anything else that is neither a folder nor a file (a FIFO hangs a read)."""

    def unreadable(exc: OSError) -> None:
        raise UserError(f"the downloaded artifact cannot be read: {exc.strerror}") from exc

    for top, folders, names in os.walk(folder, onerror=unreadable):  # links listed, not entered
        for name in (*folders, *names):
            path = Path(top, name)
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
                continue
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "neither a file nor a folder"
            shown = str(path.relative_to(folder))[:80]
            raise UserError(
                f"the artifact's {shown!r} is {kind}; an artifact holds folders and files only"
            )


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
    return Received(
        handoff=handoff,
        result=own_verdict(result, loaded),
        manifest=loaded,
        manifest_bytes=raw,
    )


def posted_here(result: RunResult, manifest: Manifest) -> RunResult:
    """A saved run of this checkout (`mlgate comment`) with the verdict its own checks and
    gates give against this manifest, or refused: one that says `passed` over a failed
    check was posted as a green check."""
    if result.manifest.sha256 != manifest.sha256:
        raise UserError(
            f"run {result.run_id} was made with another manifest than "
            f"{manifest.path.name} (their sha256s differ): its checks and gates cannot be "
            "decided again against this one",
            hint="post it from a checkout of the commit it ran on",
        )
    return own_verdict(result, manifest, whose="")


def own_verdict(
    result: RunResult, manifest: Manifest, *, whose: str = "the handed-over "
) -> RunResult:
    """The run with the verdict and summary its own checks and gates give, each gate and
    metric check decided again from its figures and the manifest: one that says
    otherwise was written by hand (a drop marked "passed", posted as a green check). The
    summary, free text, is rewritten from them too. `whose` begins the refusal."""
    from mlgate.compare import recheck
    from mlgate.report import verdict

    if found := recheck.disagreements(manifest, result):
        from mlgate import __version__

        other = result.mlgate_version != __version__  # its rules may have decided otherwise
        raise UserError(
            f"{whose}run {result.run_id} was not written by mlgate as it ran: "
            + words.first(found[:3], len(found), "; "),
            hint=f"it says mlgate {result.mlgate_version} wrote it, and this is {__version__}: "
            "run the pull request's workflow again with this version"
            if other
            else None,
        )
    if why := verdict.written_by_hand(result):
        raise UserError(f"{whose}{why}")
    if whose and result.compare is None:  # only a baseline's own run is not compared
        raise UserError(
            f"{whose}run {result.run_id} has no comparison, which every pull request's run "
            "makes (with its baseline, or saying it has none): it was not written by mlgate "
            "as it ran"
        )
    skipped = [n for n in verdict.STAGES if getattr(result, n).status != "passed"]
    if whose and result.verdict == "passed" and skipped:  # `check model` skips; a pull
        # request's run does not: data checks left out, posted green
        raise UserError(
            f"{whose}run {result.run_id} passed with its {skipped[0]} stage "
            f"{getattr(result, skipped[0]).status}, which a pull request's run runs: it was "
            "not written by mlgate as it ran"
        )
    if whose and result.sweep is not None:  # a green `mlgate / MODEL sweep` check and a
        # sweep comment, posted with this repository's token for a sweep that never ran
        raise UserError(
            f"{whose}run {result.run_id} claims a sweep's winner, which only a sweep writes "
            "(`mlgate sweep`, `sweep collect`) and a pull request's run never does: it was "
            "not written by mlgate as it ran"
        )
    return replace(recheck.reworded(manifest, result), summary=verdict.decide(result)[1])


FORK_FIGURES = (
    "made by a fork's pull-request job: its figures are the fork's own; what mlgate decided "
    "from them was decided again by this repository's workflow"
)


def fork_noted(received: Received) -> Received:
    """The run's notes as the trusted job knows them: whose figures these are, then how a
    fork's run differs by the (checked) manifest's `forks:` settings, then the fork's other
    notes. The fork wrote its notes: with `notes: []` nothing said the run was a fork's,
    nor that it read its sample data (`data.test read from data/sample/test.csv`)."""
    forks = received.manifest.forks
    result = received.result
    own = [n for n in result.notes if not n.startswith(forks.NOTE) and n != FORK_FIGURES]
    notes = (FORK_FIGURES, *forks.notes(), *own)
    return replace(received, result=replace(result, notes=notes))


def same_manifest(received: Received, at_head: bytes | None) -> str:
    """What was checked, said: the hand-over's manifest copy is the file at the pull
    request's head commit (from GitHub), byte for byte, or the artifact is refused. The
    copy set the gates and checks the run was judged by; one of the fork's own making
    judged it by rules the pull request's diff does not show."""
    claimed = received.handoff
    where = f"{claimed.manifest_path} at the pull request's head commit {claimed.head_sha[:12]}"
    copy = received.manifest_bytes
    if at_head is None:
        raise UserError(f"the hand-over names {where}, and that commit has no such file")
    if at_head != copy:
        raise UserError(
            f"the handed-over manifest is not {where}: it differs from line "
            f"{_first_difference(at_head, copy)} on ({words.count(len(at_head), 'byte')} "
            f"there, {len(copy):,} in the artifact)"
        )
    return f"manifest: the hand-over's copy is {where}, byte for byte"


def _first_difference(one: bytes, other: bytes) -> int:
    """The number of the first line that differs."""
    ones, others = one.splitlines(keepends=True), other.splitlines(keepends=True)
    same = next((i for i, (a, b) in enumerate(zip(ones, others, strict=False)) if a != b), None)
    return (min(len(ones), len(others)) if same is None else same) + 1


def candidates(listed: Mapping[str, int], claimed: str) -> list[str]:
    """The files of the base commit (path -> bytes) that may be a manifest of the model a
    manifest new in the pull request names: named as mlgate's manifest is by default
    (`mlops.yaml`, `mlops.yml`), or as the handed-over one is, and no larger than a
    manifest may be; nearest the repository's top first."""
    from mlgate.manifest.load import MANIFEST_NAMES, spellings

    names = {*MANIFEST_NAMES, *spellings(PurePosixPath(claimed).name)}
    found = [
        path
        for path, size in listed.items()
        if PurePosixPath(path).name in names and path != claimed and size <= MAX_MANIFEST_BYTES
    ]
    return sorted(found, key=lambda path: (path.count("/"), path))


def names_model(text: bytes, path: str, model: str) -> bool:
    """Whether `text` reads as YAML whose top-level `name` is `model`: a manifest of it,
    even one this mlgate would refuse otherwise."""
    return manifest_name(text, path) == model


def manifest_name(text: bytes, path: str) -> str | None:
    """The model `text` is a manifest of: its top-level `name`, when it reads as YAML
    with one (read whether or not this mlgate would take the rest); else None."""
    try:
        data = yaml_source.load_bytes(text, path).data
    except yaml_source.YamlProblems:
        return None
    named = data.get("name") if isinstance(data, dict) else None
    return named if isinstance(named, str) else None


def judged(
    received: Received,
    at_base: bytes | None,
    pull: PullRequest,
    base_path: str | None = None,
    *,
    listed_whole: bool = True,
) -> tuple[Received, str]:
    """The run with the rules its pull request changes (gates, checks and settings
    loosened, removed, added) listed here, against the manifest at the base commit, in
    place of the run's own list, which the fork wrote; and what was found, said. Where the
    base has that manifest, the run must be of the model it names (the check's name and
    the comment's marker are the model's), and one whose manifest leaves the baseline to
    the event must have been compared with the base branch: one that says it had no
    baseline evaluated none of its gates. `base_path`: where the base commit has it, if
    not at the head's path (renamed since: jobs._base_manifest; or the base's manifest of
    the model, beside which the pull request adds another: jobs._model_at_base). Without
    one (`at_base` None) the model is new, and its summary says first that no rules of
    the base judged it; `listed_whole`: whether every file of the base commit was looked
    at for one."""
    from mlgate import manifest as manifests
    from mlgate.compare import rules

    head = received.manifest
    claimed = received.handoff.manifest_path
    path = base_path or claimed  # where the base has it (`at_base`)
    where = f"{path} at the base commit {pull.base_sha[:12]}"
    if at_base is None:
        return _new_model(received, pull, listed_whole)
    moved = (
        f"{claimed} is new in the pull request, and the base's manifest of "
        f"'{head.name}' is {path}; "
        if path != claimed
        else ""
    )
    unread = ""
    named: str | None
    try:
        named = manifests.parse(
            at_base, name=path, root=head.root, path=head.path, files=False
        ).name
    except ManifestError:  # its model and rules are still what the base says of them
        named = manifest_name(at_base, path)
        unread = " (one this mlgate does not read: its rules are not known)"
    result = received.result
    if named != head.name:
        raise UserError(
            f"the pull request renames the model '{named}' to '{head.name}' ({path}); a "
            "fork's report is posted under the name the base repository gives it"
        )
    compared = result.compare
    if (
        compared is not None
        and head.compare.baseline_kind == "auto"
        and (compared.baseline.kind, compared.baseline.ref) != ("git", pull.base_ref)
    ):
        kept = compared.baseline
        what = (
            "says it had no baseline"
            if kept.kind == "none"
            else f"was compared with {kept.name[:80]!r} ({kept.kind})"
        )
        raise UserError(
            f"the handed-over run {what}, where its manifest (compare.baseline: auto) "
            f"compares a pull request with its base branch {pull.base_ref}, which has {path}"
        )
    changed = rules.changes(at_base, head)
    said = words.count(len(changed), "rule")
    return _ruled(received, changed), f"rules: {moved}{said} set otherwise than in {where}{unread}"


def _new_model(received: Received, pull: PullRequest, listed_whole: bool) -> tuple[Received, str]:
    """A model no manifest of the base commit names: nothing of the base branch judged it.
    Said first in the summary, which the comment's verdict and the check's title show: a
    green check under the model's name is not an ordinary pass."""
    name, claimed = received.result.name, received.handoff.manifest_path
    partly = (
        ""
        if listed_whole
        else " (not every file of the base commit was read: one unread may name it)"
    )
    said = (
        f"a new model: no manifest of the base branch names {name}, so none of its rules "
        f"judged this run ({claimed} is new in this pull request){partly}"
    )
    ruled = _ruled(received, ())
    summary = f"{said}. {ruled.result.summary}"
    line = (
        f"rules: {claimed} does not exist at the base commit {pull.base_sha[:12]}, nor any "
        f"manifest of '{name}' (a new model, judged by no rules of the base branch){partly}"
    )
    return replace(ruled, result=replace(ruled.result, summary=summary)), line


def _ruled(received: Received, changed: tuple[RuleChange, ...]) -> Received:
    compared = received.result.compare
    if compared is None:
        return received
    return replace(
        received, result=replace(received.result, compare=replace(compared, rules=changed))
    )


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
