"""Users' own model tests through `model_checks: - pytest: tests/model`: each test is a
check of the run (in the report, the verdict and JUnit), the fixtures give the run's own
model, data and predictions, the same tests run by hand with plain pytest, and the plugin
adds nothing to a pytest run that does not use it.

Only the registry stage's model is trained for real (`make_project`); every other run's
training is a process that copies the model fitted ahead for its C (tests/compare/picked.py:
the same fit), since these tests are about what the plugin does with a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate.manifest.spec import PytestCheck
from mlgate.model import pytest_checks
from mlgate.result.records import CommandOutcome
from tests import projects
from tests.compare import picked
from tests.conftest import REPO_ROOT, git
from tests.test_cli import mlgate

pytestmark = pytest.mark.e2e  # mlgate and pytest in their own processes, training once

CHECK = PytestCheck(path="tests/model", key="model_checks[2]")

USER_TESTS = """\
def test_setosa_is_always_recognised(mlgate_predictions):
    setosa = mlgate_predictions[mlgate_predictions.y_true == "setosa"]
    assert len(setosa) > 5 and (setosa.y_pred == "setosa").all()


def test_the_fixtures_are_the_runs(mlgate_model, mlgate_features, mlgate_predictions,
                                   mlgate_manifest):
    assert mlgate_manifest.name == "iris"
    assert list(mlgate_model.predict(mlgate_features)) == list(mlgate_predictions.y_pred)
    assert {"proba_setosa", "proba_versicolor", "proba_virginica"} <= set(mlgate_predictions)


def test_a_rule_the_model_breaks(mlgate_data):
    assert len(mlgate_data.train) < 10, "the training data has too many rows"
"""


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_each_user_test_is_a_check_of_the_run(tmp_path: Path) -> None:
    manifest = projects.IRIS_MANIFEST + "  - {pytest: tests/model}\n"
    # "training" copies the model fitted ahead for params.yaml's C (tests/compare/picked.py)
    files = picked.iris_files(manifest)
    files["tests/model/test_iris.py"] = USER_TESTS
    root = picked.write(tmp_path, files)
    done = mlgate("run", "--json", cwd=root)
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    mine = {
        c["subject"]: c for c in result["model"]["checks"] if c["id"].startswith("model.pytest")
    }
    assert {s.rpartition("::")[2]: c["status"] for s, c in mine.items()} == {
        "test_setosa_is_always_recognised": "passed",
        "test_the_fixtures_are_the_runs": "passed",
        "test_a_rule_the_model_breaks": "failed",
    }
    (failed,) = [c for c in mine.values() if c["status"] == "failed"]
    assert "the training data has too many rows" in failed["message"]
    assert failed["manifest_key"] == "model_checks[1]"
    assert "test_a_rule_the_model_breaks" in result["summary"]
    junit = mlgate("report", "--format", "junit", cwd=root)
    cases = [c.get("name", "") for c in ET.fromstring(junit.stdout).iter("testcase")]
    assert any(name.endswith("::test_a_rule_the_model_breaks") for name in cases), cases
    # the same tests by hand: the fixtures find mlops.yaml and score the model themselves
    by_hand = pytest_in(root, "tests/model")
    assert "1 failed, 2 passed" in by_hand.stdout, by_hand.stdout


def test_the_plugin_adds_nothing_to_a_run_that_does_not_use_it(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    with_plugin, without = pytest_in(tmp_path), pytest_in(tmp_path, "-p", "no:mlgate")
    assert with_plugin.returncode == without.returncode == 0
    assert "mlgate" not in with_plugin.stdout + with_plugin.stderr
    assert "1 passed" in with_plugin.stdout
    help_text = pytest_in(tmp_path, "--help").stdout
    assert "mlgate" not in help_text  # no option of its own
    fixtures = pytest_in(tmp_path, "--fixtures").stdout
    assert "mlgate_predictions" in fixtures  # registered through the entry point
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, mlgate.pytest_plugin; print('pandas' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert imported.stdout.strip() == "False"  # nothing heavy until a fixture is asked for


BASELINE_TESTS = """\
def test_the_candidate_is_not_worse_than_production(mlgate_model, mlgate_baseline_model,
                                                    mlgate_features):
    mine = mlgate_model.predict(mlgate_features)
    theirs = mlgate_baseline_model.predict(mlgate_features)
    assert len(mine) == len(theirs) and (mine == theirs).mean() > 0.9
"""


def test_the_baseline_model_fixture_loads_what_a_registry_stage_holds(tmp_path: Path) -> None:
    from mlgate import promotion
    from mlgate.registry import operations
    from tests.registry.conftest import make_project

    project = make_project(tmp_path / "iris")  # trained for real: this file's one training
    where = project.where()
    version = operations.register(where, project.manifest, project.run).version
    promotion.promote(where, project.manifest, version, "staging")
    (project.root / "tests").mkdir(exist_ok=True)
    (project.root / "tests" / "test_base.py").write_text(BASELINE_TESTS)
    plain = pytest_in(project.root, "tests/test_base.py", "-rs")
    assert "1 skipped" in plain.stdout
    assert "compare.baseline is 'auto' here, which names no model" in plain.stdout
    manifest = project.root / "mlops.yaml"
    manifest.write_text(manifest.read_text() + "compare:\n  baseline: {stage: staging}\n")
    staged = pytest_in(project.root, "tests/test_base.py")
    assert "1 passed" in staged.stdout, staged.stdout + staged.stderr


GIT_BASELINE_TESTS = """\
def test_counts_each_run_of_the_tests_wherever_it_runs():
    with open(RAN, "a") as ran:
        ran.write("ran\\n")


def test_the_baseline_is_mains_model(mlgate_model, mlgate_baseline_model):
    assert (mlgate_model.C, mlgate_baseline_model.C) == (0.05, 1.0)
"""


def test_a_git_baselines_model_is_trained_before_the_tests_and_kept_for_them(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    manifest = projects.IRIS_MANIFEST + "  - {pytest: tests/model}\ncompare:\n  baseline: main\n"
    # "training" at each commit copies the model fitted ahead for its C (tests/compare/picked.py)
    files = picked.iris_files(manifest)
    ran = tmp_path / "ran.txt"
    files["tests/model/test_base.py"] = f"RAN = {str(ran)!r}\n\n" + GIT_BASELINE_TESTS
    files[".gitignore"] = "models/\n.mlgate/\n"
    root = make_repo(files)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "params.yaml").write_text("train:\n  C: 0.05\n")
    git(root, "commit", "-qam", "a weaker model")

    def run() -> dict:
        done = mlgate("run", "--json", cwd=root)
        assert done.returncode in (0, 1), done.stderr
        return json.loads(done.stdout)

    first = run()
    mine = [c for c in first["model"]["checks"] if c["id"].startswith("model.pytest")]
    assert [c["status"] for c in mine] == ["passed", "passed"], mine
    assert first["compare"]["baseline"]["name"].startswith("main @ ")
    assert first["compare"]["baseline"]["cached"] is False  # trained once, before the tests
    # main's model, kept beside its cached result
    assert len(list((root / ".mlgate" / "cache" / "baselines").glob("*.model.joblib"))) == 1
    log = next((root / ".mlgate" / "runs").glob("*/pytest-0.log")).read_text()
    assert "2 passed" in log
    # the candidate's run ran them; the baseline's own run (at main, in a worktree) did not
    assert ran.read_text() == "ran\n"
    # by hand, after the run: the model the run kept
    assert "2 passed" in pytest_in(root, "tests/model").stdout
    again = run()  # the cached baseline, with its model
    assert again["compare"]["baseline"]["cached"] is True
    assert [c["status"] for c in again["model"]["checks"] if "pytest" in c["id"]] == [
        "passed",
        "passed",
    ]


HANGING_TESTS = """\
import time


def test_quick(mlgate_manifest):
    assert mlgate_manifest.name == "iris"


def test_wrong(mlgate_manifest):
    assert mlgate_manifest.name == "roses", "the model is not of roses"


def test_hangs():
    time.sleep(600)


def test_never_reached(mlgate_manifest):
    assert mlgate_manifest.name == "iris"
"""


def test_a_test_that_never_returns_is_named_and_those_before_it_are_kept(tmp_path: Path) -> None:
    """pytest writes its JUnit XML only at the end: stopped at the check's timeout, it left
    none, and the run said only "timed out; its last output: ..F" without naming a test."""
    manifest = projects.IRIS_MANIFEST + "  - {pytest: tests/model, timeout: 8s}\n"
    files = picked.iris_files(manifest)
    files["tests/model/test_slow.py"] = HANGING_TESTS
    root = picked.write(tmp_path, files)
    done = mlgate("run", "--json", cwd=root)
    assert done.returncode == 1, done.stderr
    mine = [c for c in json.loads(done.stdout)["model"]["checks"] if "pytest" in c["id"]]
    assert [(c["id"], c["status"]) for c in mine] == [
        ("model.pytest.tests/model/test_slow::test_quick", "passed"),
        ("model.pytest.tests/model/test_slow::test_wrong", "failed"),
        ("model.pytest.tests/model/test_slow::test_hangs", "failed"),
    ]
    assert "the model is not of roses" in mine[1]["message"]
    assert mine[2]["message"].startswith("this test did not finish: ")
    assert "timed out after 8s" in mine[2]["message"], mine[2]["message"]
    assert mine[2]["manifest_key"] == "model_checks[1]"


def test_the_plugins_notes_of_a_real_pytest_give_the_ids_its_xml_gives(tmp_path: Path) -> None:
    """The same tests read from pytest's JUnit XML and from the plugin's notes are the same
    checks: one id however the run ended."""
    folder = tmp_path / "tests" / "model"
    folder.mkdir(parents=True)
    (folder / "test_ids.py").write_text(
        "import pytest\n\n\nclass TestA:\n"
        "    @pytest.mark.parametrize('x', ['a::b', 'c.d'])\n"
        "    def test_p(self, x):\n        assert x != 'c.d', 'no dots'\n\n\n"
        "def test_skip():\n    pytest.skip('not here')\n"
    )
    report, progress = tmp_path / "r.xml", tmp_path / "p.jsonl"
    command = pytest_checks.command(CHECK, report, tmp_path / "p.json", tmp_path, {}, progress)
    assert command.argv is not None
    done = subprocess.run(
        command.argv,
        cwd=tmp_path,
        env={**os.environ, **command.env, "PYTHONPATH": ""},
        capture_output=True,
        check=False,
        timeout=120,
    )
    ended = CommandOutcome(
        command="pytest", status="failed", exit_code=done.returncode, duration_s=1
    )
    from_xml = pytest_checks.results(CHECK, ended, report, report.parent / "none.jsonl")
    report.unlink()
    from_notes = pytest_checks.results(CHECK, ended, report, progress)
    assert (
        [(f.id, f.status) for f in from_notes]
        == [(f.id, f.status) for f in from_xml]
        == [
            ("model.pytest.tests/model/test_ids/TestA::test_p[a::b]", "passed"),
            ("model.pytest.tests/model/test_ids/TestA::test_p[c.d]", "failed"),
            ("model.pytest.tests/model/test_ids::test_skip", "skipped"),
        ]
    )
    assert [f.message for f in from_notes] == [f.message for f in from_xml]
