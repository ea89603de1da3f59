"""The one place mlgate runs subprocesses: user commands streamed, tool commands captured.

A user command runs in a session of its own, so that a timeout (or mlgate being
interrupted) ends it together with every process it started; mlgate killed outright runs
no code of its own, so a small process beside the command (orphans.py) ends it then.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from mlgate import credentials
from mlgate.errors import OutsideError

DRAIN_S = 1.0  # after the command exits, how long its output may keep arriving


@dataclass(frozen=True, kw_only=True)
class Request:
    """A command described as a value before it runs."""

    shell: str | None = None  # run through /bin/sh -c
    argv: tuple[str, ...] | None = None  # run without a shell
    cwd: Path
    env: Mapping[str, str]  # the child's complete environment
    timeout_s: float | None = None
    kill_grace_s: float = 5.0  # between SIGTERM and SIGKILL
    redact: tuple[str, ...] = ()  # values shown as *** wherever its output goes


@dataclass(frozen=True, kw_only=True)
class Outcome:
    exit_code: int | None  # None: it never started; -N: killed by signal N
    duration_s: float
    timed_out: bool = False
    tail: tuple[str, ...] = ()
    start_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def stream(
    request: Request,
    on_line: Callable[[str], None] | None = None,
    *,
    tail_lines: int = 40,
    log_path: Path | None = None,
) -> Outcome:
    """Run a long user command, handing each output line to `on_line` as it is printed."""
    if (request.shell is None) == (request.argv is None):
        raise ValueError("a Request needs exactly one of shell and argv")
    started = time.monotonic()
    tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
    failures: list[BaseException] = []
    redact = tuple(v.encode() for v in request.redact)
    timed_out = False
    child: subprocess.Popen[bytes] | str | None = None
    watcher: subprocess.Popen[bytes] | None = None
    with Interrupts() as stops:
        try:
            with stops.holding():  # a stop while it starts waits until its group is known
                child = _started(request)
                if isinstance(child, str):
                    return Outcome(
                        exit_code=None, duration_s=time.monotonic() - started, start_error=child
                    )
                _record(child.pid)
                watcher = _watched(child, request.kill_grace_s)
                reader = threading.Thread(
                    target=_pump,
                    args=(child, tail, on_line, log_path, failures, redact),
                    daemon=True,
                )
                reader.start()
            timed_out = _waited(child, request)
            # the command has ended: read what it left in the pipe
            reader.join(timeout=DRAIN_S)
        finally:  # the group ended, what the command left running too (a background
            stops.held = True  # child holds the pipe, and the run, open), whatever arrives
            if isinstance(child, subprocess.Popen):
                _kill_group(child, 0)
                _unrecord()
            if watcher is not None:  # it ends as the command does; a hung one is ended
                try:
                    watcher.wait(timeout=DRAIN_S)
                except subprocess.TimeoutExpired:
                    watcher.kill()
                    watcher.wait()
    reader.join()  # it closes the pipe: closed here, a close waited on the reader's lock
    if failures:  # on_line raised (an interrupt, a broken console): the run stops too
        raise failures[0]
    assert isinstance(child, subprocess.Popen)  # it started: a start error has returned
    return Outcome(
        exit_code=child.returncode,
        duration_s=time.monotonic() - started,
        timed_out=timed_out,
        tail=tuple(tail),
    )


def _started(request: Request) -> subprocess.Popen[bytes] | str:
    """The command started in a session of its own, or why it could not start."""
    env = dict(request.env)
    env.setdefault("PYTHONUNBUFFERED", "1")  # Python children print as they go
    args: str | list[str]
    if request.shell is not None:
        args = request.shell
    else:
        assert request.argv is not None  # exactly one of the two, checked by the caller
        args = list(request.argv)
    try:
        return subprocess.Popen(
            args,
            shell=request.shell is not None,
            cwd=request.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return _start_error(exc, request)


def _watched(child: subprocess.Popen[bytes], grace_s: float) -> subprocess.Popen[bytes] | None:
    """The process that ends the command's group should mlgate die first (orphans.py);
    None where there are no pidfds (not Linux): there mlgate killed leaves it running."""
    if not hasattr(os, "pidfd_open"):
        return None
    try:
        fds = (os.pidfd_open(os.getpid()), os.pidfd_open(child.pid))
    except OSError:
        return None
    script = Path(__file__).with_name("orphans.py")
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", str(script), *map(str, fds), str(child.pid), str(grace_s)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=fds,
            start_new_session=True,  # a kill of mlgate's own group spares it
        )
    except OSError:
        return None
    finally:
        for fd in fds:
            os.close(fd)


def _waited(child: subprocess.Popen[bytes], request: Request) -> bool:
    """Whether the command ran past its timeout (then it was stopped)."""
    try:
        child.wait(timeout=request.timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(child, request.kill_grace_s)
        child.wait()
        return True
    return False


def _pump(
    child: subprocess.Popen[bytes],
    tail: collections.deque[str],
    on_line: Callable[[str], None] | None,
    log_path: Path | None,
    failures: list[BaseException],
    redact: tuple[bytes, ...] = (),
) -> None:
    """Copy the command's output to the log, the tail and on_line, line by line. A log
    that cannot be written (a full disk) is given up, not the pipe: closed, it killed
    the training with a broken pipe, and the run blamed the training."""
    # unbuffered: a line is in the log once said, and a write the disk refuses is known at
    # that line (buffered, the lines before it were lost unsaid, or all at the close)
    log = open(log_path, "ab", buffering=0) if log_path is not None else None  # noqa: SIM115
    assert child.stdout is not None
    try:
        for raw in child.stdout:
            raw = credentials.scrub_bytes(raw, redact) if redact else raw
            lines = [raw.decode("utf-8", errors="replace").rstrip("\r\n")]
            if log is not None:
                try:
                    log.write(raw)
                except OSError as exc:
                    with contextlib.suppress(OSError):
                        log.close()
                    log = None
                    lines.append(
                        f"mlgate: {log_path} could not be written ({exc.strerror or exc}): "
                        "it ends here, the command's lines from here on are not kept there"
                    )
            for line in lines:
                tail.append(line)
                if on_line is not None and not failures:
                    try:
                        on_line(line)
                    except BaseException as exc:
                        failures.append(exc)
                        _kill_group(child, 0)
    except (OSError, ValueError):
        pass  # the pipe failed under us: nothing more to read
    finally:
        child.stdout.close()  # here, where nothing can be blocked on its lock
        if log is not None:
            with contextlib.suppress(OSError):  # a full disk's last buffer
                log.close()


def _kill_group(child: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM the child's whole process group, then SIGKILL what is left after grace_s.

    The stdout pipe stays open while any process of the group holds it, so ending the
    group is also what lets `stream` stop reading.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    # reap the leader as it ends: an unreaped zombie would keep the group "alive"
    while time.monotonic() < deadline and (child.poll() is None or _group_alive(child.pid)):
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


class Interrupts:
    """Ctrl-C and SIGTERM while mlgate ends what it started (a command's process group, a
    sweep's workers). The first is raised by the handler in place, as always; those that
    come after it, or while `held` is set, wait until the with block ends, and are raised
    then unless it is raising already. `timeout` and systemd send SIGTERM to a process and
    to its group, so a worker got two: the second, raised in the middle of what the first
    began, left the training running and the worker hung on its pipe. In the main thread
    only, where Python runs signal handlers; a handler not set in Python is left alone."""

    def __init__(self) -> None:
        self.held = False
        self._active = False
        self._waiting: list[int] = []
        self._before: dict[int, Callable[[int, FrameType | None], object]] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                handler = signal.getsignal(number)
                if callable(handler):
                    self._before[number] = handler
                    signal.signal(number, self._handle)
        self._active = True
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._active = False  # a handler of ours left in place now passes stops through
        for number, handler in self._before.items():
            if signal.getsignal(number) == self._handle:
                signal.signal(number, handler)
        waiting, self._waiting = self._waiting, []
        if waiting and kind is None:
            signal.raise_signal(waiting[0])

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Stops wait while the body runs (the work it starts is known when one is raised)."""
        self.held = True
        yield  # if the body raises, a stop is under way: the others keep waiting
        self.held = False
        if self._waiting:
            signal.raise_signal(self._waiting.pop(0))

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self._active and self.held:
            self._waiting.append(number)
            return
        try:
            self._before[number](number, frame)
        except BaseException:
            self.held = self._active  # the first stop is under way: what it ends, it ends whole
            raise


_RECORD: Path | None = None  # in a sweep's worker: where its user command's group is kept


def record_groups(path: Path) -> None:
    """Keep each user command's process group in `path` while it runs, with this process's
    id: a sweep's worker killed outright (SIGKILL) runs no code of its own, and its
    training, in a session of its own, ran on orphaned and past its timeout. The sweep
    ends that group (`end_recorded`) when it finds the worker dead."""
    global _RECORD
    _RECORD = path


def _record(pgid: int) -> None:
    if _RECORD is None or not hasattr(os, "killpg"):  # Windows: no group to end
        return
    said = f"{pgid} {started_at(pgid) or '-'} {os.getpid()}".encode()
    with contextlib.suppress(OSError):  # one write: a kill leaves it whole or empty
        fd = os.open(_RECORD, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, said)
        finally:
            os.close(fd)


def _unrecord() -> None:
    if _RECORD is not None:
        with contextlib.suppress(OSError):
            _RECORD.unlink()


def end_recorded(path: Path, owner: int) -> None:
    """SIGKILL the process group that process `owner` recorded in `path` (`record_groups`)
    and did not live to end. Not when its leader's start time (Linux) says the id is
    another process's now, nor when the record is another process's: a resumed sweep's
    worker, given the lock this one held, records its own there."""
    try:
        pgid, started, by = path.read_text().split()
        group, recorder = int(pgid), int(by)
    except (OSError, ValueError):
        return
    if recorder != owner:
        return
    path.unlink(missing_ok=True)
    now = started_at(group)
    if group <= 1 or (now is not None and started not in ("-", now)):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def started_at(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), to tell it from a
    later process given the same id; None where there is no such process, or no /proc."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _start_error(exc: OSError, request: Request) -> str:
    name = request.argv[0] if request.argv else request.shell
    if isinstance(exc, FileNotFoundError):
        if not request.cwd.is_dir():
            return f"working directory not found: {request.cwd}"
        return f"command not found: {name}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {name}"
    return f"{type(exc).__name__}: {exc.strerror or exc}"


def output(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 60,
    check: bool = True,
    input: str | None = None,
) -> str:
    """Run a short tool command (git) and return its stdout; failures are OutsideErrors."""
    raw = output_bytes(
        argv,
        cwd=cwd,
        env=env,
        timeout_s=timeout_s,
        check=check,
        input=None if input is None else input.encode("utf-8"),
    )
    return raw.decode("utf-8", errors="replace")


def output_bytes(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 60,
    check: bool = True,
    input: bytes | None = None,
) -> bytes:
    """`output`, for what may not be text (a model file read from git)."""
    shown = " ".join(argv)
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            timeout=timeout_s,
        )
    except FileNotFoundError as exc:
        raise OutsideError(f"`{argv[0]}` is not installed (needed for `{shown}`)") from exc
    except subprocess.TimeoutExpired as exc:
        raise OutsideError(f"`{shown}` did not finish within {timeout_s:g}s") from exc
    if check and done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace").strip()
        raise OutsideError(
            f"`{shown}` exited with code {done.returncode}" + (f": {stderr}" if stderr else "")
        )
    return done.stdout


@dataclass(frozen=True, kw_only=True)
class Called:
    """What a function run in a child process (`call`) came to."""

    value: object = None  # what it returned
    error: BaseException | None = None  # what it raised, re-created here
    timed_out: bool = False
    exit_code: int | None = None  # when the child ended without an answer: -N a signal
    stage: str = ""  # the last step the function announced, for a message in user terms
    duration_s: float = 0.0
    tail: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return not self.timed_out and self.exit_code is None


def call(
    fn: Callable[[Callable[[str], None]], object],
    *,
    timeout_s: float,
    on_line: Callable[[str], None] | None = None,
    tail_lines: int = 20,
    env: Mapping[str, str] | None = None,
    redact: tuple[str, ...] = (),
) -> Called:
    """Run `fn(announce)` in a child process that is killed, with everything it started,
    when it has not answered within `timeout_s`; the user's model runs this way, so a
    predict() that never returns cannot hang the run. Output the child prints (on
    Python's streams or its file descriptors) comes back line by line to `on_line`, each
    of `redact` shown as ***. `env`: the child's environment (this process's if None).

    The child is forked from fork_server.py's process, not from this one: it starts with
    scoring's imports loaded, and with none of the locks this process's threads may hold.
    `fn` travels pickled (cloudpickle: closures too), with the environment and this
    process's folder and import path. `announce(step)` records what the child is doing, so a
    timeout can say where it stopped.
    """
    import cloudpickle

    from mlgate import fork_server

    server = fork_server.server()
    environ = dict(os.environ if env is None else env)
    argument = cloudpickle.dumps((fn, environ, os.getcwd(), list(sys.path)))
    request = cloudpickle.dumps((child, argument))
    out_read, out_write = os.pipe()
    result_read, result_write = os.pipe()
    step_read, step_write = os.pipe()
    with server.lock:
        try:
            pid = server.spawn(request, (out_write, result_write, step_write))
        except BaseException:
            for fd in (out_read, result_read, step_read):
                os.close(fd)
            raise
        finally:
            os.close(out_write)
            os.close(result_write)
            os.close(step_write)
        started = time.monotonic()
        tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
        reader = threading.Thread(
            target=_pump_fd, args=(out_read, tail, on_line, redact), daemon=True
        )
        reader.start()
        answer = bytearray()
        steps = bytearray()
        timed_out = False
        try:
            timed_out = not _collect(result_read, step_read, answer, steps, started + timeout_s)
        finally:
            code = server.end(pid)  # the child and whatever it left running, killed
            os.close(result_read)
            os.close(step_read)
            reader.join(timeout=DRAIN_S)
    stage = steps.decode("utf-8", "replace").rstrip("\n").rpartition("\n")[2]
    ended = Called(stage=stage, duration_s=time.monotonic() - started, tail=tuple(tail))
    payload = bytes(answer[8:])
    if timed_out:
        return replace(ended, timed_out=True)
    if not payload:
        if code is None:  # killed: by the model itself, or by the system (out of memory?)
            raise OutsideError(
                "the process mlgate forks the model's process from was killed while the model "
                "ran, so the model's exit is unknown (did the model kill its parent process, "
                "or did the machine run out of memory?)"
            )
        return replace(ended, exit_code=code)
    kind, pickled, said = cloudpickle.loads(payload)
    try:
        value = cloudpickle.loads(pickled)
    except Exception:  # an exception whose class this process cannot import or rebuild
        if kind == "value":
            raise
        value = Unrebuilt(said)
    if kind == "value":
        return replace(ended, value=value)
    return replace(ended, error=value)


class Unrebuilt(Exception):
    """An exception the child raised that this process cannot rebuild (its class is in
    the user's project, which this process does not import): its name and message."""


def _collect(
    result_fd: int, step_fd: int, answer: bytearray, steps: bytearray, deadline: float
) -> bool:
    """Read the answer and the steps until the child closes its end; False on timeout."""
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(result_fd, selectors.EVENT_READ)
        selector.register(step_fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in selector.select(timeout=left):
                data = os.read(key.fd, 1 << 16)
                if key.fd == step_fd:
                    if data:
                        steps[:] = steps[-4096:] + data
                    else:
                        selector.unregister(step_fd)
                elif data:
                    answer += data
                    # whole (a length, then the pickle), whoever else holds the pipe open
                    if len(answer) >= 8 and len(answer) >= 8 + int.from_bytes(answer[:8]):
                        return True
                else:
                    return True


def child(
    request: bytes, out_fd: int, result_fd: int, step_fd: int
) -> None:  # pragma: no cover (runs in the child)
    """The child's side of `call`, in a process forked for it (fork_server.py): the
    request is `call`'s function and the caller's environment, folder and import path,
    unpickled once the output goes where `call` reads it (an import it fails on is said).
    Never returns: the child ends with os._exit, running none of its parent's exit code."""
    import pickle

    code = 0
    try:
        os.setpgid(0, 0)  # a group of its own: the parent ends it and all it started
        # Python's streams and the file descriptors beneath them, on the output pipe
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(out_fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        sys.stdout = sys.stderr = open(  # noqa: SIM115
            1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False
        )

        def announce(step: str) -> None:
            os.write(step_fd, (step.replace("\n", " ") + "\n").encode("utf-8", "replace"))

        try:
            fn, environ, folder, path = pickle.loads(request)
            os.environ.clear()
            os.environ.update(environ)
            os.chdir(folder)
            sys.path[:] = path
            answer: tuple[str, object] = ("value", fn(announce))
        except BaseException as exc:  # sent to the parent, which decides
            answer = ("error", exc)
        kind, value = answer
        said = f"{type(value).__name__}: {value}" if kind == "error" else ""
        try:
            payload = pickle.dumps((kind, pickle.dumps(value), said))
        except Exception as exc:  # an exception or a value that does not pickle
            gone = RuntimeError(f"{said or type(value).__name__} (could not be sent back: {exc})")
            payload = pickle.dumps(("error", pickle.dumps(gone), str(gone)))
        with os.fdopen(result_fd, "wb") as result:
            result.write(len(payload).to_bytes(8, "big") + payload)
        sys.stdout.flush()
    except BaseException:  # the answer could not be sent: the parent sees the exit code
        code = 70
    finally:
        os._exit(code)


def _pump_fd(
    fd: int,
    tail: collections.deque[str],
    on_line: Callable[[str], None] | None,
    redact: tuple[str, ...] = (),
) -> None:
    with open(fd, "rb") as stream:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            line = credentials.scrub(line, redact) if redact else line
            tail.append(line)
            if on_line is not None:
                with contextlib.suppress(Exception):
                    on_line(line)
