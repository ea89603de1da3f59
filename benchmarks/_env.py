"""Virtual environments for benchmarks: mlgate from this checkout, the other tools apart.

Each tool gets its own environment so that none slows another's start-up (a package's
.pth files run at every interpreter start). They live in benchmarks/.work/ (ignored by
git) and are reused between runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"


def venv(name: str, *requirements: str) -> Path:
    """The bin/ folder of a venv holding `requirements`, created on first use."""
    folder = WORK / name
    marker = folder / ".installed"
    wanted = "\n".join(requirements)
    if not marker.exists() or marker.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "-q", *requirements], check=True)
        marker.write_text(wanted)
    return folder / "bin"


def mlgate_bin() -> Path:
    """mlgate's venv, with this checkout's code installed afresh each time (deps kept)."""
    bin_dir = venv("mlgate", str(ROOT))
    subprocess.run(
        [str(bin_dir / "pip"), "install", "-q", "--no-deps", "--force-reinstall", str(ROOT)],
        check=True,
    )
    # new dependencies, and pyarrow: the benchmarks' data is Parquet
    subprocess.run([str(bin_dir / "pip"), "install", "-q", f"{ROOT}[parquet]"], check=True)
    return bin_dir


def others_bin() -> Path:
    return venv("others", "dvc", "mlflow")
