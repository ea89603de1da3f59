"""Running the server: uvicorn (with uvloop and httptools, which mlgate[serve] brings),
one worker process per core by default, each loading the model itself through the same
checks. SIGTERM or Ctrl-C lets requests in flight finish first.

With one worker the model loaded by the command is served as it is; with more, uvicorn
spawns each worker, which reloads the same version (never "the latest", which could have
moved meanwhile) from what the parent passes in MLGATE_SERVE_WORKER.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from mlgate import words
from mlgate.errors import UserError
from mlgate.serve.service import Service

GRACE_S = 10  # on SIGTERM, requests in flight get this long to finish
WORKER_ENV = "MLGATE_SERVE_WORKER"


def default_workers() -> int:
    """The cores this process may use: a model's work is CPU-bound."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count() or 1


def require_extra() -> None:
    for needed in ("starlette", "uvicorn"):
        if importlib.util.find_spec(needed) is None:
            raise UserError("mlgate serve needs its extra", hint="pip install 'mlgate[serve]'")


def from_manifest(manifest: Path, service: Service, target: str | None) -> dict[str, str]:
    """How a worker reloads what `mlgate serve` loaded: the manifest, and the version it
    resolved to (pinned: "the latest" could move meanwhile) or the path it was given."""
    return {"manifest": str(manifest), "target": service.metadata.get("version") or target
            or ""}


def from_bundle(folder: Path) -> dict[str, str]:
    return {"bundle": str(folder)}


def serve(service: Service, *, reload: dict[str, str], host: str, port: int,
          workers: int) -> None:
    """Until SIGTERM or Ctrl-C, which end it normally (a container stopped on purpose
    exits 0); `reload` says how each spawned worker loads the same model again."""
    require_extra()
    import uvicorn

    version = service.metadata.get("version") or "(unregistered)"
    served = f"{service.metadata.get('model')} {version}"
    print(f"serving {served} on http://{host}:{port} ({words.count(workers, 'worker')})",
          file=sys.stderr)

    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning",
                               "access_log": False, "timeout_graceful_shutdown": GRACE_S}
    # uvicorn stops gracefully on SIGTERM, then raises it again under the handler it
    # found: this one, so the process ends as a normal exit rather than by the signal
    signal.signal(signal.SIGTERM, _stopped)
    try:
        if workers <= 1:
            uvicorn.run(_settled(service), **options)
        else:
            os.environ[WORKER_ENV] = json.dumps(reload)
            uvicorn.run("mlgate.serve.run:worker_app", factory=True, workers=workers,
                        **options)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise


def worker_app() -> Any:
    """A spawned worker's app: the same model, loaded and checked again in this process."""
    spec = json.loads(os.environ[WORKER_ENV])
    if "bundle" in spec:
        from mlgate.serve import bundle

        return _settled(bundle.load(Path(spec["bundle"])))
    from mlgate import manifest
    from mlgate.serve import service

    loaded = manifest.load(Path(spec["manifest"]))
    return _settled(service.load(loaded, spec["target"] or None))


def _settled(service: Service) -> Any:
    from mlgate.serve.app import create_app

    app = create_app(service)
    gc.collect()
    gc.freeze()  # the model's objects leave the collector's sweeps: no pauses over them
    return app


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)
