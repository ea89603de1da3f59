"""The fast tier (`-m "not e2e"`, docs/testing.md) leaves out every end-to-end test: a test
that lost its mark would make the fast tier slow, or hide a flow from the people who run
only it, without anyone noticing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import E2E_FOLDERS, REPO_ROOT

pytestmark = pytest.mark.e2e  # each test runs pytest itself, as a process

# the end-to-end tests outside tests/action: whole modules, and single tests (a single test
# that trains need not be listed: `fast_tier_trains_nothing` fails it in the fast tier)
E2E = [
    "tests/test_tiers.py",
    "tests/test_example_project.py",
    "tests/test_cli_compare.py",
    "tests/registry/test_docs.py",
    "tests/registry/test_killed.py",
    "tests/registry/test_concurrency.py",
    "tests/registry/test_journal.py::test_twelve_writers_at_once_all_land",
    "tests/compare/test_dvc_diff.py",
    "tests/compare/test_telling.py",
    "tests/compare/test_baseline.py",
    "tests/compare/test_resplit.py",
    "tests/compare/test_subgroups_run.py",
    "tests/model/test_pytest_plugin.py",
    "tests/test_pipeline.py",
    "tests/test_retraining.py",
    "tests/sweep/test_local.py",
    "tests/sweep/test_ci.py",
    "tests/sweep/test_killed.py",
    "tests/sweep/test_ray.py::test_ray_ranks_as_the_local_pool_does_and_resumes_without_ray",
    "tests/sweep/test_ray.py::test_a_new_configuration_runs_through_ray_client",
    "tests/sweep/test_ray.py::test_a_killed_ray_worker_is_reported_and_the_rest_are_collected",
    "tests/sweep/test_ray.py::test_an_optuna_search_on_ray_asks_and_ranks_as_it_does_here",
    "tests/sweep/test_ray.py::test_a_failed_connection_leaves_the_next_sweep_free_to_connect",
    "tests/sweep/test_optuna.py::"
    "test_each_trial_is_told_its_figure_on_the_ranking_rows_and_a_resumed_search_runs_nothing",
    "tests/sweep/test_optuna.py::test_a_search_asking_for_values_already_run_says_so",
    "tests/test_alerts.py::test_twenty_runs_at_once_on_one_drift_leave_one_issue_and_one_retraining",
    "tests/serve/test_commands.py::test_the_printed_url_answers_the_moment_it_is_printed",
    "tests/serve/test_commands.py::test_serve_latest_serves_the_latest_version",
    "tests/serve/test_hostile.py::test_a_request_sent_halfway_times_out",
    "tests/serve/test_hostile.py::test_a_client_hanging_up_mid_body_is_not_a_traceback",
    "tests/serve/test_hostile.py::test_three_hundred_slow_clients_do_not_lock_out_a_normal_request",
    "tests/serve/test_server.py::test_serve_with_two_workers_answers_and_stops_gracefully",
    "tests/serve/test_workers.py",
    "tests/serve/test_body_deadline.py",
    "tests/serve/test_exit_codes.py",
    "tests/deploy/test_entry_point.py::test_the_entry_point_serves_the_bundle_and_stops_gracefully",
    "tests/test_kept_model.py::test_a_training_whose_mlgate_was_killed_is_undone_by_the_next_run",
    "tests/test_cli.py::test_run_exit_codes_follow_the_verdict",
    "tests/test_cli.py::test_actions_log_folds_stages_and_disables_workflow_commands",
    "tests/test_cli.py::"
    "test_paths_are_printed_from_where_the_command_started_and_runs_are_found_by_id",
]


def pytest_run(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    """pytest in its own process, with none of the caller's options."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTEST_ADDOPTS": "", "PYTHONPATH": str(REPO_ROOT)},
        timeout=300,
    )


def test_the_fast_tier_selects_no_end_to_end_test() -> None:
    """Every test in these places is deselected by the fast tier's `-m "not e2e"`."""
    folders = [str(folder.relative_to(REPO_ROOT)) for folder in E2E_FOLDERS]
    fast = pytest_run("--collect-only", "-m", "not e2e", *folders, *E2E)  # as documented
    assert fast.returncode == 5, fast.stdout + fast.stderr  # 5: no test selected
    assert "no tests collected" in fast.stdout, fast.stdout
    deselected = re.search(r"\((\d+) deselected\)", fast.stdout)
    assert deselected and int(deselected.group(1)) > len(E2E), fast.stdout  # they were found


GUARDED = """
import pytest
from mlgate import commands
from mlgate import manifest as mf
from mlgate.manifest.spec import Command
from tests.conftest import fast_tier_trains_nothing, isolated_git  # noqa: F401

SLOW = "python3 -c 'import time; time.sleep(1.2)'"


def run(tmp_path, shell, timeout_s=30):
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("y\\n1\\n")
    (tmp_path / "mlops.yaml").write_text(
        "name: p\\ndata: {train: a.csv, test: b.csv, target: y}\\ntrain: {command: x}\\n"
    )
    loaded = mf.load(tmp_path / "mlops.yaml")
    return commands.run(loaded, Command(shell=shell, timeout_s=timeout_s), "r")


def test_slow_unmarked(tmp_path):
    run(tmp_path, SLOW)


@pytest.mark.e2e
def test_slow_marked(tmp_path):
    run(tmp_path, SLOW)


def test_fast_unmarked(tmp_path):
    run(tmp_path, "exit 0")


def test_stopped_at_its_timeout(tmp_path):
    assert run(tmp_path, "sleep 30", timeout_s=1.2).timed_out
"""


def test_a_test_that_trains_unmarked_fails_in_the_fast_tier(tmp_path) -> None:
    """The guard in tests/conftest.py, on a test file of its own: the one unmarked test
    that spends more than a second in a user's command that finished is failed, and
    says which mark to add."""
    (tmp_path / "test_guarded.py").write_text(GUARDED)
    ran = pytest_run(
        "-p", "no:xdist", "--rootdir", str(tmp_path), "-o", "addopts=",
        "-o", "markers=e2e: end to end", str(tmp_path / "test_guarded.py"), cwd=tmp_path,
    )  # fmt: skip
    assert "4 passed, 1 error" in ran.stdout, ran.stdout + ran.stderr
    assert "ERROR test_guarded.py::test_slow_unmarked" in ran.stdout, ran.stdout
    assert "mark it @pytest.mark.e2e" in ran.stdout, ran.stdout
