"""The fast tier (`-m "not e2e"`, docs/testing.md) leaves out every end-to-end test: a test
that lost its mark would make the fast tier slow, or hide a flow from the people who run
only it, without anyone noticing."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import E2E_FOLDERS, REPO_ROOT

# the end-to-end tests outside tests/action: whole modules, and single tests
E2E = [
    "tests/test_example_project.py",
    "tests/test_cli_compare.py",
    "tests/registry/test_docs.py",
    "tests/registry/test_killed.py",
    "tests/registry/test_concurrency.py",
    "tests/compare/test_dvc_diff.py",
    "tests/compare/test_telling.py::test_compare_none_says_it_was_the_command_line",
    "tests/compare/test_telling.py::test_the_hint_names_the_repositorys_real_default_branch",
    "tests/serve/test_commands.py::test_the_printed_url_answers_the_moment_it_is_printed",
    "tests/serve/test_commands.py::test_serve_latest_serves_the_latest_version",
    "tests/serve/test_hostile.py::test_a_request_sent_halfway_times_out",
    "tests/serve/test_hostile.py::test_a_client_hanging_up_mid_body_is_not_a_traceback",
    "tests/serve/test_hostile.py::test_three_hundred_slow_clients_do_not_lock_out_a_normal_request",
    "tests/serve/test_server.py::test_serve_with_two_workers_answers_and_stops_gracefully",
    "tests/deploy/test_entry_point.py::test_the_entry_point_serves_the_bundle_and_stops_gracefully",
    "tests/test_pipeline.py::test_the_models_output_is_the_stages_and_never_stdout",
    "tests/test_pipeline.py::test_a_wrong_model_exits_1_from_the_command_line",
    "tests/test_cli.py::test_run_exit_codes_follow_the_verdict",
    "tests/test_cli.py::test_actions_log_folds_stages_and_disables_workflow_commands",
    "tests/test_cli.py::"
    "test_paths_are_printed_from_where_the_command_started_and_runs_are_found_by_id",
]


def collect(*args: str) -> subprocess.CompletedProcess[str]:
    """pytest's collection only, as the documented fast command selects."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTEST_ADDOPTS": ""},
        timeout=300,
    )


def test_the_fast_tier_selects_no_end_to_end_test() -> None:
    """Every test in these places is deselected by the fast tier's `-m "not e2e"`."""
    folders = [str(folder.relative_to(REPO_ROOT)) for folder in E2E_FOLDERS]
    fast = collect("-m", "not e2e", *folders, *E2E)
    assert fast.returncode == 5, fast.stdout + fast.stderr  # 5: no test selected
    assert "no tests collected" in fast.stdout, fast.stdout
    deselected = re.search(r"\((\d+) deselected\)", fast.stdout)
    assert deselected and int(deselected.group(1)) > len(E2E), fast.stdout  # they were found
