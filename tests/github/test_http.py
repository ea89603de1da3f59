"""The client's manners, counted by the loopback server: what it retries and what not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlgate.errors import OutsideError, UserError
from mlgate.github.http import Forbidden, GitHub, GitHubError, NotFound
from tests.github.conftest import TOKEN
from tests.github.server import FakeGitHub, Fault

LIST = ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
PATCH = ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_answers_that_would_fail_again_are_never_retried(
        fake: FakeGitHub, client: Callable[..., GitHub], status: int) -> None:
    fake.fail(*LIST, Fault(status=status, body={"message": "no", "documentation_url": "x"}))
    with pytest.raises(GitHubError) as error:
        client().request("GET", "/repos/o/r/issues/1/comments")
    assert fake.calls[LIST] == 1 and error.value.status == status
    assert error.value.exit_code == 3 and "GitHub answered" in str(error.value)


def test_a_403_that_is_not_a_rate_limit_is_forbidden_and_not_retried(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.fail(*LIST, Fault(status=403, body={"message": "Resource not accessible by "
                                             "integration", "documentation_url": "x"}))
    with pytest.raises(Forbidden, match="Resource not accessible"):
        client().request("GET", "/repos/o/r/issues/1/comments")
    assert fake.calls[LIST] == 1


def test_5xx_is_retried_with_growing_waits(fake: FakeGitHub,
                                          client: Callable[..., GitHub]) -> None:
    fake.fail(*LIST, Fault(status=502), Fault(status=503), Fault(status=500))
    gh = client()
    assert gh.request("GET", "/repos/o/r/issues/1/comments").status == 200
    assert fake.calls[LIST] == 4
    waits = gh.waits  # type: ignore[attr-defined]
    assert len(waits) == 3 and waits[0] < waits[1] < waits[2] <= 10


def test_retries_end_with_a_clear_outside_error(fake: FakeGitHub,
                                               client: Callable[..., GitHub]) -> None:
    fake.fail(*LIST, *(Fault(status=502) for _ in range(5)))
    with pytest.raises(OutsideError, match="GitHub answered 502"):
        client().request("GET", "/repos/o/r/issues/1/comments")
    assert fake.calls[LIST] == 5


def test_retry_after_and_the_rate_limit_reset_are_honoured(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.fail(*LIST, Fault(status=429, headers={"Retry-After": "7"}),
              Fault(status=403, headers={"x-ratelimit-remaining": "0",
                                         "x-ratelimit-reset": "1000030"}))
    gh = client(wall=lambda: 1_000_000.0)
    gh.request("GET", "/repos/o/r/issues/1/comments")
    assert gh.waits == [7.0, 31.0]  # type: ignore[attr-defined]


def test_a_rate_limit_longer_than_the_cap_fails_instead_of_hanging(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.fail(*LIST, Fault(status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(GitHubError, match="rate limited by GitHub for 3600s"):
        client().request("GET", "/repos/o/r/issues/1/comments")


def test_every_call_has_a_timeout(fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.fail(*LIST, *(Fault(status=200, delay_s=0.5) for _ in range(2)))
    with pytest.raises(GitHubError, match=r"no answer .* after 2 tries"):
        client(timeout_s=0.2, max_retries=1).request("GET", "/repos/o/r/issues/1/comments")


def test_writes_are_paced_one_at_a_time(fake: FakeGitHub,
                                       client: Callable[..., GitHub]) -> None:
    comment = fake.add_comment(1, "x", "github-actions[bot]", "Bot")
    now = [0.0]
    gh = client(min_write_interval_s=1.0, clock=lambda: now[0])
    for _ in range(3):
        gh.request("PATCH", f"/repos/o/r/issues/comments/{comment['id']}", json={"body": "y"})
    assert gh.waits == [1.0, 1.0]  # type: ignore[attr-defined]


def test_the_token_is_in_no_error_and_no_repr(fake: FakeGitHub,
                                              client: Callable[..., GitHub]) -> None:
    fake.fail(*LIST, Fault(status=401, body={"message": f"bad credentials {TOKEN}",
                                             "documentation_url": "x"}))
    gh = client()
    with pytest.raises(GitHubError) as error:
        gh.request("GET", "/repos/o/r/issues/1/comments")
    assert TOKEN not in str(error.value) and TOKEN not in repr(gh)
    assert "***" in str(error.value)


def test_no_token_is_a_user_error_with_a_hint() -> None:
    with pytest.raises(UserError, match="no GitHub token") as error:
        GitHub("http://127.0.0.1:9", None)
    assert error.value.exit_code == 2 and "GITHUB_TOKEN" in str(error.value)


def test_github_enterprise_urls_with_a_path_prefix_work(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    for i in range(150):
        fake.add_comment(3, f"c{i}")
    gh = GitHub(f"{fake.url}/api/v3", TOKEN, sleep=lambda s: None)
    pages = list(gh.paginate("/repos/o/r/issues/3/comments"))
    assert [len(p) for p in pages] == [100, 50]


def test_not_found_is_its_own_error(fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    with pytest.raises(NotFound):
        client().request("PATCH", "/repos/o/r/issues/comments/424242", json={"body": "x"})
