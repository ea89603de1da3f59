"""`data.checks.drift` and `data.reference`: typed with their defaults, and every mistake
located with what would be right."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate import manifest
from mlgate.errors import ManifestError
from mlgate.manifest.spec import Drift, DriftColumn
from tests import projects


def load(tmp_path: Path, drift: str, *, extra: dict[str, str] | None = None) -> manifest.Manifest:
    text = projects.IRIS_MANIFEST.replace(
        "    rows: {min: 20}\n", f"    rows: {{min: 20}}\n{drift}"
    )
    files = projects.iris_files(Path(), manifest=text)
    files.update(extra or {})
    root = projects.write(tmp_path / "p", files)
    return manifest.load(root / "mlops.yaml")


def problems(tmp_path: Path, drift: str, **kwargs: dict[str, str]) -> list[str]:
    with pytest.raises(ManifestError) as error:
        load(tmp_path, drift, **kwargs)
    return [str(p) for p in error.value.problems]


def test_true_is_every_default_and_absent_is_none(tmp_path: Path) -> None:
    assert load(tmp_path / "a", "    drift: true\n").data.drift == Drift()
    assert load(tmp_path / "b", "").data.drift is None
    assert load(tmp_path / "c", "    drift: false\n").data.drift is None


def test_every_setting_is_read(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        "    drift:\n"
        "      columns: [sepal_length, species]\n"
        "      method: psi\n"
        "      threshold: 0.25\n"
        "      alpha: 0.01\n"
        "      correction: bh\n"
        "      share: 0.2\n"
        "      per_column: {sepal_length: {method: ks, threshold: 0.3}}\n",
    ).data.drift
    assert spec == Drift(
        columns=("sepal_length", "species"),
        method="psi",
        threshold=0.25,
        alpha=0.01,
        correction="bh",
        share=0.2,
        per_column={"sepal_length": DriftColumn(method="ks", threshold=0.3)},
    )


def test_a_misspelt_method_is_located_with_the_choices(tmp_path: Path) -> None:
    found = problems(tmp_path, "    drift: {method: kss}\n")
    assert len(found) == 1 and found[0].endswith(
        "mlops.yaml:11:21: data.checks.drift.method: found 'kss', expected one of: auto, ks, "
        "wasserstein, chi2, jensenshannon, psi; did you mean 'ks'?"
    )


def test_a_column_not_in_the_data_is_named_with_its_neighbours(tmp_path: Path) -> None:
    found = problems(tmp_path, "    drift: {columns: [sepal_lenght]}\n")
    assert any(
        "data.checks.drift.columns[0]" in p and "did you mean 'sepal_length'?" in p for p in found
    ), found


def test_a_test_that_cannot_fit_the_declared_type_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, "    drift: {per_column: {species: {method: wasserstein}}}\n")
    assert any(
        "data.checks.drift.per_column.species.method" in p
        and "wasserstein tests numbers and 'species' is category; use chi2, jensenshannon, psi" in p
        for p in found
    ), found


def test_a_column_given_its_own_test_must_be_tested(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "    drift: {columns: [species], per_column: {sepal_length: {threshold: 0.2}}}\n",
    )
    assert any("'sepal_length' is not among data.checks.drift.columns" in p for p in found)


def test_a_named_reference_must_exist_and_be_a_known_format(tmp_path: Path) -> None:
    with_reference = "  reference: data/refrence.csv\n"
    text = projects.IRIS_MANIFEST.replace(
        "  target: species\n", f"  target: species\n{with_reference}"
    )
    files = projects.iris_files(Path(), manifest=text)
    files["data/reference.csv"] = files["data/train.csv"]
    root = projects.write(tmp_path / "p", files)
    with pytest.raises(ManifestError) as error:
        manifest.load(root / "mlops.yaml")
    [only] = [str(p) for p in error.value.problems]
    assert only.endswith(
        "mlops.yaml:6:14: data.reference: file 'data/refrence.csv' does not exist; "
        "did you mean 'data/reference.csv'?"
    )
    (root / "mlops.yaml").write_text(text.replace("refrence.csv", "reference.txt"))
    (root / "data" / "reference.txt").write_text("x\n")
    with pytest.raises(ManifestError, match=r"data\.reference: 'data/reference.txt' has extension"):
        manifest.load(root / "mlops.yaml")
