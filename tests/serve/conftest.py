"""A registered iris version, and `mlgate serve` run for real as a subprocess on
127.0.0.1, its stderr kept for the test to read."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mlgate.registry import operations
from tests.registry.conftest import Project, make_project


@pytest.fixture
def registered(tmp_path: Path) -> Project:
    project = make_project(tmp_path / "repo")
    operations.register(project.where(), project.manifest, project.run)
    return project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """A running `mlgate serve`: the URL it printed, and every line of its stderr."""

    process: subprocess.Popen[str]
    url: str | None = None
    lines: list[str] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    seen_at: float = 0.0

    @property
    def stderr(self) -> str:
        return "".join(self.lines)


@contextmanager
def serving(root: Path, *args: str, timeout_s: float = 90) -> Iterator[Served]:
    """`mlgate serve ARGS` in root until the block ends (then SIGTERM, which must end it
    with 130); the block starts the moment the `serving ... on URL` line is printed."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "serve", "--port", str(port), *args],
        cwd=root,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    served = Served(process=process)

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            served.lines.append(line)
            if line.startswith("serving ") and not served.started.is_set():
                served.seen_at = time.monotonic()
                served.url = line.split(" on ", 1)[1].split()[0]
                served.started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout_s
        while not served.started.wait(0.05):
            assert process.poll() is None, served.stderr
            assert time.monotonic() < deadline, "no serving line: " + served.stderr
        yield served
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=10)
    assert process.returncode == 130, served.stderr  # stopped, as README's exit codes say


@contextmanager
def running(app: object, **options: object) -> Iterator[str]:
    """An ASGI app under uvicorn in a thread of this process, on 127.0.0.1: its URL."""
    import uvicorn

    # the socket is bound here and handed over, so no other test (or worker) can take the
    # port between picking it and listening on it
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,  # type: ignore[arg-type]
            log_level="warning",
            **options,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True  # graceful: in-flight requests finish
        thread.join(timeout=10)
        sock.close()
    assert not thread.is_alive()
