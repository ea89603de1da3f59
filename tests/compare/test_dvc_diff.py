"""`mlgate compare --format dvc` against the real `dvc metrics diff --json`, commit by commit."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git

pytestmark = pytest.mark.e2e  # the real `dvc metrics diff`, a process per revision pair

DVC = shutil.which("dvc")
# each step: files written (None removes), then a commit
HISTORY: list[dict[str, str | None]] = [
    {
        "metrics.json": '{"acc": 0.9, "nested": {"f1": 0.8, "n": 3}, "name": "x", "flag": true, '
        '"gone": 1}',
        "eval/scores.yaml": "auc: 0.7\nloss: 0.5\n",
    },
    {
        "metrics.json": '{"acc": 0.95, "nested": {"f1": 0.8, "n": 5}, "name": "y", "flag": false, '
        '"new": 2.5}',
        "eval/scores.yaml": "auc: 0.75\nloss: 0.4\nextra: [1, 2]\n",
    },
    {
        "metrics.json": '{"acc": 0.95, "z": null, "mix": "a", "deep": {"a": {"b": 1}}, '
        '"l": [{"x": 1}], "int_to_float": 1}'
    },
    {
        "metrics.json": '{"acc": 0.95, "z": 1, "mix": 3, "deep": {"a": {"b": 2}}, '
        '"l": [{"x": 2}], "int_to_float": 1.0}',
        "eval/scores.yaml": None,
    },
    {"metrics.json": "not: [json"},
]


@pytest.fixture
def dvc_repo(make_repo: Callable[..., Path]) -> Path:
    if DVC is None:  # a test extra: its absence is a broken install, not a reason to skip
        pytest.fail("dvc is not installed: pip install -e '.[test]'")
    root = make_repo(
        {"dvc.yaml": "metrics:\n  - metrics.json\n  - eval/scores.yaml\n"}, commit=False
    )
    subprocess.run([DVC, "init", "-q"], cwd=root, check=True, env=_env())
    for i, files in enumerate(HISTORY):
        for relative, text in files.items():
            target = root / relative
            if text is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"step {i}")
    return root


def _env() -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1"}


def dvc_diff(root: Path, *args: str) -> object:
    done = subprocess.run(
        [DVC or "dvc", "metrics", "diff", *args, "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env=_env(),
    )
    return json.loads(done.stdout)


def mlgate_diff(root: Path, *args: str) -> tuple[object, str]:
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "compare", "--format", "dvc", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout), done.stdout


@pytest.mark.parametrize("show_all", [False, True], ids=["changed", "all"])
def test_the_same_document_as_dvc_for_every_pair_of_commits(dvc_repo: Path, show_all: bool) -> None:
    revs = [*(f"HEAD~{i}" for i in range(len(HISTORY) - 1, 0, -1)), "HEAD"]
    extra = ("--all",) if show_all else ()
    for old, new in [*itertools.pairwise(revs), (revs[0], revs[-1])]:
        ours, _ = mlgate_diff(dvc_repo, old, new, *extra)
        assert ours == dvc_diff(dvc_repo, old, new, *extra), (old, new)


def test_the_working_tree_is_the_default_new_side_as_for_dvc(dvc_repo: Path) -> None:
    (dvc_repo / "metrics.json").write_text('{"acc": 0.5}')
    ours, _ = mlgate_diff(dvc_repo)
    assert ours == dvc_diff(dvc_repo) and ours != {}
    ours, _ = mlgate_diff(dvc_repo, "HEAD~3")
    assert ours == dvc_diff(dvc_repo, "HEAD~3")


def test_mlgates_key_order_never_varies(dvc_repo: Path) -> None:
    outputs = {mlgate_diff(dvc_repo, "HEAD~4", "HEAD~3")[1] for _ in range(3)}
    assert len(outputs) == 1
    parsed = json.loads(outputs.pop())
    assert list(parsed) == sorted(parsed)
    assert all(list(v) == sorted(v) for v in parsed.values())


def test_an_unknown_revision_is_a_clear_error(dvc_repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "compare", "--format", "dvc", "no-such-rev"],
        cwd=dvc_repo,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "unknown revision 'no-such-rev'" in done.stderr and "Traceback" not in done.stderr


def test_an_unreadable_metrics_file_is_missing_with_a_note_the_core_returns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlgate.compare import dvc_diff as core

    (tmp_path / "good.json").write_text('{"acc": 0.5}')
    (tmp_path / "bad.json").write_text("not: [json")
    read = core.at_revision(tmp_path, None, ["good.json", "bad.json"])
    assert read.metrics == {"bad.json": None, "good.json": {"acc": 0.5}}
    (note,) = read.notes
    assert "bad.json" in note and note.endswith("(counted as missing at the working tree)")
    assert capsys.readouterr() == ("", "")  # the core says nothing itself: the CLI prints it


def test_the_command_line_prints_the_note(dvc_repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mlgate", "compare", "--format", "dvc", "HEAD~1", "HEAD"],
        cwd=dvc_repo,
        capture_output=True,
        text=True,
        check=True,
    )
    (line,) = done.stderr.splitlines()
    assert line.startswith("mlgate: ") and line.endswith("(counted as missing at HEAD)")
    assert "metrics.json" in line
