"""Deployments begun and not yet recorded, as marks in the clone's git folder.

A promotion deploys, then writes its tag. Killed between the two (a cancelled job), the
environment runs a version the registry does not record. So a mark is written before
the deployment and removed once the tag is written, or once the deployment failed
saying the environment stays where it was. A mark whose process is gone and whose tag
was never written is read back as `state.Unrecorded`: every read says so, and promoting
the version the registry records deploys it again rather than doing nothing.

The marks are this clone's: a kill on a runner that is thrown away leaves its mark with
the runner (its GitHub Deployment, when there is one, stays in_progress and says so).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from mlgate import atomic, git, proc
from mlgate.registry.state import State, Unrecorded


@dataclass(frozen=True, kw_only=True)
class Intent:
    """One promotion's mark: `tag` is the tag it is about to write."""

    path: Path
    environment: str
    version: str
    previous: str | None
    started: str
    tag: str


def folder(root: Path) -> Path:
    out = proc.output(
        ["git", "rev-parse", "--git-path", "mlgate/deploying"], cwd=root, env=git.env()
    )
    return root / out.strip()


def begin(
    root: Path,
    model: str,
    environment: str,
    version: str,
    previous: str | None,
    *,
    tag: str,
    started: str,
) -> Intent:
    """The mark of a deployment about to run, written whole before it does."""
    where = folder(root)
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{model}#{environment}#{secrets.token_hex(6)}.json"
    intent = Intent(
        path=path,
        environment=environment,
        version=version,
        previous=previous,
        started=started,
        tag=tag,
    )
    retag(intent, tag)
    return intent


def retag(intent: Intent, tag: str) -> Intent:
    """The mark again, naming the tag of this round (a lost race computes another)."""
    body = {
        "environment": intent.environment,
        "version": intent.version,
        "previous": intent.previous,
        "started": intent.started,
        "tag": tag,
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }
    atomic.write_text(intent.path, json.dumps(body, sort_keys=True) + "\n")
    return Intent(**{**intent.__dict__, "tag": tag})


def end(intent: Intent) -> None:
    """The deployment is recorded, or failed leaving the environment where it was."""
    intent.path.unlink(missing_ok=True)


def supersede(root: Path, model: str, environment: str, started: str) -> None:
    """Marks of `environment` begun before `started`, whose promotion is gone: a
    deployment recorded since runs there now, whatever they deployed. One still running
    may finish deploying after ours (the first to start is not the first to finish): its
    mark stays until it writes its tag, or is left behind and said to be (a promotion
    deploying for 4 s, its mark dropped by one begun 2 s later and recorded first, then
    killed: the environment ran its version, and nothing said so)."""
    for path, body in _marks(root, model):
        if (
            body.get("environment") == environment
            and str(body.get("started")) <= started
            and not _running(body)
        ):
            path.unlink(missing_ok=True)


def unrecorded(root: Path, model: str, current: State) -> tuple[Unrecorded, ...]:
    """The marks left by promotions that are gone, less those the registry now accounts
    for (their tag was written, or the environment holds their version): each a
    deployment that may have run with no tag to say so. Those accounted for are removed."""
    found = []
    for path, body in _marks(root, model):
        environment, version = str(body.get("environment")), str(body.get("version"))
        held = current.current(environment)
        # its own tag written: that name with its version (a race's winner writes the
        # same name for another version, which took a lost rollback's mark for written)
        written = any(
            a.tag == body.get("tag") and a.version == version for a in current.history(environment)
        )
        if written or (held is not None and held.version == version):
            path.unlink(missing_ok=True)
            continue
        if _running(body):
            continue  # a promotion under way in another process: not left behind
        previous = body.get("previous")
        found.append(
            Unrecorded(
                environment=environment,
                version=version,
                recorded=held.version if held else None,
                previous=str(previous) if previous else None,
                started=str(body.get("started")),
                mark=path.name,
            )
        )
    return tuple(sorted(found, key=lambda u: (u.environment, u.started)))


def _marks(root: Path, model: str) -> list[tuple[Path, dict[str, object]]]:
    where = folder(root)
    if not where.is_dir():
        return []
    out = []
    for path in sorted(where.glob(f"{model}#*.json")):
        try:
            body = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # being written, or removed, by another process: atomic, so never half
        if isinstance(body, dict):
            out.append((path, body))
    return out


def _running(body: dict[str, object]) -> bool:
    """Whether the process that wrote the mark is alive (on this machine; a mark from
    another one is taken as left behind)."""
    pid = body.get("pid")
    if body.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return False  # this process's own mark, from a round that raised: left behind
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
