"""`mlgate smoke URL` against servers that answer what no mlgate server does, each a real
server on 127.0.0.1 (raw sockets, in threads of the test). Whatever answers is read as
untrusted: every exchange, and the whole smoke test, ends within its deadline, and a
misshapen answer is a one-line failure (exit 1). JSON nested past Python's reader and
`inputs` as a string were internal errors with a traceback (exit 3), and a server that
sent a byte every few seconds held the smoke test for ever (audit Q, finding 4). An answer
that is none of the model's classes, or not a number from a regression, passed (finding 5)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from mlgate.cli import main
from mlgate.serve import smoke
from tests.registry.conftest import Project, make_project

INPUTS = {c: "number" for c in ("sepal_length", "sepal_width", "petal_length", "petal_width")}
META = {"model": "iris", "version": "v1.0.0", "inputs": INPUTS}
CLASSES = ["setosa", "versicolor", "virginica"]
GOOD = {"predictions": ["setosa"], "probabilities": [[0.9, 0.05, 0.05]], "classes": CLASSES}
DEEP = b"[" * 200_000 + b"]" * 200_000  # 400 KB: under smoke's 1 MiB

Answer = Callable[[socket.socket, str, threading.Event], None]


def whole(body: bytes, status: str = "200 OK") -> Answer:
    def answer(conn: socket.socket, path: str, stop: threading.Event) -> None:
        conn.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    return answer


def routes(metadata: Answer, predict: Answer) -> Answer:
    def answer(conn: socket.socket, path: str, stop: threading.Event) -> None:
        (metadata if path == "/metadata" else predict)(conn, path, stop)

    return answer


def as_json(doc: object) -> Answer:
    return whole(json.dumps(doc).encode())


def drip(head: bytes, every_s: float = 0.1) -> Answer:
    """`head` a byte at a time, then spaces for ever: each read gets something within
    httpx's timeout, so only a deadline on the whole exchange ends it."""

    def answer(conn: socket.socket, path: str, stop: threading.Event) -> None:
        sent = 0
        while not stop.is_set():
            conn.sendall(head[sent : sent + 1] if sent < len(head) else b" ")
            sent += 1
            time.sleep(every_s)

    return answer


def slowly(answer: Answer, after_s: float) -> Answer:
    def late(conn: socket.socket, path: str, stop: threading.Event) -> None:
        time.sleep(after_s)
        answer(conn, path, stop)

    return late


def not_http(conn: socket.socket, path: str, stop: threading.Event) -> None:
    conn.sendall(b"HELLO THERE\r\n\r\n")


@contextmanager
def hostile(answer: Answer) -> Iterator[str]:
    """A server on 127.0.0.1 that reads each request whole and answers it with `answer`."""
    listening = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            data = b""
            while b"\r\n\r\n" not in data:
                got = conn.recv(65536)
                if not got:
                    return
                data += got
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            length = [
                int(v)
                for k, _, v in (h.partition(":") for h in lines[1:])
                if k.lower() == "content-length"
            ]
            while length and len(body) < length[0]:
                body += conn.recv(65536)
            answer(conn, lines[0].split()[1], stop)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listening.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    finally:
        stop.set()
        listening.close()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path / "repo")


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deadlines of a second: an exchange 1 s, the whole smoke test 1.5 s (0.1 s a row)."""
    # raising=False: smoke before its deadlines had none of these (and hung on a drip)
    monkeypatch.setattr(smoke, "EXCHANGE_S", 1.0, raising=False)
    monkeypatch.setattr(smoke, "WHOLE_S", 1.5, raising=False)
    monkeypatch.setattr(smoke, "ROW_S", 0.1, raising=False)


def smoked(
    project: Project, url: str, capsys: pytest.CaptureFixture[str], rows: int = 3
) -> tuple[int, list[str], float]:
    """mlgate smoke's exit code, the lines it printed and how long it took."""
    start = time.monotonic()
    code = main(["-C", str(project.root), "smoke", url, "--rows", str(rows)])
    took = time.monotonic() - start
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in out + err
    return code, out.splitlines(), took


NOT_MLGATE = "this is not an mlgate prediction server"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (whole(DEEP), "/metadata answered HTTP 200, JSON nested deeper than Python reads"),
        (as_json({**META, "inputs": "sepal_length"}), "/metadata's inputs is a string"),
        (as_json([META]), "/metadata is a list, not an object"),
        (
            as_json({**META, "model": json.loads(b"[" * 500 + b"]" * 500)}),
            "/metadata's model is a list",
        ),
        (
            as_json({**META, "inputs": {"sepal_length": {"x": 1}}}),
            "/metadata's inputs gives column 'sepal_length' an object",
        ),
        (whole(b'{"model": NaN}'), "/metadata answered HTTP 200, not JSON"),
        (as_json({**META, "pad": "x" * (2 << 20)}), "/metadata answered HTTP 200, more than 1 MiB"),
        (not_http, "/metadata: the connection broke (RemoteProtocolError"),
    ],
    ids=["deep", "inputs_str", "list", "model_list", "inputs_object", "nan", "big", "not_http"],
)
def test_misshapen_metadata_is_a_one_line_failure(
    project: Project, capsys: pytest.CaptureFixture[str], answer: Answer, said: str
) -> None:
    with hostile(answer) as url:
        code, lines, took = smoked(project, url, capsys)
    assert code == 1 and took < 10
    assert lines[0] == f"0 requests to {url} (unregistered): 1 failed"
    assert len(lines) == 2 and lines[1].startswith(f"  {url}{said}")
    assert lines[1].endswith(NOT_MLGATE)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (whole(b'{"predictions": ' + DEEP + b"}"), "not one prediction (JSON nested deeper"),
        (as_json({"predictions": [None]}), "the prediction is null, not a label or a number"),
        (as_json({"predictions": [{"a": 1}]}), "the prediction is an object, not a label"),
        (as_json({"predictions": ["a", "b"]}), "not one prediction"),
        (whole(b'{"predictions": [NaN]}'), "not one prediction (not JSON)"),
        (as_json({**GOOD, "pad": "x" * (2 << 20)}), "not one prediction (more than 1 MiB)"),
        (as_json({**GOOD, "classes": "setosa"}), "its classes are a string, not a list"),
        (not_http, "the connection broke (RemoteProtocolError"),
    ],
    ids=["deep", "null", "object", "two", "nan", "big", "classes_str", "not_http"],
)
def test_misshapen_predictions_fail_each_row_in_one_line(
    project: Project, capsys: pytest.CaptureFixture[str], answer: Answer, said: str
) -> None:
    with hostile(routes(as_json(META), answer)) as url:
        code, lines, took = smoked(project, url, capsys, rows=2)
    assert code == 1 and took < 10
    assert lines[0].startswith(
        f"2 requests to {url} (v1.0.0): 2 failed"  # sent, answered or not
    )
    assert [line[:8] for line in lines[1:]] == ["  row 0:", "  row 1:"]
    assert all(line.startswith(f"  row {i}: {said}") for i, line in enumerate(lines[1:]))


def test_metadata_dripped_a_byte_at_a_time_ends_at_the_exchanges_deadline(
    project: Project, capsys: pytest.CaptureFixture[str], quick: None
) -> None:
    """One space every 0.1 s after the headers, and one header byte every 0.1 s: each
    read gets its byte within httpx's timeout; the exchange ends at 1 s all the same."""
    for head in (
        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"x" * 500,
    ):
        with hostile(drip(head)) as url:
            code, lines, took = smoked(project, url, capsys)
        assert code == 1 and took < 3, took
        assert lines == [
            f"0 requests to {url} (unregistered): 1 failed",
            f"  {url}/metadata: no whole answer within 1 s: {NOT_MLGATE}",
        ]


def test_a_dripped_prediction_fails_its_row_and_the_rest_are_not_sent(
    project: Project, capsys: pytest.CaptureFixture[str], quick: None
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
    with hostile(routes(as_json(META), drip(head))) as url:
        code, lines, took = smoked(project, url, capsys, rows=5)
    assert code == 1 and took < 3, took
    assert lines == [
        f"1 request to {url} (v1.0.0): 1 failed",  # row 0 was sent: it went unanswered
        "  row 0: no whole answer within 1 s; 4 rows after it not sent",
    ]


def test_the_whole_smoke_test_ends_at_its_deadline(
    project: Project, capsys: pytest.CaptureFixture[str], quick: None
) -> None:
    """Each answer within its own second, 0.4 s each: 10 rows would take 4 s, and the
    whole smoke test has 1.5 s."""
    with hostile(routes(as_json(META), slowly(as_json(GOOD), 0.4))) as url:
        code, lines, took = smoked(project, url, capsys, rows=10)
    assert code == 1 and took < 3, took
    assert lines[0].startswith(("3 requests", "4 requests")) and "1 failed" in lines[0]
    assert lines[1].startswith("  row ") and lines[1].endswith("not sent")
    assert "the smoke test's 1.5 s ran out before its answer came whole" in lines[1]


def test_an_answer_that_never_comes_fails_at_the_deadline_without_a_hang(
    project: Project, capsys: pytest.CaptureFixture[str], quick: None
) -> None:
    """Headers, then nothing: httpx's read timeout or the deadline, whichever is first."""

    def silent(conn: socket.socket, path: str, stop: threading.Event) -> None:
        stop.wait(30)

    with hostile(routes(as_json(META), silent)) as url:
        code, lines, took = smoked(project, url, capsys, rows=3)
    assert code == 1 and took < 3, took
    assert lines[1] == "  row 0: no whole answer within 1 s; 2 rows after it not sent"


@pytest.mark.parametrize(
    ("metadata", "answer", "said"),
    [
        (  # the audit's: a script for a label, where the answer names the classes
            META,
            {**GOOD, "predictions": ["<script>not a label</script>"]},
            'the prediction "<script>not a label</script>" is none of its classes: '
            '"setosa", "versicolor", "virginica"',
        ),
        (META, {**GOOD, "predictions": [7]}, "the prediction 7 is none of its classes"),
        (  # a regression, as its run's metrics say: a number, not a word
            {**META, "metrics": {"rmse": 0.3, "r2": 0.9}},
            {"predictions": ["setosa"]},
            "the prediction is a string, not a number, from a regression",
        ),
        (
            {**META, "metrics": {"rmse": 0.3}},
            {"predictions": [True]},
            "the prediction is a boolean, not a number, from a regression",
        ),
    ],
    ids=["script", "number", "regression_word", "regression_bool"],
)
def test_an_answer_that_is_no_answer_of_the_model_fails(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    metadata: dict[str, object],
    answer: dict[str, object],
    said: str,
) -> None:
    with hostile(routes(as_json(metadata), as_json(answer))) as url:
        code, lines, _ = smoked(project, url, capsys, rows=2)
    assert code == 1
    assert lines[0].startswith(f"2 requests to {url} (v1.0.0): 2 failed")
    assert lines[1] == f"  row 0: {said}" or lines[1].startswith(f"  row 0: {said}: ")


@pytest.mark.parametrize(
    ("metadata", "answer"),
    [
        (META, GOOD),  # one of its classes
        ({**META, "metrics": {"rmse": 0.3}}, {"predictions": [1.5]}),  # a regression's number
        ({**META, "metrics": {"rmse": 0.3}}, {"predictions": [[2]]}),  # a column's one value
        # nothing to check a label against (no classes, no metrics: a .skops no run checked)
        (META, {"predictions": ["anything"]}),
        (META, {"predictions": ["x"], "probabilities": [[1.0]], "classes": []}),  # unnamed
    ],
    ids=["label", "regression", "column", "unknown", "unnamed_classes"],
)
def test_answers_that_fit_what_the_server_says_pass(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    metadata: dict[str, object],
    answer: dict[str, object],
) -> None:
    with hostile(routes(as_json(metadata), as_json(answer))) as url:
        code, lines, _ = smoked(project, url, capsys, rows=2)
    assert code == 0, lines
    assert lines[0].startswith(f"2 requests to {url} (v1.0.0): 0 failed, p50 ")


def test_a_url_nothing_listens_on_still_exits_3(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert main(["-C", str(project.root), "smoke", url]) == 3
    err = capsys.readouterr().err
    assert f"cannot reach {url}" in err and "Traceback" not in err
