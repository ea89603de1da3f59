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


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                               monkeypatch) -> None:
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
