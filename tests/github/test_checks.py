"""Check runs, their annotations in batches of 50, and the commit-status fallback."""

from __future__ import annotations

from collections.abc import Callable

from mlgate.github import checks
from mlgate.github.http import GitHub
from tests.github.server import FakeGitHub, Fault

CREATE = ("POST", "/repos/{owner}/{repo}/check-runs")
UPDATE = ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
STATUS = ("POST", "/repos/{owner}/{repo}/statuses/{sha}")
SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def notes(count: int) -> list[checks.Annotation]:
    return [checks.Annotation(path="mlops.yaml", start_line=i + 1, end_line=i + 1,
                              level="failure", message=f"gate {i} failed", title=f"gate {i}")
            for i in range(count)]


def publish(gh: GitHub, count: int = 0, **kw: object) -> checks.CheckOutcome:
    return checks.publish_check(gh, "o", "r", head_sha=SHA, name="mlgate / churn",
                                conclusion="failure", title="churn failed",
                                summary="## report", annotations=notes(count),
                                details_url="https://github.com/o/r/actions/runs/1", **kw)


def test_120_annotations_go_in_three_requests_of_at_most_50(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    done = publish(client(), 120)
    assert done.kind == "check_run"
    assert fake.calls[CREATE] == 1 and fake.calls[UPDATE] == 2
    sent = fake.check_annotations[done.id or 0]
    assert len(sent) == 120 and [a["start_line"] for a in sent] == list(range(1, 121))
    run = fake.check_runs[0]
    assert (run["conclusion"], run["head_sha"], run["status"]) == ("failure", SHA, "completed")


def test_a_token_that_cannot_create_check_runs_sets_a_commit_status(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.forbidden.add(CREATE)
    done = publish(client(), 3)
    assert done.kind == "commit_status" and fake.calls[STATUS] == 1
    status = fake.statuses[0]
    assert (status["state"], status["context"]) == ("failure", "mlgate/churn")
    assert status["target_url"] == "https://github.com/o/r/actions/runs/1"


def test_a_lost_answer_does_not_create_a_second_check_run(
        fake: FakeGitHub, client: Callable[..., GitHub]) -> None:
    fake.fail(*CREATE, Fault(status=502, apply_first=True))
    done = publish(client())
    assert len(fake.check_runs) == 1 and done.id == fake.check_runs[0]["id"]


def test_long_text_is_cut_to_githubs_limits(fake: FakeGitHub,
                                           client: Callable[..., GitHub]) -> None:
    checks.publish_check(client(), "o", "r", head_sha=SHA, name="n", conclusion="success",
                         title="t" * 300, summary="s" * 70_000)
    run = fake.check_runs[0]
    assert len(run["output"]["summary"]) == 65_535 and len(run["output"]["title"]) == 255
