"""Rendering a run's report, and mlgate's DVC-format metrics diff beside DVC's own.

    python benchmarks/report_render.py [--runs 50]

Bar (issue 4): rendering the report from a run result under 50 ms. Measured in-process
on (a) a real run of the example project compared with its base branch (114 rows), and
(b) a binary run of 100,000 rows, where the curves are computed from the stored
predictions. Then, as whole commands started alternately: `mlgate compare --format dvc`
against `dvc metrics diff --json`, and `mlgate report` against `dvc metrics diff --md`,
the report a DVC user would post instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _env import ROOT, mlgate_bin, others_bin

EXAMPLE = ROOT / "templates" / "projects" / "breast-cancer"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def example_repo(folder: Path) -> Path:
    """The example on main, and a branch that changes C; metrics.json for DVC beside it."""
    root = folder / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", "models", ".mlgate"))
    git(root, "init", "-q", "-b", "main")
    (root / "dvc.yaml").write_text("metrics:\n  - metrics.json\n")
    (root / "metrics.json").write_text(json.dumps({"f1": 0.97, "roc_auc": 0.99}))
    git(root, "add", "-A")
    git(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "main")
    git(root, "checkout", "-q", "-b", "feature")
    params = (root / "params.yaml").read_text()
    (root / "params.yaml").write_text(params.replace("C: 0.5", "C: 0.2"))
    (root / "metrics.json").write_text(json.dumps({"f1": 0.96, "roc_auc": 0.995}))
    git(root, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "C")
    subprocess.run([str(others_bin() / "dvc"), "init", "-q"], cwd=root, check=True)
    return root


def big_result(template):  # -> RunResult with 100,000 binary rows
    import numpy as np

    from mlgate.result import arrays

    rng = np.random.default_rng(0)
    rows = 100_000
    y = rng.integers(0, 2, rows)
    p = np.clip(y * 0.6 + rng.normal(0.2, 0.25, rows), 0, 1)
    scores = np.column_stack([1 - p, p])
    pred = template.evaluate.predictions
    big = replace(
        pred,
        rows=rows,
        row_keys=arrays.encode(rng.integers(0, 2**63, rows, dtype=np.uint64)),
        y_true=arrays.encode(y),
        y_pred=arrays.encode((p > 0.5).astype(np.int64)),
        scores=arrays.encode(scores),
    )
    return replace(template, evaluate=replace(template.evaluate, predictions=big))


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from mlgate import manifest, pipeline
    from mlgate.report import markdown

    with tempfile.TemporaryDirectory() as tmp:
        root = example_repo(Path(tmp))
        loaded = manifest.load(root / "mlops.yaml")
        result = pipeline.run(loaded, env={**os.environ, "GITHUB_BASE_REF": "main"})
        assert result.compare is not None and result.compare.baseline.kind == "git"
        big = big_result(result)
        rows = [
            (
                "render, example vs main (114 rows)",
                median_ms(lambda: markdown.render(result, loaded), args.runs),
            ),
            (
                "render, 100,000 rows (curves included)",
                median_ms(lambda: markdown.render(big, loaded), args.runs),
            ),
            (
                "render within the comment limit",
                median_ms(
                    lambda: markdown.render(result, loaded, limit=markdown.COMMENT_LIMIT), args.runs
                ),
            ),
        ]
        print(f"{'in-process':48} {'median ms':>10}")
        for name, ms in rows:
            print(f"{name:48} {ms:10.1f}")

        mlgate, dvc = str(mlgate_bin() / "mlgate"), str(others_bin() / "dvc")
        pairs = {
            "metrics diff JSON": (
                [mlgate, "compare", "--format", "dvc", "main", "feature"],
                [dvc, "metrics", "diff", "main", "feature", "--json"],
            ),
            "report Markdown": (
                [mlgate, "report"],
                [dvc, "metrics", "diff", "main", "feature", "--md"],
            ),
        }
        env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
        print(
            f"\n{'command (median of 10, alternated)':36} {'mlgate s':>9} {'dvc s':>9} {'ratio':>6}"
        )
        for name, (ours, theirs) in pairs.items():
            a, b = [], []
            for _ in range(10):
                for argv, into in ((ours, a), (theirs, b)):
                    start = time.perf_counter()
                    subprocess.run(argv, cwd=root, env=env, check=True, capture_output=True)
                    into.append(time.perf_counter() - start)
            ma, mb = statistics.median(a), statistics.median(b)
            print(f"{name:36} {ma:9.3f} {mb:9.3f} {ma / mb:6.2f}")


if __name__ == "__main__":
    main()
