"""The run result's JSON document: compact arrays, round trips, the schema."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlgate.result import arrays, document
from mlgate.result.records import CheckResult, EvaluateStage


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint64, np.int32, np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=50),
    )
)
def test_arrays_round_trip_exactly(array: np.ndarray) -> None:
    back = arrays.decode(arrays.encode(array))
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()


def test_encoding_is_compact() -> None:
    keys = np.arange(100_000, dtype=np.uint64)
    encoded = arrays.encode(keys)
    assert len(encoded.data) < keys.nbytes / 2


def test_object_arrays_are_refused() -> None:
    with pytest.raises(TypeError):
        arrays.encode(np.array(["a", None], dtype=object))


def test_non_finite_metrics_become_null_and_the_document_is_strict_json() -> None:
    stage = EvaluateStage(status="passed", metrics={"r2": float("nan"), "mae": np.float64(2.5)})
    data = document.to_dict(stage)
    assert data["metrics"] == {"r2": None, "mae": 2.5}
    json.dumps(data, allow_nan=False)


def test_dataclasses_rebuild_from_their_dicts() -> None:
    check = CheckResult(
        id="data.rows",
        stage="data",
        subject="train",
        rule="rows >= 10",
        status="failed",
        message="9 rows",
        observed=9,
        manifest_key=None,
    )
    assert document.from_dict(CheckResult, json.loads(json.dumps(document.to_dict(check)))) == check


def test_a_document_that_is_not_a_run_result_is_a_clear_error() -> None:
    from mlgate.errors import UserError

    with pytest.raises(UserError, match=r"x\.json is not a valid mlgate run result"):
        document.loads('{"run_id": 1}', source="x.json")


@pytest.mark.parametrize(("version", "newer"), [("99.1.0", True), ("0.1.0", False)])
def test_a_run_result_a_newer_mlgate_wrote_says_to_upgrade(version: str, newer: bool) -> None:
    """A field a later release added is no fault of the file: the older install said "not
    written by this mlgate, or changed since", and its monitor blamed an empty store."""
    from mlgate import __version__
    from mlgate.errors import UserError
    from tests.report.test_gate_values import gates, run

    written = json.loads(document.dumps(run(gates())))
    written["mlgate_version"] = version
    written["git"]["later"] = "a field of a later release"
    with pytest.raises(UserError) as caught:
        document.loads(json.dumps(written), source="run.json")
    if newer:
        assert caught.value.message == (
            f"run.json was written by mlgate 99.1.0, newer than this {__version__}, which "
            "cannot read it (at git: Additional properties are not allowed ('later' was "
            "unexpected))"
        )
        assert caught.value.hint == "upgrade mlgate to 99.1.0 or later where this file is read"
    else:
        assert caught.value.message.startswith("run.json is not a valid mlgate run result: at git")


def test_a_run_result_no_reader_would_take_is_not_written(tmp_path, monkeypatch) -> None:
    """Float64 scores made a run of millions of test rows write a run.json every reader
    then refused, with the hint that mlgate writes none so big."""
    from mlgate.errors import UserError
    from mlgate.result import runs
    from tests.report.test_gate_values import gates, run

    made = run(gates())
    size = len(document.dumps(made))
    monkeypatch.setattr(document, "MAX_BYTES", size - 1)
    with pytest.raises(UserError) as caught:
        runs.save(tmp_path, made, "report")
    assert caught.value.message == (
        f"the run result would be {size:,} bytes, over the {size - 1:,} every reader of it takes"
    )
    assert not (tmp_path / runs.RUNS).exists()
    monkeypatch.setattr(document, "MAX_BYTES", size)
    assert runs.read(runs.save(tmp_path, made, "report")) == made
    from dataclasses import replace

    from mlgate.result.records import Predictions

    kept = Predictions(
        rows=2,
        row_keys=arrays.encode(np.array([1, 2], np.uint64)),
        y_true=arrays.encode(np.array([0, 1], np.int32)),
        y_pred=arrays.encode(np.array([0, 0], np.int32)),
        classes=(0, 1),
    )
    scored = replace(made, evaluate=replace(made.evaluate, predictions=kept))
    monkeypatch.setattr(document, "MAX_BYTES", 2**30)
    monkeypatch.setattr(document, "MAX_DECODED", 15)  # 16 bytes of keys, 8 + 8 of labels
    with pytest.raises(UserError) as caught:  # decoding past what readers take, the same
        runs.save(tmp_path / "other", scored, "report")
    assert caught.value.message == (
        "the run result would be 0.0 GiB decoded, over the 0 GiB every reader of it takes "
        "(2 test rows kept row by row)"
    )
