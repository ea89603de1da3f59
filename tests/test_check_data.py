"""`mlgate check data`: the data stage alone, as a process, with drift against a
reference; its JSON says per column what was tested and what was found."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_breast_cancer

from mlgate.cli import main
from tests import projects
from tests.test_cli import mlgate

MANIFEST = """\
name: cancer
data:
  train: data/train.csv
  test: data/test.csv
  reference: data/reference.csv
  target: target
  checks:
    rows: {min: 50}
    drift: {columns: [mean radius, mean texture, target]}
train:
  command: python train.py
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    frame = load_breast_cancer(as_frame=True).frame
    shuffled = frame.iloc[np.random.default_rng(0).permutation(len(frame))]
    third = len(frame) // 3
    parts = [shuffled.iloc[i * third : (i + 1) * third] for i in range(3)]
    current = parts[1].copy()
    current["mean radius"] += current["mean radius"].std()  # the training data moved
    return projects.write(
        tmp_path / "cancer",
        {
            "mlops.yaml": MANIFEST,
            "train.py": "raise SystemExit('check data never trains')\n",
            "data/reference.csv": parts[0].to_csv(index=False),
            "data/train.csv": current.to_csv(index=False),
            "data/test.csv": parts[2].to_csv(index=False),
        },
    )


def test_json_holds_each_columns_test_and_verdict(project: Path) -> None:
    done = mlgate("check", "data", "--json", cwd=project)
    assert done.returncode == 0, done.stderr  # 1 of 3 columns: under half
    found = json.loads(done.stdout)
    assert found["status"] == "passed"
    rows = {(d["current"], d["column"], d["test"]): d for d in found["drift"]}
    radius = rows[("train", "mean radius", "ks")]
    assert radius["drifted"] is True and radius["reference"] == "reference"
    reference = pd.read_csv(project / "data/reference.csv")["mean radius"]
    train = pd.read_csv(project / "data/train.csv")["mean radius"]
    expected = stats.ks_2samp(reference, train)
    assert radius["statistic"] == pytest.approx(expected.statistic, abs=1e-9)
    assert radius["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)
    assert {"column", "test", "statistic", "threshold", "p_value", "drifted"} <= radius.keys()
    assert rows[("test", "mean radius", "ks")]["drifted"] is False
    assert rows[("train", "target", "ks")]["drifted"] is False  # 0 and 1: numbers
    assert not any(d["drifted"] for k, d in rows.items() if k[1] != "mean radius")
    checks = {c["id"]: c for c in found["checks"]}
    assert checks["data.train.drift"]["status"] == "passed"
    assert checks["data.train.drift"]["message"].startswith("1 of 3 columns drifted (mean radius:")
    assert [c["current"] for c in found["comparisons"]] == ["train", "test"]
    assert not (project / "models").exists()  # nothing trained
    # and it is no run: no run folder is left behind (it held the files' profiles alone)
    assert [p.relative_to(project).as_posix() for p in (project / ".mlgate").rglob("*")] == []


def test_the_text_names_the_drifted_column_first_and_fails_past_the_share(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process (the JSON test above runs the command as a process)."""
    manifest = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(manifest.replace("target]}", "target], share: 0.3}"))
    monkeypatch.chdir(project)
    code = main(["check", "data"])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    lines = out.splitlines()
    assert lines[0] == "data checks: 5 of 6 passed, 1 failed"
    assert lines[1].startswith("  FAILED  train drifted columns < 30% (against reference): 1 of 3")
    train = lines.index("drift, train against reference: 1 of 3 columns drifted")
    assert lines[train + 2].startswith("  DRIFTED mean radius [ks] KS ")


def in_process(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    """`mlgate check data` through the same entry point, without a process to start."""
    monkeypatch.chdir(project)
    code = main(["check", "data"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "cannot be read as csv: it is empty"),
        (b"mean radius,target\n", "has no rows, only a header: no drift can be measured"),
        (b"mean_radius,texture\n1,2\n", "has none of the columns drift tests"),
        (b"\xff\xfe\x00garbage\x00\xff", "cannot be read as csv: it is UTF-16 text, not UTF-8"),
        (
            b"\xfe\x00garbage\x00\xff",
            "cannot be read as csv: it is not UTF-8 text (its byte 1, on line 1,",
        ),
    ],
)
def test_an_unreadable_reference_is_a_plain_error_and_exit_2(
    project: Path,
    content: bytes,
    said: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (project / "data/reference.csv").write_bytes(content)
    code, err = in_process(project, capsys, monkeypatch)
    assert code == 2, err
    assert said in err and "reference.csv" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("as_profile", [False, True])
def test_a_reference_without_the_label_is_compared_on_the_columns_it_has(
    project: Path,
    as_profile: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Production rows hold the features, not the label: such a reference was refused
    ("has none of the columns drift tests (target)") unless the manifest named features."""
    manifest = (project / "mlops.yaml").read_text()
    manifest = manifest.replace("{columns: [mean radius, mean texture, target]}", "true")
    reference = pd.read_csv(project / "data/reference.csv").drop(columns="target")
    reference.to_csv(project / "data/reference.csv", index=False)
    if as_profile:
        monkeypatch.chdir(project)
        assert main(["profile", "data/reference.csv", "-o", "data/reference.json"]) == 0
        manifest = manifest.replace("reference.csv", "reference.json")
    (project / "mlops.yaml").write_text(manifest)
    monkeypatch.chdir(project)
    code = main(["check", "data", "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    found = json.loads(out)
    tested = {d["column"] for d in found["drift"] if d["current"] == "train"}
    assert tested == set(reference.columns)  # every feature, and no target to test
    radius = next(
        d for d in found["drift"] if (d["current"], d["column"]) == ("train", "mean radius")
    )
    assert radius["drifted"] is True
    # a reference with no column in common is still refused
    (project / "data/other.csv").write_text("a,b\n1,2\n")
    (project / "mlops.yaml").write_text(
        manifest.replace("reference.json", "other.csv").replace("reference.csv", "other.csv")
    )
    assert main(["check", "data"]) == 2
    err = capsys.readouterr().err
    assert "has none of the columns drift tests (mean radius, mean texture, " in err
    assert " and 21 more); its columns: a, b" in err


@pytest.mark.parametrize(("role", "done"), [("train", "trained"), ("test", "scored")])
def test_a_file_with_a_header_and_no_rows_is_a_plain_error_and_exit_2(
    project: Path,
    role: str,
    done: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every check of a column passed over it as "too few values", and the run went on to
    fail in scikit-learn's words (or passed its data checks with exit 0)."""
    (project / f"data/{role}.csv").write_text("mean radius,mean texture,target\n")
    code, err = in_process(project, capsys, monkeypatch)
    assert code == 2, err
    assert (
        f"data.{role}: 'data/{role}.csv' has no rows, only a header: no model can be {done} on it"
    ) in err
    assert "Traceback" not in err


def test_json_gives_an_errors_hint_apart_as_the_readme_says(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (project / "data/train.csv").read_text().splitlines()
    first = text[1].split(",")
    first[0] = "1e200"  # a spread no double holds
    (project / "data/train.csv").write_text("\n".join([text[0], ",".join(first), *text[2:]]))
    monkeypatch.chdir(project)
    assert main(["check", "data", "--json"]) == 2
    said = json.loads(capsys.readouterr().out)
    assert said["error"].startswith(
        "data/train.csv: column 'mean radius': values as large as 1e+200"
    )
    assert "hint" not in said["error"]
    assert said["hint"].startswith("rescale the column")


def test_a_file_in_another_encoding_says_how_to_convert_it(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "data/test.csv").write_bytes(
        b"mean radius,target\n12.5,1\n" + "13,0\nunknown é\n".encode("latin-1")
    )
    code, err = in_process(project, capsys, monkeypatch)
    assert code == 2, err  # refused as the manifest is read, before any stage
    assert (
        "data.test: 'data/test.csv' cannot be read as csv: it is not UTF-8 text (its byte 40, "
        "on line 4, does not decode): convert it, e.g. iconv -f latin1 -t utf-8"
    ) in err
    assert "Traceback" not in err


def test_a_failed_preparation_is_said_not_counted_as_zero_checks(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(
        manifest.replace(
            "  target: target\n", "  target: target\n  prepare: python -c 'raise SystemExit(3)'\n"
        )
    )
    monkeypatch.chdir(project)
    code = main(["check", "data"])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert out.startswith("data checks: not run: data preparation failed")


def test_an_optional_column_that_is_absent_is_skipped_not_failed(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(
        manifest.replace(
            "  checks:\n", "  columns:\n    nickname: {type: string, required: false}\n  checks:\n"
        )
    )
    monkeypatch.chdir(project)
    assert main(["check", "data"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(", 4 skipped") and "failed" not in out[0], out
    assert (
        "  skipped train.nickname present (optional): column 'nickname' is absent; it is optional"
        in out
    )
    assert not any(line.startswith("  FAILED") for line in out)


def test_a_check_that_could_not_be_evaluated_is_an_error_not_a_failure(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule that does not apply to its column was listed FAILED and counted as failed,
    as if the data broke it. With the files there, validate says it first, located; with
    data.prepare to write them, the run's data checks do."""
    manifest = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(
        # numbers against text: it parses, and cannot be evaluated on the data
        manifest.replace("  checks:\n", "  checks:\n    expressions: ['\"mean radius\" < ''x''']\n")
    )
    monkeypatch.chdir(project)
    assert main(["check", "data"]) == 2
    assert "data.checks.expressions[0]: cannot be evaluated" in capsys.readouterr().err
    prepared = (project / "mlops.yaml").read_text()
    (project / "mlops.yaml").write_text(
        prepared.replace("data:\n", "data:\n  prepare: python -c pass\n", 1)
    )
    assert main(["check", "data"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(" passed, 2 errors"), out
    errors = [line for line in out if line.startswith("  ERROR ")]
    assert len(errors) == 2 and "cannot be evaluated on the data's column types" in errors[0]
    assert not any(line.startswith("  FAILED") for line in out)
