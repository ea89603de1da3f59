"""A grid's one limit is the number of configurations it makes (10,000, as random's samples
and Optuna's trials): one path may list up to that many values. A schema bound of 1,000
values a path, which the docs never named, refused `train.C` with 1,001 values (1,001
configurations) with "lists 1001 items, and at most 1000 are allowed" and no way on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.errors import ManifestError
from mlgate.manifest.semantic_checks import MAX_CONFIGURATIONS
from mlgate.sweep import space
from tests import projects
from tests.conftest import REPO_ROOT


def _written(tmp_path: Path, values: int, more: str = "") -> Path:
    listed = ", ".join(f"{(i + 1) / 1000:g}" for i in range(values))
    files = projects.iris_files(Path())
    files["mlops.yaml"] = (
        projects.IRIS_MANIFEST + f"sweep:\n  grid: {{train.C: [{listed}]{more}}}\n"
    )
    files["params.yaml"] = "train:\n  C: 1.0\n  max_iter: 100\n"
    return projects.write(tmp_path / "p", files)


@pytest.mark.parametrize("values", [1_001, MAX_CONFIGURATIONS])
def test_one_path_may_list_as_many_values_as_a_sweep_may_run(tmp_path: Path, values: int) -> None:
    loaded = manifests.load(_written(tmp_path, values) / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    assert len(made) == values == len({c.id for c in made})


def test_past_the_limit_the_refusal_counts_configurations_and_says_what_to_do(
    tmp_path: Path,
) -> None:
    with pytest.raises(ManifestError) as refused:
        manifests.load(_written(tmp_path, MAX_CONFIGURATIONS + 1) / "mlops.yaml")
    said = str(refused.value)
    assert (
        "sweep.grid: makes 10,001 configurations (10001 values), more than the 10,000 a sweep "
        "may run: list fewer values, or draw sweep.random samples from the same space (numbers "
        "from a range, {low: ..., high: ...})"
    ) in said
    assert "items" not in said and said.count("\n  ") == 1  # that problem alone


def test_two_paths_are_refused_by_their_product_not_by_either_list(tmp_path: Path) -> None:
    two = ", train.max_iter: [" + ", ".join(str(100 + i) for i in range(10)) + "]"
    with pytest.raises(ManifestError) as refused:
        manifests.load(_written(tmp_path, 1_001, two) / "mlops.yaml")
    assert "makes 10,010 configurations (1001 x 10 values)" in str(refused.value)
    assert str(refused.value).count("\n  ") == 1


def test_the_schema_bounds_no_path_of_a_grid() -> None:
    """An editor reading the schema refuses what validate accepts, otherwise."""
    schema = json.loads((REPO_ROOT / "src/mlgate/manifest/schema.json").read_text())
    grid = schema["$defs"]["sweep"]["properties"]["grid"]
    assert "maxItems" not in grid["additionalProperties"]
    assert "10,000 combinations" in grid["description"]


def test_the_docs_state_the_limit_as_validate_applies_it() -> None:
    manifest = (REPO_ROOT / "docs/manifest.md").read_text()
    row = next(line for line in manifest.splitlines() if line.startswith("| `grid` |"))
    assert "at most 10,000 of them" in row and "one path may list up to 10,000 values" in row
    assert "`sweep.random`" in row and "`{low, high}`" in row
    sweep = " ".join((REPO_ROOT / "docs/sweep.md").read_text().split())
    assert "one path may list up to 10,000 values" in sweep
    assert "1,001 values of `train.C` being 1,001 configurations" in sweep
    for doc in (manifest, sweep):  # the old bound is named nowhere
        assert not re.search(r"1,?000 (values|items)", doc)
