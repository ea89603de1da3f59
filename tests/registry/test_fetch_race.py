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
