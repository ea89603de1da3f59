"""A run a commit put under `.mlgate/runs` is never "the last run": `.mlgate/` is ignored
by git, but `git add -f` commits a run anyway, and a folder named for a later second than
any run made here was the latest, so `mlgate comment` after `mlgate run --no-post` (a
pattern docs/github.md gives) posted the commit's figures, re-decided green, rather than
the run's; and `register` alone, `check model`'s origin and the charts' history read it
the same way. The audit of the action (S) found the baseline cache open to this."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from mlgate import git
from mlgate.cli.shared import run_file
from mlgate.result import runs
from tests.conftest import git as run_git

OURS = ".mlgate/runs/20261207T100000Z-aaaaaa/run.json"
FORGED = ".mlgate/runs/29991231T000000Z-ffffff/run.json"


def _repo(make_repo: Callable[..., Path]) -> Path:
    root = make_repo({".gitignore": "/.mlgate/\n", "mlops.yaml": "name: x\n"})
    (root / OURS).parent.mkdir(parents=True)
    (root / OURS).write_text("{}")  # this machine's run (listing reads no file)
    (root / FORGED).parent.mkdir(parents=True)
    (root / FORGED).write_text("{}")
    return root


def test_a_committed_run_is_never_the_last_run(make_repo: Callable[..., Path]) -> None:
    root = _repo(make_repo)
    assert runs.latest(root) == root / FORGED  # untracked, it is the newest
    run_git(root, "add", "-f", FORGED)  # staged: a commit's, not this machine's
    assert git.tracked(root, runs.STATE) == {FORGED}
    assert runs.latest(root) == root / OURS
    run_git(root, "commit", "-q", "-m", "tidy")
    assert runs.listed(root) == [root / OURS]
    # what `mlgate comment`, `report` and `compare` read when no --run is given
    assert run_file(argparse.Namespace(run=None), root) == root / OURS
    # named by --run, a run is read as asked: the user chose it
    assert run_file(argparse.Namespace(run=str(root / FORGED)), root) == root / FORGED


def test_a_committed_link_in_place_of_mlgates_folder_hides_every_run(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo({"mlops.yaml": "name: x\n"})
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "runs" / "29991231T000000Z-ffffff").mkdir(parents=True)
    (elsewhere / "runs" / "29991231T000000Z-ffffff" / "run.json").write_text("{}")
    os.symlink(elsewhere, root / ".mlgate")
    run_git(root, "add", "-f", ".mlgate")
    run_git(root, "commit", "-q", "-m", "link")
    assert [p.resolve() for p in (elsewhere / "runs").glob("*/run.json")]  # there to list
    assert runs.listed(root) == []


def test_outside_git_every_run_is_listed(tmp_path: Path) -> None:
    (tmp_path / OURS).parent.mkdir(parents=True)
    (tmp_path / OURS).write_text("{}")
    assert git.tracked(tmp_path, runs.STATE) == frozenset()
    assert runs.listed(tmp_path) == [tmp_path / OURS]
