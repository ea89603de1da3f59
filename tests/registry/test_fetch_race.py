"""Several mlgate commands at once in one clone, origin holding registry tags the clone
lacks: each fetch mirrors origin's tags, then writes them into the clone. Of 50 `registry
list` at once, 7 failed on git's own "cannot lock ref ... reference already exists"
(exit 3, no hint; attacker audit O): the write is now read again and retried."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mlgate.registry import gitio
from tests.conftest import git

MODEL = "iris"
TAGS = 40


def _origin_with_tags(tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    (work / "a.txt").write_text("a\n")
    git(work, "add", "a.txt")
    git(work, "commit", "-qm", "a")
    for i in range(TAGS):
        git(work, "tag", "-a", "-m", "{}", f"{MODEL}@v0.{i}.0")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main", "--tags")
    return origin


def test_fetches_at_once_in_one_clone_each_read_origins_tags(tmp_path: Path) -> None:
    origin = _origin_with_tags(tmp_path)
    for round_ in range(3):
        clone = tmp_path / f"clone{round_}"
        git(tmp_path, "clone", "-q", "--no-tags", str(origin), str(clone))
        with ThreadPoolExecutor(max_workers=8) as pool:
            done = list(pool.map(gitio.fetch, [clone] * 8, [MODEL] * 8))
        assert done == [()] * 8  # every one returned, none raised
        listed = subprocess.run(
            ["git", "tag", "--list", f"{MODEL}@*"], cwd=clone, capture_output=True, text=True
        ).stdout.split()
        assert len(listed) == TAGS


def test_a_read_killed_mid_fetch_leaves_no_lock_for_the_next(tmp_path: Path) -> None:
    """A command killed while git wrote origin's tags into the clone left a `.lock` in the
    refs every read shared: every later read failed on "cannot lock ref ... File exists"
    (tests/registry/test_killed.py, in a fresh clone). Each read has its own refs now,
    dropped after it; a killed read's are dropped by a later one."""
    origin = _origin_with_tags(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-tags", str(origin), str(clone))
    assert gitio.fetch(clone, MODEL) == ()
    assert git(clone, "for-each-ref", gitio.ORIGIN_TAGS) == ""  # nothing left behind
    shared = clone / ".git" / "refs" / "mlgate" / "origin-tags"  # as the old reads were
    (shared / f"{MODEL}@v0.3.0.lock").parent.mkdir(parents=True, exist_ok=True)
    (shared / f"{MODEL}@v0.3.0.lock").write_text("")
    git(clone, "update-ref", f"{gitio.ORIGIN_TAGS}{MODEL}@v0.4.0", "HEAD")  # before 0.33
    killed = shared / "1000-4242-abcd"  # a read started long ago, killed mid-fetch
    killed.mkdir()
    (killed / f"{MODEL}@v0.1.0.lock").write_text("")
    git(clone, "update-ref", f"{gitio.ORIGIN_TAGS}1000-4242-abcd/{MODEL}@v0.2.0", "HEAD")
    git(clone, "tag", "--delete", f"{MODEL}@v0.5.0")
    assert gitio.fetch(clone, MODEL) == ()
    assert f"{MODEL}@v0.5.0" in git(clone, "tag", "--list").split()
    assert not killed.exists()
    assert git(clone, "for-each-ref", gitio.ORIGIN_TAGS) == ""
