"""The manifest as typed values; the rest of mlgate never reads the raw YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

from mlgate.manifest.metrics import METRICS, Task

ColumnType = Literal["integer", "number", "string", "category", "boolean", "datetime"]
SignificanceRule = Literal["none", "no significant drop", "significant gain"]
BaselineKind = Literal["auto", "git", "file", "stage", "none"]


# a sweep's test rows fall into this many buckets by their keys; `holdout` of them are held out
HOLDOUT_STEPS = 10_000


@dataclass(frozen=True, kw_only=True)
class Command:
    """A command line: `shell` runs through /bin/sh, `argv` runs without a shell."""

    shell: str | None = None
    argv: tuple[str, ...] | None = None
    timeout_s: float
    env: Mapping[str, str] = field(default_factory=dict)
    pass_env: tuple[str, ...] = ()  # credentials the command is given, by name

    @property
    def display(self) -> str:
        if self.shell is not None:
            return self.shell
        import shlex

        return shlex.join(self.argv or ())


@dataclass(frozen=True, kw_only=True)
class Column:
    name: str
    type: ColumnType | None = None
    nullable: bool = True
    required: bool = True
    min: float | str | None = None  # a string: an ISO date, for a datetime column
    max: float | str | None = None
    values: tuple[str | int | float | bool, ...] | None = None
    pattern: str | None = None
    unique: bool = False
    min_length: int | None = None
    max_length: int | None = None
    max_null_fraction: float | None = None
    sorted: Literal["increasing", "decreasing"] | None = None
    quantiles: tuple[Quantile, ...] = ()
    expression: str | None = None  # SQL; a row fails when it is false


@dataclass(frozen=True, kw_only=True)
class Quantile:
    q: float
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True, kw_only=True)
class Freshness:
    column: str
    max_age_s: float
    shown: str  # as the manifest wrote it: 7d


@dataclass(frozen=True, kw_only=True)
class DriftColumn:
    """One column's own choice of test or threshold (data.checks.drift.per_column)."""

    method: str | None = None
    threshold: float | None = None


@dataclass(frozen=True, kw_only=True)
class Drift:
    """data.checks.drift: each column of the data against data.reference."""

    columns: tuple[str, ...] | None = None  # None: every column but the id
    method: str = "auto"
    threshold: float | None = None  # None: the chosen test's default
    alpha: float = 0.05
    correction: str = "holm"
    share: float = 0.5  # the data file drifted when this share of its columns did
    per_column: Mapping[str, DriftColumn] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Data:
    train: str
    test: str
    target: str
    format: str = "auto"
    id: str | None = None
    features: tuple[str, ...] | None = None
    columns: tuple[Column, ...] = ()
    rows_min: int | None = None
    rows_max: int | None = None
    duplicates_max_fraction: float | None = None
    leakage: bool = False
    prepare: Command | None = None
    reference: str | None = None  # the drift baseline; None: the training data
    drift: Drift | None = None
    expressions: tuple[str, ...] = ()  # SQL over a row's columns; a row fails when false
    target_min_fraction: float | None = None
    same_schema: bool = False
    freshness: Freshness | None = None


@dataclass(frozen=True, kw_only=True)
class Train:
    command: Command  # for a DVC stage: dvc repro STAGE
    model: str
    params: str | None = None
    dvc_stage: str | None = None  # train.dvc: the dvc.yaml stage that trains


@dataclass(frozen=True, kw_only=True)
class Slicing:
    """A way to cut the test rows into slices: one column's values (its categories, or
    bins of a number), or the pairs of two columns' values."""

    columns: tuple[str, ...]  # one, or two crossed
    bins: int | tuple[float, ...] | None = None  # None: categories, or quartiles of a number
    key: str = ""  # where it stands in the manifest: "evaluate.slices[1]"

    @property
    def name(self) -> str:
        return " & ".join(self.columns)


@dataclass(frozen=True, kw_only=True)
class Importance:
    """Permutation importance of the features, on the test rows."""

    metric: str | None = None  # None: the run's first metric
    repeats: int = 5
    max_rows: int = 10_000  # more test rows: a seeded sample of this many
    seed: int = 0


@dataclass(frozen=True, kw_only=True)
class Discover:
    """Scan every test column for the slices where the candidate lost most."""

    metric: str | None = None  # None: the run's first metric
    worst: int = 5
    bins: int = 4  # quantile bins of a numeric column


@dataclass(frozen=True, kw_only=True)
class LatencySpec:
    """Time the model's predict on batches of test rows (evaluate.latency)."""

    batches: tuple[int, ...] = (1, 100, 1000)
    seconds: float = 1.0  # timed calls per batch size, beyond the first 20 of each model


@dataclass(frozen=True, kw_only=True)
class LatencyCheck:
    """A bound on predict's time at one batch size."""

    batch: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    key: str = ""


@dataclass(frozen=True, kw_only=True)
class Evaluate:
    task: Task | None = None
    metrics: tuple[str, ...] | None = None  # None: the task's defaults
    positive_label: str | int | bool | None = None
    timeout_s: float = 600.0  # loading and scoring the model, in a child process
    slices: tuple[Slicing, ...] = ()
    min_slice_rows: int = 30  # a smaller slice is listed with its rows, not tested
    predict: str | None = None  # "module:function" scoring the features; None: the file's own
    importance: Importance | None = None
    discover: Discover | None = None
    latency: LatencySpec | None = None
    intervals: bool = False  # each metric's own confidence interval, in the report
    predict_proba: str | None = None


@dataclass(frozen=True, kw_only=True)
class MetricCheck:
    metric: str
    min: float | None = None
    max: float | None = None
    key: str  # where it stands in the manifest, e.g. "model_checks[metric=f1]"


@dataclass(frozen=True, kw_only=True)
class FairnessCheck:
    """A fairness figure of the candidate's decisions across a sensitive column's groups."""

    fairness: str  # a name in model/fairness.py's METRICS
    sensitive: str
    min: float | None = None
    max: float | None = None
    significance: Literal["none", "no significant worsening"] = "none"  # against the baseline
    key: str = ""  # "model_checks[1]"


@dataclass(frozen=True, kw_only=True)
class PytestCheck:
    """The user's own model tests, run with pytest and mlgate's fixtures."""

    path: str  # a folder or file, relative to the manifest's folder
    timeout_s: float = 600.0
    key: str = ""


RobustnessKind = Literal["invariance", "noise", "nulls", "unseen", "directional"]


@dataclass(frozen=True, kw_only=True)
class RobustnessCheck:
    """The test rows disturbed one way, scored again: how often the answer moves."""

    kind: RobustnessKind
    columns: tuple[str, ...]
    max_changed_fraction: float | None = None  # None: measured and reported only
    scale: float = 0.01  # noise: its spread, as a share of the column's standard deviation
    fraction: float = 0.1  # nulls: the share of rows made missing
    by: float = 1.0  # directional: added to the column
    expect: Literal["increase", "decrease"] = "increase"  # directional: the score's way
    tolerance: float = 0.01  # regression: a relative change that counts as a change
    key: str = ""

    @property
    def said(self) -> str:
        """ "noise of 1% on income, age" """
        columns = ", ".join(self.columns)
        return {
            "invariance": f"{columns} shuffled across rows",
            "noise": f"noise of {self.scale:g} standard deviations on {columns}",
            "nulls": f"{self.fraction:.0%} of {columns} made missing",
            "unseen": f"{columns} set to a value never seen",
            "directional": f"{columns} raised by {self.by:g}"
            if self.by >= 0
            else f"{columns} lowered by {-self.by:g}",
        }[self.kind]


@dataclass(frozen=True, kw_only=True)
class Gate:
    metric: str
    min: float | None = None  # absolute bounds on the candidate
    max: float | None = None
    min_change: float | None = None  # bounds on candidate - baseline
    max_change: float | None = None
    min_relative_change: float | None = None  # bounds on (candidate - baseline) / |baseline|
    max_relative_change: float | None = None
    significance: SignificanceRule = "none"
    greater_is_better: bool | None = None  # default: the metric's own direction
    missing_passes: bool = False  # a metric missing on either side fails unless this is set
    slices: bool = False  # its significance asked of each slice of evaluate.slices too
    key: str = ""  # where it stands in the manifest: "compare.gates.f1"

    @property
    def better_is_higher(self) -> bool:
        if self.greater_is_better is not None:
            return self.greater_is_better
        metric = METRICS.get(self.metric)
        return True if metric is None else metric.greater_is_better


COMMAND_LINE = "the command line"  # where `mlgate compare BASELINE` names a baseline


def from_command_line(origin: str, *, replacing: bool = False) -> bool:
    """Whether a baseline's origin (`Compare.baseline_origin`, `Baseline.origin`, as
    compare.baseline.override words it) is the command line; `replacing`: in place of
    another that the manifest names."""
    return origin.startswith(f"{COMMAND_LINE}, in place of" if replacing else COMMAND_LINE)


@dataclass(frozen=True, kw_only=True)
class Compare:
    # "auto": the pull request's base branch, else none; "none"; else a git ref
    baseline: str = "auto"
    baseline_kind: BaselineKind = "auto"
    baseline_origin: str = ""  # where the baseline was named, if not here (the command line)
    required: bool = False  # no baseline fails the run instead of leaving relative gates out
    metrics_files: tuple[str, ...] = ()  # read at a git ref instead of re-running the baseline
    confidence: float = 0.95
    resamples: int = 1000
    seed: int = 0
    gates: tuple[Gate, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Forks:
    """A fork's pull request runs with no secrets: what its run does instead."""

    prepare: bool = True
    train: str | None = None
    test: str | None = None

    NOTE: ClassVar[str] = "fork pull request: "  # begins each of a fork's run's notes

    def notes(self) -> tuple[str, ...]:
        """A fork's run's notes: how it differs from a branch's, by these settings."""
        return tuple(f"{self.NOTE}{c}" for c in self.changes())

    def changes(self) -> tuple[str, ...]:
        """What differs from a normal run, one phrase each, for the report."""
        said = () if self.prepare else ("data.prepare not run",)
        return said + tuple(
            f"data.{role} read from {path}"
            for role, path in (("train", self.train), ("test", self.test))
            if path
        )


DEFAULT_ARTIFACTS = ".mlgate/registry"


@dataclass(frozen=True, kw_only=True)
class Registry:
    artifacts: str = DEFAULT_ARTIFACTS  # the content-addressed store of model files


@dataclass(frozen=True, kw_only=True)
class DockerTarget:
    """An image of each version, pushed as `image:version` (docs/docker.md)."""

    image: str  # the repository, without a tag: ghcr.io/acme/churn
    build: bool = True  # False: write the build context only, for a build elsewhere
    push: bool = True  # False: build on the engine and leave the image there
    platform: str | None = None  # linux/amd64; None: the engine's own


@dataclass(frozen=True, kw_only=True)
class Environment:
    name: str
    on: Literal["merge", "manual"] = "manual"
    requires: str | None = None
    deploy: Command | None = None  # run on promotion; its failure keeps the old version
    docker: DockerTarget | None = None  # built and pushed before `deploy` runs
    github: bool = False  # each promotion is a GitHub Deployment of this environment
    url: str | None = None  # the environment's URL, shown on GitHub


@dataclass(frozen=True, kw_only=True)
class Monitor:
    """`mlgate monitor`: the production rows, and the environment whose version is watched."""

    data: str | None = None
    stage: str = "production"
    prepare: Command | None = None  # writes `data` first (an export, a download)
    labels: str | None = None  # labels that arrived since, joined to `data` by data.id
    on_drift: str = "issue"  # issue, retrain or none: what a scheduled run does on an alarm
    max_drop: float | None = 0.05  # an estimate this far below the version's figure: decay
    refresh: Command | None = None  # retrain: refreshes the training data first


@dataclass(frozen=True, kw_only=True)
class Sweep:
    """`mlgate sweep`: configurations over the params file, and how the best is chosen."""

    grid: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    random: Mapping[str, Any] = field(default_factory=dict)  # samples, seed, space as written
    optuna: Mapping[str, Any] = field(default_factory=dict)  # trials, sampler, seed, space
    metric: str | None = None  # None: evaluate's first metric
    holdout: float = 0.5

    @property
    def declared(self) -> bool:
        return bool(self.grid or self.random or self.optuna)


@dataclass(frozen=True, kw_only=True)
class Manifest:
    path: Path  # the manifest file
    root: Path  # relative paths in the manifest are relative to this folder
    name: str
    data: Data
    train: Train
    evaluate: Evaluate
    model_checks: tuple[MetricCheck, ...] = ()
    fairness_checks: tuple[FairnessCheck, ...] = ()  # model_checks that name `fairness`
    robustness_checks: tuple[RobustnessCheck, ...] = ()  # model_checks that disturb the rows
    pytest_checks: tuple[PytestCheck, ...] = ()  # model_checks that run the user's tests
    latency_checks: tuple[LatencyCheck, ...] = ()  # model_checks that bound predict's time
    compare: Compare = field(default_factory=Compare)
    forks: Forks = field(default_factory=Forks)
    registry: Registry = field(default_factory=Registry)
    environments: tuple[Environment, ...] = ()  # in the manifest's order
    monitor: Monitor = field(default_factory=Monitor)
    sweep: Sweep = field(default_factory=Sweep)
    description: str = ""
    version: int = 1
    sha256: str = ""
    # (line, column) of every key, by key path: reports and annotations point at them
    lines: Mapping[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    def resolve(self, relative: str) -> Path:
        return self.root / relative

    @property
    def timing(self) -> LatencySpec | None:
        """What to time: evaluate.latency, with every batch a latency check bounds."""
        spec = self.evaluate.latency
        if spec is None and not self.latency_checks:
            return None
        spec = spec or LatencySpec()
        wanted = (*spec.batches, *(c.batch for c in self.latency_checks))
        return replace(spec, batches=tuple(sorted(set(wanted))))

    @property
    def kept_columns(self) -> tuple[str, ...]:
        """The test columns whose values each scored row keeps, for slices and fairness."""
        named = [c for s in self.evaluate.slices for c in s.columns]
        return tuple(dict.fromkeys(named + [f.sensitive for f in self.fairness_checks]))

    @property
    def test_columns(self) -> tuple[tuple[str, str], ...]:
        """(column, manifest key) of each test column a slice, a fairness check or a
        robustness check reads: the data checks require them before anything trains."""
        named = [(c, s.key) for s in self.evaluate.slices for c in s.columns]
        named += [(f.sensitive, f.key) for f in self.fairness_checks]
        named += [(c, r.key) for r in self.robustness_checks for c in r.columns]
        first: dict[str, str] = {}
        for name, key in named:
            first.setdefault(name, key)
        return tuple(first.items())

    def outputs(self) -> tuple[str, ...]:
        """What a run writes into the checkout itself (relative to root): the model, the
        data when a prepare command makes it, and mlgate's own folder. Their changes do
        not make a run "uncommitted"; the rest of the checkout's do."""
        prepared = (self.data.train, self.data.test) if self.data.prepare else ()
        return (self.train.model, *prepared, ".mlgate")

    def for_fork(self) -> Manifest:
        """This manifest as a fork's pull request runs it (`forks:`)."""
        f = self.forks
        data = replace(
            self.data,
            prepare=self.data.prepare if f.prepare else None,
            train=f.train or self.data.train,
            test=f.test or self.data.test,
        )
        return replace(self, data=data)

    def environment(self, name: str) -> Environment | None:
        return next((e for e in self.environments if e.name == name), None)

    def line_of(self, key: str) -> int | None:
        found = self.lines.get(key)
        return found[0] if found else None

    def cited(self, key: str) -> str:
        """`key` as a message names it: "mlops.yaml line 24 (evaluate.slices[1])", or the
        key alone where it has no line (a default)."""
        line = self.line_of(key)
        return f"{self.path.name} line {line} ({key})" if line else key
