"""The loopback GitHub's issues, pull requests and workflow dispatches, driven through the
project's own client: the fake must behave as GitHub does before other tests lean on it,
and every request and answer here is checked against GitHub's description (`fake`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from mlgate.github.http import GitHubError, NotFound
from tests.github.conftest import PERSONAL_TOKEN, Recorded
from tests.github.server import FakeGitHub

ISSUES = "/repos/o/r/issues"
PULLS = "/repos/o/r/pulls"
Client = Callable[..., Recorded]


def numbers(items: list[dict[str, Any]]) -> list[int]:
    return [i["number"] for i in items]


def listed(gh: Recorded, path: str = ISSUES, **params: Any) -> list[dict[str, Any]]:
    return [item for page in gh.paginate(path, params) for item in page]


def open_pull(gh: Recorded, head: str, base: str = "main", **kw: Any) -> dict[str, Any]:
    body = {"title": f"from {head}", "head": head, "base": base, **kw}
    return gh.request("POST", PULLS, json=body).data


# --- issues -------------------------------------------------------------------------------
def test_a_created_issue_is_found_by_its_labels_and_the_others_are_not(
    fake: FakeGitHub, client: Client
) -> None:
    gh = client()
    fake.add_branch("retrain")
    fake.add_issue("unlabelled", "no labels here")
    fake.add_issue("only one", labels=["model-drift"])
    pull = open_pull(gh, "retrain")
    made = gh.request(
        "POST",
        ISSUES,
        json={
            "title": "Drift on churn",
            "body": "PSI 0.31",
            "labels": ["model-drift", {"name": "P1"}],
        },
    )
    assert made.status == 201 and made.headers["location"] == made.data["url"]
    issue = made.data
    assert issue["user"]["login"] == "github-actions[bot]" and issue["state"] == "open"
    assert [x["name"] for x in issue["labels"]] == ["model-drift", "P1"]
    assert set(fake.labels) == {"model-drift", "p1"}  # created on first use, as GitHub does

    found = listed(gh, labels="model-drift,p1")  # all of them, in any case
    assert numbers(found) == [issue["number"]]
    assert pull["number"] not in numbers(listed(gh, labels="model-drift"))
    assert numbers(listed(gh, labels="model-drift")) == [issue["number"], 2]  # newest first
    assert numbers(listed(gh, creator="someone", direction="asc")) == [1, 2]


def test_issue_numbers_are_shared_with_pull_requests_and_count_from_one(
    fake: FakeGitHub, client: Client
) -> None:
    gh = client()
    fake.add_branch("a")
    first = gh.request("POST", ISSUES, json={"title": "one"}).data
    pull = open_pull(gh, "a")
    second = gh.request("POST", ISSUES, json={"title": "three"}).data
    assert (first["number"], pull["number"], second["number"]) == (1, 2, 3)
    assert first["body"] is None and gh.request("GET", f"{ISSUES}/3").data["title"] == "three"
    with pytest.raises(NotFound) as err:
        gh.request("GET", f"{ISSUES}/99")
    assert err.value.status == 404


def test_the_list_pages_through_more_than_a_hundred_issues(
    fake: FakeGitHub, client: Client
) -> None:
    for i in range(230):
        fake.add_issue(f"issue {i}", labels=["good first issue"] if i % 2 else [])
    gh = client()
    pages = list(gh.paginate(ISSUES, {"state": "all", "direction": "asc"}))
    assert [len(p) for p in pages] == [100, 100, 30]
    assert [i["number"] for p in pages for i in p] == list(range(1, 231))
    labelled = list(gh.paginate(ISSUES, {"labels": "good first issue"}))  # the Link keeps it
    assert [len(p) for p in labelled] == [100, 15]
    assert all(i["number"] % 2 == 0 for p in labelled for i in p)


def test_closing_sets_closed_at_and_reopening_clears_it(fake: FakeGitHub, client: Client) -> None:
    gh = client(PERSONAL_TOKEN)
    issue = gh.request("POST", ISSUES, json={"title": "flaky gate"}).data
    path = f"{ISSUES}/{issue['number']}"
    closed = gh.request("PATCH", path, json={"state": "closed", "state_reason": "not_planned"}).data
    assert closed["state"] == "closed" and closed["state_reason"] == "not_planned"
    assert closed["closed_at"] is not None and closed["closed_by"]["login"] == "octo-user"
    assert closed["updated_at"] > issue["updated_at"]
    assert listed(gh) == [] and numbers(listed(gh, state="closed")) == [issue["number"]]

    again = gh.request("PATCH", path, json={"title": "flaky gate, again", "body": None}).data
    assert again["state_reason"] == "not_planned"  # ignored unless the state changes
    reopened = gh.request("PATCH", path, json={"state": "open"}).data
    assert reopened["state"] == "open" and reopened["closed_at"] is None
    assert reopened["state_reason"] == "reopened" and reopened["closed_by"] is None
    assert reopened["title"] == "flaky gate, again" and reopened["body"] is None
    assert gh.request("GET", path).data == fake.issues[issue["number"]]


def test_labels_are_added_to_an_issues_own_and_replaced_by_an_update(
    fake: FakeGitHub, client: Client
) -> None:
    gh = client()
    issue = fake.add_issue("drift", labels=["model-drift"])
    path = f"{ISSUES}/{issue['number']}"
    added = gh.request("POST", f"{path}/labels", json={"labels": ["P1", "model-drift"]}).data
    assert [x["name"] for x in added] == ["model-drift", "P1"]
    assert [x["name"] for x in gh.request("POST", f"{path}/labels", json=["P2"]).data] == [
        "model-drift",
        "P1",
        "P2",
    ]
    replaced = gh.request("PATCH", path, json={"labels": ["P2"]}).data
    assert [x["name"] for x in replaced["labels"]] == ["P2"]
    assert gh.request("PATCH", path, json={"labels": []}).data["labels"] == []


def test_issue_creation_from_20_threads_gives_20_numbers(fake: FakeGitHub, client: Client) -> None:
    fake.write_delay_s = 0.05  # the requests overlap in the fake
    # one client writes one at a time; the fake checks every request and answer against
    # GitHub's description, 20 at once in one process: under a full test run that took
    # past the fixture's 2 s, and every request "timed out" (numbering is tested, not speed)
    clients = [client(timeout_s=30.0) for _ in range(20)]
    made: list[int] = []
    errors: list[BaseException] = []

    def create(gh: Recorded, i: int) -> None:
        try:
            made.append(gh.request("POST", ISSUES, json={"title": f"t{i}"}).data["number"])
        except BaseException as exc:  # pragma: no cover - shown by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(gh, i)) for i, gh in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and sorted(made) == list(range(1, 21))
    assert fake.most_writes_in_flight > 1 and sorted(fake.issues) == list(range(1, 21))


# --- pull requests ------------------------------------------------------------------------
def test_a_second_pull_request_for_one_head_is_refused_as_github_does(
    fake: FakeGitHub, client: Client
) -> None:
    gh = client()
    fake.add_branch("mlgate/retrain")
    first = open_pull(gh, "mlgate/retrain", body="new model", draft=True)
    assert first["head"]["label"] == "o:mlgate/retrain" and first["base"]["ref"] == "main"
    assert first["head"]["repo"]["full_name"] == "o/r" and first["draft"] is True
    assert gh.request("GET", f"{PULLS}/{first['number']}").data == first
    with pytest.raises(GitHubError) as err:
        open_pull(gh, "o:mlgate/retrain")
    assert err.value.status == 422 and err.value.github_message == "Validation Failed"
    assert "A pull request already exists for o:mlgate/retrain." in str(err.value)
    assert len(fake.pulls) == 1

    gh.request("PATCH", f"{ISSUES}/{first['number']}", json={"state": "closed"})
    assert fake.pulls[first["number"]]["state"] == "closed"
    assert open_pull(gh, "mlgate/retrain")["number"] == 2  # closed: a new one may open


@pytest.mark.parametrize(
    ("head", "base", "shown"),
    [
        ("nowhere", "main", "head: invalid"),
        ("other:feature", "main", "head: invalid"),  # a fork the fake does not know
        ("feature", "gh-pages", "base: invalid"),
        ("same", "main", "PullRequest: No commits between main and same"),
    ],
)
def test_pull_requests_github_would_refuse_are_refused(
    fake: FakeGitHub, client: Client, head: str, base: str, shown: str
) -> None:
    fake.add_branch("feature")
    fake.add_branch("same", fake.branches["main"])
    with pytest.raises(GitHubError) as err:
        open_pull(client(), head, base)
    assert err.value.status == 422 and shown in str(err.value) and fake.pulls == {}


def test_a_pull_request_without_a_title_is_refused(fake: FakeGitHub, client: Client) -> None:
    fake.add_branch("feature")
    with pytest.raises(GitHubError) as err:
        client().request("POST", PULLS, json={"head": "feature", "base": "main"})
    assert err.value.status == 422 and "title: missing_field" in str(err.value)


def test_pull_requests_are_listed_by_head_and_base(fake: FakeGitHub, client: Client) -> None:
    gh = client()
    for name in ("a", "b", "release"):
        fake.add_branch(name)
    a, b = open_pull(gh, "a"), open_pull(gh, "b")
    onto_release = open_pull(gh, "a", "release")
    assert numbers(listed(gh, PULLS, head="o:a")) == [onto_release["number"], a["number"]]
    assert numbers(listed(gh, PULLS, head="o:a", base="main")) == [a["number"]]
    assert numbers(listed(gh, PULLS, head="a")) == [3, 2, 1]  # no owner: GitHub ignores it
    assert numbers(listed(gh, PULLS, base="release")) == [onto_release["number"]]
    gh.request("PATCH", f"{ISSUES}/{b['number']}", json={"state": "closed"})
    assert numbers(listed(gh, PULLS, state="closed")) == [b["number"]]
    assert numbers(listed(gh, PULLS, state="all", direction="asc")) == [1, 2, 3]
    assert "mergeable" not in listed(gh, PULLS)[0]  # a pull-request-simple


def test_a_pull_request_is_an_issue_too(fake: FakeGitHub, client: Client) -> None:
    gh = client()
    fake.add_branch("feature")
    fake.add_issue("plain")
    pull = open_pull(gh, "feature", body="the old text")
    (as_issue,) = [i for i in listed(gh) if "pull_request" in i]
    assert as_issue["number"] == pull["number"] and as_issue["id"] != pull["id"]
    assert as_issue["pull_request"]["url"] == pull["url"]
    assert as_issue["pull_request"]["html_url"] == pull["html_url"] == as_issue["html_url"]

    path = f"{ISSUES}/{pull['number']}"
    gh.request("POST", f"{path}/labels", json=["model-drift"])
    gh.request("PATCH", path, json={"body": "the new text"})
    now = gh.request("GET", f"{PULLS}/{pull['number']}").data
    assert now["body"] == "the new text" and [x["name"] for x in now["labels"]] == ["model-drift"]
    assert now["updated_at"] > pull["updated_at"]
    assert numbers(listed(gh, labels="model-drift")) == [pull["number"]]


# --- workflow dispatches ------------------------------------------------------------------
def test_a_dispatch_is_recorded_with_its_inputs(fake: FakeGitHub, client: Client) -> None:
    gh = client()
    answer = gh.request(
        "POST",
        "/repos/o/r/actions/workflows/retrain.yml/dispatches",
        json={"ref": "main", "inputs": {"model": "churn", "reason": "drift"}},
    )
    assert answer.status == 204 and answer.data is None
    assert fake.dispatches == [
        {
            "workflow_id": "retrain.yml",
            "ref": "main",
            "inputs": {"model": "churn", "reason": "drift"},
        }
    ]


def test_a_dispatch_to_an_unknown_workflow_is_not_found(fake: FakeGitHub, client: Client) -> None:
    gh = client()
    wid = fake.add_workflow("retrain.yml")
    for workflow in ("retrain.yml", wid):
        gh.request(
            "POST", f"/repos/o/r/actions/workflows/{workflow}/dispatches", json={"ref": "main"}
        )
    with pytest.raises(NotFound):
        gh.request("POST", "/repos/o/r/actions/workflows/nope.yml/dispatches", json={"ref": "main"})
    assert [d["workflow_id"] for d in fake.dispatches] == ["retrain.yml", str(wid)]
    details = gh.request(
        "POST",
        "/repos/o/r/actions/workflows/retrain.yml/dispatches",
        json={"ref": "main", "return_run_details": True},
    )
    assert details.status == 200 and details.data["run_url"].endswith(
        f"/actions/runs/{details.data['workflow_run_id']}"
    )
