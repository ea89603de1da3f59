"""An S3 store's downloads when the answer is not the object (audit O, findings 3, 4, 7):
a small proxy on 127.0.0.1 in front of moto's server changes the answers to object GETs."""

from __future__ import annotations

import http.client
import resource
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mlgate.errors import OutsideError
from mlgate.registry import artifacts
from tests.registry.test_remote_store import moto_endpoint, s3  # noqa: F401  (fixtures)

SIZE = 7000
CLAIMED = 2 * 1024**3  # what the "huge" answer says it holds
SENT_AT_MOST = 256 * 1024**2  # what it sends before it closes the connection


@dataclass
class Proxy:
    upstream: tuple[str, int]
    mode: str = "pass"
    seen: list[str] = field(default_factory=list)  # requests a redirect's target got
    endpoint: str = ""


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            faulty = self.command == "GET" and "/objects/" in self.path
            mode = proxy.mode if faulty else "pass"
            if mode.startswith("redirect:"):
                self.send_response(307)
                self.send_header("Location", mode.partition(":")[2] + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            up = http.client.HTTPConnection(*proxy.upstream)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = f"{proxy.upstream[0]}:{proxy.upstream[1]}"
            up.request(self.command, self.path, body=body, headers=headers)
            answer = up.getresponse()
            data = answer.read()
            kept = [
                (k, v)
                for k, v in answer.getheaders()
                if k.lower() not in ("transfer-encoding", "connection", "content-length")
            ]
            self.send_response(answer.status)
            if mode == "huge":
                for k, v in kept:
                    if k.lower() != "content-range":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(CLAIMED))
                self.end_headers()
                chunk = b"\0" * (1 << 20)
                try:
                    for _ in range(SENT_AT_MOST // len(chunk)):
                        self.wfile.write(chunk)
                except OSError:
                    pass
                self.close_connection = True
                return
            for k, v in kept:
                self.send_header(k, v)
            if self.command == "HEAD":
                self.send_header("Content-Length", answer.getheader("Content-Length") or "0")
                self.end_headers()
                return
            if mode == "flip" and data:
                data = bytes([data[0] ^ 1]) + data[1:]
            if mode == "short":
                data = data[: len(data) // 2]
            if mode == "truncate":
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

    return Handler


@pytest.fixture
def proxy(s3: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:  # noqa: F811
    import s3fs

    host, _, port = s3.removeprefix("http://").partition(":")
    made = Proxy(upstream=(host, int(port)))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(made))
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    made.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", made.endpoint)
    monkeypatch.setattr(artifacts, "RETRY_PAUSE_S", 0.01)  # the tries are under test, not the wait
    s3fs.S3FileSystem.clear_instance_cache()
    yield made
    server.shutdown()
    server.server_close()
    s3fs.S3FileSystem.clear_instance_cache()


def _stored(tmp_path: Path) -> tuple[artifacts.Store, str]:
    remote = artifacts.open_store("s3://models-bucket/x", tmp_path)
    source = tmp_path / "model.bin"
    source.write_bytes(bytes(range(250)) * (SIZE // 250))
    return remote, remote.put(source)


def _nothing_left(tmp_path: Path) -> None:
    cache = tmp_path / artifacts.CACHE
    assert not cache.exists() or list(cache.iterdir()) == []


def test_an_answer_claiming_gigabytes_is_stopped_with_memory_bounded(
    tmp_path: Path, proxy: Proxy
) -> None:
    """A ranged GET answered with Content-Length: 10 GiB was read whole into memory (the
    process was OOM-killed): the body is read in bounded chunks and stops past the size."""
    remote, sha = _stored(tmp_path)
    proxy.mode = "huge"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    started = time.monotonic()
    with pytest.raises(artifacts.TooLong, match=r"more than the 7,000 bytes it has arrived"):
        remote.get(sha, SIZE)
    assert time.monotonic() - started < 5
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert grown < 64 * 1024, f"peak memory grew by {grown:,} KiB"
    _nothing_left(tmp_path)


@pytest.mark.parametrize("mode", ["short", "truncate"])
def test_a_download_cut_short_is_tried_again_then_said(
    tmp_path: Path, proxy: Proxy, mode: str
) -> None:
    """A short answer ended in botocore's FlexibleChecksumError, a cut connection in
    aiohttp's ClientPayloadError: tracebacks, never the documented retry-then-say."""
    remote, sha = _stored(tmp_path)
    proxy.mode = mode
    with pytest.raises(OutsideError) as error:
        remote.get(sha, SIZE)
    assert type(error.value) is OutsideError
    assert f"each of 3 downloads ended after 3,500 of its {SIZE:,} bytes" in error.value.message
    _nothing_left(tmp_path)
    proxy.mode = "pass"
    assert remote.get(sha, SIZE).read_bytes() == (tmp_path / "model.bin").read_bytes()


def test_bytes_changed_on_the_way_are_refused_without_blaming_the_bucket(
    tmp_path: Path, proxy: Proxy
) -> None:
    remote, sha = _stored(tmp_path)
    proxy.mode = "flip"
    with pytest.raises(OutsideError) as error:
        remote.get(sha, SIZE)
    said = error.value.message
    assert f"could not download object {sha[:12]}" in said
    assert "each of 3 downloads arrived changed on the way" in said
    assert "corrupt" not in said and "put the original back" not in (error.value.hint or "")
    _nothing_left(tmp_path)


def test_a_redirect_is_not_followed_and_the_token_stays(
    tmp_path: Path, proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 307 to another host was followed with X-Amz-Security-Token, and what came back
    was called corrupt in the bucket, with the hint to put the original back."""
    remote, sha = _stored(tmp_path)
    got: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            got.append(str(self.headers))
            self.send_response(200)
            self.send_header("Content-Length", str(SIZE))
            self.end_headers()
            self.wfile.write(b"x" * SIZE)

    other = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(
        target=other.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    try:
        import s3fs

        monkeypatch.setenv("AWS_SESSION_TOKEN", "SESSION-TOKEN-SECRET")
        s3fs.S3FileSystem.clear_instance_cache()
        proxy.mode = f"redirect:http://localhost:{other.server_address[1]}/elsewhere"
        with pytest.raises(OutsideError) as error:
            remote.get(sha, SIZE)
    finally:
        other.shutdown()
        other.server_close()
    assert got == []  # nothing, credentials least of all, went to the other host
    said = error.value.message
    assert f"could not download object {sha[:12]} from the model store s3://" in said
    assert "a redirect is not followed" in said and "/elsewhere" in said
    assert "corrupt" not in said and "put the original back" not in (error.value.hint or "")
    _nothing_left(tmp_path)
