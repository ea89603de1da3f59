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


def test_dvc_2s_hash_is_dvc_datas_a_chunk_at_a_time(tmp_path: Path) -> None:
    """DVC 2's hash of a text file reads CRLF as LF within each 1 MiB chunk alone: a
    "\r\n" split by the chunk's end stays as it is. Carrying the "\r" over gave another
    MD5, and a large CSV made on Windows was refused that `dvc status` called up to date."""
    from mlgate.data.fingerprint import BLOCK

    first = b"a,b\r\n" * ((BLOCK - 1) // 5) + b"x" * ((BLOCK - 1) % 5) + b"\r"
    content = first + b"\n1,2\r\n" + b"3,4\r\n"
    assert len(first) == BLOCK  # the chunk ends between "\r" and "\n"
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    second = content[BLOCK:]
    chunked = hashlib.md5(first.replace(b"\r\n", b"\n") + second.replace(b"\r\n", b"\n"))
    assert fingerprint.dos2unix_md5(path) == chunked.hexdigest()
    assert chunked.hexdigest() != hashlib.md5(content.replace(b"\r\n", b"\n")).hexdigest()
    _, raw = fingerprint.with_md5(path, tmp_path)
    assert raw == hashlib.md5(content).hexdigest()
    from dvc_data.hashfile.hash import file_md5  # DVC's own (dvc is in the test extras)

    assert fingerprint.dos2unix_md5(path) == file_md5(str(path), name="md5-dos2unix")


def test_dvc_2s_hash_decides_text_or_binary_per_chunk(tmp_path: Path) -> None:
    """DVC looks at each chunk's first 512 bytes: a binary chunk is hashed as it is."""
    from mlgate.data.fingerprint import BLOCK

    text = b"a\r\n" * (BLOCK // 3) + b"a" * (BLOCK % 3)
    binary = b"\x00\r\n" * 200 + b"b\r\n"
    path = tmp_path / "f.bin"
    path.write_bytes(text + binary)
    expected = hashlib.md5(text.replace(b"\r\n", b"\n") + binary).hexdigest()
    assert fingerprint.dos2unix_md5(path) == expected
    from dvc_data.hashfile.hash import file_md5

    assert fingerprint.dos2unix_md5(path) == file_md5(str(path), name="md5-dos2unix")
