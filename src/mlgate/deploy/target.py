"""What every deployment target is given and what it gives back, so that a promotion runs
an environment's targets (a Docker image, a command) one after the other without knowing
any of them: each adds its part to the assignment's record and tells the ones after it
what it made (the image it pushed, for a command that rolls it out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mlgate.registry.artifacts import Store
from mlgate.registry.state import Version


@dataclass(frozen=True, kw_only=True)
class Rollout:
    """One version of a model going to one environment."""

    store: Store  # where the version's model, run and manifest are, by sha256
    model: str
    version: Version
    environment: str
    root: Path  # the manifest's folder
    previous: str | None  # the environment's version until now, for the error that says so
    told: Mapping[str, str] = field(default_factory=dict)  # the targets' before this one


@dataclass(frozen=True, kw_only=True)
class Deployed:
    """What a target did: its part of the assignment's `deploy` record, and what it tells
    the targets after it (MLGATE_* variables)."""

    record: dict[str, Any]
    told: dict[str, str] = field(default_factory=dict)


class Target(Protocol):
    """A way to deploy a version; raises an MlgateError that says the environment stays
    on its previous version when it fails."""

    def deploy(self, rollout: Rollout) -> Deployed: ...
