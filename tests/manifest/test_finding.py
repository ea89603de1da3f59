"""Which manifest a command reads: the one named, else `mlops.yaml` or `mlops.yml` in the
folder; both there, or none, is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import UserError
from mlgate.manifest.load import find, present


def test_either_name_is_found_and_mlops_yaml_comes_first(tmp_path: Path) -> None:
    assert present(tmp_path) is None
    (tmp_path / "mlops.yml").write_text("name: a\n")
    assert present(tmp_path) == find(tmp_path) == tmp_path / "mlops.yml"
    (tmp_path / "mlops.yaml").write_text("name: b\n")
    assert present(tmp_path) == tmp_path / "mlops.yaml"
    # both: mlops.yaml was read and mlops.yml, perhaps the one being edited, silently not
    with pytest.raises(UserError, match=r"holds both mlops\.yaml and mlops\.yml"):
        find(tmp_path)


def test_a_folder_under_the_name_is_no_manifest(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").mkdir()
    assert present(tmp_path) is None
    with pytest.raises(UserError, match=r"no mlops\.yaml \(or mlops\.yml\) in"):
        find(tmp_path)


def test_a_named_manifest_is_read_from_the_folder(tmp_path: Path) -> None:
    (tmp_path / "ml").mkdir()
    (tmp_path / "ml/other.yaml").write_text("name: c\n")
    assert find(tmp_path, Path("ml/other.yaml")) == tmp_path / "ml/other.yaml"
    with pytest.raises(UserError, match=r"manifest 'missing\.yaml' not found"):
        find(tmp_path, Path("missing.yaml"))
