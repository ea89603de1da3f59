"""Users' own model tests as model checks: `model_checks: - pytest: tests/model` runs pytest
on that path in its own process (mlgate's Python, so the fixtures of mlgate.pytest_plugin
are there), and each test it ran becomes a check of the run, read from pytest's JUnit XML.

pytest is the user's code running: it gets the run's MLGATE_* variables like training
does, the check's timeout, and its output in the run's log.

pytest writes its JUnit XML only when the session ends, so a run stopped at its timeout
(one test that never returns) or killed leaves none. This module is also loaded into that
pytest as a plugin (`-p mlgate.model.pytest_checks`): its hooks below note each test as it
starts and ends in a progress file, and from that the tests that finished are checks as
usual, and the one that was running when pytest was stopped is named as the one that did
not finish. A run that ends with neither (a crash in collection, no tests) is one failed
check saying so.
"""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate import words
from mlgate.manifest.spec import Command, PytestCheck
from mlgate.result.records import CheckResult, CommandOutcome, Status

NO_TESTS = 5  # pytest's exit code when it collected nothing
PROGRESS = "MLGATE_PYTEST_PROGRESS"  # where the plugin notes each test as it starts and ends


def command(
    check: PytestCheck,
    report: Path,
    predictions: Path,
    manifest_path: Path,
    baseline: Mapping[str, str],
    progress: Path,
) -> Command:
    """pytest on the check's path, without a shell (the path is never parsed as a command);
    `baseline`: what the tests are told of the baseline's model (pipeline.stages)."""
    return Command(
        argv=(
            sys.executable,
            "-m",
            "pytest",
            check.path,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            __name__,
            f"--junitxml={report}",
        ),
        timeout_s=check.timeout_s,
        env={
            "MLGATE_MANIFEST": str(manifest_path),
            "MLGATE_PREDICTIONS": str(predictions),
            PROGRESS: str(progress),
            **baseline,
        },
    )


def results(
    check: PytestCheck, outcome: CommandOutcome, report: Path, progress: Path
) -> list[CheckResult]:
    """One check per test pytest reported; from its progress when it was stopped before
    reporting; else one failed check saying why there is none."""
    try:
        cases = list(ET.parse(report).getroot().iter("testcase"))
    except (OSError, ET.ParseError):
        cases = []
    if cases:
        return [_case(check, case) for case in cases]
    finished, running = _progress(progress)
    found = [
        _checked(check, *_address(nodeid), noted.status, noted.message, noted.seconds)
        for nodeid, noted in finished.items()
        if nodeid != running
    ]
    if running is not None:
        said = f"this test did not finish: {outcome.message or 'pytest was stopped'}"
        found.append(_checked(check, *_address(running), "failed", said, None))
    elif not found or (outcome.status != "passed" and not _explained(outcome, found)):
        found.append(_whole(check, outcome))
    return found


def _explained(outcome: CommandOutcome, found: list[CheckResult]) -> bool:
    """pytest's exit code 1 says tests failed: it is those tests' failure, not one more."""
    return outcome.exit_code == 1 and any(f.status in ("failed", "error") for f in found)


def _case(check: PytestCheck, case: ET.Element) -> CheckResult:
    name = case.get("name", "?")
    where = case.get("classname", "").replace(".", "/")
    if not where and "." in name:  # a module that failed to collect: pytest names it dotted
        where, name = name.replace(".", "/"), "(collection)"
    found = {child.tag: child for child in case}
    status: Status = "passed"
    message = "passed"
    outcomes: tuple[tuple[str, Status], ...] = (
        ("failure", "failed"),
        ("error", "error"),
        ("skipped", "skipped"),
    )
    for tag, said in outcomes:
        if tag in found:
            status = said
            text = found[tag].get("message") or (found[tag].text or "").strip()
            message = _first_line(text, tag)
            break
    return _checked(check, where, name, status, message, float(case.get("time", "0") or 0))


def _checked(
    check: PytestCheck, where: str, name: str, status: Status, message: str, seconds: float | None
) -> CheckResult:
    return CheckResult(
        id=f"model.pytest.{where}::{name}" if where else f"model.pytest.{name}",
        stage="model",
        subject=f"{where}::{name}" if where else name,
        rule=f"pytest {check.path}",
        status=status,
        message=message,
        observed=seconds,
        manifest_key=check.key,
    )


def _first_line(text: str, otherwise: str) -> str:
    return words.clip(text.strip().splitlines()[0] if text.strip() else otherwise, 300)


def _address(nodeid: str) -> tuple[str, str]:
    """A test's (where, name) as pytest's JUnit XML gives them, so that a test has one id
    whether it was read from the XML or from the progress notes."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]).replace(".", "/"), names[-1]


@dataclass
class _Noted:
    """A test's outcome so far: its worst phase's status and message, its phases' time."""

    status: Status
    message: str
    seconds: float


_WORSE: dict[str, int] = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def _progress(path: Path) -> tuple[dict[str, _Noted], str | None]:
    """The tests noted, each with its worst phase, and the one that started and did not
    finish (if any); a line cut short by the kill is passed over."""
    finished: dict[str, _Noted] = {}
    running: str | None = None
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return finished, None
    for line in lines:
        try:
            note = json.loads(line)
            nodeid, kind = str(note["test"]), note["note"]
            status, seconds = note.get("status", "passed"), float(note.get("seconds", 0))
            worse = _WORSE[status]
        except (ValueError, TypeError, KeyError):
            continue
        if kind == "start":
            running = nodeid
        elif kind == "finish":
            running = None
        elif (seen := finished.get(nodeid)) is None:
            finished[nodeid] = _Noted(status, str(note.get("message", "")), seconds)
        else:
            seen.seconds += seconds
            if worse > _WORSE[seen.status]:
                seen.status, seen.message = status, str(note.get("message", ""))
    return finished, running


# pytest's hooks: this module is also a plugin of the user's pytest (`-p`, in `command`)
def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    _note({"note": "start", "test": nodeid})


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    _note({"note": "finish", "test": nodeid})


def pytest_runtest_logreport(report: Any) -> None:
    """Each phase's outcome as pytest's JUnit XML says it: a failing call is a failure, a
    failing setup or teardown an error, a skip its reason."""
    status = report.outcome
    if status == "failed" and report.when != "call":
        status = "error"
    message = "passed"
    if isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        message = str(report.longrepr[2]).removeprefix("Skipped: ")
    elif status != "passed":
        crash = getattr(report.longrepr, "reprcrash", None)
        message = getattr(crash, "message", None) or str(report.longrepr or status)
    _note(
        {
            "note": "phase",
            "test": report.nodeid,
            "status": status,
            "message": _first_line(message, status),
            "seconds": report.duration,
        }
    )


def _note(note: dict[str, Any]) -> None:
    target = os.environ.get(PROGRESS)
    if target:  # a line at a time, so that a kill loses at most the one being written
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(note) + "\n")


def _whole(check: PytestCheck, outcome: CommandOutcome) -> CheckResult:
    if outcome.exit_code == NO_TESTS:
        said = f"pytest collected no tests in {check.path}"
    elif outcome.status == "passed":
        said = f"pytest reported no tests in {check.path}"
    else:
        last = f"; its last output: {outcome.log_tail[-1]}" if outcome.log_tail else ""
        said = f"{outcome.message}{last}"
    return CheckResult(
        id=f"model.pytest.{check.path}",
        stage="model",
        subject=check.path,
        rule=f"pytest {check.path}",
        status="failed",
        message=said,
        observed=None,
        manifest_key=check.key,
    )
