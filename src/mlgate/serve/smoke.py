"""`mlgate smoke URL`: sample rows of the test data, one request each, to a running
server; every answer must be a prediction, and the latency is measured.

A server that serves another model, or is no prediction server at all, fails the smoke
test saying what it is (a verdict, exit 1); a URL that nothing answers on is an outside
failure (exit 3). So is a server slower than `--max-p95-ms`: the verdict is
`SmokeResult.passed`. Whatever answers is read as untrusted: each exchange and the whole
smoke test within a deadline, each answer bounded and checked for its shape before it is
read, so a hostile server fails the smoke test in one line, never with a traceback."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from mlgate import words
from mlgate.errors import OutsideError, UserError
from mlgate.manifest.spec import Manifest
from mlgate.report import inert


@dataclass(frozen=True, kw_only=True)
class SmokeResult:
    requests: int  # predictions asked for, answered or not (/metadata aside)
    failures: tuple[str, ...]
    p50_ms: float | None  # None: no request was answered
    p95_ms: float | None
    version: str | None
    max_p95_ms: float | None = None  # the latency asked for; None: any

    @property
    def slow(self) -> bool:
        """The 95th percentile of the latency is over what was asked for."""
        return (
            self.max_p95_ms is not None
            and self.p95_ms is not None
            and self.p95_ms > self.max_p95_ms
        )

    @property
    def passed(self) -> bool:
        return not self.failures and not self.slow

    def to_dict(self) -> dict[str, object]:
        """What `mlgate smoke --json` prints."""
        doc: dict[str, object] = asdict(self)
        del doc["max_p95_ms"]
        return {**doc, "passed": self.passed}


EXCHANGE_S = 10.0  # a request and its whole answer, however the server paces it
WHOLE_S = 60.0  # every row's request: at least this long,
ROW_S = 1.0  # or this long a row, for many rows


class _Late(Exception):
    """An answer that did not arrive whole in time: one exchange's, or the whole smoke's."""

    def __init__(self, seconds: float, *, whole: bool) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.whole = whole


class _Broken(Exception):
    """The connection broke, or what came back was no HTTP answer (after connecting)."""


def run(
    manifest: Manifest,
    url: str,
    *,
    rows: int = 20,
    timeout_s: float | None = None,
    max_p95_ms: float | None = None,
) -> SmokeResult:
    """Smoke-test the server at `url`; `max_p95_ms`: fail when its p95 latency is over.
    `timeout_s`: how long each exchange may take, start to end (EXCHANGE_S)."""
    import asyncio

    import httpx

    if rows < 1:  # no request sent has no latency: 0 was a traceback, -1 all rows but one
        raise UserError(f"--rows {rows}: send at least one row")
    base = url.rstrip("/")
    each = EXCHANGE_S if timeout_s is None else timeout_s
    try:
        done = asyncio.run(_smoke(manifest, base, rows, each))
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        raise OutsideError(
            f"cannot reach {base}: {exc or type(exc).__name__}",
            hint="is the server running, and at that address?",
        ) from exc
    return replace(done, max_p95_ms=max_p95_ms)


async def _smoke(manifest: Manifest, base: str, rows: int, each: float) -> SmokeResult:
    """The exchanges, each bounded as a whole: httpx's own timeout bounds each read, so a
    server that sent a byte every 5 s held the smoke test for ever (audit Q, finding 4).
    A task's deadline (asyncio.timeout) ends the exchange wherever it waits."""
    import httpx

    # a connection that is not made in half an exchange's time is a URL nothing answers on
    timeout = httpx.Timeout(each, connect=each / 2)
    async with httpx.AsyncClient(timeout=timeout) as client:
        return await _run(_Exchanges(client, each), manifest, base, rows)


class _Exchanges:
    """Requests, each within its own deadline and all of them within the whole's."""

    def __init__(self, client: Any, each: float) -> None:  # httpx.AsyncClient
        self.client = client
        self.each = each
        self.until: float | None = None  # the whole smoke's end, on the event loop's clock

    def start(self, rows: int) -> float:
        import asyncio

        whole = max(WHOLE_S, ROW_S * rows)
        self.until = asyncio.get_running_loop().time() + whole
        return whole

    async def ask(self, method: str, url: str, **kwargs: Any) -> tuple[int, bytes]:
        import asyncio

        import httpx

        limit, whole = self.each, False
        if self.until is not None:
            left = self.until - asyncio.get_running_loop().time()
            if left <= limit:
                limit, whole = left, True
        if limit <= 0:
            raise _Late(0, whole=True)
        try:
            async with asyncio.timeout(limit):
                return await _asked(self.client, method, url, **kwargs)
        except (TimeoutError, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
            raise _Late(limit, whole=whole) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol):
            raise  # nothing answers at the URL: not the server's answer
        except httpx.TransportError as exc:  # a reset, or bytes that are not HTTP
            raise _Broken(
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            ) from exc


async def _run(asking: _Exchanges, manifest: Manifest, base: str, rows: int) -> SmokeResult:
    import pandas as pd

    from mlgate.data import load

    try:
        meta, problem = await _metadata(asking, base)
    except (_Late, _Broken) as exc:
        meta, problem = {}, f"{base}/metadata: {_why(exc)}: this is not an mlgate prediction server"
    said = meta.get("version")
    version = None if said is None else _shown(str(said))
    path = manifest.resolve(manifest.data.test)
    frame = load.read_pandas(path, load.detect_format(path, manifest.data.format))
    dropped = [c for c in (manifest.data.target, manifest.data.id) if c in frame.columns]
    sample = frame.drop(columns=dropped).head(rows)
    if problem is None:
        problem = _mismatch(meta, manifest.name, list(sample.columns), base)
    if problem is not None:
        return SmokeResult(
            requests=0, failures=(problem,), p50_ms=None, p95_ms=None, version=version
        )
    task = _task(meta, manifest)
    wanted = list(meta.get("inputs") or {}) or list(sample.columns)
    records = sample[wanted].to_dict(orient="records")
    whole = asking.start(len(records))
    failures: list[str] = []
    took: list[float] = []
    sent = 0  # what was asked, answered or not: a request that timed out was one
    for i, record in enumerate(records):
        clean = {k: _sent(v, pd) for k, v in record.items()}
        start = time.perf_counter()
        sent += 1
        try:
            status, body = await asking.ask("POST", f"{base}/predict", json={"records": [clean]})
        except _Broken as exc:
            failures.append(f"row {i}: {_why(exc)}")
            continue
        except _Late as exc:
            failures.append(f"row {i}: {_why(exc, whole)}{_unsent(len(records) - i - 1)}")
            break
        took.append((time.perf_counter() - start) * 1000)
        wrong = _wrong(status, body, task)
        if wrong is not None:
            failures.append(f"row {i}: {wrong}")
    return SmokeResult(
        requests=sent,
        failures=tuple(failures),
        p50_ms=round(statistics.median(took), 2) if took else None,
        p95_ms=(
            round(statistics.quantiles(took, n=20)[-1] if len(took) > 1 else took[0], 2)
            if took
            else None
        ),
        version=version,
    )


def _why(exc: Exception, whole: float | None = None) -> str:
    if isinstance(exc, _Late) and exc.whole:
        return f"the smoke test's {whole or WHOLE_S:g} s ran out before its answer came whole"
    if isinstance(exc, _Late):
        return f"no whole answer within {exc.seconds:g} s"
    return f"the connection broke ({_shown(str(exc))})"


def _unsent(left: int) -> str:
    return f"; {words.count(left, 'row')} after it not sent" if left else ""


def _sent(value: Any, pd: Any) -> Any:
    """A test file's value as JSON carries it: a missing one as null, a datetime (pandas'
    Timestamp, from a Parquet file) or date as ISO-8601 text, as the server takes them
    (a Timestamp stopped the smoke test with a traceback: JSON has no such type)."""
    import datetime as dt

    if not isinstance(value, list | dict) and pd.isna(value):  # NaT and NaN alike
        return None
    if isinstance(value, dt.date | dt.time):  # a Timestamp is a datetime, a date too
        return value.isoformat()
    return value


async def _metadata(asking: _Exchanges, base: str) -> tuple[dict[str, Any], str | None]:
    """What the server says it serves, or why it is no mlgate prediction server: each
    part smoke reads checked for its shape (a string for `inputs` was a KeyError)."""
    status, body = await asking.ask("GET", f"{base}/metadata")
    said, unread = _json(body)
    if status != 200 or unread is not None:
        return {}, (
            f"{base}/metadata answered HTTP {status}"
            f"{'' if unread is None else ', ' + unread}: this is not an mlgate prediction server"
        )
    if not isinstance(said, dict):
        return {}, f"{base}/metadata is {_kind(said)}, not an object: {NOT_MLGATE}"
    wrong = _misshapen(said)
    if wrong is not None:
        return {}, f"{base}/metadata's {wrong}: {NOT_MLGATE}"
    return said, None


NOT_MLGATE = "this is not an mlgate prediction server"


def _mismatch(meta: dict[str, Any], model: str, columns: list[str], base: str) -> str | None:
    """Why the server's model is not the manifest's, if it is not."""
    served = _shown(f"{meta.get('model')} {meta.get('version') or '(unregistered)'}")
    inputs = meta.get("inputs") or {}  # an object: _misshapen checked it
    missing = [c for c in inputs if c not in columns]
    if meta.get("model") == model and not missing:
        return None
    why = f"{base} serves {served}, not {model}"
    if missing:
        shown = ", ".join(f"'{_shown(str(c))}'" for c in missing[:5])
        why += (
            f": the test data have no column {shown}"
            f"{f' (and {len(missing) - 5} more)' if len(missing) > 5 else ''}"
        )
    return why


def _misshapen(meta: dict[str, Any]) -> str | None:
    """What of /metadata is not as an mlgate server says it, of what smoke reads."""
    if not isinstance(meta.get("model"), str):
        return f"model is {_kind(meta.get('model'))}, not a name"
    if not isinstance(meta.get("version"), str | None):
        return f"version is {_kind(meta['version'])}, not a name"
    inputs = meta.get("inputs", {})
    if not isinstance(inputs, dict):
        return f"inputs is {_kind(inputs)}, not an object of each column's type"
    for column, kind in inputs.items():
        if not isinstance(kind, str):
            return f"inputs gives column '{_shown(column)}' {_kind(kind)}, not a type's name"
    if not isinstance(meta.get("metrics", {}), dict):
        return f"metrics is {_kind(meta['metrics'])}, not an object of figures"
    return None


def _kind(value: Any) -> str:
    """A JSON value's type, as a sentence names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _task(meta: dict[str, Any], manifest: Manifest) -> str | None:
    """What the served model is: the task of the metrics its run scored (/metadata's),
    else the manifest's evaluate.task; None: nothing says (a .skops file no run checked)."""
    from mlgate.manifest.metrics import METRICS

    tasks = {METRICS[name].task for name in meta.get("metrics") or {} if name in METRICS}
    return tasks.pop() if len(tasks) == 1 else manifest.evaluate.task


def _wrong(status: int, body: bytes, task: str | None) -> str | None:
    """What is wrong with an answer to one record, or None: one prediction, a number for
    a regression, one of the classes the answer names (the model's classes_, which its
    probabilities' columns are) for a classifier that names them."""
    if status != 200:
        return f"HTTP {status}: {_shown(body)}"
    said, unread = _json(body)
    if unread is not None or not isinstance(said, dict):
        return f"not one prediction ({unread or _kind(said)}): {_shown(body)}"
    predictions = said.get("predictions")
    if not isinstance(predictions, list) or len(predictions) != 1:
        return f"not one prediction: {_shown(body)}"
    value = predictions[0]
    if isinstance(value, list) and len(value) == 1:  # a model that answers a column
        value = value[0]
    if value is None or isinstance(value, list | dict):
        return f"the prediction is {_kind(value)}, not a label or a number: {_shown(body)}"
    if task == "regression" and _kind(value) != "a number":
        return f"the prediction is {_kind(value)}, not a number, from a regression: {_shown(body)}"
    classes = said.get("classes")
    if classes is None:
        return None
    if not isinstance(classes, list) or any(isinstance(c, list | dict) for c in classes):
        return f"its classes are {_kind(classes)}, not a list of labels: {_shown(body)}"
    if classes and value not in classes:
        named = ", ".join(_shown(json.dumps(c)) for c in classes[:10])
        more = f" (and {len(classes) - 10} more)" if classes[10:] else ""
        return f"the prediction {_shown(json.dumps(value))} is none of its classes: {named}{more}"
    return None


MAX_ANSWER = 1 << 20  # bytes of an answer read; a server that sends more is no mlgate's


async def _asked(client: Any, method: str, url: str, **kwargs: Any) -> tuple[int, bytes]:
    """The status and at most MAX_ANSWER bytes of the body (one more: too long): the
    server is whatever answers at the URL given, and its answer was read whole. The bytes
    counted are those sent: an answer is asked for uncompressed and read as sent, so no
    small compressed answer inflates in memory."""
    headers = {"accept-encoding": "identity"}
    async with client.stream(method, url, headers=headers, **kwargs) as answer:
        body = bytearray()
        async for chunk in answer.aiter_raw():
            body += chunk
            if len(body) > MAX_ANSWER:
                break
        return answer.status_code, bytes(body[: MAX_ANSWER + 1])


def _shown(text: str | bytes) -> str:
    """What a server said, for a terminal, cut: on one line, control characters (an
    escape sequence that cleared the screen) as spaces, what hides text as code points."""
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return inert.one_line(said[:200])


def _json(body: bytes) -> tuple[Any, str | None]:
    """The answer read as JSON, or why not: too long, not JSON (NaN and Infinity, which
    Python reads and JSON has not, included), or nested deeper than Python's reader goes
    (a RecursionError, and an internal error, before)."""
    if len(body) > MAX_ANSWER:  # read no further: the JSON may be whole, but too long
        return None, f"more than {words.size(MAX_ANSWER)}"
    try:
        return json.loads(body, parse_constant=_no_constant), None
    except ValueError:
        return None, "not JSON"
    except RecursionError:
        return None, "JSON nested deeper than Python reads"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
