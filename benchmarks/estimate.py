"""How right the label-free performance estimate is, beside NannyML's CBPE on the same rows.

    python benchmarks/estimate.py [--seeds 100] [--rows 5000] [--no-nannyml]

Bars (issue 16): under covariate shift at n = 5,000, a mean absolute error of accuracy of
at most 1 point and 95% intervals covering the truth at least 90% of the time; under
injected concept drift, the estimate flagged unreliable in at least 90% of runs.

Each seed makes a world of generated rows: features, labels drawn from a softmax of them,
a logistic regression trained on 5,000 rows, a reference of 5,000 more (scores and labels),
and `--rows` production rows drawn with a covariate shift on the first feature. The
worlds: two classes; three classes; two classes where a gradient-boosted model is fitted
to scikit-learn's `make_classification` data (which a model's score does not summarise
exactly, so that P(label | score) moves with the shift); and concept drift (a fifth of the
labels where the second feature is positive moved to the other class), with 500 of the
production labels arrived. NannyML (its own environment under benchmarks/.work/) is given
the same reference and production rows, one chunk of all the production rows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _env

from mlgate.model import estimate

NANNYML = ("nannyml", "statsmodels")  # nannyml 0.13 imports statsmodels without requiring it
NANNYML_RUN = """
import json, sys, warnings
import numpy as np, pandas as pd, nannyml as nml
warnings.simplefilter("ignore")
out = []
for path in sys.argv[1:]:
    d = np.load(path)
    def frame(scores, pred, y=None):
        f = pd.DataFrame({"y_pred_proba": scores[:, 1], "y_pred": pred})
        if y is not None:
            f["y_true"] = y
        return f
    reference = frame(d["ref_scores"], d["ref_pred"], d["ref_y"])
    analysis = frame(d["scores"], d["pred"])
    cbpe = nml.CBPE(y_pred_proba="y_pred_proba", y_pred="y_pred", y_true="y_true",
                    problem_type="classification_binary", metrics=["accuracy"],
                    chunk_number=1)
    cbpe.fit(reference)
    result = cbpe.estimate(analysis).filter(period="analysis").to_df()
    acc = result["accuracy"]
    out.append([float(acc["value"].iloc[0]), float(acc["lower_confidence_boundary"].iloc[0]),
                float(acc["upper_confidence_boundary"].iloc[0])])
print(json.dumps(out))
"""


def world(seed: int, kind: str, rows: int, reference: int = 5000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = 3 if kind == "three classes" else 2
    if kind == "gradient boosting":
        x, y = make_classification(20_000, 8, n_informative=5, flip_y=0.05, random_state=seed)
        model = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    else:
        x = rng.normal(size=(20_000, 6))
        logits = x @ rng.normal(size=(6, classes))
        chance = np.exp(logits - logits.max(axis=1, keepdims=True))
        chance /= chance.sum(axis=1, keepdims=True)
        y = (rng.random((20_000, 1)) > np.cumsum(chance, axis=1)[:, :-1]).sum(axis=1)
        model = LogisticRegression(max_iter=1000)
    model.fit(x[:5000], y[:5000])
    pool = np.arange(10_000, 20_000)
    weight = 1 / (1 + np.exp(-2 * x[pool, 0]))
    production = rng.choice(pool, rows, replace=False, p=weight / weight.sum())
    truth = y[production].copy()
    if kind == "concept drift":
        moved = (x[production, 1] > 0) & (rng.random(rows) < 0.2)
        truth[moved] = (truth[moved] + 1) % classes
    kept = slice(5000, 5000 + reference)
    return {
        "ref_scores": model.predict_proba(x[kept]),
        "ref_y": y[kept],
        "ref_pred": model.predict(x[kept]),
        "scores": model.predict_proba(x[production]),
        "pred": model.predict(x[production]),
        "truth": truth,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--no-nannyml", action="store_true")
    parser.add_argument("--reference", type=int, default=5000, help="reference rows (<= 5,000)")
    parser.add_argument(
        "--labels-everywhere",
        action="store_true",
        help="500 labels arrive in every world: 'flagged' without concept drift is false alarms",
    )
    args = parser.parse_args()
    kinds = ["two classes", "three classes", "gradient boosting", "concept drift"]
    print(
        f"{args.seeds} seeds, {args.rows:,} production rows and {args.reference:,} reference "
        "rows each; accuracy"
    )
    print("| world | tool | mean abs. error (points) | bias | interval covers | flagged | s/seed |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        worlds = [world(seed, kind, args.rows, args.reference) for seed in range(args.seeds)]
        truths = [float((w["pred"] == w["truth"]).mean()) for w in worlds]
        found, started = [], time.perf_counter()
        for seed, w in enumerate(worlds):
            arrived = np.random.default_rng(seed + 99).choice(args.rows, 500, replace=False)
            given = kind == "concept drift" or args.labels_everywhere
            labelled = (arrived, w["truth"][arrived]) if given else None
            e = estimate.estimate(
                "accuracy",
                reference_scores=w["ref_scores"],
                reference_y=w["ref_y"],
                reference_predicted=w["ref_pred"],
                scores=w["scores"],
                predicted=w["pred"],
                labelled=labelled,
                seed=seed,
            )
            found.append((e.value, e.low, e.high, not e.reliable))
        took = (time.perf_counter() - started) / args.seeds
        _row(kind, "mlgate", found, truths, took)
        if not args.no_nannyml and kind != "three classes":
            found, took = _nannyml(worlds)
            _row(kind, "NannyML CBPE", [(*f, False) for f in found], truths, took, flags=False)


def _nannyml(worlds: list[dict[str, np.ndarray]]) -> tuple[list[tuple[float, float, float]], float]:
    python = _env.venv("nannyml", *NANNYML) / "python"
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, w in enumerate(worlds):
            path = Path(folder) / f"w{i}.npz"
            np.savez(path, **w)
            paths.append(str(path))
        started = time.perf_counter()
        done = subprocess.run(
            [str(python), "-c", NANNYML_RUN, *paths], capture_output=True, text=True, check=True
        )
        took = (time.perf_counter() - started) / len(worlds)
    return [tuple(v) for v in json.loads(done.stdout)], took


def _row(kind, tool, found, truths, took, *, flags: bool = True) -> None:
    errors = np.array([f[0] - t for f, t in zip(found, truths, strict=True)])
    covered = np.mean([f[1] <= t <= f[2] for f, t in zip(found, truths, strict=True)])
    flagged = f"{np.mean([f[3] for f in found]):.0%}" if flags else "(none)"
    print(
        f"| {kind} | {tool} | {100 * np.mean(np.abs(errors)):.2f} | {100 * errors.mean():+.2f} "
        f"| {covered:.0%} | {flagged} | {took:.2f} |"
    )


if __name__ == "__main__":
    main()
