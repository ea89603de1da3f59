"""`mlgate run` on a DVC pipeline against `dvc repro` and `dvc metrics show` on the same one.

    python benchmarks/dvc_run.py [--runs 3]

The example project as a DVC user keeps it: `dvc.yaml` has a `prepare` stage (writes the
train and test files), a `train` stage (writes the model) and, for DVC alone, an
`evaluate` stage (the example's four metrics with scikit-learn, into metrics.json).
mlgate's manifest runs the first two through DVC (`data.prepare: dvc repro prepare`,
`train: {dvc: train}`), checks the data between them and scores the model itself.

Two cases, each timed alternately in one run, each tool in its own copy (a git and DVC
repository):
- nothing changed: every stage is up to date; DVC checks its hashes and skips them all.
- params changed: `train.C` is set to a new value before each timed command, so the
  training stage runs again (and, for DVC, the evaluation).

mlgate calls `dvc repro` twice (once for data.prepare before the data checks, once for
the training stage after them), so it pays DVC's start-up twice; what that costs is the
difference this measures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import yaml
from _env import ROOT, WORK, mlgate_bin, venv

EXAMPLE = ROOT / "templates" / "projects" / "breast-cancer"

DVC_YAML = {
    "stages": {
        "prepare": {
            "cmd": "python prepare.py",
            "deps": ["prepare.py"],
            "params": ["prepare"],
            "outs": ["data/train.csv", "data/test.csv"],
        },
        "train": {
            "cmd": "python train.py",
            "deps": ["train.py", "data/train.csv"],
            "params": ["train"],
            "outs": ["models/model.joblib"],
        },
        "evaluate": {
            "cmd": "python evaluate.py",
            "deps": ["evaluate.py", "models/model.joblib", "data/test.csv"],
            "metrics": [{"metrics.json": {"cache": False}}],
        },
    }
}

EVALUATE = '''"""The example's four metrics on the test file, as a DVC user writes them."""
import json
import joblib
import pandas as pd
from sklearn import metrics

test = pd.read_csv("data/test.csv")
y = test.pop("diagnosis")
model = joblib.load("models/model.joblib")
said = model.predict(test)
scores = model.predict_proba(test)[:, list(model.classes_).index("malignant")]
json.dump({
    "accuracy": metrics.accuracy_score(y, said),
    "f1": metrics.f1_score(y, said, pos_label="malignant"),
    "roc_auc": metrics.roc_auc_score(y == "malignant", scores),
    "log_loss": metrics.log_loss(y, model.predict_proba(test), labels=model.classes_),
}, open("metrics.json", "w"), indent=1)
'''

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "b@bench.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "b@bench.invalid",
}


def project(name: str, tools: Path) -> Path:
    """The example as a committed DVC pipeline, reproduced once."""
    target = WORK / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        EXAMPLE, target, ignore=shutil.ignore_patterns("data", "models", ".mlgate", "__pycache__")
    )
    manifest = (target / "mlops.yaml").read_text()
    manifest = manifest.replace("prepare: python prepare.py", "prepare: dvc repro prepare")
    manifest = manifest.replace("  command: python train.py\n", "  dvc: train\n")
    (target / "mlops.yaml").write_text(manifest)
    (target / "dvc.yaml").write_text(yaml.safe_dump(DVC_YAML, sort_keys=False))
    (target / "evaluate.py").write_text(EVALUATE)
    (target / ".gitignore").write_text("/.mlgate/\n")
    run(["git", "init", "-q"], target, tools)
    run(["dvc", "init", "-q"], target, tools)
    run(["dvc", "repro", "-q"], target, tools)
    run(["git", "add", "-A"], target, tools)
    run(["git", "commit", "-q", "-m", "example as a DVC pipeline"], target, tools)
    return target


def run(argv: list[str], cwd: Path, tools: Path) -> float:
    env = {**os.environ, **GIT_ENV, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def set_c(folder: Path, value: float) -> None:
    path = folder / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params["train"]["C"] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(
        [str(mlgate_bin() / "pip"), "install", "-q", f"{ROOT}[dvc]"], check=True
    )  # DVC beside mlgate, as `mlgate[dvc]` installs it
    tools = {
        "mlgate run": mlgate_bin(),
        "dvc repro && dvc metrics show": venv("others", "dvc", "mlflow"),
    }
    folders = {
        "mlgate run": project("dvc-mlgate", tools["mlgate run"]),
        "dvc repro && dvc metrics show": project("dvc-dvc", tools["dvc repro && dvc metrics show"]),
    }

    def once(name: str) -> float:
        folder, bin_ = folders[name], tools[name]
        if name == "mlgate run":
            return run([str(bin_ / "mlgate"), "run", "--no-post"], folder, bin_)
        return run(["dvc", "repro", "-q"], folder, bin_) + run(
            ["dvc", "metrics", "show"], folder, bin_
        )

    times: dict[str, dict[str, list[float]]] = {"nothing changed": {}, "params changed": {}}
    for name in folders:  # warm-up: caches, .pyc files, mlgate's first run
        once(name)
    for case in times:
        times[case] = {name: [] for name in folders}
        for i in range(args.runs):
            for name in folders:
                if case == "params changed":
                    set_c(folders[name], 0.5 + 0.1 * (i + 1))
                times[case][name].append(once(name))
    print(f"{args.runs} runs each, alternating; times in seconds\n")
    print("| case | command | median | min | max | mlgate / DVC |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for case, by_tool in times.items():
        base = statistics.median(by_tool["dvc repro && dvc metrics show"])
        for name, values in by_tool.items():
            median = statistics.median(values)
            print(
                f"| {case} | {name} | {median:.2f} | {min(values):.2f} | {max(values):.2f} | "
                f"{median / base:.2f} |"
            )


if __name__ == "__main__":
    main()
