"""A sweep on a Ray cluster the user already has (`mlgate[ray]`): the same configurations
as Ray tasks, each an ordinary run in a copy of the project of its own, for sweeps bigger
than a machine.

Ray is the engine: it ships the project to the nodes (`runtime_env.working_dir`, less
what a copy leaves out), places the tasks, and says when one's worker died. Each task
copies the shipped project into a folder of its own (tasks on one node share the
shipped copy), runs the configuration there, and returns its run folder's files; the
sweep writes them where the local pool would have (`.mlgate/sweeps/KEY/`), so ranking,
resuming and gating read a Ray sweep exactly as they read a local one.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from mlgate import atomic
from mlgate.errors import UserError
from mlgate.manifest.spec import Manifest
from mlgate.sweep import copies, local
from mlgate.sweep.local import Finished
from mlgate.sweep.space import Configuration

RUN_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}")


def address(given: str | None, environ: Mapping[str, str]) -> str:
    """The cluster to use (Ray installed): `--ray ADDRESS`, else RAY_ADDRESS. Never a Ray
    started here for the purpose: on one machine the local pool needs nothing started,
    Ray a head of its own, and a sweep must not leave a cluster running behind it."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise UserError(
            "the sweep is to run on a Ray cluster (--ray or RAY_ADDRESS), and Ray is not installed",
            hint="pip install 'mlgate[ray]' (the same Ray version as the cluster's)",
        )
    found = given or environ.get("RAY_ADDRESS", "")
    if not found:
        raise UserError(
            "no Ray cluster to run the sweep on",
            hint="pass --ray ADDRESS (ray://HOST:10001, or HOST:6379 on a node of the "
            "cluster) or set RAY_ADDRESS; without --ray, `mlgate sweep` runs the "
            "configurations here, in parallel processes",
        )
    return found


def sweep(
    manifest: Manifest,
    configurations: Sequence[Configuration],
    *,
    address: str,
    on_done: Callable[[Finished], None] | None = None,
    tree: copies.Tree | None = None,
) -> list[Finished]:
    """Every configuration run as a Ray task (or found finished), in the order given;
    `tree`: what the project hashed to when the search began, else hashed now."""
    import ray

    from mlgate import __version__

    root = manifest.root
    tree = tree or copies.fingerprint_of(manifest)
    base = tree.digest
    found, todo = local.resumed(root, base, configurations, on_done)
    if not todo:
        return [found[c.id] for c in configurations]
    why = _unreachable(address)
    if why:  # Ray itself would wait minutes on a wrong address, printing C++ warnings
        raise UserError(
            f"nothing answers at the Ray address {address} ({why})",
            hint="is the cluster running (`ray status`), and is this its address? "
            "ray://HOST:10001 for Ray Client, HOST:6379 on one of its nodes",
        )
    shipped = {
        "working_dir": str(root),
        "excludes": [f"/{name}" if "/" in name else name for name in copies.LEFT_OUT],
    }
    _connect(address, shipped)
    try:
        # a task whose worker dies is that configuration's outcome: never run twice
        task = ray.remote(num_cpus=1, max_retries=0)(_task)
        pending = {
            task.remote(manifest.path.name, c.id, dict(c.params), __version__, tree): c
            for c in todo
        }
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            c = pending.pop(ready[0])
            done = _landed(root, c, copies.key_of(base, c), ready[0])
            found[c.id] = done
            if on_done:
                on_done(done)
    finally:
        ray.shutdown()
    return [found[c.id] for c in configurations]


def _connect(address: str, shipped: dict[str, Any], tries: int = 3) -> None:
    """ray.init, tried again when Ray Client's server says it could not start the server
    of this connection (its process exited while starting: seen on a loaded machine,
    gone on the next try, as Ray's own retries are only for a server not answering)."""
    import time

    import ray

    for attempt in range(1, tries + 1):
        try:
            ray.init(
                address=address,
                runtime_env=shipped,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
            return
        except (ConnectionError, ValueError, RuntimeError) as exc:
            # a start that failed halfway leaves this process's Ray half connected: the
            # next ray.init (a retry, a second sweep from Python) would fail on an
            # assertion of Ray's own
            ray.shutdown()
            if isinstance(exc, ConnectionAbortedError) and attempt < tries:
                time.sleep(attempt)
                continue
            raise UserError(
                f"could not reach the Ray cluster at {address}: {exc}",
                hint="is it running (`ray status --address ...`), and is this its address?",
            ) from exc


def _unreachable(address: str, seconds: float = 5.0) -> str:
    """Why no TCP connection opens to the address's host and port (empty: one does, or
    the address is one Ray reads itself, such as `auto`)."""
    import socket

    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not port.isdigit():
        return ""
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=seconds):
            return ""
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__


def _landed(root: Path, c: Configuration, key: str, ref: Any) -> Finished:
    """A task's answer written where the local pool writes its runs, or why there is none."""
    import ray
    import ray.exceptions as failed

    try:
        answer: dict[str, Any] = ray.get(ref)
    except (failed.WorkerCrashedError, failed.NodeDiedError, failed.TaskCancelledError) as exc:
        why = f"its Ray worker died before it finished ({type(exc).__name__})"
        return Finished(configuration=c, status="killed", key=key, message=why)
    except failed.RayError as exc:
        cause = getattr(exc, "cause", None) or exc
        message = f"{type(cause).__name__}: {cause}".splitlines()[0]
        return Finished(configuration=c, status="error", key=key, message=message)
    if answer.get("status") == "error":
        return local.from_record(c, key, answer)
    run = _written(root / local.SWEEPS / key, answer)
    record = {
        "status": str(answer.get("status")),
        "run": os.path.relpath(run, root),
        "metrics": answer.get("metrics"),
        "message": str(answer.get("message", "")),
    }
    return local.from_record(c, key, local.keep(root, key, c.id, record))


def _written(work: Path, answer: Mapping[str, Any]) -> Path:
    """The run folder's files under the configuration's folder; its run.json."""
    from mlgate.result import runs

    run_id = str(answer.get("run_id", ""))
    if not RUN_ID.fullmatch(run_id):
        raise UserError(f"a Ray task answered with a run id that is not one: {run_id[:80]!r}")
    files = {PurePosixPath(str(k)): bytes(v) for k, v in dict(answer.get("files", {})).items()}
    for relative in files:  # every name checked before anything is written
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise UserError(f"a Ray task answered with a file outside its run: {relative}")
    folder = runs.run_dir(work, run_id)
    for relative, content in files.items():
        atomic.write_bytes(folder.joinpath(*relative.parts), content)
    return folder / runs.RESULT_FILE


def _task(
    manifest_name: str, cid: str, params: dict[str, Any], version: str, tree: copies.Tree
) -> dict[str, Any]:
    """On a node: the configuration run in a copy of the shipped project of its own,
    which must hold what the sweep hashed (`tree`): Ray ships the project after it."""
    import tempfile

    from mlgate import __version__
    from mlgate.errors import MlgateError
    from mlgate.result import runs

    if __version__ != version:
        return {
            "status": "error",
            "message": f"the cluster runs mlgate {__version__}, the sweep {version}: install "
            "the same version on its nodes",
        }
    local.share_cores(1)  # Ray gave the task one CPU
    with tempfile.TemporaryDirectory(prefix="mlgate-sweep-") as scratch:
        work = Path(scratch) / "project"
        try:
            copied, result = copies.run_copy(
                Path.cwd() / manifest_name, work, params, tree, shipped=True
            )
        except MlgateError as exc:
            return {"status": "error", "message": str(exc)}
        folder = runs.run_dir(work, result.run_id)
        files = {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }
    return {**local.record_of(copied, result, ""), "run_id": result.run_id, "files": files}
