"""Parameter and data differences between two runs."""

from __future__ import annotations

from mlgate.compare.diff import DataChange, ParamChange, datasets, params
from mlgate.result.records import DatasetSummary, FileFingerprint


def test_params_added_removed_changed_and_type_changes() -> None:
    old = {"train.C": 1.0, "train.max_iter": 100, "prepare.seed": 42, "flag": 1}
    new = {"train.C": 0.5, "train.max_iter": 100, "train.penalty": "l1", "flag": True}
    assert params(old, new) == [
        ParamChange(name="flag", change="changed", old=1, new=True),
        ParamChange(name="prepare.seed", change="removed", old=42),
        ParamChange(name="train.C", change="changed", old=1.0, new=0.5),
        ParamChange(name="train.penalty", change="added", new="l1"),
    ]
    assert params(new, new) == []


def summary(role: str, sha: str, rows: int) -> DatasetSummary:
    return DatasetSummary(
        role=role,
        file=FileFingerprint(path=f"{role}.csv", sha256=sha, bytes=1),
        format="csv",
        rows=rows,
        columns={},
    )


def test_data_changes_by_fingerprint() -> None:
    old = (summary("train", "a" * 64, 100), summary("test", "b" * 64, 20))
    new = (summary("train", "c" * 64, 120), summary("test", "b" * 64, 20))
    assert datasets(old, new) == [
        DataChange(
            role="train",
            change="changed",
            old_rows=100,
            new_rows=120,
            old_sha256="a" * 64,
            new_sha256="c" * 64,
        )
    ]
    assert datasets(old, old[:1])[0].change == "removed"
