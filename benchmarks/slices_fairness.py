"""What slices, fairness and calibration add to an evaluation of 100,000 test rows, beside
fairlearn's MetricFrame computing the same per-slice metrics.

    python benchmarks/slices_fairness.py [--runs 5] [--rows 100000]

Bars (issue 15): 10 metrics, 5 slices, fairness on one attribute and calibration add at
most 1 s beyond the model's own predict time; robustness checks cost at most 2 s per 1,000
rows beyond predict. "5 slices" is measured both ways: five
slicing items (plan, region, age, tenure, plan x region: 52 slices) and one column of five
values. In-process, on generated rows and a scikit-learn logistic regression; medians of
--runs. The comparison with a baseline (each slice tested, the fairness figure's paired
bootstrap) is timed too, as `mlgate compare` runs it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from sklearn import metrics as skm
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from mlgate import manifest as manifests
from mlgate.compare import subgroups
from mlgate.compare.paired import Paired
from mlgate.manifest.spec import RobustnessCheck
from mlgate.model import evaluate, robustness
from mlgate.report import charts
from mlgate.result import arrays

METRICS = [
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "matthews_corrcoef",
    "roc_auc",
    "average_precision",
    "log_loss",
    "brier_score",
]
FEATURES = [f"x{i}" for i in range(5)]
MANY = "[plan, region, age, tenure, {columns: [plan, region]}]"
FIVE = "[tier]"


def median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(FEATURES)))
    data = pd.DataFrame(x, columns=FEATURES)
    data["plan"] = rng.choice(["free", "pro", "team", "enterprise"], rows)
    data["region"] = rng.choice(list("ABCDEFGH"), rows)
    data["tier"] = rng.choice(["t1", "t2", "t3", "t4", "t5"], rows)
    data["age"] = rng.integers(18, 90, rows).astype(float)
    data["tenure"] = rng.exponential(3.0, rows)
    data["gender"] = rng.choice(["f", "m", "x"], rows, p=[0.48, 0.48, 0.04])
    data["y"] = (x[:, 0] + x[:, 1] + rng.normal(size=rows) > 0).astype(int)
    return data


def manifest(folder: Path, slices: str) -> manifests.Manifest:
    (folder / "mlops.yaml").write_text(
        "name: bench\n"
        f"data: {{train: t.csv, test: t.csv, target: y, features: [{', '.join(FEATURES)}]}}\n"
        "train: {command: python train.py}\n"
        f"evaluate:\n  metrics: [{', '.join(METRICS)}]\n  slices: {slices}\n"
        "model_checks:\n"
        "  - {fairness: equalized_odds_difference, sensitive: gender, max: 0.1,\n"
        "     significance: no significant worsening}\n"
        "compare:\n  gates:\n    recall: {significance: no significant drop, slices: true}\n"
    )
    frame(5).to_csv(folder / "t.csv", index=False)
    return manifests.load(folder / "mlops.yaml")


def metric_frame(data: pd.DataFrame, predicted: np.ndarray, scores: np.ndarray) -> None:
    """fairlearn's per-slice table of the same ten metrics, by the same five items."""
    label = {
        "accuracy": skm.accuracy_score,
        "balanced_accuracy": skm.balanced_accuracy_score,
        "precision": skm.precision_score,
        "recall": skm.recall_score,
        "f1": skm.f1_score,
        "matthews_corrcoef": skm.matthews_corrcoef,
    }
    scored = {
        "roc_auc": skm.roc_auc_score,
        "average_precision": skm.average_precision_score,
        "log_loss": skm.log_loss,
        "brier_score": skm.brier_score_loss,
    }
    age = pd.cut(data["age"], data["age"].quantile([0, 0.25, 0.5, 0.75, 1]), include_lowest=True)
    tenure = pd.cut(
        data["tenure"], data["tenure"].quantile([0, 0.25, 0.5, 0.75, 1]), include_lowest=True
    )
    for by in (data["plan"], data["region"], age, tenure, data[["plan", "region"]]):
        MetricFrame(metrics=label, y_true=data["y"], y_pred=predicted, sensitive_features=by)
        MetricFrame(metrics=scored, y_true=data["y"], y_pred=scores, sensitive_features=by)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    data = frame(args.rows)
    model = LogisticRegression().fit(data[FEATURES], data["y"])
    other = LogisticRegression(C=0.01).fit(data[FEATURES], data["y"])
    predict = median_s(
        lambda: (model.predict(data[FEATURES]), model.predict_proba(data[FEATURES])), args.runs
    )
    with tempfile.TemporaryDirectory() as folder:
        for name, slices in (("five items, 52 slices", MANY), ("one column, 5 slices", FIVE)):
            spec = manifest(Path(folder), slices)
            measure(name, spec, data, model, other, predict, args.runs)
        robust(data, model, predict, args.runs)
        predicted = model.predict(data[FEATURES])
        scores = model.predict_proba(data[FEATURES])[:, 1]
        peer = median_s(lambda: metric_frame(data, predicted, scores), max(1, args.runs // 2))
        spec = manifest(Path(folder), MANY)
        stage = evaluate.score(spec, model, data).passed("", train_rows=None)
        ours = median_s(lambda: subgroups.slice_figures(spec, stage), args.runs)
        print(f"\nfairlearn MetricFrame, the same 10 metrics on the same 52 slices: {peer:.3f} s")
        print(f"mlgate's slice figures: {ours:.3f} s  (fairlearn / mlgate = {peer / ours:.1f}x)")


def measure(
    name: str,
    spec: manifests.Manifest,
    data: pd.DataFrame,
    model: LogisticRegression,
    other: LogisticRegression,
    predict: float,
    runs: int,
) -> None:
    stage = evaluate.score(spec, model, data).passed("", train_rows=None)
    base = evaluate.score(spec, other, data).passed("", train_rows=None)
    check = spec.fairness_checks[0]
    scoring = median_s(lambda: evaluate.score(spec, model, data), runs) - predict
    figures = median_s(lambda: subgroups.slice_figures(spec, stage), runs)
    fair = median_s(lambda: subgroups.fairness_alone(spec, stage, check), runs)
    result_like = _result(stage)
    calibration = median_s(lambda: charts.reliability_section(result_like), runs)
    paired = _paired(stage, base)
    judged = median_s(lambda: subgroups.judge(spec, stage, paired), runs)
    added = scoring + figures + fair + calibration
    print(f"\n{name}, {len(data):,} rows, {len(METRICS)} metrics")
    print(f"  model's predict + predict_proba        {predict:7.3f} s")
    print(f"  metrics and row keys (score - predict) {scoring:7.3f} s")
    print(f"  metrics on every slice                 {figures:7.3f} s")
    print(f"  fairness figure with its interval      {fair:7.3f} s")
    print(f"  calibration section                    {calibration:7.3f} s")
    print(f"  added beyond predict                   {added:7.3f} s  (bar: 1 s)")
    print(f"  against a baseline (compare)           {judged:7.3f} s")


def robust(data: pd.DataFrame, model: LogisticRegression, predict: float, runs: int) -> None:
    """Five robustness checks, one of each kind: their cost beyond the model's own scoring
    of the disturbed rows (one predict each, and predict_proba for the directional one)."""
    checks = (
        RobustnessCheck(kind="invariance", columns=("x4",)),
        RobustnessCheck(kind="noise", columns=("x0", "x1")),
        RobustnessCheck(kind="nulls", columns=("x2",)),
        RobustnessCheck(kind="unseen", columns=("plan",)),
        RobustnessCheck(kind="directional", columns=("x0",), by=0.1),
    )
    features = data[[*FEATURES, "plan"]]
    encode = make_column_transformer(
        (SimpleImputer(), FEATURES), (OneHotEncoder(handle_unknown="ignore"), ["plan"])
    )
    imputed = make_pipeline(encode, LogisticRegression()).fit(features, data["y"])
    answer = robustness.answers(imputed, regression=False, positive_index=1)
    took = median_s(lambda: robustness.measure(checks, answer, features, regression=False), runs)
    own = median_s(lambda: imputed.predict(features), runs)
    scored = median_s(lambda: imputed.predict_proba(features), runs)
    beyond = took - (5 * own + 2 * scored)  # 4 disturbed labels + the plain label; 2 scores
    print(f"\nrobustness, 5 checks on {len(data):,} rows: {took:.3f} s in all; the model's own")
    print(f"  predictions {5 * own + 2 * scored:.3f} s; beyond them {beyond:.3f} s,")
    print(f"  {beyond / (len(data) / 1000) * 1000:.2f} ms per 1,000 rows (bar: 2 s per 1,000)")
    found = robustness.measure(checks, answer, features, regression=False)
    assert not any(r.error for r in found), [r.error for r in found]
    del predict


def _paired(stage, base) -> Paired:  # type: ignore[no-untyped-def]
    kept = stage.predictions
    return Paired(
        y_true=arrays.decode(kept.y_true).astype(np.int64),
        candidate_pred=arrays.decode(kept.y_pred).astype(np.int64),
        baseline_pred=arrays.decode(base.predictions.y_pred).astype(np.int64),
        candidate_scores=arrays.decode(kept.scores),
        baseline_scores=arrays.decode(base.predictions.scores),
        n_classes=2,
        positive_index=1,
        same_data=True,
        rows=np.arange(kept.rows),
    )


def _result(stage):  # type: ignore[no-untyped-def]
    """The least of a run result that the report's calibration section reads."""
    from types import SimpleNamespace

    return SimpleNamespace(evaluate=stage)


if __name__ == "__main__":
    main()
