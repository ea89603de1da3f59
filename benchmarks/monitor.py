"""What `mlgate monitor` does with 1,000,000 production rows x 20 columns, step by step, in
one process, against a stored profile of the training data.

    python benchmarks/monitor.py [--rows 1000000] [--runs 3]

Bar (issue 16): under 5 s on this machine, memory bounded by the profile, not the
reference data. The rows are `data_checks.generate`'s (seed 15; the training data seed
14), so the drift tested is between two samples of one distribution but for `tag`, whose
words each seed draws anew. The model is a scikit-learn logistic regression on the eight
numeric columns, trained on 20,000 training rows; its reference (a run's test rows) is
5,000 more, with labels `score + noise > 50`. Timed after the imports, as the command's
work: reading the Parquet file, its exact profile, drift of every column against the
training data's stored profile (`profile.condensed`, what a registered version keeps),
the model's `predict_proba` on every row, and the label-free estimate of accuracy (50
calibrations, 400 drawn label sets). Reading the version's records from git and its
objects from the store is left out (a few small files). Peak memory is VmHWM.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data_checks

from mlgate.data import drift, profile
from mlgate.manifest.spec import Drift
from mlgate.model import estimate

NUMERIC = ["age", "income", "score", "visits", "balance", "price", "rating", "tenure"]


def labels(frame: pl.DataFrame, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 8, frame.height)
    return (frame["score"].to_numpy() + noise > 50).astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        train_path, production_path = Path(folder) / "train.parquet", Path(folder) / "prod.parquet"
        data_checks.generate(args.rows, train_path, seed=14)
        data_checks.generate(args.rows, production_path, seed=15)
        train = pl.read_parquet(train_path)
        stored = profile.condensed(profile.of_frame(train, source="train.parquet", exact=True))
        y = labels(train, 1)
        features = train.select(NUMERIC).to_pandas()
        model = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression())
        model.fit(features[:20_000], y[:20_000])
        reference = model.predict_proba(features[20_000:25_000]), y[20_000:25_000]
        del train, features
        steps: dict[str, list[float]] = {}
        for _ in range(args.runs):
            clock = time.perf_counter()

            def lap(name: str) -> None:
                nonlocal clock
                now = time.perf_counter()
                steps.setdefault(name, []).append(now - clock)
                clock = now

            frame = pl.read_parquet(production_path)
            lap("read the Parquet file")
            made = profile.of_frame(frame, source="prod.parquet", exact=True)
            lap("profile it")
            found = drift.compare(
                stored, made, Drift(), reference_name="train", current_name="prod", exclude=("id",)
            )
            lap("drift of 19 columns")
            scores = model.predict_proba(frame.select(NUMERIC).to_pandas())
            lap("the model's predict_proba")
            estimated = estimate.estimate(
                "accuracy",
                reference_scores=reference[0],
                reference_y=reference[1],
                scores=scores,
                predicted=scores.argmax(axis=1),
            )
            lap("the label-free estimate")
            del frame, made, scores
    status = Path("/proc/self/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]
    print(f"{args.rows:,} rows, medians of {args.runs} runs, seconds")
    print("| step | median |")
    print("| --- | ---: |")
    total = 0.0
    for name, taken in steps.items():
        total += statistics.median(taken)
        print(f"| {name} | {statistics.median(taken):.2f} |")
    print(f"| **all** | **{total:.2f}** |")
    print(
        f"drifted: {', '.join(found.drifted_columns) or 'none'}; accuracy estimated "
        f"{estimated.value:.4f} ({estimated.low:.4f} to {estimated.high:.4f}), "
        f"trusted: {estimated.reliable}; peak memory {peak:,.0f} MiB "
        f"(the stored profile: {len(profile.to_json(stored)) / 1024:,.0f} KiB)"
    )


if __name__ == "__main__":
    main()
