"""The code's types check: strict mypy over src/mlgate, configured in pyproject.toml
([tool.mypy]; docs/development.md says what is checked and what is Any). CI runs only
the test command, so the type check lives here."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_mypy_finds_no_errors() -> None:
    # the configuration names the files; mypy's own cache (.mypy_cache, which ignores
    # itself in git) makes a second run take seconds
    done = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, "mypy (strict, see pyproject.toml):\n" + done.stdout + done.stderr
