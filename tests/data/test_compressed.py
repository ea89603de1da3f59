"""A compressed data file is said to be one, with the command that decompresses it: a
gzipped CSV was first "set data.format", then, read as CSV, "not UTF-8: convert it with
`iconv ... > FILE.utf8 && mv FILE.utf8 FILE`", which would have replaced the archive with
mangled bytes."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import pytest

from mlgate.data import load
from mlgate.errors import ManifestError, UserError
from mlgate.manifest import data_formats, parse

CSV = b"a,b,y\n1,2,0\n3,4,1\n" * 50


@pytest.mark.parametrize(
    ("name", "packed", "command"),
    [  # named: a test id made of the bytes (gzip's hold the time) differed between workers
        pytest.param("prod.csv.gz", gzip.compress(CSV, mtime=0), "gunzip -c", id="gzip"),
        pytest.param("prod.csv.bz2", bz2.compress(CSV), "bunzip2 -c", id="bzip2"),
    ],
)
def test_a_compressed_file_read_as_csv_says_to_decompress_it_never_iconv(
    tmp_path: Path, name: str, packed: bytes, command: str
) -> None:
    path = tmp_path / name
    path.write_bytes(packed)
    with pytest.raises(UserError) as refused:
        load.read(path, "csv")
    said = f"{refused.value.message} {refused.value.hint or ''}"
    assert "compressed" in said and f"`{command} {path} > {tmp_path / 'prod.csv'}`" in said
    assert "iconv" not in said
    assert path.read_bytes() == packed
    with pytest.raises(UserError, match=r"-compressed; mlgate reads CSV, Parquet and JSON"):
        data_formats.detect_format(path, "auto")  # by its name, before any byte is read


def test_validate_says_a_compressed_data_file_is_compressed(tmp_path: Path) -> None:
    text = (
        b"name: m\ndata: {train: data/train.csv.gz, test: data/test.csv, target: y}\n"
        b"train: {command: python t.py}\n"
    )
    with pytest.raises(ManifestError) as refused:
        parse(text, name="mlops.yaml", root=tmp_path, files=False)
    (problem,) = [p for p in refused.value.problems if p.path == "data.train"]
    assert "'data/train.csv.gz' is gzip-compressed" in problem.message
    assert "set data.format" not in problem.message


def test_the_command_given_decompresses_a_file_named_as_csv_too(tmp_path: Path) -> None:
    """A gzip file named .csv was told `gunzip -k FILE`, which gunzip refuses for a name
    without .gz ("unknown suffix -- ignored"): the command given now works as written."""
    import re
    import subprocess

    path = tmp_path / "prod.csv"
    path.write_bytes(gzip.compress(CSV, mtime=0))
    with pytest.raises(UserError) as refused:
        load.read(path, "csv")
    command = re.search(r"`(gunzip -c [^`]+)`", refused.value.message)
    assert command is not None, refused.value.message
    subprocess.run(command.group(1), shell=True, check=True, cwd=tmp_path)
    assert (tmp_path / "prod.csv.out").read_bytes() == CSV
