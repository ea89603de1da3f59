"""Every request's body has the read deadline, whatever its route, over real sockets on
127.0.0.1. Only `/predict` had one: a `GET /health` (or `/metadata`, or a 404) that
declared a large body was answered at once, and uvicorn then read on and discarded its
body with no deadline, each byte cancelling its keep-alive timer, so one byte every 3 s
held a connection for good (1,100 of them took the server down at `ulimit -n 1024`)."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mlgate.serve import service
from mlgate.serve.app import create_app
from mlgate.serve.protocol import ReadDeadline
from mlgate.serve.schema import Field, InputSchema
from tests.serve.conftest import running

# end to end (docs/testing.md): each test waits out a real deadline, 16 s in all
pytestmark = pytest.mark.e2e

DEADLINE_S = 1.0
LATE_S = 3.5  # past the deadline, with room for a loaded machine


class Quick(ReadDeadline):
    timeout_s = DEADLINE_S


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"x": rng.normal(size=60)})
    model = LogisticRegression().fit(x, np.where(x["x"] > 0, "up", "down"))
    schema = InputSchema(fields=(Field(name="x", kind="number"),))
    served = service.Service(model=model, schema=schema, metadata={"model": "m"})
    app = create_app(served, read_timeout_s=DEADLINE_S)
    with running(app, http=Quick, timeout_keep_alive=1) as at:
        yield at


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _held_for(sock: socket.socket, limit_s: float, drip: bytes = b"x") -> tuple[float, bytes]:
    """Trickle a byte of body every 0.2 s until the server closes the connection (or
    limit_s passes): how long it stayed open, and what the server said meanwhile."""
    started, said = time.monotonic(), b""
    sock.settimeout(0.2)
    while time.monotonic() - started < limit_s:
        try:
            sock.sendall(drip)
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:  # reset: closed with the drip unread
            break
        if not chunk:
            break
        said += chunk
    return time.monotonic() - started, said


@pytest.mark.parametrize(
    ("method", "path", "size", "status"),
    [
        ("GET", "/health", 100_000, b"200"),
        ("GET", "/health", 100_000_000, b"200"),  # the audit's: past any body /predict takes
        ("GET", "/metadata", 100_000, b"200"),
        ("POST", "/nowhere", 100_000, b"404"),
        ("GET", "/nowhere", 100_000, b"404"),
        ("GET", "/predict", 100_000, b"405"),
        ("HEAD", "/health", 100_000, b"200"),
        ("OPTIONS", "/health", 100_000, b"405"),
        ("POST", "/predict", 100_000, b"408"),  # unanswered when the deadline came
    ],
)
def test_a_body_that_trickles_in_is_cut_off_at_the_deadline_on_every_route(
    url: str, method: str, path: str, status: bytes, size: int
) -> None:
    with _connect(url) as sock:
        sock.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        held, said = _held_for(sock, limit_s=10)
    assert held < LATE_S, f"{method} {path}: open {held:.1f} s with its body trickling"
    assert said.startswith(b"HTTP/1.1 " + status), said[:200]
    if status == b"408":  # the 408 the app gives, in JSON
        answer = json.loads(said.split(b"\r\n\r\n", 1)[1])
        assert answer == {"error": "the body did not arrive within 1 s"}
        assert b"content-type: application/json" in said


def test_a_chunked_body_that_trickles_in_is_cut_off_too(url: str) -> None:
    with _connect(url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"10000\r\n")
        held, said = _held_for(sock, limit_s=10)
    assert held < LATE_S and said.startswith(b"HTTP/1.1 200"), (held, said[:200])


def test_a_connection_answered_before_its_body_ended_does_not_idle_for_good(url: str) -> None:
    """Its body's bytes cancelled the keep-alive timer uvicorn set at the answer, and
    nothing set it again: once the body was in, the connection idled with no deadline."""
    with _connect(url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(0.2)
        sock.sendall(b"abcde")  # the body, whole, after the answer
        started = time.monotonic()
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(65536) == b""  # closed by the keep-alive timeout (1 s here)
        assert time.monotonic() - started < LATE_S


def _request(sock: socket.socket, head: bytes, body: bytes, pause_s: float = 0.0) -> Any:
    """One request on an open connection, its body in two halves pause_s apart: its
    answer's status line and body."""
    sock.sendall(head % len(body) + body[: len(body) // 2])
    time.sleep(pause_s)
    sock.sendall(body[len(body) // 2 :])
    sock.settimeout(10)
    got = b""
    while b"\r\n\r\n" not in got:
        got += sock.recv(65536)
    headers, rest = got.split(b"\r\n\r\n", 1)
    size = int(headers.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
    while len(rest) < size:
        rest += sock.recv(65536)
    return headers.split(b"\r\n", 1)[0], rest


def test_requests_with_bodies_within_the_deadline_are_answered_and_kept_alive(url: str) -> None:
    predict = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
    health = b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
    body = b'{"records": [{"x": 2.0}]}'
    with _connect(url) as sock:
        for _ in range(3):  # one connection, each body in halves within the deadline
            status, answer = _request(sock, predict, body, pause_s=DEADLINE_S / 2)
            assert status == b"HTTP/1.1 200 OK" and b'"predictions":["up"]' in answer
            status, answer = _request(sock, health, b"ignored", pause_s=DEADLINE_S / 2)
            assert status == b"HTTP/1.1 200 OK" and b'"status":"ok"' in answer
    answer = httpx.post(f"{url}/predict", json={"records": [{"x": -2.0}]})
    assert answer.status_code == 200 and answer.json()["predictions"] == ["down"]
