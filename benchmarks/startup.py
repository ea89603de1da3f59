"""Start-up time of `mlgate --help` and `mlgate validate`, beside `dvc --help` and
`mlflow --help`, timed alternately in one run.

    python benchmarks/startup.py [--runs 30]

Bars (issue 3): `mlgate --help` median under 80 ms; `mlgate validate` on the example
under 150 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

from _env import ROOT, WORK, mlgate_bin, others_bin

EXAMPLE = ROOT / "templates" / "projects" / "breast-cancer"


def timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    mlgate, others = mlgate_bin(), others_bin()
    broken = WORK / "broken.yaml"  # one misspelt key: the path that explains a problem
    broken.write_text((EXAMPLE / "mlops.yaml").read_text().replace("evaluate:", "evalute:"))
    commands = {
        "python -c pass (floor)": [str(mlgate / "python"), "-c", "pass"],
        "mlgate --help": [str(mlgate / "mlgate"), "--help"],
        "mlgate validate (example)": [str(mlgate / "mlgate"), "validate"],
        "mlgate validate (one problem)": [
            str(mlgate / "mlgate"),
            "--manifest",
            str(broken),
            "validate",
        ],
        "dvc --help": [str(others / "dvc"), "--help"],
        "mlflow --help": [str(others / "mlflow"), "--help"],
    }
    for argv in commands.values():  # warm the disk cache
        for _ in range(3):
            timed(argv, EXAMPLE)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # alternate, so drift in machine load hits every tool alike
        for name, argv in commands.items():
            times[name].append(timed(argv, EXAMPLE))
    base = statistics.median(times["mlgate --help"])
    print(f"{args.runs} runs each, alternating; times in ms\n")
    print("| command | median | p90 | median / mlgate --help |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in times.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"| `{name}` | {median * 1000:.0f} | {p90 * 1000:.0f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
