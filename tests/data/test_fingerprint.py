"""File fingerprints: streamed sha256, size, and a portable relative path."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mlgate.data import fingerprint
from mlgate.errors import UserError


def test_fingerprint_is_the_files_sha256_and_size(tmp_path: Path) -> None:
    path = tmp_path / "data" / "train.csv"
    path.parent.mkdir()
    path.write_bytes(b"a,b\n1,2\n")
    found = fingerprint.file_fingerprint(path, tmp_path)
    assert found.path == "data/train.csv"
    assert found.bytes == 8
    assert found.sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()


def test_a_file_of_several_blocks_hashes_whole(tmp_path: Path) -> None:
    content = bytes(range(256)) * (fingerprint.BLOCK // 256 * 3 + 7)  # 3 blocks and a bit
    path = tmp_path / "big.bin"
    path.write_bytes(content)
    found = fingerprint.file_fingerprint(path, tmp_path)
    assert found.bytes == len(content) > 3 * fingerprint.BLOCK
    assert found.sha256 == hashlib.sha256(content).hexdigest()


def test_fingerprint_is_stable_and_changes_with_one_byte(tmp_path: Path) -> None:
    content = bytearray(b"x" * (fingerprint.BLOCK + 10))
    path = tmp_path / "train.parquet"
    path.write_bytes(content)
    first = fingerprint.file_fingerprint(path, tmp_path)
    assert fingerprint.file_fingerprint(path, tmp_path) == first
    content[fingerprint.BLOCK + 5] = ord("y")  # in the second block
    path.write_bytes(content)
    changed = fingerprint.file_fingerprint(path, tmp_path)
    assert changed.sha256 != first.sha256
    assert changed.bytes == first.bytes


def test_a_file_outside_the_root_is_named_relative_to_it(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    path = tmp_path / "beside" / "test.csv"
    path.parent.mkdir()
    path.write_text("a\n1\n")
    assert fingerprint.file_fingerprint(path, root).path == "../beside/test.csv"


def test_an_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"cannot read '.*gone\.csv': No such file"):
        fingerprint.file_fingerprint(tmp_path / "gone.csv", tmp_path)
