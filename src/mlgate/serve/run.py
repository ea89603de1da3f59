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
from pathlib import Path
from typing import Any

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


def serve(service: Service, *, manifest: Path, target: str | None, host: str, port: int,
          workers: int) -> None:
    """`target` as the command was given it; a version it resolved to is pinned."""
    require_extra()
    import uvicorn

    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning",
                               "access_log": False, "timeout_graceful_shutdown": GRACE_S}
    if workers <= 1:
        uvicorn.run(_settled(service), **options)
        return
    target = service.metadata.get("version") or target
    os.environ[WORKER_ENV] = json.dumps({"manifest": str(manifest), "target": target})
    uvicorn.run("mlgate.serve.run:worker_app", factory=True, workers=workers, **options)


def worker_app() -> Any:
    """A spawned worker's app: the same model, loaded and checked again in this process."""
    from mlgate import manifest
    from mlgate.serve import service

    spec = json.loads(os.environ[WORKER_ENV])
    return _settled(service.load(manifest.load(Path(spec["manifest"])), spec["target"]))


def _settled(service: Service) -> Any:
    from mlgate.serve.app import create_app

    app = create_app(service)
    gc.collect()
    gc.freeze()  # the model's objects leave the collector's sweeps: no pauses over them
    return app
