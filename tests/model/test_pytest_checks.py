"""A pytest run that leaves no report is one failed check that says why; the tests are told
the baseline's model, or why there is none."""

from __future__ import annotations

import json
from pathlib import Path

from mlgate.compare import baseline
from mlgate.manifest.spec import PytestCheck
from mlgate.model import pytest_checks
from mlgate.pipeline import stages
from mlgate.result.records import Baseline, CommandOutcome

CHECK = PytestCheck(path="tests/model", key="model_checks[2]")
NO_NOTES = Path("/nonexistent/pytest-0.jsonl")


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
    (found,) = pytest_checks.results(CHECK, outcome(5), tmp_path / "absent.xml", NO_NOTES)
    assert (found.status, found.message) == ("failed", "pytest collected no tests in tests/model")
    assert found.manifest_key == "model_checks[2]"


def test_a_timeout_or_a_crash_says_what_it_last_printed(tmp_path: Path) -> None:
    report = tmp_path / "cut.xml"
    report.write_text("<testsuites><testsuite")  # cut short by the kill
    (found,) = pytest_checks.results(
        CHECK, outcome(None, timed_out=True, tail=("collecting ...",)), report, NO_NOTES
    )
    assert found.status == "failed"
    assert found.message == (
        "`python -m pytest tests/model` timed out after 10m and was stopped; "
        "its last output: collecting ..."
    )


def test_the_command_is_argv_not_a_shell_line(tmp_path: Path) -> None:
    hostile = PytestCheck(path="tests; rm -rf ~", key="k")
    command = pytest_checks.command(
        hostile,
        tmp_path / "r.xml",
        tmp_path / "p.json",
        tmp_path,
        {"MLGATE_BASELINE_MODEL": "m"},
        tmp_path / "notes.jsonl",
    )
    assert command.shell is None and command.argv is not None
    assert "tests; rm -rf ~" in command.argv  # one argument, handed to pytest as a path
    assert command.env["MLGATE_BASELINE_MODEL"] == "m"


def at_main(source: str, message: str) -> baseline.Found:
    return baseline.Found(
        info=Baseline(kind="git", name="main @ 1a2b3c4", source=source, message=message)
    )


def test_the_tests_are_told_the_baselines_model_or_why_there_is_none(tmp_path: Path) -> None:
    model = baseline.KeptModel(tmp_path / "k.model.skops", ".skops")
    scored = baseline.Found(info=Baseline(kind="git", name="main @ 1a2b3c4"), model=model)
    assert stages.baseline_env(scored) == {
        "MLGATE_BASELINE_MODEL": str(tmp_path / "k.model.skops"),
        "MLGATE_BASELINE_MODEL_SUFFIX": ".skops",
    }
    said = {
        "none": baseline.Found(info=Baseline(kind="none", message="none was named by X")),
        "file": baseline.Found(
            info=Baseline(kind="file", name="base.json", source=baseline.OWN_RUN)
        ),
        "stored": at_main(
            baseline.STORED, "stored metrics: the data they were measured on cannot be checked"
        ),
        "failed": at_main(
            "unavailable", "the baseline's own run failed in its train stage: exit 1"
        ),
        "unscored": at_main(
            baseline.OWN_RUN,
            "its model could not score the candidate's rows (a column is missing)",
        ),
    }
    assert {k: stages.baseline_env(v) for k, v in said.items()} == {
        "none": {"MLGATE_BASELINE_MODEL_MISSING": "none was named by X"},
        "file": {
            "MLGATE_BASELINE_MODEL_MISSING": "the baseline (base.json) is its own run result: "
            "it holds no model to load"
        },
        "stored": {
            "MLGATE_BASELINE_MODEL_MISSING": "the baseline (main @ 1a2b3c4) is stored metrics: "
            "it holds no model to load"
        },
        "failed": {
            "MLGATE_BASELINE_MODEL_MISSING": "the baseline's own run failed in its train "
            "stage: exit 1"
        },
        "unscored": {
            "MLGATE_BASELINE_MODEL_MISSING": "its model could not score the candidate's rows "
            "(a column is missing)"
        },
    }
    assert stages.baseline_env(None) == {
        "MLGATE_BASELINE_MODEL_MISSING": "this run is not compared with a baseline"
    }


def test_a_module_that_failed_to_collect_is_named_as_the_others(tmp_path: Path) -> None:
    """pytest's JUnit case for a collection error has no classname and a dotted name: its
    check read `model.pytest.::tests.model.broken`, beside `tests/model/test_a::name`."""
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest" tests="2">'
        '<testcase classname="tests.model.test_a" name="test_ok" time="0.01"/>'
        '<testcase classname="" name="tests.model.broken" time="0">'
        '<error message="collection failure">ImportError</error></testcase>'
        "</testsuite></testsuites>"
    )
    ok, broken = pytest_checks.results(CHECK, outcome(1), report, NO_NOTES)
    assert ok.id == "model.pytest.tests/model/test_a::test_ok"
    assert (broken.id, broken.subject, broken.status, broken.message) == (
        "model.pytest.tests/model/broken::(collection)",
        "tests/model/broken::(collection)",
        "error",
        "collection failure",
    )


def notes(path: Path, *lines: dict) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_stopped_before_its_report_the_tests_noted_are_checks_and_the_running_one_failed(
    tmp_path: Path,
) -> None:
    """What the plugin noted of a pytest stopped at its timeout: finished tests keep their
    worst phase (an error in teardown after a passing call), a skip its reason, and the
    test that started and never finished is named; a line cut by the kill is passed over."""
    a, b, c, d = (f"tests/model/test_a.py::Test::test_{x}[1-x]" for x in "abcd")
    progress = notes(
        tmp_path / "pytest-0.jsonl",
        {"note": "start", "test": a},
        {"note": "phase", "test": a, "status": "passed", "message": "passed", "seconds": 0.5},
        {"note": "phase", "test": a, "status": "passed", "message": "passed", "seconds": 1.0},
        {"note": "phase", "test": a, "status": "error", "message": "boom", "seconds": 0.25},
        {"note": "finish", "test": a},
        {"note": "start", "test": b},
        {"note": "phase", "test": b, "status": "skipped", "message": "no GPU", "seconds": 0},
        {"note": "finish", "test": b},
        {"note": "start", "test": c},
        {"note": "phase", "test": c, "status": "passed", "message": "passed", "seconds": 0.1},
    )
    with progress.open("a") as cut:
        cut.write('{"note": "phase", "test": "' + d)
    found = pytest_checks.results(
        CHECK, outcome(None, timed_out=True), tmp_path / "absent.xml", progress
    )
    assert [(f.id, f.status, f.message, f.observed) for f in found] == [
        ("model.pytest.tests/model/test_a/Test::test_a[1-x]", "error", "boom", 1.75),
        ("model.pytest.tests/model/test_a/Test::test_b[1-x]", "skipped", "no GPU", 0.0),
        (
            "model.pytest.tests/model/test_a/Test::test_c[1-x]",
            "failed",
            "this test did not finish: `python -m pytest tests/model` timed out after 10m "
            "and was stopped",
            None,
        ),
    ]
    assert {f.manifest_key for f in found} == {"model_checks[2]"}


def test_every_test_noted_and_still_a_failure_says_the_whole_runs(tmp_path: Path) -> None:
    """pytest crashed after its last test (no XML, nothing running): the tests are checks,
    and the crash is one more, so the run does not pass on the tests alone."""
    t = "tests/model/test_a.py::test_ok"
    progress = notes(
        tmp_path / "p.jsonl",
        {"note": "start", "test": t},
        {"note": "phase", "test": t, "status": "passed", "message": "passed", "seconds": 0.1},
        {"note": "finish", "test": t},
    )
    ok, whole = pytest_checks.results(CHECK, outcome(1), tmp_path / "absent.xml", progress)
    assert (ok.id, ok.status) == ("model.pytest.tests/model/test_a::test_ok", "passed")
    assert (whole.id, whole.status) == ("model.pytest.tests/model", "failed")
    assert whole.message == "`python -m pytest tests/model` exited with code 1"
