"""Find what a candidate is compared with: a git ref, a file, a registry stage, or none.

For a git ref, the baseline's own code runs in a throw-away worktree of that commit and
its model is then scored on the candidate's test rows, so both sides are measured on
the same data. That costs a training run, so the result is cached by (commit, the
candidate's test data, the manifest): once per base commit, not once per push. Where a
metrics file is all there is (DVC users, `compare.metrics`), the stored numbers are
compared and the report says the data may differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from mlgate import __version__, atomic, git, words
from mlgate.compare import metrics_file
from mlgate.errors import MlgateError, UserError
from mlgate.manifest.model import Manifest
from mlgate.result import document
from mlgate.result.model import Baseline, EvaluateStage, RunResult

CACHE = Path(".mlgate") / "cache" / "baselines"
SCORED = "scored on the candidate's test rows"
OWN_RUN = "its own run result"
STORED = "stored metrics"

Runner = Callable[[Manifest], RunResult]  # the run, without a comparison of its own


@dataclass(frozen=True, kw_only=True)
class Found:
    info: Baseline
    result: RunResult | None = None  # with per-row predictions to pair, when there are some
    metrics: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        """A baseline was named and exists, even if its values could not all be had."""
        return self.info.kind != "none"


def resolve(manifest: Manifest, candidate: RunResult, *, env: Mapping[str, str],
            run: Runner) -> Found:
    spec = manifest.compare
    kind, ref = spec.baseline_kind, spec.baseline
    if kind == "auto":
        base = env.get("GITHUB_BASE_REF", "")
        if not base:
            return _none("not a pull request, and compare.baseline is auto; "
                         "`mlgate compare main` compares with a branch")
        kind, ref = "git", base
    if kind == "none":
        return _none("compare.baseline is none")
    if kind == "file":
        return _from_file(manifest, ref)
    if kind == "stage":
        raise UserError(
            f"compare.baseline: registry stage '{ref}' cannot be read: this mlgate has no "
            "model registry yet", hint="compare with a git ref (baseline: main) or a file")
    return _from_git(manifest, candidate, ref, env=env, run=run)


def override(manifest: Manifest, baseline: str) -> Manifest:
    """The manifest with the baseline named on the command line: none, a file, or a ref."""
    if baseline in ("none", "auto"):
        kind = baseline
    elif manifest.resolve(baseline).is_file():
        kind = "file"
    else:
        kind = "git"
    compare = replace(manifest.compare, baseline=baseline, baseline_kind=kind)  # type: ignore[arg-type]
    return replace(manifest, compare=compare)


def _none(message: str) -> Found:
    return Found(info=Baseline(kind="none", message=message))


def _from_file(manifest: Manifest, relative: str) -> Found:
    path = manifest.resolve(relative)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"compare.baseline.file: cannot read '{relative}': "
                        f"{exc.strerror}") from exc
    if _looks_like_run_result(raw):
        result = document.loads(raw.decode("utf-8"), source=relative)
        return Found(info=Baseline(kind="file", ref=relative, name=relative, source=OWN_RUN,
                                   commit=result.git.commit),
                     result=result, metrics=dict(result.evaluate.metrics))
    values = metrics_file.parse(raw, source=relative)
    return Found(info=Baseline(kind="file", ref=relative, name=relative, source=STORED),
                 metrics={k: float(v) for k, v in values.items()})


def _looks_like_run_result(raw: bytes) -> bool:
    head = raw[:400]
    return b'"schema_version"' in head and b'"run_id"' in head


def _from_git(manifest: Manifest, candidate: RunResult, ref: str, *, env: Mapping[str, str],
              run: Runner) -> Found:
    root = manifest.root
    if git.toplevel(root) is None:
        raise UserError(f"compare.baseline: '{ref}' names a git ref, but {root} is not in a "
                        "git repository", hint="use {file: PATH} or none")
    commit = git.resolve(root, ref) or git.fetch(root, ref, token=_token(env))
    if commit is None:
        raise UserError(f"compare.baseline: unknown git ref '{ref}' (not in this clone, and "
                        "`git fetch origin` could not find it)",
                        hint="name a branch, tag or commit that exists on origin")
    named = commit[:12] if commit.startswith(ref) else f"{ref} @ {commit[:7]}"
    info = Baseline(kind="git", ref=ref, commit=commit, name=named)
    inside = git.prefix(root)
    if manifest.compare.metrics_files:
        return _stored_metrics(root, commit, inside, manifest.compare.metrics_files, info)
    manifest_path = f"{inside}{manifest.path.name}"
    if git.show(root, commit, manifest_path) is None:
        dvc_metrics = _dvc_metrics_files(root, commit, inside)
        if dvc_metrics:
            return _stored_metrics(root, commit, inside, dvc_metrics, info)
        return Found(info=replace(info, kind="none", message=f"{ref} has no "
                                  f"{manifest_path}: this is the first model"))
    key = cache_key(commit, candidate, manifest)
    cached = _cache_read(root, key)
    if cached is not None:
        return _scored(cached, replace(info, cached=True))
    try:
        with git.worktree(root, commit) as checkout:
            return _run_and_score(checkout / inside, manifest, candidate, run, info, key)
    except MlgateError as exc:
        return Found(info=replace(info, source="unavailable",
                                  message=f"the baseline at {named} could not be run: {exc}"))


def _scored(result: RunResult, info: Baseline) -> Found:
    return Found(info=replace(info, source=SCORED), result=result,
                 metrics=dict(result.evaluate.metrics))


def _run_and_score(root: Path, candidate_manifest: Manifest, candidate: RunResult,
                   run: Runner, info: Baseline, key: str) -> Found:
    """The baseline's run at its commit, its evaluation replaced by one on our rows."""
    from mlgate import manifest as manifests

    base_manifest = manifests.load(root / candidate_manifest.path.name)
    result = run(base_manifest)
    if result.evaluate.status != "passed":
        stage = next((s for s in ("data", "train", "evaluate")
                      if getattr(result, s).status != "passed"), "evaluate")
        reason = getattr(result, stage).message or result.summary
        return Found(info=replace(info, source="unavailable", message="the baseline's own "
                                  f"run failed in its {stage} stage: {reason}"))
    try:
        scored = _score_on_candidate_rows(base_manifest, candidate_manifest, candidate)
    except MlgateError as exc:
        message = f"its model could not score the candidate's rows ({exc})"
        return Found(info=replace(info, source=OWN_RUN, message=message), result=result,
                     metrics=dict(result.evaluate.metrics))
    result = replace(result, evaluate=scored)
    _cache_write(candidate_manifest.root, key, result)
    return _scored(result, info)


def _score_on_candidate_rows(base: Manifest, ours: Manifest, candidate: RunResult
                             ) -> EvaluateStage:
    from mlgate.data import load
    from mlgate.model import evaluate, loading

    model = loading.load(base.resolve(base.train.model))
    path = ours.resolve(ours.data.test)
    frame = load.read_pandas(path, load.detect_format(path, ours.data.format))
    known = getattr(model, "feature_names_in_", None)
    if known is not None:  # the baseline's features, even if the candidate added some
        base = replace(base, data=replace(base.data, features=tuple(map(str, known))))
    try:
        scored = evaluate.score(base, model, frame)
    except evaluate.EvaluationError as exc:
        raise UserError(str(exc)) from exc
    ours_keys = candidate.evaluate.predictions
    predictions = scored.predictions
    if ours_keys is not None and ours_keys.rows == predictions.rows:
        # the same frame in the same order: the candidate's row keys pair the rows exactly
        predictions = replace(predictions, row_keys=ours_keys.row_keys)
    return EvaluateStage(status="passed", task=scored.task, task_inferred=scored.task_inferred,
                         metrics=scored.metrics, metric_errors=scored.metric_errors,
                         predictions=predictions, positive_label=scored.positive_label,
                         message="scored on the candidate's "
                         f"{words.count(predictions.rows, 'test row')}")


def _stored_metrics(root: Path, commit: str, inside: str, files: tuple[str, ...],
                    info: Baseline) -> Found:
    values: dict[str, float | None] = {}
    for relative in files:
        raw = git.show(root, commit, f"{inside}{relative}")
        if raw is None:
            raise UserError(f"compare.metrics: '{relative}' does not exist at {info.name}")
        for name, value in metrics_file.parse(raw, source=f"{relative} at {info.name}").items():
            values.setdefault(name, float(value))
    return Found(info=replace(info, source=STORED, same_data=None,
                              message="stored metrics: the data they were measured on "
                              "cannot be checked"), metrics=values)


def _dvc_metrics_files(root: Path, commit: str, inside: str) -> tuple[str, ...]:
    raw = git.show(root, commit, f"{inside}dvc.yaml")
    if raw is None:
        return ()
    import yaml

    try:
        stages = yaml.safe_load(raw)
    except yaml.YAMLError:
        return ()
    return tuple(sorted(metrics_file.dvc_metrics_paths(stages)))


def _token(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    return env.get("MLGATE_GITHUB_TOKEN") or env.get("GITHUB_TOKEN") or None


def cache_key(commit: str, candidate: RunResult, manifest: Manifest) -> str:
    test = next((d.file.sha256 for d in candidate.data.datasets if d.role == "test"), "")
    parts = (commit, test, manifest.sha256, __version__)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _cache_read(root: Path, key: str) -> RunResult | None:
    path = root / CACHE / f"{key}.json"
    try:
        return document.loads(path.read_text("utf-8"), source=str(path))
    except (OSError, UserError):  # absent, or torn by a crash: computed again
        return None


def _cache_write(root: Path, key: str, result: RunResult) -> None:
    folder = root / CACHE
    if not (folder / ".gitignore").exists():
        atomic.write_text(folder / ".gitignore", "# written by mlgate: caches stay local\n*\n")
    atomic.write_text(folder / f"{key}.json", document.dumps(result))
