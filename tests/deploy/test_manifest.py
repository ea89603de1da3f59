"""`environments.<env>.deploy.docker` in mlops.yaml: typed values, and a wrong image
reference reported at its line with a right one beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.errors import ManifestError
from mlgate.manifest import image_name
from mlgate.manifest.load import parse
from mlgate.manifest.spec import DockerTarget

HEAD = """\
name: iris
data: {train: train.csv, test: test.csv, target: species}
train: {command: python train.py}
environments:
"""


def load(environments: str):
    return parse((HEAD + environments).encode(), name="mlops.yaml", root=Path("."), files=False)


def problems(environments: str) -> list[str]:
    with pytest.raises(ManifestError) as error:
        load(environments)
    return [str(p) for p in error.value.problems]


def test_docker_beside_a_command_and_its_defaults() -> None:
    loaded = load(
        "  staging:\n    deploy:\n      docker: {image: ghcr.io/acme/churn}\n"
        "      command: ./rollout.sh\n"
        "  production:\n    deploy: {docker: {image: acme/churn, build: false}}\n"
        "  qa:\n    deploy: {docker: {image: 'localhost:5000/churn', push: false, "
        "platform: linux/arm64/v8}}\n"
    )
    staging, production, qa = loaded.environments
    assert staging.docker == DockerTarget(image="ghcr.io/acme/churn")
    assert staging.docker.build and staging.docker.push and staging.deploy is not None
    assert production.docker == DockerTarget(image="acme/churn", build=False)
    assert production.deploy is None
    assert qa.docker == DockerTarget(
        image="localhost:5000/churn", push=False, platform="linux/arm64/v8"
    )


@pytest.mark.parametrize(
    ("docker", "said"),
    [
        (
            "{image: 'ghcr.io/Acme/churn:latest'}",
            "mlops.yaml:7:23: environments.staging.deploy.docker.image: 'ghcr.io/Acme/churn:latest' "
            "is not an image repository (it has the tag ':latest': leave it out, each version is "
            "pushed as IMAGE:VERSION); did you mean 'ghcr.io/acme/churn'?",
        ),
        (
            "{image: 'ghcr.io/acme/-churn'}",
            "mlops.yaml:7:23: environments.staging.deploy.docker.image: 'ghcr.io/acme/-churn' is "
            "not an image repository ('-churn' is not a repository name part: lowercase letters "
            "and digits, joined by '.', '_', '__' or dashes); like ghcr.io/acme/churn",
        ),
        (
            "{image: ghcr.io/acme/churn, platform: amd64}",
            "mlops.yaml:7:53: environments.staging.deploy.docker.platform: found 'amd64', expected "
            "os/arch or os/arch/variant, like linux/amd64 or linux/arm64/v8",
        ),
        (
            "{image: ghcr.io/acme/churn, build: false, push: true}",
            "mlops.yaml:7:63: environments.staging.deploy.docker.push: push: true needs the image "
            "built here; with build: false mlgate writes the build context only (drop push, or set "
            "build: true)",
        ),
        (
            "{push: false}",
            "mlops.yaml:7:7: environments.staging.deploy.docker: missing required key 'image' (the "
            "image's repository without a tag, like ghcr.io/acme/churn: each version is pushed as "
            "ghcr.io/acme/churn:VERSION)",
        ),
        (
            "{image: ghcr.io/acme/churn, tag: v1}",
            "mlops.yaml:7:43: environments.staging.deploy.docker.tag: unknown key 'tag' (allowed: "
            "build, image, platform, push)",
        ),
    ],
)
def test_a_wrong_docker_setting_is_located_and_explained(docker: str, said: str) -> None:
    assert problems(f"  staging:\n    deploy:\n      docker: {docker}\n") == [said]


@pytest.mark.parametrize(
    "reference",
    [
        "ghcr.io/acme/churn",
        "acme/churn",
        "churn",
        "localhost/churn",
        "localhost:5000/a/b",
        "127.0.0.1:5000/acme/iris",
        "registry.example.org:443/a.b/c_d/e__f/g-h--i",
        "[::1]:5000/churn",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn",
    ],
)
def test_image_references_a_registry_takes(reference: str) -> None:
    assert image_name.problem(reference) is None


@pytest.mark.parametrize(
    ("reference", "said"),
    [
        ("https://ghcr.io/acme/churn", "did you mean 'ghcr.io/acme/churn'?"),
        ("ghcr.io/acme/churn@sha256:" + "a" * 64, "it has a digest"),
        ("Acme/churn", "the repository path must be lowercase); did you mean 'acme/churn'?"),
        ("ghcr.io/acme//churn", "'' is not a repository name part"),
        ("ghcr.io/acme/churn_", "'churn_' is not a repository name part"),
        ("my_registry.io/churn", "'my_registry.io' is not a registry host[:port]"),
        ("ghcr.io:http/churn", "'ghcr.io:http' is not a registry host[:port]"),
        ("a/" + "b" * 260, "it is 262 characters long, over 255"),
    ],
)
def test_image_references_a_registry_refuses(reference: str, said: str) -> None:
    assert said in (image_name.problem(reference) or "")
