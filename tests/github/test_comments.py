"""The sticky comment against the loopback GitHub: call budgets, faults, identity."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlgate.github import comments
from mlgate.github.http import GitHub, UncertainWrite
from tests.github.server import FakeGitHub, Fault

MARKER = comments.marker_for("churn")
LIST = ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
POST = ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
PATCH = ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
RATE_LIMITED = Fault(status=403, headers={"Retry-After": "1"}, body={
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
    "you try again.", "documentation_url": "https://docs.github.com/rest"})


def ours(fake: FakeGitHub, number: int = 7) -> list[dict]:
    return [c for c in fake.comments.get(number, [])
            if MARKER in c["body"] and c["user"]["login"] == "github-actions[bot]"]


def crowd(fake: FakeGitHub, count: int, number: int = 7) -> None:
    for i in range(count):
        fake.add_comment(number, f"comment {i}")


def upsert(gh: GitHub, body: str = "report", number: int = 7) -> comments.CommentOutcome:
    return comments.upsert_comment(gh, "o", "r", number, marker=MARKER, body=body)


def test_creating_on_a_pull_request_with_250_comments_takes_at_most_4_calls(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    crowd(fake, 250)
    done = upsert(client())
    assert done.action == "created"
    assert fake.total_calls() <= 4 and fake.calls[LIST] == 3 and fake.calls[POST] == 1
    assert len(ours(fake)) == 1 and MARKER in ours(fake)[0]["body"]


def test_updating_among_250_comments_takes_at_most_4_calls(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    crowd(fake, 120)
    mine = fake.add_comment(7, f"old report\n{MARKER}", "github-actions[bot]", "Bot")
    crowd(fake, 129)
    assert len(fake.comments[7]) == 250
    done = upsert(client(), "new report")
    assert (done.action, done.id) == ("updated", mine["id"])
    assert fake.total_calls() <= 4 and fake.calls[PATCH] == 1
    assert ours(fake)[0]["body"].startswith("new report")


def test_the_same_body_is_not_written_again(fake: FakeGitHub,
                                            client: Callable[..., GitHub]) -> None:
    gh = client()
    upsert(gh)
    before = fake.total_calls()
    assert upsert(gh).action == "unchanged"
    assert fake.total_calls() == before + 1 and fake.calls[PATCH] == 0


def test_502s_and_a_secondary_rate_limit_during_an_update_leave_one_comment(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    crowd(fake, 30)
    gh = client()
    upsert(gh, "first")
    fake.fail(*LIST, Fault(status=502), Fault(status=502))
    fake.fail(*PATCH, Fault(status=502), RATE_LIMITED)
    done = upsert(gh, "second")
    assert done.action == "updated"
    assert len(ours(fake)) == 1 and ours(fake)[0]["body"].startswith("second")
    assert 1.0 in gh.waits  # Retry-After honoured  # type: ignore[attr-defined]


def test_a_lost_answer_to_the_post_never_leaves_two_comments(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.fail(*POST, Fault(status=502, apply_first=True))  # written, answer lost
    done = upsert(client())
    assert done.action == "created" and len(ours(fake)) == 1
    assert fake.calls[POST] == 1  # it looked, found its comment, and did not post again


def test_a_timed_out_post_that_did_not_happen_is_posted_once_more(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.fail(*POST, Fault(status=502, delay_s=0.6))
    done = upsert(client(timeout_s=0.3))
    assert done.action == "created" and len(ours(fake)) == 1 and fake.calls[POST] == 2


def test_a_comment_deleted_between_list_and_update_is_written_anew(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    gh = client()
    upsert(gh, "first")
    fake.fail(*PATCH, Fault(before=lambda: fake.comments[7].clear(), status=404,
                            body={"message": "Not Found", "documentation_url": "x"}))
    done = upsert(gh, "second")
    assert done.action == "created" and len(ours(fake)) == 1
    assert ours(fake)[0]["body"].startswith("second")


def test_someone_elses_comment_with_the_marker_is_never_updated(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    theirs = fake.add_comment(7, f"copied {MARKER}", "mallory")
    done = upsert(client(), "report")
    assert done.action == "created" and done.id != theirs["id"]
    assert theirs["body"] == f"copied {MARKER}"


def test_a_personal_token_asks_who_it_is_and_updates_only_its_own(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.add_comment(7, f"bot's {MARKER}", "github-actions[bot]", "Bot")
    mine = fake.add_comment(7, f"mine {MARKER}", fake.user_login)
    done = upsert(client(token="ghp_" + "x" * 36), "new")
    assert (done.action, done.id) == ("updated", mine["id"])
    assert fake.calls[("GET", "/user")] == 1


def test_a_body_over_githubs_limit_is_refused_before_any_call(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    with pytest.raises(Exception, match="at most 65536"):
        upsert(client(), "x" * 70_000)
    assert fake.total_calls() == 0


def test_the_marker_cannot_be_closed_by_a_model_name() -> None:
    marker = comments.marker_for("a --> <b>")
    assert marker.count("-->") == 1 and marker.endswith("-->") and "<b>" not in marker


def test_a_post_lost_every_time_is_an_outside_error(fake: FakeGitHub,
                                                    client: Callable[..., GitHub]) -> None:
    fake.fail(*POST, *(Fault(status=502) for _ in range(3)))
    with pytest.raises(UncertainWrite, match="no comment of ours appeared"):
        upsert(client())
    assert ours(fake) == []
