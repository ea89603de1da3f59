"""The registry's tags in git: read them, write one, push with compare-and-swap.

A tag that already exists is refused, locally by `git tag` and on origin by the push: so
two jobs that both compute `churn#production#8` cannot both succeed, and the loser reads
again and retries. Pushes are `--atomic`: every tag of one change lands, or none.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from mlgate import git, proc
from mlgate.errors import OutsideError
from mlgate.registry.tags import Tag

FIELDS = (
    "%(refname:strip=2)%00%(objecttype)%00%(*objectname)%00%(objectname)%00"
    "%(creatordate:iso-strict)%00%(contents)%1e"
)


def read(root: Path, model: str) -> list[Tag]:
    """Every tag of this model (`model@...`, `model#...`) in the local clone."""
    out = proc.output(
        [
            "git",
            "for-each-ref",
            f"--format={FIELDS}",
            f"refs/tags/{model}@*",
            f"refs/tags/{model}#*",
        ],
        cwd=root,
        env=git.env(),
    )
    found = []
    for entry in out.split("\x1e"):
        parts = entry.lstrip("\n").split("\x00")
        if len(parts) != 6:
            continue
        name, kind, peeled, target, created, message = parts
        found.append(
            Tag(
                name=name,
                commit=peeled if kind == "tag" else target,
                message=message,
                created=created,
            )
        )
    return found


def has_origin(root: Path) -> bool:
    out = proc.output(["git", "remote"], cwd=root, env=git.env(), check=False)
    return "origin" in out.split()


def fetch(root: Path, model: str, *, token: str | None = None) -> None:
    """Origin's tags of this model, so the state read is origin's: `--prune` drops a local
    tag origin never got (a process killed between writing a tag and pushing it)."""
    proc.output(
        [
            "git",
            "fetch",
            "--quiet",
            "--prune",
            "--no-recurse-submodules",
            "origin",
            f"refs/tags/{model}@*:refs/tags/{model}@*",
            f"refs/tags/{model}#*:refs/tags/{model}#*",
        ],
        cwd=root,
        env=git.auth_env(token),
        timeout_s=300,
    )


def create(root: Path, name: str, commit: str, message: str, *, date: str) -> bool:
    """An annotated tag; False when it exists already (someone else made it first)."""
    if exists(root, name):
        return False
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(message)
    env = {**git.env(), "GIT_COMMITTER_DATE": date}
    if not git.knows_committer(root):  # the tagger: who acted is in the record either way
        env |= {"GIT_COMMITTER_NAME": git.MLGATE_NAME, "GIT_COMMITTER_EMAIL": git.MLGATE_EMAIL}
    try:
        proc.output(
            ["git", "tag", "--annotate", "--file", f.name, "--end-of-options", name, commit],
            cwd=root,
            env=env,
        )
    except OutsideError as exc:
        if "already exists" in str(exc):  # made by another process in this clone meanwhile
            return False
        raise
    finally:
        os.unlink(f.name)
    return True


def exists(root: Path, name: str) -> bool:
    out = proc.output(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/tags/{name}"],
        cwd=root,
        env=git.env(),
        check=False,
    )
    return bool(out.strip())


def delete_local(root: Path, names: Iterable[str]) -> None:
    for name in names:
        proc.output(
            ["git", "tag", "--delete", "--end-of-options", name],
            cwd=root,
            env=git.env(),
            check=False,
        )


RACE_SIGNS = (
    "already exists",
    "! [rejected]",
    "cannot lock",
    "unable to lock",
    "failed to lock",
    ".lock'",
    "failed to update ref",
    "incorrect old value",
    "atomic transaction failed",
    "stale info",
)  # git's words, across versions


def push(root: Path, names: list[str], *, token: str | None = None) -> bool:
    """All of `names` to origin, or none; False when origin refused (a tag exists there)."""
    refs = [f"refs/tags/{n}:refs/tags/{n}" for n in names]
    try:
        proc.output(
            ["git", "push", "--atomic", "--quiet", "origin", *refs],
            cwd=root,
            env=git.auth_env(token),
            timeout_s=300,
        )
    except OutsideError as exc:
        if lost_race(str(exc)):
            return False
        raise OutsideError(
            f"origin refused the registry's tags: {exc}",
            hint="nothing was recorded; fix what origin says, then run the same command again",
        ) from exc
    return True


def lost_race(said: str) -> bool:
    """Another writer got there first (the tag exists at origin, or origin was writing the
    same ref at that moment). A hook that declined, a permission or an unreachable origin
    is not a race: retrying would only fail again, so it is reported at once."""
    return any(sign in said for sign in RACE_SIGNS)


def commit_dates(root: Path, commits: Iterable[str]) -> dict[str, str]:
    """Each commit's committer date (ISO 8601), for those this clone has."""
    wanted = sorted(set(commits))
    if not wanted:
        return {}
    out = proc.output(
        ["git", "show", "--no-patch", "--format=%H %cI", *wanted, "--"],
        cwd=root,
        env=git.env(),
        check=False,
    )
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
