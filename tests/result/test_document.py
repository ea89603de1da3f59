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
