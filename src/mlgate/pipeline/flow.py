"""The run: data checks -> training -> evaluation -> model checks -> comparison -> one
RunResult with its verdict.

Each stage returns its dataclass (`stages`); a stage whose inputs failed is recorded as
skipped. Progress goes to an Observer (the terminal, a CI log, or nothing); the pipeline
itself never prints. Later stages (compare, gate, register) read the RunResult.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mlgate import __version__, git, kept_model
from mlgate.errors import UserError
from mlgate.git import GitInfo
from mlgate.manifest import params
from mlgate.manifest.spec import Manifest
from mlgate.pipeline import stages
from mlgate.pipeline.environment import environment
from mlgate.pipeline.observer import Nested, Observer, QuietObserver
from mlgate.pipeline.stages import RunContext
from mlgate.report.verdict import SKIPPED, decide, stage_summary
from mlgate.result import runs
from mlgate.result.records import (
    CompareStage,
    DataStage,
    EvaluateStage,
    FileFingerprint,
    ModelStage,
    RunResult,
    Status,
    TrainStage,
    noted,
)

if TYPE_CHECKING:
    from mlgate.compare.baseline import Found

# each stage's own dataclass, kept through `_stage`
Stage = TypeVar("Stage", DataStage, TrainStage, EvaluateStage, ModelStage)


def run(
    manifest: Manifest,
    *,
    observer: Observer | None = None,
    env: Mapping[str, str] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    compare: bool = True,
    fork: bool = False,
    notes: tuple[str, ...] = (),
) -> RunResult:
    """Run every stage, save the result and the report, and return the result.

    `compare=False` leaves out the comparison: the baseline's own run uses it.
    `fork=True` runs as a fork's pull request may (the manifest's `forks:`), the baseline too.
    `notes` say how this run differs from a normal one, in its result and report.
    """
    if fork:
        notes = (*manifest.forks.notes(), *notes)
        manifest = manifest.for_fork()
    stages.commands_startable(manifest)
    if compare:  # a ref the manifest names that is not there: said before anything trains
        from mlgate.compare import baseline

        baseline.named_ref_exists(manifest, os.environ if env is None else env)
    started = _started(manifest, now)
    ctx = _context(manifest, runs.new_run_id(started.at), observer, env)
    with stages.model_kept(ctx) as keeping:
        result = _ran(ctx, started, compare, fork=fork, notes=notes)
        save(manifest, result)
        if result.train.status == "passed":
            keeping.passed()
    return result


def _ran(
    ctx: RunContext, started: Started, compare: bool, *, fork: bool, notes: tuple[str, ...]
) -> RunResult:
    """Every stage, then the comparison and the verdict; nothing saved yet."""
    try:
        data = _stage(ctx, "data", DataStage, lambda: stages.data(ctx))
        trained = _stage(
            ctx,
            "train",
            TrainStage,
            lambda: stages.train(ctx, checked=data.datasets),
            skip=not _ok(data.status),
        )
        evaluated = _stage(
            ctx,
            "evaluate",
            EvaluateStage,
            lambda: stages.evaluate(ctx),
            skip=not _ok(trained.status),
        )
        early = _BaselineForTests(ctx, started, (data, trained, evaluated), compare, fork=fork)
        model = _model_checks(ctx, evaluated, early)
        ran = (data, trained, evaluated, model)
        return _decided(ctx, started, ran, compare, fork=fork, notes=notes, found=early.found)
    except BaseException:  # a pull that failed, an interrupt: no empty run folder left
        with contextlib.suppress(OSError):
            ctx.run_dir.rmdir()  # only when empty: a log written so far is kept
        raise


def check_data(
    manifest: Manifest, *, observer: Observer | None = None, env: Mapping[str, str] | None = None
) -> DataStage:
    """The data stage alone (`mlgate check data`): data.prepare, the checks, drift. It is
    no run: what a run keeps beside its result (the files' profiles, the prepare log) is
    written to a scratch folder, deleted after, not to a run folder without a result."""
    import tempfile

    stages.commands_startable(manifest, stages.DATA_STARTS)
    run_id = runs.new_run_id(dt.datetime.now(dt.UTC))
    (manifest.root / ".mlgate").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=manifest.root / ".mlgate", prefix="check-") as scratch:
        ctx = _context(manifest, run_id, observer, env, run_dir=Path(scratch))
        return _stage(ctx, "data", DataStage, lambda: stages.data(ctx))


def check_model(
    manifest: Manifest,
    *,
    observer: Observer | None = None,
    env: Mapping[str, str] | None = None,
    compare: bool = False,
) -> RunResult:
    """Evaluation and the model checks alone (`mlgate check model`): the model that
    train.outputs.model names, as it is, scored on data.test; nothing is trained or prepared, and
    the data and training stages are recorded as not run. With `compare`, the model is
    compared with the manifest's baseline on the same rows, and the gates decided. The
    result is not saved: it is not a run of the project."""
    if manifest.train.dvc_stage is None:  # not the torn file a killed training left
        said = observer or QuietObserver()
        kept_model.put_back_left(
            manifest.root,
            manifest.resolve(manifest.train.model),
            lambda line: said.stage_output("train", line),
        )
    for key, relative in (
        ("train.outputs.model", manifest.train.model),
        ("data.test", manifest.data.test),
    ):
        if not manifest.resolve(relative).exists():
            raise UserError(
                f"{key}: '{relative}' does not exist",
                hint="train the model first (mlgate run), or name the file in mlops.yaml",
            )
    import tempfile

    started = _started(manifest, lambda: dt.datetime.now(dt.UTC))
    (manifest.root / ".mlgate").mkdir(exist_ok=True)
    # what a run keeps (the evaluation's log, ...) goes to a scratch folder, deleted after:
    # a run folder left without its result was counted among the project's runs
    with tempfile.TemporaryDirectory(dir=manifest.root / ".mlgate", prefix="check-") as scratch:
        ctx = _context(manifest, runs.new_run_id(started.at), observer, env, run_dir=Path(scratch))
        evaluated = _stage(ctx, "evaluate", EvaluateStage, lambda: stages.evaluate(ctx))
        # what a comparison says of the data (a pass over each file), unchecked
        data = stages.described(ctx) if compare else stages.NOT_DESCRIBED
        trained = stages.as_it_is(ctx)
        early = _BaselineForTests(ctx, started, (data, trained, evaluated), compare)
        ran = (data, trained, evaluated, _model_checks(ctx, evaluated, early))
        return _decided(ctx, started, ran, compare, found=early.found)


@dataclass(frozen=True)
class Started:
    """What a run records of when and from what it started."""

    at: dt.datetime
    clock: float  # time.monotonic() then
    source: GitInfo
    params: Mapping[str, Any]  # flattened as DVC flattens them


def _started(manifest: Manifest, now: Callable[[], dt.datetime]) -> Started:
    """Read before any stage writes files: what the run itself writes does not count."""
    return Started(
        at=now(),
        clock=time.monotonic(),
        source=git.info(manifest.root, ignore=manifest.outputs()),
        params=params.read(manifest.root, manifest.train.params),
    )


def _decided(
    ctx: RunContext,
    started: Started,
    ran: tuple[DataStage, TrainStage, EvaluateStage, ModelStage],
    compare: bool,
    *,
    fork: bool = False,
    notes: tuple[str, ...] = (),
    found: Found | None = None,
) -> RunResult:
    """The stages' result, compared with the baseline (`found`, if already found) when
    asked, and its verdict."""
    result = _assembled(ctx, started, ran, notes)
    if compare and _ok(result.evaluate.status):
        result = replace(result, compare=compare_stage(ctx, result, fork=fork, found=found))
    verdict, summary = decide(result)
    return replace(
        result,
        verdict=verdict,
        summary=summary,
        duration_s=round(time.monotonic() - started.clock, 3),
    )


def _assembled(
    ctx: RunContext,
    started: Started,
    ran: tuple[DataStage, TrainStage, EvaluateStage, ModelStage],
    notes: tuple[str, ...],
) -> RunResult:
    """The stages as one result, not yet compared or decided."""
    manifest = ctx.manifest
    data, trained, evaluated, model = ran
    return RunResult(
        run_id=ctx.run_id,
        name=manifest.name,
        mlgate_version=__version__,
        started_at=started.at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=0.0,
        verdict="failed",
        summary="",
        manifest=FileFingerprint(
            path=manifest.path.name, sha256=manifest.sha256, bytes=manifest.path.stat().st_size
        ),
        git=started.source,
        params=started.params,
        environment=environment(),
        data=data,
        train=trained,
        evaluate=evaluated,
        model=model,
        notes=noted((*notes, *stages.unchecked(data.datasets))),
    )


@dataclass
class _BaselineForTests:
    """The baseline found during the model checks, when the users' tests run and may load
    its model (mlgate_baseline_model): a git ref's is trained then, not after them, and
    its progress shows as lines of the model stage. The comparison uses the same one."""

    ctx: RunContext
    started: Started
    ran: tuple[DataStage, TrainStage, EvaluateStage]
    compare: bool
    fork: bool = False
    found: Found | None = None

    def __call__(self) -> Found | None:
        if not (self.compare and _ok(self.ran[2].status)):
            return None
        if self.found is None:
            ran = (*self.ran, ModelStage(status="skipped"))
            candidate = _assembled(self.ctx, self.started, ran, ())
            self.found = _found(self.ctx, candidate, fork=self.fork, stage="model", keep_model=True)
        return self.found


def _found(
    ctx: RunContext, candidate: RunResult, *, fork: bool, stage: str, keep_model: bool = False
) -> Found:
    """The baseline, its own run (if it needs one) shown as lines of `stage`."""
    from mlgate.compare import baseline

    nested = Nested(ctx.observer, stage)

    def run_baseline(base: Manifest) -> RunResult:
        return run(base, observer=nested, env=ctx.env, compare=False, fork=fork)

    return baseline.resolve(
        ctx.manifest, candidate, env=ctx.env, run=run_baseline, keep_model=keep_model
    )


def save(manifest: Manifest, result: RunResult, folder: Path | None = None) -> None:
    """The run's result and its full report (with the metrics' local history), in
    `folder` (default: the run's own in the project)."""
    from mlgate.report import charts, markdown

    # each metric's points, as the report reads them (a copy: dict is invariant)
    history: dict[str, markdown.History] = {**charts.history(manifest, result)}
    report = markdown.render(result, manifest, history=history)
    runs.save(manifest.root, result, report, folder)


def recompare(
    manifest: Manifest,
    result: RunResult,
    *,
    observer: Observer | None = None,
    env: Mapping[str, str] | None = None,
    folder: Path | None = None,
) -> RunResult:
    """A finished run compared again (with another baseline, say), its verdict redone,
    and saved in `folder`, where it was read (default: the run's own in the project: a
    run named by its folder elsewhere was written over the project's of the same id)."""
    if result.evaluate.status != "passed":
        raise UserError(f"run {result.run_id} has no evaluation to compare: {result.summary}")
    if result.manifest.sha256 != manifest.sha256:
        # its model checks and the manifest it records are that manifest's: gates decided by
        # this one beside them read as the run's own, and a gate-failing model registered
        raise UserError(
            f"run {result.run_id} was made with another {manifest.path.name} (sha256 "
            f"{result.manifest.sha256[:12]}; this one's is {manifest.sha256[:12]}): its "
            "checks and the manifest it records are that one's, so its gates are not "
            "decided again by this one",
            hint=f"mlgate run, to judge the model by {manifest.path.name} as it is now",
        )
    ctx = _context(manifest, result.run_id, observer, env)
    result = replace(result, compare=compare_stage(ctx, replace(result, compare=None)))
    verdict, summary = decide(result)
    result = replace(result, verdict=verdict, summary=summary)
    save(manifest, result, folder)
    return result


def compare_stage(
    ctx: RunContext, candidate: RunResult, *, fork: bool = False, found: Found | None = None
) -> CompareStage:
    """The baseline found (its own run, in a worktree, if need be), unless `found` already,
    and the gates decided."""
    from mlgate.compare import comparison
    from mlgate.report import gate_text

    ctx.observer.stage_started("compare")
    clock = time.monotonic()
    with _closed(ctx, "compare"):
        if found is None:
            found = _found(ctx, candidate, fork=fork, stage="compare")
        stage = comparison.compare(
            ctx.manifest,
            candidate,
            found,
            worded=gate_text.worded,
            test_columns=lambda: stages.test_columns(ctx.manifest, candidate),
        )
    stage = replace(stage, duration_s=round(time.monotonic() - clock, 3))
    ctx.observer.stage_finished("compare", stage.status, stage.message or stage.status)
    return stage


def _context(
    manifest: Manifest,
    run_id: str,
    observer: Observer | None,
    env: Mapping[str, str] | None,
    run_dir: Path | None = None,
) -> RunContext:
    """`run_dir`: where the stages write beside the result (default: the run's folder)."""
    return RunContext(
        manifest=manifest,
        run_id=run_id,
        run_dir=run_dir or runs.run_dir(manifest.root, run_id),
        observer=observer or QuietObserver(),
        env=os.environ if env is None else env,
    )


def _ok(status: Status) -> bool:
    return status == "passed"


def _model_checks(
    ctx: RunContext,
    evaluated: EvaluateStage,
    baseline: Callable[[], Found | None] = lambda: None,
) -> ModelStage:
    """The model checks, on a model that was scored (`baseline`: asked for by the users'
    tests, if there are some)."""
    return _stage(
        ctx,
        "model",
        ModelStage,
        lambda: stages.model(ctx, evaluated, baseline),
        skip=not _ok(evaluated.status),
    )


def _stage(
    ctx: RunContext,
    name: str,
    kind: type[Stage],
    body: Callable[[], Stage],
    *,
    skip: bool = False,
) -> Stage:
    """One stage timed and told to the observer; `skip`: recorded as skipped, not run."""
    if skip:
        ctx.observer.stage_finished(name, "skipped", SKIPPED)
        return kind(status="skipped")
    ctx.observer.stage_started(name)
    clock = time.monotonic()
    with _closed(ctx, name):
        done = replace(body(), duration_s=round(time.monotonic() - clock, 3))
    ctx.observer.stage_finished(name, done.status, stage_summary(done))
    return done


STOPPED = "stopped (the error follows)"


@contextlib.contextmanager
def _closed(ctx: RunContext, name: str) -> Iterator[None]:
    """A stage that raises is finished all the same, so its log group and its pause of
    workflow commands end: mlgate's own `::error::` that follows was read as plain text."""
    try:
        yield
    except BaseException:
        ctx.observer.stage_finished(name, "error", STOPPED)
        raise
