"""`deploy.command` of an environment, as a deployment target: the user's command, run
with a copy of the version's model file from the store and what the targets before it
made."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlgate import commands, scratch
from mlgate.deploy.target import Deployed, Rollout
from mlgate.errors import OutsideError, UserError
from mlgate.manifest.spec import Command, Manifest


@dataclass(frozen=True, kw_only=True)
class CommandTarget:
    manifest: Manifest  # the command runs as the manifest's other commands do
    command: Command

    def deploy(self, rollout: Rollout) -> Deployed:
        version = rollout.version
        sha = version.record.get("model", {}).get("sha256")
        if not sha:
            raise UserError(
                f"{rollout.model} {version.version} has no model in the store to deploy"
            )
        with _private_copy(
            rollout.store.get(sha, version.record["model"].get("bytes")), version.record
        ) as model:
            command = replace(
                self.command,
                env={
                    **self.command.env,
                    **rollout.told,
                    "MLGATE_MODEL": str(model),
                    "MLGATE_MODEL_NAME": rollout.model,
                    "MLGATE_VERSION": version.version,
                    "MLGATE_ENVIRONMENT": rollout.environment,
                },
            )
            done = commands.run(self.manifest, command, None)
        if done.status != "passed":  # what it deploys to refused it, as a Docker push can:
            tail = "\n".join(done.log_tail[-5:])  # outside (exit 3), not the input's fault
            raise OutsideError(
                f"deploying {version.version} to {rollout.environment} failed: "
                f"{done.message}; {rollout.environment} stays on "
                f"{rollout.previous or 'no version'}" + (f"\n{tail}" if tail else ""),
                hint="nothing was recorded; once the deploy command can succeed, run the "
                "same mlgate command again",
            )
        return Deployed(record={"command": done.command, "duration_s": done.duration_s})


@contextmanager
def _private_copy(stored: Path, record: dict[str, Any]) -> Iterator[Path]:
    """The model copied into a folder of its own, removed when the command ends: the
    store's file is a folder store's only copy, and a command that moved or compressed
    `$MLGATE_MODEL` took the version (and every version with the same bytes) out of it."""
    folder = scratch.folder("mlgate-deploy-")  # one a killed promotion left: removed
    try:
        copy = folder / ("model" + Path(record["model"].get("file", "")).suffix)
        shutil.copyfile(stored, copy)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)
