"""The journal on a git ref of mlgate's own: entries read back in order, at origin too, and
writers at once all land (none overwrites another)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.registry import journal
from tests.conftest import REPO_ROOT, git

DATE = "2026-12-05T10:00:00Z"


def clone(origin: Path, at: Path) -> Path:
    git(at.parent, "clone", "-q", str(origin), str(at))
    return at


def test_entries_are_read_back_oldest_first_and_a_new_clone_reads_origins(
    tmp_path: Path,
) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    first = clone(origin, tmp_path / "a")
    assert journal.read(first, "iris/monitor") == []
    for n in range(3):
        journal.append(first, "iris/monitor", json.dumps({"n": n, "say": "a\nb"}), date=DATE)
    said = [json.loads(e) for e in journal.read(first, "iris/monitor")]  # nonce left out
    assert said == [{"n": 0, "say": "a\nb"}, {"n": 1, "say": "a\nb"}, {"n": 2, "say": "a\nb"}]
    second = clone(origin, tmp_path / "b")  # a throw-away runner's fresh clone
    assert journal.read(second, "iris/monitor") == journal.read(first, "iris/monitor")
    branches = git(second, "branch", "-a")
    assert "mlgate" not in branches  # a ref of its own, not a branch anyone checks out


APPEND = """
import sys
from pathlib import Path
from mlgate.registry import journal
journal.append(Path(sys.argv[1]), "iris/monitor", sys.argv[2], date="2026-12-05T10:00:00Z")
"""


@pytest.mark.e2e  # twelve processes
def test_twelve_writers_at_once_all_land(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    clones = [clone(origin, tmp_path / f"c{i}") for i in range(12)]
    # two kinds of entry only, all at the same second: identical writes must not become
    # one commit that two writers each take for their own
    running = [
        subprocess.Popen([sys.executable, "-c", APPEND, str(c), f"entry {i % 2}"], cwd=REPO_ROOT)
        for i, c in enumerate(clones)
    ]
    assert [p.wait(timeout=120) for p in running] == [0] * 12
    entries = journal.read(clones[0], "iris/monitor")
    assert sorted(entries) == sorted(f"entry {i % 2}" for i in range(12))


def test_writers_without_an_origin_each_land_once_and_know_their_own_entry(
    tmp_path: Path,
) -> None:
    """Twenty threads on one clone with no origin: the compare-and-swap is `update-ref`'s
    own. A writer that took a later writer's entry for a failure of its own would append
    its entry twice; each lands once, and the commit it returns is its own."""
    import threading

    root = tmp_path / "solo"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    landed: dict[int, str] = {}

    def write(n: int) -> None:
        landed[n] = journal.append(root, "iris/monitor", f"entry {n}", date=DATE)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    entries = journal.read(root, "iris/monitor")
    assert sorted(entries) == sorted(f"entry {n}" for n in range(20))  # each exactly once
    for n, commit in landed.items():
        assert journal.read(root, "iris/monitor", upto=commit)[-1] == f"entry {n}"


def test_a_history_made_before_the_clone_had_an_origin_is_kept_and_pushed_by_the_next_append(
    tmp_path: Path,
) -> None:
    """A `monitor` that only reads deleted it (origin had no such ref)."""
    here = tmp_path / "here"
    git(tmp_path, "init", "-q", "-b", "main", str(here))
    for n in range(2):
        journal.append(here, "iris/monitor", f"entry {n}", date=DATE)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(here, "remote", "add", "origin", str(origin))
    assert journal.read(here, "iris/monitor") == ["entry 0", "entry 1"]
    journal.append(here, "iris/monitor", "entry 2", date=DATE)
    fresh = clone(origin, tmp_path / "fresh")
    assert journal.read(fresh, "iris/monitor") == ["entry 0", "entry 1", "entry 2"]
