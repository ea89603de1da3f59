"""Profiling a large file: mlgate's streamed profile beside reading the file whole.

    python benchmarks/profile_memory.py [--copies 6] [--runs 1]

The file: the data-checks benchmark's 1,000,000 x 20 table (benchmarks/data_checks.py,
generated there with a fixed seed) written `--copies` times over into one CSV (6: 6,000,000
rows, 1.4 GB). Each way runs in its own process; wall time and peak memory (VmHWM, not
ru_maxrss, which Linux carries over exec):

- mlgate profile: `mlgate.data.profile.of_file`, 250,000 rows a batch (what `mlgate
  profile FILE` and a drift reference over 1 GiB use);
- in memory: the file read whole by `mlgate.data.load.read` (polars) and profiled by
  `of_frame`, which is what a run does with its own train and test files;
- polars read alone: `pl.read_csv` of the same file, the floor of any tool that holds the
  table;
- whylogs, the profiling tool a user would pick, in its own environment: `why.log` of the
  file read by pandas in chunks of 250,000 rows, the chunks' profile views merged (bounded
  memory, as whylogs documents for large data), and `why.log` of the whole file.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _env  # noqa: E402

WORK = _env.WORK / "profile_memory"
SOURCE = _env.WORK / "data_checks" / "data-1000000.parquet"

WHYLOGS_PIP = ("whylogs==1.6.4", "numpy<2", "pandas<2.3", "pyarrow")  # 1.6.4 needs NumPy 1
WHYLOGS_CHUNKED = (
    "import pandas as pd, whylogs as why; view = None; rows = 0\n"
    "for chunk in pd.read_csv(path, chunksize=250_000):\n"
    "    part = why.log(chunk).view(); rows += len(chunk)\n"
    "    view = part if view is None else view.merge(part)\n"
    "view.serialize()"
)
WHYLOGS_WHOLE = (
    "import pandas as pd, whylogs as why; frame = pd.read_csv(path); rows = len(frame); "
    "why.log(frame).view().serialize()"
)
WAYS = {
    "mlgate profile (streamed)": (
        "from mlgate.data import profile; made = profile.of_file(path, 'csv'); rows = made.rows"
    ),
    "in memory (read whole, of_frame)": (
        "from mlgate.data import load, profile; "
        "made = profile.of_frame(load.read(path, 'csv')); rows = made.rows"
    ),
    "polars read alone": "import polars as pl; rows = pl.read_csv(path).height",
    "whylogs (pandas chunks, merged)": WHYLOGS_CHUNKED,
    "whylogs (whole file)": WHYLOGS_WHOLE,
}
TIMED = """
import re, sys, time
from pathlib import Path
path = Path(sys.argv[1])
start = time.perf_counter()
{body}
seconds = time.perf_counter() - start
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(rows, seconds, int(peak) / 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if not SOURCE.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks/data_checks.py"), "--runs", "0", "--no-gx"],
            check=False,
        )
    import polars as pl

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"data-x{args.copies}.csv"
    if not path.exists():
        pl.concat([pl.read_parquet(SOURCE)] * args.copies).write_csv(path)
    print(f"{path.name}: {path.stat().st_size / 1e9:.2f} GB")
    whylogs = str(_env.venv("whylogs", *WHYLOGS_PIP) / "python")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in WAYS}
    for _ in range(args.runs):
        for name, body in WAYS.items():
            python = whylogs if name.startswith("whylogs") else sys.executable
            done = subprocess.run(
                [python, "-c", TIMED.format(body=body), str(path)],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                sys.exit(f"{name} failed:\n{done.stderr[-3000:]}")
            rows, seconds, peak = done.stdout.split()
            results[name].append((float(seconds), float(peak)))
    base = statistics.median(s for s, _ in results["mlgate profile (streamed)"])
    base_mem = statistics.median(m for _, m in results["mlgate profile (streamed)"])
    print(f"{'way':36} {'seconds':>8} {'x':>6} {'peak MiB':>9} {'x':>6}  ({rows} rows)")
    for name, got in results.items():
        seconds = statistics.median(s for s, _ in got)
        peak = statistics.median(m for _, m in got)
        print(f"{name:36} {seconds:8.2f} {seconds / base:6.2f} {peak:9.0f} {peak / base_mem:6.2f}")


if __name__ == "__main__":
    main()
