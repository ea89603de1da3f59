"""What a run without a baseline says of it: who named `auto`, and what to type instead,
in the words that hold where the project is."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlgate import manifest as manifests
from mlgate.compare import baseline
from tests.report.test_markdown import result

MANIFEST = "name: m\ndata: {train: a.csv, test: b.csv, target: y}\ntrain: {command: x}\n"


def said(root: Path, named: str | None = None) -> str:
    loaded = manifests.parse(MANIFEST.encode(), name="mlops.yaml", root=root, files=False)
    if named is not None:
        loaded = baseline.override(loaded, named)
    found = baseline.resolve(loaded, result(), env={}, run=None)  # type: ignore[arg-type]
    assert found.info.kind == "none"
    return found.info.message


def test_outside_a_repository_it_names_a_run_json_not_a_branch(tmp_path: Path) -> None:
    """`mlgate compare BRANCH` was advised, which then refused: not in a git repository."""
    assert said(tmp_path) == (
        "not a pull request, and compare.baseline's default (not set in mlops.yaml) names "
        "auto; not in a git repository: `mlgate compare RUN.json` compares with a run's result"
    )
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(tmp_path)], check=True)
    assert said(tmp_path).endswith("names auto; `mlgate compare BRANCH` compares with a branch")


def test_the_command_line_repeating_the_default_is_said_once(tmp_path: Path) -> None:
    """ "the command line, as compare.baseline's default (not set in mlops.yaml) names it
    too names auto": who named it, said once."""
    assert said(tmp_path, "auto").startswith("not a pull request, and the command line names auto;")
