"""git queries against real temporary repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate import git as mlgate_git
from tests.conftest import git


def test_committed_clean_repository(make_repo) -> None:
    root = make_repo({"a.txt": "a", ".gitignore": "ignored/\n"})
    (root / "ignored").mkdir()
    (root / "ignored" / "x").write_text("not a change")
    found = mlgate_git.info(root)
    assert found.commit == git(root, "rev-parse", "HEAD") and len(found.commit) == 40
    assert found.branch == "main" and found.dirty is False


def test_modified_and_untracked_files_make_it_dirty(make_repo) -> None:
    root = make_repo({"a.txt": "a"})
    (root / "new.txt").write_text("new")
    assert mlgate_git.info(root).dirty is True
    (root / "new.txt").unlink()
    (root / "a.txt").write_text("changed")
    assert mlgate_git.info(root).dirty is True


def test_repository_without_commits(make_repo) -> None:
    root = make_repo({}, commit=False)
    found = mlgate_git.info(root)
    assert found.commit is None and found.branch == "main" and found.dirty is False


def test_detached_head_and_subdirectory(make_repo) -> None:
    root = make_repo({"sub/a.txt": "a"})
    head = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "--detach")
    found = mlgate_git.info(root / "sub")
    assert found.commit == head and found.branch is None
    assert mlgate_git.toplevel(root / "sub") == root.resolve()


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    assert mlgate_git.info(tmp_path / "plain") == mlgate_git.UNKNOWN
    assert mlgate_git.toplevel(tmp_path / "plain") is None


def test_git_not_installed(make_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"a.txt": "a"})
    monkeypatch.setenv("PATH", str(root))  # no git on this PATH
    assert mlgate_git.info(root) == mlgate_git.UNKNOWN


def test_a_stray_git_dir_does_not_redirect_the_query(make_repo, monkeypatch) -> None:
    one = make_repo({"a.txt": "a"}, name="one")
    other = make_repo({"b.txt": "b"}, name="other")
    expected = git(one, "rev-parse", "HEAD")
    assert expected != git(other, "rev-parse", "HEAD")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    assert mlgate_git.info(one).commit == expected


def test_the_paths_that_make_it_dirty_are_named_as_git_names_them(make_repo) -> None:
    """A run refused for registration "made on uncommitted changes" in CI could not say
    which file the job had left changed: the run keeps the first ten git names."""
    root = make_repo({"a.txt": "a", "b.txt": "b", "c d.txt": "c", "x/y.txt": "y"})
    (root / "a.txt").write_text("changed")
    git(root, "mv", "b.txt", "renamed.txt")
    (root / "c d.txt").unlink()
    (root / "x" / "new.log").write_text("new")
    (root / "tab\there.txt").write_text("odd")
    found = mlgate_git.info(root)
    assert found.dirty is True
    assert sorted(found.changed) == sorted(
        ['"tab\\there.txt"', "a.txt", "c d.txt", "renamed.txt", "x/new.log"]
    )
    # from a project's folder, the paths are still the repository's: not "../a.txt"
    assert "a.txt" in mlgate_git.info(root / "x").changed
    assert "x/new.log" in mlgate_git.info(root / "x").changed
    for i in range(12):
        (root / f"many{i:02}.txt").write_text("m")
    assert len(mlgate_git.info(root).changed) == mlgate_git.CHANGED_KEPT
    assert mlgate_git.info(root, ignore=("a.txt",)).changed.count("a.txt") == 0


HOLDS_A_WORKTREE = """
import sys, time
from pathlib import Path
from mlgate import git

with git.worktree(Path(sys.argv[1]), "HEAD") as checkout:
    Path(sys.argv[2]).write_text(str(checkout))
    time.sleep(300)
"""


def test_a_worktree_left_by_a_killed_mlgate_is_removed_by_the_next_one_not_a_live_ones(
    make_repo, tmp_path: Path
) -> None:
    """A comparison killed outright left its baseline's checkout registered in the user's
    .git and whole in the temporary folder; `git worktree prune` keeps it while the
    folder is there, and nothing of mlgate's ever said or removed it."""
    import signal
    import subprocess
    import sys
    import time

    root = make_repo({"a.txt": "a"})
    said = tmp_path / "checkout"

    def holder() -> tuple[subprocess.Popen[bytes], Path]:
        said.unlink(missing_ok=True)
        held = subprocess.Popen([sys.executable, "-c", HOLDS_A_WORKTREE, str(root), str(said)])
        for _ in range(300):
            if said.exists() and said.read_text():
                return held, Path(said.read_text())
            time.sleep(0.02)
        held.kill()
        raise AssertionError("the worktree was never made")

    alive, kept = holder()
    killed, left = holder()
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert str(left) in git(root, "worktree", "list")
        with mlgate_git.worktree(root, "HEAD") as mine:
            listed = git(root, "worktree", "list")
            assert str(left) not in listed and not left.parent.exists()
            assert str(kept) in listed and kept.is_dir()  # its maker is alive: kept
            assert str(mine) in listed
        assert str(mine) not in git(root, "worktree", "list")
    finally:
        alive.kill()
        alive.wait()
    with mlgate_git.worktree(root, "HEAD"):  # its maker gone now: removed, nothing left in /tmp
        assert str(kept) not in git(root, "worktree", "list") and not kept.parent.exists()
