"""Batching: requests waiting together are scored in one call, each gets back exactly its
own rows' answers, and a request the model refuses fails alone."""

from __future__ import annotations

import asyncio
from dataclasses import replace
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


def _pets(tmp_path) -> tuple[Any, InputSchema, Any]:
    """A pipeline over text, a category with an imputer, a boolean and an integer, fitted
    on the frame the run reads from CSV (read_pandas: an empty cell is NaN)."""
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    from mlgate.data import load

    rng = np.random.default_rng(3)
    rows = 300
    kind = rng.choice(["cat", "dog", "bird"], rows)
    words = {"cat": "purr mouse nap", "dog": "bark bone walk", "bird": "seed song wing"}
    colour = np.where(kind == "cat", "black", np.where(kind == "dog", "brown", "yellow"))
    pd.DataFrame(
        {
            "description": [words[k].split()[i % 3] + " the a" for i, k in enumerate(kind)],
            "colour": np.where(rng.random(rows) < 0.3, None, colour),
            "indoor": kind != "bird",
            "legs": np.where(kind == "bird", 2, 4),
            "pet": kind,
        }
    ).to_csv(tmp_path / "pets.csv", index=False)
    frame = load.read_pandas(tmp_path / "pets.csv", "csv")
    assert frame["colour"].isna().sum() > 50
    columns = make_column_transformer(
        (TfidfVectorizer(), "description"),
        (
            make_pipeline(
                SimpleImputer(strategy="constant", fill_value="unknown"),
                OneHotEncoder(handle_unknown="ignore"),
            ),
            ["colour"],
        ),
        (SimpleImputer(strategy="most_frequent"), ["indoor", "legs"]),
    )
    model = make_pipeline(columns, LogisticRegression(max_iter=1000))
    model.fit(frame.drop(columns="pet"), frame["pet"])
    schema = InputSchema(
        fields=(
            Field(name="description", kind="string", nullable=False),
            Field(name="colour", kind="string"),
            Field(name="indoor", kind="boolean"),
            Field(name="legs", kind="integer"),
        )
    )
    return model, schema, frame


def test_a_null_is_read_as_an_empty_cell_whatever_else_is_in_the_batch(tmp_path) -> None:
    """A column of nulls was kept as None, which the imputer does not take for missing:
    alone, a row with no colour got other probabilities (and, near the line, another
    label) than beside a row that had one, and than the model gave the row read from
    the file."""
    model, schema, frame = _pets(tmp_path)
    score = batch.scorer(model, schema)
    held = frame[frame["colour"].isna()].drop(columns="pet").iloc[:5]
    other = {"description": "bark the a", "colour": "brown", "indoor": True, "legs": 4}
    expected = model.predict_proba(held)
    for i, (_, row) in enumerate(held.iterrows()):
        record = {**row.to_dict(), "colour": None}
        record["legs"], record["indoor"] = int(record["legs"]), bool(record["indoor"])
        alone = score([record])
        beside = score([record, other])
        assert alone.probabilities is not None and beside.probabilities is not None
        assert np.allclose(alone.probabilities[0], expected[i], rtol=0, atol=1e-12)
        assert np.allclose(beside.probabilities[0], expected[i], rtol=0, atol=1e-12)
        assert alone.predictions[0] == beside.predictions[0] == model.predict(held)[i]
    # nulls in the integer and boolean columns too: read as the file's reader reads blanks
    record = {"description": "seed the a", "colour": None, "indoor": None, "legs": None}
    with_blanks = frame.drop(columns="pet").iloc[:1].copy()
    with_blanks[["colour", "indoor", "legs"]] = np.nan
    with_blanks["description"] = "seed the a"
    with_blanks = with_blanks.astype({"indoor": object, "legs": float})
    assert score([record]).predictions == model.predict(with_blanks).tolist()


def test_a_null_the_model_cannot_take_is_the_requests_fault_and_named(tmp_path) -> None:
    """TfidfVectorizer given a null raised AttributeError: a 500 and a traceback in the
    log for every such request. Declared `nullable: false`, the schema refuses it first."""
    from mlgate.serve.schema import InputError, validate

    model, schema, _ = _pets(tmp_path)
    record = {"description": None, "colour": "black", "indoor": True, "legs": 4}
    with pytest.raises(InputError, match=r"^records\[0\]\.description may not be null"):
        validate(schema, [record])
    lenient = InputSchema(fields=tuple(replace(f, nullable=True) for f in schema.fields))
    validate(lenient, [record])
    with pytest.raises(batch.ModelError) as refused:
        batch.scorer(model, lenient)([record])
    assert str(refused.value) == (
        "the model could not score these records: np.nan is an invalid document, expected "
        "byte or unicode string.; records[0].description is null: the model may take no "
        "missing value there"
    )

    class Lowered:  # a step of the user's own that calls .lower() on what it is given
        def predict(self, frame):
            return [text.lower() for text in frame["description"]]

    with pytest.raises(batch.ModelError) as refused:
        batch.scorer(Lowered(), lenient)([record])
    assert str(refused.value) == (
        "the model could not score these records (AttributeError: 'float' object has no "
        "attribute 'lower'); records[0].description is null: the model may take no missing "
        "value there"
    )
    # anything else the model raises on values that are all there is still the server's
    broken = batch.scorer(None, lenient)
    with pytest.raises(AttributeError):
        broken([{**record, "description": "purr"}])
