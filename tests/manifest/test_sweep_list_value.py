"""A list is no swept value: the refusal says why and what sweeps one. It said "expected a
string, a number ... found a list" alone, and neither sweep.md nor manifest.md said a
grid's values are single values (audit W, finding 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate.errors import ManifestError
from tests import projects


def test_a_list_in_a_grid_is_refused_with_what_to_sweep_instead(tmp_path: Path) -> None:
    files = projects.iris_files(Path())
    files["mlops.yaml"] = (
        projects.IRIS_MANIFEST + "sweep:\n  grid: {model.layers: [[16], [32, 8]], train.C: [1]}\n"
    )
    files["params.yaml"] = "train:\n  C: 1.0\nmodel:\n  layers: [16, 8]\n"
    root = projects.write(tmp_path / "p", files)
    with pytest.raises(ManifestError) as refused:
        manifests.load(root / "mlops.yaml")
    said = str(refused.value)
    for item in (0, 1):
        assert (
            f"sweep.grid.model.layers[{item}]: expected a string, a number, an integer, a "
            "boolean or nothing, found a list; a swept value stands in for one params value "
            "and cannot be a list or a mapping: sweep a name your training maps to one "
            "(`model.layout: [small, large]`)"
        ) in said
    assert said.count("\n  ") == 2  # train.C's single value is no problem
