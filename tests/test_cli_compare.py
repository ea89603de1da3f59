"""`mlgate compare` and `mlgate report` as a user types them."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate import bounds
from tests import projects
from tests.compare.picked import iris_files as picked_iris
from tests.conftest import git

pytestmark = pytest.mark.e2e  # `mlgate run`, then compare and report, each its own process

GATES = "compare:\n  baseline: none\n  gates:\n    accuracy: {min_change: -0.02}\n"


def mlgate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlgate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def project(make_repo: Callable[..., Path], *, picked: bool = False) -> Path:
    """The iris project with `GATES`, committed. `picked`: its training a process that
    copies the model fitted ahead for params.yaml's C (tests/compare/picked.py), for the
    tests of what compare and report do with a run, not how it trains."""
    manifest = projects.IRIS_MANIFEST + GATES
    files: dict[str, str | bytes] = {}
    files.update(
        picked_iris(manifest) if picked else projects.iris_files(Path(), manifest=manifest)
    )
    files[".gitignore"] = "models/\n"
    return make_repo(files)


def test_compare_again_with_another_baseline_rewrites_the_verdict(
    make_repo: Callable[..., Path],
) -> None:
    root = project(make_repo, picked=True)
    assert mlgate("run", cwd=root).returncode == 0
    (root / "worse.json").write_text(json.dumps({"accuracy": 0.5}))
    (root / "better.json").write_text(json.dumps({"accuracy": 1.0}))
    done = mlgate("compare", "worse.json", cwd=root)
    assert done.returncode == 0 and "gate passed: accuracy" in done.stdout
    done = mlgate("compare", "better.json", "--json", cwd=root)
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["verdict"] == "failed" and result["compare"]["gates"][0]["baseline"] == 1.0
    saved = json.loads(next((root / ".mlgate" / "runs").glob("*/run.json")).read_text())
    assert saved["verdict"] == "failed"  # the run's own record follows the new comparison
    # a run named by its folder elsewhere is rewritten there, not over the project's run
    # of the same id (which it was, the folder left as it was)
    import shutil

    (own,) = (root / ".mlgate" / "runs").glob("*/run.json")
    elsewhere = root.parent / "copied-run"
    shutil.copytree(own.parent, elsewhere)
    done = mlgate("compare", "worse.json", "--run", str(elsewhere), cwd=root)
    assert done.returncode == 0, done.stderr
    assert json.loads((elsewhere / "run.json").read_text())["verdict"] == "passed"
    assert json.loads(own.read_text())["verdict"] == "failed"
    # an older run's report points no row at a line of today's manifest
    run_id = own.parent.name
    marked = mlgate("report", "--run", run_id, "--format", "markdown", cwd=root).stdout
    assert "mlops.yaml:" in marked
    (root / "mlops.yaml").write_text("# moved down\n" + (root / "mlops.yaml").read_text())
    moved = mlgate("report", "--run", run_id, "--format", "markdown", cwd=root).stdout
    assert "mlops.yaml:" not in moved
    # nor are its gates decided again by another manifest: a gate loosened after the run
    # passed a gate-failing model, its record naming the strict manifest, and register
    # took it
    loosened = (root / "mlops.yaml").read_text().replace("min_change: -0.02", "min_change: -1")
    (root / "mlops.yaml").write_text(loosened)
    refused = mlgate("compare", "better.json", cwd=root)
    assert refused.returncode == 2
    assert f"run {run_id} was made with another mlops.yaml" in refused.stderr
    assert "mlgate run, to judge the model by mlops.yaml as it is now" in refused.stderr
    assert json.loads(own.read_text())["verdict"] == "failed"  # left as it was


def test_compare_with_a_branch_of_the_same_repository(make_repo: Callable[..., Path]) -> None:
    root = project(make_repo)
    git(root, "checkout", "-q", "-b", "feature")
    assert mlgate("run", cwd=root).returncode == 0
    done = mlgate("compare", "main", "--format", "markdown", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Compared with **main @ " in done.stdout and "on the same test rows" in done.stdout


def test_report_formats(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = project(make_repo, picked=True)
    assert mlgate("run", cwd=root).returncode == 0
    junit = mlgate("report", "--format", "junit", cwd=root)
    suites = ET.fromstring(junit.stdout)
    assert suites.tag == "testsuites" and int(suites.get("tests", "0")) > 0
    markdown = mlgate("report", "--limit", "1500", cwd=root).stdout
    assert len(markdown) <= 1500 and "Left out to stay within GitHub's size limit" in markdown
    assert json.loads(mlgate("report", "--format", "json", cwd=root).stdout)["name"] == "iris"
    png = tmp_path / "charts"
    done = mlgate("report", "--png", str(png), "--output", str(tmp_path / "r.md"), cwd=root)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in png.iterdir()) == [
        "confusion.png",
        "pr.png",
        "reliability.png",
        "roc.png",
    ]
    assert (tmp_path / "r.md").read_text().startswith("## ✅ iris: passed")


def test_no_run_yet_is_a_clear_error(make_repo: Callable[..., Path]) -> None:
    done = mlgate("report", cwd=project(make_repo))
    assert done.returncode == 2 and "no run to use" in done.stderr


def test_each_gate_names_its_paired_test_and_says_why_it_has_none(
    make_repo: Callable[..., Path],
) -> None:
    gates = (
        "compare:\n  baseline: main\n  confidence: 0.999\n  resamples: 100\n  gates:\n"
        "    accuracy: {significance: no significant drop}\n"
    )
    files = picked_iris(projects.IRIS_MANIFEST + gates)  # each commit's run copies its fit
    files[".gitignore"] = "models/\n"
    root = make_repo(files)
    git(root, "checkout", "-q", "-b", "feature")
    mlgate("run", cwd=root)
    done = mlgate("compare", "main", "--json", cwd=root)
    by_metric = {g["metric"]: g for g in json.loads(done.stdout)["compare"]["gates"]}
    accuracy = by_metric["accuracy"]
    test = accuracy["significance"]
    assert test["method"] == "exact McNemar" and accuracy["status"] == "passed"
    assert (test["ci_low"] > 0 or test["ci_high"] < 0) == (test["p_value"] < bounds.alpha(0.999))
    markdown = mlgate("report", cwd=root).stdout
    assert f"({test['rows']} rows, exact McNemar)" in markdown
    # 100 resamples cannot reach p < 0.001: a gate whose test resamples is refused before
    # anything trains (it failed closed after both models had been trained)
    manifest = root / "mlops.yaml"
    manifest.write_text(
        manifest.read_text() + "    f1_macro: {significance: no significant drop}\n"
    )
    refused = mlgate("validate", cwd=root)
    assert refused.returncode == 2
    assert (
        "compare.resamples: 100 resamples cannot bound a 0.999 interval, and the gate on "
        "f1_macro tests by resampling: set compare.resamples to at least 2000"
    ) in refused.stderr
