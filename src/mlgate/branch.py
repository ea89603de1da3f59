"""A branch of mlgate's own at origin (the retraining's): the working tree's changes
committed on top of a base commit, pushed only when they differ from what the branch
already holds.

The commit is built in a temporary index, so the checkout's own index and HEAD are left
as they were. The push is compare-and-swap (`--force-with-lease` on the tip just read):
a branch someone else moved meanwhile is read again, never overwritten blind.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlgate import git, proc
from mlgate.errors import OutsideError

TRIES = 5


@dataclass(frozen=True, kw_only=True)
class Pushed:
    action: str  # created, updated, unchanged
    commit: str  # the branch's tip at origin now
    changed: tuple[str, ...]  # the paths the commit changes against its base


def changed(root: Path) -> tuple[str, ...]:
    """Paths (relative to the repository's top) whose content differs from HEAD, new files
    included, ignored ones not."""
    out = proc.output(
        ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
        cwd=git.toplevel(root) or root,
        env=git.env(),
    )
    paths, items = [], out.split("\0")
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if len(item) < 4:
            continue
        paths.append(item[3:])
        if item[0] in "RC":  # a rename's source follows it
            index += 1
    return tuple(sorted(paths))


def commit(root: Path, base: str, paths: tuple[str, ...], message: str, *, date: str) -> str:
    """A commit on top of `base` of `paths` (relative to the repository's top) as the
    working tree has them, and nothing else: not a cache an earlier step left there."""
    top = git.toplevel(root) or root
    with tempfile.TemporaryDirectory(prefix="mlgate-index-") as scratch:
        env = {**git.env(), "GIT_INDEX_FILE": os.path.join(scratch, "index")}
        proc.output(["git", "read-tree", base], cwd=top, env=env)
        if paths:
            proc.output(["git", "add", "--all", "--", *paths], cwd=top, env=env)
        tree = proc.output(["git", "write-tree"], cwd=top, env=env).strip()
    return proc.output(
        ["git", "commit-tree", tree, "-p", base, "-m", message],
        cwd=top,
        env=git.as_mlgate(date),
    ).strip()


def push(root: Path, name: str, made: str, *, token: str | None = None) -> Pushed:
    """`made` as origin's branch `name`, unless the branch already holds the same tree on
    the same base (then nothing is pushed: the same retraining twice changes nothing)."""
    ref = f"refs/heads/{name}"
    base = _output(root, "rev-parse", f"{made}^")
    paths = tuple(
        p for p in _output(root, "diff", "--name-only", "-z", base, made).split("\0") if p
    )
    for _ in range(TRIES):
        tip = _remote_tip(root, ref, token)
        if tip is not None:
            proc.output(
                ["git", "fetch", "--quiet", "--no-tags", "origin", ref],
                cwd=root,
                env=git.auth_env(token),
                timeout_s=300,
            )
            if _same(root, tip, made):
                return Pushed(action="unchanged", commit=tip, changed=paths)
        lease = f"--force-with-lease={ref}:{tip or ''}"
        try:
            proc.output(
                ["git", "push", "--quiet", lease, "origin", f"{made}:{ref}"],
                cwd=root,
                env=git.auth_env(token),
                timeout_s=300,
            )
        except OutsideError as exc:
            if "stale info" in str(exc) or "rejected" in str(exc):
                continue  # moved since it was read: read it again
            raise
        return Pushed(action="updated" if tip else "created", commit=made, changed=paths)
    raise OutsideError(
        f"origin's branch {name} kept moving while mlgate pushed the retraining to it",
        hint="another retraining is pushing the same branch; run this one again later",
    )


def _same(root: Path, tip: str, made: str) -> bool:
    """Same tree on the same base: the same retraining."""
    return _output(root, "rev-parse", f"{tip}^{{tree}}", f"{tip}^") == _output(
        root, "rev-parse", f"{made}^{{tree}}", f"{made}^"
    )


def _remote_tip(root: Path, ref: str, token: str | None) -> str | None:
    listed = proc.output(
        ["git", "ls-remote", "origin", ref], cwd=root, env=git.auth_env(token), timeout_s=300
    )
    return listed.split()[0] if listed.strip() else None


def _output(root: Path, *args: str) -> str:
    return proc.output(["git", *args], cwd=root, env=git.env()).strip()
