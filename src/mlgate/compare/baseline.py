"""Find what a candidate is compared with: a git ref, a file, a registry stage, or none.

For a git ref, the baseline's own code runs in a throw-away worktree of that commit and
its model is then scored on the candidate's test rows, so both sides are measured on
the same data. That costs a training run, so the result is cached by (commit, the
candidate's test data, the manifest): once per base commit, not once per push. A
registry stage's model is loaded from the store by the sha256 its version recorded and
scored the same way. Either way the baseline keeps its own figures too (on its own test
rows) and which rows it was trained on, for the comparison to leave those out. Where a
metrics file is all there is (DVC users, `compare.metrics`), the stored numbers are
compared and the report says the data may differ.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import __version__, atomic, git, spelling, words
from mlgate.compare import metrics_file
from mlgate.errors import MlgateError, UserError
from mlgate.manifest.spec import COMMAND_LINE, BaselineKind, Manifest, from_command_line
from mlgate.report.inert import code  # a command as a code span no name can close
from mlgate.result import arrays, document, rowsets
from mlgate.result.records import Baseline, EvaluateStage, Latency, RowSet, RunResult

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.registry.operations import Where
    from mlgate.registry.state import Assignment, Version

CACHE = Path(".mlgate") / "cache" / "baselines"
SCORED = "scored on the candidate's test rows"
OWN_RUN = "its own run result"
STORED = "stored metrics"
# 2: with the baseline's own figures and the rows it was trained on; 3: those rows found
# for a model fitted with data.id too (a cached 2 found none of them)
CACHE_FORMAT = "3"

Runner = Callable[[Manifest], RunResult]  # the run, without a comparison of its own


@dataclass(frozen=True)
class KeptModel:
    """The baseline's model file, for the users' tests (mlgate_baseline_model)."""

    path: Path
    suffix: str  # the file's own suffix, for its loader (a store object has none)


@dataclass(frozen=True, kw_only=True)
class Found:
    info: Baseline
    result: RunResult | None = None  # with per-row predictions to pair, when there are some
    # the baseline's own figures, on the data it was measured on (its own test rows)
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    model: KeptModel | None = None  # a git ref's only when asked for (`keep_model`)
    manifest: bytes | None = None  # a git ref's manifest as that commit holds it

    @property
    def exists(self) -> bool:
        """A baseline was named and exists, even if its values could not all be had."""
        return self.info.kind != "none"


def resolve(
    manifest: Manifest,
    candidate: RunResult,
    *,
    env: Mapping[str, str],
    run: Runner,
    keep_model: bool = False,
) -> Found:
    """`keep_model`: a git ref's model file is kept in the cache beside its result (a
    registry stage's is in the store anyway), for the users' tests to load.

    In a pull request the rules are listed against its base branch's manifest whatever
    the baseline is: `compare.baseline: none` (or a file) in the same pull request hid
    every rule it changed, the environments a merge promotes through among them."""
    found = _resolve(manifest, candidate, env=env, run=run, keep_model=keep_model)
    base = env.get("GITHUB_BASE_REF", "")
    if found.manifest is None and base:
        found = replace(found, manifest=_manifest_at(manifest, base, env))
    return found


def _manifest_at(manifest: Manifest, ref: str, env: Mapping[str, str]) -> bytes | None:
    """This model's manifest at `ref` (None: unknown there, or `ref` cannot be had)."""
    try:
        commit = commit_of(manifest, ref, env)
    except UserError:
        return None
    path = f"{git.prefix(manifest.root)}{manifest.path.name}"
    return _base_manifest(manifest.root, commit, path, manifest.name)[1]


def _resolve(
    manifest: Manifest,
    candidate: RunResult,
    *,
    env: Mapping[str, str],
    run: Runner,
    keep_model: bool,
) -> Found:
    spec = manifest.compare
    kind, ref = spec.baseline_kind, spec.baseline
    origin = origin_of(manifest)
    if kind == "auto":
        base = env.get("GITHUB_BASE_REF", "")
        if not base:
            named = re.split(", (?:in place of|as) ", origin)[0]  # who said auto, alone
            return _none(
                f"not a pull request, and {named} names auto; "
                + _branch_hint(manifest.root, candidate.git),
                origin,
            )
        kind, ref = "git", base
        origin = "the pull request's base branch (GITHUB_BASE_REF)"
    if kind == "none":
        return _none(f"none was named by {origin}", origin)
    if kind == "file":
        found = _from_file(manifest, ref)
    elif kind == "stage":
        found = _from_stage(manifest, candidate, ref)
    else:
        found = _from_git(manifest, candidate, ref, env=env, run=run, keep_model=keep_model)
    return replace(found, info=replace(found.info, origin=origin))


def origin_of(manifest: Manifest) -> str:
    """Where the baseline was named, for messages: the command line, the event, the manifest."""
    spec = manifest.compare
    if spec.baseline_origin:
        return spec.baseline_origin
    if manifest.line_of("compare.baseline") is None:
        return f"compare.baseline's default (not set in {manifest.path.name})"
    return manifest.cited("compare.baseline")


def _named_by(manifest: Manifest) -> str:
    """An error's subject: the manifest's key, or who else named the baseline."""
    origin = manifest.compare.baseline_origin
    if not origin:
        return "compare.baseline"
    return f"the baseline named by {re.split(', (?:in place of|as) ', origin)[0]}"


def _branch_hint(root: Path, run: git.GitInfo) -> str:
    """The command that gives this run a baseline: on the default branch's own commit,
    with nothing uncommitted, `compare main` is the run against itself (every gate passed
    by construction), so the commit before it."""
    if git.toplevel(root) is None:  # `compare BRANCH` would refuse: no repository
        return "not in a git repository: `mlgate compare RUN.json` compares with a run's result"
    branch = git.default_branch(root)
    if branch is None:
        return "`mlgate compare BRANCH` compares with a branch"
    if run.dirty or run.commit is None or git.resolve(root, branch) != run.commit:
        return f"{code(f'mlgate compare {branch}')} compares with the default branch"
    if git.resolve(root, f"{run.commit}~1") is None:
        return f"this is {code(branch)}'s first commit: no model before it to compare with"
    return (
        f"{code(f'mlgate compare {branch}~1')} compares with the commit before "
        f"({code(branch)} is this run's own commit)"
    )


def _kind_of(manifest: Manifest, baseline: str) -> BaselineKind:
    if baseline in ("none", "auto"):
        return "none" if baseline == "none" else "auto"
    return "file" if manifest.resolve(baseline).is_file() else "git"


def override(
    manifest: Manifest,
    baseline: str,
    *,
    origin: str = COMMAND_LINE,
    kind: BaselineKind | None = None,
) -> Manifest:
    """The manifest with the baseline named elsewhere (the command line, the event): none,
    auto, a file, or a ref, told apart by `baseline` unless `kind` says (a stage: the
    retraining compares with what monitor.stage holds); `origin` says where, with what the
    manifest said."""
    kind = kind or _kind_of(manifest, baseline)
    said_kind = manifest.compare.baseline_kind
    said = (
        manifest.compare.baseline
        if said_kind in ("git", "auto", "none")
        else f"{{{said_kind}: {manifest.compare.baseline}}}"
    )
    if (said_kind, manifest.compare.baseline) == (kind, baseline):  # the manifest's own
        origin = f"{origin}, as {origin_of(manifest)} names it too"
    else:
        origin = f"{origin}, in place of {said} from {origin_of(manifest)}"
    compare = replace(
        manifest.compare,
        baseline=baseline,
        baseline_kind=kind,
        baseline_origin=origin,
    )
    return replace(manifest, compare=compare)


def _none(message: str, origin: str = "") -> Found:
    return Found(info=Baseline(kind="none", message=message, origin=origin))


def _from_file(manifest: Manifest, relative: str) -> Found:
    path = manifest.resolve(relative)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"compare.baseline.file: cannot read '{relative}': {exc.strerror}") from exc
    if _looks_like_run_result(raw):
        result = document.loads(raw, source=relative)
        return Found(
            info=Baseline(
                kind="file", ref=relative, name=relative, source=OWN_RUN, commit=result.git.commit
            ),
            result=result,
            metrics=dict(result.evaluate.metrics),
        )
    values = metrics_file.parse(raw, source=relative)
    return Found(
        info=Baseline(kind="file", ref=relative, name=relative, source=STORED),
        metrics={k: float(v) for k, v in values.items()},
    )


def _looks_like_run_result(raw: bytes) -> bool:
    head = raw[:400]
    return b'"schema_version"' in head and b'"run_id"' in head


def named_ref_exists(manifest: Manifest, env: Mapping[str, str]) -> None:
    """A baseline the manifest names by git ref that cannot be found, said before anything
    trains: a sweep trained every configuration before its gate said so."""
    if manifest.compare.baseline_kind == "git":
        commit_of(manifest, manifest.compare.baseline, env)


def commit_of(manifest: Manifest, ref: str, env: Mapping[str, str]) -> str:
    """The commit `ref` names, fetched from origin when this clone lacks it."""
    root, said = manifest.root, _named_by(manifest)
    if git.toplevel(root) is None:
        raise UserError(
            f"{said}: '{ref}' names a git ref, but {root} is not in a git repository",
            hint="name a file or none"
            if manifest.compare.baseline_origin
            else "use {file: PATH} or none",
        )
    commit = git.resolve(root, ref) or git.fetch(root, ref, token=_token(env))
    if commit is None:
        origin = git.has_origin(root)
        where = "`git fetch origin` could not find it" if origin else "it has no origin to fetch"
        close = spelling.closest(ref, git.refs(root))
        if (root / ref).is_file():
            hint = f"a file of that name is there: write {{file: {ref}}}"
        elif close:
            hint = spelling.did_you_mean(close)
        elif origin:
            hint = "name a branch, tag or commit that exists on origin"
        else:
            hint = "name a branch, tag or commit of this clone (`git branch` lists them)"
        raise UserError(
            f"{said}: unknown git ref '{ref}' (not in this clone, and {where})", hint=hint
        )
    return commit


def _from_git(
    manifest: Manifest,
    candidate: RunResult,
    ref: str,
    *,
    env: Mapping[str, str],
    run: Runner,
    keep_model: bool,
) -> Found:
    root = manifest.root
    commit = commit_of(manifest, ref, env)
    named = commit[:12] if commit.startswith(ref) else f"{ref} @ {commit[:7]}"
    info = Baseline(kind="git", ref=ref, commit=commit, name=named)
    asked = from_command_line(manifest.compare.baseline_origin)
    itself = commit == candidate.git.commit and candidate.git.dirty is False
    if itself and asked:  # done as asked, and said: a green verdict here proves nothing
        info = replace(
            info,
            message=f"{ref} is this very commit ({commit[:7]}): the model is compared with a "
            "retraining of itself, a check that training repeats; "
            f"{code(f'mlgate compare {ref}~1')} compares it with the commit before",
        )
    if itself and not asked:
        # `compare.baseline: main`, run on main: the same code trained twice, every gate
        # passed by construction, and said as "3 of 3 gates passed against main" (asked
        # for by name, `mlgate compare main`, it is done: a check that training repeats)
        return Found(
            info=replace(
                info,
                kind="none",
                message=f"{ref} is this very commit ({commit[:7]}): a model compared with a "
                "retraining of itself passes every gate by construction, so it is compared "
                f"with none; {code(f'mlgate compare {ref}~1')} compares it with the "
                "commit before",
            )
        )
    inside = git.prefix(root)
    if manifest.compare.metrics_files:
        return _stored_metrics(root, commit, inside, manifest.compare.metrics_files, info)
    manifest_path = f"{inside}{manifest.path.name}"
    base_path, written = _base_manifest(root, commit, manifest_path, manifest.name)
    if written is None:
        dvc_metrics = _dvc_metrics_files(root, commit, inside)
        if dvc_metrics:
            return _stored_metrics(root, commit, inside, dvc_metrics, info)
        return Found(
            info=replace(
                info, kind="none", message=f"{ref} has no {manifest_path}: this is the first model"
            )
        )
    if base_path != manifest_path:  # renamed or moved since: said, and run where it was
        info = replace(info, message=f"{ref} holds this model's manifest at {base_path}")
    if candidate.git.commit and (behind := git.lacking(root, candidate.git.commit, commit)):
        # a branch behind main: main's newer changes read as the branch's own, reversed
        said = (
            f"{ref} has {words.count(behind, 'commit')} this run's commit lacks: what changed "
            f"there counts here as this commit's own change, undone; merge or rebase {ref} "
            "to compare this change alone"
        )
        info = replace(info, message=f"{info.message}; {said}" if info.message else said)
    key = cache_key(commit, candidate, manifest)
    cached = _cache_read(root, key, keep_model=keep_model)
    if cached is not None:
        return replace(_scored(*cached, replace(info, cached=True)), manifest=written)
    if refused := _refused(root, key):  # said; the committed files are left, nothing cached
        info = replace(info, message=f"{info.message}; {refused}" if info.message else refused)
    try:
        with git.worktree(root, commit) as checkout:
            found = _run_and_score(
                checkout / base_path,
                manifest,
                candidate,
                run,
                info,
                None if refused else key,
                keep_model=keep_model,
            )
    except MlgateError as exc:
        found = Found(
            info=replace(
                info,
                source="unavailable",
                message=f"the baseline at {named} could not be run: {exc}",
            )
        )
    return replace(found, manifest=written)


def _base_manifest(root: Path, commit: str, path: str, name: str) -> tuple[str, bytes | None]:
    """The baseline commit's manifest of this model, and where it is: at the candidate's
    path, else under the other name a manifest may have beside it (mlops.yml for
    mlops.yaml), else the one manifest anywhere at that commit whose `name` is this model's.
    A pull request that renamed its manifest, or moved the project into a folder, was
    "the first model", and every gate was left out."""
    from mlgate.manifest.load import MANIFEST_NAMES, spellings

    for tried in spellings(path):
        if (text := git.show(root, commit, tried)) is not None:
            return tried, text
    same = [
        (found, text)
        for found in git.files_named(root, commit, MANIFEST_NAMES)
        if (text := git.show(root, commit, found)) is not None and _names(text) == name
    ]
    return same[0] if len(same) == 1 else (path, None)


def _names(text: bytes) -> str | None:
    """A manifest's top-level `name`, read without the manifest's checks (None: unread)."""
    import yaml

    try:
        loaded = yaml.safe_load(text[: 2**20])
    except yaml.YAMLError:
        return None
    named = loaded.get("name") if isinstance(loaded, dict) else None
    return named if isinstance(named, str) else None


def _scored(
    result: RunResult,
    own: Mapping[str, float | None],
    model: KeptModel | None,
    info: Baseline,
) -> Found:
    return Found(info=replace(info, source=SCORED), result=result, metrics=dict(own), model=model)


def _run_and_score(
    manifest_file: Path,
    candidate_manifest: Manifest,
    candidate: RunResult,
    run: Runner,
    info: Baseline,
    key: str | None,
    *,
    keep_model: bool,
) -> Found:
    """The baseline's run at its commit, its evaluation replaced by one on our rows;
    cached under `key` (None: not cached, its entry is a committed file)."""
    from mlgate import manifest as manifests
    from mlgate.model import loading

    base_manifest = _figures_only(manifests.load(manifest_file))
    result = run(base_manifest)
    if result.evaluate.status != "passed":
        stage = next(
            (s for s in ("data", "train", "evaluate") if getattr(result, s).status != "passed"),
            "evaluate",
        )
        reason = getattr(result, stage).message or result.summary
        ran = result.data.prepare if stage == "data" else getattr(result, stage).outcome
        said = [x for x in ran.log_tail if x.strip()][-3:] if ran and stage != "evaluate" else []
        if ran is not None and ran.status != "passed" and said:
            # the command's own last words, as the candidate's failure shows them: "exited
            # with code 255" alone left the reader without DVC's line that said why
            reason += " (its last lines: " + " / ".join(words.clip(x, 200) for x in said) + ")"
        return Found(
            info=replace(
                info,
                source="unavailable",
                message=f"the baseline's own run failed in its {stage} stage: {reason}",
            )
        )
    own = dict(result.evaluate.metrics)
    try:
        model_path = base_manifest.resolve(base_manifest.train.model)
        scored = _score_isolated(
            lambda: loading.for_manifest(base_manifest, model_path),
            base_manifest,
            candidate_manifest,
            candidate,
            trained=result.evaluate.train_rows,
            trained_over=_hashed_over(base_manifest, result),
            model_path=model_path,
            train_file=base_manifest.resolve(base_manifest.data.train),
            retyped=_typed_otherwise(result, candidate),
        )
    except MlgateError as exc:
        message = f"its model could not score the candidate's rows ({exc})"
        return Found(
            info=replace(info, source=OWN_RUN, message=message), result=result, metrics=own
        )
    result = replace(result, evaluate=scored)
    kept = None
    if keep_model and key is not None:  # out of the worktree before it goes
        kept = KeptModel(
            _kept_model_path(candidate_manifest.root, key, model_path), model_path.suffix
        )
        atomic.copy(model_path, kept.path)
    if key is not None:
        _cache_write(candidate_manifest.root, key, result, own)
    return _scored(result, own, kept, info)


def _figures_only(base: Manifest) -> Manifest:
    """The baseline's manifest with what its own run is for: its data, its training, its
    metrics and threshold checks (its own figures, the rows it trained on). Not its users'
    tests, slices, fairness, disturbances, importance, timing or intervals: the comparison
    measures those again on the candidate's rows where it uses them, and a user's test or
    a timing can take minutes."""
    return replace(
        base,
        fairness_checks=(),
        robustness_checks=(),
        pytest_checks=(),
        latency_checks=(),
        evaluate=replace(
            base.evaluate, slices=(), importance=None, discover=None, latency=None, intervals=False
        ),
    )


def _score_isolated(
    load_model: Callable[[], object],
    base: Manifest,
    ours: Manifest,
    candidate: RunResult,
    *,
    trained: RowSet | None,
    model_path: Path,
    trained_over: tuple[str, ...] | None = None,
    train_file: Path | None = None,
    retyped: bool = True,
) -> EvaluateStage:
    """score_on_candidate_rows in a child process, stopped at the candidate's
    evaluate.timeout: the baseline's model is the user's code as much as the candidate's.
    With evaluate.latency, both models are timed there too, interleaved."""
    from mlgate.commands import duration
    from mlgate.model import isolated

    def work(announce: Callable[[str], None]) -> EvaluateStage:
        from mlgate.data import load

        announce("loading the baseline's model")
        model = load_model()
        announce("scoring the baseline's model on the candidate's rows")
        path = ours.resolve(ours.data.test)
        frame = load.read_pandas(path, load.detect_format(path, ours.data.format))
        scored = score_on_candidate_rows(
            model,
            frame,
            base,
            ours,
            candidate,
            trained=trained,
            trained_over=trained_over,
            train_file=train_file,
            retyped=retyped,
        )
        if ours.timing is None:
            return scored
        announce("timing both models, interleaved")
        timed = _timed_together(load_model, model_path, frame, base, ours)
        return replace(scored, latency=timed)

    timeout = ours.evaluate.timeout_s
    try:
        answer = isolated.run(work, timeout_s=timeout, timeout_said=duration(timeout))
    except isolated.NoAnswer as exc:
        raise UserError(str(exc)) from exc
    if not isinstance(answer, EvaluateStage):  # pragma: no cover (`work` returns only this)
        raise TypeError(f"the baseline's scoring child sent {type(answer).__name__}")
    return answer


def _timed_together(
    load_model: Callable[[], object],
    model_path: Path,
    frame: pd.DataFrame,
    base: Manifest,
    ours: Manifest,
) -> tuple[Latency, ...]:
    """The candidate's model and the baseline's, timed in this process, calls interleaved,
    on the candidate's test rows (`frame`)."""
    from mlgate.model import evaluate, latency, loading

    timing = ours.timing
    assert timing is not None
    mine = ours.resolve(ours.train.model)
    return latency.measure(
        [
            latency.Timed(
                role="candidate",
                load=lambda: loading.for_manifest(ours, mine),
                path=mine,
                given=lambda model: evaluate.model_input(ours, model, frame),
            ),
            latency.Timed(
                role="baseline",
                load=load_model,
                path=model_path,
                given=lambda model: evaluate.model_input(_fitted(base, model), model, frame),
            ),
        ],
        batches=timing.batches,
        seconds=timing.seconds,
    )


def _fitted(base: Manifest, model: object) -> Manifest:
    """The baseline's manifest with the features its model was fitted on, if it names them."""
    known = getattr(model, "feature_names_in_", None)
    if known is None:
        return base
    return replace(base, data=replace(base.data, features=tuple(map(str, known))))


def score_on_candidate_rows(
    model: object,
    frame: pd.DataFrame,
    base: Manifest,
    ours: Manifest,
    candidate: RunResult,
    *,
    trained: RowSet | None,
    trained_over: tuple[str, ...] | None = None,
    train_file: Path | None = None,
    retyped: bool = True,
) -> EvaluateStage:
    """The baseline's model scored on the candidate's test rows; `trained` (the baseline's
    training rows, hashed over its own columns, `trained_over`, where its run says them)
    becomes the set of those rows it was trained on, hashed as the rows are now keyed.
    `train_file`: the baseline's training file, where it is at hand (a git baseline's work
    tree), hashed again in the types the candidate's test rows are read in, when a column
    is typed otherwise there (`retyped`) or `trained` was hashed over other columns than
    the rows are keyed by now. Rows hashed over other columns, and not hashed again, are
    unknown (None), not none: no row would be found in them, and the report would say
    the comparison's rows were ones "neither model was trained on"."""
    from mlgate.model import evaluate

    base = _fitted(base, model)  # the baseline's features, even if the candidate added some
    keyed = tuple(evaluate.row_columns(base, frame))
    elsewhere = trained_over is not None and trained_over != keyed
    if train_file is not None and (retyped or elsewhere):
        trained = _trained_as(base, train_file, frame) or (None if elsewhere else trained)
    elif elsewhere:
        trained = None
    # the baseline keeps no slice columns (the candidate's are paired), and is disturbed and
    # explained as the candidate's manifest asks, so the two stand side by side
    base = replace(
        base,
        evaluate=replace(base.evaluate, slices=(), importance=ours.evaluate.importance),
        fairness_checks=(),
        robustness_checks=ours.robustness_checks,
    )
    try:
        scored = evaluate.examined(base, model, frame, evaluate.score(base, model, frame))
    except evaluate.EvaluationError as exc:
        raise UserError(str(exc)) from exc
    ours_keys = candidate.evaluate.predictions
    predictions = scored.predictions
    # which rows it trained on, asked in its own columns (the candidate's may differ)
    inside = (
        None if trained is None else rowsets.contains(trained, arrays.decode(predictions.row_keys))
    )
    if ours_keys is not None and ours_keys.rows == predictions.rows:
        # the same frame in the same order: the candidate's row keys pair the rows exactly
        predictions = replace(predictions, row_keys=ours_keys.row_keys)
    train_rows = (
        None if inside is None else rowsets.encode(arrays.decode(predictions.row_keys)[inside])
    )
    message = f"scored on the candidate's {words.count(predictions.rows, 'test row')}"
    return scored.passed(message, train_rows=train_rows, predictions=predictions)


def _typed_otherwise(base: RunResult, candidate: RunResult) -> bool:
    """Whether a column both test files have is read in another type in each (or either
    run says nothing of its types): only then are the baseline's training rows read and
    hashed again, which for a training file of a gigabyte costs what its run paid."""
    tested = [
        next((d.columns for d in run.data.datasets if d.role == "test"), None)
        for run in (base, candidate)
    ]
    ours, theirs = tested[1], tested[0]
    if ours is None or theirs is None:
        return True
    return any(theirs[name] != ours[name] for name in theirs.keys() & ours.keys())


def _hashed_over(manifest: Manifest, run: RunResult) -> tuple[str, ...] | None:
    """The columns `run` hashed its training rows over (`evaluate.row_columns` of its test
    file's), as `manifest` names its features, target and id; None: its run does not say
    its test file's columns."""
    import pandas as pd

    from mlgate.model import evaluate

    tested = next((d.columns for d in run.data.datasets if d.role == "test"), None)
    if tested is None:
        return None
    return tuple(evaluate.row_columns(manifest, pd.DataFrame(columns=list(tested))))


def _trained_as(base: Manifest, train_file: Path, frame: pd.DataFrame) -> RowSet | None:
    """The baseline's training rows hashed in the candidate's test types. Its own run
    hashed them in its test file's: a branch whose file wrote 115 where the base's wrote
    115.0 hid every row the baseline was trained on ("scored on the same 54 rows, which
    neither model was trained on", 39 of them in its training data). None: unread."""
    from mlgate.data import load
    from mlgate.model import evaluate

    try:
        fmt = load.detect_format(train_file, base.data.format)
        columns = evaluate.row_columns(base, frame)
        return evaluate.train_rows(base, load.pandas_batches(train_file, fmt, columns), frame)
    except (MlgateError, OSError, ValueError, KeyError):
        return None


def stage_model(manifest: Manifest, stage: str) -> tuple[Path, str]:
    """The model file the version a registry stage holds names, fetched from the store by
    the sha256 its record holds, and the suffix it was registered with (for its loader)."""
    from mlgate.registry.operations import Where

    where = Where.of(manifest)
    held, version = _held(where, stage)
    if held is None:
        raise UserError(f"registry stage {stage} holds no version of {manifest.name} yet")
    if version is None or version.problem:
        why = version.problem if version else "its version record is missing"
        raise UserError(f"{held.version}, which {stage} holds, cannot be read: {why}")
    model = version.record["model"]
    return where.store.get(model["sha256"]), Path(model["file"]).suffix


def _held(where: Where, stage: str) -> tuple[Assignment | None, Version | None]:
    """The assignment a stage holds now and its version (None, None: it holds none)."""
    current = where.read()
    held = current.current(stage)
    return held, current.version(held.version) if held is not None else None


def _from_stage(manifest: Manifest, candidate: RunResult, stage: str) -> Found:
    """The version a registry stage holds: its run from the store, its model (loaded only
    by the sha256 its version recorded) scored on the candidate's test rows."""
    from mlgate.model import loading
    from mlgate.registry.operations import Where
    from mlgate.result import runs

    where = Where.of(manifest)
    held, version = _held(where, stage)
    if held is None:
        return _none(
            f"registry stage {stage} holds no version of {manifest.name} yet: "
            "this is the first model"
        )
    info = Baseline(
        kind="stage",
        ref=stage,
        name=f"{stage} ({held.version})",
        commit=version.commit if version else None,
    )
    if version is None or version.problem:
        why = version.problem if version else "its version record is missing"
        return Found(
            info=replace(
                info,
                source="unavailable",
                message=f"{held.version}, which {stage} holds, cannot be read: {why}",
            )
        )
    record = version.record
    result = runs.read(where.store.get(record["run"]["sha256"]))
    own = dict(result.evaluate.metrics)
    try:
        model_file = where.store.get(record["model"]["sha256"])  # checks the sha256
        suffix = Path(record["model"]["file"]).suffix  # a store object has none of its own
        scored = _score_isolated(
            lambda: loading.for_manifest(manifest, model_file, suffix=suffix, trained_here=False),
            manifest,
            manifest,
            candidate,
            trained=result.evaluate.train_rows,
            trained_over=_hashed_over(manifest, result),
            model_path=model_file,
        )
    except MlgateError as exc:
        return Found(
            info=replace(
                info,
                source=OWN_RUN,
                message=f"its model could not score the candidate's rows ({exc})",
            ),
            result=result,
            metrics=own,
        )
    return _scored(replace(result, evaluate=scored), own, KeptModel(model_file, suffix), info)


def _stored_metrics(
    root: Path, commit: str, inside: str, files: tuple[str, ...], info: Baseline
) -> Found:
    values: dict[str, float | None] = {}
    for relative in files:
        raw = git.show(root, commit, f"{inside}{relative}")
        if raw is None:
            raise UserError(f"compare.metrics: '{relative}' does not exist at {info.name}")
        for name, value in metrics_file.parse(raw, source=f"{relative} at {info.name}").items():
            values.setdefault(name, float(value))
    return Found(
        info=replace(
            info,
            source=STORED,
            same_data=None,
            message="stored metrics: the data they were measured on cannot be checked",
        ),
        metrics=values,
    )


def _dvc_metrics_files(root: Path, commit: str, inside: str) -> tuple[str, ...]:
    raw = git.show(root, commit, f"{inside}dvc.yaml")
    if raw is None:
        return ()
    try:
        stages = metrics_file.read_yaml(raw, f"dvc.yaml at {commit[:12]}", what="dvc.yaml")
    except UserError:
        return ()
    return tuple(sorted(metrics_file.dvc_metrics_paths(stages)))


def _token(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    return env.get("MLGATE_GITHUB_TOKEN") or env.get("GITHUB_TOKEN") or None


def cache_key(commit: str, candidate: RunResult, manifest: Manifest) -> str:
    """What the baseline's scoring depends on; with timing, the candidate's model too (the
    two are timed together)."""
    test = next((d.file.sha256 for d in candidate.data.datasets if d.role == "test"), "")
    model = candidate.train.model.sha256 if manifest.timing and candidate.train.model else ""
    parts = (commit, test, manifest.sha256, __version__, CACHE_FORMAT) + ((model,) if model else ())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def kept_model(manifest: Manifest, candidate: RunResult, commit: str) -> KeptModel | None:
    """The model of the baseline at `commit` as `candidate`'s run kept it, if it did."""
    cached = _cache_read(manifest.root, cache_key(commit, candidate, manifest), keep_model=True)
    return cached[2] if cached is not None else None


Cached = tuple[RunResult, dict[str, float | None], KeptModel | None]


def _cache_read(root: Path, key: str, *, keep_model: bool) -> Cached | None:
    """The cached result; None when absent, torn by a crash, committed (`_refused`), or
    without the model asked for (an entry written when no test needed it: the baseline
    runs again)."""
    path = root / CACHE / f"{key}.json"
    if _refused(root, key):
        return None
    try:
        own = json.loads((root / CACHE / f"{key}.own.json").read_text("utf-8"))
        result = document.loads(path.read_text("utf-8"), source=str(path))
    except (OSError, UserError, ValueError, TypeError):
        return None
    if not keep_model:
        return result, dict(own), None
    file = result.train.model.path if result.train.model else ""
    kept = _kept_model_path(root, key, Path(file))
    if not kept.is_file():
        return None
    return result, dict(own), KeptModel(kept, Path(file).suffix)


def _refused(root: Path, key: str) -> str:
    """Why the cache entry under `key` is not read ("": it may be): a file of it that git
    tracks. The key is predictable, so a pull request could commit (`git add -f`) an
    entry whose "baseline" is its own worse model: its gates passed, and the merge job
    registered and promoted it (audit S). Only mlgate's own runs write the cache."""
    folder = root / CACHE
    files = [folder / f"{key}.own.json", folder / f"{key}.json", *folder.glob(f"{key}.model*")]
    committed = git.first_tracked(root, files, CACHE.parts[0])
    if committed is None:
        return ""
    return (
        f"the cached baseline {committed.relative_to(root).as_posix()} was not read: it is "
        "committed (git tracks it), and a file in the checked-out tree cannot stand for the "
        "base commit's model; the baseline was scored again"
    )


def _kept_model_path(root: Path, key: str, model: Path) -> Path:
    """Beside the cached result, with the model's own suffix (`.onnx`, `.skops` load so)."""
    return root / CACHE / f"{key}.model{model.suffix}"


def _cache_write(root: Path, key: str, result: RunResult, own: Mapping[str, float | None]) -> None:
    folder = root / CACHE  # a kept model is written before this: never a result without it
    if not (folder / ".gitignore").exists():
        atomic.write_text(folder / ".gitignore", "# written by mlgate: caches stay local\n*\n")
    # the own figures first: a result without them is never read
    atomic.write_text(folder / f"{key}.own.json", json.dumps(document.to_dict(dict(own))))
    atomic.write_text(folder / f"{key}.json", document.dumps(result))
