"""`mlgate run` in a pull request's workflow, against the loopback GitHub: one comment,
a check on the head commit, the job summary, annotations at the manifest's lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests import projects
from tests.conftest import SHARED
from tests.github.conftest import TOKEN
from tests.github.server import FakeGitHub

EVENT = SHARED / "fixtures" / "github" / "events" / "pull_request.opened.json"
GATED = projects.IRIS_MANIFEST + "compare:\n  gates:\n    accuracy: {min: 0.99}\n"


def actions_env(fake: FakeGitHub, tmp_path: Path, event: Path = EVENT) -> dict[str, str]:
    return {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "o/r",
            "GITHUB_API_URL": fake.url, "GITHUB_RUN_ID": "77", "GITHUB_SHA": "m" * 40,
            "GITHUB_TOKEN": TOKEN, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}


def mlgate(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlgate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_pull_request_run_posts_one_comment_a_check_and_the_summary(
        fake: FakeGitHub, tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=GATED))
    env = actions_env(fake, tmp_path)
    first = mlgate("run", cwd=root, env=env)
    assert first.returncode == 1, first.stderr  # accuracy 0.9667 < 0.99
    second = mlgate("run", cwd=root, env=env)
    assert second.returncode == 1
    comments = fake.comments[2]
    assert len(comments) == 1 and "<!-- mlgate:model=iris -->" in comments[0]["body"]
    assert comments[0]["body"].startswith("## ❌ iris: failed")
    assert "actions/runs/77" in comments[0]["body"]
    head = json.loads(EVENT.read_text())["pull_request"]["head"]["sha"]
    assert [r["head_sha"] for r in fake.check_runs] == [head, head]
    assert {r["conclusion"] for r in fake.check_runs} == {"failure"}
    notes = fake.check_annotations[fake.check_runs[0]["id"]]
    assert notes[0]["path"] == "mlops.yaml" and notes[0]["start_line"] == GATED.splitlines(
    ).index("    accuracy: {min: 0.99}") + 1
    summary = (tmp_path / "summary.md").read_text()
    assert summary.count("## ❌ iris: failed") == 2  # one per run, appended
    assert "::error file=mlops.yaml,line=" in first.stderr  # stdout stays for --json
    assert "comment: created" in first.stderr and "comment: updated" in second.stderr


def test_a_fork_gets_the_summary_and_a_reason_but_no_api_call(
        fake: FakeGitHub, tmp_path: Path) -> None:
    payload = json.loads(EVENT.read_text())
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/r"
    event = tmp_path / "fork.json"
    event.write_text(json.dumps(payload))
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    done = mlgate("run", "--json", cwd=root, env=actions_env(fake, tmp_path, event))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "passed"  # stdout holds the JSON alone
    assert fake.total_calls() == 0
    assert "comes from a fork" in done.stderr
    assert "## ✅ iris: passed" in (tmp_path / "summary.md").read_text()


def test_mlgate_comment_posts_a_saved_run_for_a_named_pull_request(
        fake: FakeGitHub, tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    assert mlgate("run", cwd=root, env={**os.environ}).returncode == 0
    env = {**actions_env(fake, tmp_path), "GITHUB_EVENT_NAME": "workflow_run"}
    done = mlgate("comment", "--pr", "9", "--sha", "a" * 40, cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert len(fake.comments[9]) == 1 and fake.check_runs[0]["head_sha"] == "a" * 40


def test_mlgate_comment_without_a_token_is_a_clear_error(fake: FakeGitHub,
                                                        tmp_path: Path) -> None:
    root = projects.write(tmp_path / "p", projects.iris_files(Path()))
    assert mlgate("run", cwd=root, env={**os.environ}).returncode == 0
    env = {k: v for k, v in actions_env(fake, tmp_path).items() if k != "GITHUB_TOKEN"}
    done = mlgate("comment", cwd=root, env=env)
    assert done.returncode == 2 and "no token" in done.stderr
    assert "Traceback" not in done.stderr and fake.total_calls() == 0
