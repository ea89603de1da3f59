"""Fingerprinting data files that DVC does not track, beside `dvc add` of the same files.

    python benchmarks/hashing.py [--gib 1] [--files 1] [--runs 3]

Bar (issue 14): hashing is at least as fast as `dvc add` on the same data (dvc#10251
reported 6:52 for `dvc add` where a parallel md5sum took 5.9 s).

The data: `--files` files of random bytes, `--gib` GiB in all, written once under
benchmarks/.work/hashing/ (and read once before timing, so both tools start with the
files in the page cache). mlgate: `mlgate.data.fingerprint.file_fingerprint` (sha256, in
1 MiB blocks) of each file, in a process of its own. DVC: `dvc add` of the same files in
a fresh `git init` + `dvc init` repository each run (DVC hashes with MD5 and copies each
file into its cache). Also `md5sum` and `sha256sum`, the floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "hashing"
DVC = shutil.which("dvc", path=str(Path(sys.executable).parent)) or "dvc"

MLGATE = """
import sys, time
from pathlib import Path
from mlgate.data.fingerprint import file_fingerprint
t = time.perf_counter()
for name in sys.argv[1:]:
    file_fingerprint(Path(name), Path(name).parent)
print(time.perf_counter() - t)
"""


def files(gib: float, count: int) -> list[Path]:
    WORK.mkdir(parents=True, exist_ok=True)
    size = int(gib * 2**30 / count)
    made = []
    for i in range(count):
        path = WORK / f"data-{i}.bin"
        if not path.exists() or path.stat().st_size != size:
            with path.open("wb") as out:
                left = size
                while left:
                    block = min(left, 64 * 2**20)
                    out.write(os.urandom(block))
                    left -= block
        made.append(path)
    for path in made:  # into the page cache, for every tool alike
        with path.open("rb") as stream:
            while stream.read(64 * 2**20):
                pass
    return made


def timed(argv: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]}: {done.stderr[-2000:]}")
    return time.perf_counter() - t


def dvc_add(paths: list[Path]) -> float:
    repo = WORK / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([DVC, "init", "-q"], cwd=repo, check=True)
    subprocess.run([DVC, "config", "core.analytics", "false"], cwd=repo, check=True)
    for path in paths:
        shutil.copyfile(path, repo / path.name)  # dvc add tracks files inside its repository
        with (repo / path.name).open("rb") as stream:
            while stream.read(64 * 2**20):
                pass
    return timed([DVC, "add", "-q", *(p.name for p in paths)], repo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--files", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    paths = files(args.gib, args.files)
    names = [str(p) for p in paths]
    found: dict[str, list[float]] = {
        "mlgate (sha256)": [],
        "dvc add": [],
        "md5sum": [],
        "sha256sum": [],
    }
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", MLGATE, *names], capture_output=True, text=True
        )
        found["mlgate (sha256)"].append(float(done.stdout.strip()))
        found["dvc add"].append(dvc_add(paths))
        found["md5sum"].append(timed(["md5sum", *names], WORK))
        found["sha256sum"].append(timed(["sha256sum", *names], WORK))
    mine = statistics.median(found["mlgate (sha256)"])
    print(f"{args.gib:g} GiB in {args.files} files; medians of {args.runs} runs")
    print("| tool | median s | GiB/s | time / mlgate's |")
    print("| --- | ---: | ---: | ---: |")
    for name, times in found.items():
        median = statistics.median(times)
        print(f"| {name} | {median:.2f} | {args.gib / median:.2f} | {median / mine:.2f} |")


if __name__ == "__main__":
    main()
