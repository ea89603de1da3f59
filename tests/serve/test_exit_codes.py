"""`mlgate serve` stopped by Ctrl-C or SIGTERM exits 130 as every command stopped does
(README's exit codes), saying whether it had served; it exited 0, and said nothing at all
when stopped between spawning its workers and its `serving` line (the audit's finding 6).
An image's entry point still exits 0 on SIGTERM (docs/docker.md; tests/deploy)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.registry.conftest import Project
from tests.serve.conftest import free_port

pytestmark = pytest.mark.e2e  # `mlgate serve` in a process of its own


def _serve(root: Path, *args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlgate", "serve", "v0.1.0", "--port", str(port), *args],
        cwd=root,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    return process, port


def _until(process: subprocess.Popen[str], line: str) -> str:
    """stderr up to the line that starts with `line` (90 s at most)."""
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        got = process.stderr.readline()
        assert got, f"mlgate serve ended: {seen}"
        seen += got
        if got.startswith(line):
            return seen
    raise AssertionError(f"no '{line}' line: {seen}")


def _ended(process: subprocess.Popen[str]) -> str:
    try:
        return process.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise


@pytest.mark.parametrize(
    ("how", "workers"), [(signal.SIGTERM, "1"), (signal.SIGINT, "2")], ids=["term-1", "int-2"]
)
def test_a_server_stopped_exits_130_saying_what_it_served(
    registered: Project, how: signal.Signals, workers: str
) -> None:
    process, _ = _serve(registered.root, "--workers", workers)
    _until(process, "serving ")
    os.kill(process.pid, how)
    said = _ended(process)
    assert process.returncode == 130, said
    assert said.rstrip().endswith("mlgate: interrupted: stopped serving iris v0.1.0"), said


def test_ctrl_c_before_the_workers_answer_exits_130_saying_it_never_served(
    registered: Project,
) -> None:
    """Ctrl-C (to the whole group, as a terminal sends it) once the workers are spawned,
    before any answered: nothing was said, exit 0."""
    process, _ = _serve(registered.root, "--workers", "2")
    deadline = time.monotonic() + 60
    while not _spawned(process.pid):
        assert process.poll() is None, _ended(process)
        assert time.monotonic() < deadline, "no worker was spawned"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    said = _ended(process)
    assert process.returncode == 130, said
    assert not any(line.startswith("serving ") for line in said.splitlines()), said
    assert said.rstrip().endswith(
        "mlgate: interrupted: stopped before serving iris v0.1.0: it never answered /health"
    ), said


def _spawned(pid: int) -> bool:
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for child in children:
            try:
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return True
            except OSError:
                continue
    return False
