"""The code base stays ruff-clean and ruff-formatted; CI runs only the test command, so the
lint lives here."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT

CODE = ["src", "tests", "benchmarks", "scripts"]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", *CODE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def test_ruff_finds_nothing() -> None:
    done = ruff("check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_code_is_as_ruff_format_writes_it() -> None:
    done = ruff("format", "--check")
    assert done.returncode == 0, "run `ruff format " + " ".join(CODE) + "`:\n" + done.stdout
