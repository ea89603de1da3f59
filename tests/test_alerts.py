"""What a recorded monitoring run does about an alarm, on the loopback GitHub API (every
request and answer checked against GitHub's description): one issue per model, opened on
the alarm, updated (or left unchanged) while it lasts, closed when it clears, reopened
when it returns; twenty runs at once on one drift leave one issue and one retraining.

The project is scikit-learn's breast-cancer data, 342 test rows: enough to calibrate the
label-free estimate on, so clean production rows raise no alarm at all."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pandas as pd
import pytest

from mlgate import alerts, monitor, monitor_history
from mlgate.github import http
from mlgate.github.context import ActionsContext
from mlgate.monitor import Monitored
from tests import projects
from tests.ahead import trained_ahead
from tests.conftest import isolate
from tests.github.conftest import TOKEN
from tests.github.server import FakeGitHub, running
from tests.registry.conftest import Project, make_project, promote

START = dt.datetime(2026, 12, 1, 4, 17, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
MANIFEST = projects.CANCER_MANIFEST


def cancer_files(manifest: str = MANIFEST) -> dict[str, str]:
    """The project, its model fitted ahead (tests/ahead.py): what is tested here is what a
    monitoring run does about an alarm, not the training."""
    return trained_ahead(projects.cancer_files(manifest))


def promoted_cancer(root: Path, manifest: str = MANIFEST) -> Project:
    return promote(make_project(root, files=cancer_files(manifest)))


def observed(project: Project, tmp_path: Path, scale: float) -> Monitored:
    """The test rows as production's, every feature times `scale`, without labels."""
    frame = pd.read_csv(project.root / "data" / "test.csv").drop(columns="target")
    frame *= scale
    path = tmp_path / f"production-{scale}.csv"
    frame.to_csv(path, index=False)
    return monitor.monitor(
        project.manifest, project.where(), path, stage="production", shown="production.csv"
    )


@pytest.fixture(autouse=True)
def no_waits(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's waits, which http.py takes from these settings, made nothing: a second
    between writes (GitHub's pacing, for a real API) and 0.5 s doubling to 4 s between
    tries of a 5xx (7.5 s a failed close). What is sent, retried and answered is the same.
    The concurrent test keeps them: its writes are to overlap as twenty runners' would."""
    if request.node.get_closest_marker("e2e") is None:
        monkeypatch.setattr(http, "MIN_WRITE_INTERVAL_S", 0.0)
        monkeypatch.setattr(http, "BACKOFF_FIRST_S", 0.0)


@pytest.fixture(scope="module")
def cancer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Monitored, Monitored]:
    """The promoted project, a drifted run and a clean one (monitoring itself is tested
    elsewhere: here its two outcomes are what the issue follows)."""
    tmp = tmp_path_factory.mktemp("cancer")
    # set up before the tests' own isolated git (function-scoped): isolated here too, so
    # that git's pinned dates make this the project `fresh` copies, trained once, not twice
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(tmp_path_factory.mktemp("home"), monkeypatch)
        project = promoted_cancer(tmp / "repo")
        drifted, clean = observed(project, tmp, 1.6), observed(project, tmp, 1.0)
    return project, drifted, clean


def fresh(tmp_path: Path, manifest: str = MANIFEST) -> Project:
    """The project again, with a monitoring history of its own (the runs' figures come
    from the promoted one: recording and acting read no registry)."""
    return make_project(tmp_path / "repo", files=cancer_files(manifest))


def context(fake: FakeGitHub) -> ActionsContext:
    return ActionsContext(
        event_name="schedule",
        repository="o/r",
        api_url=fake.url,
        token=TOKEN,
        default_branch="main",
        ref="refs/heads/main",
    )


def acted(project: Project, found: Monitored, ctx: ActionsContext, at: dt.datetime) -> str:
    """One scheduled run: recorded, then acted on."""
    past = monitor_history.record(project.where(), project.manifest, found, now=at)
    return alerts.act(project.manifest, found, past, ctx, now=at).action


def test_drift_is_an_alarm_and_clean_rows_are_not(
    cancer: tuple[Project, Monitored, Monitored],
) -> None:
    _, drifted, clean = cancer
    assert drifted.drifted and drifted.attention
    assert not clean.drifted and clean.reliable and not clean.decay
    assert not clean.attention


def test_one_issue_opened_updated_closed_and_reopened(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    _, drifted, clean = cancer
    project = fresh(tmp_path)
    with running() as fake:
        ctx = context(fake)
        steps = [
            (clean, "none"),  # quiet: not a single call
            (drifted, "created"),
            (drifted, "unchanged"),  # the same figures: the issue's text is the same
            (clean, "closed"),
            (clean, "none"),
            (drifted, "reopened"),
        ]
        said = []
        for day, (found, _) in enumerate(steps):
            said.append(acted(project, found, ctx, START + day * DAY))
            if day == 0:
                assert fake.total_calls() == 0
        assert said == [want for _, want in steps]
        (issue,) = fake.issues.values()
        assert issue["state"] == "open" and issue["state_reason"] == "reopened"
        assert [label["name"] for label in issue["labels"]] == [alerts.LABEL]
        assert issue["title"] == "mlgate monitor: cancer in production needs attention"
        assert issue["body"].startswith("## ❌ cancer: production data drifted")
        assert "<!-- mlgate:model=cancer -->" in issue["body"]
        # the alarm that reopened it began on its own day, not the first alarm's
        assert "_Alarm since 2026-12-06T04:17:00Z;" in issue["body"]


def test_an_issue_a_maintainer_closed_stays_closed_while_the_alarm_lasts(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    project = fresh(tmp_path)
    drifted = cancer[1]
    with running() as fake:
        ctx = context(fake)
        assert acted(project, drifted, ctx, START) == "created"
        (number,) = fake.issues
        fake.issues[number].update(state="closed", closed_at="2026-12-01T09:00:00Z")
        past = monitor_history.record(project.where(), project.manifest, drifted, now=START + DAY)
        done = alerts.act(project.manifest, drifted, past, ctx, now=START + DAY)
        assert done.action == "none"
        assert done.notes == (
            f"our issue #{number} was closed while the alarm lasted: left closed",
        )
        assert fake.issues[number]["state"] == "closed" and len(fake.issues) == 1


def test_someone_elses_issue_with_our_marker_is_never_touched(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    project = fresh(tmp_path)
    with running() as fake:
        planted = fake.add_issue(
            "copied", "<!-- mlgate:model=cancer -->", labels=(alerts.LABEL,), login="mallory"
        )
        assert acted(project, cancer[1], context(fake), START) == "created"
        assert len(fake.issues) == 2
        assert fake.issues[planted["number"]]["body"] == "<!-- mlgate:model=cancer -->"


@pytest.mark.e2e  # twenty runs, each appending to the journal through git
def test_twenty_runs_at_once_on_one_drift_leave_one_issue_and_one_retraining(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    """Each run records its entry (compare-and-swap on the journal) and acts at once."""
    retrain = MANIFEST + "monitor: {on_drift: retrain}\n"
    project = fresh(tmp_path, retrain)
    assert project.manifest.monitor.on_drift == "retrain"
    drifted = cancer[1]
    with running() as fake:
        fake.add_workflow(alerts.RETRAIN_WORKFLOW)
        fake.write_delay_s = 0.05  # writes overlap, as twenty runners' would
        ctx = context(fake)
        said: list[alerts.Acted] = []
        lock = threading.Lock()

        def one() -> None:
            past = monitor_history.record(project.where(), project.manifest, drifted, now=START)
            done = alerts.act(project.manifest, drifted, past, ctx, now=START)
            with lock:
                said.append(done)

        threads = [threading.Thread(target=one) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(said) == 20
        actions = sorted(a.action for a in said)
        assert actions.count("created") == 1, [a.notes for a in said]
        assert set(actions) <= {"created", "unchanged", "updated"}, [a.notes for a in said]
        assert len(fake.issues) == 1
        assert len(fake.dispatches) == 1
        (dispatch,) = fake.dispatches
        assert dispatch["ref"] == "main" and dispatch["inputs"]["reason"].startswith(
            "monitoring alarm (issue #"
        )
        assert [a.retrain for a in said if a.retrain] == [
            f"{alerts.RETRAIN_WORKFLOW} dispatched on main"
        ]


def test_a_token_that_may_not_write_issues_leaves_a_note(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    project = fresh(tmp_path)
    with running() as fake:
        fake.forbidden.add(("POST", "/repos/{owner}/{repo}/issues"))
        past = monitor_history.record(project.where(), project.manifest, cancer[1], now=START)
        done = alerts.act(project.manifest, cancer[1], past, context(fake), now=START)
        assert done.action == "none" and not fake.issues
        assert done.notes[0].startswith(
            "no issue kept: POST /repos/o/r/issues: GitHub answered 403"
        )


def test_outside_actions_or_with_on_drift_none_nothing_is_called(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    project = fresh(tmp_path)
    past = monitor_history.record(project.where(), project.manifest, cancer[1], now=START)
    done = alerts.act(project.manifest, cancer[1], past, None, now=START)
    assert done.action == "none" and "not in GitHub Actions" in done.notes[0]
    assert "retraining" not in done.notes[0]  # none asked for
    # asked for, on an alarm: it did not start either, and the note says so
    retrain = fresh(tmp_path / "retrain", MANIFEST + "monitor: {on_drift: retrain}\n")
    past = monitor_history.record(retrain.where(), retrain.manifest, cancer[1], now=START)
    assert cancer[1].attention
    done = alerts.act(retrain.manifest, cancer[1], past, None, now=START)
    assert done.notes == (
        "not in GitHub Actions (no GITHUB_REPOSITORY and token): no issue kept, and the "
        "retraining monitor.on_drift asks for not started",
    )
    assert not done.retrain


def test_the_command_in_actions_keeps_the_issue_and_says_what_it_did(
    cancer: tuple[Project, Monitored, Monitored],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from mlgate.cli.main import main

    project = cancer[0]
    frame = pd.read_csv(project.root / "data" / "test.csv").drop(columns="target") * 1.6
    frame.to_csv(tmp_path / "production.csv", index=False)
    with running() as fake:
        for name, value in {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": fake.url,
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_EVENT_NAME": "schedule",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
        command = ["monitor", "-C", str(project.root), "--data", str(tmp_path / "production.csv")]
        said = []
        for _ in range(2):
            assert main([*command, "--record", "--json"]) == 1
            said.append(json.loads(capsys.readouterr().out))
        assert main(command) == 1  # not recorded: does nothing
        text = capsys.readouterr().out
        (issue,) = fake.issues.values()
    assert [s["action"] for s in said] == ["created", "unchanged"]
    assert said[0]["issue"] == issue["html_url"] and said[0]["notes"] == []
    assert said[0]["drifted"] is True and said[0]["decay"] == []
    assert "issue: none\nnote: not recorded (--record): only a recorded run acts" in text


def test_a_project_in_a_folder_starts_the_retraining_workflow_init_wrote_for_it(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    """`mlgate init ml/churn` writes `mlgate-retrain.ml-churn.yml`; the alarm started the
    top project's `mlgate-retrain.yml` (another model's retraining), or none."""
    from dataclasses import replace

    project = fresh(tmp_path, MANIFEST + "monitor: {on_drift: retrain}\n")
    assert alerts.retrain_workflow(project.manifest) == "mlgate-retrain.yml"
    inside = project.root / "ml" / "churn"
    inside.mkdir(parents=True)
    moved = replace(project.manifest, root=inside)
    assert alerts.retrain_workflow(moved) == "mlgate-retrain.ml-churn.yml"
    with running() as fake:
        fake.add_workflow("mlgate-retrain.ml-churn.yml")  # the only one: others are a 404
        past = monitor_history.record(project.where(), project.manifest, cancer[1], now=START)
        done = alerts.act(moved, cancer[1], past, context(fake), now=START)
    assert done.retrain == "mlgate-retrain.ml-churn.yml dispatched on main"
    assert len(fake.dispatches) == 1
    (issue,) = fake.issues.values()
    assert "[mlgate-retrain.ml-churn.yml](" in issue["body"]


def test_a_retraining_that_could_not_start_is_said_so_in_the_issue(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    """The issue said "A retraining was started" beside a dispatch GitHub refused."""
    project = fresh(tmp_path, MANIFEST + "monitor: {on_drift: retrain}\n")
    with running() as fake:
        fake.add_workflow("another.yml")  # ours is then a 404, as a missing workflow is
        past = monitor_history.record(project.where(), project.manifest, cancer[1], now=START)
        done = alerts.act(project.manifest, cancer[1], past, context(fake), now=START)
        (issue,) = fake.issues.values()
    assert done.retrain.startswith("not started: ") and not fake.dispatches
    assert "A retraining was started" not in issue["body"]
    assert (
        "A retraining should have started with this alarm, but was not started: " in (issue["body"])
    )


def test_a_follower_that_makes_the_issue_starts_the_retraining_the_opener_never_did(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    """The opener's issue failed to post, so it started nothing; the run that made the
    issue a day later started nothing either, and that alarm never had its retraining."""
    project = fresh(tmp_path, MANIFEST + "monitor: {on_drift: retrain}\n")
    with running() as fake:
        fake.add_workflow(alerts.RETRAIN_WORKFLOW)
        fake.forbidden.add(("POST", "/repos/{owner}/{repo}/issues"))
        assert acted(project, cancer[1], context(fake), START) == "none"
        fake.forbidden.clear()
        past = monitor_history.record(project.where(), project.manifest, cancer[1], now=START + DAY)
        done = alerts.act(project.manifest, cancer[1], past, context(fake), now=START + DAY)
        assert done.action == "created" and len(fake.dispatches) == 1
        assert acted(project, cancer[1], context(fake), START + 2 * DAY) == "unchanged"
        assert len(fake.dispatches) == 1  # once an alarm


def test_an_issue_is_fitted_to_what_github_takes(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One long production value, or some 500 features, made a body over 65,536
    characters: GitHub refuses it, and the alarm reached nobody."""
    from mlgate import monitor_report

    wide = "## ❌ cancer: production data drifted\n\n" + "".join(
        f"| feature_{i} | wasserstein | 0.{i:04d} | 0.1 | yes |\n" for i in range(3000)
    )
    monkeypatch.setattr(monitor_report, "markdown", lambda *a, **k: wide)
    project = fresh(tmp_path)
    with running() as fake:
        assert acted(project, cancer[1], context(fake), START) == "created"
        (issue,) = fake.issues.values()
    assert len(wide) > alerts.ISSUE_LIMIT >= len(issue["body"])
    assert "_Cut here to stay within GitHub's size limit" in issue["body"]
    assert "next alarm opens a retraining pull request by itself." in issue["body"][-400:]
    project = fresh(tmp_path / "again")  # the body that closes it is fitted too
    with running() as fake:
        ctx = context(fake)
        assert acted(project, cancer[1], ctx, START) == "created"
        assert acted(project, cancer[2], ctx, START + DAY) == "closed"
        (issue,) = fake.issues.values()
    assert (
        issue["body"].startswith("The alarm cleared") and len(issue["body"]) <= alerts.ISSUE_LIMIT
    )


def test_a_run_of_another_stage_is_not_recorded_in_this_stages_history(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    """One journal and one issue for every stage: a recorded clean staging run closed
    production's alarm, and the next production run reopened it and retrained again."""
    from dataclasses import replace

    from mlgate.errors import UserError

    project = fresh(tmp_path)
    staging = replace(cancer[2], stage="staging")
    with pytest.raises(UserError) as refused:
        monitor_history.record(project.where(), project.manifest, staging, now=START)
    assert refused.value.message.startswith(
        "--record keeps the history and the issue of production (monitor.stage); this run "
        "watched staging"
    )
    assert monitor_history.history(project.where(), project.manifest, now=START).entries == ()


def test_a_close_that_failed_is_made_by_the_next_clean_run(
    cancer: tuple[Project, Monitored, Monitored], tmp_path: Path
) -> None:
    """Only the first clean run closed: when its PATCH failed, every later one was quiet,
    and the issue said "production data drifted" until the next alarm."""
    from tests.github.server import Fault

    _, drifted, clean = cancer
    project = fresh(tmp_path)
    with running() as fake:
        ctx = context(fake)
        assert acted(project, drifted, ctx, START) == "created"
        patch = ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}")
        fake.fail(*patch, *(Fault(status=502) for _ in range(20)))
        assert acted(project, clean, ctx, START + DAY) == "none"  # its close failed
        fake.faults.clear()
        assert acted(project, clean, ctx, START + 2 * DAY) == "closed"
        assert acted(project, clean, ctx, START + 3 * DAY) == "none"  # nothing left open
        (issue,) = fake.issues.values()
        assert issue["state"] == "closed"
        calls = fake.total_calls()
        for day in range(4, 7):  # long after the alarm: quiet, not a single call
            assert acted(project, clean, ctx, START + day * DAY) == "none"
        assert fake.total_calls() == calls
