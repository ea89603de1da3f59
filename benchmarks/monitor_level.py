"""How often `mlgate monitor`'s unpaired tests call a change where there is none (issue 16).

Null hypothesis true by construction: a fitted scikit-learn model, and a pool of rows it
never saw; each draw takes the reference rows (the version's test rows) and the labelled
production rows as disjoint random subsets of that pool, so both are draws of one
distribution. Counts p < 0.05 and intervals that exclude zero (they must agree), and
refusals (ValueError) separately. Monte Carlo standard error sqrt(r (1 - r) / draws).

    python benchmarks/monitor_level.py [--draws 2000] [--only regression|labels]
        [--digits-draws 500] [--seed 0]

Against another commit's code: `git worktree add /tmp/old REV` and run it with
`PYTHONPATH=/tmp/old/src`. docs/monitor.md gives the rates it measured, before and after
the permutation test replaced Welch's t and the bootstrap of each side's table.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

import mlgate
from mlgate.compare import unpaired
from mlgate.model import counts


def regression_pools() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(targets, predictions) of rows the model never saw."""
    from sklearn.datasets import load_diabetes, make_regression
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.linear_model import LinearRegression, Ridge

    pools = {}
    x, y = load_diabetes(return_X_y=True)
    train = np.arange(len(y)) % 4 == 1  # 111 rows fit on; the other 331 are the pool
    model = Ridge().fit(x[train], y[train])
    pools["diabetes Ridge"] = (y[~train], model.predict(x[~train]))
    rng = np.random.default_rng(7)
    x, y = make_regression(60_000, 10, n_informative=6, noise=0.0, random_state=3)
    y = y + 30 * rng.standard_t(3, len(y))  # heavy tails: Student's t, 3 degrees of freedom
    model = LinearRegression().fit(x[:2000], y[:2000])
    pools["make_regression t3 noise, LinearRegression"] = (y[2000:], model.predict(x[2000:]))
    x, y = make_regression(60_000, 8, n_informative=5, noise=10.0, random_state=4)
    y = np.exp((y - y.mean()) / y.std())  # skewed, positive
    model = GradientBoostingRegressor(random_state=0).fit(x[:2000], y[:2000])
    pools["make_regression exp target, GBR"] = (y[2000:], model.predict(x[2000:]))
    return pools


def label_pools() -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    """(true classes, predicted classes, classes) of rows the model never saw."""
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pools = {}
    x, y = load_breast_cancer(return_X_y=True)
    train = np.arange(len(y)) % 5 >= 3  # the example's split: 3 rows in 5 are not fit on
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(x[train], y[train])
    pools["breast cancer LogReg"] = (y[~train], model.predict(x[~train]), 2)
    x, y = make_classification(
        60_000, 10, n_informative=4, weights=[0.8], flip_y=0.1, random_state=5
    )
    model = LogisticRegression().fit(x[:2000], y[:2000])
    pools["make_classification 80/20 LogReg"] = (y[2000:], model.predict(x[2000:]), 2)
    x, y = load_digits(return_X_y=True)
    train = np.arange(len(y)) % 4 == 0
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.002, max_iter=500)).fit(
        x[train], y[train]
    )
    pools["digits LogReg (weak)"] = (y[~train], model.predict(x[~train]), 10)
    return pools


def rate(hits: int, draws: int) -> str:
    r = hits / draws if draws else math.nan
    se = math.sqrt(r * (1 - r) / draws) if draws else math.nan
    return f"{100 * r:5.2f}% ± {100 * se:4.2f}"


@dataclass
class Tally:
    """One setting's draws: per metric, how often p < 0.05, how often the interval excluded
    zero, how often the test refused; and how often the two disagreed (never, if right)."""

    low: Counter[str] = field(default_factory=Counter)
    out: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    disagree: int = 0
    methods: set[str] = field(default_factory=set)
    metrics: tuple[str, ...] = ()


def tally(
    rows: int, n_ref: int, n_lab: int, draws: int, seed: int, metrics: tuple[str, ...], test_of
) -> Tally:
    """`test_of(metric, ref, lab)`: the unpaired test of the rows picked as reference and
    as labelled (a ValueError when it refuses)."""
    rng = np.random.default_rng(seed)
    found = Tally(metrics=metrics)
    for _ in range(draws):
        pick = rng.choice(rows, n_ref + n_lab, replace=False)
        ref, lab = pick[:n_ref], pick[n_ref:]
        for metric in metrics:
            try:
                test = test_of(metric, ref, lab)
            except ValueError:
                found.refused[metric] += 1
                continue
            found.methods.add(test.method)
            p = test.p_value < 0.05
            excl = test.ci_low > 0 or test.ci_high < 0
            found.low[metric] += p
            found.out[metric] += excl
            found.disagree += p != excl
    return found


def report(kind: str, name: str, setting: tuple[int, int, int], found: Tally, took: float):
    n_ref, n_lab, draws = setting
    for metric in found.metrics:
        tested = draws - found.refused[metric]
        print(
            f"{kind} | {name:45} | ref {n_ref:4} lab {n_lab:4} | {metric:17} | "
            f"p<.05 {rate(found.low[metric], tested)} | "
            f"CI excl 0 {rate(found.out[metric], tested)} | "
            f"refused {found.refused[metric]:5} | disagree {found.disagree} | {took:.1f}s",
            flush=True,
        )
    print("   methods:", sorted(found.methods))


def run_regression(draws: int, seed: int) -> None:
    settings = [("diabetes Ridge", 111, n, ("rmse", "mae", "r2")) for n in (5, 10, 20, 30, 60)] + [
        (name, 300, n, ("rmse", "mae", "r2"))
        for name in (
            "make_regression t3 noise, LinearRegression",
            "make_regression exp target, GBR",
        )
        for n in (5, 10, 30, 100)
    ]
    pools = regression_pools()
    for name, n_ref, n_lab, metrics in settings:
        y, pred = pools[name]

        def test_of(metric, ref, lab, y=y, pred=pred):
            return unpaired.value_change(metric, (y[ref], pred[ref]), (y[lab], pred[lab]))

        started = time.perf_counter()
        found = tally(len(y), n_ref, n_lab, draws, seed, metrics, test_of)
        report("regression", name, (n_ref, n_lab, draws), found, time.perf_counter() - started)


def run_labels(draws: int, seed: int, digits_draws: int | None = None) -> None:
    binary = ("f1", "balanced_accuracy", "matthews_corrcoef")
    settings = (
        [("breast cancer LogReg", 200, n, binary) for n in (30, 60, 100)]
        + [("make_classification 80/20 LogReg", 342, n, binary) for n in (30, 60, 200)]
        + [
            ("digits LogReg (weak)", 300, n, ("f1_macro", "balanced_accuracy", "cohen_kappa"))
            for n in (30, 60, 150)
        ]
    )
    pools = label_pools()
    for name, n_ref, n_lab, metrics in settings:
        y, pred, k = pools[name]
        draws_here = digits_draws if k > 2 and digits_draws else draws

        def test_of(metric, ref, lab, y=y, pred=pred, k=k):
            before = counts.confusion(y[ref], pred[ref], k)
            after = counts.confusion(y[lab], pred[lab], k)
            return unpaired.label_change(metric, before, after, positive_index=1)

        started = time.perf_counter()
        found = tally(len(y), n_ref, n_lab, draws_here, seed, metrics, test_of)
        report("labels", name, (n_ref, n_lab, draws_here), found, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--digits-draws", type=int, help="draws of the ten-class settings")
    parser.add_argument("--only", choices=("regression", "labels"))
    args = parser.parse_args()
    print("mlgate from", mlgate.__file__, "| draws", args.draws, "| seed", args.seed)
    if args.only != "labels":
        run_regression(args.draws, args.seed)
    if args.only != "regression":
        run_labels(args.draws, args.seed, args.digits_draws)


if __name__ == "__main__":
    main()
