"""The sticky comment against the loopback GitHub: call budgets, faults, identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlgate.errors import UserError
from mlgate.github import comments
from mlgate.github.http import Forbidden, UncertainWrite
from tests.github.conftest import PERSONAL_TOKEN, TOKEN, Recorded
from tests.github.server import FakeGitHub, Fault

MARKER = comments.marker_for("churn")
LIST = ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
POST = ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
PATCH = ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
USER = ("GET", "/user")
DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY = Fault(
    status=403,
    headers={"Retry-After": "1"},
    body={
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
        "you try again. If you reach out to GitHub Support for help, please include the "
        "request ID 0000:0000:0000000:0000000:00000000.",
        "documentation_url": DOCS,
    },
)
Client = Callable[..., Recorded]


def ours(fake: FakeGitHub, number: int = 7, login: str = "github-actions[bot]") -> list[Any]:
    return [
        c
        for c in fake.comments.get(number, [])
        if MARKER in c["body"] and c["user"]["login"] == login
    ]


def crowd(fake: FakeGitHub, count: int, number: int = 7) -> None:
    for i in range(count):
        fake.add_comment(number, f"comment {i}", f"reviewer-{i % 7}")


def upsert(
    gh: Recorded, body: str = "report", number: int = 7, **kw: Any
) -> comments.CommentOutcome:
    return comments.upsert_comment(gh, "o", "r", number, marker=MARKER, body=body, **kw)


# --- call budgets (GitHub counts every call against the job's rate limit) -----------------
def test_creating_on_a_pull_request_with_250_comments_takes_at_most_4_calls(
    fake: FakeGitHub, client: Client
) -> None:
    crowd(fake, 250)
    done = upsert(client())
    assert done.action == "created"
    assert fake.total_calls() <= 4 and fake.calls[LIST] == 3 and fake.calls[POST] == 1
    assert len(ours(fake)) == 1 and ours(fake)[0]["body"] == f"report\n\n{MARKER}\n"
    assert done.html_url.endswith(f"#issuecomment-{done.id}")


def test_updating_among_250_comments_takes_at_most_4_calls(
    fake: FakeGitHub, client: Client
) -> None:
    crowd(fake, 120)
    mine = fake.add_comment(7, f"old report\n{MARKER}", "github-actions[bot]", "Bot")
    crowd(fake, 129)
    assert len(fake.comments[7]) == 250
    done = upsert(client(), f"new report\n{MARKER}")
    assert (done.action, done.id, done.duplicates) == ("updated", mine["id"], 0)
    assert fake.total_calls() <= 4 and fake.calls[LIST] == 3 and fake.calls[PATCH] == 1
    assert ours(fake)[0]["body"] == f"new report\n{MARKER}"


def test_the_same_body_is_not_written_again(fake: FakeGitHub, client: Client) -> None:
    gh = client()
    first = upsert(gh)
    before = fake.total_calls()
    again = upsert(gh)
    assert (again.action, again.id) == ("unchanged", first.id)
    assert fake.total_calls() == before + 1 and fake.calls[PATCH] == 0


# --- faults: never two comments -----------------------------------------------------------
def test_three_502s_and_a_secondary_rate_limit_during_an_update_leave_one_comment(
    fake: FakeGitHub, client: Client
) -> None:
    crowd(fake, 30)
    gh = client()
    upsert(gh, "first")
    fake.fail(*PATCH, Fault(status=502), Fault(status=502), SECONDARY, Fault(status=502))
    done = upsert(gh, "second")
    assert done.action == "updated" and fake.calls[PATCH] == 5
    assert len(ours(fake)) == 1 and ours(fake)[0]["body"].startswith("second")
    assert 1.0 in gh.waits and len(gh.waits) == 4  # Retry-After: 1, and three backoffs


def test_faults_spread_over_the_list_and_the_update_leave_one_comment(
    fake: FakeGitHub, client: Client
) -> None:
    crowd(fake, 130)
    gh = client()
    upsert(gh, "first")
    fake.fail(*LIST, Fault(status=502), SECONDARY, Fault(drop=True))
    fake.fail(*PATCH, Fault(status=502), Fault(status=503, apply_first=True))
    done = upsert(gh, "second")
    assert done.action == "updated"
    assert len(ours(fake)) == 1 and ours(fake)[0]["body"].startswith("second")


@pytest.mark.parametrize(
    "lost",
    [
        Fault(status=502, apply_first=True),  # written, then GitHub answers 502
        Fault(apply_first=True, drop=True),  # written, then the connection drops
        Fault(status=502, apply_first=True, delay_s=0.3),  # written, answered after our timeout
    ],
    ids=["502", "dropped", "timeout"],
)
def test_a_lost_answer_to_the_post_never_leaves_two_comments(
    fake: FakeGitHub, client: Client, lost: Fault
) -> None:
    crowd(fake, 5)
    # the fake checks each answer against GitHub's description, and its first check of a
    # list of comments builds the schemas' validators: past 0.1 s when this test runs first
    list(client().paginate("/repos/o/r/issues/7/comments"))
    fake.fail(*POST, lost)
    gh = client(timeout_s=0.1)
    done = upsert(gh)
    assert done.action == "created" and len(ours(fake)) == 1 and done.id == ours(fake)[0]["id"]
    assert fake.calls[POST] == 1  # it looked, found its comment, and did not post again
    assert comments.SETTLE_S in gh.waits


def test_a_post_that_did_not_happen_is_posted_once_more(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*POST, Fault(status=502))  # not written
    done = upsert(client())
    assert done.action == "created" and len(ours(fake)) == 1 and fake.calls[POST] == 2


def test_a_post_lost_every_time_is_an_outside_error(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*POST, *(Fault(status=502) for _ in range(comments.POST_TRIES)))
    with pytest.raises(UncertainWrite, match="no comment of ours appeared") as error:
        upsert(client())
    assert ours(fake) == [] and error.value.exit_code == 3


def test_a_comment_deleted_between_list_and_update_is_written_anew(
    fake: FakeGitHub, client: Client
) -> None:
    gh = client()
    first = upsert(gh, "first")
    deleted = Fault(
        status=404,
        before=lambda: fake.delete_comment(first.id),
        body={"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
    )
    fake.fail(*PATCH, deleted)
    done = upsert(gh, "second")
    assert done.action == "created" and done.id != first.id
    assert len(ours(fake)) == 1 and ours(fake)[0]["body"].startswith("second")
    assert fake.calls[PATCH] == 1  # a 404 is never retried


# --- whose comment ------------------------------------------------------------------------
@pytest.mark.parametrize("login", ["mallory", "dependabot[bot]", "octo-user"])
def test_someone_elses_comment_with_the_marker_is_never_updated(
    fake: FakeGitHub, client: Client, login: str
) -> None:
    theirs = fake.add_comment(7, f"copied {MARKER}", login)
    done = upsert(client(), "report")
    assert done.action == "created" and done.id != theirs["id"]
    assert theirs["body"] == f"copied {MARKER}" and fake.calls[PATCH] == 0
    assert fake.calls[USER] == 0  # GITHUB_TOKEN is github-actions[bot]: no call to ask


def test_another_workflows_bot_comment_quoting_the_marker_is_not_ours(
    fake: FakeGitHub, client: Client
) -> None:
    """Every workflow on GITHUB_TOKEN writes as github-actions[bot]: another's comment that
    quoted a pull request title holding the marker was taken for ours and overwritten."""
    ours = upsert(client(), "report")
    quoting = fake.add_comment(7, f"title: fix {MARKER} typo\nlabels: none", "github-actions[bot]")
    done = upsert(client(), "report, again")
    assert (done.action, done.id) == ("updated", ours.id)
    assert quoting["body"] == f"title: fix {MARKER} typo\nlabels: none"


def test_a_personal_token_asks_who_it_is_once_and_updates_only_its_own(
    fake: FakeGitHub, client: Client
) -> None:
    bots = fake.add_comment(7, f"bot's {MARKER}", "github-actions[bot]", "Bot")
    mine = fake.add_comment(7, f"mine {MARKER}", fake.user_login)
    done = upsert(client(token=PERSONAL_TOKEN), "new")
    assert (done.action, done.id) == ("updated", mine["id"])
    assert fake.calls[USER] == 1 and bots["body"] == f"bot's {MARKER}"


def test_a_github_app_token_names_its_own_login(fake: FakeGitHub, client: Client) -> None:
    """An app's installation token is `ghs_` too, but writes as `<app>[bot]`."""
    app = fake.add_comment(7, f"app's {MARKER}", "acme-ml[bot]", "Bot")
    done = upsert(client(), "new", author="acme-ml[bot]")
    assert (done.action, done.id) == ("updated", app["id"]) and fake.calls[USER] == 0


def test_several_of_ours_update_the_newest_and_report_the_rest(
    fake: FakeGitHub, client: Client
) -> None:
    older = fake.add_comment(7, f"one {MARKER}", "github-actions[bot]", "Bot")
    crowd(fake, 3)
    newest = fake.add_comment(7, f"two {MARKER}", "github-actions[bot]", "Bot")
    done = upsert(client(), "three")
    assert (done.action, done.id, done.duplicates) == ("updated", newest["id"], 1)
    assert older["body"] == f"one {MARKER}"


def test_a_read_only_token_is_forbidden_with_githubs_reason(
    fake: FakeGitHub, client: Client
) -> None:
    fake.forbidden.add(POST)
    with pytest.raises(Forbidden) as error:
        upsert(client())
    reason = str(error.value)
    assert "Resource not accessible by integration" in reason and "fork" in reason
    assert TOKEN not in reason and fake.calls[POST] == 1 and error.value.exit_code == 3


# --- what is refused before any call ------------------------------------------------------
def test_a_body_over_githubs_limit_is_refused_before_any_call(
    fake: FakeGitHub, client: Client
) -> None:
    with pytest.raises(UserError, match="at most 65536"):
        upsert(client(), "x" * 65_537)
    assert fake.total_calls() == 0
    fits = "x" * (comments.COMMENT_LIMIT - len(MARKER))
    assert upsert(client(), fits + MARKER).action == "created"


@pytest.mark.parametrize("name", ["a --> <b>", "x--!>y", "<!-- nested", "é" * 300, ""])
def test_no_model_name_can_close_or_stretch_the_marker(name: str) -> None:
    marker = comments.marker_for(name)
    inner = marker.removeprefix("<!-- ").removesuffix(" -->")
    assert marker.startswith("<!-- mlgate:model=") and marker.endswith(" -->")
    assert ">" not in inner and "<" not in inner and "!" not in inner  # `-->`, `--!>` close
    assert len(marker) < 130


def test_manifest_names_keep_their_own_marker() -> None:
    assert comments.marker_for("churn-model") == "<!-- mlgate:model=churn-model -->"
    assert comments.marker_for("churn") != comments.marker_for("churn-model")
