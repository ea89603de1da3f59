"""The docker deployment of one promotion: the version's build context written, then
(unless `build: false`) its image built and pushed through the engine. What it did is a
value for the assignment's record; when any step fails, the error says that the
environment stays on its previous version and where the context is, to look at or to
build by hand.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlgate.deploy.target import Deployed, Rollout
from mlgate.errors import MlgateError, OutsideError, UserError
from mlgate.manifest.spec import DockerTarget


@dataclass(frozen=True, kw_only=True)
class ImageTarget:
    """`deploy.docker` of an environment, as a deployment target."""

    spec: DockerTarget

    def deploy(self, rollout: Rollout) -> Deployed:
        done = deploy(rollout, self.spec)
        return Deployed(record={"docker": done.to_record()}, told=done.environ(rollout.root))


@dataclass(frozen=True, kw_only=True)
class Image:
    """What the docker target did, for the assignment's record."""

    image: str  # repository:version
    context: str  # the build context, relative to the manifest's folder
    mlgate: str  # how mlgate got into it
    built: bool = False
    image_id: str | None = None
    engine: str | None = None
    digest: str | None = None  # the registry's, once pushed

    @property
    def pushed(self) -> bool:
        return self.digest is not None

    def to_record(self) -> dict[str, Any]:
        return {k: v for k, v in {**asdict(self), "pushed": self.pushed}.items() if v is not None}

    def environ(self, root: Path) -> dict[str, str]:
        """What a deploy command that follows is told (it may roll the image out)."""
        said = {"MLGATE_IMAGE": self.image, "MLGATE_DOCKER_CONTEXT": str(root / self.context)}
        if self.digest:
            said["MLGATE_IMAGE_DIGEST"] = self.digest
        return said


def deploy(rollout: Rollout, target: DockerTarget) -> Image:
    """Write the context under the manifest's folder, then build and push as `target` says."""
    from mlgate.deploy import build_context, docker, source

    root, environment, version = rollout.root, rollout.environment, rollout.version
    previous = rollout.previous
    folder = build_context.folder_for(root, environment, version.version)
    try:
        written = build_context.write(
            rollout.store,
            rollout.model,
            version,
            environment,
            target,
            root=root,
            source=source.locate(),
        )
        said = Image(
            image=written.image,
            context=os.path.relpath(written.folder, root),
            mlgate=written.mlgate,
        )
        if not target.build:
            return said
        built = docker.build_and_push(
            written.folder,
            target.image,
            version.version,
            push=target.push,
            platform=target.platform,
        )
    except (MlgateError, OSError) as caught:
        # a full disk (the context, the wheel) is the machine's: said as any failure is
        exc = caught if isinstance(caught, MlgateError) else _os_error(caught)
        first, _, rest = exc.message.partition("\n")
        where = f"; the build context is at {folder}" if folder.is_dir() else ""
        kind = UserError if isinstance(exc, UserError) else OutsideError
        raise kind(
            f"deploying {version.version} to {environment} failed: {first}; "
            f"{environment} stays on {previous or 'no version'}{where}"
            + (f"\n{rest}" if rest else ""),
            hint=exc.hint,
        ) from caught
    return Image(
        **{
            **asdict(said),
            "built": True,
            "image_id": built.image_id,
            "engine": built.engine,
            "digest": built.digest,
        }
    )


def _os_error(exc: OSError) -> OutsideError:
    where = f" {exc.filename}" if exc.filename else ""
    return OutsideError(
        f"cannot write{where}: {exc.strerror or exc}",
        hint="free some disk space (or fix the folder's permissions), then promote again",
    )
