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
