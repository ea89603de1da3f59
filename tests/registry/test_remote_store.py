"""A team's store on S3: the same registry with `registry.artifacts: s3://...`, against an
S3-compatible server on 127.0.0.1 (moto's server mode), through s3fs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import promotion
from mlgate.errors import OutsideError, UserError
from mlgate.registry import artifacts, operations
from tests.conftest import git
from tests.registry.conftest import Project, make_project


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server a worker: stopping one waits out its half-second poll."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty bucket, `models-bucket`, in a moto server on 127.0.0.1."""
    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    import httpx
    import s3fs

    httpx.post(f"{moto_endpoint}/moto-api/reset")  # moto keeps its state in-process: empty
    s3fs.S3FileSystem.clear_instance_cache()
    s3fs.S3FileSystem(anon=False).mkdir("models-bucket")
    return moto_endpoint


def in_the_bucket(tmp_path: Path) -> Project:
    """The iris project with its store in the team's bucket, committed."""
    project = make_project(tmp_path / "repo")
    manifest_file = project.root / "mlops.yaml"
    manifest_file.write_text(
        manifest_file.read_text() + "registry:\n  artifacts: s3://models-bucket/iris\n"
    )
    git(project.root, "commit", "-q", "-am", "the team's bucket")
    project.manifest = manifests.load(manifest_file)
    return project


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_register_and_deploy_through_an_s3_store(tmp_path: Path, s3: str) -> None:
    project = in_the_bucket(tmp_path)
    project.next_commit(0.7)
    where = project.where()
    assert isinstance(where.store, artifacts.RemoteStore)
    operations.register(where, project.manifest, project.run)
    record = where.read().version("v0.1.0").record
    import s3fs

    fs = s3fs.S3FileSystem()
    sha = record["model"]["sha256"]
    key = f"models-bucket/iris/objects/{sha[:2]}/{sha[2:]}"
    assert fs.cat_file(key) == (project.root / "models/model.joblib").read_bytes()
    # model, run, manifest, and the training and test files' profiles
    assert len(fs.find("models-bucket/iris")) == 5
    # read back through the local cache, checked by its sha256
    fetched = where.store.get(sha)
    assert fetched.read_bytes() == fs.cat_file(key)
    # a promotion copies nothing to the store
    before = {p: fs.info(p)["LastModified"] for p in fs.find("models-bucket/iris")}
    promotion.promote(where, project.manifest, "v0.1.0", "staging")
    assert {p: fs.info(p)["LastModified"] for p in fs.find("models-bucket/iris")} == before


def test_a_corrupt_or_missing_remote_object_is_refused(tmp_path: Path, s3: str) -> None:
    import s3fs

    remote = artifacts.open_store("s3://models-bucket/x", tmp_path)
    source = tmp_path / "model.bin"
    source.write_bytes(b"weights" * 1000)
    sha = remote.put(source)
    s3fs.S3FileSystem().pipe_file(f"models-bucket/x/objects/{sha[:2]}/{sha[2:]}", b"evil")
    with pytest.raises(OutsideError, match="is corrupt"):
        remote.get(sha)
    assert not (tmp_path / artifacts.CACHE / sha).exists()
    with pytest.raises(UserError, match="is not in the model store"):
        remote.get("0" * 64)


def test_an_object_grown_in_the_bucket_is_refused_before_it_is_downloaded(
    tmp_path: Path, s3: str
) -> None:
    """An object replaced with 300 MiB was downloaded whole before it was found corrupt:
    the size the record gives is looked at first, and nothing past it is taken."""
    import s3fs

    remote = artifacts.open_store("s3://models-bucket/x", tmp_path)
    source = tmp_path / "model.bin"
    source.write_bytes(b"weights" * 1000)
    sha = remote.put(source)
    s3fs.S3FileSystem().pipe_file(f"models-bucket/x/objects/{sha[:2]}/{sha[2:]}", b"\0" * (1 << 20))
    with pytest.raises(OutsideError, match=r"is corrupt \(1,048,576 bytes, not the 7,000"):
        remote.get(sha, 7000)
    cache = tmp_path / artifacts.CACHE
    assert list(cache.iterdir()) == []  # nothing downloaded, no partial file


def test_a_promotion_looks_for_the_versions_objects_in_the_bucket_first(
    tmp_path: Path, s3: str
) -> None:
    """A version whose model was not in the bucket was promoted (exit 0), and nothing could
    serve it. The look is one request an object (its size against the record's), no
    download: the sha256 is checked whenever the object is read."""
    import dataclasses

    import s3fs

    project = in_the_bucket(tmp_path)
    run = dataclasses.replace(
        project.run,
        git=dataclasses.replace(project.run.git, commit=git(project.root, "rev-parse", "HEAD")),
    )
    where = project.where()
    operations.register(where, project.manifest, run)
    sha = where.read().version("v0.1.0").record["model"]["sha256"]
    key = f"models-bucket/iris/objects/{sha[:2]}/{sha[2:]}"
    fs = s3fs.S3FileSystem()
    kept = fs.cat_file(key)
    fs.rm_file(key)
    with pytest.raises(UserError, match=r"object \w+ is not in the model store s3://") as gone:
        promotion.promote(where, project.manifest, "v0.1.0", "staging")
    assert f"it belongs at s3://models-bucket/iris/objects/{sha[:2]}/{sha[2:]}" in (
        gone.value.hint or ""
    )
    fs.pipe_file(key, b"evil")
    with pytest.raises(OutsideError, match=r"is corrupt \(4 bytes, not the [\d,]+ it was stored"):
        promotion.promote(where, project.manifest, "v0.1.0", "staging")
    assert (
        where.read().current("staging") is None
        and not (tmp_path / "repo" / artifacts.CACHE).exists()
    )
    fs.pipe_file(key, kept)
    assert promotion.promote(where, project.manifest, "v0.1.0", "staging").changed
