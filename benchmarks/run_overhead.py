"""`mlgate run` on the example against a hand-written script doing the same steps.

    python benchmarks/run_overhead.py [--runs 7]

Both run the same data preparation and training subprocesses, the same data checks,
load the same model and compute the same metrics; they are timed alternately in one
run, each in a fresh copy of the example. Bar (issue 3): mlgate at most 1.15x the
hand-written script.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from _env import ROOT, WORK, mlgate_bin

EXAMPLE = ROOT / "templates" / "projects" / "breast-cancer"
HANDWRITTEN = Path(__file__).with_name("handwritten_run.py")


def fresh_copy(name: str) -> Path:
    target = WORK / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        EXAMPLE, target, ignore=shutil.ignore_patterns("data", "models", ".mlgate", "__pycache__")
    )
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "example"]):
        subprocess.run(
            ["git", *args],
            cwd=target,
            check=True,
            env={
                "GIT_AUTHOR_NAME": "bench",
                "GIT_AUTHOR_EMAIL": "b@bench.invalid",
                "GIT_COMMITTER_NAME": "bench",
                "GIT_COMMITTER_EMAIL": "b@bench.invalid",
                "PATH": _path(),
            },
        )
    return target


def _path() -> str:
    import os

    return f"{mlgate_bin()}{os.pathsep}{os.environ['PATH']}"


def timed(argv: list[str], cwd: Path) -> float:
    import os

    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, env={**os.environ, "PATH": _path()}
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bin_ = mlgate_bin()
    commands = {
        "mlgate run": ([str(bin_ / "mlgate"), "run"], "bench-mlgate"),
        "hand-written script": ([str(bin_ / "python"), str(HANDWRITTEN)], "bench-script"),
    }
    folders = {name: fresh_copy(folder) for name, (_, folder) in commands.items()}
    for name, (argv, _) in commands.items():  # warm-up: caches, .pyc files
        timed(argv, folders[name])
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (argv, _) in commands.items():
            times[name].append(timed(argv, folders[name]))
    base = statistics.median(times["hand-written script"])
    print(f"{args.runs} runs each, alternating; times in seconds\n")
    print("| command | median | min | max | median / script |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"| {name} | {median:.2f} | {min(values):.2f} | {max(values):.2f} | "
            f"{median / base:.2f} |"
        )


if __name__ == "__main__":
    main()
