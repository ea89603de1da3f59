"""Running the server: uvicorn (with uvloop and httptools, which mlgate[serve] brings),
one worker process per core by default, each loading the model itself through the same
checks. SIGTERM or Ctrl-C lets requests in flight finish first. The `serving ... on URL`
line is printed once that URL has answered /health: loading the model can take a while,
in each worker, and a script that waits for the line must find the server up.

With one worker the model loaded by the command is served as it is; with more, the files
it was loaded from are copied into a bundle (as an image holds one) and uvicorn spawns each
worker to load that bundle, named in MLGATE_SERVE_WORKER: never "the latest", the work
tree or the registry again, which could have moved meanwhile.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import importlib.util
import json
import math
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from mlgate import words
from mlgate.errors import UserError
from mlgate.serve.app import READ_TIMEOUT_S
from mlgate.serve.service import Service

if TYPE_CHECKING:
    from starlette.applications import Starlette

GRACE_S = 10  # on SIGTERM, requests in flight get this long to finish
WORKER_ENV = "MLGATE_SERVE_WORKER"


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


def serve(
    service: Service,
    *,
    host: str,
    port: int,
    workers: int,
    read_timeout_s: float = READ_TIMEOUT_S,
    exact: bool = False,
) -> None:
    """Until SIGTERM or Ctrl-C, which end it normally (a container stopped on purpose
    exits 0). Spawned workers load the files `service` was loaded from, copied into a
    bundle first (or its own bundle's, in an image).
    `read_timeout_s`: how long a client has for a request's headers, then for its body;
    `exact`: each request scored alone (serve/batch.py)."""
    require_extra()
    import uvicorn

    if not 0 < port <= 65535:  # 0: a port nobody is told of; past 65535 a traceback
        raise UserError(f"--port {port} is not a port: give one from 1 to 65535")
    version = service.metadata.get("version") or "(unregistered)"
    url = f"http://{_bracketed(host)}:{port}"
    _refuse_taken(host, port)  # or the line below would be printed for whoever answers there
    _announce(
        f"serving {service.metadata.get('model')} {version} on {url} "
        f"({words.count(workers, 'worker')})",
        host,
        port,
    )

    app: _AppOptions = {"read_timeout_s": read_timeout_s, "exact": exact}
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "timeout_graceful_shutdown": GRACE_S,
        "http": "mlgate.serve.protocol:HeaderDeadline",
    }
    # uvicorn stops gracefully on SIGTERM, then raises it again under the handler it
    # found: this one, so the process ends as a normal exit rather than by the signal
    signal.signal(signal.SIGTERM, _stopped)
    try:
        if workers <= 1:
            uvicorn.run(_settled(service, **app), **options)
        else:
            with _pinned(service) as folder:
                os.environ[WORKER_ENV] = json.dumps({"bundle": str(folder), "app": app})
                uvicorn.run("mlgate.serve.run:worker_app", factory=True, workers=workers, **options)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise


@contextlib.contextmanager
def _pinned(service: Service) -> Iterator[Path]:
    """A bundle of what `service` was loaded from, for the workers (uvicorn spawns each,
    and respawns one that dies): loading from the work tree or the registry again, a
    respawned worker served the model a later `mlgate run` wrote beside the others'."""
    from mlgate.serve import bundle

    if service.sources is None:
        raise UserError("this service cannot be handed to workers: serve it with --workers 1")
    if service.sources.model.parent.joinpath(bundle.BUNDLE_FILE).is_file():
        yield service.sources.model.parent  # an image's bundle: already pinned
        return
    with tempfile.TemporaryDirectory(prefix="mlgate-serve-") as folder:
        bundle.write(Path(folder), service.sources, service.metadata)
        yield Path(folder)


def worker_app() -> Starlette:
    """A spawned worker's app: the same files, checked by sha256 and loaded in this process."""
    from mlgate.serve import bundle

    spec = json.loads(os.environ[WORKER_ENV])
    return _settled(bundle.load(Path(spec["bundle"])), **spec.get("app", {}))


class _AppOptions(TypedDict):
    """`_settled`'s options, passed to spawned workers as JSON."""

    read_timeout_s: float
    exact: bool


def _settled(
    service: Service, *, read_timeout_s: float = READ_TIMEOUT_S, exact: bool = False
) -> Starlette:
    from mlgate.serve.app import create_app
    from mlgate.serve.protocol import HeaderDeadline

    HeaderDeadline.timeout_s = read_timeout_s  # this process's connections, from now on
    app = create_app(service, read_timeout_s=read_timeout_s, exact=exact)
    gc.collect()
    gc.freeze()  # the model's objects leave the collector's sweeps: no pauses over them
    return app


def _announce(line: str, host: str, port: int) -> None:
    """Print the line once /health answers on host:port, from a thread that waits for
    it: uvicorn binds the socket, and each worker loads the model, after this returns."""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)

    def wait_then_print() -> None:
        while True:
            connection = http.client.HTTPConnection(local, port, timeout=5)
            try:
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    print(line, file=sys.stderr, flush=True)
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.05)

    threading.Thread(target=wait_then_print, name="mlgate-announce", daemon=True).start()


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
                hint="another process listens there: pick another --port",
            ) from exc


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)
