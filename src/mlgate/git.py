"""What git says about the checkout a run comes from; git is called through `proc`."""

from __future__ import annotations

import os
from pathlib import Path

from mlgate import proc
from mlgate.errors import OutsideError
from mlgate.result.model import GitInfo

UNKNOWN = GitInfo(commit=None, branch=None, dirty=None)


def info(directory: Path) -> GitInfo:
    """HEAD, branch and dirtiness in one `git status` call; UNKNOWN outside a repository."""
    try:
        out = proc.output(
            ["git", "status", "--porcelain=v2", "--branch", "--untracked-files=normal"],
            cwd=directory, env=_env(),
        )
    except OutsideError:
        return UNKNOWN
    commit = branch = None
    dirty = False
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.removeprefix("# branch.oid ")
            commit = None if oid == "(initial)" else oid
        elif line.startswith("# branch.head "):
            head = line.removeprefix("# branch.head ")
            branch = None if head == "(detached)" else head
        elif not line.startswith("#"):
            dirty = True
    return GitInfo(commit=commit, branch=branch, dirty=dirty)


def toplevel(directory: Path) -> Path | None:
    try:
        out = proc.output(["git", "rev-parse", "--show-toplevel"], cwd=directory, env=_env())
    except OutsideError:
        return None
    return Path(out.strip())


def _env() -> dict[str, str]:
    # a stray GIT_DIR (set by hooks) would point every query at another repository
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # a status query must not take the index lock
    return env
