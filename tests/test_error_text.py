"""Errors that name what a pull request's data holds print it inert: a column name with a
line break, a CR, an ESC sequence or a right-to-left override reached the terminal (and a
log) as itself, and names that differ only in what does not show read as nonsense."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest

from mlgate.cli.main import main
from mlgate.data import profile, table_checks

MANIFEST = """\
name: odd
data:
  train: data/train.csv
  test: data/test.csv
  target: y
train:
  command: python train.py
"""
HOSTILE = [
    "x\n::warning::LF",
    "cr\r::warning::CR",
    "esc\x1b[31mRED",
    "osc\x1b]0;T\x07",
    "r\u202eexe",
]


def write(path: Path, header: list[str], rows: int = 4) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([[str(i + j) for j in range(len(header))] for i in range(rows)])


def shows_nothing_hidden(text: str) -> bool:
    return not any(
        (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c == "\u202e" for c in text
    )


def test_a_missing_target_lists_the_files_columns_with_their_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mlops.yaml").write_text(MANIFEST)
    for name in ("train", "test"):
        write(tmp_path / "data" / f"{name}.csv", ["a", "Y", *HOSTILE])
    assert main(["-C", str(tmp_path), "validate"]) == 2
    said = capsys.readouterr().err
    assert shows_nothing_hidden(said), repr(said)
    assert not any(line.lstrip().startswith("::") for line in said.splitlines())
    assert '"x\\n::warning::LF"' in said and '"esc\\u001b[31mRED"' in said
    assert "did you mean 'Y'?" in said


def test_a_name_different_only_in_its_unicode_form_or_blanks_is_meant_and_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decomposed = unicodedata.normalize("NFD", "café")
    (tmp_path / "mlops.yaml").write_text(MANIFEST.replace("target: y", "target: café"))
    for name in ("train", "test"):
        write(tmp_path / "data" / f"{name}.csv", ["a", decomposed])
    assert main(["-C", str(tmp_path), "validate"]) == 2
    said = capsys.readouterr().err
    assert 'its columns: a, "cafe\\u0301"; did you mean "cafe\\u0301"?' in said


def test_the_same_schema_check_quotes_names_that_differ_in_blanks() -> None:
    import polars as pl

    train = pl.DataFrame({"a": [1], "a ": [2], "": [3]})
    test = pl.DataFrame({"a": [1], " a": [2], "b": [3]})
    found = table_checks.same_schema({"train": train, "test": test})
    assert found.message == 'test lacks "a ", ""; test adds " a", b'


def test_an_unsummable_column_is_named_with_its_file_and_warns_of_nothing(
    tmp_path: Path,
) -> None:
    """ "column 'h': values as large as 1e+200 ..." named no file of the run's three, and
    NumPy's overflow warnings were printed beside it."""
    import warnings

    data = tmp_path / "test.csv"
    data.write_text("h,y\n" + "".join(f"{3 if i else 1e200},{i % 2}\n" for i in range(90)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(profile.Unsummable) as raised:
            profile.of_file(data, "csv")
    assert str(raised.value).startswith(
        "test.csv: column 'h': values as large as 1e+200 are beyond what a profile can summarise"
    )


def test_a_warning_naming_a_manifest_value_prints_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate's warnings quote the manifest, a pull request's file: a training command
    naming a script that is not there printed its ESC sequence as itself."""
    (tmp_path / "mlops.yaml").write_text(
        MANIFEST.replace("python train.py", '"python tr\\u001b]0;T\\u0007ain.py"')
    )
    for name in ("train", "test"):
        write(tmp_path / "data" / f"{name}.csv", ["a", "y"])
    assert main(["-C", str(tmp_path), "validate"]) == 0
    said = capsys.readouterr().err
    assert "mlgate: warning:" in said and "tr ]0;T ain.py" in said
    assert shows_nothing_hidden(said), repr(said)
