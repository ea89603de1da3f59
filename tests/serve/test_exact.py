"""What an answer is, exactly: under `--exact`, bit for bit the model's answer for that
request alone; batched, bit for bit the model's answer for the rows of the batch it was
scored in (which can differ from the answer alone in the last digits: BLAS adds in
another order for another number of rows)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.serve import batch, service
from mlgate.serve.app import create_app
from mlgate.serve.schema import Field, InputSchema
from tests.serve.conftest import running


def _fitted(loader: Any, model: Any) -> tuple[Any, InputSchema, pd.DataFrame]:
    data = loader(as_frame=True)
    frame = data.data.rename(columns=lambda c: c.replace("/", "_"))
    model.fit(frame, data.target)
    return (
        model,
        InputSchema(fields=tuple(Field(name=c, kind="number") for c in frame.columns)),
        frame,
    )


@pytest.fixture(scope="module")
def diabetes() -> tuple[Any, InputSchema, pd.DataFrame]:
    return _fitted(load_diabetes, LinearRegression())


@pytest.fixture(scope="module")
def wine() -> tuple[Any, InputSchema, pd.DataFrame]:
    return _fitted(load_wine, make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)))


def _send_at_once(url: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Every row its own request, 16 in flight at any moment, on 16 connections kept alive:
    HTTP/1.1 written and read here in a few lines (httpx's pool, which scans every
    connection at every event, cost the client twice the server's CPU)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    rows = frame.to_dict("records")
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(rows)  # status and body, by row

    async def connection(todo: list[int]) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while todo:
                i = todo.pop()
                body = json.dumps({"records": [rows[i]]}).encode()
                head = (
                    f"POST /predict HTTP/1.1\r\nhost: {host}:{port}\r\n"
                    f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
                )
                writer.write(head.encode() + body)
                status = int((await reader.readline()).split()[1])
                headers = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                answers[i] = (status, await reader.readexactly(int(headers["content-length"])))
        finally:
            writer.close()
            await writer.wait_closed()

    async def main() -> None:
        todo = list(reversed(range(len(rows))))  # popped in the rows' order
        await asyncio.gather(*(connection(todo) for _ in range(16)))

    asyncio.run(main())
    assert all(status == 200 for status, _ in answers)
    return [json.loads(payload) for _, payload in answers]


@pytest.mark.parametrize("name", ["diabetes", "wine"])
def test_exact_answers_are_bit_for_bit_the_models_answers_alone(name: str, request: Any) -> None:
    model, fields, frame = request.getfixturevalue(name)
    served = service.Service(model=model, schema=fields, metadata={"model": name})
    with running(create_app(served, exact=True)) as url:
        answers = _send_at_once(url, frame)
    for i, answer in enumerate(answers):
        alone = frame.iloc[[i]]
        assert answer["predictions"] == model.predict(alone).tolist(), i
        if hasattr(model, "predict_proba"):
            assert answer["probabilities"] == model.predict_proba(alone).tolist(), i


@pytest.mark.parametrize("name", ["diabetes", "wine"])
def test_batched_answers_are_bit_for_bit_the_models_answers_for_the_batch(
    name: str, request: Any
) -> None:
    model, fields, frame = request.getfixturevalue(name)
    records = frame.to_dict("records")
    score = batch.scorer(model, fields)

    async def main() -> list[batch.Scored]:
        batcher = batch.Batcher(score)
        return await asyncio.gather(
            *(batcher.submit(records[i : i + 3]) for i in range(0, 60, 3))
        )  # one batch of 60 rows

    answers = asyncio.run(main())
    # the 60 records read back as pandas reads records (column by column in memory)
    together = pd.DataFrame.from_records(records[:60], columns=list(frame.columns))
    assert [p for a in answers for p in a.predictions] == model.predict(together).tolist()
    if hasattr(model, "predict_proba"):
        assert [p for a in answers for p in a.probabilities or []] == model.predict_proba(
            together
        ).tolist()


def test_non_finite_answers_are_a_422_naming_the_record(diabetes) -> None:
    model, fields, frame = diabetes
    served = service.Service(model=model, schema=fields, metadata={"model": "diabetes"})
    huge = {**frame.iloc[0].to_dict(), "bmi": 1.7e308}  # finite in, overflows in the sum
    with running(create_app(served)) as url:
        answer = httpx.post(f"{url}/predict", json={"records": [frame.iloc[1].to_dict(), huge]})
    assert answer.status_code == 422, answer.text
    assert "records[1]" in answer.json()["error"] and "inf" in answer.json()["error"]
    assert np.isinf(model.predict(pd.DataFrame([huge]))[0])


@pytest.mark.parametrize("name", ["diabetes", "wine"])
def test_a_request_of_many_records_is_what_the_model_answers_for_them_read_as_records(
    name: str, request: Any
) -> None:
    """A user checks an answer by reading the records back as pandas does
    (`DataFrame.from_records`, column by column in memory). The rows went into a
    row-major array: 35 of 114 probabilities came out 2.2e-16 from that."""
    model, fields, frame = request.getfixturevalue(name)
    records = frame.to_dict("records")
    served = service.Service(model=model, schema=fields, metadata={"model": name})
    with running(create_app(served, exact=True)) as url:
        answer = httpx.post(f"{url}/predict", json={"records": records}, timeout=60).json()
    by_hand = pd.DataFrame.from_records(records, columns=list(frame.columns))
    assert answer["predictions"] == model.predict(by_hand).tolist()
    if hasattr(model, "predict_proba"):
        assert answer["probabilities"] == model.predict_proba(by_hand).tolist()
