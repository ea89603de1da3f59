"""Paired bootstraps and label metrics on 100,000 rows, against NumPy and scikit-learn.

    python benchmarks/bootstrap.py [--runs 7] [--sklearn-resamples 20]

Bars (issue 4): a 1,000-resample paired bootstrap of F1 on 100,000 rows under 50 ms;
ten label metrics on 100,000 rows faster than scikit-learn called one by one, with
equal values. Also times the paired test of every metric mlgate knows, which is what a
gate with `significance:` runs. In-process, on generated rows; medians of --runs.

scikit-learn's f1_score in a loop takes minutes for 1,000 resamples, so it is timed on
--sklearn-resamples resamples and scaled to 1,000 (the table says so).
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
from mlgate.model import counts
from mlgate.model.metrics import METRICS, compute

ROWS, RESAMPLES = 100_000, 1000
TEN = (
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "f1_macro",
    "f1_micro",
    "f1_weighted",
    "matthews_corrcoef",
    "cohen_kappa",
)


def timings(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median_s(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(timings(fn, runs))


def rows(n_classes: int = 2, seed: int = 0):
    """Labels and two models that mostly agree, as class indices and probabilities."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, ROWS)
    shared = rng.normal(size=(ROWS, n_classes))
    out = []
    for noise in (0.4, 0.45):
        logits = 2.0 * np.eye(n_classes)[y] + shared + noise * rng.normal(size=(ROWS, n_classes))
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        out += [proba.argmax(axis=1), proba.astype(np.float64)]  # float64, as runs store them
    return y, *out


def f1_index_numpy(y, cand, base, resamples: int, seed: int) -> np.ndarray:
    """The textbook bootstrap: resample row indices, F1 of both models by boolean sums."""
    rng = np.random.default_rng(seed)
    out = np.empty(resamples)
    for i in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        truth = y[idx] == 1
        f1 = []
        for pred in (cand[idx] == 1, base[idx] == 1):
            tp = np.count_nonzero(truth & pred)
            f1.append(2 * tp / (np.count_nonzero(truth) + np.count_nonzero(pred)))
        out[i] = f1[0] - f1[1]
    return out


def f1_index_sklearn(y, cand, base, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty(resamples)
    for i in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        out[i] = skm.f1_score(y[idx], cand[idx]) - skm.f1_score(y[idx], base[idx])
    return out


def sklearn_one_by_one(y, pred, positive) -> dict[str, float]:
    values = {}
    for name in TEN:
        if name in ("precision", "recall", "f1"):
            score = getattr(skm, f"{name}_score")
            values[name] = score(y, pred, pos_label=positive, zero_division=0)
        elif name.startswith("f1_"):
            values[name] = skm.f1_score(y, pred, average=name[3:], zero_division=0)
        else:
            values[name] = {
                "accuracy": skm.accuracy_score,
                "balanced_accuracy": skm.balanced_accuracy_score,
                "matthews_corrcoef": skm.matthews_corrcoef,
                "cohen_kappa": skm.cohen_kappa_score,
            }[name](y, pred)
    return values


def from_one_table(y, pred, classes) -> dict[str, float]:
    table = counts.confusion(y, pred, 2)
    return {name: float(counts.label_metric(name, table, positive_index=1)) for name in TEN}


def through_compute(y, pred, classes) -> dict[str, float]:
    return {name: compute(name, y, pred, None, classes=classes, positive_index=1) for name in TEN}


def table(header: list[str], body: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |")
    for line in body:
        print("| " + " | ".join(line) + " |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sklearn-resamples", type=int, default=20)
    args = parser.parse_args()
    y, cand, cand_p, base, base_p = rows()
    data = {
        "y_true": y,
        "candidate_pred": cand,
        "baseline_pred": base,
        "candidate_scores": cand_p,
        "baseline_scores": base_p,
        "n_classes": 2,
    }

    # 1. the F1 bootstrap three ways
    counted = significance.paired_test("f1", **data, resamples=RESAMPLES)
    t_counts = median_s(
        lambda: significance.paired_test("f1", **data, resamples=RESAMPLES), args.runs
    )
    index = f1_index_numpy(y, cand, base, RESAMPLES, seed=1)
    t_numpy = median_s(
        lambda: f1_index_numpy(y, cand, base, RESAMPLES, seed=1), max(3, args.runs // 2)
    )
    few = args.sklearn_resamples
    t_sklearn = median_s(lambda: f1_index_sklearn(y, cand, base, few, seed=1), 3) * RESAMPLES / few
    # the same seed draws the same rows: scikit-learn agrees with NumPy resample by resample
    assert np.allclose(f1_index_sklearn(y, cand, base, few, seed=1), index[:few], rtol=1e-12)
    by_index = distributions.summarise(counted.delta, index, rows=ROWS)
    expected = skm.f1_score(y, cand) - skm.f1_score(y, base)
    assert np.isclose(counted.delta, expected, rtol=1e-12), (counted.delta, expected)
    print(f"## F1, {RESAMPLES:,} paired resamples of {ROWS:,} rows\n")
    table(
        ["method", "median", "/ counts", "delta", "95% interval", "std error"],
        [
            [
                "counts of the 8 outcomes (mlgate)",
                f"{t_counts * 1000:,.1f} ms",
                "1",
                f"{counted.delta:+.5f}",
                f"[{counted.ci_low:+.5f}, {counted.ci_high:+.5f}]",
                f"{counted.std_error:.5f}",
            ],
            [
                "index resampling, NumPy",
                f"{t_numpy * 1000:,.1f} ms",
                f"{t_numpy / t_counts:,.0f}",
                *[
                    f"{by_index.delta:+.5f}",
                    f"[{by_index.ci_low:+.5f}, {by_index.ci_high:+.5f}]",
                    f"{by_index.std_error:.5f}",
                ],
            ],
            [
                f"scikit-learn f1_score in a loop ({few} resamples, x{RESAMPLES // few})",
                f"{t_sklearn * 1000:,.0f} ms",
                f"{t_sklearn / t_counts:,.0f}",
                f"equal to NumPy's on those {few}",
                "",
                "",
            ],
        ],
    )

    # 2. ten label metrics, one table against scikit-learn one by one
    words = np.array(["benign", "malignant"], dtype=object)  # labels as read from a CSV
    body = []
    for kind, truth, pred, classes in (
        ("integer", y, cand, [0, 1]),
        ("string", words[y], words[cand], list(words)),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = sklearn_one_by_one(truth, pred, classes[1])
            t_ref = median_s(
                lambda t=truth, p=pred, c=classes: sklearn_one_by_one(t, p, c[1]), args.runs
            )
        body.append(
            [
                f"scikit-learn, one call per metric ({kind} labels)",
                f"{t_ref * 1000:,.1f} ms",
                "1.000",
                "-",
            ]
        )
        ways = {"metrics.compute, one call per metric": through_compute}
        if kind == "integer":
            ways = {"one confusion table (model.counts)": from_one_table, **ways}
        for name, fn in ways.items():
            got = fn(truth, pred, classes)
            assert all(np.isclose(got[m], reference[m], rtol=1e-12, atol=0) for m in TEN), name
            worst = max(abs(got[m] - reference[m]) for m in TEN)
            t = median_s(lambda fn=fn, t=truth, p=pred, c=classes: fn(t, p, c), args.runs)
            body.append(
                [
                    f"{name} ({kind} labels)",
                    f"{t * 1000:,.1f} ms",
                    f"{t / t_ref:.3f}",
                    f"{worst:.1e}",
                ]
            )
    print(f"## Ten label metrics on {ROWS:,} rows ({', '.join(TEN)})\n")
    table(["method", "median", "/ scikit-learn", "largest difference"], body)

    # 3. the paired test of every metric, as a `significance:` gate runs it
    multi = rows(n_classes=3, seed=1)
    multi_data = {
        "y_true": multi[0],
        "candidate_pred": multi[1],
        "baseline_pred": multi[3],
        "candidate_scores": multi[2],
        "baseline_scores": multi[4],
        "n_classes": 3,
    }
    rng = np.random.default_rng(2)
    truth = rng.gamma(2.0, 2.0, ROWS)
    shared = rng.normal(size=ROWS)
    reg = {
        "y_true": truth,
        "candidate_pred": truth + shared + rng.normal(size=ROWS),
        "baseline_pred": truth + shared + 1.1 * rng.normal(size=ROWS),
        "n_classes": 0,
    }
    body = []
    cases = [(n, "binary", data) for n, m in METRICS.items() if m.task == "classification"]
    cases.insert(cases.index(("roc_auc", "binary", data)) + 1, ("roc_auc", "3 classes", multi_data))
    cases += [(n, "regression", reg) for n, m in METRICS.items() if m.task == "regression"]
    for name, kind, given in cases:
        test = significance.paired_test(name, **given, resamples=RESAMPLES)
        runs = timings(
            lambda name=name, given=given: significance.paired_test(
                name, **given, resamples=RESAMPLES
            ),
            args.runs,
        )
        body.append(
            [
                f"{name} ({kind})",
                test.method,
                f"{statistics.median(runs) * 1000:,.1f} ms",
                f"{min(runs) * 1000:,.1f} ms",
                f"{test.p_value:.3g}",
            ]
        )
    print(f"## The paired test of each metric: {ROWS:,} rows, {RESAMPLES:,} resamples\n")
    table(["metric", "test", "median", "min", "p"], body)


if __name__ == "__main__":
    main()
