"""Reading data files: formats, type inference, and errors that name the file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from mlgate.data import dataset_checks, load
from mlgate.errors import EXIT_USER_ERROR, UserError
from tests.data.helpers import SUFFIX, write


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("train.csv", "csv"),
        ("train.tsv", "csv"),
        ("TRAIN.CSV", "csv"),
        ("train.parquet", "parquet"),
        ("train.pq", "parquet"),
        ("train.jsonl", "jsonl"),
        ("train.ndjson", "jsonl"),
    ],
)
def test_format_comes_from_the_extension(name: str, fmt: str) -> None:
    assert load.detect_format(Path("data") / name, "auto") == fmt


def test_a_declared_format_wins_over_the_extension() -> None:
    assert load.detect_format(Path("data/train.txt"), "csv") == "csv"
    assert load.detect_format(Path("data/train.csv"), "parquet") == "parquet"


def test_an_unknown_extension_names_the_file_and_the_known_ones() -> None:
    with pytest.raises(UserError) as caught:
        load.detect_format(Path("data/train.xlsx"), "auto")
    error = caught.value
    assert error.exit_code == EXIT_USER_ERROR
    assert error.message == (
        "data file 'data/train.xlsx' has extension '.xlsx', so its format is unknown; "
        "known extensions: .csv (csv), .tsv (csv), .parquet (parquet), .pq (parquet), "
        ".jsonl (jsonl), .ndjson (jsonl)"
    )
    assert error.hint == "set data.format to one of csv, parquet, jsonl"


def test_a_file_without_extension_says_so() -> None:
    with pytest.raises(UserError, match="'data/train' has no extension"):
        load.detect_format(Path("data/train"), "auto")


def test_an_unknown_declared_format_is_a_user_error() -> None:
    with pytest.raises(UserError, match=r"data\.format 'xlsx' is not one of csv, parquet, jsonl"):
        load.detect_format(Path("data/train.csv"), "xlsx")


def test_every_format_reads_the_same_frame(cancer: pd.DataFrame, cancer_file: Path) -> None:
    frame = load.read(cancer_file, load.detect_format(cancer_file, "auto"))
    assert frame.shape == (569, 31)
    assert frame.columns == list(cancer.columns)
    assert frame.schema["mean radius"] == pl.Float64
    assert frame.schema["target"] == pl.Int64
    assert frame["mean radius"].to_list() == cancer["mean radius"].tolist()
    assert frame["target"].sum() == 357


def test_pandas_reads_what_the_users_pd_read_csv_would(
    cancer: pd.DataFrame, cancer_file: Path
) -> None:
    frame = load.read_pandas(cancer_file, load.detect_format(cancer_file, "auto"))
    pd.testing.assert_frame_equal(frame, cancer, check_dtype=False)
    if cancer_file.suffix == ".csv":
        pd.testing.assert_frame_equal(frame, pd.read_csv(cancer_file))


def test_a_late_float_in_an_integer_column_widens_the_column(tmp_path: Path) -> None:
    rows = load.CSV_INFER_ROWS + 500
    path = tmp_path / "late.csv"
    path.write_text("n,label\n" + "".join(f"{i},a\n" for i in range(rows)) + "2.5,b\n")
    frame = load.read(path, "csv")
    assert frame.schema["n"] == pl.Float64
    assert frame.height == rows + 1
    assert frame["n"][-1] == 2.5


def test_a_column_empty_in_the_inferred_rows_gets_the_type_of_what_follows(tmp_path: Path) -> None:
    rows = load.CSV_INFER_ROWS
    path = tmp_path / "blind.csv"
    path.write_text("a,b\n" + "1,\n" * rows + "2,7\n3,8\n")
    frame = load.read(path, "csv")
    assert frame.schema["b"] == pl.Int64
    assert frame["b"].drop_nulls().to_list() == [7, 8]


def test_pandas_missing_markers_are_missing_for_the_checks_too(tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("x,plan\n1.5,basic\nNA,None\nn/a,pro\n,NULL\n")
    frame = load.read(path, "csv")
    assert frame.schema["x"] == pl.Float64
    assert frame["x"].null_count() == 3
    assert frame["plan"].to_list() == ["basic", None, "pro", None]
    model_view = load.read_pandas(path, "csv")
    assert int(model_view["x"].isna().sum()) == 3 and int(model_view["plan"].isna().sum()) == 2


def test_pandas_markers_match_the_installed_pandas() -> None:
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(load.PANDAS_NA) == set(STR_NA_VALUES)


def test_tsv_is_read_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "train.tsv"
    path.write_text("a\tb\n1\tx,y\n")
    assert load.read(path, load.detect_format(path, "auto")).rows() == [(1, "x,y")]
    assert load.read_pandas(path, "csv").to_dict("records") == [{"a": 1, "b": "x,y"}]


def test_a_field_that_appears_late_in_json_lines_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_text("".join(f'{{"a": {i}}}\n' for i in range(500)) + '{"a": 1, "extra": "x"}\n')
    frame = load.read(path, "jsonl")
    assert frame.columns == ["a", "extra"]
    assert frame["extra"].to_list()[-1] == "x" and frame["extra"].null_count() == 500


CORRUPT = {
    "csv": 'a,b\n1,"unterminated\n',
    "parquet": "PAR1 this is not parquet",
    "jsonl": '{"a": 1}\n{"a":\n',
}
REASONS = {
    ("read", "csv"): 'could not parse `"unterminated',
    ("read", "parquet"): "parquet: File out of specification: The file must end with PAR1",
    # polars says "Syntax at character 4 (':')" and pandas "at position 14": the line is ours
    ("read", "jsonl"): "line 2 is not JSON (Expecting value, column 6)",
    ("read_pandas", "csv"): "Error tokenizing data. C error: EOF inside string starting at row 1",
    ("read_pandas", "parquet"): "Could not open Parquet input source",
    ("read_pandas", "jsonl"): "line 2 is not JSON (Expecting value, column 6)",
}


@pytest.mark.parametrize("fmt", sorted(CORRUPT))
@pytest.mark.parametrize("reader", [load.read, load.read_pandas])
def test_a_corrupt_file_is_a_user_error_naming_it(tmp_path: Path, fmt: str, reader) -> None:
    path = tmp_path / f"broken{SUFFIX[fmt]}"
    path.write_text(CORRUPT[fmt])
    with pytest.raises(UserError) as caught:
        reader(path, fmt)
    message = caught.value.message
    prefix = f"data file '{path}' could not be read as {fmt}: "
    assert message.startswith(prefix + REASONS[reader.__name__, fmt])
    assert "\n" not in message  # the first line of the reader's reason only
    assert caught.value.__cause__ is not None


def test_json_lines_that_are_not_objects_are_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n[1, 2]\n')
    for read in (load.read, load.read_pandas, lambda p, f: list(load.batches(p, f))):
        with pytest.raises(UserError, match="line 3 is not a JSON object"):
            read(path, "jsonl")


def test_json_lines_with_a_number_json_cannot_spell_are_named_by_line(tmp_path: Path) -> None:
    """Python's json.dumps writes NaN and Infinity; polars said "InternalError(TapeError)
    at character 6 ('N')". An empty file said polars' "Cannot infer NDJSON types"."""
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n{"a": NaN}\n')
    with pytest.raises(UserError) as caught:
        load.read(path, "jsonl")
    assert caught.value.message.endswith(
        "line 2 holds NaN, which is not a JSON number (Python's json.dumps writes it; write "
        "null for a missing value)"
    )
    path.write_text('{"a": 1}\n{"a": 1e400}\n')  # polars: "InvalidNumber at character 5"
    with pytest.raises(UserError, match=r"line 2 holds 1e400, a number too large for a 64-bit"):
        load.read(path, "jsonl")
    path.write_text("")
    with pytest.raises(UserError, match=r"could not be read as jsonl: it is empty$"):
        list(load.batches(path, "jsonl"))


def test_a_record_nested_deeper_than_polars_reads_is_named_by_line(tmp_path: Path) -> None:
    """Python's json, asked where polars' "DepthLimitExceeded" was, recursed past its limit:
    a traceback from the data stage, the run and `mlgate profile`."""
    path = tmp_path / "rows.jsonl"
    deep = "[" * 5000 + "]" * 5000
    path.write_text("".join(f'{{"a": {i}, "b": {deep if i == 150 else 1}}}\n' for i in range(200)))
    for read in (load.read, lambda p, f: list(load.batches(p, f))):
        with pytest.raises(UserError) as caught:
            read(path, "jsonl")
        assert caught.value.message.endswith(
            "line 151 nests arrays or objects too deep to be read (polars stops at about "
            "1,000 levels)"
        )


def test_a_row_with_a_field_too_many_is_named_by_its_line(tmp_path: Path) -> None:
    """polars said "found more fields than defined in 'Schema'", of no line; a quoted value
    spanning two lines counts both."""
    path = tmp_path / "ragged.csv"
    path.write_text('a,b\n1,"two\nlines"\n2,x\n3,4.5,y\n4,z\n')
    for read in (load.read, lambda p, f: list(load.batches(p, f, infer_all=True))):
        with pytest.raises(UserError) as caught:
            read(path, "csv")
        assert caught.value.message == f"data file '{path}' could not be read as csv: " + (
            "line 5 has 3 fields where the header names 2 columns (a separator too many, "
            "or a value that needs quotes)"
        )


def test_a_value_too_long_to_parse_is_shown_by_its_start_and_length(tmp_path: Path) -> None:
    """polars quoted all 400 digits of a number no integer type holds."""
    path = tmp_path / "big.csv"
    path.write_text("a,t\n1,x\n" + "9" * 400 + ",y\n")
    with pytest.raises(UserError) as caught:
        load.read(path, "csv")
    assert "could not parse `99999999999999999999...` (400 characters) as dtype" in str(
        caught.value
    )
    assert "9" * 21 not in str(caught.value)


def test_json_lines_not_utf8_are_named_by_line(tmp_path: Path) -> None:
    """polars said "stream did not contain valid UTF-8 at line 0" of the second line."""
    path = tmp_path / "rows.jsonl"
    path.write_bytes('{"a": "x"}\n{"a": "caf\u00e9"}\n'.encode("latin-1"))
    with pytest.raises(UserError) as caught:
        load.read(path, "jsonl")
    assert caught.value.message.endswith("line 2 is not UTF-8 text (its byte 11)")
    command = f"iconv -f latin1 -t utf-8 {path} > {path}.utf8 && mv {path}.utf8 {path}"
    assert caught.value.hint == f"the file is not UTF-8 text: convert it, e.g. {command}"
    # the hint is a whole command: the file is UTF-8 after it, and reads
    subprocess.run(["bash", "-c", command], check=True, cwd=tmp_path)
    assert load.read(path, "jsonl")["a"].to_list() == ["x", "caf\u00e9"]


def test_a_utf16_file_is_named_so_and_the_hint_converts_from_utf16(tmp_path: Path) -> None:
    path = tmp_path / "prod.csv"
    path.write_bytes("a,b\n1,x\n".encode("utf-16"))  # with its byte-order mark
    with pytest.raises(UserError) as caught:
        load.read(path, "csv")
    assert "invalid utf-8 at byte 0 (UTF-16 text: it starts with UTF-16's byte-order" in str(
        caught.value
    )
    assert f"iconv -f utf-16 -t utf-8 {path} > {path}.utf8 && mv" in (caught.value.hint or "")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,b\n1,caf\u00e9\n".encode("latin1"))
    with pytest.raises(UserError) as caught:
        load.read(latin, "csv")
    assert "UTF-16" not in str(caught.value)
    assert f"iconv -f latin1 -t utf-8 {latin} > {latin}.utf8 && mv" in (caught.value.hint or "")


@pytest.mark.parametrize("reader", [load.read, load.read_pandas])
def test_an_empty_csv_is_a_user_error(tmp_path: Path, reader) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(UserError, match=r"empty\.csv' could not be read as csv: "):
        reader(path, "csv")


@pytest.mark.parametrize("reader", [load.read, load.read_pandas])
def test_a_missing_file_is_a_user_error(tmp_path: Path, reader) -> None:
    path = tmp_path / "nowhere.parquet"
    with pytest.raises(UserError, match=r"nowhere\.parquet' could not be read as parquet"):
        reader(path, "parquet")


def test_a_parquet_file_keeps_its_dtypes(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "plan": pd.Categorical(["basic", "pro"]),
            "ok": [True, False],
        }
    )
    path = write(frame, tmp_path / "typed.parquet", "parquet")
    schema = load.read(path, "parquet").schema
    assert schema["when"].base_type() == pl.Datetime
    assert schema["plan"] == pl.Categorical
    assert schema["ok"] == pl.Boolean


def test_a_pandas_index_in_parquet_is_not_a_column_as_pandas_reads_it(
    cancer: pd.DataFrame, tmp_path: Path
) -> None:
    """A shuffled frame's index is stored as __index_level_0__; pandas reads it back as the
    index, so the model never sees it, and leakage must not compare it."""
    shuffled = cancer.sample(frac=1, random_state=0)
    shuffled.to_parquet(tmp_path / "train.parquet")
    assert "__index_level_0__" in pl.read_parquet(tmp_path / "train.parquet").columns
    frame = load.read(tmp_path / "train.parquet", "parquet")
    assert frame.columns == list(load.read_pandas(tmp_path / "train.parquet", "parquet").columns)
    test = shuffled.iloc[:10].reset_index()  # the same rows again, numbered anew
    test.index = test.index + 10_000
    test.drop(columns="index").to_parquet(tmp_path / "test.parquet")
    leaked = dataset_checks.leakage(frame, load.read(tmp_path / "test.parquet", "parquet"))
    assert (leaked.status, leaked.observed) == ("failed", 10)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_only_the_columns_asked_for_are_read(tmp_path: Path, fmt: str) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5]})
    path = write(frame, tmp_path / f"f{SUFFIX[fmt]}", fmt)
    got = load.read(path, fmt, ["c", "a", "absent"])
    assert got.columns == ["a", "c"]  # in file order; a column the file lacks is left out
    assert got["c"].to_list() == [0.5, 1.5]
    assert load.read(path, fmt).columns == ["a", "b", "c"]


def test_a_column_name_holding_a_quote_is_refused_not_misread(tmp_path: Path) -> None:
    """polars reads the header `"q""uote"` as q""uote where pandas, which the model is
    given, reads q"uote: the checks would test another name than the model sees."""
    import pandas as pd

    path = tmp_path / "q.csv"
    pd.DataFrame({'q"uote': [1, 2], "b": [3, 4]}).to_csv(path, index=False)
    with pytest.raises(UserError, match='the column name "q\\\\"uote" holds a double quote'):
        load.read(path, "csv")
    with pytest.raises(UserError, match="holds a double quote"):
        load.scan(path, "csv").collect()


def test_a_comma_separated_file_named_tsv_is_refused_not_read_as_one_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "train.tsv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n")
    for read in (load.read, load.scan, load.schema):
        with pytest.raises(UserError, match=r"by commas, not tabs: rename it to end in \.csv"):
            read(path, "csv")
    path.write_text("a\tb\tlabel\n1\t2\tx\n")
    assert load.read(path, "csv").columns == ["a", "b", "label"]
    one = tmp_path / "one.csv"
    one.write_text('"a, b"\n1\n')  # one quoted column whose name holds a comma is fine
    assert load.read(one, "csv").columns == ["a, b"]


def test_a_parquet_file_read_as_csv_is_said_to_be_one_not_to_be_converted(tmp_path: Path) -> None:
    """The run said "not UTF-8 text: convert it, e.g. iconv ...": advice that ruins it."""
    import pandas as pd

    path = tmp_path / "rows.csv"
    pd.DataFrame({"a": [1.5, 2.5]}).to_parquet(path)
    with pytest.raises(UserError) as caught:
        load.read(path, "csv")
    assert caught.value.message.endswith(
        "could not be read as csv: it is a Parquet file, not "
        "csv: set data.format: parquet, or leave data.format "
        "out and name the file .parquet"
    )
    assert caught.value.hint is None


def test_json_lines_floats_reach_the_model_as_the_users_own_pandas_reads_them(
    tmp_path: Path,
) -> None:
    """pandas' default parser reads 0.6736 as 0.6736000000000001, and so does the user's
    training script: the rows hash as every release but 0.28.0 hashed them (which read
    precisely, and left a baseline's rows unpaired and its training rows unseen)."""
    path = tmp_path / "test.jsonl"
    path.write_text('{"x0": 0.6736, "y": "a"}\n{"x0": 4.0104, "y": "b"}\n')
    users = pd.read_json(path, lines=True)
    whole = load.read_pandas(path, "jsonl")
    (batch,) = load.pandas_batches(path, "jsonl", ["x0"])
    assert whole["x0"].tolist() == batch["x0"].tolist() == users["x0"].tolist()
    assert whole["x0"][0] != 0.6736  # the parse the hashes of older releases' runs were of


def test_lines_ended_by_cr_alone_are_said_wherever_the_file_is_read(tmp_path: Path) -> None:
    """A CSV whose lines end with CR alone was "valid" to validate, "has no rows, only a
    header" to the run (polars read it as one line), and a profile of 0 rows and 423
    columns to `mlgate profile`, while pandas read its 150 rows."""
    from mlgate.data import profile
    from mlgate.manifest import data_formats

    path = tmp_path / "train.csv"
    path.write_bytes(b"a,b,y\r" + b"".join(b"%d,%d,%d\r" % (i, i * 2, i % 2) for i in range(150)))
    assert len(pd.read_csv(path)) == 150  # pandas reads it; the checks' reader did not
    said = "its lines end with a carriage return alone (CR, no line feed), which is read as one"
    assert said in (data_formats.unreadable(path, "csv") or "")
    for reading in (
        lambda: load.read(path, "csv"),
        lambda: list(load.batches(path, "csv")),
        lambda: profile.of_file(path, "csv"),
    ):
        with pytest.raises(UserError, match=r"carriage return alone"):
            reading()
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(path.read_bytes().replace(b"\r", b"\n"))
    assert data_formats.unreadable(fixed, "csv") is None and load.read(fixed, "csv").height == 150
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(path.read_bytes().replace(b"\r", b"\r\n"))
    assert data_formats.unreadable(crlf, "csv") is None and load.read(crlf, "csv").height == 150


def test_rows_read_are_handed_to_a_model_as_polars_own_to_pandas_gives_them() -> None:
    """`as_pandas` needs no pyarrow; where pyarrow is installed, the frames are the same."""
    import datetime as dt

    frame = pl.DataFrame(
        {
            "gaps": [1, None, 3],
            "whole": [1, 2, 3],
            "real": [1.5, None, float("nan")],
            "text": ["a", None, "c"],
            "flag": [True, None, False],
            "flags": [True, False, True],
            "moment": [dt.datetime(2024, 1, 1, 8), None, dt.datetime(2024, 1, 3)],
            "day": [dt.date(2024, 1, 1), None, dt.date(2024, 2, 1)],
            "kind": pl.Series(["x", "y", None], dtype=pl.Categorical),
            "small": pl.Series([1, 2, 3], dtype=pl.UInt8),
            "wait": [dt.timedelta(days=1), None, dt.timedelta(hours=2)],
        }
    )
    pd.testing.assert_frame_equal(load.through_numpy(frame), frame.to_pandas())
    assert load.through_numpy(frame.clear()).shape == (0, frame.width)
    pd.testing.assert_frame_equal(load.as_pandas(frame), frame.to_pandas())
    # what JSON Lines nests, and a time zone from Parquet, as to_pandas gives them
    nested = pl.DataFrame(
        {
            "meta": [{"a": 1, "b": "x"}, None, {"a": 3, "b": None}],
            "tags": [["p", "q"], [], None],
            "at": pl.Series(
                [dt.datetime(2024, 3, 30, 22), None, dt.datetime(2024, 3, 31, 10)]
            ).dt.replace_time_zone("Europe/Paris"),
        }
    )
    made, given = load.through_numpy(nested), nested.to_pandas()
    assert made["meta"].tolist() == given["meta"].tolist()
    assert [list(t) if t is not None else None for t in made["tags"]] == [
        list(t) if t is not None else None for t in given["tags"]
    ]
    pd.testing.assert_series_equal(made["at"], given["at"])
    # an id past 2**63 (polars reads it as Int128, which pyarrow has no type for)
    ids = pl.DataFrame(
        {"id": pl.Series([9223372036854788152, 1], dtype=pl.Int128), "x": [0.5, 1.5]}
    )
    handed = load.as_pandas(ids)
    assert handed["id"].tolist() == [9223372036854788152, 1] and list(handed) == ["id", "x"]
    assert handed["x"].tolist() == [0.5, 1.5]
    assert load.as_pandas(ids.select("id"))["id"].tolist() == [9223372036854788152, 1]
