"""`mlgate smoke URL`: sample rows of the test data, one request each, to a running
server; every answer must be a prediction, and the latency is measured.

A server that serves another model, or is no prediction server at all, fails the smoke
test saying what it is (a verdict, exit 1); a URL that nothing answers on is an outside
failure (exit 3). So is a server slower than `--max-p95-ms`: the verdict is
`SmokeResult.passed`."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from mlgate.errors import OutsideError, UserError
from mlgate.manifest.spec import Manifest
from mlgate.report import inert


@dataclass(frozen=True, kw_only=True)
class SmokeResult:
    requests: int
    failures: tuple[str, ...]
    p50_ms: float | None  # None: no request was sent
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


def run(
    manifest: Manifest,
    url: str,
    *,
    rows: int = 20,
    timeout_s: float = 10.0,
    max_p95_ms: float | None = None,
) -> SmokeResult:
    """Smoke-test the server at `url`; `max_p95_ms`: fail when its p95 latency is over."""
    import httpx

    if rows < 1:  # no request sent has no latency: 0 was a traceback, -1 all rows but one
        raise UserError(f"--rows {rows}: send at least one row")
    base = url.rstrip("/")
    try:
        with httpx.Client(timeout=timeout_s) as client:
            return replace(_run(client, manifest, base, rows), max_p95_ms=max_p95_ms)
    except httpx.TransportError as exc:
        raise OutsideError(
            f"cannot reach {base}: {exc or type(exc).__name__}",
            hint="is the server running, and at that address?",
        ) from exc


def _run(client: Any, manifest: Manifest, base: str, rows: int) -> SmokeResult:  # httpx.Client
    import pandas as pd

    from mlgate.data import load

    meta, problem = _metadata(client, base)
    said = meta.get("version") if meta else None
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
    wanted = list(meta.get("inputs", {})) or list(sample.columns)
    failures, took = [], []
    for i, record in enumerate(sample[wanted].to_dict(orient="records")):
        clean = {k: _sent(v, pd) for k, v in record.items()}
        start = time.perf_counter()
        status, body = _asked(client, "POST", f"{base}/predict", json={"records": [clean]})
        took.append((time.perf_counter() - start) * 1000)
        said = _json(body)
        if status != 200:
            failures.append(f"row {i}: HTTP {status}: {_shown(body)}")
        elif not isinstance(said, dict) or len(said.get("predictions") or []) != 1:
            failures.append(f"row {i}: not one prediction: {_shown(body)}")
    return SmokeResult(
        requests=len(took),
        failures=tuple(failures),
        p50_ms=round(statistics.median(took), 2),
        p95_ms=round(statistics.quantiles(took, n=20)[-1] if len(took) > 1 else took[0], 2),
        version=version,
    )


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


def _metadata(client: Any, base: str) -> tuple[dict[str, Any], str | None]:
    """What the server says it serves, or why it is no mlgate prediction server."""
    status, body = _asked(client, "GET", f"{base}/metadata")
    said = _json(body)
    if status != 200 or not isinstance(said, dict):
        return {}, (
            f"{base}/metadata answered HTTP {status}"
            f"{'' if isinstance(said, dict) else ', not JSON'}: this is not an "
            "mlgate prediction server"
        )
    return said, None


def _mismatch(meta: dict[str, Any], model: str, columns: list[str], base: str) -> str | None:
    """Why the server's model is not the manifest's, if it is not."""
    served = _shown(f"{meta.get('model')} {meta.get('version') or '(unregistered)'}")
    said = meta.get("inputs")
    inputs = said if isinstance(said, dict) else {}
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


MAX_ANSWER = 1 << 20  # bytes of an answer read; a server that sends more is no mlgate's


def _asked(client: Any, method: str, url: str, **kwargs: Any) -> tuple[int, bytes]:
    """The status and at most MAX_ANSWER bytes of the body (one more: too long): the
    server is whatever answers at the URL given, and its answer was read whole."""
    with client.stream(method, url, **kwargs) as answer:
        body = bytearray()
        for chunk in answer.iter_bytes():
            body += chunk
            if len(body) > MAX_ANSWER:
                break
        return answer.status_code, bytes(body[: MAX_ANSWER + 1])


def _shown(text: str | bytes) -> str:
    """What a server said, for a terminal, cut: on one line, control characters (an
    escape sequence that cleared the screen) as spaces, what hides text as code points."""
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return inert.one_line(said[:200])


def _json(body: bytes) -> Any:
    if len(body) > MAX_ANSWER:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
