"""The loopback GitHub: every test that talks to it fails if a request broke the description."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mlgate.github.http import GitHub
from tests.github.server import FakeGitHub, serve

TOKEN = "ghs_" + "t0ken" * 8  # an installation token, as GITHUB_TOKEN is


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    state = FakeGitHub()
    server, thread = serve(state)
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    assert state.violations == [], "requests or answers outside GitHub's description"


@pytest.fixture
def client(fake: FakeGitHub) -> Callable[..., GitHub]:
    """A client on the fake that records its waits instead of sleeping."""

    def make(token: str = TOKEN, **kw: object) -> GitHub:
        waits: list[float] = []
        gh = GitHub(fake.url, token, timeout_s=kw.pop("timeout_s", 2.0),  # type: ignore[arg-type]
                    min_write_interval_s=kw.pop("min_write_interval_s", 0.0),  # type: ignore[arg-type]
                    sleep=waits.append, seed=0, **kw)  # type: ignore[arg-type]
        gh.waits = waits  # type: ignore[attr-defined]
        return gh

    return make
