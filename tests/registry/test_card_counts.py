"""A model card counts its run's checks as the run's verdict does: its collapsed Checks
section said "125 checks, all passed" under a verdict of "123 of 125 checks passed, 2
skipped" (audit P, finding 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlgate.cli import main
from tests import projects
from tests.registry.conftest import ENVIRONMENTS, make_project

# two optional columns the data does not have: their checks are skipped, the rest pass
OPTIONAL = """\
    petal_colour: {type: category, required: false}
    stem_length: {type: number, min: 0, required: false}
"""


def test_a_cards_checks_are_counted_as_its_verdict_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = projects.IRIS_MANIFEST.replace(
        "    species: {type: category", OPTIONAL + "    species: {type: category"
    )
    project = make_project(tmp_path / "repo", files={"mlops.yaml": manifest + ENVIRONMENTS})
    skipped = [c for c in project.run.checks if c.status == "skipped"]
    assert len(skipped) >= 2 and project.run.verdict == "passed"
    root = str(project.root)
    assert main(["-C", root, "register"]) == 0
    capsys.readouterr()
    assert main(["-C", root, "registry", "card", "v0.1.0"]) == 0
    card = capsys.readouterr().out
    verdict = re.search(r"^Verdict: \*\*passed\*\*: (.*)$", card, re.M)
    summary = re.search(r"<summary>(.*)</summary>", card)
    assert verdict and summary, card
    total = len(project.run.checks)
    passed = sum(c.status == "passed" for c in project.run.checks)
    said = f"{passed} of {total} checks passed, {len(skipped)} skipped"
    assert verdict.group(1).startswith(said + " (")  # and why they were skipped
    assert summary.group(1) == said
    assert "all passed" not in card
    rows = re.findall(r"^\| .* \| (passed|skipped|failed|error) \|$", card, re.M)
    assert len(rows) == total and rows.count("skipped") == len(skipped)
