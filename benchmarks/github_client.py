"""Why a thin client over httpx: import time and installed size beside githubkit and PyGithub.

    python benchmarks/github_client.py [--runs 10] [--work /tmp/mlgate-bench-github]

Each library gets a scratch venv of its own under --work (created on first use, reused
after). Import time is the median of --runs fresh `python -c "import X"` processes, shown
as measured and less the median of an empty interpreter's start (`python -c pass`) in the
same venv. Size is what the venv's site-packages grew by over an empty venv's, with
everything the library pulled in.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

# (requirements, import statement touching the client class, distribution whose version shows)
# githubkit 0.16.1 does not import with hishel 2.0 (`CachePolicy` is gone): pinned below it
LIBRARIES = {
    "httpx": (("httpx",), "import httpx; httpx.Client", "httpx"),
    "githubkit": (("githubkit", "hishel<2"), "import githubkit; githubkit.GitHub", "githubkit"),
    "PyGithub": (("PyGithub",), "import github; github.Github", "PyGithub"),
}


def venv(work: Path, name: str, requirements: tuple[str, ...]) -> Path:
    """The venv's python, with `requirements` installed (once; a marker says which)."""
    folder = work / name
    marker = folder / ".installed"
    wanted = "\n".join(requirements)
    if not marker.exists() or marker.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        if requirements:
            pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "-q"]
            subprocess.run([*pip, "--disable-pip-version-check", *requirements], check=True)
        marker.write_text(wanted)
    return folder / "bin" / "python"


def site_mb(python: Path) -> float:
    site = next((python.parent.parent / "lib").glob("python3*/site-packages"))
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6


def median_ms(python: Path, statement: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(python), "-c", statement], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def installed(python: Path) -> dict[str, str]:
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(listed)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", type=Path, default=Path("/tmp/mlgate-bench-github"))
    args = parser.parse_args()
    empty = venv(args.work, "empty", ())
    floor_mb, floor_packages = site_mb(empty), len(installed(empty))
    print(f"Python {sys.version.split()[0]}, {args.runs} runs each, venvs in {args.work}\n")
    print(
        "| library | version | import ms (median) | over an empty interpreter | "
        "installed MB | packages |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, (requirements, statement, dist) in LIBRARIES.items():
        python = venv(args.work, name.lower(), requirements)
        versions = installed(python)
        raw = median_ms(python, statement, args.runs)
        bare = median_ms(python, "pass", args.runs)
        print(
            f"| {name} | {versions.get(dist.lower(), '?')} | {raw:.0f} | {raw - bare:.0f} | "
            f"{site_mb(python) - floor_mb:.1f} | {len(versions) - floor_packages} |"
        )


if __name__ == "__main__":
    main()
