"""An append-only journal on a git ref of mlgate's own (`refs/mlgate/NAME`): each entry is a
commit whose message is the entry and whose parent is the entry before, on an empty tree.

It lives where the registry's records do, so it survives throw-away runners and needs no
server. Appending is compare-and-swap: origin refuses a push that is not a fast-forward of
its tip, so a writer that lost a race reads again and retries on top of the winner's
entry. Concurrent writers all land, in some order; none overwrites another.
"""

from __future__ import annotations

import random
import secrets
import time
from pathlib import Path

from mlgate import git, proc
from mlgate.errors import OutsideError
from mlgate.registry import gitio

PREFIX = "refs/mlgate/"
TRIES = 30
SEPARATOR = "\x1e"
# each commit's own: two writers appending the same entry on the same tip at the same
# second would otherwise make the very same commit, and both take it for their own
NONCE = "Journal-Entry: "


def read(
    root: Path, name: str, *, token: str | None = None, fetch: bool = True, upto: str = ""
) -> list[str]:
    """The entries, oldest first (origin's, when the clone has one, unless `fetch` is off).
    `upto`: the entries up to that one's commit (an append's), whatever was appended since:
    what the history was when that entry landed."""
    ref = PREFIX + name
    if fetch and not upto and gitio.has_origin(root):
        _fetch(root, ref, token)
    if not upto and _tip(root, ref) is None:
        return []
    out = proc.output(
        ["git", "log", "--reverse", f"--format=%B{SEPARATOR}", upto or ref, "--"],
        cwd=root,
        env=git.env(),
    )
    return [_entry(e) for e in out.split(SEPARATOR) if e.strip()]


def _entry(message: str) -> str:
    """The entry, without the nonce that made its commit its own."""
    text = message.strip("\n")
    head, _, last = text.rpartition("\n")
    return head.rstrip("\n") if last.startswith(NONCE) else text


def append(root: Path, name: str, entry: str, *, date: str, token: str | None = None) -> str:
    """`entry` as the journal's newest, at origin too when there is one; its commit."""
    ref = PREFIX + name
    empty = proc.output(["git", "mktree"], cwd=root, env=git.env()).strip()
    remote = gitio.has_origin(root)
    message = f"{entry}\n\n{NONCE}{secrets.token_hex(8)}"
    for attempt in range(TRIES):
        if remote:
            _fetch(root, ref, token)
        parent = _tip(root, ref)
        commit = proc.output(
            ["git", "commit-tree", empty, *(["-p", parent] if parent else []), "-m", message],
            cwd=root,
            env=git.as_mlgate(date),
        ).strip()
        if remote:
            if _pushed(root, commit, ref, token):
                proc.output(["git", "update-ref", ref, commit], cwd=root, env=git.env())
                return commit
        else:  # only over the tip it was made on: another process may have appended.
            # Its exit status says whether it did: reading the tip after it would take
            # another writer's next entry, on top of this one, for a failure
            try:
                proc.output(
                    ["git", "update-ref", ref, commit, parent or "0" * 40],
                    cwd=root,
                    env=git.env(),
                )
            except OutsideError:
                pass  # the tip moved (or its lock was held): read it again
            else:
                return commit
        time.sleep(random.uniform(0, 0.05 * 2 ** min(attempt, 5)))  # jitter: racers spread out
    raise OutsideError(
        f"the journal {ref} could not be appended to after {TRIES} tries: other writers kept "
        "getting there first",
        hint="nothing of this entry was recorded; run the same command again",
    )


def _tip(root: Path, ref: str) -> str | None:
    out = proc.output(
        ["git", "rev-parse", "--verify", "--quiet", ref], cwd=root, env=git.env(), check=False
    )
    return out.strip() or None


def _fetch(root: Path, ref: str, token: str | None) -> None:
    """Origin's tip of the journal, in place of the local one. None at origin keeps the
    local one (a history made before the clone had an origin: the next append pushes it;
    an append moves the local tip only once origin has taken it, so no killed append
    leaves one behind). Deleting it lost the history to a `monitor` that only read."""
    listed = proc.output(
        ["git", "ls-remote", "origin", ref], cwd=root, env=git.auth_env(token), timeout_s=300
    )
    if not listed.strip():
        return
    proc.output(
        ["git", "fetch", "--quiet", "--no-recurse-submodules", "origin", f"+{ref}:{ref}"],
        cwd=root,
        env=git.auth_env(token),
        timeout_s=300,
    )


def _pushed(root: Path, commit: str, ref: str, token: str | None) -> bool:
    """False when origin's tip moved since it was read (the push is not a fast-forward)."""
    try:
        proc.output(
            ["git", "push", "--quiet", "origin", f"{commit}:{ref}"],
            cwd=root,
            env=git.auth_env(token),
            timeout_s=300,
        )
    except OutsideError as exc:
        said = str(exc)
        if "non-fast-forward" in said or "fetch first" in said or gitio.lost_race(said):
            return False
        raise OutsideError(
            f"origin refused the journal {ref}: {exc}",
            hint="nothing of this entry was recorded; fix what origin says, then run again",
        ) from exc
    return True
