"""The paired tests behind five gates at 1,000,000 paired rows, against the row bootstrap.

    python benchmarks/gates.py [--rows 1000000] [--runs 5] [--loop-resamples 20]

Bar (issue 12): gates on five metrics, roc_auc and log_loss among them, at 1,000,000
paired rows under 2 s in all, each test's interval excluding zero exactly when its p is
below 1 - confidence. Beside them, what the gate used before (mlgate's vectorised row
bootstrap, 1,000 resamples) and what a user would write (a row bootstrap calling
scikit-learn on each resample). Both loops cost the same per resample, so they are timed
on --loop-resamples resamples and scaled to 1,000 (the table says so). In-process, on
generated rows (two models that mostly agree, probabilities as float64 as runs store
them); medians of --runs, after one cold run that includes the imports, and the median
CPU time of this process (which other load on the machine inflates far less).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
from sklearn import metrics as skm

from mlgate.compare import distributions, significance

FIVE = ("accuracy", "f1", "roc_auc", "log_loss", "brier_score")
RESAMPLES = 1000


def rows(count: int, seed: int = 0) -> dict[str, np.ndarray | int]:
    """Labels and two models that mostly agree, as class indices and probabilities."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, count)
    shared = rng.normal(size=(count, 2))
    out = []
    for noise in (0.4, 0.45):
        logits = 2.0 * np.eye(2)[y] + shared + noise * rng.normal(size=(count, 2))
        proba = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype(np.float64)
        out += [proba.argmax(axis=1), proba]
    return {
        "y_true": y,
        "candidate_pred": out[0],
        "candidate_scores": out[1],
        "baseline_pred": out[2],
        "baseline_scores": out[3],
        "n_classes": 2,
    }


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_seconds(fn: Callable[[], object]) -> float:
    """This process's CPU time: what the test costs, whatever else the machine runs."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def row_bootstrap(metric: str, data: dict, resamples: int) -> np.ndarray:
    """The previous gate: every metric but accuracy and the label ones by row resamples
    drawn as counts and scored as weighted sums (sorted once for the ROC area); with one
    BLAS thread, its best case."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _row_bootstrap(metric, data, resamples)


def _row_bootstrap(metric: str, data: dict, resamples: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    # all resamples' counts at once, so that each model's rows are sorted once, as before
    counts = np.vstack(list(distributions.resample_counts(len(data["y_true"]), resamples, rng)))
    common = {"y_true": data["y_true"], "n_classes": 2}
    cand, base = (
        significance.on_resamples(
            metric, counts, **common, pred=data[f"{side}_pred"], scores=data[f"{side}_scores"]
        )
        for side in ("candidate", "baseline")
    )
    return cand - base


def sklearn_loop(metric: str, data: dict, resamples: int) -> np.ndarray:
    """What a user writes: resample row indices, call scikit-learn on both models."""
    y = data["y_true"]
    score = {
        "accuracy": lambda i, side: skm.accuracy_score(y[i], data[f"{side}_pred"][i]),
        "f1": lambda i, side: skm.f1_score(y[i], data[f"{side}_pred"][i]),
        "roc_auc": lambda i, side: skm.roc_auc_score(y[i], data[f"{side}_scores"][i, 1]),
        "log_loss": lambda i, side: skm.log_loss(y[i], data[f"{side}_scores"][i]),
        "brier_score": lambda i, side: skm.brier_score_loss(y[i], data[f"{side}_scores"][i, 1]),
    }[metric]
    rng = np.random.default_rng(0)
    out = np.empty(resamples)
    for r in range(resamples):
        i = rng.integers(0, len(y), len(y))
        out[r] = score(i, "candidate") - score(i, "baseline")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loop-resamples", type=int, default=20)
    args = parser.parse_args()
    data = rows(args.rows)

    cold = {m: seconds(lambda m=m: significance.paired_test(m, **data)) for m in FIVE}
    warm: dict[str, list[float]] = {m: [] for m in FIVE}
    for _ in range(args.runs):  # alternating, so that machine load hits every metric alike
        for m in FIVE:
            warm[m].append(seconds(lambda m=m: significance.paired_test(m, **data)))
    cpu = {
        m: statistics.median(
            cpu_seconds(lambda m=m: significance.paired_test(m, **data)) for _ in range(args.runs)
        )
        for m in FIVE
    }
    tests = {m: significance.paired_test(m, **data) for m in FIVE}
    for t in tests.values():  # the coherence the gates rely on
        assert (t.ci_low > 0 or t.ci_high < 0) == t.significant(), t

    few, scale = args.loop_resamples, RESAMPLES / args.loop_resamples
    body, totals = [], [0.0, 0.0, 0.0, 0.0, 0.0]
    for m in FIVE:
        t = tests[m]
        ours = statistics.median(warm[m])
        if m in ("accuracy", "f1"):  # McNemar and the counts bootstrap: as fast before
            before = ours
        else:
            before = seconds(lambda m=m: row_bootstrap(m, data, few)) * scale
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loop = seconds(lambda m=m: sklearn_loop(m, data, few)) * scale
        for i, value in enumerate((cold[m], ours, cpu[m], before, loop)):
            totals[i] += value
        body.append(
            [
                m,
                t.method,
                f"{cold[m] * 1000:,.1f} ms",
                f"{ours * 1000:,.1f} ms",
                f"{cpu[m] * 1000:,.1f} ms",
                f"{before:,.1f} s",
                f"{loop:,.0f} s",
                f"{loop / ours:,.0f}",
                f"[{t.ci_low:+.5f}, {t.ci_high:+.5f}]",
                f"{t.p_value:.2g}",
            ]
        )
    body.append(
        [
            "**all five**",
            "",
            f"**{totals[0] * 1000:,.1f} ms**",
            f"**{totals[1] * 1000:,.1f} ms**",
            f"{totals[2] * 1000:,.1f} ms",
            f"{totals[3]:,.1f} s",
            f"{totals[4]:,.0f} s",
            f"{totals[4] / totals[1]:,.0f}",
            "",
            "",
        ]
    )
    print(f"## Five gates' paired tests, {args.rows:,} paired rows\n")
    header = [
        "metric",
        "method (mlgate)",
        "mlgate, cold",
        "mlgate, median",
        "mlgate, CPU",
        f"row bootstrap before (x{scale:g})",
        f"scikit-learn loop (x{scale:g})",
        "loop / mlgate",
        "95% interval",
        "p",
    ]
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---", "---"] + ["---:"] * (len(header) - 2)) + " |")
    for line in body:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
