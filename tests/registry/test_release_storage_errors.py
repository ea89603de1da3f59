"""A release store's download that the asset's storage (the host GitHub redirects it to)
breaks is said as that storage's fault, not the API's (audit O, finding 10)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mlgate.errors import OutsideError
from mlgate.registry import artifacts
from tests.github.server import FakeGitHub
from tests.registry.test_release_assets import a_file, fake, open_on, storage_at  # noqa: F401

SIZE = 35_000  # a_file's


@contextmanager
def storage(fake: FakeGitHub, mode: str) -> Iterator[list[str]]:  # noqa: F811
    """Storage that cuts every answer after half its bytes ("truncate": Content-Length of
    the whole, then the connection closed) or answers 500."""
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            name = urlsplit(self.path).path.rsplit("/", 1)[-1]
            with fake.lock:
                blob = fake.blobs[int(name)]
            served.append(self.headers.get("Authorization") or "")
            if mode == "500":
                self.send_response(500)
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"boom")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(blob)))
            self.end_headers()
            self.wfile.write(blob[: len(blob) // 2])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    with storage_at(fake, Handler):
        yield served


def test_a_download_storage_cuts_short_blames_the_storage(
    fake: FakeGitHub,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It read `no answer from GitHub (RemoteProtocolError ...) after 5 tries`, with the
    hint to check GITHUB_API_URL: the API had answered, its storage cut the bytes."""
    monkeypatch.setattr(artifacts.time, "sleep", lambda s: None)
    remote = open_on(fake, tmp_path)
    sha = remote.put(a_file(tmp_path / "work"))
    with storage(fake, "truncate") as served, pytest.raises(OutsideError) as failed:
        remote.get(sha)
    said, hint = failed.value.message, failed.value.hint or ""
    assert f"could not download object {sha[:12]}" in said
    assert f"each of 3 downloads ended after 17,500 of its {SIZE:,} bytes" in said
    assert "storage (127.0.0.1)" in said
    assert "no answer from GitHub" not in said and "GITHUB_API_URL" not in hint
    assert "corrupt" not in said
    assert len(served) == artifacts.DOWNLOAD_TRIES and not any(served)
    cache = tmp_path / artifacts.CACHE
    assert list(cache.iterdir()) == []


def test_a_storage_500_is_the_storages(fake: FakeGitHub, tmp_path: Path) -> None:  # noqa: F811
    remote = open_on(fake, tmp_path)
    sha = remote.put(a_file(tmp_path / "work"))
    with storage(fake, "500"), pytest.raises(OutsideError) as failed:
        remote.get(sha)
    said, hint = failed.value.message, failed.value.hint or ""
    assert "the release asset's storage (127.0.0.1) answered 500" in said, said
    assert "GitHub answered" not in said and "GITHUB_API_URL" not in hint
    assert "storage" in hint
