"""The sticky issue, the retraining's pull request and a workflow's dispatch, through the
client on the loopback API: lost answers never make two, and a 422 "already exists" is
found, not an error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlgate.github import issues, pulls, workflows
from mlgate.github.http import GitHubError, NotFound, UncertainWrite
from tests.github.conftest import Recorded
from tests.github.server import FakeGitHub, Fault

Client = Callable[..., Recorded]
CREATE = ("POST", "/repos/{owner}/{repo}/issues")
MARKER = "<!-- mlgate:model=m -->"


def tracker(gh: Recorded) -> issues.Tracker:
    return issues.Tracker.of(gh, "o/r", marker=MARKER, label="mlgate-monitor")


@pytest.mark.parametrize(
    "lost",
    [
        Fault(status=502, apply_first=True),  # written, then GitHub answers 502
        Fault(apply_first=True, drop=True),  # written, then the connection drops
    ],
)
def test_a_lost_answer_to_the_create_never_leaves_two_issues(
    fake: FakeGitHub, client: Client, lost: Fault
) -> None:
    fake.fail(*CREATE, lost)
    gh = client()
    done = tracker(gh).open("t", "body")
    assert done.action == "created" and len(fake.issues) == 1
    assert fake.calls[CREATE] == 1  # it looked, found its issue, and did not post again
    assert issues.SETTLE_S in gh.waits


def test_a_create_lost_every_time_is_an_outside_error(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*CREATE, *(Fault(status=502) for _ in range(issues.POST_TRIES)))
    with pytest.raises(UncertainWrite, match="no issue of ours appeared"):
        tracker(client()).open("t", "body")
    assert fake.issues == {}


def test_a_follower_waits_for_the_openers_issue_then_gives_up_saying_why(
    fake: FakeGitHub, client: Client
) -> None:
    gh = client()
    done = tracker(gh).open("t", "body", since="2026-12-01T00:00:00Z", may_open=False, wait_s=5)
    assert done.action == "none" and "the run that opens this alarm is making it" in done.note
    assert fake.issues == {} and gh.waits == [issues.SETTLE_S, issues.SETTLE_S]  # 3 looks


def test_closing_closes_every_open_issue_of_ours(fake: FakeGitHub, client: Client) -> None:
    gh = client()
    first = tracker(gh).open("t", "body")
    fake.add_issue("t", f"again {MARKER}", labels=("mlgate-monitor",), login="someone")
    done = tracker(gh).close("cleared")
    assert (done.action, done.number) == ("closed", first.number)
    closed = fake.issues[first.number]
    assert closed["state_reason"] == "completed" and closed["body"].startswith("cleared")
    assert [i["state"] for i in fake.issues.values()] == ["closed", "open"]  # not ours: open
    assert tracker(gh).close("cleared").action == "none"


def test_a_second_pull_request_for_the_branch_is_found_and_updated(
    fake: FakeGitHub, client: Client
) -> None:
    fake.add_branch("mlgate/retrain/m")
    gh = client()
    opened = pulls.open_or_update(
        gh, "o/r", head="mlgate/retrain/m", base="main", title="Retrain", body="one"
    )
    again = pulls.open_or_update(
        gh, "o/r", head="mlgate/retrain/m", base="main", title="Retrain", body="one"
    )
    changed = pulls.open_or_update(
        gh, "o/r", head="mlgate/retrain/m", base="main", title="Retrain", body="two"
    )
    assert [opened.action, again.action, changed.action] == ["created", "unchanged", "updated"]
    assert opened.number == again.number == changed.number and len(fake.pulls) == 1
    assert fake.pulls[opened.number]["body"] == "two"


def test_a_refused_pull_request_other_than_already_exists_is_an_error(
    fake: FakeGitHub, client: Client
) -> None:
    with pytest.raises(GitHubError) as refused:
        pulls.open_or_update(
            client(), "o/r", head="no-such-branch", base="main", title="t", body="b"
        )
    assert refused.value.status == 422 and fake.pulls == {}


def test_a_dispatch_names_the_workflow_ref_and_inputs(fake: FakeGitHub, client: Client) -> None:
    fake.add_workflow("mlgate-retrain.yml")
    workflows.dispatch(client(), "o/r", "mlgate-retrain.yml", ref="main", inputs={"reason": "x"})
    assert fake.dispatches == [
        {"workflow_id": "mlgate-retrain.yml", "ref": "main", "inputs": {"reason": "x"}}
    ]
    with pytest.raises(NotFound):
        workflows.dispatch(client(), "o/r", "missing.yml", ref="main", inputs={})


def test_twenty_retrainings_at_once_leave_one_pull_request(
    fake: FakeGitHub, client: Client
) -> None:
    """GitHub's 422 is the compare-and-swap for pull requests: one is created, the others
    find it."""
    import threading

    fake.add_branch("mlgate/retrain/m")
    fake.write_delay_s = 0.05  # writes overlap
    said: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        done = pulls.open_or_update(
            client(timeout_s=20),
            "o/r",
            head="mlgate/retrain/m",
            base="main",
            title="Retrain",
            body="b",
        )
        with lock:
            said.append(done.action)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(said) == ["created"] + ["unchanged"] * 19
    assert len(fake.pulls) == 1 and fake.most_writes_in_flight > 1


def test_a_lost_answer_to_the_pull_requests_create_finds_the_one_made(
    fake: FakeGitHub, client: Client
) -> None:
    fake.add_branch("mlgate/retrain/m")
    fake.fail("POST", "/repos/{owner}/{repo}/pulls", Fault(status=502, apply_first=True))
    done = pulls.open_or_update(
        client(), "o/r", head="mlgate/retrain/m", base="main", title="Retrain", body="b"
    )
    assert done.action == "unchanged" and len(fake.pulls) == 1
    assert fake.calls[("POST", "/repos/{owner}/{repo}/pulls")] == 1  # looked, did not post again
