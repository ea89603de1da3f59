"""Promoting a 100 MB model to a second environment on the local store, beside `gto
assign` doing the same (GTO is what a user of git-tag registries would pick instead), timed
alternately in one run, each as a fresh command like a user or a CI step runs it.

    python benchmarks/promote.py [--runs 10] [--megabytes 100]

Bar (issue 6): under 0.5 s. A promotion writes one git tag and copies nothing, so the
model's size should not matter; the 100 MB model is registered once, untimed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from _env import WORK, mlgate_bin, venv

MANIFEST = """name: big
data:
  train: data/train.csv
  test: data/test.csv
  target: y
train:
  command: python train.py
evaluate:
  task: classification
environments:
  staging: {on: merge}
  production: {requires: staging}
"""
TRAIN = """import os
import joblib
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
frame = pd.read_csv(os.environ["MLGATE_DATA_TRAIN"])
model = DummyClassifier().fit(frame[["x"]], frame["y"])
model.ballast = np.random.default_rng(0).bytes(int(os.environ["BALLAST"]))  # the size
os.makedirs("models", exist_ok=True)
joblib.dump(model, os.environ["MLGATE_MODEL"])
"""
GIT = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "b@b.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "b@b.invalid",
}


def sh(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def project(folder: Path, megabytes: int, mlgate: Path) -> dict[str, str]:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    rows = "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(200))
    (folder / "data/train.csv").write_text(rows)
    (folder / "data/test.csv").write_text(rows)
    (folder / "mlops.yaml").write_text(MANIFEST)
    (folder / "train.py").write_text(TRAIN)
    (folder / ".gitignore").write_text("models/\n")
    env = {
        **os.environ,
        **GIT,
        "BALLAST": str(megabytes << 20),
        "PATH": f"{mlgate}:{os.environ['PATH']}",
    }
    sh(["git", "init", "-q", "-b", "main"], folder, env)
    sh(["git", "add", "-A"], folder, env)
    sh(["git", "commit", "-q", "-m", "big"], folder, env)
    sh(["mlgate", "run"], folder, env)
    sh(["mlgate", "register"], folder, env)
    sh(["mlgate", "promote", "v0.1.0", "--to", "staging"], folder, env)
    size = (folder / "models/model.joblib").stat().st_size
    print(f"model: {size / 2**20:.0f} MiB")
    return env


def forget_production(folder: Path, env: dict[str, str]) -> None:
    tags = subprocess.run(
        ["git", "tag", "--list", "big#production#*"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if tags:
        sh(["git", "tag", "-d", *tags], folder, env)


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    sh(argv, cwd, env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    mlgate = mlgate_bin()
    gto = venv("gto", "gto")
    folder = WORK / "promote"
    env = project(folder, args.megabytes, mlgate)
    ours, theirs = [], []
    for _ in range(args.runs):
        # each round: production gets the version (timed), then loses it again (untimed)
        ours.append(timed(["mlgate", "promote", "v0.1.0", "--to", "production"], folder, env))
        forget_production(folder, env)
        theirs.append(
            timed(
                [
                    str(gto / "gto"),
                    "assign",
                    "big",
                    "--version",
                    "v0.1.0",
                    "--stage",
                    "production",
                    "--force",
                ],
                folder,
                env,
            )
        )
        forget_production(folder, env)
    for name, found in (("mlgate promote", ours), ("gto assign", theirs)):
        print(f"{name:<16} median {statistics.median(found):.3f} s, min {min(found):.3f} s")
    print(f"ratio mlgate/gto: {statistics.median(ours) / statistics.median(theirs):.2f}")


if __name__ == "__main__":
    main()
