"""What `validate` accepts, `run` can read: a path that is a directory, a FIFO or a
device, a data file whose format cannot be told, and a column the run needs (target, id,
features) missing from a data file that is already there, are each located by validate."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from mlgate import manifest as mf
from mlgate import pipeline
from mlgate.errors import ManifestError
from mlgate.manifest import parse
from tests import projects
from tests.manifest.texts import manifest

CSV = "age,plan,churned\n30,pro,0\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/train.csv").write_text(CSV)
    (tmp_path / "data/test.csv").write_text(CSV)
    return tmp_path


def problems(text: str, root: Path) -> list[str]:
    with pytest.raises(ManifestError) as error:
        parse(text.encode(), name="mlops.yaml", root=root)
    return [str(p) for p in error.value.problems]


def make(kind: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    if kind == "a directory":
        path.mkdir()
    elif kind == "a named pipe (FIFO)":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")  # a device that never ends


KINDS = ["a directory", "a named pipe (FIFO)", "a device"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_data_path_that_is_not_a_file_is_located(root: Path, kind: str) -> None:
    make(kind, root / "data/test.csv")
    started = time.monotonic()
    assert problems(manifest(), root) == [
        f"mlops.yaml:4:9: data.test: 'data/test.csv' is {kind}, not a file; name a file"
    ]
    assert time.monotonic() - started < 5  # nothing was opened


@pytest.mark.parametrize("kind", KINDS)
def test_a_params_or_baseline_path_that_is_not_a_file_is_located(root: Path, kind: str) -> None:
    make(kind, root / "p.yaml")
    make(kind, root / "base.json")
    text = manifest(more="compare:\n  baseline: {file: base.json}\n").replace(
        "train.py\n", "train.py\n  params: p.yaml\n"
    )
    assert problems(text, root) == [
        f"mlops.yaml:8:11: train.params: 'p.yaml' is {kind}, not a file; name a file",
        f"mlops.yaml:10:20: compare.baseline.file: 'base.json' is {kind}, not a file; name a file",
    ]


def test_the_run_refuses_a_fifo_that_prepare_left_without_blocking(make_repo) -> None:
    text = projects.IRIS_MANIFEST.replace(
        "data:\n",
        "data:\n  prepare: python -c \"import os; os.remove('data/test.csv'); "
        "os.mkfifo('data/test.csv')\"\n",
    )
    root = make_repo(projects.iris_files(Path(), manifest=text))
    done: list[object] = []
    runner = threading.Thread(
        target=lambda: done.append(pipeline.run(mf.load(root / "mlops.yaml"))), daemon=True
    )
    runner.start()
    runner.join(timeout=120)
    assert done, "the run blocked on the FIFO"
    result = done[0]
    assert result.data.status == "error"  # type: ignore[attr-defined]
    assert (
        result.data.message == "data.test: 'data/test.csv' is a named pipe (FIFO), not "
        "a regular file"
    )  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "jsonl"])
def test_a_target_missing_from_an_existing_file_is_located(root: Path, fmt: str) -> None:
    import pandas as pd

    frame = pd.DataFrame({"age": [30, 40], "plan": ["pro", "basic"], "churn": [0, 1]})
    name = f"data/train.{fmt}"
    if fmt == "csv":
        frame.to_csv(root / name, index=False)
    elif fmt == "tsv":
        frame.to_csv(root / name, index=False, sep="\t")
    elif fmt == "parquet":
        frame.to_parquet(root / name)
    else:
        frame.to_json(root / name, orient="records", lines=True)
    hint = "; its columns: age, plan, churn; did you mean 'churn'?"
    assert problems(manifest(train=name), root) == [
        f"mlops.yaml:5:11: data.target: column 'churned' is not in {name}{hint}"
    ]


def test_id_and_features_missing_from_a_file_are_located(root: Path) -> None:
    (root / "data/test.csv").write_text("Age,churned\n30,0\n")
    text = manifest(extra="  id: customer\n  features: [age, plan]\n")
    assert problems(text, root) == [
        "mlops.yaml:6:7: data.id: column 'customer' is not in data/test.csv; its columns: Age, "
        "churned",
        "mlops.yaml:6:7: data.id: column 'customer' is not in data/train.csv; its columns: age, "
        "plan, churned",
        "mlops.yaml:7:14: data.features[0]: column 'age' is not in data/test.csv; its columns: "
        "Age, churned; did you mean 'Age'?",
        "mlops.yaml:7:19: data.features[1]: column 'plan' is not in data/test.csv; its columns: "
        "Age, churned",
    ]


def test_a_declared_column_missing_from_a_file_is_located_at_its_key(root: Path) -> None:
    """A typo in data.columns passed validate and failed the run's data checks (exit 1);
    a column declared `required: false` may be absent."""
    (root / "data/test.csv").write_text("age,churned\n30,0\n")
    (root / "data/train.csv").write_text("age,churned\n30,0\n")
    text = manifest(extra="  columns:\n    agee: {min: 0}\n    plan: {required: false}\n")
    assert problems(text, root) == [  # once, for both files alike (it was said twice)
        "mlops.yaml:7:5: data.columns.agee: column 'agee' is not in data/train.csv nor "
        "data/test.csv; its columns: age, churned; did you mean 'age'?",
    ]


def test_a_wide_or_empty_file_is_described_briefly(root: Path) -> None:
    header = ",".join(f"c{i}" for i in range(500)) + ",churn\n"
    (root / "data/train.csv").write_text(header + ",".join(["1"] * 501) + "\n")
    (root / "data/test.csv").write_text("")
    assert problems(manifest(), root) == [
        "mlops.yaml:4:9: data.test: 'data/test.csv' cannot be read as csv: it is empty",
        "mlops.yaml:5:11: data.target: column 'churned' is not in data/train.csv; it has 501 "
        "columns; did you mean 'churn'?",
    ]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        (
            "test.csv",
            "age,plan,churned\n30,caf\u00e9,0\n".encode("latin-1"),
            "'data/test.csv' cannot be read as csv: it is not UTF-8 text (its byte 24, on line "
            "2, does not decode): convert it, e.g. iconv -f latin1 -t utf-8",
        ),
        (
            "test.csv",
            CSV.encode("utf-16"),
            "'data/test.csv' cannot be read as csv: it is UTF-16 text, not UTF-8: convert it, "
            "e.g. iconv -f utf-16 -t utf-8 data/test.csv > data/test.csv.utf8 && mv "
            "data/test.csv.utf8 data/test.csv",
        ),
        (
            "test.parquet",
            b"PAR1" + b"\0" * 40,  # cut before its footer
            "'data/test.parquet' cannot be read as parquet: it is not a readable Parquet file "
            "(not Parquet)",
        ),
        (
            "test.csv",
            b'age,"pl""an",churned\n30,pro,0\n',
            '\'data/test.csv\' cannot be read as csv: the column name "pl\\"an" holds a double '
            "quote, which polars and pandas read differently: rename the column",
        ),
        (  # read with tabs, a comma-separated file was one column: every column was missing
            "test.tsv",
            b"age,plan,churned\n30,pro,0\n",
            "'data/test.tsv' cannot be read as csv: its header is one column, "
            '"age,plan,churned", split by commas, not tabs: rename it to end in .csv (a .tsv '
            "file is read as tab-separated)",
        ),
        (
            "test.csv",
            b"age\tplan\tchurned\n30\tpro\t0\n",
            "'data/test.csv' cannot be read as csv: its header is one column, "
            '"age\\tplan\\tchurned", split by tabs, not commas: rename it to end in .tsv',
        ),
        (
            "test.csv",
            b"age;plan;churned\n30;pro;0\n",
            "'data/test.csv' cannot be read as csv: its header is one column, "
            '"age;plan;churned", split by semicolons, not commas: mlgate reads commas (.csv) '
            "and tabs (.tsv); write the file with commas",
        ),
        (
            "test.jsonl",
            b"{'age': 30}\n",
            "'data/test.jsonl' cannot be read as jsonl: line 1 is not JSON (Expecting "
            "property name enclosed in double quotes, column 2)",
        ),
        (  # Python's json recursed past its limit: "is not a JSON record (maximum recursion"
            "test.jsonl",
            b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
            "'data/test.jsonl' cannot be read as jsonl: line 1 nests arrays or objects "
            "too deep to be read (polars stops at about 1,000 levels)",
        ),
        (
            "test.jsonl",
            b'{"age": 1e400}\n',
            "'data/test.jsonl' cannot be read as jsonl: line 1 holds 1e400, a number "
            "too large for a 64-bit float (at most 1.8e308)",
        ),
        (  # a header and no row under it: validate said valid, and the run refused it
            "test.csv",
            b"age,plan,churned\n",
            "'data/test.csv' has no rows, only a header: no model can be scored on it",
        ),
        (  # the model was handed the first 'age' (ids) where the second was meant
            "test.csv",
            b"age,age,plan,churned\n1,30,pro,0\n",
            "'data/test.csv' cannot be read as csv: the header names \"age\" twice (columns 1 "
            "and 2): give each column its own name",
        ),
        (  # read as CSV it was "not UTF-8 text: convert it with iconv", which would ruin it
            "test.csv",
            b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00\x12\x00\x00\x08\x1c\xff\xfe",
            "'data/test.csv' cannot be read as csv: it is a Parquet file, not csv: set "
            "data.format: parquet, or leave data.format out and name the file .parquet",
        ),
        (
            "test.jsonl",
            b'[{"age": 30, "plan": "pro", "churned": 0}]\n',
            "'data/test.jsonl' cannot be read as jsonl: it is one JSON array, not JSON Lines "
            "(one record per line): write it with pandas' to_json(path, orient='records', "
            "lines=True)",
        ),
        (  # the first line alone was read: a Latin-1 second one was "valid"
            "test.jsonl",
            '{"age": 30, "plan": "pro"}\n{"age": 31, "plan": "caf\u00e9"}\n'.encode("latin-1"),
            "'data/test.jsonl' cannot be read as jsonl: it is not UTF-8 text (its byte 52, on "
            "line 2, does not decode): convert it, e.g. iconv -f latin1 -t utf-8",
        ),
    ],
)
def test_a_file_the_run_could_not_read_is_located(
    root: Path, name: str, content: bytes, said: str
) -> None:
    """validate said "valid" and the run then failed to read it (a Latin-1 header read
    as no columns at all, so the target was not even missed)."""
    (root / "data" / name).write_bytes(content)
    found = problems(manifest(test=f"data/{name}"), root)
    assert len(found) == 1 and found[0].startswith(f"mlops.yaml:4:9: data.test: {said}"), found


def test_an_empty_reference_is_located(root: Path) -> None:
    (root / "data/reference.csv").write_text("")
    extra = "  reference: data/reference.csv\n  checks: {drift: true}\n"
    assert problems(manifest(extra=extra), root) == [
        "mlops.yaml:6:14: data.reference: 'data/reference.csv' cannot be read as csv: it is empty"
    ]


def test_files_that_prepare_writes_and_late_json_keys_are_left_to_the_run(root: Path) -> None:
    (root / "data/train.csv").write_text("stale,columns\n1,2\n")
    assert (
        parse(
            manifest(extra="  prepare: python prepare.py\n").encode(), name="mlops.yaml", root=root
        ).data.target
        == "churned"
    )
    lines = [{"age": 30}, {"age": 40, "churned": 1}]
    (root / "data/train.jsonl").write_text("\n".join(map(json.dumps, lines)) + "\n")
    assert (
        parse(manifest(train="data/train.jsonl").encode(), name="mlops.yaml", root=root).data.train
        == "data/train.jsonl"
    )


def test_a_data_file_whose_format_cannot_be_told_is_located(root: Path) -> None:
    (root / "data/train.txt").write_text(CSV)
    assert problems(manifest(train="data/train.txt"), root) == [
        "mlops.yaml:3:10: data.train: 'data/train.txt' has extension '.txt', so its format is "
        "unknown (known: .csv, .tsv, .parquet, .pq, .jsonl, .ndjson); set data.format to one "
        "of csv, parquet, jsonl"
    ]
    text = manifest(train="data/train.txt").replace("  target:", "  format: csv\n  target:")
    assert parse(text.encode(), name="mlops.yaml", root=root).data.format == "csv"


def test_a_robustness_checks_column_missing_from_the_test_file_is_located(root: Path) -> None:
    """validate called it valid; the run trained, then failed the check (exit 1)."""
    checks = "model_checks:\n  - {invariance: agee}\n  - {noise: [age, plam], scale: 0.05}\n"
    assert problems(manifest(more=checks), root) == [
        "mlops.yaml:9:18: model_checks[0].invariance: column 'agee' is not in data/test.csv; "
        "its columns: age, plan, churned; did you mean 'age'?",
        "mlops.yaml:10:19: model_checks[1].noise[1]: column 'plam' is not in data/test.csv; its "
        "columns: age, plan, churned; did you mean 'plan'?",
    ]
