"""Deployment targets behind one protocol: a promotion runs an environment's targets in
order, each told what the ones before made, and the registry writes the assignment only
when every one of them succeeded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mlgate import promotion
from mlgate.deploy.command_target import CommandTarget
from mlgate.deploy.docker_target import ImageTarget
from mlgate.deploy.target import Deployed, Rollout, Target
from mlgate.errors import UserError
from mlgate.manifest.spec import Environment
from mlgate.registry import operations
from mlgate.serve import service
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


def test_a_command_that_moves_its_model_file_takes_nothing_from_the_store(
    project: Project,
) -> None:
    """`mv "$MLGATE_MODEL" ...` took the folder store's only copy: that version, and any
    with the same bytes, could no longer be promoted, served or rolled back to."""
    (project.root / "rollout.py").write_text(
        "import hashlib, json, os, shutil\n"
        "model = os.environ['MLGATE_MODEL']\n"
        "sha = hashlib.sha256(open(model, 'rb').read()).hexdigest()\n"
        "shutil.move(model, 'served.bin')\n"
        "json.dump({'model': model, 'sha256': sha}, open('rollout.json', 'w'))\n"
    )
    where = project.where()
    promotion.promote(where, project.manifest, "v0.1.0", "qa")
    told = json.loads((project.root / "rollout.json").read_text())
    sha = where.read().version("v0.1.0").record["model"]["sha256"]
    assert told["sha256"] == sha  # the model's bytes, in a copy of its own
    assert Path(told["model"]) != where.store.path(sha)
    assert not Path(told["model"]).parent.exists()  # removed when the command ended
    assert where.store.get(sha).is_file()  # still in the store: served, promoted again
    assert service.load(project.manifest, "v0.1.0") is not None


def test_a_deploy_command_that_fails_is_something_outside_and_changes_nothing(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cluster that refuses a rollout exited 2, "the input is wrong": CI that branches on
    the code took a flaky deployment for a manifest error."""
    from mlgate.cli import main

    (project.root / "rollout.py").write_text(
        "import sys\nprint('error: the cluster refused the rollout', file=sys.stderr)\n"
        "sys.exit(7)\n"
    )
    assert main(["-C", str(project.root), "promote", "v0.1.0", "--to", "qa"]) == 3
    said = capsys.readouterr().err
    assert "deploying v0.1.0 to qa failed: `python rollout.py` exited with code 7" in said
    assert "qa stays on no version" in said and "the cluster refused the rollout" in said
    assert "hint: nothing was recorded; once the deploy command can succeed, run the" in said
    assert project.where().read().current("qa") is None


@dataclass
class Broken:
    """A target that fails with what is no MlgateError (a full disk, a bug)."""

    def deploy(self, rollout: Rollout) -> Deployed:
        raise OSError(28, "No space left on device")


def test_any_failure_ends_the_github_deployment_as_failed(project: Project) -> None:
    """Only an MlgateError finished it: anything else left it in_progress for good."""
    from dataclasses import replace

    from tests.github.server import running

    with running() as fake:
        target = operations.GitHubTarget(
            api_url=fake.url, repository="o/r", token="ghs_" + "d" * 36, run_url="https://run/1"
        )
        where = replace(project.where(), github=target)
        version = where.read().version("v0.1.0")
        assert version is not None
        deploy = promotion.deployment(where, project.manifest, targets_of=lambda m, e: [Broken()])
        with pytest.raises(OSError, match="No space left"):
            deploy(version, Environment(name="staging", github=True), None)
        (made,) = fake.deployments
        states = [s["state"] for s in fake.deployment_statuses[made["id"]]]
        assert states == ["in_progress", "failure"]
