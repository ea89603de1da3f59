"""Requests that arrive together are scored together: one model call for every record
waiting, its answers handed back to each request in order.

A scikit-learn model costs about as much for fifty rows as for one (the time goes to
checking its input, not to arithmetic), so under load this is what keeps single-row
latency low. What an answer is, exactly: the model's own answer for the rows of the batch
it was scored in, bit for bit, cut back to the request's share. That is the answer for
the request alone when it was scored alone, and otherwise can differ from it in the last
digits wherever the model sums products (a linear model, a network): BLAS adds in another
order for another number of rows. `exact` batches of one request each give the answer
alone, always. A batch the model refuses is scored again request by request, so one bad
request fails alone. Requests are batched only with requests whose records make a frame of
the same dtypes (`alike`): a null makes an integer column float64 and a boolean one object,
as read_csv reads a blank, so a request's values reach the model as they do alone
whatever other clients send at the same moment.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from mlgate.serve.schema import Field, InputSchema

MAX_ROWS = 1024  # a batch grows no further; a larger request is scored alone
MAX_WAIT_S = 0.002  # the longest a request waits for others still arriving


class Pacing(TypedDict, total=False):
    """How a Batcher groups requests (its keyword arguments)."""

    max_rows: int
    max_wait_s: float


EXACT: Pacing = {"max_rows": 1, "max_wait_s": 0.0}  # each request scored alone: the answer alone

Records = list[dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class Scored:
    """The model's answers for one request's records."""

    predictions: list[Any]
    probabilities: list[list[float]] | None = None
    # the probabilities' classes where the model has no classes_ to name them: an ONNX
    # classifier's labels, the columns its predict_proba names (sorted, as its run read them)
    classes: list[Any] | None = None


class ModelError(ValueError):
    """The model refused these records (a value it cannot take): the request's fault."""


def scorer(model: Any, schema: InputSchema) -> Callable[[Records], Scored]:
    """Scores records with the model, as plain JSON values. A pipeline's transforms run
    once for both answers: what Pipeline.predict and .predict_proba each do, minus doing
    it twice."""
    from mlgate.result.arrays import plain

    front, final = _split_pipeline(model)
    proba = callable(getattr(final, "predict_proba", None))
    unnamed = getattr(model, "classes_", None) is None  # its answers name their classes
    frame = _framer(schema)

    def score(records: Records) -> Scored:
        classes = None
        try:
            features = frame(records)
            if front is not None:
                features = front.transform(features)
            predictions = final.predict(features)
            probabilities: Any = final.predict_proba(features) if proba else None
            if unnamed and hasattr(probabilities, "columns"):  # a frame, a column a class
                probabilities = probabilities[sorted(probabilities.columns)]
                classes = [plain(c) for c in probabilities.columns]
        except Exception as exc:
            raise _refusal(exc, records, schema) from exc
        predictions = _finite(predictions)
        probabilities = None if probabilities is None else _finite(probabilities)
        return Scored(
            predictions=predictions.tolist(),
            probabilities=None if probabilities is None else probabilities.tolist(),
            classes=classes,
        )

    return score


def _refusal(exc: Exception, records: Records, schema: InputSchema) -> Exception:
    """The model's error as the request's fault (a 422) where it is: a value it cannot
    take, or anything it raised on a record holding a null (a text step's `.lower()` of
    one was an AttributeError: a 500 and a traceback in the log for every such request)."""
    null = _first_null(records, schema)
    if isinstance(exc, ValueError | TypeError | OverflowError):
        said = f"the model could not score these records: {exc}"
    elif null is not None:
        said = f"the model could not score these records ({type(exc).__name__}: {exc})"
    else:
        return exc  # the server's own failure: a 500, its traceback in the log
    quoted = _quoted(str(exc), records, schema)
    if quoted is not None:  # `invalid literal for int() with base 10: '2024-05-01'` blamed
        said += f"; {quoted} is the value it refused"  # a null elsewhere the model takes
    elif null is not None:
        said += f"; {null} is null: the model may take no missing value there"
    return ModelError(said)


def _quoted(message: str, records: Records, schema: InputSchema) -> str | None:
    """The first text value the model's error quotes (as Python's errors do: its repr),
    as `records[i].name ('value')`; None: it quotes none."""
    for i, record in enumerate(records):
        for name in schema.names:
            value = record[name]
            if isinstance(value, str) and value and repr(value) in message:
                return f"records[{i}].{name} ({value!r:.40})"
    return None


def _first_null(records: Records, schema: InputSchema) -> str | None:
    for i, record in enumerate(records):
        for name in schema.names:
            if record[name] is None:
                return f"records[{i}].{name}"
    return None


def _finite(answers: Any) -> Any:
    """The model's answers, refused when one is a number JSON has no spelling for."""
    import numpy as np

    answers = np.asarray(answers)
    if answers.dtype.kind in "fc":
        bad = ~np.isfinite(answers)
        if bad.any():
            row = int(np.argwhere(bad)[0][0])
            answer = answers[row].tolist()
            raise ModelError(
                f"records[{row}]: the model answered {answer}, which is not a JSON number"
            )
    return answers


# the kinds whose column's dtype turns on whether it holds a null (_framer): read_csv reads
# a blank in an integer column as float64 NaN and one in a boolean column as object NaN
_NULL_TYPED = frozenset({"integer", "boolean"})


def alike(schema: InputSchema) -> Callable[[Records], Hashable]:
    """What decides the dtypes of the frame records make (_framer): the columns whose dtype
    a null changes that hold one. Requests the Batcher scores together share it, so each is
    read as it is alone: a request's zip code 94107 reached the model as 94107.0 when
    another client's null in that column shared its batch, and a model that one-hot encodes
    it as text answered otherwise (every other kind has one dtype, null or not)."""
    typed = [f.name for f in schema.fields if f.kind in _NULL_TYPED]

    def key(records: Records) -> Hashable:
        return tuple(n for n in typed if any(r[n] is None for r in records))

    return key


def _framer(schema: InputSchema) -> Callable[[Records], Any]:
    """Records as the DataFrame the model was trained on. When every column is a float
    (as the training file's were), the rows go straight into one float64 array, a tenth of
    the cost of pandas' record reader, and closer to training: a 14 sent for a float
    column stays 14.0 instead of making the column int64. Otherwise each column is built
    by its kind, a null as the NaN pandas reads for an empty cell: pandas' record reader
    kept a column of nulls as None, which an imputer does not take for missing, so a row's
    answer turned on whether another request in its batch had a value there."""
    import numpy as np
    import pandas as pd

    names = schema.names
    columns = pd.Index(names)
    if all(f.kind == "number" for f in schema.fields):

        def numeric(records: Records) -> Any:
            rows = np.array([[r[n] for n in names] for r in records], dtype=np.float64)
            # column by column in memory, as pandas lays out a frame read from records: a
            # row-major array made BLAS add in another order (answers 2e-16 apart)
            return pd.DataFrame(np.asfortranarray(rows), columns=columns, copy=False)

        return numeric
    text = pd.Series(["a"]).dtype  # what read_csv gives text: str in pandas 3, object before

    def column(f: Field, values: list[Any]) -> Any:
        kind = f.kind
        held = kind in _NULL_TYPED and None in values  # what alike() tells apart
        if kind == "datetime":  # validate() made the text datetimes: of the file's unit and zone
            if f.zone is None:
                return pd.Series(values, dtype=f"datetime64[{f.unit}]")
            return pd.Series(values, dtype=f"datetime64[{f.unit}, {f.zone}]")
        if kind == "date":  # pyarrow's datetime.date objects, None where missing
            return pd.Series(values, dtype=object)
        if kind == "number" or (kind == "integer" and held):  # read_csv: blanks make floats
            return pd.Series(values, dtype=np.float64)
        if kind == "integer":
            return pd.Series(values, dtype=np.int64)
        if kind == "boolean" and not held:
            return pd.Series(values, dtype=bool)
        missing = [np.nan if v is None else v for v in values]
        return pd.Series(missing, dtype=text if kind == "string" else object)

    def mixed(records: Records) -> Any:
        return pd.DataFrame(
            {f.name: column(f, [r[f.name] for r in records]) for f in schema.fields},
            columns=columns,
        )

    return mixed


def _split_pipeline(model: Any) -> tuple[Any | None, Any]:
    """(the transforms, the estimator) of a scikit-learn Pipeline; (None, model) else."""
    from sklearn.pipeline import Pipeline

    if not isinstance(model, Pipeline) or len(model.steps) < 2:
        return None, model
    final = model.steps[-1][1]
    if final in (None, "passthrough") or not callable(getattr(final, "predict", None)):
        return None, model
    return model[:-1], final


def split(scored: Scored, sizes: Sequence[int]) -> list[Scored]:
    """One batch's answers, cut back into each request's share."""
    parts, start = [], 0
    for size in sizes:
        end = start + size
        parts.append(
            Scored(
                predictions=scored.predictions[start:end],
                probabilities=None
                if scored.probabilities is None
                else scored.probabilities[start:end],
                classes=scored.classes,
            )
        )
        start = end
    return parts


def batches(sizes: Sequence[int], max_rows: int = MAX_ROWS) -> list[range]:
    """Consecutive requests grouped up to max_rows rows (a larger request alone)."""
    groups: list[range] = []
    first, rows = 0, 0
    for i, size in enumerate(sizes):
        if i > first and rows + size > max_rows:
            groups.append(range(first, i))
            first, rows = i, 0
        rows += size
    if sizes:
        groups.append(range(first, len(sizes)))
    return groups


class Batcher:
    """Gathers the requests that are waiting at once and scores them in the event loop's
    own thread (the model's work holds the GIL anyway). A batch is scored when no other
    request is still on its way to the model (being read, being checked), or MAX_WAIT_S
    after its first request, whichever comes first: under load batches grow by
    themselves, and a lone request waits for nothing. Only requests with the same
    `alike(records)` share a model call (each kind in order of arrival): pass
    batch.alike(schema) with a scorer, so each request's frame has the dtypes it has
    alone."""

    def __init__(
        self,
        score: Callable[[Records], Scored],
        max_rows: int = MAX_ROWS,
        max_wait_s: float = MAX_WAIT_S,
        alike: Callable[[Records], Hashable] | None = None,
    ) -> None:
        self._score, self._max_rows, self._max_wait_s = score, max_rows, max_wait_s
        self._alike = alike
        self._waiting: list[tuple[Records, asyncio.Future[Scored]]] = []
        self._arriving = 0  # requests started and not yet submitted or given up
        self._due: asyncio.Handle | asyncio.TimerHandle | None = None
        self._now = False  # the scheduled flush is the immediate kind

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Around a request's reading and checking, so the batch waits for it."""
        self._arriving += 1
        try:
            yield
        finally:
            self._arriving -= 1
            self._schedule()

    async def submit(self, records: Records) -> Scored:
        answer: asyncio.Future[Scored] = asyncio.get_running_loop().create_future()
        self._waiting.append((records, answer))
        self._schedule()
        return await answer

    def _schedule(self) -> None:
        if not self._waiting or (self._due is not None and self._now):
            return
        loop = asyncio.get_running_loop()
        if self._arriving == 0:
            if self._due is not None:
                self._due.cancel()
            self._due, self._now = loop.call_soon(self._flush), True
        elif self._due is None:
            self._due, self._now = loop.call_later(self._max_wait_s, self._flush), False

    def _flush(self) -> None:
        self._due = None
        waiting, self._waiting = self._waiting, []
        kinds: dict[Hashable, list[tuple[Records, asyncio.Future[Scored]]]] = {}
        for one in waiting:
            kinds.setdefault(None if self._alike is None else self._alike(one[0]), []).append(one)
        for kind in kinds.values():
            for group in batches([len(r) for r, _ in kind], self._max_rows):
                self._settle([kind[i] for i in group])

    def _settle(self, group: list[tuple[Records, asyncio.Future[Scored]]]) -> None:
        try:
            scored = self._score([row for records, _ in group for row in records])
        except Exception as exc:  # a refusal, or whatever else the model raised
            if len(group) == 1:
                _answer(group[0][1], exc)
                return
            for one in group:  # which request was it: each alone, and each hears of it
                self._settle([one])
            return
        for (_, answer), part in zip(group, split(scored, [len(r) for r, _ in group]), strict=True):
            _answer(answer, part)


def _answer(answer: asyncio.Future[Scored], outcome: Scored | BaseException) -> None:
    if answer.done():  # its client went away
        return
    if isinstance(outcome, BaseException):
        answer.set_exception(outcome)
    else:
        answer.set_result(outcome)
