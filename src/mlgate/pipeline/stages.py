"""The bodies of the run's stages: each reads what the run has (RunContext) and returns
its stage's dataclass; the flow (`pipeline.flow`) times them, skips them and tells the
observer."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate import commands, dvc_files, files, fork_server, kept_model, words
from mlgate.errors import UserError
from mlgate.git import GitInfo
from mlgate.manifest import data_formats
from mlgate.manifest.spec import Command, Data, Manifest
from mlgate.pipeline import warmup
from mlgate.pipeline.observer import Observer
from mlgate.result.records import (
    CheckResult,
    CommandOutcome,
    DatasetSummary,
    DataStage,
    EvaluateStage,
    FileFingerprint,
    ModelStage,
    RowSet,
    RunResult,
    Status,
    TrainStage,
)

if TYPE_CHECKING:
    from mlgate.compare.baseline import Found
    from mlgate.data.frames import Table
    from mlgate.data.profile import Profile
    from mlgate.model.evaluate import Scored


@dataclass(frozen=True, kw_only=True)
class RunContext:
    """What every stage of one run reads."""

    manifest: Manifest
    run_id: str
    run_dir: Path
    observer: Observer
    env: Mapping[str, str]


def data(ctx: RunContext) -> DataStage:
    """`data.prepare` run, the train and test files read and summarized, the data checks."""
    if ctx.manifest.data.drift is None:
        return _data(ctx)
    with warmup.importing(warmup.DRIFT):
        return _data(ctx)


def _data(ctx: RunContext) -> DataStage:
    spec = ctx.manifest.data
    prepare = None
    if spec.prepare is not None:
        prepare = _command(ctx, "data", spec.prepare, "prepare.log")
        if prepare.status != "passed":
            return DataStage(
                status="failed",
                prepare=prepare,
                message=f"data preparation failed: {prepare.message}",
            )
    # a file too big to hold is checked through a Parquet copy, deleted with the stage
    with tempfile.TemporaryDirectory(dir=ctx.run_dir, prefix="data-") as scratch:
        return _checked(ctx, prepare, Path(scratch))


def _checked(ctx: RunContext, prepare: CommandOutcome | None, scratch: Path) -> DataStage:
    from mlgate.data import checks, drift, load, profile

    manifest, spec = ctx.manifest, ctx.manifest.data
    frames: dict[str, Table] = {}
    # for drift: each file profiled once, every value kept (a file too big: its summary)
    profiles: dict[str, Profile] = {}
    summaries: list[DatasetSummary] = []
    roles = [("train", spec.train), ("test", spec.test)]
    reference_profile = None
    if spec.drift is not None and spec.reference is not None:
        if profile.is_profile(spec.reference):
            reference_profile = _read_profile(manifest, spec.reference)
        else:
            roles.append(("reference", spec.reference))
    try:
        for role, relative in roles:
            path = manifest.resolve(relative)
            dvc = dvc_files.tracked(path, manifest.root)
            if dvc is not None and path.is_symlink() and not path.exists():
                raise UserError(  # `dvc pull` would put a file where the user's link was
                    f"data.{role}: '{relative}' is a link to nothing ({os.readlink(path)}), "
                    "and DVC tracks it: a pull would replace the link with a file",
                    hint="make the link point at the data, or remove it to have DVC pull it",
                )
            pulled = False  # by DVC, just now: a mismatch is then DVC's cache, not an edit
            if not path.exists() and dvc is not None:
                pulled = True
                ctx.observer.stage_output("data", f"pulling {relative} with DVC")
                dvc_files.pull(path, manifest.root, f"data.{role}", stage=dvc.stage)
                dvc = dvc_files.tracked(path, manifest.root)  # a folder's listing came too
            if not path.exists():
                raise UserError(
                    f"data.{role}: file '{relative}' does not exist"
                    + (" after data.prepare ran" if prepare else "")
                )
            files.require_regular(path, f"data.{role}", relative)  # a FIFO would block
            fmt = load.detect_format(path, spec.format)
            file = _fingerprint(path, relative, manifest.root, dvc, pulled=pulled)
            columns = _reference_columns(spec) if role == "reference" else None
            if load.too_big(path):
                frames[role], made = _streamed(ctx, role, path, fmt, columns, scratch)
                whole = made = replace(made, source=relative)
            else:
                frame = frames[role] = load.read(path, fmt, columns)
                whole = profile.of_frame(frame, source=relative, exact=True)
                made = profile.condensed(whole)
            if made.rows == 0 and role != "reference":  # drift says so of a reference
                raise UserError(
                    f"data.{role}: '{relative}' has no rows, only a header: no model can "
                    f"be {'trained' if role == 'train' else 'scored'} on it",
                    hint="check what wrote it (data.prepare, an export, a DVC pull)",
                )
            if spec.drift is not None:
                profiles[role] = whole
            kept = _keep_profile(ctx, role, made)
            summaries.append(
                checks.summarize(
                    role, frames[role], file, fmt, rows=made.rows, dvc=dvc, profile=kept
                )
            )
    except UserError as exc:
        # a path under the project's folder from where mlgate was started, as the data
        # files' own (load: relative there, absolute outside it), never the long absolute
        # one the run builds; a fix-it command in it is then run from there as printed
        message = data_formats.from_start(str(exc), manifest.root)
        return DataStage(
            status="error", prepare=prepare, datasets=tuple(summaries), message=message
        )
    reference = frames.pop("reference", None)
    found = tuple(checks.run_checks(spec, frames, reference, manifest.test_columns))
    try:
        if isinstance(reference_profile, UserError):
            raise reference_profile
        current = {role: profiles[role] for role in frames if role in profiles}  # none: no drift
        drifts = drift.against_reference(
            spec, current, reference_profile or profiles.get("reference")
        )
    except UserError as exc:
        return DataStage(
            status="error", prepare=prepare, datasets=tuple(summaries), message=str(exc)
        )
    found += tuple(drift.check(d) for d in drifts)
    return DataStage(
        status=status_of(found),
        prepare=prepare,
        datasets=tuple(summaries),
        checks=found,
        drift=drifts,
        message="; ".join(unchecked(summaries)),
    )


def unchecked(datasets: Sequence[DatasetSummary]) -> tuple[str, ...]:
    """A note for each file DVC tracks in a folder whose listing is not in DVC's cache:
    the run could not check it against DVC's version, and a run result naming a committed
    .dvc file at a clean commit read as if it had."""
    found = []
    for d in datasets:
        if d.dvc_source is None or d.dvc_md5 is not None:
            continue
        named = d.dvc_source.split(" (", 1)[0]
        fetch = f"dvc fetch {named}" if named.endswith(".dvc") else "dvc fetch"
        found.append(
            f"data.{d.role}: {d.file.path} was not checked against DVC's version of it: "
            f"{d.dvc_source} tracks its folder, whose listing is not in DVC's cache "
            f"(`{fetch}` brings it)"
        )
    return tuple(found)


AS_IT_IS = "not run: mlgate check model takes the data and the model as they are"
NOT_DESCRIBED = DataStage(status="skipped", message=AS_IT_IS)


def described(ctx: RunContext) -> DataStage:
    """The data files as they are, fingerprinted but neither prepared nor checked (`mlgate
    check model`): what a comparison says changed, and part of its baseline's cache key.
    A file that cannot be read is left out; its evaluation says why."""
    import polars as pl

    from mlgate.data import checks, load

    spec, root = ctx.manifest.data, ctx.manifest.root
    found = []
    for role, relative in (("train", spec.train), ("test", spec.test)):
        path = ctx.manifest.resolve(relative)
        if not path.is_file():
            continue
        fmt = load.detect_format(path, spec.format)
        try:
            schema = load.schema(path, fmt)
            rows = load.scan(path, fmt).select(pl.len()).collect().item()
        except (UserError, pl.exceptions.PolarsError):
            continue
        dvc = dvc_files.tracked(path, root)
        file = _fingerprint(path, relative, root, dvc)
        empty = pl.DataFrame(schema=schema)  # the columns, as the data stage records them
        found.append(checks.summarize(role, empty, file, fmt, rows=rows, dvc=dvc))
    return DataStage(status="skipped", datasets=tuple(found), message=AS_IT_IS)


def as_it_is(ctx: RunContext) -> TrainStage:
    """The model file as it is: not trained here, fingerprinted."""
    from mlgate.data import fingerprint

    path = ctx.manifest.resolve(ctx.manifest.train.model)
    model = fingerprint.file_fingerprint(path, ctx.manifest.root) if path.is_file() else None
    return TrainStage(status="skipped", model=model, message=AS_IT_IS)


@dataclass(frozen=True)
class Origin:
    """Which run wrote the model file `mlgate check model` scores (the newest whose
    recorded model has its sha256), and whether that run's commit is the checked-out one:
    on a branch after the default branch's run, the default branch's model was scored,
    compared with itself, and passed with +0.0000 as the branch's."""

    file: str  # the model file, as train.outputs.model names it
    run_id: str | None  # None: no run of this project wrote these bytes
    commit: str | None  # the run's commit (None: not in a git repository)
    branch: str | None
    dirty: bool  # the run's working tree had uncommitted changes
    head: str | None  # the checked-out commit
    head_branch: str | None

    @property
    def here(self) -> bool:
        """Written by a run of the checked-out commit, from its committed files."""
        return self.run_id is not None and self.commit == self.head and not self.dirty

    def said(self) -> str:
        if self.run_id is None:
            return (
                f"no run of this project wrote {self.file} (none of the runs in "
                ".mlgate/runs records its sha256): the commit its model comes from is not "
                "known; `mlgate run` trains the checked-out commit's"
            )
        at = f"at commit {_short(self.commit)}{_on(self.branch)}" if self.commit else ""
        written = f"{self.file} was written by run {self.run_id}" + (f" {at}" if at else "")
        if self.commit is None or self.head is None:
            return written + " (no commit to hold it against)"
        if self.commit != self.head:
            return (
                f"{written}, not at the checked-out commit {_short(self.head)}"
                f"{_on(self.head_branch)}: that commit's model is scored as this one's; "
                "`mlgate run` trains the checked-out commit's"
            )
        if self.dirty:
            return (
                f"{written}, the checked-out commit, from files changed since it: it may not "
                "be the committed model; `mlgate run` trains the commit's"
            )
        return f"{written}, the checked-out commit"


def _short(commit: str | None) -> str:
    return (commit or "")[:7]


def _on(branch: str | None) -> str:
    return f" ({branch})" if branch else ""


def origin(manifest: Manifest, model: FileFingerprint | None, head: GitInfo) -> Origin | None:
    """The newest run of this project whose model is the file `model` fingerprints; None
    when there is no file."""
    from mlgate.result import runs

    if model is None:
        return None
    found = runs.newest_with_model(manifest.root, model.sha256)
    return Origin(
        file=manifest.train.model,
        run_id=found.run_id if found else None,
        commit=found.git.commit if found else None,
        branch=found.git.branch if found else None,
        dirty=bool(found and found.git.dirty),
        head=head.commit,
        head_branch=head.branch,
    )


def _streamed(
    ctx: RunContext,
    role: str,
    path: Path,
    fmt: str,
    columns: Sequence[str] | None,
    scratch: Path,
) -> tuple[Table, Profile]:
    """A file too big to hold: profiled in batches and checked through a scan. A drift
    reference needs only its profile (and its schema, where schemas are compared); a
    training or test file is first written as Parquet, so each check reads its columns."""
    import polars as pl

    from mlgate.data import load, profile

    size = words.size(path.stat().st_size)
    if role == "reference":
        ctx.observer.stage_output("data", f"profiling {path.name} ({size}) in batches")
        made = profile.of_file(path, fmt, columns)
        return pl.DataFrame(schema=load.schema(path, fmt)), made
    ctx.observer.stage_output("data", f"checking {path.name} ({size}) in batches")
    staged = load.as_parquet(path, fmt, scratch)
    return load.scan(staged, "parquet"), profile.of_file(staged, "parquet")


def _reference_columns(spec: Data) -> tuple[str, ...] | None:
    """A drift reference named by file is read for the columns drift tests, unless it is
    held to the same schema as the other files (then all of them)."""
    if spec.drift is None or spec.drift.columns is None or spec.same_schema:
        return None
    return spec.drift.columns


def _fingerprint(
    path: Path, relative: str, root: Path, dvc: dvc_files.Tracked | None, *, pulled: bool = False
) -> FileFingerprint:
    """The file's fingerprint; a DVC-tracked file is checked against DVC's record in the
    same pass, since the run result names its data by DVC's hash: a file changed since
    `dvc add` is no version DVC knows, and saying it was would be false. `pulled`: DVC
    checked it out just now, so a mismatch is DVC's cache, not the user's edit."""
    from mlgate.data import fingerprint

    if dvc is not None and dvc.unlisted:
        raise UserError(
            f"{relative} is not in the version of the folder that {dvc.source} holds: "
            "the run would name its data by a version that lacks it",
            hint="`dvc add` the folder to record this version (`dvc status` shows what changed)",
        )
    if dvc is None or dvc.md5 is None:
        return fingerprint.file_fingerprint(path, root)
    file, md5 = fingerprint.with_md5(path, root)
    md5s = {md5}
    if md5 != dvc.md5 and not dvc.raw:
        # DVC 2 (no `hash: md5`) hashed a text file with its Windows line ends read as
        # Unix's: a second pass, only for a record the bytes as they are do not match
        md5s.add(fingerprint.dos2unix_md5(path))
    if dvc.md5 not in md5s and pulled:
        cached = dvc_files.cache_object(dvc.md5, path)
        shown = os.path.relpath(cached, root) if cached else "DVC's cache object"
        raise UserError(
            f"{relative} was pulled by DVC just now and is not the version that {dvc.source} "
            f"holds (its MD5 is {' or '.join(sorted(md5s))}, DVC's {dvc.md5}): the cache "
            f"object {shown} does not hash to its name, and DVC checked it out as it is",
            hint=f"delete {shown} and {relative}, then `dvc pull {relative}` fetches it "
            "again from the remote (`dvc add` would record the damaged bytes as a version)",
        )
    if dvc.md5 not in md5s:
        record = (
            f"`dvc commit {relative}` (or `dvc repro {dvc.stage}`)"
            if dvc.stage
            else f"`dvc add {relative}`"
        )
        raise UserError(
            f"{relative} is not the version that {dvc.source} holds (its MD5 is "
            f"{' or '.join(sorted(md5s))}, DVC's {dvc.md5}): the run would name its data by "
            "a hash it does not have",
            hint=f"{record} to record this version, or `dvc checkout {relative}` to return "
            "to the recorded one",
        )
    return file


def _keep_profile(ctx: RunContext, role: str, made: Profile) -> str:
    """The file's profile beside the run's result: the lineage says what the data looked
    like, and a later drift check can compare with it without the data."""
    from mlgate import atomic
    from mlgate.data import profile

    name = f"profile.{role}.json"
    atomic.write_text(ctx.run_dir / name, profile.to_json(made))
    return name


def _read_profile(manifest: Manifest, relative: str) -> Profile | UserError:
    """data.reference as a profile; a problem with it is the data stage's error."""
    from mlgate.data import profile

    try:
        return profile.read_file(manifest.resolve(relative), relative)
    except UserError as exc:
        return exc


def train(ctx: RunContext, checked: Sequence[DatasetSummary] = ()) -> TrainStage:
    """The user's training command, which must write (or update) the model file.
    `checked`: the data files as the data stage read them. The run keeps the model file
    as it was until its result is saved (`model_kept`)."""
    model_path = ctx.manifest.resolve(ctx.manifest.train.model)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    return _trained(ctx, checked, model_path)


def model_kept(ctx: RunContext) -> contextlib.AbstractContextManager[kept_model.Keeping]:
    """The model file as it was, put back unless the run calls `passed()`: after a training
    that passed, once the result describing its model is saved (a full disk while it was
    written left the new model with no run describing it, the last run's model gone). Not
    a DVC stage's: DVC's cache holds every output it recorded."""
    manifest = ctx.manifest
    if manifest.train.dvc_stage is not None:
        return contextlib.nullcontext(kept_model.Keeping())
    model_path = manifest.resolve(manifest.train.model)
    return kept_model.kept(manifest.root, model_path, ctx.run_id, _train_line(ctx))


def _train_line(ctx: RunContext) -> Callable[[str], None]:
    return lambda line: ctx.observer.stage_output("train", line)


def _trained(ctx: RunContext, checked: Sequence[DatasetSummary], model_path: Path) -> TrainStage:
    from mlgate.data import fingerprint

    manifest = ctx.manifest
    before = _mtime(model_path)
    stage = manifest.train.dvc_stage
    lock = manifest.root / "dvc.lock"
    lock_before = _read_lock(lock) if stage else None
    locked_before = dvc_files.locked_stage(manifest.root, stage) if stage else None
    # the process the model is scored from, its imports loaded on the idle core while
    # training runs (this process needs none of them: pandas, scikit-learn, joblib)
    fork_server.prepare()
    started_ns = time.time_ns()
    outcome = _command(ctx, "train", _training(manifest), "train.log", test_data=False)
    if outcome.status != "passed":
        return TrainStage(status=outcome.status, outcome=outcome, message=outcome.message)
    after = _mtime(model_path)
    try:
        locked = dvc_files.locked_stage(manifest.root, stage) if stage else None
    except UserError as exc:  # what the stage ran with is not known: no lineage to record
        return TrainStage(status="error", outcome=outcome, message=str(exc))
    if stage and _adopted(locked_before, locked, ctx.run_dir / "train.log", stage):
        if lock_before is not None:  # the user's dvc.lock as it was: the run wrote no record
            from mlgate import atomic

            atomic.write_bytes(lock, lock_before)
        return TrainStage(
            status="error",
            outcome=outcome,
            message=f"`dvc repro {stage}` did not run the stage (frozen, or its outputs "
            "taken as they stood) but recorded new outputs for it in dvc.lock: the model "
            f"there is no product of the stage's code and data. dvc.lock is left as it was; "
            f"`dvc unfreeze {stage}` (or `dvc checkout {stage}` to return to the recorded "
            "model), then run again",
        )
    # a DVC stage whose inputs did not change is skipped by `dvc repro`: its model stands
    if after is None or (after == before and stage is None):
        what = "did not write" if after is None else "did not update"
        return TrainStage(
            status="failed",
            outcome=outcome,
            message=f"training finished but {what} {manifest.train.model}"
            + _where_it_wrote(manifest.root, started_ns),
        )
    rewritten = _rewritten(manifest, checked) if stage else ()
    if rewritten:  # the data checks and the lineage would be of files the model never saw
        shown = ", ".join(rewritten)
        return TrainStage(
            status="error",
            outcome=outcome,
            message=f"`dvc repro {stage}` rewrote {shown} after the data checks had read "
            "them (a stage before it was out of date): the checks, and the data this run "
            f"records, are of the old files. Run `dvc repro {stage}` and commit dvc.lock, or "
            "set data.prepare to the `dvc repro` of the stage that writes them, so that the "
            "checks read what trains",
        )
    return TrainStage(
        status="passed",
        outcome=outcome,
        message=outcome.message,
        model=fingerprint.file_fingerprint(model_path, manifest.root),
        dvc_lock=(locked.hashes if locked else {}) if stage else None,
        dvc_params=(locked.params if locked else {}) if stage else None,
        dvc_cmd=locked.cmd if locked else None,
    )


def _where_it_wrote(root: Path, started_ns: int) -> str:
    """The fix for a model that is not where the manifest says: the files the training did
    write, named, when there are any."""
    from mlgate.pipeline import misplaced

    written = misplaced.models_written(root, started_ns)
    if not written:
        return " (write the model to $MLGATE_MODEL, or set train.outputs.model)"
    fix = (
        f"train.outputs.model: {words.name(written[0])}"
        if len(written) == 1
        else "train.outputs.model to the one mlgate should score"
    )
    wrote = words.names(written, len(written))
    return f"; it wrote {wrote}: set {fix} (or write the model to $MLGATE_MODEL)"


def _read_lock(lock: Path) -> bytes | None:
    """dvc.lock's bytes before training, to put back when the run must not change it."""
    try:
        return files.read_bytes(lock, limit=dvc_files.MAX_BYTES, name="dvc.lock")
    except UserError:
        return None


RAN = ("Running stage '{}'", "Stage '{}' is cached")  # DVC's words when it ran (or restored)


def _adopted(
    before: dvc_files.LockedStage | None,
    after: dvc_files.LockedStage | None,
    log: Path,
    stage: str,
) -> bool:
    """`dvc repro` recorded new outputs for the stage without running it: the same
    inputs, params and command, other outputs, and no "Running stage" in its log. A
    frozen stage does that ("Verifying outputs in frozen stage"): a model put there by
    hand went into dvc.lock, and the run recorded it as trained by the stage's code."""
    if before is None or after is None or before.outs == after.outs:
        return False
    if (_inputs(before), before.params, before.cmd) != (_inputs(after), after.params, after.cmd):
        return False
    try:
        said = log.read_text("utf-8", errors="replace")
    except OSError:
        said = ""
    return not any(ran.format(stage) in said for ran in RAN)


def _inputs(locked: dvc_files.LockedStage) -> dict[str, str]:
    return {path: md5 for path, md5 in locked.hashes.items() if path not in locked.outs}


def _training(manifest: Manifest) -> Command:
    """The training command; a DVC stage's with `--pull` where the project has a default
    remote: a fresh clone (CI's) has no stage outputs in its cache, so a plain `dvc repro`
    trained again (leaving dvc.lock changed and a model nobody committed), where DVC
    itself pulls what the stage wrote and skips it."""
    command, stage = manifest.train.command, manifest.train.dvc_stage
    if stage is None or command.argv != ("dvc", "repro", stage):
        return command
    if dvc_files.default_remote(manifest.root) is None:
        return command
    return replace(command, argv=("dvc", "repro", "--pull", stage))


def _rewritten(manifest: Manifest, checked: Sequence[DatasetSummary]) -> tuple[str, ...]:
    """The data files whose bytes are no longer those the data stage read."""
    from mlgate.data import fingerprint

    changed = []
    for summary in checked:
        path = manifest.resolve(summary.file.path)
        now = fingerprint.file_fingerprint(path, manifest.root) if path.is_file() else None
        if now is None or now.sha256 != summary.file.sha256:
            changed.append(summary.file.path)
    return tuple(changed)


@dataclass(frozen=True)
class Scoring:
    """What the child that scored the model sends back."""

    scored: Scored
    train_rows: RowSet | None  # the rows the model was trained on, hashed (None: unknown)


def evaluate(ctx: RunContext) -> EvaluateStage:
    """The model loaded and scored in a child process, stopped at evaluate.timeout: the
    user's predict() may raise, return nonsense or never return, and the run says which."""
    from mlgate.commands import duration
    from mlgate.model import isolated

    manifest = ctx.manifest
    log = open(ctx.run_dir / "evaluate.log", "a", encoding="utf-8")  # noqa: SIM115
    with log:

        def on_line(line: str) -> None:
            log.write(line + "\n")
            ctx.observer.stage_output("evaluate", line)

        try:
            answer = isolated.run(
                lambda announce: _score(manifest, announce),
                timeout_s=manifest.evaluate.timeout_s,
                timeout_said=duration(manifest.evaluate.timeout_s),
                on_line=on_line,
            )
        except isolated.NoAnswer as exc:
            return EvaluateStage(status="error", message=str(exc))
    if not isinstance(answer, Scoring):  # pragma: no cover (the child sends only Scoring)
        raise TypeError(f"the scoring child sent {type(answer).__name__}")
    scored = answer.scored
    message = scored_said(scored.metrics, scored.metric_errors, scored.predictions.rows)
    message += _positive_said(manifest, scored.positive_label, scored.predictions.classes)
    message += f"; {scored.note}" if scored.note else ""
    stage = scored.passed(message, train_rows=answer.train_rows)
    if manifest.evaluate.intervals:
        from mlgate.compare import intervals

        stage = replace(stage, intervals=intervals.of(stage, manifest.compare))
    if not manifest.evaluate.slices:
        return stage
    from mlgate.compare import subgroups

    return replace(stage, slices=subgroups.slice_figures(manifest, stage))


def _positive_said(manifest: Manifest, positive: Any, classes: tuple[Any, ...] | None) -> str:
    """The positive class mlgate chose, where no convention says it: of churned/stayed the
    greater label is "stayed", and f1, precision and recall were of it without a word on
    the terminal (the report said it). Of 0/1 or false/true, 1 and true go unsaid."""
    if positive is None or manifest.evaluate.positive_label is not None:
        return ""
    if {str(c).lower() for c in classes or ()} in ({"0", "1"}, {"false", "true"}):
        return ""
    return (
        f"; positive class {words.quoted(str(positive))}, the greater label "
        "(set evaluate.positive_label to name another)"
    )


def _score(manifest: Manifest, announce: Callable[[str], None]) -> Scoring:
    """In the child: load the model, read the test data, score."""
    from mlgate.data import load
    from mlgate.model import evaluate, loading

    announce(f"loading {manifest.train.model}")
    relative = manifest.train.model
    model = loading.for_manifest(
        manifest, manifest.resolve(relative), shown=f"{relative} (train.outputs.model)"
    )
    announce(f"reading {manifest.data.test}")
    path = manifest.resolve(manifest.data.test)
    frame = load.read_pandas(path, load.detect_format(path, manifest.data.format))
    scored = evaluate.score(manifest, model, frame, announce)
    if manifest.robustness_checks or manifest.evaluate.importance is not None:
        announce("robustness checks and permutation importance")
        scored = evaluate.examined(manifest, model, frame, scored)
    timing = manifest.timing
    if timing is not None:
        from mlgate.model import latency

        announce("timing predict, batch sizes " + ", ".join(map(str, timing.batches)))
        alone = latency.Timed(
            role="candidate",
            load=lambda: loading.for_manifest(manifest, manifest.resolve(relative)),
            path=manifest.resolve(relative),
            given=lambda loaded: evaluate.model_input(manifest, loaded, frame),
        )
        found = latency.measure([alone], batches=timing.batches, seconds=timing.seconds)
        scored = replace(scored, latency=found)
    announce(f"reading {manifest.data.train}")  # which rows the model was trained on
    train_path = manifest.resolve(manifest.data.train)
    fmt = load.detect_format(train_path, manifest.data.format)
    columns = evaluate.row_columns(manifest, frame)
    named = load.header(train_path, fmt)  # None: JSON Lines, whose records may differ
    train_rows = None
    if named is None or set(columns) <= set(named):
        batches = load.pandas_batches(train_path, fmt, columns)
        train_rows = evaluate.train_rows(manifest, batches, frame)
    return Scoring(scored, train_rows)


def test_columns(manifest: Manifest, candidate: RunResult) -> dict[str, Any] | str:
    """The candidate's test columns (but the target and the id), one value per scored row,
    read again from the test file; or why not, when the file no longer holds the rows the
    run scored (each row's hash is checked against the run's)."""
    import numpy as np

    from mlgate.data import load
    from mlgate.model import evaluate
    from mlgate.result import arrays

    kept = candidate.evaluate.predictions
    path = manifest.resolve(manifest.data.test)
    try:
        frame = load.read_pandas(path, load.detect_format(path, manifest.data.format))
        keys = evaluate.hash_rows(frame, evaluate.row_columns(manifest, frame))
    except (UserError, KeyError, OSError) as exc:
        return f"{manifest.data.test} could not be read again ({exc})"
    if kept is None or not np.array_equal(keys, arrays.decode(kept.row_keys)):
        return f"{manifest.data.test} no longer holds the rows the run scored: run again"
    skip = {manifest.data.target, manifest.data.id}
    return {str(c): frame[c].to_numpy() for c in frame.columns if c not in skip}


def model(
    ctx: RunContext, evaluated: EvaluateStage, baseline: Callable[[], Found | None]
) -> ModelStage:
    """The manifest's model checks on the evaluation's metrics; `baseline()` finds the
    baseline for the users' tests (None: the run is not compared)."""
    from mlgate.model import checks

    manifest = ctx.manifest
    found = on_the_rows(manifest, evaluated)
    found += tuple(
        checks.robustness_check(c, r)
        for c, r in zip(manifest.robustness_checks, evaluated.robustness, strict=False)
    )
    if evaluated.importance is not None:
        found += (checks.importance_check(evaluated.importance),)
    found += tuple(
        checks.latency_check(c, evaluated.latency[0])
        for c in manifest.latency_checks
        if evaluated.latency
    )
    found += _user_tests(ctx, evaluated, baseline)
    return ModelStage(status=status_of(found), checks=found)


ROW_CHECKS = ("model.metrics.", "model.fairness.")  # the ids of what `on_the_rows` decides


def on_the_rows(manifest: Manifest, evaluated: EvaluateStage) -> tuple[CheckResult, ...]:
    """The model checks that are figures of the test rows (metric bounds, fairness): a
    run cut to some of its rows (a sweep's winner) decides them again on those."""
    from mlgate.model import checks

    found = tuple(
        checks.metric_checks(manifest.model_checks, evaluated.metrics, evaluated.metric_errors)
    )
    if manifest.fairness_checks:
        from mlgate.compare import subgroups

        found += tuple(
            checks.fairness_check(c, subgroups.fairness_alone(manifest, evaluated, c))
            for c in manifest.fairness_checks
            if c.min is not None or c.max is not None
        )
    return found


def _user_tests(
    ctx: RunContext, evaluated: EvaluateStage, baseline: Callable[[], Found | None]
) -> tuple[CheckResult, ...]:
    """`model_checks: - pytest: PATH`, each run as the user's command, its tests as checks."""
    if not ctx.manifest.pytest_checks:
        return ()
    import json

    from mlgate import atomic
    from mlgate.model import pytest_checks
    from mlgate.result import document

    predictions = ctx.run_dir / "pytest-predictions.json"
    if evaluated.predictions is not None:
        atomic.write_text(predictions, json.dumps(document.to_dict(evaluated.predictions)))
    told = baseline_env(baseline())
    found: list[CheckResult] = []
    for i, check in enumerate(ctx.manifest.pytest_checks):
        report, progress = ctx.run_dir / f"pytest-{i}.xml", ctx.run_dir / f"pytest-{i}.jsonl"
        report.unlink(missing_ok=True)
        progress.unlink(missing_ok=True)
        run = pytest_checks.command(check, report, predictions, ctx.manifest.path, told, progress)
        outcome = _command(ctx, "model", run, f"pytest-{i}.log")
        found += pytest_checks.results(check, outcome, report, progress)
    return tuple(found)


def baseline_env(found: Found | None) -> dict[str, str]:
    """What mlgate_baseline_model loads: the baseline's model file, or why there is none."""
    if found is not None and found.model is not None:
        return {
            "MLGATE_BASELINE_MODEL": str(found.model.path),
            "MLGATE_BASELINE_MODEL_SUFFIX": found.model.suffix,
        }
    from mlgate.compare.baseline import STORED

    info = found.info if found is not None else None
    if info is None:
        why = "this run is not compared with a baseline"
    elif info.message and info.source != STORED:
        why = info.message  # none named, or the baseline could not be run or scored
    else:  # a run result or stored metrics, read as they are
        why = f"the baseline ({info.name}) is {info.source}: it holds no model to load"
    return {"MLGATE_BASELINE_MODEL_MISSING": why}


def status_of(found: tuple[CheckResult, ...]) -> Status:
    return "failed" if any(c.status in ("failed", "error") for c in found) else "passed"


# the commands `mlgate run` and `mlgate check data` start, by their manifest keys
RUN_STARTS = ("data.prepare", "train.command")
DATA_STARTS = ("data.prepare",)


def commands_startable(manifest: Manifest, starting: tuple[str, ...] = RUN_STARTS) -> None:
    """A script that data.prepare or the training runs and that is not there (or cannot
    start: not executable, a whole line as one list item) is the manifest's mistake (exit
    2), said before anything runs, as a data file that is not there is: it was the
    training's failure, "exited with code 2", a failed run (exit 1). The CLI loads the
    manifest `starting` these, to say it with the manifest's other problems."""
    from mlgate.errors import ManifestError
    from mlgate.manifest import lint

    commands = {"data.prepare": manifest.data.prepare, "train.command": manifest.train.command}
    named = [(key, commands[key]) for key in starting]
    lacking = lint.unstartable(manifest, manifest.path.name, named, running=True)
    if lacking:
        raise ManifestError(lacking)


def _command(
    ctx: RunContext, stage: str, command: Command, log_name: str, *, test_data: bool = True
) -> CommandOutcome:
    return commands.run(
        ctx.manifest,
        command,
        ctx.run_id,
        on_line=lambda line: ctx.observer.stage_output(stage, line),
        log_path=ctx.run_dir / log_name,
        base_env=ctx.env,
        test_data=test_data,
    )


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def scored_said(metrics: Mapping[str, object], errors: Mapping[str, str], rows: int) -> str:
    """The evaluate stage's line: how many metrics on how many rows, and which failed."""
    missing = sorted(errors)
    return f"{words.count(len(metrics) - len(missing), 'metric')} on {words.count(rows, 'row')}" + (
        f"; not computed: {', '.join(missing)}" if missing else ""
    )
