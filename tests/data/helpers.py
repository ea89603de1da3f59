"""Small builders shared by the data tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mlgate.manifest.spec import Column, Data
from mlgate.result.records import CheckResult

SUFFIX = {"csv": ".csv", "parquet": ".parquet", "jsonl": ".jsonl"}


def write(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    return path


def spec(*columns: Column, target: str = "target", **fields: object) -> Data:
    return Data(
        train="data/train.csv", test="data/test.csv", target=target, columns=columns, **fields
    )  # type: ignore[arg-type]


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    found = {r.id: r for r in results}
    assert len(found) == len(results), "check ids must be unique"
    return found
