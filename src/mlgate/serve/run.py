"""Running the server: uvicorn (with uvloop and httptools, which mlgate[serve] brings),
one worker process per core by default, each loading the model itself through the same
checks. SIGTERM or Ctrl-C lets requests in flight finish first. The `serving ... on URL`
line is printed once that URL has answered /health: loading the model can take a while,
in each worker, and a script that waits for the line must find the server up.

With one worker the model loaded by the command is served as it is; with more, the files
it was loaded from are copied into a bundle (as an image holds one) and uvicorn spawns each
worker to load that bundle, named in MLGATE_SERVE_WORKER: never "the latest", the work
tree or the registry again, which could have moved meanwhile. A worker that cannot load
the bundle, or workers that keep dying, stop the server with the reason (exit 3) rather
than being started again forever; each worker ends when the command's process does,
however it ends.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import importlib.util
import json
import math
import os
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from mlgate import words
from mlgate.errors import MlgateError, OutsideError, UserError
from mlgate.serve.app import READ_TIMEOUT_S
from mlgate.serve.service import Service

if TYPE_CHECKING:
    from starlette.applications import Starlette

GRACE_S = 10  # on SIGTERM, requests in flight get this long to finish
WORKER_ENV = "MLGATE_SERVE_WORKER"
STARTUP_FAILURE = 3  # uvicorn's code for a worker that failed before serving: not restarted
CANNOT_START = "a worker could not start"
RESTART_WINDOW_S = 60.0  # workers that die are started again, a bounded number of times in it


# a cgroup's CPU quota: v2 ("200000 100000", or "max ..."), else v1's CFS quota and period
CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
CFS = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


def default_workers() -> int:
    """The cores this process may use: a model's work is CPU-bound. A CPU quota counts
    (`docker run --cpus 2`, a Kubernetes limit): the affinity alone, on a 64-core host,
    gives such a container 64 workers, each loading the model, for 2 cores' worth of time."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = _cpu_quota()
    return max(1, min(cores or 1, math.ceil(quota) if quota else cores or 1))


def _cpu_quota() -> float | None:
    """Cores' worth of CPU time this process's cgroup allows; None: no limit, or none read."""
    try:
        limit, period = CPU_MAX.read_text().split()[:2]
        return None if limit == "max" else int(limit) / int(period)
    except (OSError, ValueError, ZeroDivisionError):
        pass
    try:
        quota_us, period_us = (int(p.read_text()) for p in CFS)
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None  # -1: none


def require_extra() -> None:
    for needed in ("starlette", "uvicorn", "httptools"):
        if importlib.util.find_spec(needed) is None:
            raise UserError("mlgate serve needs its extra", hint="pip install 'mlgate[serve]'")


@dataclass(frozen=True)
class Ended:
    """How the server ended: `signal`, the SIGINT or SIGTERM that stopped it (None: it
    ended by itself); `served`, whether its `serving` line had been printed."""

    signal: int | None
    served: bool


def serve(
    service: Service,
    *,
    host: str,
    port: int,
    workers: int,
    read_timeout_s: float = READ_TIMEOUT_S,
    exact: bool = False,
) -> Ended:
    """Until SIGTERM or Ctrl-C, which end it gracefully, said in what it returns (the
    command exits 130, as any command stopped does; an image's entry point 0). Spawned
    workers load the files `service` was loaded from, copied into a bundle first (or its
    own bundle's, in an image).
    `read_timeout_s`: how long a client has for a request's headers, then for its body;
    `exact`: each request scored alone (serve/batch.py)."""
    require_extra()
    import uvicorn

    if not 0 < port <= 65535:  # 0: a port nobody is told of; past 65535 a traceback
        raise UserError(f"--port {port} is not a port: give one from 1 to 65535")
    version = service.metadata.get("version") or "(unregistered)"
    url = f"http://{_bracketed(host)}:{port}"
    _refuse_taken(host, port)  # or the line below would be printed for whoever answers there
    stopped: list[int] = []  # the signals that stopped it, as they arrived
    announced = _announce(
        f"serving {service.metadata.get('model')} {version} on {url} "
        f"({words.count(workers, 'worker')})",
        host,
        port,
        stopped,
    )

    app: _AppOptions = {"read_timeout_s": read_timeout_s, "exact": exact}
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "timeout_graceful_shutdown": GRACE_S,
        "http": "mlgate.serve.protocol:ReadDeadline",
    }

    # uvicorn stops gracefully on SIGTERM and Ctrl-C, then raises the signal again under
    # the handler it found: this one, which says which signal it was (uvicorn.run took
    # Ctrl-C's KeyboardInterrupt for a normal end, and the command exited 0); before
    # uvicorn handles them, and after, it stops the server the same way
    def stop(number: int, frame: object) -> None:
        stopped.append(number)
        raise SystemExit(0)

    before = {n: signal.signal(n, stop) for n in (signal.SIGINT, signal.SIGTERM)}
    try:
        if workers <= 1:
            uvicorn.run(_settled(service, **app), **options)
        else:
            with _pinned(service) as (folder, temporary):
                # a temporary bundle is removed by the workers if the master is killed
                spec = {"bundle": str(folder), "app": app, "master": os.getpid()}
                spec["remove"] = temporary
                os.environ[WORKER_ENV] = json.dumps(spec)
                _supervise(folder, workers, options, stopped)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        stopped.append(0)  # the line is not printed from now on
        for number, handler in before.items():
            signal.signal(number, handler)
    return Ended(signal=next((n for n in stopped if n), None), served=announced.is_set())


def _supervise(folder: Path, workers: int, options: dict[str, Any], stopped: list[int]) -> None:
    """uvicorn's workers, under a supervisor that stops the server, with the reason, when
    they cannot be kept up: else uvicorn started a worker that could not load its bundle
    again and again (a traceback each time, a core's worth of CPU) while the others
    answered /health, at a fraction of the capacity asked for."""
    import uvicorn

    config = uvicorn.Config("mlgate.serve.run:worker_app", factory=True, workers=workers, **options)
    supervisor = _supervisor_class(stopped)(config, sockets=[config.bind_socket()])
    supervisor.run()
    failure = supervisor.failure
    if failure == CANNOT_START:
        failure += f": {_bundle_problem(folder) or 'its line above says why'}"
    if failure is not None:
        raise OutsideError(
            f"{failure}; the server stopped rather than go on with fewer workers than "
            f"the {workers} asked for",
            hint="start mlgate serve again: it copies what it serves into a new bundle",
        )


def _bundle_problem(folder: Path) -> str | None:
    """What is wrong with the bundle the workers load, if anything: the worker that could
    not load it said so too, but among the lines of every other worker."""
    from mlgate.serve import bundle

    try:
        bundle.read(folder)
    except MlgateError as exc:
        return exc.message
    return None


def _supervisor_class(stopped: list[int] | None = None) -> type[Any]:
    """uvicorn's supervisor, imported only when workers are spawned; the signal that
    stops it is added to `stopped`."""
    from uvicorn.supervisors import Multiprocess

    heard: list[int] = [] if stopped is None else stopped

    class Supervisor(Multiprocess):
        """Restarts bounded: a worker that cannot load the bundle (it exits
        STARTUP_FAILURE) is not started again, and workers that die more than
        `most_restarts` times a minute are not either; `failure` says which."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.failure: str | None = None
            self.died_at: list[float] = []  # when each worker that died was seen dead

        def keep_subprocess_alive(self) -> None:
            """Decided before uvicorn starts the dead ones again: after, the round that
            gave up had started two fresh workers only to stop them."""
            if self.failure is None:
                ended = [p.exitcode for p in self.processes if p.exitcode is not None]
                now = time.monotonic()
                self.died_at = [t for t in self.died_at if now - t <= RESTART_WINDOW_S]
                self.died_at += [now] * len(ended)
                self.failure = _gave_up(ended, len(self.died_at), self.processes_num)
            if self.failure is not None:
                self.should_exit.set()
                return
            super().keep_subprocess_alive()
            if self.failure is None and any(
                p.exitcode == STARTUP_FAILURE for p in self.processes
            ):  # it died after the look above: uvicorn saw it, and stops, saying nothing
                self.failure = CANNOT_START

        def handle_int(self) -> None:
            heard.append(signal.SIGINT)
            super().handle_int()

        def handle_term(self) -> None:
            heard.append(signal.SIGTERM)
            super().handle_term()

    return Supervisor


def most_restarts(workers: int) -> int:
    """How many workers may die, and be started again, within a minute: a few for any
    one (the OOM killer, a crash), and no endless loop of them."""
    return max(10, 2 * workers)


def _gave_up(ended: list[int], died_lately: int, workers: int) -> str | None:
    """Why workers are not started again, if they are not: None while they may be.
    `ended`: the exit codes of the workers just found dead; `died_lately`: how many died
    within RESTART_WINDOW_S, those among them."""
    if STARTUP_FAILURE in ended:
        return CANNOT_START
    if died_lately > most_restarts(workers):
        how = ", ".join(_how_it_ended(code) for code in ended)
        return f"workers died {died_lately} times within {RESTART_WINDOW_S:.0f} s (the last: {how})"
    return None


def _how_it_ended(exitcode: int) -> str:
    if exitcode >= 0:
        return f"exit code {exitcode}"
    try:
        return f"killed by {signal.Signals(-exitcode).name}"
    except ValueError:  # a real-time signal has no name
        return f"killed by signal {-exitcode}"


@contextlib.contextmanager
def _pinned(service: Service) -> Iterator[tuple[Path, bool]]:
    """A bundle of what `service` was loaded from, for the workers (uvicorn spawns each,
    and respawns one that dies): loading from the work tree or the registry again, a
    respawned worker served the model a later `mlgate run` wrote beside the others'."""
    from mlgate.serve import bundle

    if service.sources is None:
        raise UserError("this service cannot be handed to workers: serve it with --workers 1")
    if service.sources.model.parent.joinpath(bundle.BUNDLE_FILE).is_file():
        yield service.sources.model.parent, False  # an image's bundle: already pinned
        return
    from mlgate import scratch

    folder = scratch.folder("mlgate-serve-")  # one a killed server left: removed
    try:
        with _kept(folder):
            bundle.write(folder, service.sources, service.metadata)
            yield folder, True
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _kept(folder: Path) -> Iterator[None]:
    """A shared lock on the bundle's folder while the server runs: systemd-tmpfiles'
    age-based cleaning of /tmp skips a locked folder, and removed the bundle of a server
    that had run for days, so a worker started after that could not load it."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield
    finally:
        os.close(handle)


def worker_app() -> Starlette:
    """A spawned worker's app: the same files, checked by sha256 and loaded in this
    process. One that cannot load them says why in one line and exits STARTUP_FAILURE,
    which its supervisor does not start again: the same files would fail the same way."""
    from mlgate.serve import bundle

    spec = json.loads(os.environ[WORKER_ENV])
    if "master" in spec:
        _stop_with(spec["master"], Path(spec["bundle"]) if spec.get("remove") else None)
    try:
        loaded = bundle.load(Path(spec["bundle"]))
    except MlgateError as exc:
        print(f"mlgate: worker {os.getpid()} cannot start: {exc.message}", file=sys.stderr)
        raise SystemExit(STARTUP_FAILURE) from None
    return _settled(loaded, **spec.get("app", {}))


def _stop_with(master: int, bundle: Path | None) -> None:
    """This worker ends with `mlgate serve` (process `master`), however it ended: killed
    outright, it left its workers answering with the old version and holding the port,
    and its temporary `bundle` in /tmp (removed here: no worker is started again without
    the master)."""
    from mlgate import lifeline

    def remove() -> None:
        if bundle is not None:
            shutil.rmtree(bundle, ignore_errors=True)

    lifeline.end_with(master, "mlgate-serve-watch", parent=True, before=remove)


class _AppOptions(TypedDict):
    """`_settled`'s options, passed to spawned workers as JSON."""

    read_timeout_s: float
    exact: bool


def _settled(
    service: Service, *, read_timeout_s: float = READ_TIMEOUT_S, exact: bool = False
) -> Starlette:
    from mlgate.serve.app import create_app
    from mlgate.serve.protocol import ReadDeadline

    ReadDeadline.timeout_s = read_timeout_s  # this process's connections, from now on
    app = create_app(service, read_timeout_s=read_timeout_s, exact=exact)
    gc.collect()
    gc.freeze()  # the model's objects leave the collector's sweeps: no pauses over them
    return app


def _announce(line: str, host: str, port: int, stopped: list[int]) -> threading.Event:
    """Print the line once /health answers on host:port, from a thread that waits for
    it: uvicorn binds the socket, and each worker loads the model, after this returns.
    Not once the server is stopping (`stopped` holds anything). Set once printed."""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    printed = threading.Event()

    def wait_then_print() -> None:
        while not stopped:
            connection = http.client.HTTPConnection(local, port, timeout=5)
            try:
                connection.request("GET", "/health")
                if connection.getresponse().status == 200 and not stopped:
                    print(line, file=sys.stderr, flush=True)
                    printed.set()
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.05)

    threading.Thread(target=wait_then_print, name="mlgate-announce", daemon=True).start()
    return printed


def _refuse_taken(host: str, port: int) -> None:
    """A port another process listens on: said before anything is printed as serving
    (the `serving ... on URL` line waits for /health to answer there, and another server's
    answer would do)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UserError(
                f"cannot serve on {_bracketed(host)}:{port}: {exc.strerror or exc}",
                hint=f"another process listens there (`ss -ltnp 'sport = :{port}'` names "
                "it; an earlier mlgate serve that is still running?): stop it, or pick "
                "another --port",
            ) from exc


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
