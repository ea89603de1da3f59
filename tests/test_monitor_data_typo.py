"""A production file named with a typo: "did you mean" the file beside it, as a manifest's
paths get; the hint said only to name the file from where mlgate runs (audit U, 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate import monitor
from mlgate.errors import UserError


def test_a_misspelt_production_file_is_offered_the_one_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "production.parquet").write_bytes(b"PAR1")
    monkeypatch.chdir(tmp_path)
    named = monitor.Named(
        name="data/prodution.parquet", path=tmp_path / "data/prodution.parquet", by="--data"
    )
    with pytest.raises(UserError) as error:
        monitor._local(named, tmp_path / "scratch", None)
    assert error.value.message == (
        "--data: 'data/prodution.parquet' does not exist; did you mean 'data/production.parquet'?"
    )
    far = monitor.Named(name="data/sales.csv", path=tmp_path / "data/sales.csv", by="--labels")
    with pytest.raises(UserError) as error:
        monitor._local(far, tmp_path / "scratch", None)
    assert error.value.message == "--labels: 'data/sales.csv' does not exist"  # nothing close
