"""A sweep run here in parallel against the same configurations one after another, and
the sweep's own overhead.

    python benchmarks/sweep.py [--configurations 16] [--trivial 8] [--runs 2]

Bars (issue 17): 16 configurations on 2 cores in at most 0.6x the time of running them
one after another; the sweep's overhead under 0.5 s for 8 trivial configurations.

The project is scikit-learn's breast-cancer data (455 training rows, 114 test rows) with
a logistic regression whose C the grid varies. "One after another" is `mlgate sweep
--workers 1` (the same copies and runs, one at a time) and, beside it, what a user would
do by hand: `mlgate run` once per configuration, the params file edited between runs.
Overhead is the sweep's wall time less the configurations' own run times (each run's
`duration_s`) spread over the workers: copying each project, starting its worker
process, and ranking. A trivial configuration trains a model that predicts the majority
class (`DummyClassifier`), so its run is mostly mlgate's own work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAIN = """\
import os, joblib, pandas as pd, yaml
from sklearn.linear_model import LogisticRegression
params = yaml.safe_load(open(os.environ["MLGATE_PARAMS"]))
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = LogisticRegression(C=params["train"]["C"], max_iter=2000)
model.fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""
TRIVIAL = """\
import os, joblib, pandas as pd
from sklearn.dummy import DummyClassifier
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
target = os.environ["MLGATE_TARGET"]
model = DummyClassifier().fit(frame.drop(columns=[target]), frame[target])
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""
MANIFEST = """\
name: cancer
data: {{train: data/train.csv, test: data/test.csv, target: target}}
train: {{command: python train.py}}
evaluate: {{metrics: [accuracy]}}
sweep:
  grid: {{train.C: {values}}}
"""


def project(folder: Path, count: int, train: str) -> Path:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    test = frame.index % 5 == 0
    (folder / "data").mkdir(parents=True)
    frame[~test].to_csv(folder / "data" / "train.csv", index=False)
    frame[test].to_csv(folder / "data" / "test.csv", index=False)
    values = [round(0.001 * 2**i, 6) for i in range(count)]
    (folder / "mlops.yaml").write_text(MANIFEST.format(values=json.dumps(values)))
    (folder / "params.yaml").write_text("train:\n  C: 1.0\n")
    (folder / "train.py").write_text(train)
    return folder


def mlgate(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mlgate", "-C", str(root), *args],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def by_hand(root: Path, count: int) -> float:
    """`mlgate run` once per configuration, the params file edited between runs."""
    started = time.perf_counter()
    for i in range(count):
        (root / "params.yaml").write_text(f"train:\n  C: {round(0.001 * 2**i, 6)}\n")
        subprocess.run(
            [sys.executable, "-m", "mlgate", "-C", str(root), "run", "--json"],
            capture_output=True,
        )
    return time.perf_counter() - started


def swept(root: Path, workers: int) -> tuple[float, float]:
    """The sweep's wall time, and its configurations' own run times summed."""
    import shutil

    shutil.rmtree(root / ".mlgate", ignore_errors=True)
    wall = mlgate(root, "sweep", "--workers", str(workers), "--json")
    runs = sum(
        json.loads(p.read_text())["duration_s"]
        for p in (root / ".mlgate" / "sweeps").glob("*/.mlgate/runs/*/run.json")
    )
    return wall, runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configurations", type=int, default=16)
    parser.add_argument("--trivial", type=int, default=8)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        real = project(Path(folder) / "real", args.configurations, TRAIN)
        hand = project(Path(folder) / "hand", args.configurations, TRAIN)
        trivial = project(Path(folder) / "trivial", args.trivial, TRIVIAL)
        parallel, sequential, manual, overheads = [], [], [], []
        for _ in range(args.runs):
            parallel.append(swept(real, 2)[0])
            sequential.append(swept(real, 1)[0])
            manual.append(by_hand(hand, args.configurations))
            wall, runs = swept(trivial, 2)
            overheads.append(wall - runs / 2)
        p, s, m = (statistics.median(x) for x in (parallel, sequential, manual))
        print(f"{args.configurations} configurations, median of {args.runs} runs:")
        print(f"  mlgate sweep --workers 2    {p:7.2f} s")
        print(f"  mlgate sweep --workers 1    {s:7.2f} s   parallel/sequential {p / s:.2f}x")
        print(f"  mlgate run, one by one      {m:7.2f} s   parallel/by hand {p / m:.2f}x")
        each = ", ".join(f"{o:.2f}" for o in overheads)
        print(
            f"{args.trivial} trivial configurations, 2 workers: overhead "
            f"{statistics.median(overheads):.2f} s (each run: {each})"
        )


if __name__ == "__main__":
    main()
