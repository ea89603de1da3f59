"""The run: data checks -> training -> evaluation -> model checks -> one RunResult.

Each stage returns its dataclass; a stage whose inputs failed is recorded as skipped.
Progress goes to an Observer (the terminal, a CI log, or nothing); the pipeline
itself never prints. Later stages (compare, gate, register) read the RunResult.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from mlgate import __version__, commands, files, git, words
from mlgate.errors import UserError
from mlgate.manifest.spec import Manifest
from mlgate.result import runs
from mlgate.result.records import (
    CheckResult,
    CommandOutcome,
    CompareStage,
    DataStage,
    Environment,
    EvaluateStage,
    FileFingerprint,
    ModelStage,
    RunResult,
    Status,
    TrainStage,
    Verdict,
)

STAGES = ("data", "train", "evaluate", "model")
SKIPPED = "skipped: an earlier stage did not pass"
REPORTED_PACKAGES = ("numpy", "pandas", "polars", "scikit-learn", "joblib", "skops")


class Observer(Protocol):
    def stage_started(self, stage: str) -> None: ...
    def stage_output(self, stage: str, line: str) -> None: ...
    def stage_finished(self, stage: str, status: Status, summary: str) -> None: ...


class QuietObserver:
    def stage_started(self, stage: str) -> None:
        pass

    def stage_output(self, stage: str, line: str) -> None:
        pass

    def stage_finished(self, stage: str, status: Status, summary: str) -> None:
        pass


@dataclass(frozen=True, kw_only=True)
class RunContext:
    manifest: Manifest
    run_id: str
    run_dir: Path
    observer: Observer
    env: Mapping[str, str]


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
        notes = (*(f"fork pull request: {c}" for c in manifest.forks.changes()), *notes)
        manifest = manifest.for_fork()
    started_at, clock = now(), time.monotonic()
    # before any stage writes files; what the run itself writes does not count
    source = git.info(manifest.root, ignore=manifest.outputs())
    run_id = runs.new_run_id(started_at)
    ctx = RunContext(
        manifest=manifest,
        run_id=run_id,
        run_dir=runs.run_dir(manifest.root, run_id),
        observer=observer or QuietObserver(),
        env=os.environ if env is None else env,
    )
    params = read_params(manifest)
    data = _stage(ctx, "data", lambda: data_stage(ctx))
    trained = _stage(ctx, "train", lambda: train_stage(ctx), skip=not _ok(data.status))
    evaluated = _stage(ctx, "evaluate", lambda: evaluate_stage(ctx), skip=not _ok(trained.status))
    model = _stage(
        ctx, "model", lambda: model_stage(ctx, evaluated), skip=not _ok(evaluated.status)
    )
    result = RunResult(
        run_id=run_id,
        name=manifest.name,
        mlgate_version=__version__,
        started_at=started_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=round(time.monotonic() - clock, 3),
        verdict="failed",
        summary="",
        manifest=FileFingerprint(
            path=manifest.path.name, sha256=manifest.sha256, bytes=manifest.path.stat().st_size
        ),
        git=source,
        params=params,
        environment=environment(),
        data=data,
        train=trained,
        evaluate=evaluated,
        model=model,
        notes=notes,
    )
    if compare and _ok(evaluated.status):
        result = replace(result, compare=compare_stage(ctx, result, fork=fork))
    verdict, summary = decide(result)
    result = replace(
        result, verdict=verdict, summary=summary, duration_s=round(time.monotonic() - clock, 3)
    )
    save(manifest, result)
    return result


def save(manifest: Manifest, result: RunResult) -> None:
    """The run's result and its full report (with the metrics' local history)."""
    from mlgate.report import charts, markdown

    history = charts.history(manifest, result)
    runs.save(manifest.root, result, markdown.render(result, manifest, history=history))


def recompare(
    manifest: Manifest,
    result: RunResult,
    *,
    observer: Observer | None = None,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """A finished run compared again (with another baseline, say), its verdict redone."""
    if result.evaluate.status != "passed":
        raise UserError(f"run {result.run_id} has no evaluation to compare: {result.summary}")
    ctx = RunContext(
        manifest=manifest,
        run_id=result.run_id,
        run_dir=runs.run_dir(manifest.root, result.run_id),
        observer=observer or QuietObserver(),
        env=os.environ if env is None else env,
    )
    result = replace(result, compare=compare_stage(ctx, replace(result, compare=None)))
    verdict, summary = decide(result)
    result = replace(result, verdict=verdict, summary=summary)
    save(manifest, result)
    return result


def compare_stage(ctx: RunContext, candidate: RunResult, *, fork: bool = False) -> CompareStage:
    """The baseline found (its own run, in a worktree, if need be) and the gates decided."""
    from mlgate.compare import baseline, comparison

    ctx.observer.stage_started("compare")
    clock = time.monotonic()
    nested = _Nested(ctx.observer)

    def run_baseline(base: Manifest) -> RunResult:
        return run(base, observer=nested, env=ctx.env, compare=False, fork=fork)

    found = baseline.resolve(ctx.manifest, candidate, env=ctx.env, run=run_baseline)
    stage = comparison.compare(ctx.manifest, candidate, found)
    stage = replace(stage, duration_s=round(time.monotonic() - clock, 3))
    ctx.observer.stage_finished("compare", stage.status, stage.message or stage.status)
    return stage


class _Nested:
    """The baseline's run shows as lines of the compare stage."""

    def __init__(self, outer: Observer) -> None:
        self.outer = outer

    def stage_started(self, stage: str) -> None:
        self.outer.stage_output("compare", f"baseline: {stage} ...")

    def stage_output(self, stage: str, line: str) -> None:
        self.outer.stage_output("compare", f"baseline {stage}: {line}")

    def stage_finished(self, stage: str, status: Status, summary: str) -> None:
        self.outer.stage_output("compare", f"baseline: {stage} {status}: {summary}")


def _ok(status: Status) -> bool:
    return status == "passed"


def _stage(ctx: RunContext, name: str, body: Callable[[], Any], *, skip: bool = False) -> Any:
    empty = {
        "data": DataStage,
        "train": TrainStage,
        "evaluate": EvaluateStage,
        "model": ModelStage,
    }[name]
    if skip:
        ctx.observer.stage_finished(name, "skipped", SKIPPED)
        return empty(status="skipped")
    ctx.observer.stage_started(name)
    clock = time.monotonic()
    result = body()
    result = replace(result, duration_s=round(time.monotonic() - clock, 3))
    ctx.observer.stage_finished(name, result.status, stage_summary(result))
    return result


def stage_summary(stage: Any) -> str:
    if isinstance(stage, DataStage | ModelStage) and stage.checks:
        failed = [c for c in stage.checks if c.status in ("failed", "error")]
        if stage.status == "passed" or not failed:
            return f"{words.count(len(stage.checks), 'check')} passed"
        return f"{words.of(len(failed), len(stage.checks), 'check')} failed"
    if isinstance(stage, EvaluateStage) and stage.metrics and stage.status == "passed":
        return ", ".join(f"{k} {v:.4f}" for k, v in stage.metrics.items() if v is not None)
    return getattr(stage, "message", "") or stage.status


def data_stage(ctx: RunContext) -> DataStage:
    from mlgate.data import checks, fingerprint, load

    manifest, spec = ctx.manifest, ctx.manifest.data
    prepare = None
    if spec.prepare is not None:
        prepare = _command(ctx, "data", spec.prepare, "prepare.log")
        if prepare.status != "passed":
            return DataStage(
                status="failed",
                prepare=prepare,
                message=f"data preparation failed: {prepare.message}",
            )
    frames, summaries = {}, []
    try:
        for role, relative in (("train", spec.train), ("test", spec.test)):
            path = manifest.resolve(relative)
            if not path.exists():
                raise UserError(
                    f"data.{role}: file '{relative}' does not exist"
                    + (" after data.prepare ran" if prepare else "")
                )
            files.require_regular(path, f"data.{role}", relative)  # a FIFO would block
            fmt = load.detect_format(path, spec.format)
            frames[role] = load.read(path, fmt)
            summaries.append(
                checks.summarize(
                    role, frames[role], fingerprint.file_fingerprint(path, manifest.root), fmt
                )
            )
    except UserError as exc:
        # paths relative to the manifest: the message lands in reports others read
        message = str(exc).replace(f"{manifest.root}{os.sep}", "")
        return DataStage(
            status="error", prepare=prepare, datasets=tuple(summaries), message=message
        )
    found = tuple(checks.run_checks(spec, frames))
    return DataStage(
        status=_status(found),
        prepare=prepare,
        datasets=tuple(summaries),
        checks=found,
    )


def _status(found: tuple[CheckResult, ...]) -> Status:
    return "failed" if any(c.status in ("failed", "error") for c in found) else "passed"


def _command(ctx: RunContext, stage: str, command: Any, log_name: str) -> CommandOutcome:
    return commands.run(
        ctx.manifest,
        command,
        ctx.run_id,
        on_line=lambda line: ctx.observer.stage_output(stage, line),
        log_path=ctx.run_dir / log_name,
        base_env=ctx.env,
    )


def train_stage(ctx: RunContext) -> TrainStage:
    from mlgate.data import fingerprint
    from mlgate.model import isolated

    manifest = ctx.manifest
    model_path = manifest.resolve(manifest.train.model)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    before = _mtime(model_path)
    warm = threading.Thread(target=isolated.warm_imports, daemon=True)
    warm.start()  # the evaluation's imports load on the idle core while training runs
    outcome = _command(ctx, "train", manifest.train.command, "train.log")
    if outcome.status != "passed":
        return TrainStage(status=outcome.status, outcome=outcome, message=outcome.message)
    after = _mtime(model_path)
    if after is None or after == before:
        what = "did not write" if after is None else "did not update"
        return TrainStage(
            status="failed",
            outcome=outcome,
            message=f"training finished but {what} {manifest.train.model} "
            "(write the model to $MLGATE_MODEL, or set train.outputs.model)",
        )
    return TrainStage(
        status="passed",
        outcome=outcome,
        message=outcome.message,
        model=fingerprint.file_fingerprint(model_path, manifest.root),
    )


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def evaluate_stage(ctx: RunContext) -> EvaluateStage:
    """The model loaded and scored in a child process, stopped at evaluate.timeout: the
    user's predict() may raise, return nonsense or never return, and the run says which."""
    from mlgate.commands import duration
    from mlgate.model import evaluate, isolated

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
    scored: evaluate.Scored
    scored, train_rows = answer  # type: ignore[misc]
    missing = sorted(scored.metric_errors)
    return EvaluateStage(
        status="passed",
        task=scored.task,
        task_inferred=scored.task_inferred,
        metrics=scored.metrics,
        metric_errors=scored.metric_errors,
        predictions=scored.predictions,
        positive_label=scored.positive_label,
        train_rows=train_rows,
        message=f"{words.count(len(scored.metrics) - len(missing), 'metric')} on "
        f"{words.count(scored.predictions.rows, 'row')}"
        + (f"; not computed: {', '.join(missing)}" if missing else ""),
    )


def _score(manifest: Manifest, announce: Callable[[str], None]) -> Any:
    """In the child: load the model, read the test data, score."""
    from mlgate.data import load
    from mlgate.model import evaluate, loading

    announce(f"loading {manifest.train.model}")
    model = loading.load(manifest.resolve(manifest.train.model))
    announce(f"reading {manifest.data.test}")
    path = manifest.resolve(manifest.data.test)
    frame = load.read_pandas(path, load.detect_format(path, manifest.data.format))
    scored = evaluate.score(manifest, model, frame, announce)
    announce(f"reading {manifest.data.train}")  # which rows the model was trained on
    train_path = manifest.resolve(manifest.data.train)
    train_rows = evaluate.train_rows(
        manifest,
        load.read_pandas(train_path, load.detect_format(train_path, manifest.data.format)),
        frame,
    )
    return scored, train_rows


def model_stage(ctx: RunContext, evaluated: EvaluateStage) -> ModelStage:
    from mlgate.model import checks

    found = tuple(
        checks.metric_checks(ctx.manifest.model_checks, evaluated.metrics, evaluated.metric_errors)
    )
    return ModelStage(status=_status(found), checks=found)


def decide(result: RunResult) -> tuple[Verdict, str]:
    """The verdict and a one-line reason that names everything that failed (checks and
    gates alike), or says why gates were not evaluated."""
    for name in STAGES:
        stage = getattr(result, name)
        if stage.status in ("failed", "error") and stage.message:
            return "failed", f"{name} stage: {stage.message}"
    compared = result.compare
    gate_list = compared.gates if compared is not None else ()
    failed = [c for c in result.checks if c.status in ("failed", "error")]
    failed_gates = [g for g in gate_list if g.status == "failed"]
    said = []
    if failed:
        said.append(
            f"{words.of(len(failed), len(result.checks), 'check')} failed: "
            + "; ".join(f"{c.subject} {c.rule}" for c in failed)
        )
    if failed_gates:
        said.append(
            f"{words.of(len(failed_gates), len(gate_list), 'gate')} failed: "
            + "; ".join(f"{g.metric} {g.rule}".strip() for g in failed_gates)
        )
    if compared is not None and compared.status != "passed" and not failed_gates:
        said.append(compared.message)
    if said:
        return "failed", ". ".join(said)
    summary = f"all {words.count(len(result.checks), 'check')} passed"
    if compared is not None and gate_list:
        summary += "; " + _gates_said(compared)
    return "passed", summary


def _gates_said(compared: CompareStage) -> str:
    """The gates' part of a passing run's summary, with why any were not evaluated."""
    total = len(compared.gates)
    passed = sum(g.status == "passed" for g in compared.gates)
    idle = total - passed
    reason = f"no baseline ({compared.baseline.message})"  # the only reason a gate is idle
    if passed == 0:
        which = "the gate was" if total == 1 else f"the {words.count(total, 'gate')} were"
        return f"{which} not evaluated: {reason}"
    said = f"{words.of(passed, total, 'gate')} passed" + (
        f" against {compared.baseline.name}" if compared.baseline.kind != "none" else ""
    )
    return said + (f" ({idle} not evaluated: {reason})" if idle else "")


def read_params(manifest: Manifest) -> dict[str, Any]:
    """The params file flattened as DVC does: {"train": {"C": 1}} -> {"train.C": 1}."""
    from mlgate.manifest import params

    return params.read(manifest.root, manifest.train.params)


def environment() -> Environment:
    packages = {"mlgate": __version__}
    for name in REPORTED_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return Environment(
        python=platform.python_version(), platform=platform.platform(), packages=packages
    )
