"""`mlgate serve --workers N` when its workers cannot be kept up, or when it is killed:
a worker that cannot load the bundle stops the server with the reason (it was started
again and again, forever, while /health said ok), and workers end with the server that
started them (killed outright, it left them serving the old version on its port)."""

from __future__ import annotations

import json
import os
import shutil
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

import httpx
import pytest

from mlgate.serve import run
from tests.registry.conftest import Project
from tests.serve.conftest import free_port

pytestmark = pytest.mark.e2e  # `mlgate serve` in a process of its own
WORKERS = ("--workers", "2")


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def workers(self) -> list[int]:
        """uvicorn's spawned workers (not multiprocessing's resource tracker)."""
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:  # a thread may end between the listing and the read
                found += [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
        return [c for c in found if b"spawn_main" in _cmdline(c)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@contextmanager
def two_workers(root: Path) -> Iterator[Server]:
    """`mlgate serve v0.1.0 --workers 2`, from its `serving` line until the block ends;
    then whatever of it is left (its session: only this test's processes) is killed."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "serve", "v0.1.0", "--port", str(port), *WORKERS],
        cwd=root,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    server = Server(process=process, port=port)
    started = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            server.lines.append(line)
            if line.startswith("serving "):
                started.set()

    threading.Thread(target=read, daemon=True).start()
    workers: list[int] = []
    try:
        assert started.wait(90), server.stderr
        workers = server.workers()
        assert len(workers) == 2, server.stderr
        yield server
    finally:
        for pid in [process.pid, *workers]:
            _kill_if_ours(pid, session=process.pid)
        process.wait(timeout=30)


@pytest.mark.parametrize("done_to_it", ["deleted", "changed"])
def test_a_worker_that_cannot_load_the_bundle_stops_the_server_saying_why(
    registered: Project, done_to_it: str
) -> None:
    """The bundle deleted (a /tmp cleaner) or changed, then a worker dies (the OOM
    killer): its replacements failed on the bundle twice a second, a traceback each,
    about one core, while the other worker answered /health with 200."""
    with two_workers(registered.root) as server:
        worker = server.workers()[0]
        folder = Path(json.loads(_environ(worker)[run.WORKER_ENV])["bundle"])
        if done_to_it == "deleted":
            shutil.rmtree(folder)
        else:
            with (folder / "model.joblib").open("ab") as model:
                model.write(b"X")
        os.kill(worker, signal.SIGKILL)
        try:
            code = server.process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            pytest.fail("the server ran on: " + server.stderr[-2000:])
    said = server.stderr
    assert code == 3, said
    assert "Traceback" not in said and said.count("cannot start") == 1, said
    problem = (
        "holds no readable bundle.json"
        if done_to_it == "deleted"
        else "model.joblib in /tmp/mlgate-serve-"
    )
    assert "mlgate: error: a worker could not start: " in said and problem in said, said
    assert "the server stopped rather than go on with fewer workers than the 2 asked for" in said
    assert not folder.exists()  # the bundle is removed as on any stop
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{server.port}/health", timeout=2)


def test_the_workers_end_when_the_server_is_killed_and_free_the_port(registered: Project) -> None:
    """SIGKILL to `mlgate serve --workers 2` left both workers answering with the old
    version and holding the port: the next `mlgate serve` there was refused."""
    with two_workers(registered.root) as server:
        workers = server.workers()
        folder = Path(json.loads(_environ(workers[0])[run.WORKER_ENV])["bundle"])
        os.kill(server.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) or not _free(server.port):
            assert time.monotonic() < deadline, f"workers {workers} still run"
            time.sleep(0.05)
        assert not folder.exists()  # the bundle, which no worker will load again


def _kill_if_ours(pid: int, session: int) -> None:
    """SIGKILL to `pid` if it is still a process of the server's session: a worker that
    ended may have left its number to another process."""
    try:
        if os.getsid(pid) == session:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _alive(pid: int) -> bool:
    """Running, not a zombie its killed parent left for init to reap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
