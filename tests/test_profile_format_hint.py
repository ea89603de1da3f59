"""`mlgate profile FILE` on a file whose extension names no format says to pass the
command's own `--format`: it said "set data.format to one of csv, parquet, jsonl", a
manifest key profile never reads."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import mlgate


def test_an_unknown_extension_is_answered_with_the_commands_own_option(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "t.txt").write_text("x,y\n1,a\n2,b\n3,a\n")  # a CSV named .txt
    done = mlgate("-C", "exports", "profile", "t.txt", "--columns", "x", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "data file 'exports/t.txt' has extension '.txt', so its format is unknown" in (
        done.stderr
    )
    assert "data.format" not in done.stderr
    assert done.stderr.rstrip().endswith("hint: pass --format csv|parquet|jsonl"), done.stderr
    # as the hint says
    done = mlgate(
        "-C", "exports", "profile", "t.txt", "--columns", "x", "--format", "csv", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == 3


def test_json_gives_the_same_hint(tmp_path: Path) -> None:
    (tmp_path / "rows").write_text("x\n1\n")
    done = mlgate("profile", "rows", "--json", cwd=tmp_path)
    assert done.returncode == 2
    said = json.loads(done.stdout)
    assert said["error"].startswith("data file 'rows' has no extension")
    assert said["hint"] == "pass --format csv|parquet|jsonl"
