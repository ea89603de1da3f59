"""The run result: what every stage found, as one value that serialises to JSON.

Every stage returns one of these dataclasses and the pipeline composes them into a
RunResult; reporters, the comparison and the registry read only this value (or its
JSON document, described by `schema.json` beside this module).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mlgate import words
from mlgate.git import GitInfo  # run.json records it; git.info makes it

Status = Literal["passed", "failed", "error", "skipped"]
Verdict = Literal["passed", "failed"]
SCHEMA_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """One check's verdict, explained in one line.

    `status` is "error" when the check could not be evaluated (a missing column, a
    metric the model cannot give); that fails the run as a failed check does.
    """

    id: str  # stable across runs: "data.test.columns.age.min", "model.metric.f1_macro.min"
    stage: Literal["data", "model", "compare"]
    subject: str  # what was checked: "test.age", "f1_macro"
    rule: str  # the expectation: ">= 18", "not null", "rows >= 1000"
    status: Status
    message: str  # what was found: "3 of 114 rows (2.6%) below 18, e.g. 12, 15, 17"
    observed: float | int | str | None = None
    manifest_key: str | None = None  # points reports and annotations at mlops.yaml
    # a metric check's bound that `observed` crossed: reports print the figure with the
    # places that show it past (0.99997, not 1.0000 beside a failed ">= 1")
    bound: float | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True, kw_only=True)
class FileFingerprint:
    path: str  # relative to the manifest's folder
    sha256: str
    bytes: int


@dataclass(frozen=True, kw_only=True)
class DatasetSummary:
    role: str  # "train" | "test"
    file: FileFingerprint
    format: str
    rows: int
    columns: Mapping[str, str]  # name -> engine dtype, in file order
    dvc_md5: str | None = None  # DVC's hash, when DVC tracks the file
    dvc_source: str | None = None  # where DVC records it: "data/train.csv.dvc"
    profile: str | None = None  # its profile, a file in the run's folder (mlgate profile)


@dataclass(frozen=True, kw_only=True)
class CommandOutcome:
    """A user command that ran (data preparation or training)."""

    command: str
    status: Status  # "failed" on a non-zero exit, "error" when it timed out or did not start
    exit_code: int | None
    duration_s: float
    timed_out: bool = False
    log_tail: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class ColumnDrift:
    """One test of one column against the reference (data.drift explains the rules)."""

    column: str
    test: str  # ks | wasserstein | chi2 | jensenshannon | psi | missing | unseen | type | none
    reason: str  # why this test, or why none
    statistic: float | None  # the effect size compared with the threshold; None: untested
    threshold: float | None
    p_value: float | None  # of the two-sample test behind it; None: untested
    adjusted_p_value: float | None = None  # for every test of the comparison
    drifted: bool = False
    values: tuple[int, int] = (0, 0)  # values tested in reference and current
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class DriftResult:
    """One data file against the reference."""

    reference: str  # "train", or the reference file's path
    current: str  # the role of the file compared: "test", "train"
    correction: str  # "holm" | "bh"
    alpha: float
    share: float
    columns: tuple[ColumnDrift, ...]
    tested_columns: tuple[str, ...]
    drifted_columns: tuple[str, ...]
    drifted: bool

    @property
    def tested_in_part(self) -> tuple[str, ...]:
        """Tested columns one of whose tests could not run: an identifier's or free text's
        values (only their new values were tested), said beside the count of tested ones."""
        tested = set(self.tested_columns)
        return tuple(
            sorted({e.column for e in self.columns if e.statistic is None and e.column in tested})
        )


@dataclass(frozen=True, kw_only=True)
class DataStage:
    status: Status
    datasets: tuple[DatasetSummary, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    drift: tuple[DriftResult, ...] = ()
    prepare: CommandOutcome | None = None
    duration_s: float = 0.0
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class TrainStage:
    status: Status
    outcome: CommandOutcome | None = None
    model: FileFingerprint | None = None
    dvc_lock: Mapping[str, str] | None = None  # train.dvc: the stage's deps and outs, path -> MD5
    # train.dvc: the params dvc.lock says the stage ran with, params file -> key -> value
    dvc_params: Mapping[str, Mapping[str, Any]] | None = None
    dvc_cmd: str | None = None  # train.dvc: the stage's command, as dvc.lock records it
    duration_s: float = 0.0
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class EncodedArray:
    """A NumPy array kept compactly: zlib-compressed raw bytes, base64 in JSON."""

    dtype: str  # NumPy dtype string, e.g. "<f4"
    shape: tuple[int, ...]
    data: str  # base64 of zlib(array.tobytes())


@dataclass(frozen=True, kw_only=True)
class RowValues:
    """One test column's value on each scored row, kept for slices and fairness: numbers
    as they are (NaN: missing), anything else as codes into `labels` (-1: missing)."""

    values: EncodedArray  # float64 numbers, or int32 codes
    labels: tuple[str, ...] | None = None  # None: the values are numbers


@dataclass(frozen=True, kw_only=True)
class Predictions:
    """Per-row predictions, so a later comparison can pair rows with a baseline's.

    `row_keys` hash each test row's values (features and target), so rows pair up even
    when the test file is reordered or extended.
    """

    rows: int
    row_keys: EncodedArray  # uint64
    y_true: EncodedArray  # class indices into `classes`, or values for regression
    y_pred: EncodedArray
    scores: EncodedArray | None = None  # (rows, classes) probabilities
    classes: tuple[Any, ...] | None = None
    columns: Mapping[str, RowValues] = field(default_factory=dict)  # evaluate.slices' and fairness'


@dataclass(frozen=True, kw_only=True)
class RowSet:
    """The rows a model was trained on, as hashes, so a comparison can leave them out.

    Each training row is hashed as `Predictions.row_keys` hash test rows (the same
    columns), and only the leading `bits` bits of each distinct hash are kept, sorted and
    stored as differences: about 2.7 bytes a row at a million rows. A test row whose
    hash starts the same is taken as trained on; by chance that happens to fewer than one
    test row in a million (bits = log2(rows) + 20), and only ever leaves a row out.
    """

    rows: int  # training rows hashed (duplicates counted)
    bits: int
    deltas: EncodedArray  # the sorted distinct prefixes: the first, then each difference


@dataclass(frozen=True, kw_only=True)
class SliceFigures:
    """The candidate's metrics on the test rows of one slice."""

    slicing: str  # the column, or "plan & region"
    value: str  # "enterprise", "[18, 30)", "(missing)"
    rows: int
    metrics: Mapping[str, float | None] = field(default_factory=dict)  # None: undefined there


@dataclass(frozen=True, kw_only=True)
class Robustness:
    """A robustness check's count: of `rows` disturbed, on how many the answer changed (or
    moved the wrong way), with the share's exact interval; or why it could not be had."""

    kind: str
    columns: tuple[str, ...]
    said: str  # what was done to the rows, in words
    rows: int = 0
    changed: int = 0
    low: float | None = None
    high: float | None = None
    confidence: float = 0.95
    error: str = ""  # the model failed on the disturbed rows, or is not given the column


@dataclass(frozen=True, kw_only=True)
class FeatureImportance:
    feature: str
    mean: float  # the metric's mean drop when the feature is shuffled (higher: leaned on more)
    std: float  # over the repeats


@dataclass(frozen=True, kw_only=True)
class Importance:
    """scikit-learn's permutation importance on the test rows, or why it could not be had."""

    metric: str
    repeats: int
    rows: int
    features: tuple[FeatureImportance, ...] = ()  # most important first
    error: str = ""


@dataclass(frozen=True, kw_only=True)
class MetricInterval:
    """How far a metric could move on another test set of this size (evaluate.intervals)."""

    metric: str
    low: float
    high: float
    confidence: float
    method: str


@dataclass(frozen=True, kw_only=True)
class BatchLatency:
    batch: int  # rows per call
    calls: int  # timed calls, after the warm-up
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rows_per_s: float | None  # the batch over the median call


@dataclass(frozen=True, kw_only=True)
class Latency:
    """A model's speed: predict on batches of test rows, its file's size, its load time."""

    role: str  # "candidate" | "baseline"
    file_bytes: int
    load_ms: float | None
    batches: tuple[BatchLatency, ...] = ()
    error: str = ""


@dataclass(frozen=True, kw_only=True)
class EvaluateStage:
    status: Status
    task: str | None = None
    task_inferred: bool = False
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    metric_errors: Mapping[str, str] = field(default_factory=dict)
    predictions: Predictions | None = None
    positive_label: Any = None
    # the training rows, hashed as predictions.row_keys hash the test rows (None: unknown)
    train_rows: RowSet | None = None
    slices: tuple[SliceFigures, ...] = ()
    robustness: tuple[Robustness, ...] = ()
    importance: Importance | None = None
    # the candidate's speed, measured alone; in a baseline's evaluation, both models'
    # measured interleaved in one process
    latency: tuple[Latency, ...] = ()
    intervals: tuple[MetricInterval, ...] = ()  # evaluate.intervals
    duration_s: float = 0.0
    message: str = ""

    @property
    def positive_index(self) -> int:
        """Where the positive class stands in `predictions.classes` (default: the last)."""
        classes = list(self.predictions.classes or ()) if self.predictions else []
        plain = [c.item() if hasattr(c, "item") else c for c in classes]
        label = self.positive_label
        for i, c in enumerate(plain):
            if label is not None and type(c) is type(label) and c == label:
                return i
        return max(len(classes) - 1, 0)


@dataclass(frozen=True, kw_only=True)
class ModelStage:
    status: Status
    checks: tuple[CheckResult, ...] = ()
    duration_s: float = 0.0
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class Environment:
    python: str
    platform: str
    packages: Mapping[str, str]


BaselineKind = Literal["git", "file", "stage", "none"]
GateStatus = Literal["passed", "failed", "not evaluated"]
Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """What the candidate was compared with, and how far the comparison is like for like."""

    kind: BaselineKind
    ref: str | None = None  # "main", a file path, a registry stage
    commit: str | None = None
    name: str = "none"  # as the report names it: "main @ 3f9a1c2", "metrics.json"
    # how the baseline's values were had: "scored on the candidate's test rows",
    # "its own run result", "stored metrics" (nothing to pair rows with), or "none"
    source: str = "none"
    # where the baseline was named: "the command line", "mlops.yaml line 12
    # (compare.baseline)", "the pull request's base branch (GITHUB_BASE_REF)"
    origin: str = ""
    same_data: bool | None = None  # None: cannot be known (stored metrics)
    paired_rows: int = 0  # candidate test rows both sides were scored on, and compared on
    candidate_rows: int = 0  # the candidate's test rows
    # candidate test rows left out of the comparison, by reason (a row is counted once,
    # under the first reason that holds, in this order)
    rows_not_scored_by_baseline: int = 0
    rows_in_baseline_training: int = 0
    rows_in_candidate_training: int = 0
    # whose training rows are not known ("baseline", "candidate": a run.json from before
    # mlgate kept them), so rows they were trained on could not be left out
    training_rows_unknown: tuple[str, ...] = ()
    cached: bool = False
    message: str = ""  # why there is none, or what went wrong getting it


@dataclass(frozen=True, kw_only=True)
class MetricChange:
    metric: str
    baseline: float | None
    candidate: float | None
    change: float | None  # candidate - baseline
    relative_change: float | None  # change / |baseline|
    greater_is_better: bool

    @property
    def improved(self) -> bool | None:
        if self.change is None or self.change == 0:
            return None
        return (self.change > 0) == self.greater_is_better


@dataclass(frozen=True, kw_only=True)
class Significance:
    """A paired test of candidate against baseline on the same rows."""

    method: str  # the test that gave both the interval and p (compare.distributions names them)
    rows: int
    delta: float
    ci_low: float  # excludes zero exactly when p_value < 1 - confidence
    ci_high: float
    p_value: float
    confidence: float
    # smallest change these rows could show (80% power); None when none (`power` says) or
    # when there is no standard error
    detectable_change: float | None = None


GateSignificance = Literal["none", "no significant drop", "significant gain"]
# what a gate failed on: one of its bounds (named as mlops.yaml names them), a relative
# change with a baseline of 0, or its significance requirement (no test, or the test said no)
FailureKind = Literal[
    "min",
    "max",
    "min_change",
    "max_change",
    "min_relative_change",
    "max_relative_change",
    "relative_undefined",
    "untested",
    "significant_drop",
    "no_significant_gain",
]


@dataclass(frozen=True, kw_only=True)
class GateThresholds:
    """A gate's thresholds as mlops.yaml wrote them (None: not set), so a report can word them."""

    min: float | None = None
    max: float | None = None
    min_change: float | None = None
    max_change: float | None = None
    min_relative_change: float | None = None
    max_relative_change: float | None = None
    significance: GateSignificance = "none"


@dataclass(frozen=True, kw_only=True)
class GateFailure:
    """One reason a gate failed, as values: the bound crossed and by how much, or the test.

    For a bound: `found` is the value (min, max), the change (min_change, max_change) or the
    relative change that crossed `bound`, and `by` how far past it (positive). For a test:
    its method, p-value and rows, for a significant drop the worst plausible change, and
    for no significant gain `found`, the change toward better (below 0: it went the
    other way). "untested" keeps `why` the paired rows gave no test ("": the rows were not paired).
    """

    kind: FailureKind
    bound: float | None = None
    found: float | None = None
    by: float | None = None
    method: str | None = None
    p_value: float | None = None
    rows: int | None = None
    worst: float | None = None
    why: str = ""


@dataclass(frozen=True, kw_only=True)
class PowerShortfall:
    """The paired rows cannot tell apart changes below `detectable` (80% power), and the
    gate asks about `margin` (None: a significance requirement without a margin).

    `detectable` None: no change at all, as the test's exact p-value cannot come below
    1 - confidence with only `apart` rows answered apart (it takes `needed`)."""

    rows: int
    margin: float | None
    detectable: float | None
    apart: int | None = None  # rows the two models answer apart, for an exact test of them
    needed: int | None = None  # the fewest rows apart with which it can call a change


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """A gate's decision as values; report/gate_text.py words it.

    `rule`, `explanation` and `warning` are those words as run.json keeps them for its
    readers. A run.json from before mlgate kept the values has only the words
    (`thresholds` is None there), and the report shows them as they were written.
    """

    metric: str
    status: GateStatus
    candidate: float | None
    baseline: float | None
    change: float | None
    relative_change: float | None
    rule: str = ""  # the thresholds as written: "change >= -0.01, relative change >= -2%"
    explanation: str = ""  # one line: what held or failed, by how much
    manifest_key: str | None = None
    significance: Significance | None = None
    warning: str = ""  # e.g. the test set is too small to detect the margin asked for
    thresholds: GateThresholds | None = None  # None: a run.json from before the values
    failures: tuple[GateFailure, ...] = ()
    missing: Literal["candidate", "baseline", "both"] | None = None  # the side(s) without one
    power: PowerShortfall | None = None  # the rows cannot detect the margin asked for
    untested: str | None = None  # why the paired rows gave no test (None: tested, or unpaired)
    missing_why: str | None = None  # why `missing`'s side has no value, where it was said


@dataclass(frozen=True, kw_only=True)
class ParamChange:
    name: str  # flattened as DVC flattens: "train.C"
    change: Change
    old: Any = None
    new: Any = None


@dataclass(frozen=True, kw_only=True)
class RuleChange:
    """A gate, model check, data check or setting the candidate's manifest sets otherwise
    than the baseline's commit did: a pull request that loosens what it is judged by says
    so."""

    kind: Literal["gate", "model check", "data check", "setting"]
    subject: str  # the metric, the fairness figure and its column, or the check's key
    change: Change
    old: str | None = None  # the rule as the baseline's manifest wrote it
    new: str | None = None


@dataclass(frozen=True, kw_only=True)
class DataChange:
    role: str
    change: Change
    old_rows: int | None = None
    new_rows: int | None = None
    old_sha256: str | None = None
    new_sha256: str | None = None


@dataclass(frozen=True, kw_only=True)
class SliceChange:
    """A metric on one slice of the paired rows, candidate beside baseline, tested as the
    whole is; the p-value adjusted across every slice tested for the metric."""

    metric: str
    slicing: str
    value: str
    rows: int
    candidate: float | None = None
    baseline: float | None = None
    significance: Significance | None = None  # None: not tested (`reason` says why)
    adjusted_p_value: float | None = None  # with every slice and fairness test of the comparison
    dropped: bool = False  # significantly worse after the adjustment
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class FairnessChange:
    """A fairness figure of both models' decisions on the paired rows."""

    fairness: str
    sensitive: str
    groups: int
    candidate: float  # its own interval is the model check's (model.fairness.*)
    baseline: float
    significance: Significance  # candidate minus baseline
    adjusted_p_value: float | None = None  # with the comparison's slice tests
    worse: bool = False  # significantly less fair than the baseline, after the adjustment


@dataclass(frozen=True, kw_only=True)
class ReliabilityBin:
    """One bin of the reliability diagram: its rows, the mean probability they were
    given, and how often they hit."""

    lower: float
    upper: float
    rows: int
    stated: float
    observed: float


@dataclass(frozen=True, kw_only=True)
class Reliability:
    """A model's reliability diagram on the rows compared, and its calibration error."""

    role: str  # "candidate" | "baseline"
    error: float
    bins: tuple[ReliabilityBin, ...]


@dataclass(frozen=True, kw_only=True)
class CompareStage:
    status: Status  # "failed" when a gate failed, "error" when a required baseline is missing
    baseline: Baseline
    metrics: tuple[MetricChange, ...] = ()
    gates: tuple[GateResult, ...] = ()
    params: tuple[ParamChange, ...] = ()
    data: tuple[DataChange, ...] = ()
    rules: tuple[RuleChange, ...] = ()  # gates and checks set otherwise than at a git baseline
    slices: tuple[SliceChange, ...] = ()  # the gates' metrics that ask it of each slice
    fairness: tuple[FairnessChange, ...] = ()
    checks: tuple[CheckResult, ...] = ()  # slice gates, fairness against the baseline
    robustness: tuple[Robustness, ...] = ()  # the baseline's, measured on the same rows
    importance: Importance | None = None  # the baseline's, on the same rows
    discovered: tuple[SliceChange, ...] = ()  # evaluate.discover: the worst slices found
    latency: tuple[Latency, ...] = ()  # candidate and baseline, measured interleaved
    reliability: tuple[Reliability, ...] = ()  # candidate and baseline, on the paired rows
    discovery: str = ""  # what the scan covered, or why it could not run
    duration_s: float = 0.0
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class SweptConfiguration:
    id: str  # what its values hash to
    params: Mapping[str, Any]  # params-file path -> value
    status: str  # passed, failed, error, killed, missing
    figure: float | None  # the sweep's metric on the rows that ranked (None: no figure)
    # its checks judged on the rows that ranked, which decide whether it may win (None:
    # no figure; a run.json from before it was kept)
    passed_where_ranked: bool | None = None
    reason: str = ""  # why it did not finish (error, killed), as the progress line said


@dataclass(frozen=True, kw_only=True)
class SweepRecord:
    """The sweep a run's configuration won, and how: ranked on some test rows, the winner
    then measured on the rest (`held_out`), which played no part in choosing it."""

    metric: str
    holdout: float  # the share of the test rows kept out of the ranking
    choosing_rows: int
    held_out_rows: int
    configurations: tuple[SweptConfiguration, ...]  # best first
    winner: str | None  # its id (None: no configuration had a figure to rank by)
    choosing: float | None  # the winner's figure on the rows that ranked it
    held_out: float | None  # and on the rows that did not
    unranked: str = ""  # why there is no winner, when the figures could not choose one


# a run's notes, as schema.json bounds them: a fork's 65 KB note, rendered in the verdict,
# pushed the trusted job's rule changes and gates out of the comment
MAX_NOTES = 20
MAX_NOTE = 1000


def noted(notes: Iterable[str]) -> tuple[str, ...]:
    """Notes as a run result holds them: the first MAX_NOTES, each cut to MAX_NOTE
    characters."""
    return tuple(words.clip(note, MAX_NOTE) for note in notes)[:MAX_NOTES]


@dataclass(frozen=True, kw_only=True)
class RunResult:
    schema_version: int = SCHEMA_VERSION
    run_id: str
    name: str  # the model's name, from the manifest
    mlgate_version: str
    started_at: str  # ISO 8601, UTC
    duration_s: float
    verdict: Verdict
    summary: str  # one line: why the verdict is what it is
    manifest: FileFingerprint
    git: GitInfo
    params: Mapping[str, Any]  # flattened as DVC flattens them: "train.C"
    environment: Environment
    data: DataStage
    train: TrainStage
    evaluate: EvaluateStage
    model: ModelStage
    compare: CompareStage | None = None
    notes: tuple[str, ...] = ()  # how this run differs from a normal one (a fork's settings)
    sweep: SweepRecord | None = None  # the sweep this run's configuration won

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        compared = self.compare.checks if self.compare is not None else ()
        return (*self.data.checks, *self.model.checks, *compared)
