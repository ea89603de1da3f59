"""The loopback GitHub: every test that talks to it fails if a request broke the description."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mlgate.github.http import GitHub
from tests.github.server import FakeGitHub, running

TOKEN = "ghs_" + "t0ken" * 8  # an installation token, as GITHUB_TOKEN is
PERSONAL_TOKEN = "ghp_" + "p3rs0nal" * 4 + "abcd"


class Recorded(GitHub):
    """A client whose waits are recorded instead of slept."""

    waits: list[float]
    said: list[str]


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with running() as state:
        yield state


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[Callable[..., Recorded]]:
    """Clients on the fake: short timeouts, no pacing unless asked, no real sleeping."""
    made: list[GitHub] = []

    def make(token: str = TOKEN, **kw: object) -> Recorded:
        api_url = str(kw.pop("api_url", fake.url))
        waits: list[float] = []
        said: list[str] = []
        options: dict[str, object] = {"timeout_s": 2.0, "min_write_interval_s": 0.0, "seed": 0}
        options |= {"sleep": waits.append, "on_wait": said.append, **kw}
        gh = GitHub(api_url, token, **options)  # type: ignore[arg-type]
        gh.waits, gh.said = waits, said  # type: ignore[attr-defined]
        made.append(gh)
        return gh  # type: ignore[return-value]

    yield make
    for gh in made:
        gh.close()
