"""A labels file with an unknown extension was told to set data.format, which the labels
file is not read by (it is read by its name alone): the hint says what does (helper 149's
leftover of audit Y, finding 8)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlgate import manifest as manifests
from mlgate import monitor_labels
from mlgate.errors import UserError


def test_a_labels_file_of_unknown_extension_is_told_to_be_renamed(tmp_path: Path) -> None:
    (tmp_path / "mlops.yaml").write_text(
        "name: churn\ndata: {train: t.csv, test: t.csv, target: y, id: id}\n"
        "train: {command: python train.py}\n"
    )
    (tmp_path / "t.csv").write_text("id,x,y\n1,2,0\n")
    (tmp_path / "train.py").write_text("")
    labels = tmp_path / "labels.txt"
    labels.write_text("id,y\n1,0\n")
    manifest = manifests.load(tmp_path / "mlops.yaml")
    with pytest.raises(UserError) as error:
        monitor_labels.with_labels(
            manifest, pd.DataFrame({"id": [1], "x": [2]}), labels, "labels.txt", []
        )
    assert "has extension '.txt', so its format is unknown" in error.value.message
    assert (
        error.value.hint == "give the file one of those extensions: its name alone says its format"
    )
