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


def test_windows_line_ends_read_as_unix_across_a_block_boundary(tmp_path: Path) -> None:
    """DVC 2's hash of a text file: CRLF read as LF, also where a block ends between them."""

    from mlgate.data.fingerprint import BLOCK

    content = b"a" * (BLOCK - 1) + b"\r\n" + b"b\r\nc\r" + b"\r\n"
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    _, md5s = fingerprint.with_md5(path, tmp_path, unix_lines=True)
    assert md5s == {
        hashlib.md5(content).hexdigest(),
        hashlib.md5(content.replace(b"\r\n", b"\n")).hexdigest(),
    }
    _, raw = fingerprint.with_md5(path, tmp_path)
    assert raw == {hashlib.md5(content).hexdigest()}
