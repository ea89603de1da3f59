"""Deployment targets behind one protocol: a promotion runs an environment's targets in
order, each told what the ones before made, and the registry writes the assignment only
when every one of them succeeded."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from mlgate import promotion
from mlgate.deploy.command_target import CommandTarget
from mlgate.deploy.docker_target import ImageTarget
from mlgate.deploy.target import Deployed, Rollout, Target
from mlgate.errors import UserError
from mlgate.manifest.spec import Environment
from mlgate.registry import operations
from tests.deploy.conftest import Project


@dataclass
class Recording:
    """A target that keeps what it was given, and fails when asked to."""

    name: str
    told: dict[str, str] = field(default_factory=dict)
    fails: bool = False
    given: list[Rollout] = field(default_factory=list)

    def deploy(self, rollout: Rollout) -> Deployed:
        self.given.append(rollout)
        if self.fails:
            raise UserError(
                f"{self.name} refused; {rollout.environment} stays on {rollout.previous}"
            )
        return Deployed(record={self.name: "done"}, told=self.told)


def test_an_environments_targets_run_in_order_each_told_what_the_one_before_made(
    project: Project,
) -> None:
    first = Recording("first", told={"MLGATE_IMAGE": "registry/acme/iris:v0.1.0"})
    second = Recording("second")
    steps: list[Target] = [first, second]
    where = project.where()

    change = operations.promote(
        where,
        project.manifest,
        "v0.1.0",
        "staging",
        deploy=promotion.deployment(where, project.manifest, targets_of=lambda m, e: steps),
    )

    assert change.changed
    (given,) = first.given
    assert (given.model, given.version.version, given.environment) == ("iris", "v0.1.0", "staging")
    assert (given.root, given.previous, dict(given.told)) == (project.manifest.root, None, {})
    assert dict(second.given[0].told) == {"MLGATE_IMAGE": "registry/acme/iris:v0.1.0"}
    record = where.read().current("staging").record
    assert record["deploy"] == {"first": "done", "second": "done"}


def test_a_failing_target_writes_nothing(project: Project) -> None:
    first, second = Recording("first"), Recording("second", fails=True)
    where = project.where()
    with pytest.raises(UserError, match="second refused; staging stays on None"):
        operations.promote(
            where,
            project.manifest,
            "v0.1.0",
            "staging",
            deploy=promotion.deployment(
                where, project.manifest, targets_of=lambda m, e: [first, second]
            ),
        )
    assert len(first.given) == 1 and where.read().current("staging") is None


def test_the_image_goes_before_the_command_that_may_roll_it_out(project: Project) -> None:
    qa = project.manifest.environment("qa")
    assert qa is not None and qa.docker is not None and qa.deploy is not None
    found = promotion.targets(project.manifest, qa)
    assert found == [
        ImageTarget(spec=qa.docker),
        CommandTarget(manifest=project.manifest, command=qa.deploy),
    ]
    bare = Environment(name="bare")
    assert promotion.targets(project.manifest, bare) == []
    version = project.where().read().version("v0.1.0")
    assert version is not None
    deploy = promotion.deployment(project.where(), project.manifest)
    assert deploy(version, bare, None) is None  # nothing to deploy: nothing in the record
