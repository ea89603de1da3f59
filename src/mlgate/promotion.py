"""Promotion: a version deployed to an environment and recorded there, in one place.

The registry (`registry.operations`) decides whether the version may go there and writes
the assignment's tag; the targets (`deploy.target.Target`: a Docker image, a command)
deploy it; this module runs the environment's targets in order, inside a GitHub
Deployment when the environment asks for one, and hands that to the registry, which runs
it before writing anything. It sits above both, so neither knows the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mlgate.deploy.command_target import CommandTarget
from mlgate.deploy.docker_target import ImageTarget
from mlgate.deploy.target import Rollout, Target
from mlgate.errors import MlgateError
from mlgate.github import deployments
from mlgate.github.context import ActionsContext
from mlgate.github.http import GitHub
from mlgate.manifest.spec import Environment, Manifest
from mlgate.registry import operations
from mlgate.registry.operations import Change, Deploy, GitHubTarget, Where
from mlgate.registry.state import Version

NOT_IN_ACTIONS = "not recorded: not in GitHub Actions"


def where_in_workflow(
    manifest: Manifest, ctx: ActionsContext | None, token: str | None = None
) -> Where:
    """The registry as a workflow (ctx) changes it: its token, its GitHub Deployments, its
    run (recorded as what triggered each change), its actor and its default branch;
    outside one, `token` alone (for a private origin) and git's identity."""
    github = (
        GitHubTarget(
            api_url=ctx.api_url, repository=ctx.repository, token=ctx.token, run_url=ctx.run_url
        )
        if ctx is not None and ctx.token
        else None
    )
    where = Where.of(
        manifest,
        token=ctx.token if ctx else token,
        github=github,
        trigger=ctx.run_url if ctx else "",
    )
    if ctx is None:
        return replace(where, actor=operations.who(where.root))
    pushed = (
        (ctx.sha, ctx.ref.removeprefix("refs/heads/"))
        if ctx.sha and ctx.ref.startswith("refs/heads/")
        else None
    )
    return replace(where, actor=ctx.actor, default_branch=ctx.default_branch, pushed_to=pushed)


def promote(
    where: Where,
    manifest: Manifest,
    version: str,
    environment: str,
    *,
    actor: str = "",
    reason: str = "",
) -> Change:
    """`version` deployed to `environment` and recorded there; a no-op when it is there
    already. When the deployment fails, nothing is recorded and the error says so."""
    return operations.promote(
        where,
        manifest,
        version,
        environment,
        deploy=deployment(where, manifest),
        actor=actor,
        reason=reason,
    )


def rollback(
    where: Where, manifest: Manifest, environment: str, *, actor: str = "", reason: str = ""
) -> Change:
    """The environment back to the version before (`state.rollback_target`), deployed."""
    return operations.rollback(
        where,
        manifest,
        environment,
        deploy=deployment(where, manifest),
        actor=actor,
        reason=reason,
    )


def targets(manifest: Manifest, env: Environment) -> list[Target]:
    """The environment's targets in the order they run: the image first, since a command
    that follows may roll it out."""
    found: list[Target] = []
    if env.docker is not None:
        found.append(ImageTarget(spec=env.docker))
    if env.deploy is not None:
        found.append(CommandTarget(manifest=manifest, command=env.deploy))
    return found


def deployment(
    where: Where,
    manifest: Manifest,
    *,
    targets_of: Callable[[Manifest, Environment], list[Target]] = targets,
) -> Deploy:
    """What the registry runs before it writes an assignment (`operations.Deploy`): the
    environment's targets (`targets_of`) in order, each told what the ones before made."""

    def deploy(version: Version, env: Environment, previous: str | None) -> dict[str, Any] | None:
        steps = targets_of(manifest, env)
        if not steps and not env.github:
            return None
        said: dict[str, Any] = {}
        tracked = None
        if env.github:
            if where.github is not None:
                tracked = GitHubDeployment.start(where.github, where.model, version, env.name)
            said["github"] = tracked.deployment.url if tracked else NOT_IN_ACTIONS
        rollout = Rollout(
            store=where.store,
            model=where.model,
            version=version,
            environment=env.name,
            root=manifest.root,
            previous=previous,
        )
        try:
            for target in steps:
                done = target.deploy(rollout)
                said.update(done.record)
                rollout = replace(rollout, told={**rollout.told, **done.told})
        except BaseException as exc:  # anything, so no GitHub Deployment stays in_progress
            if tracked:
                said_why = str(exc) if isinstance(exc, MlgateError) else type(exc).__name__
                tracked.finish("failure", (said_why.splitlines() or ["failed"])[0])
            raise
        if tracked:
            tracked.finish("success", f"{version.version} deployed", url=env.url or "")
        return said

    return deploy


@dataclass(frozen=True, kw_only=True)
class GitHubDeployment:
    """The GitHub Deployment of one promotion, in_progress from `start` until `finish`
    says how the deployment ended (and closes the client)."""

    client: GitHub
    deployment: deployments.Deployment
    target: GitHubTarget

    @classmethod
    def start(
        cls, target: GitHubTarget, model: str, version: Version, environment: str
    ) -> GitHubDeployment:
        client = GitHub(api_url=target.api_url, token=target.token)
        owner, repo = target.repository.split("/", 1)
        made = deployments.create(
            client,
            owner,
            repo,
            sha=version.commit,
            environment=environment,
            description=f"{model} {version.version}",
            payload={"model": model, "version": version.version},
            production=environment == "production",
        )
        deployments.set_status(
            client,
            owner,
            repo,
            made,
            "in_progress",
            log_url=target.run_url,
            description=f"deploying {version.version}",
        )
        return cls(client=client, deployment=made, target=target)

    def finish(self, state: deployments.State, description: str, *, url: str = "") -> None:
        owner, repo = self.target.repository.split("/", 1)
        try:
            deployments.set_status(
                self.client,
                owner,
                repo,
                self.deployment,
                state,
                description=description,
                environment_url=url,
                log_url=self.target.run_url,
            )
        finally:
            self.client.close()
