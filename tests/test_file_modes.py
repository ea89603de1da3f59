"""What mlgate writes is an ordinary file of the user's: its mode follows the umask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o027, 0o640)])
def test_init_writes_files_the_umask_allows(
    tmp_path: Path, umask: int, expected: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mlgate init` in this process under the umask (set for the command alone, as a
    shell's umask is set for what it starts; nothing else in the process writes files
    meanwhile)."""
    from mlgate.cli import main

    before = os.umask(umask)
    try:
        code = main(["init", "--example", str(tmp_path)])
    finally:
        os.umask(before)
    assert code == 0, capsys.readouterr().err
    modes = {
        str(p.relative_to(tmp_path)): p.stat().st_mode & 0o777
        for p in tmp_path.rglob("*")
        if p.is_file()
    }
    assert "mlops.yaml" in modes and ".github/workflows/mlgate.yml" in modes
    assert {path: mode for path, mode in modes.items() if mode != expected} == {}
