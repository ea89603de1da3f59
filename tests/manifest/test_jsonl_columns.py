"""A misspelt column is named alike for every format: the file's columns and the closest
to it (a JSON Lines file's are the keys of its records in its first MiB, as a CSV's are
its header there), a case slip and two swapped letters included; and a JSON Lines line in
the first MiB that the run could not read is named by `validate`, in the run's words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.data import load
from mlgate.errors import ManifestError, UserError
from mlgate.manifest import data_formats, parse

ROWS = [
    {"patient_id": 1, "age": 50, "sex": "f", "region": "east", "bmi": 21.5, "target": 0},
    {"patient_id": 2, "age": 61, "sex": "m", "region": "north", "bmi": 30.25, "target": 1},
]
COLUMNS = "patient_id, age, sex, region, bmi, target"
FORMATS = ["csv", "parquet", "jsonl"]


def write(path: Path, rows: list[dict[str, object]], fmt: str) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_json(path, orient="records", lines=True)


def project(tmp_path: Path, fmt: str) -> Path:
    (tmp_path / "data").mkdir()
    for role in ("train", "test"):
        write(tmp_path / f"data/{role}.{fmt}", ROWS, fmt)
    return tmp_path


def manifest(fmt: str, data: str = "", rest: str = "", target: str = "target") -> str:
    return (
        f"name: j\ndata:\n  train: data/train.{fmt}\n  test: data/test.{fmt}\n"
        f"  target: {target}\n{data}train:\n  command: python train.py\n{rest}"
    )


def problems(text: str, root: Path) -> list[str]:
    with pytest.raises(ManifestError) as error:
        parse(text.encode(), name="mlops.yaml", root=root)
    return [str(p) for p in error.value.problems]


def valid(text: str, root: Path) -> None:
    parse(text.encode(), name="mlops.yaml", root=root)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_misspelt_data_column_is_named_with_the_columns_and_the_closest(
    tmp_path: Path, fmt: str
) -> None:
    root = project(tmp_path, fmt)
    text = manifest(
        fmt, "  id: patient_idd\n  columns:\n    bmii: {type: number}\n", target="targt"
    )
    both = f"data/train.{fmt} nor data/test.{fmt}; its columns: {COLUMNS}"
    assert problems(text, root) == [
        f"mlops.yaml:5:11: data.target: column 'targt' is not in {both}; did you mean 'target'?",
        f"mlops.yaml:6:7: data.id: column 'patient_idd' is not in {both}; "
        "did you mean 'patient_id'?",
        f"mlops.yaml:8:5: data.columns.bmii: column 'bmii' is not in {both}; did you mean 'bmi'?",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "written", ["sexx", "Sex", "sxe", "SEX"], ids=["a letter more", "case", "swapped", "capitals"]
)
def test_a_slice_or_sensitive_column_misspelt_is_offered_the_one_meant(
    tmp_path: Path, fmt: str, written: str
) -> None:
    """A case slip and two swapped letters got no hint on JSON Lines, which showed no
    columns at all; each is offered the column for every format."""
    root = project(tmp_path, fmt)
    rest = (
        f"evaluate:\n  slices: [{written}]\nmodel_checks:\n"
        f"  - {{fairness: demographic_parity_difference, sensitive: {written}, max: 0.1}}\n"
    )
    hint = (
        f"column '{written}' is not in data/test.{fmt}; its columns: {COLUMNS}; did you mean 'sex'?"
    )
    assert problems(manifest(fmt, rest=rest), root) == [
        f"mlops.yaml:9:12: evaluate.slices[0]: {hint}",
        f"mlops.yaml:11:58: model_checks[0].sensitive: {hint}",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("written", ["Region", "regoin"])
def test_region_misspelt_as_the_audit_did_is_offered_region(
    tmp_path: Path, fmt: str, written: str
) -> None:
    root = project(tmp_path, fmt)
    assert problems(manifest(fmt, rest=f"evaluate:\n  slices: [{written}]\n"), root) == [
        f"mlops.yaml:9:12: evaluate.slices[0]: column '{written}' is not in data/test.{fmt}; "
        f"its columns: {COLUMNS}; did you mean 'region'?"
    ]


def test_a_json_lines_file_s_columns_are_its_records_keys_in_order_of_first_use(
    tmp_path: Path,
) -> None:
    """Records may differ: a key the first record lacks is a column all the same."""
    (tmp_path / "data").mkdir()
    lines = ['{"age": 30, "churned": 0}', '{"age": 31, "plan": "pro", "churned": 1}']
    for role in ("train", "test"):
        (tmp_path / f"data/{role}.jsonl").write_text("\n".join(lines) + "\n")
    text = manifest("jsonl", target="churned", rest="evaluate:\n  slices: [plans]\n")
    assert problems(text, tmp_path) == [
        "mlops.yaml:9:12: evaluate.slices[0]: column 'plans' is not in data/test.jsonl; "
        "its columns: age, churned, plan; did you mean 'plan'?"
    ]


def test_a_json_lines_file_s_columns_are_read_from_its_first_mib_alone(tmp_path: Path) -> None:
    """As a CSV's header: a key first named past the first MiB is not listed (the run
    still reads every record), and a file whose first record is longer than a MiB is left
    to the run."""
    (tmp_path / "data").mkdir()
    line = json.dumps({"age": 30, "churned": 0, "note": "x" * 100}) + "\n"
    early = line * (data_formats.HEADER_BYTES // len(line) + 1)
    late = json.dumps({"age": 31, "zone": "eu", "churned": 1}) + "\n"
    (tmp_path / "data/train.jsonl").write_text(early + late)
    long = json.dumps({"age": 30, "churned": 0, "note": "x" * data_formats.HEADER_BYTES}) + "\n"
    (tmp_path / "data/test.jsonl").write_text(long)
    text = manifest("jsonl", "  id: zones\n", target="churned")
    assert problems(text, tmp_path) == [
        "mlops.yaml:6:7: data.id: column 'zones' is not in data/train.jsonl; "
        "its columns: age, churned, note"
    ]


def run_says(path: Path) -> str:
    """The run's reader's words for a file it cannot read."""
    with pytest.raises(UserError) as error:
        load.read(path, data_formats.detect_format(path, "auto"))
    return str(error.value)


def test_a_broken_json_line_past_the_first_is_named_by_validate_as_the_run_names_it(
    tmp_path: Path,
) -> None:
    """Only the first line was read: line 5 cut short was "valid", and the run failed."""
    root = project(tmp_path, "jsonl")
    lines = [json.dumps(row) for row in ROWS * 2] + ['{"patient_id": 5, "age": 5']
    (root / "data/test.jsonl").write_text("\n".join(lines) + "\n" + json.dumps(ROWS[0]) + "\n")
    said = "line 5 is not JSON (Expecting ',' delimiter, column 27)"
    assert problems(manifest("jsonl"), root) == [
        f"mlops.yaml:4:9: data.test: 'data/test.jsonl' cannot be read as jsonl: {said}"
    ]
    assert run_says(root / "data/test.jsonl") == (
        f"data file '{root / 'data/test.jsonl'}' could not be read as jsonl: {said}"
    )


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('{"age": NaN}', "line 3 holds NaN, which is not a JSON number"),
        ('{"age": [1.5, {"x": 1e400}]}', "line 3 holds 1e400, a number too large"),
        ('["age", 30]', "line 3 is not a JSON object"),
    ],
)
def test_each_line_in_the_first_mib_is_a_record_the_run_reads(
    tmp_path: Path, line: str, said: str
) -> None:
    root = project(tmp_path, "jsonl")
    rows = [json.dumps(row) for row in ROWS]
    (root / "data/test.jsonl").write_text("\n".join([*rows, line, *rows]) + "\n")
    found = problems(manifest("jsonl"), root)
    assert len(found) == 1 and found[0].startswith(
        f"mlops.yaml:4:9: data.test: 'data/test.jsonl' cannot be read as jsonl: {said}"
    ), found


def test_blank_lines_nested_values_and_crlf_are_records_still(tmp_path: Path) -> None:
    root = project(tmp_path, "jsonl")
    nested = json.dumps({**ROWS[0], "age": 1.5e3, "bmi": [1.5, {"a": 2, "b": None}]})
    rows = [json.dumps(row) for row in ROWS]
    (root / "data/test.jsonl").write_text(f"{rows[0]}\r\n\n{nested}\r\n{rows[1]}")
    valid(manifest("jsonl"), root)


def test_a_broken_json_line_past_the_first_mib_is_left_to_the_run(tmp_path: Path) -> None:
    """validate reads a JSON Lines file's first MiB, as a CSV's: the run names the line."""
    root = project(tmp_path, "jsonl")
    line = json.dumps(ROWS[0]) + "\n"
    count = data_formats.HEADER_BYTES // len(line) + 1
    (root / "data/test.jsonl").write_text(line * count + '{"age": }\n')
    valid(manifest("jsonl"), root)
    assert run_says(root / "data/test.jsonl").endswith(
        f"line {count + 1} is not JSON (Expecting value, column 9)"
    )


def test_the_line_that_ends_the_first_mib_is_judged_and_the_one_it_cuts_is_not(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, "jsonl")
    good = json.dumps(ROWS[0]) + "\n"
    bad = '{"age": }\n'
    # bad lines end exactly at the first MiB's end: judged
    fill = data_formats.HEADER_BYTES - len(bad)
    head = good * (fill // len(good))
    pad = fill - len(head)
    head += " " * (pad - 1) + "\n" if pad else ""  # a blank line: no record
    (root / "data/test.jsonl").write_text(head + bad + good)
    assert (root / "data/test.jsonl").read_bytes().index(bad.encode()) + len(bad) == (
        data_formats.HEADER_BYTES
    )
    found = problems(manifest("jsonl"), root)
    assert len(found) == 1 and "is not JSON (Expecting value, column 9)" in found[0], found
    # one byte later, the MiB cuts it short: the run's to judge
    (root / "data/test.jsonl").write_text(" " + head + bad + good)
    valid(manifest("jsonl"), root)


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        (
            "test.csv",
            "patient_id,age,target\n1,50,0\n2,61,1\n3,70,0\n4,80,1,9\n",
            "line 5 has 4 fields where the header names 3 columns (a separator too many, or "
            "a value that needs quotes)",
        ),
        (
            "test.jsonl",
            '{"patient_id": 1, "target": 0}\n' * 4 + '{"patient_id": 5 "target": 1}\n',
            "line 5 is not JSON (Expecting ',' delimiter, column 18)",
        ),
    ],
)
def test_validate_and_the_run_name_a_bad_row_alike(
    tmp_path: Path, name: str, content: str, said: str
) -> None:
    """What `validate` accepts, `run` can read: for a CSV and a JSON Lines file, the line
    validate names is the one the run's reader names, in the same words."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / name).write_text(content)
    fmt = name.rsplit(".", 1)[1]
    write(tmp_path / f"data/train.{fmt}", ROWS, fmt)
    text = (
        f"name: j\ndata:\n  train: data/train.{fmt}\n  test: data/{name}\n  target: target\n"
        "train:\n  command: python train.py\n"
    )
    assert problems(text, tmp_path) == [
        f"mlops.yaml:4:9: data.test: 'data/{name}' cannot be read as {fmt}: {said}"
    ]
    assert run_says(tmp_path / "data" / name).endswith(f": {said}")
