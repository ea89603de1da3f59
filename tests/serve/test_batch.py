"""Batching: requests waiting together are scored in one call, each gets back exactly its
own rows' answers, and a request the model refuses fails alone."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlgate.serve import batch
from mlgate.serve.schema import Field, InputSchema


@pytest.fixture(scope="module")
def iris() -> tuple[Any, InputSchema, list[dict[str, Any]]]:
    data = load_iris(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in frame.columns]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(frame, data.target.map(dict(enumerate(data.target_names))))
    fields = InputSchema(fields=tuple(Field(name=c, kind="number") for c in frame.columns))
    return model, fields, frame.to_dict("records")


def test_batches_group_requests_up_to_the_row_limit() -> None:
    assert batch.batches([1, 1, 1], max_rows=2) == [range(0, 2), range(2, 3)]
    assert batch.batches([5, 1], max_rows=2) == [range(0, 1), range(1, 2)]  # too big: alone
    assert batch.batches([1, 5], max_rows=2) == [range(0, 1), range(1, 2)]
    assert batch.batches([], max_rows=2) == []


def test_split_hands_each_request_its_own_rows() -> None:
    scored = batch.Scored(predictions=["a", "b", "c"], probabilities=[[1.0], [0.5], [0.0]])
    parts = batch.split(scored, [2, 1])
    assert parts[0] == batch.Scored(predictions=["a", "b"], probabilities=[[1.0], [0.5]])
    assert parts[1] == batch.Scored(predictions=["c"], probabilities=[[0.0]])


def test_the_scorer_answers_what_the_pipeline_itself_answers(iris) -> None:
    model, fields, rows = iris
    scored = batch.scorer(model, fields)(rows)
    frame = model[0].feature_names_in_
    assert list(frame) == fields.names
    import pandas as pd

    table = pd.DataFrame.from_records(rows)
    assert scored.predictions == model.predict(table).tolist()
    assert np.array_equal(np.array(scored.probabilities), model.predict_proba(table))


def test_an_integer_sent_for_a_float_column_scores_as_the_float(iris) -> None:
    model, fields, rows = iris
    row = {k: float(round(v)) for k, v in rows[70].items()}
    as_ints = {k: int(v) for k, v in row.items()}
    score = batch.scorer(model, fields)
    assert score([as_ints]) == score([row])


def test_concurrent_requests_share_one_model_call(iris) -> None:
    model, fields, rows = iris
    score = batch.scorer(model, fields)
    calls, counted = _counting(score)

    async def main() -> list[batch.Scored]:
        batcher = batch.Batcher(counted)
        return await asyncio.gather(*(batcher.submit([row]) for row in rows[::10]))

    answers = asyncio.run(main())
    assert calls == [len(rows[::10])]
    assert [a.predictions[0] for a in answers] == [score([r]).predictions[0] for r in rows[::10]]


def test_a_batch_waits_for_requests_still_arriving_but_not_forever(iris) -> None:
    model, fields, rows = iris
    score = batch.scorer(model, fields)
    calls, counted = _counting(score)

    async def main() -> None:
        batcher = batch.Batcher(counted, max_wait_s=0.5)

        async def slow_to_read(row, seconds: float) -> batch.Scored:
            with batcher.arriving():  # its body is still being read
                await asyncio.sleep(seconds)
            return await batcher.submit([row])

        second = asyncio.ensure_future(slow_to_read(rows[1], 0.05))
        await asyncio.sleep(0)
        await asyncio.gather(batcher.submit([rows[0]]), second)
        assert calls == [2]  # the first waited for the second
        started = asyncio.get_running_loop().time()
        late = asyncio.ensure_future(slow_to_read(rows[3], 2))
        await asyncio.sleep(0)
        await batcher.submit([rows[2]])  # ... but not past max_wait_s
        assert calls == [2, 1] and asyncio.get_running_loop().time() - started < 1.5
        await late

    asyncio.run(main())


def test_a_request_the_model_refuses_fails_alone(iris) -> None:
    model, fields, rows = iris
    score = batch.scorer(model, fields)

    async def main():
        batcher = batch.Batcher(score)
        bad = {**rows[0], "petal_width": None}  # LogisticRegression takes no NaN
        return await asyncio.gather(
            batcher.submit([rows[0]]),
            batcher.submit([bad]),
            batcher.submit([rows[100]]),
            return_exceptions=True,
        )

    good, refused, other = asyncio.run(main())
    assert isinstance(refused, batch.ModelError) and "NaN" in str(refused)
    assert good == score([rows[0]]) and other == score([rows[100]])


def _counting(score):
    """The scorer, and the size of each batch it was called with."""
    calls: list[int] = []

    def counted(records):
        calls.append(len(records))
        return score(records)

    return calls, counted
