"""proc.call's children are forked from fork_server.py's process of one thread, never from
the caller, whose threads may hold locks a forked child would wait on for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlgate import fork_server, proc
from mlgate.errors import OutsideError


def _grouped(announce: Callable[[str], None]) -> float:
    announce("grouping with polars")
    frame = pl.DataFrame({"a": np.arange(200_000) % 7, "b": np.ones(200_000)})
    return float(frame.group_by("a").agg(pl.col("b").sum()).sort("a")["b"].sum())


def test_a_child_uses_polars_after_the_caller_has(tmp_path: Path) -> None:
    # the caller's polars thread pool in use, as a run's data checks leave it: a child
    # forked from the caller waited on the pool's lock until the timeout (a model whose
    # predict() used polars was said "did not finish")
    assert _grouped(lambda _: None) == 200_000.0
    for _ in range(3):
        called = proc.call(_grouped, timeout_s=30)
        assert called.answered, called
        assert called.value == 200_000.0
        assert called.stage == "grouping with polars"


def test_the_child_has_the_callers_environment_folder_and_path_as_they_are_now(
    tmp_path: Path,
) -> None:
    fork_server.prepare()  # started before any of these were set
    os.environ["MLGATE_TEST_CHILD_SEES"] = "yes"
    sys.path.insert(0, str(tmp_path / "on-the-path"))
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        called = proc.call(
            lambda _: (os.environ.get("MLGATE_TEST_CHILD_SEES"), os.getcwd(), sys.path[0]),
            timeout_s=30,
        )
    finally:
        os.chdir(here)
        sys.path.remove(str(tmp_path / "on-the-path"))
        del os.environ["MLGATE_TEST_CHILD_SEES"]
    assert called.value == ("yes", str(tmp_path), str(tmp_path / "on-the-path"))


def test_exit_codes_signals_errors_and_output_come_back() -> None:
    def talks(_: Callable[[str], None]) -> int:
        print("from python")
        os.write(2, b"from the descriptor\n")
        return 7

    called = proc.call(talks, timeout_s=30)
    assert (called.value, called.tail) == (7, ("from python", "from the descriptor"))
    assert proc.call(lambda _: os._exit(3), timeout_s=30).exit_code == 3
    killed = proc.call(lambda _: os.kill(os.getpid(), signal.SIGKILL), timeout_s=30)
    assert killed.exit_code == -signal.SIGKILL
    raised = proc.call(lambda _: int("x"), timeout_s=30)
    assert isinstance(raised.error, ValueError)


def test_a_timeout_ends_the_child_and_what_it_started(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"

    def hangs(announce: Callable[[str], None]) -> None:
        started = subprocess.Popen(["sh", "-c", f"sleep 1; touch {marker}"])
        announce(f"waiting on {started.pid}")
        started.wait()

    called = proc.call(hangs, timeout_s=0.5)
    assert called.timed_out and called.stage.startswith("waiting on ")
    grandchild = int(called.stage.rpartition(" ")[2])
    assert _ends(grandchild)  # killed with the child, by its process group
    time.sleep(1.2)
    assert not marker.exists()


def _ends(pid: int, within_s: float = 5.0) -> bool:
    """Process `pid` is gone or a zombie within `within_s` (a SIGKILL is not instant)."""
    deadline = time.monotonic() + within_s
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _running(pid: int) -> bool:
    """Neither gone nor a zombie (whoever reaps orphans here may not have yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def quick_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Servers these tests start again import nothing but the protocol's needs: scoring's
    libraries took 1.5 s a start, and the functions here need none of them."""
    monkeypatch.setattr(fork_server, "PRELOAD", ("cloudpickle",))


@pytest.mark.usefixtures("quick_to_start")
def test_a_dead_server_is_started_again() -> None:
    first = fork_server.server()
    os.kill(first.pid, signal.SIGKILL)
    if first.process is not None:
        first.process.wait()
    else:
        os.waitpid(first.pid, 0)
    called = proc.call(lambda _: "again", timeout_s=30)
    assert called.value == "again"
    assert fork_server.server().pid != first.pid


def test_a_process_of_one_thread_forks_its_server(tmp_path: Path) -> None:
    # a sweep's worker: forked from the sweep's fork server, it forks its own at once
    # rather than start an interpreter that imports scoring's libraries again
    script = textwrap.dedent(
        """
        import os
        from mlgate import fork_server, proc
        threads = len(os.listdir("/proc/self/task"))
        fork_server.PRELOAD = ("cloudpickle",)  # quick to start; the child needs no more
        server = fork_server.server()
        parent = proc.call(lambda _: os.getppid(), timeout_s=30).value
        print(threads, server.process is None, parent == server.pid)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["1", "True", "True"], done.stderr


@pytest.mark.usefixtures("quick_to_start")
def test_a_server_killed_while_the_model_runs_is_said_and_the_model_is_ended() -> None:
    def exits(_: Callable[[str], None]) -> None:
        time.sleep(1)
        os._exit(5)  # no answer, and the server is not there to tell its exit code

    unknown = "was killed while the model ran, so the model's exit is unknown"
    with pytest.raises(OutsideError, match=unknown):
        _with_the_server_killed(exits, timeout_s=30)

    def hangs(announce: Callable[[str], None]) -> None:
        announce(str(os.getpid()))
        time.sleep(60)

    called = _with_the_server_killed(hangs, timeout_s=2)
    assert called.timed_out and _ends(int(called.stage))  # ended from the client
    assert proc.call(lambda _: "a new server", timeout_s=30).value == "a new server"


def _with_the_server_killed(
    fn: Callable[[Callable[[str], None]], object], timeout_s: float
) -> proc.Called:
    server = fork_server.server()
    proc.call(lambda _: None, timeout_s=30)  # its imports done
    killer = threading.Timer(0.3, os.kill, (server.pid, signal.SIGKILL))
    killer.start()
    try:
        return proc.call(fn, timeout_s=timeout_s)
    finally:
        killer.join()
        assert fork_server.server().pid != server.pid


def test_a_server_that_does_not_answer_is_said_ended_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stuck_import.py").write_text("import time\ntime.sleep(60)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(fork_server, "PRELOAD", ("stuck_import",))
    monkeypatch.setattr(fork_server, "STARTING_S", 0.5)
    fork_server.server().close()  # the next call starts a server that imports stuck_import
    open_before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(OutsideError, match=r"did not answer .*; run again"):
        proc.call(lambda _: None, timeout_s=30)
    assert len(os.listdir("/proc/self/fd")) == open_before  # its pipes closed, its socket too
    monkeypatch.setattr(fork_server, "PRELOAD", ("cloudpickle",))
    monkeypatch.setattr(fork_server, "STARTING_S", 600.0)
    assert proc.call(lambda _: "answered", timeout_s=30).value == "answered"


@pytest.mark.usefixtures("quick_to_start")
def test_an_interrupt_mid_request_leaves_the_next_call_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the interrupt lands as the client reads the new child's pid: left half-way, the
    # conversation answered the next call with this child's pid and exit status
    monkeypatch.setattr(fork_server, "STARTING_S", 5.0)
    monkeypatch.setattr(fork_server, "ENDING_S", 5.0)
    proc.call(lambda _: None, timeout_s=30)
    real, landed = fork_server._number, []

    def interrupted(sock: object) -> int:
        if not landed:
            landed.append(True)
            raise KeyboardInterrupt
        return real(sock)  # type: ignore[arg-type]

    monkeypatch.setattr(fork_server, "_number", interrupted)
    with pytest.raises(KeyboardInterrupt):
        proc.call(lambda _: "first", timeout_s=30)
    assert proc.call(lambda _: "second", timeout_s=30).value == "second"


def test_the_model_gets_no_credential_and_what_it_prints_of_one_is_masked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mlgate.model import isolated

    token = "ghp_" + "a1b2c3d4" * 4
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_ENV", str(tmp_path / "runner-env"))  # a runner file command
    monkeypatch.setenv("MLGATE_TEST_PLAIN", "kept")
    lines: list[str] = []

    def model(_: Callable[[str], None]) -> tuple[str | None, ...]:
        print(f"a model that knows the token prints it: {token}")
        return tuple(os.environ.get(k) for k in ("GITHUB_TOKEN", "GITHUB_ENV", "MLGATE_TEST_PLAIN"))

    seen = isolated.run(model, timeout_s=30, timeout_said="30s", on_line=lines.append)
    assert seen == (None, None, "kept")
    assert lines == ["a model that knows the token prints it: ***"]


def test_an_exception_whose_class_only_the_child_imports_is_said_by_name(
    tmp_path: Path,
) -> None:
    # a BaseException of the user's project escapes the evaluation's wrapping, and this
    # process, without the project on its path, could not unpickle it: "internal error"
    from mlgate.model import isolated

    (tmp_path / "projects_own.py").write_text("class Halted(BaseException):\n    pass\n")

    def model(_: Callable[[str], None]) -> None:
        sys.path.insert(0, str(tmp_path))
        import projects_own  # type: ignore[import-not-found]

        raise projects_own.Halted("stopped by the model")

    with pytest.raises(isolated.NoAnswer) as raised:
        isolated.run(model, timeout_s=30, timeout_said="30s")
    assert str(raised.value) == "while it was scored, the model raised Halted: stopped by the model"
