"""The whole data stage as a user runs it: `mlgate check data` with the 55 checks of
`data_checks.py` on the training and the test data and drift of both against a
1,000,000-row reference, timed from the command's start to its exit.

    python benchmarks/check_data.py [--rows 1000000] [--test-rows 250000] [--runs 3]

Bar (issue 14): all checks plus drift under 5 s wall on this machine. The component
benchmarks compare each part with the tool a user would pick instead (`data_checks.py`:
pandera, Great Expectations, polars by hand; `drift.py`: Evidently, SciPy by hand); this
one measures what they leave out: the process start, reading three Parquet files, the
manifest, and the checks and drift one after the other in one run.

The data: `data_checks.generate` with three seeds (train, test, reference), so the same
eight checks fail on each data file and drift compares three samples of one distribution,
but for `tag`, whose 200 words each seed draws anew. The run's `--json` output is read
back: the benchmark stops unless it failed exactly the planted checks on each file, tested
drift on every column and flagged `tag` alone.
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
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _env  # noqa: E402
import data_checks  # noqa: E402

WORK = _env.WORK / "check_data"
SEEDS = {"train": 14, "test": 15, "reference": 16}


def write_project(rows: int, test_rows: int, *, train_format: str = "parquet") -> Path:
    """A project folder: three data files (Parquet; the training data in `train_format`)
    and a manifest naming every check."""
    project = WORK / f"{rows}-{test_rows}-{train_format}"
    data = project / "data"
    data.mkdir(parents=True, exist_ok=True)
    for role, seed in SEEDS.items():
        path = data / f"{role}.parquet"
        made = data / f"{role}.{train_format if role == 'train' else 'parquet'}"
        if not made.exists():
            data_checks.generate(test_rows if role == "test" else rows, path, seed=seed)
        if made != path and not made.exists():
            pl.read_parquet(path).write_csv(made)
            path.unlink()
    columns: dict[str, dict[str, object]] = {}
    for name, rules in data_checks.CHECKS.items():
        rules = dict(rules)
        if "quantiles" in rules:
            q, low, high = rules["quantiles"]  # type: ignore[misc]
            rules["quantiles"] = [{"q": q, "min": low, "max": high}]
        columns[name] = rules
    table = data_checks.TABLE
    fresh, age = table["freshness"]  # type: ignore[misc]
    manifest = {
        "name": "checks",
        "data": {
            "train": f"data/train.{train_format}",
            "test": "data/test.parquet",
            "reference": "data/reference.parquet",
            "target": "rating",
            "id": "id",
            "columns": columns,
            "checks": {
                "rows": {"min": table["rows"][0], "max": table["rows"][1]},  # type: ignore[index]
                "duplicates": {"max_fraction": table["duplicates"]},
                "expressions": [f"{a} >= {b}" for a, b in table["expressions"]],  # type: ignore[attr-defined]
                "freshness": {"column": fresh, "max_age": f"{age // 86_400}d"},
                "drift": True,
            },
        },
        "train": {"command": "python train.py"},
    }
    (project / "mlops.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return project


def run_once(mlgate: Path, project: Path) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(mlgate), "check", "data", "--json", "-C", str(project)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"mlgate check data exited {done.returncode}:\n{done.stderr}")
    return seconds, json.loads(done.stdout)


def verify(output: dict[str, object], columns: list[str]) -> tuple[int, int]:
    """The planted failures and nothing else, on both files; drift on every column."""
    checks = output["checks"]
    assert isinstance(checks, list)
    for role in ("train", "test"):
        prefix = f"data.{role}."
        failed = sorted(
            c["id"]
            .removeprefix(prefix)
            .removeprefix("columns.")
            .replace("quantiles[0]", "quantiles")
            for c in checks
            if c["id"].startswith(prefix) and c["status"] == "failed"
        )
        if failed != data_checks.FAILING:
            sys.exit(f"{role}: failed {failed}, planted {data_checks.FAILING}")
    drift = output["drift"]
    assert isinstance(drift, list)
    tested = {(d["current"], d["column"]) for d in drift}
    wanted = {(role, c) for role in ("train", "test") for c in columns if c != "id"}
    if not wanted <= tested:
        sys.exit(f"drift left out {sorted(wanted - tested)}")
    drifted = sorted({d["column"] for d in drift if d["drifted"]})
    if drifted != ["tag"]:
        sys.exit(f"drift flagged {drifted}, where only tag's categories differ")
    return len(checks), len(drift)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--test-rows", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    mlgate = _env.mlgate_bin() / "mlgate"
    project = write_project(args.rows, args.test_rows)
    run_once(mlgate, project)  # warm: bytecode, the page cache
    times = []
    for _ in range(args.runs):
        seconds, output = run_once(mlgate, project)
        times.append(seconds)
    columns = list(pl.read_parquet_schema(project / "data" / "reference.parquet"))
    checks, drift = verify(output, columns)
    print(
        f"mlgate check data: {args.rows:,} training rows, {args.test_rows:,} test rows, "
        f"a {args.rows:,}-row reference; {checks} checks, {drift} drift tests, tag drifted"
    )
    each = ", ".join(f"{t:.2f}" for t in times)
    print(f"wall: median {statistics.median(times):.2f} s of {args.runs} ({each})")
    print("bar: under 5 s")


if __name__ == "__main__":
    main()
