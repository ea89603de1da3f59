"""Atomic writes: the old file or the new one, never a torn one, and no litter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgate import atomic


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "run.json"
    atomic.write_text(target, "first")
    atomic.write_text(target, "second é")
    assert target.read_bytes() == "second é".encode()
    assert os.listdir(target.parent) == ["run.json"]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "run.json"
    target.write_bytes(b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        atomic.write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["run.json"]


def test_a_write_failing_midway_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "run.json"
    target.write_bytes(b"old")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        atomic.write_bytes(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["run.json"]


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_honours_the_umask(tmp_path: Path, umask: int, expected: int) -> None:
    previous = os.umask(umask)
    try:
        atomic.write_text(tmp_path / "report.md", "x")
    finally:
        os.umask(previous)
    assert (tmp_path / "report.md").stat().st_mode & 0o777 == expected


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "deploy.sh"
    target.write_text("old")
    target.chmod(0o750)
    atomic.write_text(target, "new")
    assert target.stat().st_mode & 0o777 == 0o750 and target.read_text() == "new"


def test_an_explicit_mode_wins(tmp_path: Path) -> None:
    atomic.write_bytes(tmp_path / "run.sh", b"#!/bin/sh\n", mode=0o755)
    assert (tmp_path / "run.sh").stat().st_mode & 0o777 == 0o755


def test_no_temporary_file_of_a_write_is_committed() -> None:
    """An atomic write's temporary file (`.NAME.HEX.tmp`) was committed once, and shipped
    in every wheel built from the checkout."""
    import re
    import subprocess

    from tests.conftest import REPO_ROOT

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    left = [p for p in tracked if re.search(r"(^|/)\.[^/]+\.[0-9a-f]{32}\.tmp$", p)]
    assert left == []


def test_files_written_together_are_all_replaced_or_none(tmp_path: Path, monkeypatch) -> None:
    """A run compared again (`compare --run`) wrote its new report, then failed to write its
    result: a report saying FAILED beside a result saying passed. The second file's write
    failing leaves both as they were, no temporary left, and the error names the file."""
    report, result = tmp_path / "report.md", tmp_path / "run.json"
    report.write_bytes(b"old report")
    result.write_bytes(b"old result")
    synced = os.fsync

    def full_on_the_result(fd: int) -> None:
        if ".run.json." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(28, "No space left on device")
        synced(fd)

    monkeypatch.setattr(os, "fsync", full_on_the_result)
    with pytest.raises(OSError) as failed:
        atomic.write_all([(report, b"new report"), (result, b"new result")])
    assert failed.value.filename == str(result)
    assert (report.read_bytes(), result.read_bytes()) == (b"old report", b"old result")
    assert sorted(os.listdir(tmp_path)) == ["report.md", "run.json"]
    monkeypatch.setattr(os, "fsync", synced)
    atomic.write_all([(report, b"new report"), (result, b"new result")])
    assert (report.read_bytes(), result.read_bytes()) == (b"new report", b"new result")


def test_a_rename_failing_midway_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    """The files before it are new (renames need no space: give first what the others
    describe); the rest as they were, and no temporary name left beside them."""
    first, second = tmp_path / "run.json", tmp_path / "report.md"
    first.write_bytes(b"old result")
    second.write_bytes(b"old report")
    replace = os.replace

    def interrupted_at_the_second(src: str, dst: str) -> None:
        if str(dst).endswith("report.md"):
            raise KeyboardInterrupt
        replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupted_at_the_second)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_all([(first, b"new result"), (second, b"new report")])
    assert (first.read_bytes(), second.read_bytes()) == (b"new result", b"old report")
    assert sorted(os.listdir(tmp_path)) == ["report.md", "run.json"]
