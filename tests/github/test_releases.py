"""A release's assets go through the one transport: an upload is paced, rate-limited and
retried as any POST, and a download retried as any GET, with the same waits (the same
seeded client policy), counted by the loopback server."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from mlgate.github.releases import Releases
from tests.conftest import REPO_ROOT
from tests.github.conftest import Recorded
from tests.github.server import ASSETS, ONE_ASSET, FakeGitHub, Fault

COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
COMMENTS_PATH = "/repos/o/r/issues/1/comments"
TAG = "models"
Client = Callable[..., Recorded]


def slow_down() -> Fault:
    return Fault(
        status=429,
        headers={"Retry-After": "3"},
        body={"message": "slow down", "documentation_url": "https://docs.github.com/rest"},
    )


def test_an_upload_is_paced_and_waits_out_a_rate_limit_as_a_json_post_does(
    fake: FakeGitHub, client: Client, tmp_path: Path
) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(b"weights" * 1000)
    now = [0.0]
    fake.fail("POST", ASSETS, slow_down())
    uploads = client(min_write_interval_s=1.0, clock=lambda: now[0])
    releases = Releases(uploads, "o/r")
    release = releases.create(TAG, name=TAG, body="")  # a write: the upload is paced after it
    asset = releases.upload(release, "model.bin", source)
    assert asset.uploaded and fake.blobs[asset.id] == source.read_bytes()
    assert fake.calls[("POST", ASSETS)] == 2
    posts = client(min_write_interval_s=1.0, clock=lambda: now[0])
    posts.request("POST", COMMENTS_PATH, json={"body": "a write first"})
    fake.fail("POST", COMMENTS, slow_down())
    posts.request("POST", COMMENTS_PATH, json={"body": "x"})
    assert uploads.waits == posts.waits == [1.0, 3.0, 1.0]  # pace, Retry-After, pace


def test_a_download_answered_5xx_is_retried_with_the_backoff_of_a_json_get(
    fake: FakeGitHub, client: Client, tmp_path: Path
) -> None:
    fake.add_asset(TAG, "model.bin", b"weights")
    fake.fail("GET", ONE_ASSET, Fault(status=502), Fault(status=503))
    fake.fail("GET", COMMENTS, Fault(status=502), Fault(status=503))
    downloads = client()
    releases = Releases(downloads, "o/r")
    release = releases.find(TAG)
    assert release is not None
    (asset,) = releases.assets(release)
    target = tmp_path / "model.bin"
    releases.download(asset, target)
    assert target.read_bytes() == b"weights"
    assert fake.calls[("GET", ONE_ASSET)] == 3
    assert [auth for _, auth in fake.storage_log] == [None]  # redirected: no token there
    reads = client()
    reads.request("GET", COMMENTS_PATH)
    assert len(downloads.waits) == 2 and downloads.waits == reads.waits


def test_only_the_transport_opens_an_http_client_for_github() -> None:
    """No second transport: of the modules that speak to GitHub (the github package and
    every module importing from it), only http.py imports httpx."""
    src = REPO_ROOT / "src"
    speaking: dict[str, set[str]] = {}
    for path in sorted((src / "mlgate").rglob("*.py")):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        name = path.relative_to(src).as_posix()
        if name.startswith("mlgate/github/") or any(
            i.startswith("mlgate.github") for i in imported
        ):
            speaking[name] = imported
    assert "mlgate/publish.py" in speaking  # the walk sees the modules beyond the package,
    assert any(n.startswith("mlgate/registry/") and "release" in n for n in speaking)  # lazy too
    assert [name for name, imported in speaking.items() if "httpx" in imported] == [
        "mlgate/github/http.py"
    ]
