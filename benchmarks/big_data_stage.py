"""The data stage on a training file too big to hold: `mlgate check data` on a 6,000,000-row
CSV (1.4 GB) as mlgate runs it (over `load.STREAM_ABOVE`: written once as Parquet, checked
through scans of it, profiled in batches) beside the same run with the file read whole.

    python benchmarks/big_data_stage.py [--rows 6000000] [--runs 1]

The checks are `data_checks.py`'s 55 on the training CSV and on a 250,000-row Parquet test
file, with drift of both against a 1,000,000-row Parquet reference (`check_data.py`'s
project, the training data written as CSV). Each way runs in its own process; peak memory
is the process's own high-water mark (VmHWM). The benchmark stops unless both ways give
every check the same status and every column the same drift verdict.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _env  # noqa: E402
import check_data  # noqa: E402

RUN = """
import re, sys
from pathlib import Path
from mlgate.cli import main
from mlgate.data import load
load.STREAM_ABOVE = int(sys.argv[1])
code = main(["check", "data", "--json", "-C", sys.argv[2]])
status = Path("/proc/self/status").read_text()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1), file=sys.stderr)
sys.exit(code)
"""
WAYS = {"mlgate (streamed: the default above 1 GiB)": 1 << 30, "read whole": 1 << 50}


def project(rows: int, test_rows: int) -> Path:
    folder = check_data.write_project(rows, test_rows, train_format="csv")
    size = (folder / "data" / "train.csv").stat().st_size
    print(f"train.csv: {rows:,} rows, {size / 1e9:.2f} GB")
    return folder


def run(python: Path, limit: int, folder: Path) -> tuple[float, float, dict[str, object]]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(python), "-c", RUN, str(limit), str(folder)], capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"mlgate check data exited {done.returncode}:\n{done.stderr[-3000:]}")
    peak = int(done.stderr.split()[-1]) / 1024
    return seconds, peak, json.loads(done.stdout)


def outcome(output: dict[str, object]) -> tuple[object, object]:
    checks = output["checks"]
    drift = output["drift"]
    assert isinstance(checks, list) and isinstance(drift, list)
    statuses = sorted((c["id"], c["status"]) for c in checks)
    drifted = sorted({(d["current"], d["column"]) for d in drift if d["drifted"]})
    return statuses, drifted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--test-rows", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    python = _env.mlgate_bin() / "python"
    folder = project(args.rows, args.test_rows)
    found: dict[str, list[tuple[float, float]]] = {way: [] for way in WAYS}
    seen = {}
    for _ in range(args.runs):
        for way, limit in WAYS.items():
            seconds, peak, output = run(python, limit, folder)
            found[way].append((seconds, peak))
            seen[way] = outcome(output)
    first, *others = seen.values()
    if any(other != first for other in others):
        sys.exit(f"the ways disagree: {seen}")
    statuses, drifted = first
    failed = sum(1 for _, s in statuses if s == "failed")  # type: ignore[union-attr]
    print(f"{len(statuses)} checks, {failed} failed, drifted {drifted}: the same both ways")  # type: ignore[arg-type]
    base = statistics.median(s for s, _ in found[next(iter(WAYS))])
    print(f"{'way':44} {'seconds':>8} {'x':>6} {'peak MiB':>9}")
    for way, got in found.items():
        seconds = statistics.median(s for s, _ in got)
        peak = statistics.median(m for _, m in got)
        print(f"{way:44} {seconds:8.2f} {seconds / base:6.2f} {peak:9.0f}")
    print(f"(polars {pl.__version__}; {args.runs} run(s) each, medians)")


if __name__ == "__main__":
    main()
