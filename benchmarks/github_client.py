"""Why a thin client over httpx: import time and installed size beside githubkit and PyGithub.

    python benchmarks/github_client.py [--runs 10]

Each library gets its own venv (benchmarks/.work/gh-*); the import is timed in a fresh
interpreter each time (median), and the size is what the venv's site-packages grew by.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

from _env import venv

# githubkit 0.16.1 does not import with hishel 2.0 (CachePolicy is gone): pinned below it
LIBRARIES = {"httpx": (("httpx",), "import httpx"),
             "githubkit": (("githubkit", "hishel<2"), "import githubkit; githubkit.GitHub"),
             "PyGithub": (("PyGithub",), "import github; github.Github")}


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    floor = venv("gh-floor", "pip")
    base = size_mb(next((floor.parent / "lib").glob("python3*/site-packages")))
    print(f"{'library':12} {'import ms':>10} {'installed MB':>13}")
    for name, (requirements, statement) in LIBRARIES.items():
        bin_dir = venv(f"gh-{name.lower()}", *requirements)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([str(bin_dir / "python"), "-c", statement], check=True)
            times.append(time.perf_counter() - start)
        empty = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([str(bin_dir / "python"), "-c", "pass"], check=True)
            empty.append(time.perf_counter() - start)
        site = next((bin_dir.parent / "lib").glob("python3*/site-packages"))
        ms = (statistics.median(times) - statistics.median(empty)) * 1000
        print(f"{name:12} {ms:10.0f} {size_mb(site) - base:13.1f}")


if __name__ == "__main__":
    main()
