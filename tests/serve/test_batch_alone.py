"""A request's answer does not turn on what other clients send at the same moment: its
records reach the model with the dtypes they have when it is scored alone, whatever
shares its batch. An integer column was float64 for every request of a batch in which
one record held a null (int64 otherwise), and a model that one-hot encodes an integer
code as text answered another class for a request depending on who else was waiting."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from mlgate.serve import batch, service
from mlgate.serve.app import create_app
from mlgate.serve.protocol import ReadDeadline
from mlgate.serve.schema import Field, InputSchema, validate
from tests.serve.conftest import running

ZIPS = InputSchema(fields=(Field(name="zip", kind="integer"), Field(name="x", kind="number")))
A = {"zip": 94107, "x": 0.0}  # "yes" alone: 94107 is the zip code the class follows
B = {"zip": None, "x": 0.0}  # another client's missing zip code


@pytest.fixture(scope="module")
def zips() -> Pipeline:
    """The audit's model: the zip code as text, one-hot encoded (94107.0 is not '94107')."""
    rng = np.random.default_rng(0)
    codes = rng.choice([94107, 10001, 60601], 300)
    frame = pd.DataFrame({"zip": codes, "x": rng.normal(size=300)})
    as_text = FunctionTransformer(pd.DataFrame.astype, kw_args={"dtype": str})
    columns = ColumnTransformer(
        [
            (
                "zip",
                Pipeline([("s", as_text), ("oh", OneHotEncoder(handle_unknown="ignore"))]),
                ["zip"],
            ),
            ("x", "passthrough", ["x"]),
        ]
    )
    model = Pipeline([("ct", columns), ("lr", LogisticRegression())])
    return model.fit(frame, np.where(codes == 94107, "yes", "no"))


def _requests() -> list[list[dict[str, Any]]]:
    """Requests as they come from several clients at once: with and without a null zip
    code, one of them holding both."""
    return [
        [A],
        [B],
        [{"zip": 10001, "x": 0.5}],
        [{"zip": 94107, "x": -1.0}],
        [B, {"zip": 94107, "x": 1.0}],  # a null in its own records: float64, as alone
        [{"zip": 60601, "x": 0.0}],
        [{"zip": None, "x": 2.0}],
        [{"zip": 94107, "x": 2.0}],
    ]


def _batched(
    score: Any, requests: list[list[dict[str, Any]]], alike: Any
) -> tuple[list[batch.Scored], list[int]]:
    """Every request submitted at once to the Batcher: the answers, and each model call's
    number of rows."""
    calls: list[int] = []

    def counted(records: batch.Records) -> batch.Scored:
        calls.append(len(records))
        return score(records)

    async def main() -> list[batch.Scored]:
        batcher = batch.Batcher(counted, alike=alike)
        return await asyncio.gather(*(batcher.submit(r) for r in requests))

    return asyncio.run(main()), calls


def test_each_requests_answer_in_a_mixed_batch_is_its_answer_alone(zips: Pipeline) -> None:
    score = batch.scorer(zips, ZIPS)
    requests = [validate(ZIPS, r) for r in _requests()]
    alone = [score(r) for r in requests]
    assert alone[0].predictions == ["yes"]  # 94107 as the run's evaluation read it: int64
    answers, calls = _batched(score, requests, batch.alike(ZIPS))
    assert answers == alone
    assert max(calls) > 1 and len(calls) < len(requests)  # batched all the same
    assert sum(calls) == sum(len(r) for r in requests)


def test_alike_parts_requests_by_the_dtypes_their_frame_gets() -> None:
    kinds = InputSchema(
        fields=(
            Field(name="n", kind="integer"),
            Field(name="b", kind="boolean"),
            Field(name="x", kind="number"),
            Field(name="s", kind="string"),
        )
    )
    key = batch.alike(kinds)
    full = {"n": 1, "b": True, "x": 1.0, "s": "a"}
    assert key([full]) == key([full, {**full, "x": None, "s": None}])  # one dtype, null or not
    assert key([full]) != key([{**full, "n": None}])
    assert key([full]) != key([{**full, "b": None}])
    assert key([{**full, "n": None}]) != key([{**full, "b": None}])
    assert key([full, {**full, "n": None}]) == key([{**full, "n": None}])


class Seen:
    """A model that answers, for each row, the dtype and value of every column it was handed:
    what reaches a model, column by column."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.array(
            [
                "|".join(f"{c}:{frame[c].dtype}:{frame[c].iloc[i]}" for c in frame.columns)
                for i in range(len(frame))
            ]
        )


def test_every_kind_reaches_the_model_as_it_does_alone() -> None:
    """Integer, boolean, number, text, datetime (with and without a time zone) and date
    columns, with and without nulls, in one batch: each request's rows reach the model with
    the dtype and value they have when it is scored alone."""
    kinds = InputSchema(
        fields=(
            Field(name="n", kind="integer"),
            Field(name="b", kind="boolean"),
            Field(name="x", kind="number"),
            Field(name="s", kind="string"),
            Field(name="t", kind="datetime", unit="us"),
            Field(name="z", kind="datetime", unit="ns", zone="UTC"),
            Field(name="d", kind="date"),
        )
    )
    full = {
        "n": 7,
        "b": True,
        "x": 1.5,
        "s": "red",
        "t": "2024-05-01T13:45:00",
        "z": "2024-05-01T13:45:00+02:00",
        "d": "2024-05-01",
    }
    requests = [[full]] + [[{**full, name: None}] for name in full] + [[dict.fromkeys(full)]]
    score = batch.scorer(Seen(), kinds)
    checked = [validate(kinds, r) for r in requests]
    alone = [score(r) for r in checked]
    assert "n:int64:7" in alone[0].predictions[0] and "b:bool:True" in alone[0].predictions[0]
    assert "n:float64:nan" in alone[1].predictions[0]  # a blank, as read_csv reads one
    answers, calls = _batched(score, checked, batch.alike(kinds))
    assert answers == alone
    assert max(calls) > 1  # those alike still share a call
    assert isinstance(checked[0][0]["d"], dt.date)


def _model_calls(model: Pipeline) -> tuple[Any, list[int]]:
    """The model, counting the rows of each call (not a Pipeline, so scored whole)."""
    calls: list[int] = []

    class Counted:
        classes_ = model.classes_

        def predict(self, frame: pd.DataFrame) -> Any:
            calls.append(len(frame))
            return model.predict(frame)

        def predict_proba(self, frame: pd.DataFrame) -> Any:
            return model.predict_proba(frame)

    return Counted(), calls


def test_over_http_a_null_sent_by_another_client_changes_no_answer(zips: Pipeline) -> None:
    """The audit's race over real connections: clients with and without a zip code at once,
    each answered as its request is answered alone."""
    counted, calls = _model_calls(zips)
    served = service.Service(model=counted, schema=ZIPS, metadata={"model": "zips"})
    requests = _requests()
    with running(create_app(served), http=ReadDeadline) as url:
        alone = [httpx.post(f"{url}/predict", json={"records": r}).json() for r in requests]
        assert alone[0]["predictions"] == ["yes"]
        calls.clear()

        async def race() -> list[list[dict[str, Any]]]:
            limits = httpx.Limits(max_connections=len(requests))
            async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
                rounds = []
                for _ in range(25):
                    sent = [client.post("/predict", json={"records": r}) for r in requests]
                    rounds.append([a.json() for a in await asyncio.gather(*sent)])
                return rounds

        rounds = asyncio.run(race())
    for answers in rounds:
        assert answers == alone
    assert max(calls) > 1  # requests did share model calls
