"""The prediction server against hostile clients, on 127.0.0.1: bodies nested past any
parser's depth, numbers JSON has no spelling for, requests sent halfway and never
finished, clients that hang up mid-body, and hundreds of slow clients at once. Each gets
a JSON answer or a closed connection, never a traceback, and normal requests go on."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mlgate.serve import schema, service
from mlgate.serve.app import create_app
from tests.registry.conftest import Project
from tests.serve.conftest import running, serving

ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


@pytest.fixture
def url(registered: Project) -> Iterator[str]:
    with running(create_app(service.load(registered.manifest, "v0.1.0"))) as at:
        yield at


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"records": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"records": [' + '{"a": ' * 60_000 + "1" + "}" * 60_000 + "]}",
    ],
    ids=["lists", "closed-lists", "objects"],
)
def test_a_body_nested_too_deep_is_the_documented_400(url: str, body: str) -> None:
    answer = httpx.post(
        f"{url}/predict", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert "nested deeper than" in answer.json()["error"]


@pytest.mark.parametrize("spelling", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_every_non_finite_number_is_refused_alike_naming_the_field(url: str, spelling: str) -> None:
    body = (
        '{"records": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, '
        f'"petal_width": {spelling}}}]}}'
    )
    answer = httpx.post(
        f"{url}/predict", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    said = answer.json()["error"]
    spelled = {"1e999": "Infinity", "-1e999": "-Infinity"}.get(spelling, spelling)
    past = "" if spelled == "NaN" else ", or a number past a float's range (1e999)"
    assert said == (
        f"records[0].petal_width is {spelled}, which is not a JSON number{past} (send null "
        "for a missing value)"
    )


@pytest.mark.parametrize("kind", ["number", "integer", "string", "boolean"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_get_one_answer_whatever_the_columns_type(
    kind: str, value: float
) -> None:
    fields = schema.InputSchema(fields=(schema.Field(name="x", kind=kind),))  # type: ignore[arg-type]
    said = r"^records\[0\]\.x is (NaN|-?Infinity), which is not a JSON number"
    with pytest.raises(schema.InputError, match=said):
        schema.validate(fields, [{"x": value}])


def _raw(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _answer_or_close(sock: socket.socket) -> bytes:
    """What the server sends before it closes the connection (recv's timeout: 10 s)."""
    got = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            got += chunk
    return got


SLOW_HEADER = b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "  # a value, unending
HEADERS = (
    b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
)


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        (b"", b""),  # connected, said nothing
        (b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"408"),  # half the headers
        (HEADERS + b'{"records": [', b"408"),  # the headers, a part of the body
        (b"HELLO\x00 / HTTP/1.1\r\n\r\n", b"400"),  # not HTTP: no wait, a JSON 400
    ],
    ids=["nothing", "half-headers", "half-body", "not-http"],
)
@pytest.mark.e2e
def test_a_request_sent_halfway_times_out(
    registered: Project, sent: bytes, answered: bytes
) -> None:
    with serving(registered.root, "--workers", "1", "--read-timeout", "1") as served:
        assert served.url is not None
        started = time.monotonic()
        with _raw(served.url) as sock:
            sock.sendall(sent)
            got = _answer_or_close(sock)
        assert time.monotonic() - started < 5
        assert answered in got.split(b"\r\n", 1)[0]
        if answered:
            assert b"content-type: application/json" in got and b'{"error":' in got
            assert b"1 s" in got or answered == b"400"
    assert "Traceback" not in served.stderr


@pytest.mark.e2e
def test_a_client_hanging_up_mid_body_is_not_a_traceback(registered: Project) -> None:
    with serving(registered.root, "--workers", "1") as served:
        assert served.url is not None
        for _ in range(5):
            with _raw(served.url) as sock:
                sock.sendall(HEADERS + b'{"records": [{"sepal_length": 5')
                time.sleep(0.1)  # the server is now reading the body
        answer = httpx.post(f"{served.url}/predict", json={"records": [ROW]})
        assert answer.json()["predictions"] == ["setosa"]
        time.sleep(0.5)
    assert "Traceback" not in served.stderr and "Exception" not in served.stderr, served.stderr


@pytest.mark.e2e
def test_three_hundred_slow_clients_do_not_lock_out_a_normal_request(registered: Project) -> None:
    with serving(registered.root, "--workers", "1", "--read-timeout", "3") as served:
        assert served.url is not None
        slow: list[socket.socket] = []
        try:
            for i in range(300):  # half stop inside the headers, half inside the body
                sock = _raw(served.url)
                sock.sendall(SLOW_HEADER if i % 2 else HEADERS + b'{"rec')
                slow.append(sock)
            for _ in range(5):  # ... and keep trickling, a byte each
                for sock in slow:
                    with contextlib.suppress(OSError):
                        sock.send(b"x")
                started = time.monotonic()
                answer = httpx.post(f"{served.url}/predict", json={"records": [ROW]}, timeout=10)
                took = time.monotonic() - started
                assert answer.status_code == 200 and took < 1.0, (answer.text, took)
            time.sleep(4)  # past the read timeout: every slow client has been let go
            let_go = 0
            for sock in slow:
                sock.settimeout(0.5)
                with contextlib.suppress(TimeoutError):
                    said = _answer_or_close(sock)  # returns once the server closed it
                    let_go += said.startswith(b"HTTP/1.1 408")
            assert let_go == 300
        finally:
            for sock in slow:
                sock.close()
    assert "Traceback" not in served.stderr


def test_a_number_too_large_for_its_column_fails_its_own_request_alone(url: str) -> None:
    """`10**400` overflowed as the batch was framed: every request scored with it got a
    plain-text 500. It is now the request's own 422, and the rest are answered."""
    import asyncio

    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            bodies = (
                [{"records": [ROW]}] * 10
                + [{"records": [{**ROW, "petal_width": 10**400}]}]
                + [{"records": [ROW]}] * 10
            )
            return await asyncio.gather(*(client.post("/predict", json=b) for b in bodies))

    answers = asyncio.run(main())
    assert [a.status_code for a in answers] == [200] * 10 + [422] + [200] * 10
    assert answers[10].json()["error"] == (
        "records[0].petal_width is too large for a float (401 digits)"
    )
    digits = '{"records": [{"sepal_length": 1' + "0" * 5000 + "}]}"
    long = httpx.post(
        f"{url}/predict", content=digits.encode(), headers={"content-type": "application/json"}
    )
    assert long.status_code == 422 and "more than 4,300 digits" in long.json()["error"]


def test_too_many_records_unknown_paths_and_methods_are_json_errors(url: str) -> None:
    many = httpx.post(f"{url}/predict", json={"records": [ROW] * 10_001}, timeout=30)
    assert many.status_code == 413
    assert many.json() == {"error": "10,001 records; at most 10,000 a request"}
    missing = httpx.get(f"{url}/nowhere")
    assert missing.status_code == 404 and missing.json() == {"error": "GET /nowhere: Not Found"}
    wrong = httpx.get(f"{url}/predict")
    assert wrong.status_code == 405 and wrong.json()["error"].startswith("GET /predict: ")
    assert wrong.headers["allow"] == "POST"
    # no redirect to a Location built from the client's Host header
    slash = httpx.get(f"{url}/health/", headers={"host": "evil.example"})
    assert slash.status_code == 404 and "location" not in slash.headers


def test_a_body_too_big_is_answered_413_not_a_reset(url: str) -> None:
    """Closed with the upload unread, the connection was reset under the client: urllib
    saw BrokenPipeError in 2 of 3 tries instead of the 413."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(url)
    body = b'{"records": [' + b" " * (2 << 20) + b"]}"
    for _ in range(5):
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        try:
            connection.request(
                "POST", "/predict", body=body, headers={"content-type": "application/json"}
            )
            answer = connection.getresponse()
            assert answer.status == 413
            assert b"the body is over 1,048,576 bytes" in answer.read()
        finally:
            connection.close()


@pytest.mark.e2e  # `mlgate serve` in a process of its own
def test_headers_without_end_and_unread_pipelines_are_cut_off(registered: Project) -> None:
    """300 MB of header lines were read whole (1.1 GB held), and 15 MB of pipelined
    requests whose answers were never read held 1.4 GB."""
    from urllib.parse import urlsplit

    with serving(registered.root, "--workers", "1") as served:
        where = urlsplit(served.url)
        address = (where.hostname, where.port)
        with socket.create_connection(address, timeout=30) as raw:
            filler = b"".join(b"x-filler-%d: %s\r\n" % (i, b"a" * 100) for i in range(650))
            raw.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\n" + filler)  # 70 KB, no end
            answer = raw.recv(65536)
        assert answer.startswith(b"HTTP/1.1 431 "), answer
        assert b"line and headers are over 65,536 bytes" in answer
        with socket.create_connection(address, timeout=30) as raw:
            sent = 0
            with contextlib.suppress(OSError):  # the server hangs up part way
                for _ in range(200):  # 1,000 requests ahead of any answer read
                    raw.sendall(b"GET /metadata HTTP/1.1\r\nhost: x\r\n\r\n" * 5)
                    sent += 5
            time.sleep(0.5)
            got = b""
            with contextlib.suppress(OSError):
                while chunk := raw.recv(1 << 20):
                    got += chunk
        assert got.count(b"HTTP/1.1 200") < sent  # closed before it answered them all
        assert httpx.get(f"{served.url}/health").status_code == 200  # and it serves on


@pytest.mark.parametrize(
    "headers",
    [
        b"x-filler: " + b"a" * 70_000 + b"\r\n",  # one header line of 70 KB
        b"".join(b"x-filler-%d: %s\r\n" % (i, b"a" * 100) for i in range(650)),  # 650 lines
        b"",  # the request line: GET /health?aaaa...
    ],
    ids=["one-line", "many-lines", "url"],
)
def test_headers_over_the_limit_sent_whole_at_once_are_a_431(
    registered: Project, headers: bytes
) -> None:
    """Only headers still without an end were counted: 70 KB of them sent in one piece,
    ended, were read in one go and answered 200."""
    from mlgate.serve.protocol import ReadDeadline

    served = create_app(service.load(registered.manifest, "v0.1.0"))
    with running(served, http=ReadDeadline) as at:
        url = b"/health" + (b"" if headers else b"?q=" + b"a" * 70_000)
        with _raw(at) as raw:
            raw.sendall(b"GET %s HTTP/1.1\r\nconnection: close\r\n%s\r\n" % (url, headers))
            answer = _answer_or_close(raw)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert b"line and headers are over 65,536 bytes" in answer
        assert httpx.get(f"{at}/health", headers={"x-a": "a" * 60_000}).status_code == 200


def test_a_key_no_utf8_can_hold_is_named_in_a_422_not_a_500(url: str) -> None:
    """An unpaired surrogate as an unknown field's name: the 422 that repeated it could
    not be encoded, and the client got a plain-text 500 and the log a traceback."""
    body = '{"records": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, '
    body += '"petal_width": 0.2, "\\ud800": 1}]}'
    answer = httpx.post(
        f"{url}/predict", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("records[0] has unknown field '\\ud800' (the model")


def test_bodies_held_at_once_are_bounded_over_every_connection(
    registered: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,500 clients each halfway through a 1 MiB body took the server from 211 MB to
    1.9 GB: past a budget of bytes held over every connection, a body gets a 503, and
    once the holders are let go a request is answered again."""
    from mlgate.serve import app

    monkeypatch.setattr(app, "IN_FLIGHT", 120)
    with running(create_app(service.load(registered.manifest, "v0.1.0"))) as at:
        holder = _raw(at)
        holder.sendall(HEADERS + b'{"records": [{"sepal_length": 5.1, "sepal_width": 3.5, ')
        time.sleep(0.3)  # 57 bytes of its body are held
        ok = {"records": [ROW]}  # about 90 bytes: past the 120 with the holder's
        refused = httpx.post(f"{at}/predict", json=ok, timeout=10)
        assert refused.status_code == 503, refused.text
        assert refused.json() == {"error": "too many bodies arriving at once: send it again"}
        holder.close()
        time.sleep(0.3)
        answered = httpx.post(f"{at}/predict", json=ok, timeout=10)
        assert answered.status_code == 200 and answered.json()["predictions"] == ["setosa"]


class _Fragile:
    """A model that raises what no refusal is (a KeyError) on a row with a negative x."""

    def predict(self, frame: Any) -> Any:
        if (frame["x"] < 0).any():
            raise KeyError("negative")
        return frame["x"].to_numpy() * 2


def test_a_model_that_raises_anything_else_fails_its_own_request_in_json() -> None:
    """A KeyError from the model was Starlette's plain-text 500, and it failed every
    request of the batch it was scored in."""
    import asyncio

    fields = schema.InputSchema(fields=(schema.Field(name="x", kind="number"),))
    fragile = service.Service(model=_Fragile(), schema=fields, metadata={"model": "fragile"})

    async def main(at: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=at, timeout=30) as client:
            bodies = [[{"x": 1.0}]] * 10 + [[{"x": -1.0}]] + [[{"x": 2.0}]] * 10
            return await asyncio.gather(*(client.post("/predict", json=b) for b in bodies))

    with running(create_app(fragile)) as at:
        answers = asyncio.run(main(at))
    assert [a.status_code for a in answers] == [200] * 10 + [500] + [200] * 10
    assert answers[0].json() == {"predictions": [2.0]}
    assert answers[10].headers["content-type"] == "application/json"
    assert answers[10].json() == {
        "error": "the server failed on this request (KeyError); see its log"
    }
