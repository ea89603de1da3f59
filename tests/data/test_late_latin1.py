"""A CSV byte that is not UTF-8 past the start mlgate checks itself (its first 64 KiB;
validate's first MiB) is named by its byte and line, as one in the start is: polars said
only "invalid utf-8 sequence", and a user with a 2 MB file could not find the row."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlgate.data import load, profile
from mlgate.errors import UserError
from tests.test_cli import mlgate

ROWS = 70_000  # about 2.1 MB: past the 64 KiB and the MiB read before polars
WORDS = "tea with milk and honey"


def _big(path: Path, bad_row: int | None) -> tuple[int, int]:
    """A CSV of ROWS rows; row `bad_row` (from 0) holds a Latin-1 é. The byte offset (from
    0) and line (from 1) of that é."""
    head = b"x,name,y\n"
    rows = [f"{i},{WORDS},{i % 2}\n".encode() for i in range(ROWS)]
    at = line = -1
    if bad_row is not None:
        rows[bad_row] = f"{bad_row},caf\u00e9,{bad_row % 2}\n".encode("latin-1")
        at = len(head) + sum(map(len, rows[:bad_row])) + rows[bad_row].index(b"\xe9")
        line = bad_row + 2  # the header is line 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + b"".join(rows))
    return at, line


@pytest.mark.parametrize("bad_row", [ROWS - 1, 40_000, 3])
def test_the_first_byte_that_does_not_decode_is_named_with_its_line(
    tmp_path: Path, bad_row: int
) -> None:
    path = tmp_path / "test.csv"
    at, line = _big(path, bad_row)
    for read in (lambda: load.read(path, "csv"), lambda: profile.of_file(path, "csv")):
        with pytest.raises(UserError) as caught:
            read()
        said = caught.value.message
        assert said.endswith(
            f"could not be read as csv: invalid utf-8 at byte {at:,}, on line {line:,}"
        ), said
        assert "iconv -f latin1 -t utf-8" in (caught.value.hint or "")


def test_a_late_byte_past_a_multibyte_character_split_across_chunks(tmp_path: Path) -> None:
    """The decoder reads in chunks of a MiB: a character whose bytes straddle two is no
    error, and the offset counts the bytes held over from the chunk before."""
    path = tmp_path / "test.csv"
    head = b"x,name\n" + b"".join(f"{i},{WORDS}\n".encode() for i in range(30_000))
    pad = 2**20 - 1 - len(head) - len("1,")  # the é's first byte is the chunk's last
    assert pad > 0
    head += b"1," + b"a" * pad + "\u00e9\n".encode()
    assert head[2**20 - 1 : 2**20 + 1] == "\u00e9".encode()
    tail = b"2,caf\xe9\n"
    path.write_bytes(head + tail)
    with pytest.raises(UserError) as caught:
        load.read(path, "csv")
    assert caught.value.message.endswith(
        f"invalid utf-8 at byte {len(head) + 5:,}, on line 30,003"
    ), caught.value.message


def test_check_data_names_the_byte_of_a_committed_file(tmp_path: Path) -> None:
    """As the audit found it: a committed 2.1 MB CSV whose last row holds 0xE9."""
    root = tmp_path / "big"
    _big(root / "data/train.csv", None)
    at, line = _big(root / "data/test.csv", ROWS - 1)
    (root / "mlops.yaml").write_text(
        "name: big\ndata:\n  train: data/train.csv\n  test: data/test.csv\n  target: y\n"
        "train:\n  command: python train.py\n"
    )
    (root / "train.py").write_text("raise SystemExit('never trained here')\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "data"],
        cwd=root,
        check=True,
    )
    assert mlgate("validate", cwd=root).returncode == 0  # past the MiB it reads
    done = mlgate("check", "data", cwd=root)
    assert done.returncode == 2, done.stderr
    assert (
        "mlgate: error: data file 'data/test.csv' could not be read as csv: invalid utf-8 at "
        f"byte {at:,}, on line {line:,}\n"
    ) in done.stderr
    assert "iconv -f latin1 -t utf-8 data/test.csv > data/test.csv.utf8" in done.stderr
