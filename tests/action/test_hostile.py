"""Bad and hostile input through the whole action: a clear failing step for the first, no
command run and no workflow command injected for the second."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.action import events
from tests.action.conftest import TOKEN, Repo
from tests.action.conftest import custom_workflow as custom
from tests.conftest import git
from tests.harness.runner import JobResult

# the action, run by the workflow harness as GitHub runs it (docs/testing.md)
pytestmark = pytest.mark.e2e

HOSTILE = ["$(touch pwned)", "`touch pwned2`", '"; exit 0; "', "'; touch pwned3; '"]


def failed_clearly(result: JobResult, said: str) -> None:
    assert result.conclusion == "failure"
    assert "[!CAUTION]" in result.summary and said in result.summary
    assert any(a.level == "error" and said in a.message for a in result.annotations)


def test_a_missing_manifest_fails_the_step_and_says_so(repo: Repo) -> None:
    name = custom(repo, "pull_request", manifest="models.yaml")
    result = repo.run(
        name, "pull_request", events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base)
    )
    failed_clearly(result, "manifest &#39;models.yaml&#39; not found".replace("&#39;", "'"))


def test_an_unknown_command_fails_the_step_and_lists_the_commands(repo: Repo) -> None:
    name = custom(repo, "pull_request", command="deploy-everything")
    result = repo.run(
        name, "pull_request", events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base)
    )
    failed_clearly(result, "unknown command 'deploy-everything'")
    assert "auto, run, validate" in result.summary


def test_an_event_the_action_does_not_handle_fails_the_step(repo: Repo) -> None:
    name = custom(repo, "issue_comment")
    payload = events._fixture("issue_comment.created")
    result = repo.run(name, "issue_comment", payload)
    failed_clearly(result, "does not handle the 'issue_comment' event")


def test_shell_syntax_in_a_pull_request_is_never_run(repo: Repo, tmp_path: Path) -> None:
    text = " ".join(HOSTILE)
    result = repo.run(
        "mlgate.yml",
        "pull_request",
        events.pull_request(
            number=7, head_sha=repo.head, base_sha=repo.base, title=text, body=text, head_ref=text
        ),
    )
    assert result.conclusion == "success", result.log[-2000:]
    assert not [p for p in tmp_path.rglob("pwned*")], "a shell ran text from the event"
    assert not [p for p in repo.state.rglob("pwned*")]
    assert len(repo.github.comments[7]) == 1


def test_untrusted_names_cannot_inject_workflow_commands(repo: Repo) -> None:
    """A column named like a workflow command, and a data script printing commands:
    the log shows them, the runner runs none of them."""
    manifest = repo.root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "  columns:\n", '  columns:\n    "::error title=x::injected": {type: number}\n'
        )
    )
    prepare = repo.root / "prepare.py"
    prepare.write_text(
        "print('::warning::injected by a script')\n"
        "print('  ::add-mask::mlgate')\nprint('##[error]injected v1')\n" + prepare.read_text()
    )
    git(repo.root, "commit", "-q", "-am", "hostile names")
    repo.head = git(repo.root, "rev-parse", "HEAD")
    result = repo.run(
        "mlgate.yml",
        "pull_request",
        events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base),
    )
    assert result.conclusion == "failure"  # the column is missing: a failed check
    messages = [a.message for a in result.annotations]
    assert not [m for m in messages if m.startswith("injected")], messages
    assert "mlgate" not in result.masks  # no add-mask went through
    ours = [a for a in result.annotations if a.properties.get("file") == "mlops.yaml"]
    assert ours and "::error title=x::injected" in ours[0].message  # as text, escaped
    assert ": :warning::injected by a script" in result.log


def test_no_runner_line_end_lets_a_manifest_value_inject_a_command(repo: Repo) -> None:
    """The runner ends lines at CR, LF and CRLF: a value that mlgate quotes in an error
    (here a data path) holding each, then commands, runs none of them."""
    payload = (
        "x\r::error::injected by CR\n::error::injected by LF\r\n::warning::injected "
        "by CRLF\r::add-mask::mlgate\r::stop-commands::tok\r::error::injected after"
    )
    manifest = repo.root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text()
        .replace("  prepare: python prepare.py\n", "")
        .replace("  train: data/train.csv", f"  train: {json.dumps(payload)}")
    )
    git(repo.root, "commit", "-q", "-am", "hostile path")
    repo.head = git(repo.root, "rev-parse", "HEAD")
    result = repo.run(
        "mlgate.yml",
        "pull_request",
        events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base),
    )
    assert result.conclusion == "failure"
    messages = [a.message for a in result.annotations]
    assert not [m for m in messages if m.startswith("injected")], messages
    assert "mlgate" not in result.masks
    assert any("injected by CR" in m for m in messages), messages  # mlgate's, as text
    # the `mlgate: error:` line, inert: its CR a blank (mlgate prints no control
    # character), so the command after it is text mid-line; its LF a line the guard broke
    assert "'x ::error::injected by CR" in result.log
    assert "\n: :error::injected by LF" in result.log


@pytest.mark.parametrize("passed", [False, True])
def test_a_training_log_that_prints_its_environment_publishes_no_token(
    repo: Repo, passed: bool
) -> None:
    """Commands get no credential; one passed by name and printed is *** wherever mlgate
    publishes: run.json, report.md, the comment, the check run, the job summary."""
    (repo.root / "train.py").write_text(
        "import os\nfor k, v in sorted(os.environ.items()):\n    print(f'{k}={v}')\n"
        "raise SystemExit('training failed on purpose')\n"
    )
    manifest = repo.root / "mlops.yaml"
    given = "  pass_env: [GITHUB_TOKEN]\n" if passed else ""
    manifest.write_text(
        manifest.read_text().replace(
            "  command: python train.py\n", f"  command: python train.py\n{given}"
        )
    )
    git(repo.root, "commit", "-q", "-am", "training that prints its environment")
    repo.head = git(repo.root, "rev-parse", "HEAD")
    result = repo.run(
        "mlgate.yml",
        "pull_request",
        events.pull_request(number=7, head_sha=repo.head, base_sha=repo.base),
    )
    assert result.conclusion == "failure"
    run_json = next(repo.root.glob(".mlgate/runs/*/run.json"))
    report = run_json.with_name("report.md").read_text()
    published = {
        "run.json": run_json.read_text(),
        "report.md": report,
        "comment": json.dumps(repo.github.comments),
        "check": json.dumps(repo.github.check_runs),
        "summary": result.summary,
    }
    for where, text in published.items():
        assert TOKEN not in text, where
    assert "PATH=" in report and "HOME=" in report  # the environment was printed
    assert ("GITHUB_TOKEN=***" in report) == passed, report[-3000:]  # in the log's fence
    assert ("GITHUB_TOKEN=" in report) == passed  # withheld unless passed by name
    assert ("GITHUB_TOKEN=***" in published["comment"]) == passed
