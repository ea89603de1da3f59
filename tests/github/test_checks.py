"""Check runs, their annotations in batches of 50, and the commit-status fallback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlgate.errors import UserError
from mlgate.github import checks
from tests.github.conftest import Recorded
from tests.github.server import FakeGitHub, Fault

CREATE = ("POST", "/repos/{owner}/{repo}/check-runs")
UPDATE = ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
FIND = ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs")
STATUS = ("POST", "/repos/{owner}/{repo}/statuses/{sha}")
SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
RUN_URL = "https://github.com/o/r/actions/runs/1"
Client = Callable[..., Recorded]


def notes(count: int) -> list[checks.Annotation]:
    return [
        checks.Annotation(
            path="mlops.yaml",
            start_line=i + 1,
            end_line=i + 1,
            level="failure",
            message=f"gate {i} failed",
            title=f"gate {i}",
        )
        for i in range(count)
    ]


def publish(gh: Recorded, count: int = 0, **kw: Any) -> checks.CheckOutcome:
    options: dict[str, Any] = {
        "head_sha": SHA,
        "name": "mlgate / churn",
        "conclusion": "failure",
        "title": "churn failed",
        "summary": "## report",
        "details_url": RUN_URL,
        **kw,
    }
    return checks.publish_check(gh, "o", "r", annotations=notes(count), **options)


@pytest.mark.parametrize("count,patches", [(0, 0), (50, 0), (51, 1), (120, 2)])
def test_annotations_go_50_a_request(
    fake: FakeGitHub, client: Client, count: int, patches: int
) -> None:
    done = publish(client(), count)
    assert (done.kind, done.annotations) == ("check_run", count)
    assert fake.calls[CREATE] == 1 and fake.calls[UPDATE] == patches
    sent = fake.check_annotations[done.id or 0]
    assert [a["start_line"] for a in sent] == list(range(1, count + 1))
    run = fake.check_runs[0]
    assert (run["conclusion"], run["head_sha"], run["status"]) == ("failure", SHA, "completed")
    assert run["details_url"] == RUN_URL and done.url == run["html_url"]


def test_120_annotations_are_one_post_and_two_patches_of_at_most_50(
    fake: FakeGitHub, client: Client
) -> None:
    done = publish(client(), 120)
    assert fake.log == [CREATE, UPDATE, UPDATE]
    assert len(fake.check_annotations[done.id or 0]) == 120
    assert fake.check_runs[0]["output"]["summary"] == "## report"  # PATCHes keep the output


def test_a_token_that_cannot_create_check_runs_sets_a_commit_status(
    fake: FakeGitHub, client: Client
) -> None:
    fake.forbidden.add(CREATE)
    done = publish(client(), 3, title="churn failed: " + "f1 fell " * 40)
    assert done.kind == "commit_status" and fake.calls[STATUS] == 1 and done.url == RUN_URL
    status = fake.statuses[0]
    assert (status["state"], status["context"]) == ("failure", "mlgate/churn")
    assert status["target_url"] == RUN_URL and len(status["description"]) == 140


@pytest.mark.parametrize(
    "conclusion,state", [("success", "success"), ("neutral", "success"), ("failure", "failure")]
)
def test_a_status_says_what_the_check_would_have(
    fake: FakeGitHub, client: Client, conclusion: str, state: str
) -> None:
    fake.forbidden.add(CREATE)
    publish(client(), conclusion=conclusion)
    assert fake.statuses[0]["state"] == state


def test_a_status_whose_answer_was_lost_is_simply_sent_again(
    fake: FakeGitHub, client: Client
) -> None:
    fake.forbidden.add(CREATE)
    fake.fail(*STATUS, Fault(status=502, apply_first=True))
    assert publish(client()).kind == "commit_status"
    assert {s["context"] for s in fake.statuses} == {"mlgate/churn"}  # the latest one counts


def test_a_lost_answer_does_not_create_a_second_check_run(fake: FakeGitHub, client: Client) -> None:
    fake.fail(*CREATE, Fault(status=502, apply_first=True))
    done = publish(client(), 70)
    assert len(fake.check_runs) == 1 and done.id == fake.check_runs[0]["id"]
    assert fake.calls[CREATE] == 1 and fake.calls[FIND] == 1
    assert len(fake.check_annotations[done.id or 0]) == 70


@pytest.mark.parametrize(
    "fault",
    [Fault(status=502, apply_first=True), Fault(apply_first=True, drop=True)],
    ids=["502", "dropped"],
)
def test_annotations_whose_update_was_carried_out_are_not_appended_twice(
    fake: FakeGitHub, client: Client, fault: Fault
) -> None:
    """GitHub appends each update's annotations: the PATCH with 51-60, carried out and
    its answer lost, was sent again and the run showed 70 of the 60."""
    fake.fail(*UPDATE, fault)
    done = publish(client(), 60)
    assert [a["start_line"] for a in fake.check_annotations[done.id or 0]] == list(range(1, 61))
    assert fake.calls[UPDATE] == 1 and fake.calls[FIND] == 1  # counted, not sent again


def test_annotations_whose_update_was_lost_unmade_are_sent_again(
    fake: FakeGitHub, client: Client
) -> None:
    fake.fail(*UPDATE, Fault(status=502))  # nothing was written
    done = publish(client(), 120)
    assert [a["start_line"] for a in fake.check_annotations[done.id or 0]] == list(range(1, 121))
    assert fake.calls[UPDATE] == 3 and fake.calls[FIND] == 1


def test_an_earlier_run_of_the_same_name_is_not_mistaken_for_ours(
    fake: FakeGitHub, client: Client
) -> None:
    """A re-run of the job on the same commit: the old check run has our name, not our id."""
    gh = client()
    old = publish(gh, conclusion="success")
    fake.fail(*CREATE, Fault(status=502))  # this time nothing was written
    new = publish(gh, conclusion="failure")
    assert new.id != old.id and len(fake.check_runs) == 2
    assert fake.check_runs[1]["conclusion"] == "failure"


@pytest.mark.parametrize("field", ["summary", "text"])
def test_output_over_githubs_limit_is_refused_before_any_call(
    fake: FakeGitHub, client: Client, field: str
) -> None:
    with pytest.raises(UserError, match=f"{field} has 65536 characters"):
        publish(client(), **{field: "s" * 65_536})
    assert fake.total_calls() == 0
    publish(client(), **{field: "s" * 65_535})
    assert fake.check_runs[0]["output"][field] == "s" * 65_535


def test_untrusted_annotation_text_is_cut_to_githubs_limits(
    fake: FakeGitHub, client: Client
) -> None:
    long = checks.Annotation(
        path="mlops.yaml",
        start_line=2,
        end_line=4,
        level="warning",
        message="é" * 40_000,
        title="t" * 300,
    )
    checks.publish_check(
        client(),
        "o",
        "r",
        head_sha=SHA,
        name="n",
        conclusion="neutral",
        title="t",
        summary="s",
        annotations=[long],
    )
    sent = fake.check_annotations[fake.check_runs[0]["id"]][0]
    assert len(sent["message"].encode()) <= 64 * 1024 and sent["message"].endswith("…")
    assert len(sent["title"]) == 255


@pytest.mark.parametrize(
    "lines,level", [((0, 0), "failure"), ((5, 4), "failure"), ((1, 1), "error")]
)
def test_an_annotation_that_github_would_refuse_is_a_bug_caught_early(
    lines: tuple[int, int], level: str
) -> None:
    with pytest.raises(ValueError):
        checks.Annotation(
            path="a", start_line=lines[0], end_line=lines[1], level=level, message="m"
        )  # type: ignore[arg-type]
