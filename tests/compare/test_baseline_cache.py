"""The baseline cache: a result is read back whole, and a run whose users' tests need the
baseline's model reads an entry only with that model beside it."""

from __future__ import annotations

from pathlib import Path

from mlgate.compare import baseline
from mlgate.result.records import FileFingerprint, TrainStage
from tests.report.test_markdown import result

SHA = "cd" * 32


def test_an_entry_without_the_model_asked_for_is_not_read(tmp_path: Path) -> None:
    trained = TrainStage(
        status="passed", model=FileFingerprint(path="models/model.skops", sha256=SHA, bytes=9)
    )
    written = result(train=trained)
    baseline._cache_write(tmp_path, "k1", written, {"f1": 0.9})
    read = baseline._cache_read(tmp_path, "k1", keep_model=False)
    assert read == (written, {"f1": 0.9}, None)
    assert baseline._cache_read(tmp_path, "k1", keep_model=True) is None  # written without it
    kept = tmp_path / baseline.CACHE / "k1.model.skops"
    kept.write_bytes(b"the model")
    assert baseline._cache_read(tmp_path, "k1", keep_model=True) == (
        written,
        {"f1": 0.9},
        baseline.KeptModel(kept, ".skops"),  # its suffix, for its loader
    )
    assert baseline._cache_read(tmp_path, "another", keep_model=False) is None
