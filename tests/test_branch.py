"""The retraining's branch, on real repositories: only the named paths committed, the
checkout's own index and HEAD untouched, and a push only when the content changed."""

from __future__ import annotations

from pathlib import Path

from mlgate import branch
from tests.conftest import git

DATE = "2026-12-05T10:00:00+00:00"


def repository(tmp_path: Path) -> tuple[Path, Path]:
    """A clone with one commit on main, and its bare origin."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    root = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(root))
    (root / "data.csv").write_text("x\n1\n")
    (root / "notes.txt").write_text("kept\n")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first")
    git(root, "push", "-q", "origin", "main")
    return root, origin


def test_only_the_named_paths_are_committed_and_the_checkout_is_left_alone(
    tmp_path: Path,
) -> None:
    root, _ = repository(tmp_path)
    base = git(root, "rev-parse", "HEAD")
    (root / "data.csv").write_text("x\n1\n2\n")
    (root / "cache.bin").write_text("left by an earlier step\n")
    assert branch.changed(root) == ("cache.bin", "data.csv")
    made = branch.commit(root, base, ("data.csv",), "Retrain", date=DATE)
    assert git(root, "rev-parse", f"{made}^") == base
    assert git(root, "diff", "--name-only", base, made) == "data.csv"
    assert git(root, "show", f"{made}:data.csv") == "x\n1\n2"
    assert git(root, "rev-parse", "HEAD") == base  # HEAD and index as they were
    # unstaged, as before (the helper strips the line's leading blank)
    assert git(root, "status", "--porcelain") == "M data.csv\n?? cache.bin"
    assert git(root, "diff", "--cached", "--name-only") == ""


def test_the_branch_is_created_left_alone_when_the_same_and_updated_when_not(
    tmp_path: Path,
) -> None:
    root, origin = repository(tmp_path)
    base = git(root, "rev-parse", "HEAD")
    (root / "data.csv").write_text("x\n1\n2\n")
    first = branch.commit(root, base, ("data.csv",), "Retrain", date=DATE)
    done = branch.push(root, "mlgate/retrain/m", first)
    assert (done.action, done.commit, done.changed) == ("created", first, ("data.csv",))
    assert git(origin, "rev-parse", "refs/heads/mlgate/retrain/m") == first
    # the same refresh again, another second: another commit, the same content
    again = branch.commit(root, base, ("data.csv",), "Retrain", date="2026-12-06T10:00:00Z")
    assert again != first
    done = branch.push(root, "mlgate/retrain/m", again)
    assert (done.action, done.commit) == ("unchanged", first)
    assert git(origin, "rev-parse", "refs/heads/mlgate/retrain/m") == first
    (root / "data.csv").write_text("x\n1\n2\n3\n")
    newer = branch.commit(root, base, ("data.csv",), "Retrain", date=DATE)
    done = branch.push(root, "mlgate/retrain/m", newer)
    assert (done.action, done.commit) == ("updated", newer)
    assert git(origin, "rev-parse", "refs/heads/mlgate/retrain/m") == newer


def test_a_branch_someone_moved_meanwhile_is_read_again_not_overwritten_blind(
    tmp_path: Path,
) -> None:
    """Another runner pushed the same retraining between our read and our push: the
    lease fails, the branch is read again, and it already holds this content."""
    root, origin = repository(tmp_path)
    base = git(root, "rev-parse", "HEAD")
    (root / "data.csv").write_text("x\n9\n")
    ours = branch.commit(root, base, ("data.csv",), "Retrain", date=DATE)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(origin), str(other))
    (other / "data.csv").write_text("x\n9\n")
    theirs = branch.commit(other, base, ("data.csv",), "Retrain", date="2026-12-07T00:00:00Z")
    assert branch.push(other, "mlgate/retrain/m", theirs).action == "created"
    done = branch.push(root, "mlgate/retrain/m", ours)
    assert (done.action, done.commit) == ("unchanged", theirs)
