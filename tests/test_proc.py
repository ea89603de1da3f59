"""Subprocesses for real: streaming, tails, timeouts that end whole process trees."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import pytest

from mlgate import proc
from mlgate.errors import OutsideError


def request(
    tmp_path: Path,
    *,
    shell: str | None = None,
    argv: tuple[str, ...] | None = None,
    timeout_s: float | None = 20,
) -> proc.Request:
    return proc.Request(
        shell=shell,
        argv=argv,
        cwd=tmp_path,
        env=dict(os.environ),
        timeout_s=timeout_s,
        kill_grace_s=0.5,
    )


def test_lines_stream_in_order_with_stderr_merged(tmp_path: Path) -> None:
    seen: list[str] = []
    outcome = proc.stream(
        request(tmp_path, shell="echo one; echo two >&2; printf three"),
        seen.append,
        log_path=tmp_path / "log",
    )
    assert outcome.ok and outcome.exit_code == 0 and not outcome.timed_out
    assert seen == ["one", "two", "three"]  # the last line has no newline, and still counts
    assert outcome.tail == ("one", "two", "three")
    assert (tmp_path / "log").read_bytes() == b"one\ntwo\nthree"


def test_lines_arrive_while_the_command_runs(tmp_path: Path) -> None:
    arrivals: list[float] = []
    script = "import time\nprint('early')\ntime.sleep(1)\nprint('late')\n"
    start = time.monotonic()
    proc.stream(
        request(tmp_path, argv=(sys.executable, "-c", script)),
        lambda _: arrivals.append(time.monotonic() - start),
    )
    assert arrivals[0] < 0.9 < arrivals[1]  # Python's output was not held in a buffer


def test_tail_keeps_the_last_lines_and_odd_bytes_do_not_crash(tmp_path: Path) -> None:
    script = (
        "import sys\nfor i in range(100): print(i)\nsys.stdout.buffer.write(b'\\xff\\xfe ok\\n')"
    )
    outcome = proc.stream(request(tmp_path, argv=(sys.executable, "-c", script)), tail_lines=3)
    assert outcome.tail == ("98", "99", "\ufffd\ufffd ok")


def test_exit_codes_and_signals(tmp_path: Path) -> None:
    assert proc.stream(request(tmp_path, shell="exit 3")).exit_code == 3
    killed = proc.stream(request(tmp_path, shell="kill -9 $$"))
    assert killed.exit_code == -9 and not killed.ok
    missing = proc.stream(request(tmp_path, shell="no-such-command-xyz"))
    assert missing.exit_code == 127 and "not found" in missing.tail[-1]


def test_commands_that_cannot_start(tmp_path: Path) -> None:
    outcome = proc.stream(request(tmp_path, argv=("no-such-command-xyz",)))
    assert (
        outcome.exit_code is None
        and outcome.start_error == "command not found: no-such-command-xyz"
    )
    gone = proc.stream(request(tmp_path / "missing", argv=("true",)))
    assert gone.start_error == f"working directory not found: {tmp_path / 'missing'}"
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    denied = proc.stream(request(tmp_path, argv=(str(script),)))
    assert denied.start_error == f"permission denied: {script}"


def test_timeout_ends_the_command_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    shell = f"sleep 300 & echo $! > {pid_file}; echo started; wait"
    start = time.monotonic()
    outcome = proc.stream(request(tmp_path, shell=shell, timeout_s=0.5))
    assert outcome.timed_out and not outcome.ok
    assert time.monotonic() - start < 5
    assert outcome.tail == ("started",)
    grandchild = int(pid_file.read_text())
    time.sleep(0.1)
    assert not _alive(grandchild)


def test_a_command_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    shell = "trap '' TERM; echo stubborn; while true; do sleep 0.1; done"
    start = time.monotonic()
    outcome = proc.stream(request(tmp_path, shell=shell, timeout_s=0.3))
    assert outcome.timed_out and outcome.exit_code == -9
    assert 0.7 < time.monotonic() - start < 5


def test_a_detached_child_holding_stdout_does_not_hang_the_run(tmp_path: Path) -> None:
    # the leader exits at once; the child it left behind is ended with it
    pid_file = tmp_path / "pid"
    outcome = proc.stream(request(tmp_path, shell=f"sleep 300 & echo $! > {pid_file}; echo bye"))
    assert outcome.ok and outcome.tail == ("bye",) and not outcome.timed_out
    assert outcome.duration_s < 5
    time.sleep(0.1)
    assert not _alive(int(pid_file.read_text()))


def test_interrupting_the_reader_kills_the_command(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"

    def interrupt(line: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        proc.stream(request(tmp_path, shell=f"echo $$ > {pid_file}; echo go; sleep 300"), interrupt)
    time.sleep(0.2)
    assert not _alive(int(pid_file.read_text()))


# SIGTERM raises SystemExit, as in a sweep's worker; once the first is raised, another
# lands at each function call after it (200 at most), as `timeout` and systemd send one
# to the process and one to its group, and the sweep a third
STOPPED_AGAIN_AND_AGAIN = """
import os, signal, sys, threading, time
from pathlib import Path
from mlgate import proc

pid_file = Path(sys.argv[1])
again = []

def storm(frame, event, arg):
    if event in ("call", "c_call") and len(again) < 200:
        again.append(event)
        os.kill(os.getpid(), signal.SIGTERM)

def stop(number, frame):
    if not again:
        sys.setprofile(storm)
    raise SystemExit(143)

def first():
    while not (pid_file.exists() and pid_file.read_text().strip()):
        time.sleep(0.02)
    os.kill(os.getpid(), signal.SIGTERM)

signal.signal(signal.SIGTERM, stop)
threading.Thread(target=first, daemon=True).start()
command = f"echo $$ > {pid_file}; echo go; exec sleep 300"
proc.stream(proc.Request(shell=command, cwd=Path.cwd(), env=dict(os.environ)), print)
"""


def test_stops_arriving_while_the_command_is_ended_do_not_leave_it_running(
    tmp_path: Path,
) -> None:
    """A second SIGTERM raised in the middle of ending the command's group (before the
    kill): the command ran on, and closing its pipe waited forever on the reader's lock,
    the reader waiting on the pipe the command held open."""
    import signal
    import subprocess

    pid_file = tmp_path / "pid"
    stopped = subprocess.Popen(
        [sys.executable, "-c", STOPPED_AGAIN_AND_AGAIN, str(pid_file)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert stopped.wait(timeout=15) == 143  # it did not hang
        time.sleep(0.1)
        assert not _alive(int(pid_file.read_text()))
    finally:  # nothing left behind, whatever went wrong
        left = pid_file.read_text().split() if pid_file.exists() else []
        for group in (stopped.pid, *map(int, left)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        stopped.wait()


KILLED_OUTRIGHT = """
import os, sys
from pathlib import Path
from mlgate import proc

command = f"{sys.argv[2]} echo $$ > {sys.argv[1]}; sleep 300 & echo $! >> {sys.argv[1]}; wait"
proc.stream(proc.Request(shell=command, cwd=Path.cwd(), env=dict(os.environ), kill_grace_s=0.5))
"""


@pytest.mark.parametrize("stubborn", [False, True])
def test_mlgate_killed_outright_does_not_leave_its_command_running(
    tmp_path: Path, stubborn: bool
) -> None:
    """SIGKILL runs no code of mlgate's: its training (or deployment), in a session of
    its own, ran on for seconds past its timeout and wrote its model over a later run's.
    The process beside it ends the group: SIGTERM, then SIGKILL after the grace."""
    import signal
    import subprocess

    pid_file = tmp_path / "pids"
    trap = "trap '' TERM;" if stubborn else ""
    mlgate = subprocess.Popen(
        [sys.executable, "-c", KILLED_OUTRIGHT, str(pid_file), trap],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 15
        while len(pids) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
            pids = [int(p) for p in pid_file.read_text().split()] if pid_file.exists() else []
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        os.kill(mlgate.pid, signal.SIGKILL)
        mlgate.wait()
        time.sleep(0.2)
        # commands that ignore SIGTERM wait for the SIGKILL after the grace
        assert all(_alive(p) == stubborn for p in pids)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(p) for p in pids)
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def test_a_log_that_cannot_be_written_does_not_break_the_commands_pipe(tmp_path: Path) -> None:
    """A full disk (/dev/full) failed the log's write, the reader gave up, the pipe
    closed, and the training died of a broken pipe: "exited with code 1", the disk
    unsaid. The log is given up, the command runs on, and the lines say why."""
    shown: list[str] = []
    command = "for i in $(seq 1 3000); do echo line $i of the training; done"
    outcome = proc.stream(
        request(tmp_path, shell=command), shown.append, log_path=Path("/dev/full")
    )
    assert outcome.ok, outcome.tail
    assert shown[-1] == "line 3000 of the training"
    notes = [line for line in shown if line.startswith("mlgate: ")]
    assert notes == [
        "mlgate: /dev/full could not be written (No space left on device): it ends here, "
        "the command's lines from here on are not kept there"
    ]
    assert shown[:2] == ["line 1 of the training", notes[0]]  # said at the line it failed
    assert len(shown) == 3001


def test_the_child_gets_exactly_the_given_environment(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "ONLY_THIS": "yes"}
    outcome = proc.stream(proc.Request(shell="env", cwd=tmp_path, env=env))
    names = {line.split("=", 1)[0] for line in outcome.tail}
    assert "ONLY_THIS" in names and "HOME" not in names
    assert "PYTHONUNBUFFERED" in names  # added so Python children print as they go
    assert "ONLY_THIS" not in os.environ


def test_request_needs_exactly_one_form(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        proc.stream(proc.Request(cwd=tmp_path, env={}))


def test_output_returns_stdout_and_explains_failures(tmp_path: Path) -> None:
    assert proc.output(["echo", "hi"], cwd=tmp_path) == "hi\n"
    with pytest.raises(OutsideError) as failed:
        proc.output(["sh", "-c", "echo oops >&2; exit 4"], cwd=tmp_path)
    assert failed.value.message == "`sh -c echo oops >&2; exit 4` exited with code 4: oops"
    with pytest.raises(OutsideError, match="is not installed"):
        proc.output(["no-such-tool-xyz"], cwd=tmp_path)
    with pytest.raises(OutsideError, match=r"did not finish within 0\.2s"):
        proc.output(["sleep", "5"], cwd=tmp_path, timeout_s=0.2)
    assert proc.output(["sh", "-c", "exit 1"], cwd=tmp_path, check=False) == ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): it has ended, only its exit status is unread
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"
