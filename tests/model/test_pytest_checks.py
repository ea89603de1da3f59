"""A pytest run that leaves no report is one failed check that says why."""

from __future__ import annotations

from pathlib import Path

from mlgate.manifest.spec import PytestCheck
from mlgate.model import pytest_checks
from mlgate.result.records import CommandOutcome

CHECK = PytestCheck(path="tests/model", key="model_checks[2]")


def outcome(
    code: int | None, *, timed_out: bool = False, tail: tuple[str, ...] = ()
) -> CommandOutcome:
    return CommandOutcome(
        command="python -m pytest tests/model",
        status="passed" if code == 0 else "error" if timed_out else "failed",
        exit_code=code,
        duration_s=1.0,
        timed_out=timed_out,
        log_tail=tail,
        message="`python -m pytest tests/model` timed out after 10m and was stopped"
        if timed_out
        else f"`python -m pytest tests/model` exited with code {code}",
    )


def test_no_tests_collected(tmp_path: Path) -> None:
    (found,) = pytest_checks.results(CHECK, outcome(5), tmp_path / "absent.xml")
    assert (found.status, found.message) == ("failed", "pytest collected no tests in tests/model")
    assert found.manifest_key == "model_checks[2]"


def test_a_timeout_or_a_crash_says_what_it_last_printed(tmp_path: Path) -> None:
    report = tmp_path / "cut.xml"
    report.write_text("<testsuites><testsuite")  # cut short by the kill
    (found,) = pytest_checks.results(
        CHECK, outcome(None, timed_out=True, tail=("collecting ...",)), report
    )
    assert found.status == "failed"
    assert found.message == (
        "`python -m pytest tests/model` timed out after 10m and was stopped; "
        "its last output: collecting ..."
    )


def test_the_command_is_argv_not_a_shell_line(tmp_path: Path) -> None:
    hostile = PytestCheck(path="tests; rm -rf ~", key="k")
    command = pytest_checks.command(hostile, tmp_path / "r.xml", tmp_path / "p.json", tmp_path)
    assert command.shell is None and command.argv is not None
    assert "tests; rm -rf ~" in command.argv  # one argument, handed to pytest as a path
