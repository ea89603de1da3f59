"""What mlgate writes is an ordinary file of the user's: its mode follows the umask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640)])
def test_init_writes_files_the_umask_allows(tmp_path: Path, umask: int, expected: int) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import os, sys; os.umask({umask}); "
            "from mlgate.cli import main; sys.exit(main(sys.argv[1:]))",
            "init",
            "--example",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    modes = {
        str(p.relative_to(tmp_path)): p.stat().st_mode & 0o777
        for p in tmp_path.rglob("*")
        if p.is_file()
    }
    assert "mlops.yaml" in modes and ".github/workflows/mlgate.yml" in modes
    assert {path: mode for path, mode in modes.items() if mode != expected} == {}
