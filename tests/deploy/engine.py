"""A fake Docker Engine on 127.0.0.1: the part of the Engine API the SDK's build and
push use (`/_ping`, `/version`, `/build`, `/images/{name}/push`), answering as the engine
does, in chunked JSON lines. It reads the build context the SDK sends (a tar) and keeps
every request, so a test sees what reached the engine; told to, it answers with the
error lines a failed build or a refused push gives."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API = "1.45"
_VERSIONED = re.compile(r"^/v[0-9.]+(/.*)$")
_PUSH = re.compile(r"^/images/(.+)/push$")


@dataclass
class Build:
    params: dict[str, str]
    files: dict[str, bytes]  # the context as it reached the engine


@dataclass
class Engine:
    url: str = ""  # tcp://127.0.0.1:PORT, for DOCKER_HOST
    builds: list[Build] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)  # path, params, headers
    calls: list[str] = field(default_factory=list)  # METHOD path, in order
    build_error: str | None = None  # the next builds fail with this
    push_error: str | None = None  # the next pushes fail with this
    images: set[str] = field(default_factory=set)  # repository:tag built here
    keep_images: bool = True  # False: a build's tag is forgotten, so its push is a 404

    def digest_of(self, image: str) -> str:
        return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the SDK reads a stream only when it is chunked
    engine: Engine

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _path(self) -> tuple[str, dict[str, str]]:
        parsed = urlparse(self.path)
        versioned = _VERSIONED.match(parsed.path)
        path = versioned.group(1) if versioned else parsed.path
        return path, {k: v[-1] for k, v in parse_qs(parsed.query).items()}

    def do_GET(self) -> None:
        path, _ = self._path()
        self.engine.calls.append(f"GET {path}")
        if path == "/_ping":
            self._plain(200, b"OK")
        elif path == "/version":
            self._json(
                200,
                {
                    "ApiVersion": API,
                    "MinAPIVersion": "1.24",
                    "Version": "26.1.4",
                    "Os": "linux",
                    "Arch": "amd64",
                },
            )
        else:
            self._json(404, {"message": f"page not found: {path}"})

    def do_POST(self) -> None:
        path, params = self._path()
        self.engine.calls.append(f"POST {path}")
        body = self._body()
        if path == "/build":
            self._build(params, body)
        elif (pushed := _PUSH.match(path)) is not None:
            self._push(pushed.group(1), params)
        else:
            self._json(404, {"message": f"page not found: {path}"})

    def _build(self, params: dict[str, str], body: bytes) -> None:
        files = {}
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    files[member.name] = tar.extractfile(member).read()  # type: ignore[union-attr]
        self.engine.builds.append(Build(params=params, files=files))
        if "Dockerfile" not in files:
            self._stream(
                [
                    {
                        "errorDetail": {
                            "message": "Cannot locate specified Dockerfile: Dockerfile"
                        },
                        "error": "no Dockerfile",
                    }
                ]
            )
            return
        steps = [
            line
            for line in files["Dockerfile"].decode().splitlines()
            if line and not line.startswith((" ", "#"))
        ]
        lines: list[dict[str, Any]] = [
            {"stream": f"Step {i}/{len(steps)} : {step}\n"} for i, step in enumerate(steps, 1)
        ]
        if self.engine.build_error:
            lines.append(
                {
                    "errorDetail": {"code": 1, "message": self.engine.build_error},
                    "error": self.engine.build_error,
                }
            )
        else:
            image_id = "sha256:" + hashlib.sha256(body).hexdigest()
            lines += [
                {"aux": {"ID": image_id}},
                {"stream": f"Successfully built {image_id[7:19]}\n"},
                {"stream": f"Successfully tagged {params.get('t')}\n"},
            ]
            if self.engine.keep_images:
                self.engine.images.add(params.get("t", ""))
        self._stream(lines)

    def _push(self, repository: str, params: dict[str, str]) -> None:
        tag = params.get("tag", "latest")
        image = f"{repository}:{tag}"
        self.engine.pushes.append(
            {"image": image, "params": params, "auth": self.headers.get("X-Registry-Auth")}
        )
        if image not in self.engine.images:
            self._json(
                404, {"message": f"An image does not exist locally with the tag: {repository}"}
            )
            return
        lines: list[dict[str, Any]] = [
            {"status": f"The push refers to repository [{repository}]"},
            {"status": "Preparing", "progressDetail": {}, "id": "5f70bf18a086"},
            {"status": "Pushed", "progressDetail": {}, "id": "5f70bf18a086"},
        ]
        if self.engine.push_error:
            lines.append(
                {
                    "errorDetail": {"message": self.engine.push_error},
                    "error": self.engine.push_error,
                }
            )
        else:
            digest = self.engine.digest_of(image)
            lines += [
                {"status": f"{tag}: digest: {digest} size: 1573"},
                {"progressDetail": {}, "aux": {"Tag": tag, "Digest": digest, "Size": 1573}},
            ]
        self._stream(lines)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def _plain(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Api-Version", API)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, doc: Any) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, lines: list[dict[str, Any]]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for line in lines:
            data = json.dumps(line).encode() + b"\r\n"
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


@contextmanager
def running() -> Iterator[Engine]:
    engine = Engine()
    handler = type("Handler", (_Handler,), {"engine": engine})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    engine.url = f"tcp://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield engine
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
