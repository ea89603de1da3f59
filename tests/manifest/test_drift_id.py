"""data.id named for drift: validate said valid, then every run failed the data stage on
it (new ids in the test file always "drift", KS 1.00). It is refused at its line, as
the id is refused in robustness checks, the features and the target."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate import manifest
from mlgate.errors import ManifestError
from tests import projects

WHY = (
    "'sepal_width' is the id column (data.id), which differs by design between the "
    "files, so it would always drift; leave it out (columns: all already does)"
)


def load(tmp_path: Path, drift: str) -> manifest.Manifest:
    """The iris project with sepal_width as its data.id (a column of both files)."""
    text = projects.IRIS_MANIFEST.replace(
        "  target: species\n", "  target: species\n  id: sepal_width\n"
    ).replace("    rows: {min: 20}\n", f"    rows: {{min: 20}}\n{drift}")
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=text))
    return manifest.load(root / "mlops.yaml")


def problems(tmp_path: Path, drift: str) -> list[str]:
    with pytest.raises(ManifestError) as error:
        load(tmp_path, drift)
    return [str(p) for p in error.value.problems]


def test_the_id_among_the_tested_columns_is_refused_at_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "    drift: {columns: [sepal_length, sepal_width]}\n")
    assert found == [
        f"{tmp_path / 'p' / 'mlops.yaml'}:12:37: data.checks.drift.columns[1]: {WHY}"
    ], found


def test_the_id_given_its_own_test_is_refused_and_not_sent_to_columns(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "    drift:\n"
        "      columns: [sepal_length]\n"
        "      per_column: {sepal_width: {threshold: 0.2}}\n",
    )
    # not "'sepal_width' is not among data.checks.drift.columns: add it there"
    assert found == [
        f"{tmp_path / 'p' / 'mlops.yaml'}:14:20: data.checks.drift.per_column.sepal_width: {WHY}"
    ], found


def test_the_id_given_its_own_test_under_all_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, "    drift: {per_column: {sepal_width: {method: ks}}}\n")
    assert len(found) == 1 and found[0].endswith(
        f"data.checks.drift.per_column.sepal_width: {WHY}"
    ), found


def test_all_and_the_other_columns_stay_valid(tmp_path: Path) -> None:
    assert load(tmp_path / "a", "    drift: true\n").data.id == "sepal_width"
    spec = load(tmp_path / "b", "    drift: {columns: [sepal_length, species]}\n").data.drift
    assert spec is not None and spec.columns == ("sepal_length", "species")
