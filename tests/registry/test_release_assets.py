"""A team with no bucket: the store as a GitHub release's assets, against the loopback
GitHub (every request checked against GitHub's description, downloads redirected to a
second loopback server that must never see the token)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mlgate import manifest as manifests
from mlgate.cli import main
from mlgate.errors import ManifestError, OutsideError, UserError
from mlgate.github.http import GitHub, GitHubError, may_have_token
from mlgate.registry import artifacts
from mlgate.registry.operations import GitHubTarget
from mlgate.registry.release_assets import ReleaseStore
from tests import projects
from tests.conftest import git
from tests.github.server import ASSETS, ONE_ASSET, RELEASES, FakeGitHub, Fault, running
from tests.registry.conftest import ENVIRONMENTS, make_project

TOKEN = "ghs_" + "st0re" * 8
TAG = "mlgate-models"
UPLOAD = ("POST", ASSETS)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with running() as state:
        yield state


def open_on(fake: FakeGitHub, root: Path, waits: list[float] | None = None) -> ReleaseStore:
    """The store as `mlgate` opens it in a workflow, with a client that does not sleep."""
    target = GitHubTarget(api_url=fake.url, repository="o/r", token=TOKEN)
    opened = artifacts.open_store(f"github-release:{TAG}", root, target)
    assert isinstance(opened, ReleaseStore)
    sleep = (waits if waits is not None else []).append
    return ReleaseStore(
        tag=opened.tag,
        cache=opened.cache,
        repository=opened.repository,
        api_url=opened.api_url,
        token=opened.token,
        client={"timeout_s": 2.0, "min_write_interval_s": 0.0, "seed": 0, "sleep": sleep},
    )


def a_file(root: Path, content: bytes = b"weights" * 5000) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "model.bin"
    path.write_bytes(content)
    return path


def test_put_then_get_reads_the_same_bytes_back(fake: FakeGitHub, tmp_path: Path) -> None:
    remote = open_on(fake, tmp_path)
    source = a_file(tmp_path / "work")
    sha = remote.put(source)
    assert sha == artifacts.sha256_of(source)
    (release,) = fake.releases
    assert release["tag_name"] == TAG and release["prerelease"] and not release["draft"]
    asset = fake.asset(sha)
    assert asset is not None and fake.blobs[asset["id"]] == source.read_bytes()
    fetched = remote.get(sha)
    assert fetched == tmp_path / artifacts.CACHE / sha
    assert fetched.read_bytes() == source.read_bytes()
    before = fake.total_calls()
    assert remote.get(sha) == fetched  # from the cache, checked, with no call at all
    assert fake.total_calls() == before


def test_an_object_already_there_is_not_uploaded_again(fake: FakeGitHub, tmp_path: Path) -> None:
    source = a_file(tmp_path / "work")
    open_on(fake, tmp_path).put(source)
    again = open_on(fake, tmp_path)  # another job: it finds the release and the asset
    assert again.put(source) == artifacts.sha256_of(source)
    assert again.put(source) == artifacts.sha256_of(source)
    assert fake.calls[UPLOAD] == 1
    assert fake.calls[("POST", RELEASES)] == 1
    assert len(fake.releases[0]["assets"]) == 1


def test_a_corrupt_asset_is_refused(fake: FakeGitHub, tmp_path: Path) -> None:
    remote = open_on(fake, tmp_path)
    sha = remote.put(a_file(tmp_path / "work"))
    asset = fake.asset(sha)
    assert asset is not None
    # the bytes changed behind the store's back, with the size GitHub lists (a short
    # download is a failed one, not a corrupt object: test_a_short_download_is_...)
    fake.blobs[asset["id"]] = b"e" * len(fake.blobs[asset["id"]])
    with pytest.raises(OutsideError, match="is corrupt"):
        remote.get(sha)
    cache = tmp_path / artifacts.CACHE
    assert not (cache / sha).exists() and list(cache.iterdir()) == []  # no partial file


def test_a_missing_object_is_a_clear_error(fake: FakeGitHub, tmp_path: Path) -> None:
    remote = open_on(fake, tmp_path)
    with pytest.raises(
        UserError, match="is not in the model store github-release:mlgate-models in o/r"
    ) as caught:
        remote.get("0" * 64)
    assert "release mlgate-models does not exist" in str(caught.value)
    assert fake.calls[("POST", RELEASES)] == 0  # reading never makes the release
    remote.put(a_file(tmp_path / "work"))
    with pytest.raises(UserError, match="is not in the model store"):
        remote.get("1" * 64)


def test_a_file_of_2_gib_is_refused_before_it_is_read_or_sent(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub takes assets *under* 2 GiB: one of exactly 2 GiB passed the check, was read
    whole for its sha256, and then met an unexplained 500 from GitHub."""
    from mlgate.registry import release_assets

    def never(path: Path) -> str:
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(release_assets, "sha256_of", never)
    (tmp_path / "work").mkdir()
    big = tmp_path / "work" / "model.bin"
    with big.open("wb") as f:
        f.truncate(2 * 1024**3)  # sparse: no disk, no time
    with pytest.raises(UserError, match=r"2,147,483,648 bytes; .* must be under 2 GiB"):
        open_on(fake, tmp_path).put(big)
    assert fake.total_calls() == 0


@pytest.mark.parametrize(
    "fault",
    [Fault(apply_first=True), Fault(apply_first=True, drop=True)],
    ids=["502-after-upload", "connection-dropped-after-upload"],
)
def test_a_lost_upload_answer_does_not_duplicate_the_asset(
    fake: FakeGitHub, tmp_path: Path, fault: Fault
) -> None:
    fake.fail(*UPLOAD, fault)
    source = a_file(tmp_path / "work")
    sha = open_on(fake, tmp_path).put(source)
    assert fake.calls[UPLOAD] == 1  # looked again instead of sending it twice
    assert [a["name"] for a in fake.releases[0]["assets"]] == [sha]
    assert fake.log.count(("GET", ASSETS)) == 2


def test_an_upload_that_never_arrived_is_sent_again(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.fail(*UPLOAD, Fault(status=502))  # answered 502, nothing stored
    sha = open_on(fake, tmp_path).put(a_file(tmp_path / "work"))
    assert fake.calls[UPLOAD] == 2
    assert [a["name"] for a in fake.releases[0]["assets"]] == [sha]


def test_a_broken_earlier_upload_is_reported_with_the_way_out(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    source = a_file(tmp_path / "work")
    sha = artifacts.sha256_of(source)
    fake.add_asset(TAG, sha, b"", state="open")
    waits: list[float] = []
    with pytest.raises(OutsideError, match="did not finish") as caught:
        open_on(fake, tmp_path, waits).put(source)
    assert f"gh release delete-asset {TAG} {sha} --repo o/r" in str(caught.value)
    assert fake.calls[UPLOAD] == 0
    assert waits == [1.0, 2.0, 4.0, 8.0]  # time for another job's upload to finish


def test_an_immutable_release_keeps_what_it_has_and_takes_nothing_new(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    source = a_file(tmp_path / "work")
    sha = open_on(fake, tmp_path).put(source)
    fake.releases[0]["immutable"] = True  # the repository turned immutable releases on
    remote = open_on(fake, tmp_path)
    assert remote.put(source) == sha  # already there: nothing to add
    assert remote.get(sha).read_bytes() == source.read_bytes()
    with pytest.raises(UserError, match="is immutable"):
        remote.put(a_file(tmp_path / "other", b"new weights"))
    assert fake.calls[UPLOAD] == 1


def test_an_upload_refused_for_another_reason_says_why(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.fail(
        *UPLOAD,
        Fault(
            status=422,
            body={
                "message": "Cannot upload assets to an immutable release.",
                "documentation_url": "x",
            },
        ),
    )
    with pytest.raises(GitHubError, match="422: Cannot upload assets"):
        open_on(fake, tmp_path).put(a_file(tmp_path / "work"))
    assert fake.calls[UPLOAD] == 1


def test_the_token_never_reaches_the_download_origin(fake: FakeGitHub, tmp_path: Path) -> None:
    remote = open_on(fake, tmp_path)
    sha = remote.put(a_file(tmp_path / "work"))
    remote.get(sha)
    assert fake.calls[("GET", ONE_ASSET)] == 1
    assert len(fake.storage_log) == 1
    assert [auth for _, auth in fake.storage_log] == [None]


def test_a_download_the_api_answers_itself(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.redirect_downloads = False  # GitHub may stream the bytes instead of redirecting
    remote = open_on(fake, tmp_path)
    source = a_file(tmp_path / "work")
    assert remote.get(remote.put(source)).read_bytes() == source.read_bytes()
    assert fake.storage_log == []


def test_an_upload_url_on_another_origin_gets_no_token(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.upload_root = fake.storage_url + "/api/uploads"  # a release pointing elsewhere
    with pytest.raises(GitHubError, match="not sending the token there"):
        open_on(fake, tmp_path).put(a_file(tmp_path / "work"))
    assert fake.storage_log == []  # nothing was sent at all


@pytest.mark.parametrize(
    ("api", "upload", "allowed"),
    [
        (
            "https://api.github.com",
            "https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}",
            True,
        ),
        (
            "https://api.acme.ghe.com",
            "https://uploads.acme.ghe.com/repos/o/r/releases/1/assets",
            True,
        ),
        (
            "https://ghe.example/api/v3",
            "https://ghe.example/api/uploads/repos/o/r/releases/1/assets{?name,label}",
            True,
        ),
        ("https://api.github.com", "https://uploads.github.com.evil.example/x", False),
        ("https://api.github.com", "https://evil.example/x", False),
        ("https://api.github.com", "http://uploads.github.com/x", False),
        ("https://api.github.com", "https://uploads.github.com:8443/x", False),
        ("https://api.github.com", "https://user:pw@uploads.github.com/x", False),
        ("https://ghe.example/api/v3", "https://ghe.example:444/api/uploads/x", False),
    ],
)
def test_which_upload_origins_may_have_the_token(
    api: str, upload: str, allowed: bool, tmp_path: Path
) -> None:
    url = upload.split("{")[0]  # what Releases.upload makes of the release's template
    assert may_have_token(api, url) is allowed
    if not allowed:  # refused before anything is sent (these hosts are not on loopback)
        with GitHub(api, TOKEN) as gh, pytest.raises(GitHubError, match="not sending the token"):
            gh.upload(url, a_file(tmp_path), params={"name": "x"})


def test_a_release_made_meanwhile_by_another_job_is_used(fake: FakeGitHub, tmp_path: Path) -> None:
    def another_job() -> None:
        fake.add_asset(TAG, "f" * 64, b"x")

    fake.fail(
        "POST",
        RELEASES,
        Fault(
            status=422,
            body={
                "message": "Validation Failed",
                "documentation_url": "x",
                "errors": [{"resource": "Release", "code": "already_exists", "field": "tag_name"}],
            },
            before=another_job,
        ),
    )
    sha = open_on(fake, tmp_path).put(a_file(tmp_path / "work"))
    assert len(fake.releases) == 1
    assert sorted(a["name"] for a in fake.releases[0]["assets"]) == sorted([sha, "f" * 64])


def test_outside_actions_it_needs_a_repository_and_a_token(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = a_file(tmp_path / "work")
    remote = artifacts.open_store(f"github-release:{TAG}", tmp_path)  # nothing set: no error yet
    with pytest.raises(UserError, match="needs the repository") as caught:
        remote.put(source)
    assert "GITHUB_REPOSITORY" in str(caught.value)
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    with pytest.raises(UserError, match="needs a GitHub token") as caught:
        artifacts.open_store(f"github-release:{TAG}", tmp_path).put(source)
    assert "GITHUB_TOKEN" in str(caught.value)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    assert artifacts.open_store(f"github-release:{TAG}", tmp_path).put(source)
    assert fake.calls[UPLOAD] == 1


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("github-release:churn@v1", "would read as a registry tag"),
        ("github-release:", "needs the release's tag after it"),
        ("github-releases:models", "for a release's assets write 'github-release:<tag>'"),
        ("github-release:a b", "is not a release tag this store uses"),
    ],
)
def test_a_wrong_release_location_is_reported_where_it_is(
    tmp_path: Path, value: str, said: str
) -> None:
    manifest = projects.IRIS_MANIFEST + f"registry:\n  artifacts: '{value}'\n"
    projects.write(tmp_path, projects.iris_files(tmp_path, manifest=manifest))
    with pytest.raises(ManifestError) as caught:
        manifests.load(tmp_path / "mlops.yaml")
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == ("registry.artifacts", manifest.count("\n"))
    assert said in problem.message and "github-release:mlgate-models" in problem.message


@pytest.mark.e2e  # trains: runs the user's training as a process
def test_register_and_promote_through_a_release(
    fake: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project(tmp_path / "repo")
    deploy = json.dumps(
        [
            sys.executable,
            "-c",
            "import os, shutil; shutil.copy(os.environ['MLGATE_MODEL'], 'deployed.bin')",
        ]
    )
    manifest_file = project.root / "mlops.yaml"
    text = manifest_file.read_text().replace(
        ENVIRONMENTS,
        ENVIRONMENTS.replace(
            "{requires: staging}", f"{{requires: staging, deploy: {{command: {deploy}}}}}"
        ),
    )
    manifest_file.write_text(text + f"registry:\n  artifacts: github-release:{TAG}\n")
    (project.root / ".gitignore").write_text("models/\n.mlgate/\ndeployed.bin\n")
    git(project.root, "commit", "-q", "-am", "the team's release store")
    project.manifest = manifests.load(manifest_file)
    project.next_commit(0.7)
    for name, value in {
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": fake.url,
    }.items():
        monkeypatch.setenv(name, value)
    root = str(project.root)
    assert main(["-C", root, "register"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["-C", root, "registry", "show", "v0.1.0", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)["record"]
    names = {a["name"] for a in fake.releases[0]["assets"]}
    profiles = {d["profile"]["sha256"] for d in record["data"]}
    assert len(profiles) == 2  # the training and test files' profiles
    assert names == {
        record["model"]["sha256"],
        record["run"]["sha256"],
        record["manifest"]["sha256"],
        *profiles,
    }
    uploads = fake.calls[UPLOAD]
    assert uploads == 5
    assert main(["-C", root, "promote", "v0.1.0", "--to", "staging"]) == 0
    assert main(["-C", root, "promote", "v0.1.0", "--to", "production"]) == 0, (
        capsys.readouterr().err
    )
    assert fake.calls[UPLOAD] == uploads  # promoting copies nothing
    assert len(fake.releases[0]["assets"]) == 5
    model = project.root / "models" / "model.joblib"
    assert (project.root / "deployed.bin").read_bytes() == model.read_bytes()
    # two downloads: the run, read back to check the record against it, and the model
    assert [auth for _, auth in fake.storage_log] == [None, None]


def test_check_looks_at_the_listing_and_downloads_nothing(fake: FakeGitHub, tmp_path: Path) -> None:
    """What a promotion asks of the store before it writes anything: the asset is there,
    uploaded whole, of the size recorded, with GitHub's own sha256 its name."""
    remote = open_on(fake, tmp_path)
    source = a_file(tmp_path / "work")
    sha = remote.put(source)
    remote.check(sha, size=source.stat().st_size)
    assert fake.storage_log == [] and not (tmp_path / artifacts.CACHE).exists()
    with pytest.raises(UserError, match="is not in the model store") as gone:
        remote.check("0" * 64)
    assert f"it belongs in the asset {'0' * 64}: put it back" in (gone.value.hint or "")
    with pytest.raises(OutsideError, match=r"is corrupt \([\d,]+ bytes, not the 3 it was"):
        remote.check(sha, size=3)


@contextlib.contextmanager
def storage_at(fake: FakeGitHub, handler: type[BaseHTTPRequestHandler]) -> Iterator[None]:
    """`handler` serving on 127.0.0.1 as the fake GitHub's release storage, for the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    before, fake.storage_url = fake.storage_url, f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield
    finally:
        fake.storage_url = before
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def storage(
    fake: FakeGitHub, answer: Callable[[bytes, int], Iterator[bytes]]
) -> Iterator[list[int]]:
    """Downloads redirected to a storage of this test's, on 127.0.0.1, that answers with
    `answer(blob, n)` (n: the download's number), chunked: a clean end whatever it sends."""

    served: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            name = urlsplit(self.path).path.rsplit("/", 1)[-1]
            with fake.lock:
                blob = fake.blobs[int(name)]
                served.append(len(served))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for chunk in answer(blob, len(served)):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what a bound is for

        def log_message(self, *args: object) -> None:
            pass

    with storage_at(fake, Handler):
        yield served


def test_a_download_past_the_listed_size_is_stopped_and_leaves_no_file(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """Storage that sent the right bytes, then zeros without end, filled the disk: the
    asset is listed at its size, and nothing past it is taken."""

    def endless(blob: bytes, n: int) -> Iterator[bytes]:
        yield blob
        while True:
            yield b"\0" * 65536

    remote = open_on(fake, tmp_path)
    sha = remote.put(a_file(tmp_path / "work"))
    cache = tmp_path / artifacts.CACHE
    with storage(fake, endless) as served, pytest.raises(artifacts.TooLong) as stopped:
        remote.get(sha)
    assert "more than the 35,000 bytes it has arrived" in str(stopped.value)
    assert served == [0]  # not tried again
    assert list(cache.iterdir()) == []  # no partial file left


def test_a_short_download_is_tried_again_and_never_called_corrupt(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunked answer that ended cleanly after half the bytes was "corrupt ... put the
    original back", about an asset GitHub listed whole, and was not tried again."""
    monkeypatch.setattr(artifacts.time, "sleep", lambda s: None)
    remote = open_on(fake, tmp_path)
    source = a_file(tmp_path / "work")
    sha = remote.put(source)

    def short(blob: bytes, n: int) -> Iterator[bytes]:
        yield blob[: len(blob) // 2]

    with storage(fake, short) as served, pytest.raises(OutsideError) as failed:
        remote.get(sha)
    said = str(failed.value)
    assert "ended after 17,500 of its 35,000 bytes" in said and "corrupt" not in said
    assert len(served) == artifacts.DOWNLOAD_TRIES

    def once_short(blob: bytes, n: int) -> Iterator[bytes]:
        yield blob if n > 1 else blob[:100]

    with storage(fake, once_short) as served:
        assert remote.get(sha).read_bytes() == source.read_bytes()
    assert len(served) == 2


def test_a_killed_downloads_leftover_is_swept(fake: FakeGitHub, tmp_path: Path) -> None:
    remote = open_on(fake, tmp_path)
    sha = remote.put(a_file(tmp_path / "work"))
    cache = tmp_path / artifacts.CACHE
    cache.mkdir(parents=True)
    stale, fresh = cache / ".partial-killed", cache / ".partial-going-on"
    stale.write_bytes(b"\0" * 1000)
    fresh.write_bytes(b"\0" * 1000)
    old = time.time() - artifacts.STALE_PARTIAL_S - 60
    os.utime(stale, (old, old))
    remote.get(sha)
    assert not stale.exists() and fresh.exists()  # another download may be writing it
