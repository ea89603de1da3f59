"""A process that runs nothing itself and forks the children proc.call runs models in.

Forking mlgate itself copied whatever locks its other threads held at that moment, and a
child waited on one for ever: polars' thread pool, once mlgate's data checks had used it,
hung any child that used polars (a model whose predict() does); so did gRPC's threads
after a Ray driver, and a pytest-xdist worker's. This server uses no library's thread
pool (a pool starts when first used): it is started as a fresh interpreter (or forked
while its parent still has one thread), it imports what scoring needs, and it forks a
child for each request. The child runs in the
client's environment, folder and import path as they are when it asks.

Protocol, over a socket pair: the client sends a length, its request (a function and its
argument, pickled) and three file descriptors (output, answer, steps); the server
answers the child's pid, then, when the client says it is done with the child, kills
what is left of it and answers its exit status. One request at a time per client (the
client holds a lock). When the client goes away, the server ends its child and exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from mlgate.errors import OutsideError

# what a scoring child imports, loaded once by the server (measured: 1.6 s in a child)
PRELOAD = (
    "cloudpickle",
    "joblib",
    "pandas",
    "sklearn.metrics",
    "mlgate.model.evaluate",
    "mlgate.model.isolated",
    "mlgate.model.loading",
    "mlgate.data.load",
    "mlgate.pipeline.stages",
    "mlgate.compare.baseline",
)
_NUMBER = 8  # bytes of a length, a pid or an exit status on the wire
STARTING_S = 600.0  # the server's imports and a fork: seconds, unless the machine is stuck
ENDING_S = 60.0  # a SIGKILL and a reap


@dataclass
class Server:
    """The client's end: the socket to the server, and the server as a process."""

    sock: socket.socket
    pid: int
    owner: int  # the process that started it: a fork of that process starts its own
    lock: threading.Lock  # one request at a time
    process: subprocess.Popen[bytes] | None = None  # started as an interpreter
    ended: bool = False  # reaped (a server forked, not started as an interpreter)

    def spawn(self, request: bytes, fds: tuple[int, int, int]) -> int:
        """The pid of a child forked to run `request` (the first waits for the server's
        imports); OutsideError if the server has gone or does not answer."""
        head = len(request).to_bytes(_NUMBER, "big")
        self.sock.settimeout(STARTING_S)
        try:
            socket.send_fds(self.sock, [head], list(fds))
            self.sock.sendall(request)
            pid = _number(self.sock)
            if pid <= 1:  # never a child's: a conversation out of step
                raise ConnectionError(f"it answered {pid} for a process number")
            return pid
        except OSError as exc:  # socket.timeout too
            self._abandon()
            raise OutsideError(
                f"the process mlgate scores models from did not answer ({exc}); run again"
            ) from exc
        except BaseException:  # an interrupt mid-request: the conversation cannot go on
            self._abandon()
            raise

    def end(self, pid: int) -> int | None:
        """Child `pid` and all it started killed (by the server, or from here when the server
        cannot); its exit code (-N: signal N) as it was when it ended, or None if the server
        has died or does not answer."""
        self.sock.settimeout(ENDING_S)
        try:
            self.sock.sendall(b"k")
            return _number(self.sock)
        except BaseException as exc:  # an interrupt too: the conversation cannot go on
            self._abandon()
            _end_orphan(pid)
            if isinstance(exc, OSError):
                return None
            raise

    def alive(self) -> bool:
        return self.sock.fileno() != -1 and not self._reaped(block=False)

    def close(self) -> None:
        """The server ended (it holds nothing: `call` ends each child before it returns)."""
        self.sock.close()
        if not self._reaped(block=False):  # a pid not yet reaped is still the server's
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reaped(block=True)

    def _abandon(self) -> None:
        """A server that failed to answer is ended: the next call starts another."""
        with contextlib.suppress(OSError, ChildProcessError):
            self.close()

    def _reaped(self, *, block: bool) -> bool:
        if self.process is not None:
            return (self.process.wait() if block else self.process.poll()) is not None
        if self.ended:
            return True
        try:
            done, _ = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere (a handler of the caller's)
            done = self.pid
        self.ended = done != 0
        return self.ended


def _end_orphan(pid: int) -> None:
    """Child `pid`'s process group killed from the client, when its server is gone and
    cannot. Never 0 or 1: killpg(0) is the caller's own group (a number read out of step
    once killed the test run that read it)."""
    if pid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


_server: Server | None = None
_starting = threading.Lock()


def server(setup: Callable[[], None] | None = None) -> Server:
    """This process's server, started when first needed (or again, if it died); `setup`
    is run in a server this call starts, after its imports."""
    global _server
    with _starting:
        if _server is not None and _server.owner == os.getpid() and not _server.alive():
            _server.close()
            _server = None
        if _server is None or _server.owner != os.getpid():
            _server = _start(setup)
            atexit.register(_server.close)  # the server ends as its client does
        return _server


def prepare(setup: Callable[[], None] | None = None) -> None:
    """Start the server now, so that its imports run on the idle core while something
    else does (a run's training). `setup` sets in the server, for its children, what this
    process sets after it: a sweep's worker limits its libraries' threads, which starts
    threads, so it forks the server first and has it set the same limits."""
    server(setup)


def _start(setup: Callable[[], None] | None) -> Server:
    """Forked while this process is one thread, which costs nothing (a sweep's worker);
    otherwise a fresh interpreter, with this process's import path."""
    ours, theirs = socket.socketpair()
    process = None
    if _one_thread():
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the server; its coverage is not collected)
            ours.close()
            _serve_forever(theirs, PRELOAD, setup)
    else:
        import cloudpickle

        given = cloudpickle.dumps(setup).hex()
        code = (
            f"import sys; sys.path[:] = {sys.path!r}; from mlgate import fork_server; "
            f"fork_server.main({theirs.fileno()}, {PRELOAD!r}, {given!r})"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL
        )
        pid = process.pid
    theirs.close()
    return Server(sock=ours, pid=pid, owner=os.getpid(), lock=threading.Lock(), process=process)


def _one_thread() -> bool:
    """Nothing but this thread runs in the process (C libraries' threads included)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # no /proc (macOS): Python's threads are not all there may be
        return False


def main(fd: int, preload: tuple[str, ...], setup: str) -> None:  # pragma: no cover (server)
    import pickle

    _serve_forever(socket.socket(fileno=fd), preload, pickle.loads(bytes.fromhex(setup)))


def _serve_forever(
    sock: socket.socket, preload: tuple[str, ...], setup: Callable[[], None] | None
) -> None:  # pragma: no cover (runs in the server)
    """Never returns; ends with os._exit when the client has gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the client decides what an interrupt ends
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not a forking client's handler
    code = 0
    try:
        _load(preload)
        if setup is not None:
            setup()
        while _serve_one(sock):
            pass
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _load(modules: tuple[str, ...]) -> None:  # pragma: no cover (runs in the server)
    import importlib

    for name in modules:
        with contextlib.suppress(Exception):  # a failing one is said where it is needed
            importlib.import_module(name)


def _serve_one(sock: socket.socket) -> bool:  # pragma: no cover (runs in the server)
    """One request served: False when the client has gone. The child is reaped only when
    the client says it is done with it, so the pid the client holds is never another's."""
    head, fds, _, _ = socket.recv_fds(sock, _NUMBER, 3)
    if not head:
        return False
    size = int.from_bytes(_exactly(sock, _NUMBER - len(head), head), "big")
    request = _exactly(sock, size, b"")
    pid = os.fork()
    if pid == 0:
        sock.close()
        _child(request, fds)
    for fd in fds:
        os.close(fd)
    with contextlib.suppress(OSError):  # the child does it too: whichever comes first
        os.setpgid(pid, pid)
    sock.sendall(pid.to_bytes(_NUMBER, "big", signed=True))
    done = sock.recv(1)  # the client's word that it is done with the child, or its going
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # the child and whatever it left running
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)  # one that ended before it had a group of its own
    _, status = os.waitpid(pid, 0)
    if not done:
        return False
    sock.sendall(os.waitstatus_to_exitcode(status).to_bytes(_NUMBER, "big", signed=True))
    return True


def _child(request: bytes, fds: list[int]) -> None:  # pragma: no cover (runs in the child)
    """`entry(argument, *fds)`, where the request is the pickled pair: the entry is the
    client's (proc.child), which unpickles its argument once the fds are in place."""
    import pickle

    try:
        entry, argument = pickle.loads(request)
        entry(argument, *fds)
    finally:
        os._exit(70)


def _number(sock: socket.socket) -> int:
    data = _exactly(sock, _NUMBER, b"")
    return int.from_bytes(data, "big", signed=True)


def _exactly(sock: socket.socket, size: int, got: bytes) -> bytes:
    """`got` and then the next `size` bytes; the other end closing first is an OSError."""
    chunks = [got]
    while size > 0:
        data = sock.recv(min(size, 1 << 20))
        if not data:
            raise ConnectionResetError("the other end of mlgate's scoring socket closed")
        chunks.append(data)
        size -= len(data)
    return b"".join(chunks)
