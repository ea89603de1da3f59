"""`mlgate run` and `mlgate comment` in a pull request's workflow, against the loopback
GitHub: one comment, a check on the head commit, the job summary, annotations at the
manifest's lines; a fork's token posts nothing, and the run says why.

One real `mlgate run` (training included) serves the module; every command runs
in-process (tests/test_cli.py runs the CLI as a subprocess) to keep the suite fast.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlgate import cli
from mlgate.github import http
from tests import projects
from tests.conftest import FIXTURES
from tests.github.conftest import TOKEN
from tests.github.server import FakeGitHub, Fault, serve

EVENT = FIXTURES / "github" / "events" / "pull_request.opened.json"
HEAD = json.loads(EVENT.read_text())["pull_request"]["head"]["sha"]
NUMBER = json.loads(EVENT.read_text())["number"]
GATES = "compare:\n  gates:\n    r2: {min: 0.99}\n"  # r2 0.40: the gate fails
OUTER = ("GITHUB_", "MLGATE_", "INPUT_", "RUNNER_")  # a CI's own variables stay out


@dataclass(frozen=True)
class Posted:
    fake: FakeGitHub
    root: Path
    env: dict[str, str]
    exit_code: int
    out: str  # what `mlgate run` printed, stdout and stderr
    comments: list[dict[str, Any]]  # as they were right after the run
    check_runs: list[dict[str, Any]]
    annotations: dict[int, list[dict[str, Any]]]
    summary: str


def actions_env(fake: FakeGitHub, folder: Path, event: Path = EVENT, **more: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_API_URL": fake.url,
        "GITHUB_RUN_ID": "77",
        "GITHUB_SHA": "m" * 40,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_STEP_SUMMARY": str(folder / "summary.md"),
        **more,
    }


def in_actions(mp: pytest.MonkeyPatch, root: Path, env: Mapping[str, str | None]) -> None:
    """The Actions variables and nothing of the outer CI's; unpaced writes (test_http
    counts pacing); the project as the working directory."""
    for name in [k for k in os.environ if k.startswith(OUTER)]:
        mp.delenv(name)
    for name, value in env.items():
        if value is not None:
            mp.setenv(name, value)
    mp.setattr(http, "MIN_WRITE_INTERVAL_S", 0.0)
    mp.chdir(root)


@pytest.fixture(scope="module")
def posted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Posted]:
    fake = FakeGitHub()
    server, thread = serve(fake)
    folder = tmp_path_factory.mktemp("publish")
    files = projects.diabetes_files()  # a regression: no PNG charts to draw, a faster suite
    files["mlops.yaml"] += GATES
    root = projects.write(folder / "p", files)
    env = actions_env(fake, folder)
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        in_actions(mp, root, env)
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            code = cli.main(["run"])
    yield Posted(
        fake=fake,
        root=root,
        env=env,
        exit_code=code,
        out=printed.getvalue(),
        comments=copy.deepcopy(fake.comments.get(NUMBER, [])),
        check_runs=copy.deepcopy(fake.check_runs),
        annotations=copy.deepcopy(fake.check_annotations),
        summary=(folder / "summary.md").read_text("utf-8"),
    )
    fake.settle()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    assert fake.violations == [], "requests or answers outside GitHub's description"


def mlgate_here(
    posted: Posted, monkeypatch: pytest.MonkeyPatch, *args: str, **env: str | None
) -> int:
    """`mlgate ARGS` in this process, in the project, with the Actions variables."""
    in_actions(monkeypatch, posted.root, posted.env | env)
    for name in [k for k, v in env.items() if v is None]:
        monkeypatch.delenv(name, raising=False)
    return cli.main(list(args))


def test_a_pull_request_run_posts_one_comment_a_check_and_the_summary(posted: Posted) -> None:
    assert posted.exit_code == 1, posted.out  # r2 0.40 < 0.99
    assert "comment: created" in posted.out
    [comment] = posted.comments
    assert comment["user"]["login"] == "github-actions[bot]"
    assert comment["body"].startswith("## ❌ diabetes: failed")
    assert (
        "<!-- mlgate:model=diabetes -->" in comment["body"] and "actions/runs/77" in comment["body"]
    )
    [check] = posted.check_runs
    assert (check["head_sha"], check["conclusion"]) == (HEAD, "failure")  # not the merge sha
    [note] = posted.annotations[check["id"]]
    manifest = (posted.root / "mlops.yaml").read_text().splitlines()
    line = manifest.index("    r2: {min: 0.99}") + 1
    assert (note["path"], note["start_line"], note["annotation_level"]) == (
        "mlops.yaml",
        line,
        "failure",
    )
    assert f"::error file=mlops.yaml,line={line}," in posted.out
    assert posted.summary.count("## ❌ diabetes: failed") == 1


def test_posting_the_same_run_again_leaves_the_comment_alone(
    posted: Posted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    patch = ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
    assert mlgate_here(posted, monkeypatch, "comment") == 0
    err = capsys.readouterr().err
    assert "comment: unchanged" in err, err
    comments = posted.fake.comments[NUMBER]
    assert len(comments) == 1 and comments[0]["id"] == posted.comments[0]["id"]
    assert posted.fake.calls[patch] == 0
    assert [r["head_sha"] for r in posted.fake.check_runs[-2:]] == [HEAD, HEAD]


def test_a_fork_posts_nothing_and_says_why(
    posted: Posted,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    payload = json.loads(EVENT.read_text())
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/r"
    (tmp_path / "fork.json").write_text(json.dumps(payload))
    before = posted.fake.total_calls()
    summary = tmp_path / "summary.md"
    code = mlgate_here(
        posted,
        monkeypatch,
        "comment",
        GITHUB_EVENT_PATH=str(tmp_path / "fork.json"),
        GITHUB_STEP_SUMMARY=str(summary),
    )
    err = capsys.readouterr().err
    assert code == 2 and "comes from a fork" in err and "Traceback" not in err
    assert posted.fake.total_calls() == before
    assert "## ❌ diabetes: failed" in summary.read_text("utf-8")  # the report is still there


def test_mlgate_comment_posts_a_saved_run_for_a_named_pull_request(
    posted: Posted, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = mlgate_here(
        posted,
        monkeypatch,
        "comment",
        "--pr",
        "9",
        "--sha",
        "a" * 40,
        GITHUB_EVENT_NAME="workflow_run",
    )
    assert code == 0
    assert len(posted.fake.comments[9]) == 1
    assert posted.fake.check_runs[-1]["head_sha"] == "a" * 40


def test_mlgate_comment_for_a_named_pull_request_needs_the_commit_named_too(
    posted: Posted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check went on run.json's own commit: whatever the file's writer put there."""
    before = posted.fake.total_calls()
    code = mlgate_here(posted, monkeypatch, "comment", "--pr", "9")
    err = capsys.readouterr().err
    assert code == 2 and "--pr needs --sha" in err and "fork-report workflow" in err
    assert posted.fake.total_calls() == before


def _forged(posted: Posted, tmp_path: Path, change: Any) -> Path:
    """The run's run.json, copied and changed as someone else's code may have written it."""
    from mlgate.result import runs

    doc = json.loads(runs.latest_or_said(posted.root).read_text())
    change(doc)
    path = tmp_path / "download" / "run.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc))
    return path


def test_mlgate_comment_posts_no_verdict_its_own_checks_and_gates_contradict(
    posted: Posted,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A run.json marked passed over its failed gate (r2 0.40 against a minimum of 0.99)
    was posted as a green check and a "passed" comment."""

    def passed(doc: dict[str, Any]) -> None:
        doc["verdict"], doc["summary"] = "passed", "all good"
        doc["compare"]["status"] = "passed"
        for gate in doc["compare"]["gates"]:
            gate["status"], gate["failures"] = "passed", []

    forged = _forged(posted, tmp_path, passed)
    before = posted.fake.total_calls()
    code = mlgate_here(
        posted, monkeypatch, "comment", "--run", str(forged), "--pr", "9", "--sha", "a" * 40
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert "was not written by mlgate as it ran: gate r2 says passed" in err
    assert posted.fake.total_calls() == before


def test_mlgate_comment_refuses_a_run_made_with_another_manifest(
    posted: Posted,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Its gates and checks cannot be decided again against this one."""
    forged = _forged(posted, tmp_path, lambda doc: doc["manifest"].update(sha256="0" * 64))
    before = posted.fake.total_calls()
    assert mlgate_here(posted, monkeypatch, "comment", "--run", str(forged)) == 2
    assert "was made with another manifest than mlops.yaml" in capsys.readouterr().err
    assert posted.fake.total_calls() == before


def test_mlgate_comment_without_a_token_is_a_clear_error(
    posted: Posted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = posted.fake.total_calls()
    assert mlgate_here(posted, monkeypatch, "comment", GITHUB_TOKEN=None) == 2
    err = capsys.readouterr().err
    assert "no token" in err and "Traceback" not in err
    assert posted.fake.total_calls() == before


def test_the_client_is_closed_after_posting_and_after_an_error(
    posted: Posted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[http.GitHub] = []

    class Watched(http.GitHub):
        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            made.append(self)

    monkeypatch.setattr(http, "GitHub", Watched)
    assert mlgate_here(posted, monkeypatch, "comment") == 0
    listing = ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
    posted.fake.fail(*listing, Fault(status=401, body={"message": "Bad credentials"}))
    assert mlgate_here(posted, monkeypatch, "comment") == 3  # strict: the 401 is raised
    assert "token is invalid" in capsys.readouterr().err
    assert len(made) == 2 and all(gh.closed for gh in made)


def test_a_sweeps_winner_gets_a_comment_and_a_check_of_its_own(
    posted: Posted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep's report sits beside the pull request's run, not over it."""
    from dataclasses import replace

    from mlgate.result import runs
    from mlgate.result.records import SweepRecord, SweptConfiguration

    ran = runs.read_latest(posted.root)
    won = SweptConfiguration(
        id="0a1b2c3d4e5f", params={"train.alpha": 0.1}, status="passed", figure=0.4
    )
    swept = replace(
        ran,
        run_id="20991231T000000Z-abcdef",  # the latest run
        sweep=SweepRecord(
            metric="r2",
            holdout=0.5,
            choosing_rows=40,
            held_out_rows=48,
            configurations=(won,),
            winner=won.id,
            choosing=0.4,
            held_out=0.38,
        ),
    )
    runs.save(posted.root, swept, "")
    assert mlgate_here(posted, monkeypatch, "comment") in (0, 1)
    bodies = [c["body"] for c in posted.fake.comments[NUMBER]]
    assert sum("<!-- mlgate:model=diabetes -->" in b for b in bodies) == 1
    [sweep] = [b for b in bodies if "<!-- mlgate:sweep=diabetes -->" in b]
    assert "### Sweep: 1 configuration, ranked by r2 on 40 test rows" in sweep
    assert "winner: 0a1b2c3d4e5f (train.alpha=0.1): r2 0.3800 on the 48 held-out test rows" in sweep
    assert posted.fake.check_runs[-1]["name"] == "mlgate / diabetes sweep"


def test_a_pull_request_job_that_cannot_post_warns_and_keeps_the_verdicts_exit(
    posted: Posted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A comment and a check GitHub refused left only a `note:` line in the log: the step
    passed on, and nobody saw that the pull request had no report."""
    from mlgate import manifest, publish
    from mlgate.github import context
    from mlgate.result import runs

    in_actions(monkeypatch, posted.root, posted.env)
    listing = ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
    create = ("POST", "/repos/{owner}/{repo}/check-runs")
    refused = {"message": "Validation Failed"}
    posted.fake.fail(*listing, Fault(status=422, body=refused))
    posted.fake.fail(*create, Fault(status=422, body=refused))
    done = publish.publish(
        runs.read_latest(posted.root),
        manifest.load(posted.root / "mlops.yaml"),
        context.load(os.environ),
    )
    assert [n.split(":")[0] for n in done.notes] == ["no comment posted", "no check posted"]
    err = capsys.readouterr().err
    assert err.count("::warning title=mlgate::no ") == 2


def test_a_runs_text_reaches_the_check_and_its_annotations_with_direction_marks_shown(
    posted: Posted,
) -> None:
    """A forged fork run's `ok\\u202e dessap` reached the check's title and annotations as
    it was (the report showed it as <U+202E>)."""
    from dataclasses import replace

    from mlgate import manifest, publish
    from mlgate.result import runs

    result = runs.read_latest(posted.root)
    first, *rest = result.data.checks
    checks = (replace(first, status="failed", message="ok\u202e dessap"), *rest)
    forged = replace(result, data=replace(result.data, checks=checks), summary="ok\u202e x")
    found = publish.annotations_for(forged, manifest.load(posted.root / "mlops.yaml"))
    assert found and all("\u202e" not in a.message + a.title for a in found)
    assert any("<U+202E>" in a.message for a in found)
    assert "\u202e" not in publish._title(forged) and "<U+202E>" in publish._title(forged)
