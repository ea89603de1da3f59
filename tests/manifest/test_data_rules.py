"""The newer `data.columns` rules and table checks: typed, and each mistake located."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlgate import manifest
from mlgate.errors import ManifestError
from mlgate.manifest.spec import Column, Freshness, Quantile
from tests import projects


def load(tmp_path: Path, columns: str = "", checks: str = "") -> manifest.Manifest:
    text = projects.IRIS_MANIFEST.replace(
        "    species: {type: category, values: [setosa, versicolor, virginica]}\n",
        "    species: {type: category, values: [setosa, versicolor, virginica]}\n" + columns,
    ).replace("    rows: {min: 20}\n", "    rows: {min: 20}\n" + checks)
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=text))
    return manifest.load(root / "mlops.yaml")


def problems(tmp_path: Path, **kwargs: str) -> list[str]:
    with pytest.raises(ManifestError) as error:
        load(tmp_path, **kwargs)
    return [str(p).split("mlops.yaml:", 1)[1] for p in error.value.problems]


def test_every_new_rule_is_read(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        columns="    petal_width: {type: number, max_null_fraction: 0.1, sorted: increasing,"
        " quantiles: [{q: 0.5, min: 1, max: 2}], expression: 'petal_width < 3'}\n"
        "    seen: {type: datetime, required: false, min: '2024-01-01', max: '2024-12-31'}\n"
        "    sepal_width: {type: datetime}\n",  # declared: validate looks no further
        checks="    expressions: ['sepal_length > 0']\n    target_balance: {min_fraction: 0.1}\n"
        "    same_schema: true\n    freshness: {column: sepal_width, max_age: 7d}\n",
    )
    width = next(c for c in loaded.data.columns if c.name == "petal_width")
    assert width == Column(
        name="petal_width",
        type="number",
        max_null_fraction=0.1,
        sorted="increasing",
        quantiles=(Quantile(q=0.5, min=1, max=2),),
        expression="petal_width < 3",
    )
    seen = next(c for c in loaded.data.columns if c.name == "seen")
    assert (seen.min, seen.max) == ("2024-01-01", "2024-12-31")
    data = loaded.data
    assert data.expressions == ("sepal_length > 0",)
    assert (data.target_min_fraction, data.same_schema) == (0.1, True)
    assert data.freshness == Freshness(column="sepal_width", max_age_s=7 * 86400, shown="7d")


@pytest.mark.parametrize(
    ("columns", "checks", "expected"),
    [
        (
            "    petal_width: {type: number, min_length: 2}\n",
            "",
            "9:33: data.columns.petal_width.min_length: 'min_length' applies to string "
            "columns, not number",
        ),
        (
            "    seen: {type: datetime, min: '2024-13-01'}\n",
            "",
            "9:33: data.columns.seen.min: '2024-13-01' is not an ISO date or datetime "
            "(2024-01-31 or 2024-01-31T12:00:00)",
        ),
        (
            "    petal_width: {type: number, min: '2024-01-01'}\n",
            "",
            "9:38: data.columns.petal_width.min: expected a number, found '2024-01-01' (a date "
            "bound is for a datetime column; this one is number)",
        ),
        (
            "    petal_width: {quantiles: [{q: 0.5, min: 3, max: 2}]}\n",
            "",
            "9:45: data.columns.petal_width.quantiles[0].min: min (3) is greater than max (2)",
        ),
        (
            '    sepal_width: {expression: "sepal_width IN (SELECT 1)"}\n',
            "",
            "9:31: data.columns.sepal_width.expression: an expression is judged on each row "
            "alone and may not hold a query ('SELECT')",
        ),
        (
            "",
            '    expressions: ["x > 0", "y IN (select q from read_csv(\'/etc/passwd\'))"]\n',
            "11:28: data.checks.expressions[1]: an expression is judged on each row alone and "
            "may not hold a query ('select'): a subquery or a table function would read other "
            "files",
        ),
        (  # a query that reads nothing is refused alike: polars planned it
            "",
            '    expressions: ["sepal_width IN (VALUES (1), (2))"]\n',
            "11:19: data.checks.expressions[0]: an expression is judged on each row alone and "
            "may not hold a query ('VALUES')",
        ),
        (  # a typo is said by validate, with the manifest's other problems
            "",
            '    expressions: ["sepal_width > 0", "sepal_width >= 0 AND"]\n',
            "11:38: data.checks.expressions[1]: not a SQL expression polars can read: unable "
            "to parse 'sepal_width >= 0 AND' as Expr",
        ),
        (  # a column it reads that the files lack, with the closest they have
            "",
            '    expressions: ["petal_width > sepal_widht"]\n',
            "11:19: data.checks.expressions[0]: column 'sepal_widht' is not in data/train.csv "
            "nor data/test.csv",
        ),
        (
            "    sepal_width: {expression: sepal_width =< 5}\n",
            "",
            "9:31: data.columns.sepal_width.expression: not a SQL expression polars can read",
        ),
        (
            "",
            "    freshness: {column: sepal_widht, max_age: 7d}\n",
            "11:25: data.checks.freshness.column: column 'sepal_widht' is not in data/train.csv",
        ),
        (
            "",
            "    freshness: {column: sepal_width, max_age: 7 days}\n",
            "11:47: data.checks.freshness.max_age: found '7 days', expected a number and a unit: "
            "7d, 12h, 30m or 90s",
        ),
        (
            "    petal_width: {type: number}\n",
            "    freshness: {column: petal_width, max_age: 7d}\n",
            "12:25: data.checks.freshness.column: freshness reads a column of dates or times, "
            "and 'petal_width' is declared number in data.columns: name a timestamp column",
        ),
    ],
)
def test_mistakes_are_located(tmp_path: Path, columns: str, checks: str, expected: str) -> None:
    found = problems(tmp_path, columns=columns, checks=checks)
    assert any(p.startswith(expected) for p in found), found


def test_a_pattern_is_judged_in_the_syntax_the_run_matches_with(tmp_path: Path) -> None:
    """validate compiled `pattern` with Python's re, the run matches with polars' Rust
    regex: `\\p{Greek}` was refused though the run reads it, a look-behind passed though
    the run could not."""
    loaded = load(tmp_path, columns="    name: {pattern: '^\\p{Greek}+\\z', required: false}\n")
    assert next(c.pattern for c in loaded.data.columns if c.name == "name") == r"^\p{Greek}+\z"
    assert problems(tmp_path, columns="    name: {pattern: '(?<=a)b', required: false}\n") == [
        "9:21: data.columns.name.pattern: not a valid regular expression in polars' (Rust) "
        "syntax: look-around, including look-ahead and look-behind, is not supported at "
        "position 0"
    ]


def test_validate_imports_polars_for_a_pattern_alone(tmp_path: Path) -> None:
    """Compiling a pattern with polars costs its import (about 0.2 s): a manifest without
    one (nor an expression) is validated without it."""
    for name, extra in (
        ("plain", ""),
        ("patterned", "    name: {pattern: '^a', required: false}\n"),
    ):
        text = projects.IRIS_MANIFEST.replace("    species: {", extra + "    species: {")
        root = projects.write(tmp_path / name, projects.iris_files(Path(), manifest=text))
        loads = f"manifest.load(pathlib.Path({str(root / 'mlops.yaml')!r}))"
        script = f"import sys, pathlib; from mlgate import manifest; {loads}"
        said = subprocess.run(
            [sys.executable, "-c", f"{script}; print('polars' in sys.modules)"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert said.stdout.strip() == str(bool(extra))


def test_a_data_file_a_dvc_lock_names_may_be_absent(tmp_path: Path) -> None:
    """Absent from the checkout but an output in dvc.lock: the run pulls it, so the
    manifest is valid; a file neither DVC file names is still missing."""
    files = projects.iris_files(Path())
    del files["data/train.csv"]
    root = projects.write(tmp_path / "p", files)
    (root / ".git").mkdir()  # the repository's top: the search for dvc.lock stops here
    with pytest.raises(ManifestError, match=r"data\.train: file 'data/train\.csv' does not exist"):
        manifest.load(root / "mlops.yaml")
    (root / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  split:\n    cmd: python split.py\n    outs:\n"
        "    - path: data/train.csv\n      hash: md5\n      md5: 0123456789abcdef0123456789abcdef\n"
    )
    assert manifest.load(root / "mlops.yaml").data.train == "data/train.csv"


def test_parquet_data_without_pyarrow_is_said_by_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks read Parquet with polars, the model's frame needs pandas and pyarrow: a
    project on Parquet without pyarrow (the action's default extras) validated, and
    failed after training."""
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else found(name, *a)
    )
    text = projects.IRIS_MANIFEST.replace("data/train.csv", "data/train.parquet")
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=text))
    with pytest.raises(ManifestError) as error:
        manifest.load(root / "mlops.yaml")
    said = [str(p).split("mlops.yaml:", 1)[1] for p in error.value.problems]
    assert any(
        p.endswith(
            "data.train: 'data/train.parquet' is Parquet, which the model reads through pandas "
            "and pyarrow, and pyarrow is not installed: pip install 'mlgate[parquet]' (in the "
            "GitHub action: extras: png,parquet)"
        )
        for p in said
    ), said
