"""The runner stand-in behaves like GitHub's runner where our workflows can go wrong."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.harness.expressions import ExpressionError
from tests.harness.runner import (
    JobResult,
    StrategyError,
    expand_matrix,
    parse_file_command,
    run_action,
    run_job,
    run_workflow,
)

# GitHub's real payloads, carried in tests/fixtures (see its SOURCES.md)
EVENTS = FIXTURES / "github" / "events"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def event(tmp_path: Path, name: str, **changes: Any) -> Path:
    """A real payload from the fixtures, with `changes` applied to pull_request fields."""
    payload = json.loads((EVENTS / f"{name}.json").read_text())
    payload.get("pull_request", {}).update(changes)
    return write(tmp_path / "events" / f"{name}.json", json.dumps(payload))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "ws").mkdir()
    return tmp_path / "ws"


def job(tmp_path: Path, workflow: str, job_id: str = "j", **kw: Any) -> JobResult:
    wf = write(tmp_path / "wf" / "ci.yml", workflow)
    kw.setdefault("workspace", tmp_path / "ws")
    kw.setdefault("state_dir", tmp_path / "state")
    kw.setdefault("event_name", "push")
    kw.setdefault("event_path", EVENTS / "push.json")
    kw.setdefault("secrets", {"GITHUB_TOKEN": "ghs_test_token"})
    return run_job(wf, job_id, **kw)


# --- injection: interpolation happens before the shell, as on GitHub ---------------------------

HOSTILE = "x $(touch pwned) `touch pwned2`"


def test_an_interpolated_title_is_executed_by_the_shell(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        on: pull_request
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo "title ${{ github.event.pull_request.title }}"
    """,
        event_name="pull_request",
        event_path=event(tmp_path, "pull_request.opened", title=HOSTILE),
    )
    assert result.conclusion == "success"
    assert (ws / "pwned").exists() and (ws / "pwned2").exists()  # faithful: this is the bug
    assert "$(touch pwned)" in result.steps[0].run


def test_a_title_passed_through_env_stays_text(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        on: pull_request
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - env:
                  TITLE: ${{ github.event.pull_request.title }}
                run: echo "title $TITLE"
    """,
        event_name="pull_request",
        event_path=event(tmp_path, "pull_request.opened", title=HOSTILE),
    )
    assert not (ws / "pwned").exists() and not (ws / "pwned2").exists()
    assert result.steps[0].stdout == f"title {HOSTILE}\n"


# --- file commands ----------------------------------------------------------------------------


def test_github_output_both_forms(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            outputs:
              notes: ${{ steps.out.outputs.notes }}
            steps:
              - id: out
                run: |
                  echo "simple=a=b" >> "$GITHUB_OUTPUT"
                  {
                    echo "notes<<EOF_1"
                    printf 'line one\\nline two\\n'
                    echo "EOF_1"
                  } >> "$GITHUB_OUTPUT"
              - run: echo "${{ steps.out.outputs.simple }}|${{ steps.out.outputs.notes }}"
    """,
    )
    assert result.step("out").outputs == {"simple": "a=b", "notes": "line one\nline two"}
    assert result.steps[1].stdout == "a=b|line one\nline two\n"
    assert result.outputs == {"notes": "line one\nline two"}


def test_malformed_file_commands_fail_the_step() -> None:
    with pytest.raises(ValueError, match="Matching delimiter not found"):
        parse_file_command("x<<EOF\nno end\n", "GITHUB_OUTPUT")
    with pytest.raises(ValueError, match="Invalid format"):
        parse_file_command("just text\n", "GITHUB_ENV")


def test_github_env_and_path_reach_later_steps_only(tmp_path: Path, ws: Path) -> None:
    write(ws / "tools" / "mytool", "#!/bin/sh\necho tool ran\n").chmod(0o755)
    result = job(
        tmp_path,
        """
        env:
          LEVEL: workflow
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo "LEVEL=from-github-env" >> "$GITHUB_ENV"
                  echo "$GITHUB_WORKSPACE/tools" >> "$GITHUB_PATH"
                  echo "now $LEVEL"
              - run: |
                  echo "then $LEVEL ${{ env.LEVEL }}"
                  mytool
              - env:
                  LEVEL: step
                run: echo "step wins $LEVEL"
    """,
    )
    assert [s.stdout for s in result.steps] == [
        "now workflow\n",
        "then from-github-env from-github-env\ntool ran\n",
        "step wins step\n",
    ]
    assert result.env["LEVEL"] == "from-github-env"


def test_step_summaries_are_concatenated(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo "# one" >> "$GITHUB_STEP_SUMMARY"
              - run: |
                  test ! -s "$GITHUB_STEP_SUMMARY"  # a fresh file for every step
                  echo "two" >> "$GITHUB_STEP_SUMMARY"
    """,
    )
    assert result.conclusion == "success"
    assert result.summary == "# one\ntwo\n"


# --- the environment --------------------------------------------------------------------------


def test_the_test_process_environment_does_not_leak(
    tmp_path: Path, ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "leaked-token")
    monkeypatch.setenv("GITHUB_SHA", "f" * 40)
    monkeypatch.setenv("SOMETHING_ELSE", "leaked")
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: env
    """,
        env={"GITHUB_API_URL": "http://127.0.0.1:9", "EXTRA": "given"},
    )
    env = dict(line.split("=", 1) for line in result.steps[0].stdout.splitlines() if "=" in line)
    assert "leaked" not in result.steps[0].stdout
    assert "GITHUB_TOKEN" not in env
    push = json.loads((EVENTS / "push.json").read_text())
    assert env["GITHUB_SHA"] == push["after"] and env["GITHUB_REF"] == push["ref"]
    assert env["GITHUB_REF_NAME"] == "simple-tag" and env["GITHUB_REF_TYPE"] == "tag"
    assert env["GITHUB_API_URL"] == "http://127.0.0.1:9" and env["EXTRA"] == "given"
    assert env["CI"] == env["GITHUB_ACTIONS"] == "true"
    assert env["GITHUB_WORKSPACE"] == str(ws.resolve())
    assert json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text()) == push


def test_pull_request_context_and_overrides(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ github.sha }} ${{ github.ref }} ${{ github.head_ref }}
                  ${{ github.base_ref }} $GITHUB_SHA ${{ github.token }}"
    """,
        event_name="pull_request",
        event_path=event(tmp_path, "pull_request.synchronize"),
        env={"GITHUB_SHA": "m" * 40},
    )
    assert result.steps[0].stdout.split() == [
        "m" * 40,
        "refs/pull/2/merge",
        "changes",
        "master",
        "m" * 40,
        "ghs_test_token",
    ]
    assert "ghs_test_token" not in result.log  # secrets are masked in the log


def test_workflow_dispatch_inputs_are_typed(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        on:
          workflow_dispatch:
            inputs:
              name: {type: string}
              dry-run: {type: boolean, default: false}
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ inputs.name }}|${{ inputs.dry-run }}|${{ github.ref }}"
              - if: ${{ !inputs.dry-run }}
                run: echo wet
    """,
        event_name="workflow_dispatch",
        event_path=EVENTS / "workflow_dispatch.json",
    )
    assert result.steps[0].stdout == "Mona the Octocat|false|refs/heads/master\n"
    assert result.steps[1].stdout == "wet\n"


def test_shells_and_working_directory(tmp_path: Path, ws: Path) -> None:
    (ws / "sub").mkdir()
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: default
                run: false | true
              - id: bash
                continue-on-error: true
                shell: bash
                run: false | true
              - id: py
                shell: python
                working-directory: sub
                run: |
                  import os
                  print(os.path.basename(os.getcwd()))
    """,
    )
    assert result.step("default").outcome == "success"  # no pipefail without `shell:`
    assert result.step("bash").outcome == "failure"  # `shell: bash` has pipefail
    assert result.step("py").stdout == "sub\n"


def test_timeout_minutes(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - timeout-minutes: 0.02
                run: sleep 30
    """,
    )
    assert result.steps[0].outcome == "failure"
    assert result.steps[0].duration_s < 10
    assert any("timed out" in m for m in result.errors())


# --- conditions -------------------------------------------------------------------------------


def test_if_always_and_failure_after_a_failed_step(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: boom
                run: exit 3
              - id: skipped
                run: echo never
              - id: always
                if: always()
                run: echo "${{ steps.boom.outcome }} ${{ job.status }}"
              - id: on-failure
                if: failure() && steps.boom.conclusion == 'failure'
                run: echo cleanup
    """,
    )
    assert result.conclusion == "failure"
    assert result.step("boom").exit_code == 3
    assert result.step("skipped").outcome == "skipped"
    assert result.step("always").stdout == "failure failure\n"
    assert result.step("on-failure").stdout == "cleanup\n"
    assert "Process completed with exit code 3." in result.errors()


def test_continue_on_error(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: flaky
                continue-on-error: true
                run: exit 1
              - run: echo "${{ steps.flaky.outcome }}/${{ steps.flaky.conclusion }}"
    """,
    )
    assert result.conclusion == "success"
    assert (result.step("flaky").outcome, result.step("flaky").conclusion) == ("failure", "success")
    assert result.steps[1].stdout == "failure/success\n"


def test_secrets_in_a_step_if_are_rejected_as_on_github(tmp_path: Path, ws: Path) -> None:
    with pytest.raises(ExpressionError, match="secrets"):
        job(
            tmp_path,
            """
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - if: secrets.GITHUB_TOKEN != ''
                    run: echo hi
        """,
        )


# --- workflow commands ------------------------------------------------------------------------


def test_workflow_commands(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - name: commands
                env:
                  HOSTILE: "::warning::injected"
                run: |
                  echo "::error file=a,line=3::msg"
                  echo "   ::notice title=T%3A1%2C2::spaced%25 out"
                  echo "::add-mask::hunter2"
                  echo "the password is hunter2"
                  echo "::stop-commands::tok123"
                  echo "$HOSTILE"
                  echo "::error::not a command while stopped"
                  echo "::tok123::"
                  echo "::debug::after resume"
                  echo "::not-a-command::ignored"
              - name: stderr
                run: echo "::warning::from stderr" >&2
    """,
    )
    found = [(a.level, a.message, a.properties) for a in result.annotations]
    assert found == [
        ("error", "msg", {"file": "a", "line": "3"}),
        ("notice", "spaced% out", {"title": "T:1,2"}),
        ("debug", "after resume", {}),
        ("warning", "from stderr", {}),
    ]
    assert result.annotations[0].step == "commands"
    assert "the password is ***" in result.log and "hunter2" not in result.log
    assert "hunter2" in result.steps[0].stdout  # the raw output keeps it, for assertions


@pytest.mark.parametrize("end", ["\\r", "\\n", "\\r\\n"])
def test_a_command_starts_after_every_line_end_the_runner_honours(
    tmp_path: Path, ws: Path, end: str
) -> None:
    """The runner reads output with .NET's ReadLine, which ends a line at CR, LF or CRLF."""
    result = job(
        tmp_path,
        f"""
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  printf 'x{end}::error::one{end}::add-mask::hunter2{end}'
                  printf '::stop-commands::tok{end}::error::stopped{end}::tok::{end}'
                  printf '::warning::two{end}hunter2'
    """,
    )
    found = [(a.level, a.message) for a in result.annotations]
    assert found == [("error", "one"), ("warning", "two")]
    assert "hunter2" in result.masks and "x" in result.log.splitlines()


def test_disabled_and_deprecated_commands(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: legacy
                run: echo "::set-output name=x::1"
              - id: setenv
                run: echo "::set-env name=EVIL::1"
              - if: always()
                run: echo "[$EVIL]"
    """,
    )
    assert result.step("legacy").outputs == {"x": "1"}  # still honoured, with a warning
    assert any("set-output` command is deprecated" in a.message for a in result.annotations)
    assert result.step("setenv").outcome == "failure"
    assert result.rejected_commands == ["::set-env name=EVIL::1"]
    assert result.steps[2].stdout == "[]\n"


# --- composite actions ------------------------------------------------------------------------

COMPOSITE = """
    name: greet
    inputs:
      who:
        required: true
      token:
        default: ${{ github.token }}
      fail:
        default: "false"
    outputs:
      greeting:
        value: ${{ steps.say.outputs.greeting }}
      token-length:
        value: ${{ steps.say.outputs.length }}
    runs:
      using: composite
      steps:
        - id: say
          shell: bash
          env:
            WHO: ${{ inputs.who }}
            TOKEN: ${{ inputs.token }}
          run: |
            echo "greeting=hello $WHO" >> "$GITHUB_OUTPUT"
            echo "length=${#TOKEN}" >> "$GITHUB_OUTPUT"
            test -f "$GITHUB_ACTION_PATH/action.yml"
            test "${{ github.action_path }}" = "$GITHUB_ACTION_PATH"
        - if: inputs.fail == 'true'
          shell: bash
          run: exit 7
        - if: failure()
          shell: bash
          run: echo "inner cleanup ran"
"""


def test_composite_outputs_inputs_and_defaults(tmp_path: Path, ws: Path) -> None:
    write(ws / ".github" / "actions" / "greet" / "action.yml", COMPOSITE)
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: greet
                uses: ./.github/actions/greet
                with:
                  who: ${{ github.event.sender.login }}
              - run: echo "${{ steps.greet.outputs.greeting }}"
    """,
    )
    assert result.conclusion == "success"
    assert result.step("greet").outputs == {
        "greeting": "hello Codertocat",
        "token-length": str(len("ghs_test_token")),
    }
    assert result.steps[1].stdout == "hello Codertocat\n"
    assert [s.outcome for s in result.step("greet").steps] == ["success", "skipped", "skipped"]


def test_a_failing_inner_step_fails_the_calling_step(tmp_path: Path, ws: Path) -> None:
    action = write(tmp_path / "actions" / "greet" / "action.yml", COMPOSITE).parent
    result = run_action(
        action,
        with_={"who": "x", "fail": "true", "extra": "?"},
        workspace=ws,
        state_dir=tmp_path / "state",
    )
    assert result.conclusion == "failure"
    inner = result.step("action").steps
    assert [s.outcome for s in inner] == ["success", "failure", "success"]
    assert inner[2].stdout == "inner cleanup ran\n"
    assert any("Unexpected input(s) 'extra'" in a.message for a in result.annotations)


def test_actions_from_the_mapping_and_missing_actions(tmp_path: Path, ws: Path) -> None:
    write(tmp_path / "repos" / "acme" / "tools" / "greet" / "action.yml", COMPOSITE)
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: mapped
                uses: acme/tools/greet@v1
                with:
                  who: mapped
              - id: missing
                uses: nobody/nothing@v1
              - id: local-missing
                if: always()
                uses: ./not/here
    """,
        actions={"acme/tools": tmp_path / "repos" / "acme" / "tools"},
    )
    assert result.step("mapped").outputs["greeting"] == "hello mapped"
    assert result.step("missing").outcome == "failure"
    assert result.step("local-missing").outcome == "failure"
    assert any("Unable to resolve action `nobody/nothing@v1`" in m for m in result.errors())
    assert any("Can't find 'action.yml'" in m for m in result.errors())


# --- stubs ------------------------------------------------------------------------------------


def test_checkout_stub_is_strict(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: good
                uses: actions/checkout@v4
                with:
                  persist-credentials: false
              - id: default
                if: always()
                uses: actions/checkout@v4
              - id: typo
                if: always()
                uses: actions/checkout@v4
                with:
                  persist-credential: false
    """,
    )
    assert result.step("good").recorded["persist-credentials"] is False
    assert result.step("good").outcome == "success"
    assert result.step("default").outcome == "failure"
    assert result.step("typo").outcome == "failure"
    assert any("unexpected input(s) ['persist-credential']" in m for m in result.errors())


def test_checkout_refuses_fork_code_in_a_trusted_context(tmp_path: Path, ws: Path) -> None:
    payload = json.loads((EVENTS / "pull_request.opened.json").read_text())
    payload["pull_request"]["head"]["repo"].update(id=1, full_name="forker/Hello-World")
    path = write(tmp_path / "events" / "fork.json", json.dumps(payload))
    result = job(
        tmp_path,
        """
        on: pull_request_target
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: base
                uses: actions/checkout@v7
                with:
                  persist-credentials: false
              - id: fork-head
                uses: actions/checkout@v7
                with:
                  ref: ${{ github.event.pull_request.head.sha }}
                  persist-credentials: false
    """,
        event_name="pull_request_target",
        event_path=path,
    )
    assert result.step("base").outcome == "success"
    assert result.step("fork-head").outcome == "failure"
    assert any("Refusing to check out fork pull request code" in m for m in result.errors())


def test_setup_python_puts_a_venv_first(tmp_path: Path, ws: Path) -> None:
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: py
                uses: actions/setup-python@v5
                with:
                  python-version: "3.x"
              - run: |
                  python -c "import sys, yaml; print(sys.prefix)"
                  python -m pip --version
    """,
    )
    assert result.conclusion == "success", result.log
    prefix = result.steps[1].stdout.splitlines()[0]
    assert Path(result.step("py").outputs["python-path"]).parent.parent == Path(prefix)
    assert prefix.startswith(str(tmp_path / "state"))


CACHE_JOB = """
    jobs:
      j:
        runs-on: ubuntu-latest
        steps:
          - id: cache
            uses: actions/cache@v4
            with:
              path: |
                ~/.cache/thing
                build
              key: thing-${{ hashFiles('lock.txt') }}
              restore-keys: |
                thing-
          - run: |
              echo "hit=${{ steps.cache.outputs.cache-hit }}"
              cat ~/.cache/thing/data build/out 2>/dev/null || echo "empty"
              mkdir -p ~/.cache/thing build
              echo "$RUN" > ~/.cache/thing/data
              echo "$RUN" > build/out
"""


def test_cache_saves_in_a_post_step_and_restores_with_restore_keys(
    tmp_path: Path, ws: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (ws / "lock.txt").write_text("v1")

    def run(n: int) -> JobResult:
        return job(tmp_path, CACHE_JOB, env={"HOME": str(home), "RUN": str(n)})

    first = run(1)
    assert first.steps[1].stdout == "hit=false\nempty\n"
    assert [s.name for s in first.post_steps] == ["Post Run actions/cache@v4"]
    assert first.post_steps[0].recorded["saved"].startswith("thing-")
    (ws / "lock.txt").write_text("v2")  # new key: only the restore-keys prefix matches
    second = run(2)
    assert second.steps[1].stdout == "hit=false\n1\n1\n"
    third = run(3)  # the exact key now exists: a hit, and no save
    assert third.steps[1].stdout == "hit=true\n2\n2\n"
    assert "saved" not in third.post_steps[0].recorded


def test_a_cache_restores_relative_to_the_workspace_it_is_restored_in(
    tmp_path: Path, ws: Path
) -> None:
    """actions/cache archives paths relative to GITHUB_WORKSPACE and extracts them there:
    a later job in another workspace gets the files in its own, not the first one's."""
    home = tmp_path / "home"
    home.mkdir()
    (ws / "lock.txt").write_text("v1")
    first = job(tmp_path, CACHE_JOB, env={"HOME": str(home), "RUN": "1"})
    assert first.post_steps[0].recorded["saved"].startswith("thing-")
    shutil.rmtree(ws)
    shutil.rmtree(home / ".cache")
    other = tmp_path / "other"
    other.mkdir()
    (other / "lock.txt").write_text("v1")
    second = job(tmp_path, CACHE_JOB, env={"HOME": str(home), "RUN": "2"}, workspace=other)
    assert second.steps[1].stdout == "hit=true\n1\n1\n"
    assert not ws.exists()  # nothing went back to the first job's workspace


def test_upload_then_download_across_runs(tmp_path: Path, ws: Path) -> None:
    write(ws / "out" / "report.json", "{}")
    write(ws / "out" / "deep" / "metrics.txt", "0.9")
    write(ws / "out" / ".hidden", "secret")
    upload = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: up
                uses: actions/upload-artifact@v4
                with:
                  name: results
                  path: out/
              - id: none
                uses: actions/upload-artifact@v4
                with:
                  name: nothing
                  path: no-such-dir/
                  if-no-files-found: error
    """,
        run_id=111,
    )
    assert upload.step("up").recorded["files"] == ["deep/metrics.txt", "report.json"]
    assert upload.step("none").outcome == "failure"
    download = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: down
                uses: actions/download-artifact@v4
                with:
                  name: results
                  path: got
                  run-id: 111
                  github-token: ${{ secrets.GITHUB_TOKEN }}
              - run: cat got/deep/metrics.txt
              - id: same-run
                if: always()
                uses: actions/download-artifact@v4
                with:
                  name: results
    """,
        run_id=222,
    )
    assert download.steps[1].stdout == "0.9"
    assert not (ws / "got" / ".hidden").exists()
    # without github-token, run-id is ignored: this run (222) has no such artifact
    assert download.step("same-run").outcome == "failure"


def test_upload_multi_line_paths_hidden_files_and_download_all(tmp_path: Path, ws: Path) -> None:
    write(ws / "reports" / "a" / "report.md", "# a")
    write(ws / "reports" / "b" / ".mlgate" / "state.json", "{}")
    write(ws / "model.txt", "m")
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - id: up
                uses: actions/upload-artifact@v4
                with:
                  name: bundle
                  path: |
                    reports/
                    !reports/a/
                    model.txt
                  include-hidden-files: true
              - id: plain
                uses: actions/upload-artifact@v4
                with:
                  name: plain
                  path: reports/b/
              - id: down
                uses: actions/download-artifact@v4
                with:
                  path: all
    """,
    )
    # multi-line paths are stored relative to their common root (here the workspace)
    assert result.step("up").recorded["files"] == ["model.txt", "reports/b/.mlgate/state.json"]
    assert result.step("plain").outcome == "success"  # nothing but hidden files: a warning
    assert any("No files were found" in a.message for a in result.annotations)
    assert result.step("down").recorded["artifacts"] == ["bundle"]
    assert (ws / "all" / "bundle" / "reports" / "b" / ".mlgate" / "state.json").exists()


# --- jobs -------------------------------------------------------------------------------------


def test_needs_order_outputs_and_job_if(tmp_path: Path, ws: Path) -> None:
    wf = write(
        tmp_path / "wf" / "ci.yml",
        """
        on: push
        permissions:
          contents: read
        jobs:
          report:
            needs: [train, lint]
            if: always()
            runs-on: ubuntu-latest
            environment: ${{ needs.train.outputs.stage }}
            permissions:
              pull-requests: write
            steps:
              - run: |
                  echo "${{ needs.train.outputs.score }} ${{ needs.lint.result }}"
                  test ! -e from-train  # every job starts from the checkout
          train:
            runs-on: ubuntu-latest
            outputs:
              score: ${{ steps.fit.outputs.score }}
              stage: staging
            steps:
              - id: fit
                run: |
                  touch from-train
                  echo "score=0.93" >> "$GITHUB_OUTPUT"
          lint:
            if: github.event_name == 'pull_request'
            runs-on: ubuntu-latest
            steps:
              - run: echo lint
    """,
    )
    results = run_workflow(
        wf, workspace=ws, state_dir=tmp_path / "state", event_path=EVENTS / "push.json"
    )
    assert list(results) == ["train", "lint", "report"]
    assert results["lint"].conclusion == "skipped"
    report = results["report"]
    assert report.steps[0].stdout == "0.93 skipped\n"
    assert report.conclusion == "success"
    assert report.permissions == {"pull-requests": "write"}
    assert results["train"].permissions == {"contents": "read"}
    assert report.environment == "staging"
    single = run_job(
        wf, "train", workspace=ws, state_dir=tmp_path / "state", event_path=EVENTS / "push.json"
    )
    assert single.outputs == {"score": "0.93", "stage": "staging"}


def test_a_failed_need_skips_the_job(tmp_path: Path, ws: Path) -> None:
    wf = write(
        tmp_path / "wf" / "ci.yml",
        """
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: exit 1
          b:
            needs: a
            runs-on: ubuntu-latest
            steps:
              - run: echo never
    """,
    )
    results = run_workflow(wf, workspace=ws, state_dir=tmp_path / "state")
    assert [r.conclusion for r in results.values()] == ["failure", "skipped"]


def test_run_ids_are_distinct_by_default(tmp_path: Path, ws: Path) -> None:
    text = "jobs:\n  j:\n    runs-on: x\n    steps:\n      - run: echo $GITHUB_RUN_ID\n"
    ids = {job(tmp_path, text).steps[0].stdout for _ in range(2)}
    assert len(ids) == 2 and all(i.strip().isdigit() for i in ids)
    assert os.environ.get("GITHUB_RUN_ID") not in ids


# --- matrices ---------------------------------------------------------------------------------


def workflow(tmp_path: Path, text: str, **kw: Any) -> dict[str, JobResult]:
    """Every job of a workflow written in the test, on a push."""
    kw.setdefault("event_path", EVENTS / "push.json")
    wf = write(tmp_path / "wf" / "ci.yml", text)
    return run_workflow(wf, workspace=tmp_path / "ws", state_dir=tmp_path / "state", **kw)


def test_a_matrix_is_the_product_less_exclude_then_include(tmp_path: Path, ws: Path) -> None:
    """Each combination is a job of its own, from the checkout, in GitHub's order: include
    extends the combinations whose original values it keeps, else makes a new one."""
    result = job(
        tmp_path,
        """
        jobs:
          j:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [linux, mac]
                py: [10, 11]
                exclude:
                  - {os: mac, py: 10}
                include:
                  - {flavour: plain}
                  - {os: mac, flavour: fancy}
                  - {py: 11, tier: slow}
                  - {os: windows, py: 12}
                  - {os: windows, tier: fast}
            steps:
              - env:
                  MATRIX: ${{ toJSON(matrix) }}
                run: |
                  test ! -e from-an-earlier-instance
                  touch from-an-earlier-instance
                  echo "${{ strategy.job-index }}/${{ strategy.job-total }} $MATRIX"
    """,
    )
    assert [i.matrix for i in result.instances] == [
        {"os": "linux", "py": 10, "flavour": "plain"},
        {"os": "linux", "py": 11, "flavour": "plain", "tier": "slow"},
        {"os": "mac", "py": 11, "flavour": "fancy", "tier": "slow"},
        {"os": "windows", "py": 12},  # fits no original combination
        {"os": "windows", "tier": "fast"},  # nor does this, and it leaves the one above be
    ]
    assert [i.conclusion for i in result.instances] == ["success"] * 5
    assert result.conclusion == "success" and result.steps == []
    first, *_, last = (i.steps[0].stdout.split(" ", 1) for i in result.instances)
    assert first[0] == "0/5" and json.loads(first[1]) == result.instances[0].matrix
    assert last[0] == "4/5" and json.loads(last[1]) == {"os": "windows", "tier": "fast"}
    assert [i.name for i in result.instances][:2] == [
        "j (linux, 10, plain)",
        "j (linux, 11, plain, slow)",
    ]


def test_include_alone_from_a_previous_jobs_output(tmp_path: Path, ws: Path) -> None:
    """The sweep workflow's shape: one job plans a matrix as JSON, the next expands it with
    fromJSON; a later job sees the instances merged (the last to set an output wins, an
    empty output sets nothing)."""
    results = workflow(
        tmp_path,
        """
        jobs:
          plan:
            runs-on: ubuntu-latest
            outputs:
              matrix: ${{ steps.plan.outputs.matrix }}
            steps:
              - id: plan
                env:
                  MATRIX: >-
                    {"include": [{"shard": "1/2", "ids": "a,b"},
                    {"shard": "2/2", "ids": "c"}]}
                run: echo "matrix=$MATRIX" >> "$GITHUB_OUTPUT"
          run:
            name: Run ${{ matrix.shard }}
            needs: plan
            runs-on: ubuntu-latest
            strategy:
              matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
            outputs:
              last: ${{ steps.out.outputs.last }}
              first: ${{ steps.first.outputs.first }}
            steps:
              - id: out
                run: echo "last=${{ matrix.ids }}" >> "$GITHUB_OUTPUT"
              - id: first
                if: strategy.job-index == 0
                run: echo "first=a,b" >> "$GITHUB_OUTPUT"
          after:
            needs: run
            runs-on: ubuntu-latest
            steps:
              - run: >-
                  echo "${{ needs.run.result }} ${{ needs.run.outputs.last }}
                  ${{ needs.run.outputs.first }}"
    """,
    )
    run = results["run"]
    assert [i.name for i in run.instances] == ["Run 1/2", "Run 2/2"]
    assert [i.matrix for i in run.instances] == [
        {"shard": "1/2", "ids": "a,b"},
        {"shard": "2/2", "ids": "c"},
    ]
    assert run.instances[1].outputs == {"last": "c", "first": ""}
    assert run.outputs == {"last": "c", "first": "a,b"}
    assert results["after"].steps[0].stdout == "success c a,b\n"


def test_a_skipped_matrix_job_is_never_expanded(tmp_path: Path, ws: Path) -> None:
    """Its `if:` is decided before its matrix: fromJSON of a skipped job's empty output is
    not an error, the job is skipped."""
    results = workflow(
        tmp_path,
        """
        jobs:
          plan:
            if: github.event_name == 'workflow_dispatch'
            runs-on: ubuntu-latest
            outputs:
              matrix: '{"include": [{"n": 1}]}'
            steps:
              - run: echo plan
          run:
            needs: plan
            runs-on: ubuntu-latest
            strategy:
              matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
            steps:
              - run: echo never
    """,
    )
    assert [r.conclusion for r in results.values()] == ["skipped", "skipped"]
    assert results["run"].instances == [] and results["run"].errors() == []


@pytest.mark.parametrize("fail_fast", [None, True, False])
def test_fail_fast_cancels_the_instances_not_yet_started(
    tmp_path: Path, ws: Path, fail_fast: bool | None
) -> None:
    """fail-fast (true unless set) cancels what has not started once an instance fails;
    either way the jobs that need the matrix see it failed."""
    setting = "" if fail_fast is None else f"fail-fast: {str(fail_fast).lower()}"
    results = workflow(
        tmp_path,
        f"""
        jobs:
          m:
            runs-on: ubuntu-latest
            strategy:
              {setting}
              matrix:
                n: [1, 2, 3]
            steps:
              - run: test "${{{{ matrix.n }}}}" != 1 && echo "ran ${{{{ strategy.fail-fast }}}}"
          report:
            needs: m
            if: always()
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{{{ needs.m.result }}}}"
          after:
            needs: m
            runs-on: ubuntu-latest
            steps:
              - run: echo never
    """,
    )
    m = results["m"]
    if fail_fast is False:
        assert [i.conclusion for i in m.instances] == ["failure", "success", "success"]
        assert [i.steps[0].stdout for i in m.instances[1:]] == ["ran false\n"] * 2
    else:
        assert [i.conclusion for i in m.instances] == ["failure", "cancelled", "cancelled"]
        assert [i.steps for i in m.instances[1:]] == [[], []]
    assert m.conclusion == "failure"
    assert results["report"].steps[0].stdout == "failure\n"
    assert results["after"].conclusion == "skipped"


def test_more_than_256_jobs_is_an_error(tmp_path: Path, ws: Path) -> None:
    """As written, the workflow is invalid; made at run time, the job fails and says why."""
    assert len(expand_matrix({"n": list(range(256))})) == 256
    with pytest.raises(StrategyError, match="exceeded 256"):
        job(
            tmp_path,
            """
            jobs:
              j:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
                    b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
                steps:
                  - run: echo never
        """,
        )
    results = workflow(
        tmp_path,
        """
        jobs:
          plan:
            runs-on: ubuntu-latest
            outputs:
              matrix: ${{ steps.plan.outputs.matrix }}
            steps:
              - id: plan
                shell: python
                run: |
                  import json, os
                  include = [{"n": n} for n in range(257)]
                  with open(os.environ["GITHUB_OUTPUT"], "a") as out:
                      out.write(f"matrix={json.dumps({'include': include})}\\n")
          run:
            needs: plan
            runs-on: ubuntu-latest
            strategy:
              matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
            steps:
              - run: echo never
          report:
            needs: run
            if: always()
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ needs.run.result }}"
    """,
    )
    assert results["run"].conclusion == "failure" and results["run"].instances == []
    (error,) = results["run"].errors()
    assert "Error when evaluating 'strategy' for job 'run'" in error and "exceeded 256" in error
    assert results["report"].steps[0].stdout == "failure\n"


@pytest.mark.parametrize(
    ("matrix", "says"),
    [
        ({"os": []}, "Matrix vector 'os' does not contain any values"),
        ({"os": ["a"], "exclude": [{"py": 1}]}, "Matrix exclude key 'py' does not match"),
        ({"include": []}, "Matrix must define at least one vector"),
        ({"os": ["a"], "exclude": [{"os": "a"}]}, "Matrix must define at least one vector"),
    ],
)
def test_matrices_github_refuses(matrix: dict[str, Any], says: str) -> None:
    with pytest.raises(StrategyError, match=says):
        expand_matrix(matrix)
