"""What a comparison tells the user: every failure in the first line, where the baseline
came from, the real default branch, and gates that were not evaluated (not failed)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate import manifest as manifests
from mlgate import pipeline
from mlgate.report import markdown, text
from tests import projects
from tests.compare import picked
from tests.conftest import git

pytestmark = pytest.mark.e2e  # each test trains, and some run the mlgate command

# what a comparison says is the point here, not training: the project's "training" copies
# the model fitted ahead for its C (tests/compare/picked.py), a git baseline's run too

RELATIVE = """\
compare:
  baseline: {baseline}
  gates:
    accuracy: {{min_change: -0.05}}
    f1_macro: {{significance: no significant drop}}
    roc_auc: {{min_relative_change: -0.02}}
"""


def mlgate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlgate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def iris(make_repo: Callable[..., Path], extra: str, *, branch: str = "main") -> Path:
    files = picked.iris_files(projects.IRIS_MANIFEST + extra)
    files[".gitignore"] = "models/\n"
    root = make_repo(files, commit=False)
    git(root, "checkout", "-q", "-b", branch)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "iris")
    return root


def run(root: Path):
    return pipeline.run(manifests.load(root / "mlops.yaml"))


def test_the_first_line_names_failed_checks_and_failed_gates(
    make_repo: Callable[..., Path],
) -> None:
    manifest = projects.IRIS_MANIFEST.replace(
        "  - {metric: accuracy, min: 0.8}\n",
        "  - {metric: accuracy, min: 0.999}\n  - {metric: f1_macro, min: 0.999}\n",
    )
    compare = (
        "compare:\n  baseline: none\n  gates:\n    accuracy: {min: 0.999}\n"
        "    roc_auc: {max: 0.5}\n    f1_macro: {min_change: -0.05}\n"
    )
    files = picked.iris_files(manifest + compare)
    files[".gitignore"] = "models/\n"
    result = run(make_repo(files))
    assert result.verdict == "failed"
    first = result.summary
    assert markdown.render(result).splitlines()[2] == markdown.escape(first)  # under the title
    assert text.render(result).splitlines()[0] == f"iris: FAILED - {first}"
    assert first.startswith(  # what each check found, with its bound
        f"2 of {len(result.checks)} checks failed: accuracy = 0.9667, 0.0323 below the "
        "minimum 0.999; f1_macro = 0.9666, 0.0324 below the minimum 0.999. "
    )
    assert first.endswith("2 of 3 gates failed: accuracy >= 0.999; roc_auc <= 0.5"), first


def test_a_run_without_a_baseline_says_its_gates_were_not_evaluated(
    make_repo: Callable[..., Path],
) -> None:
    root = iris(make_repo, RELATIVE.format(baseline="none"))
    result = run(root)
    assert result.passed
    assert "the 3 gates were not evaluated: no baseline" in result.summary
    report = markdown.render(result)
    assert "### Gates: not evaluated" in report and "0 of 3 passed" not in report
    assert "no baseline" in report[report.index("### Gates") :]


def test_a_run_with_some_gates_not_evaluated_counts_only_those_evaluated(
    make_repo: Callable[..., Path],
) -> None:
    extra = RELATIVE.format(baseline="none") + "    accuracy_floor: {metric: accuracy, min: 0.5}\n"
    root = iris(make_repo, extra.replace("    accuracy_floor: {metric: accuracy, min: 0.5}\n", ""))
    manifest = root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text().replace("accuracy: {min_change: -0.05}", "accuracy: {min: 0.5}")
    )
    result = run(root)
    assert "1 of 3 gates passed (2 not evaluated: no baseline" in result.summary
    assert "### Gates: 1 of 1 passed, 2 not evaluated" in markdown.render(result)


def test_compare_none_says_it_was_the_command_line(make_repo: Callable[..., Path]) -> None:
    root = iris(make_repo, RELATIVE.format(baseline="main"))
    git(root, "checkout", "-q", "-b", "feature")
    assert mlgate("run", cwd=root).returncode == 0
    done = mlgate("compare", "none", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "compare.baseline is none" not in done.stdout
    assert "the command line" in done.stdout
    assert (
        "none was named by the command line, in place of main from mlops.yaml line 19 "
        "(compare.baseline)" in done.stdout
    ), done.stdout


def test_a_manifests_baseline_says_where_it_was_named(make_repo: Callable[..., Path]) -> None:
    root = iris(make_repo, RELATIVE.format(baseline="none"))
    result = run(root)
    assert result.compare is not None
    assert result.compare.baseline.origin == "mlops.yaml line 19 (compare.baseline)"
    assert (
        result.compare.baseline.message == "none was named by mlops.yaml line 19 (compare.baseline)"
    )


def test_the_hint_names_the_repositorys_real_default_branch(make_repo: Callable[..., Path]) -> None:
    root = iris(make_repo, RELATIVE.format(baseline="auto"), branch="master")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "params.yaml").write_text("train:\n  C: 0.5\n")
    git(root, "commit", "-qam", "C")
    result = run(root)
    assert result.compare is not None
    message = result.compare.baseline.message
    assert "`mlgate compare master`" in message and "mlgate compare main" not in message
    done = mlgate("compare", "master", cwd=root)  # following the hint works
    assert done.returncode in (0, 1), done.stderr
    assert "master @" in done.stdout


def test_a_command_line_baseline_the_manifest_names_too_is_not_said_to_replace_it(
    tmp_path: Path,
) -> None:
    """`mlgate compare main` where mlops.yaml says `baseline: main` read "the command line,
    in place of main from mlops.yaml line 19"."""
    from mlgate import manifest as manifests
    from mlgate.compare import baseline
    from tests import projects

    text = projects.IRIS_MANIFEST + RELATIVE.format(baseline="main")
    root = projects.write(tmp_path / "p", projects.iris_files(Path(), manifest=text))
    loaded = manifests.load(root / "mlops.yaml")
    same = baseline.override(loaded, "main").compare.baseline_origin
    assert same == "the command line, as mlops.yaml line 19 (compare.baseline) names it too"
    other = baseline.override(loaded, "none").compare.baseline_origin
    assert other == "the command line, in place of main from mlops.yaml line 19 (compare.baseline)"
