"""Users' own model tests as model checks: `model_checks: - pytest: tests/model` runs pytest
on that path in its own process (mlgate's Python, so the fixtures of mlgate.pytest_plugin
are there), and each test it ran becomes a check of the run, read from pytest's JUnit XML.

pytest is the user's code running: it gets the run's MLGATE_* variables like training
does, the check's timeout, and its output in the run's log. A run of pytest that ends
without a report (a crash, a timeout, no tests collected) is one failed check saying so.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from mlgate import words
from mlgate.manifest.spec import Command, PytestCheck
from mlgate.result.records import CheckResult, CommandOutcome, Status

NO_TESTS = 5  # pytest's exit code when it collected nothing


def command(
    check: PytestCheck,
    report: Path,
    predictions: Path,
    manifest_path: Path,
    baseline: Mapping[str, str],
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
            f"--junitxml={report}",
        ),
        timeout_s=check.timeout_s,
        env={
            "MLGATE_MANIFEST": str(manifest_path),
            "MLGATE_PREDICTIONS": str(predictions),
            **baseline,
        },
    )


def results(check: PytestCheck, outcome: CommandOutcome, report: Path) -> list[CheckResult]:
    """One check per test pytest reported; or one failed check when it reported none."""
    try:
        cases = list(ET.parse(report).getroot().iter("testcase"))
    except (OSError, ET.ParseError):
        cases = []
    if not cases:
        return [_whole(check, outcome)]
    return [_case(check, case) for case in cases]


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
            message = words.clip(text.splitlines()[0] if text else tag, 300)
            break
    return CheckResult(
        id=f"model.pytest.{where}::{name}" if where else f"model.pytest.{name}",
        stage="model",
        subject=f"{where}::{name}" if where else name,
        rule=f"pytest {check.path}",
        status=status,
        message=message,
        observed=float(case.get("time", "0") or 0),
        manifest_key=check.key,
    )


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
