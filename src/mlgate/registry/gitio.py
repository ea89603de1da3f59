"""The registry's tags in git: read them, write one, push with compare-and-swap.

A tag that already exists is refused, locally by `git tag` and on origin by the push: so
two jobs that both compute `churn#production#8` cannot both succeed, and the loser reads
again and retries. Pushes are `--atomic`: every tag of one change lands, or none.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from mlgate import git, proc, words
from mlgate.errors import OutsideError, UserError
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


# origin's registry tags, fetched by each read into a namespace of its own: one shared by
# every command of a clone was locked ref by ref, and a command killed mid-fetch left a
# `.lock` there that failed every later read ("cannot lock ref ... File exists")
ORIGIN_TAGS = "refs/mlgate/origin-tags/"
STALE_S = 600  # a namespace older than this is a killed read's (a fetch stops at 300 s)


def fetch(root: Path, model: str, *, token: str | None = None) -> tuple[str, ...]:
    """Origin's tags of this model into the clone, so the state read is origin's; the
    names of those only this clone has (made before it had an origin), kept.

    A tag this clone was pushing when its process died (marked pending) takes origin's
    word: deleted when origin never got it, replaced by origin's when another writer's
    landed under its name. No other local tag is deleted (a `--prune` of the tags took
    a registry made before `git remote add origin` with it)."""
    _drop_stale(root)
    space = f"{ORIGIN_TAGS}{int(time.time())}-{os.getpid()}-{secrets.token_hex(4)}/"
    try:
        return _fetched(root, model, space, token)
    finally:
        _drop(root, space)


def _fetched(root: Path, model: str, space: str, token: str | None) -> tuple[str, ...]:
    fetch_ = ["git", "fetch", "--quiet", "--prune", "--no-tags", "--no-recurse-submodules"]
    mirror = [f"+refs/tags/{model}{sep}*:{space}{model}{sep}*" for sep in "@#"]
    try:
        _retried(
            lambda: proc.output(
                [*fetch_, "origin", *mirror], cwd=root, env=git.auth_env(token), timeout_s=300
            )
        )
    except OutsideError as exc:
        raise OutsideError(
            f"could not read the registry from origin: {exc.message}",
            hint="nothing was changed; `git remote -v` shows where origin is, and `git fetch "
            "origin` tries it (a private origin in Actions needs the job's GITHUB_TOKEN)",
        ) from exc
    return _retried(lambda: _mirrored(root, model, space))


def _drop(root: Path, space: str) -> None:
    """A read's namespace removed: its loose refs and any lock a kill left in its folder,
    then what git packed. Best effort: a namespace left is dropped by a later read."""
    shutil.rmtree(_git_path(root, space), ignore_errors=True)
    _delete(root, _listed(root, space))


def _drop_stale(root: Path) -> None:
    """The namespaces of reads killed long enough ago (named by their start, in seconds),
    and the one namespace every read shared before 0.33, read no more."""
    names = [ref.removeprefix(ORIGIN_TAGS) for ref in _listed(root, ORIGIN_TAGS)]
    _delete(root, [f"{ORIGIN_TAGS}{name}" for name in names if "/" not in name])
    spaces = {name.split("/", 1)[0] for name in names if "/" in name}
    folder = _git_path(root, ORIGIN_TAGS)
    if folder.is_dir():  # a namespace holding only a kill's lock has no ref to list
        spaces |= {p.name for p in folder.iterdir() if p.is_dir()}
    now = time.time()
    for name in spaces:
        started = name.split("-", 1)[0]
        if not started.isdigit() or now - int(started) > STALE_S:
            _drop(root, f"{ORIGIN_TAGS}{name}/")


def _git_path(root: Path, refs: str) -> Path:
    said = proc.output(
        ["git", "rev-parse", "--git-path", refs.rstrip("/")], cwd=root, env=git.env()
    )
    return root / said.strip()


def _listed(root: Path, prefix: str) -> list[str]:
    out = proc.output(
        ["git", "for-each-ref", "--format=%(refname)", prefix], cwd=root, env=git.env()
    )
    return out.split()


def _delete(root: Path, refs: list[str]) -> None:
    _update(root, [f"delete {ref}" for ref in refs], check=False)  # best effort


def _update(root: Path, moves: list[str], *, check: bool = True) -> None:
    """`moves` (git update-ref's commands) in one transaction."""
    if moves:
        proc.output(
            ["git", "update-ref", "--stdin"],
            cwd=root,
            env=git.env(),
            input="".join(f"{m}\n" for m in moves),
            check=check,
        )


MIRROR_TRIES = 5
LOCK_SIGNS = ("cannot lock ref", "reference already exists", "but expected")
T = TypeVar("T")


def _retried(step: Callable[[], T]) -> T:
    """`step` again, from its own reads, when another mlgate command in this clone wrote
    the same refs between its read and its write (50 `registry list` at once: 7 failed
    on git's "cannot lock ref ... reference already exists")."""
    for attempt in range(MIRROR_TRIES):
        try:
            return step()
        except OutsideError as exc:
            if attempt + 1 == MIRROR_TRIES or not any(s in exc.message for s in LOCK_SIGNS):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _mirrored(root: Path, model: str, space: str) -> tuple[str, ...]:
    """Origin's fetched tags of `model` made this clone's (fetch's second half)."""
    theirs, ours = _refs(root, space, model), _refs(root, "refs/tags/", model)
    pending = _pending(root, model)
    moves, clashes, only_here = [], [], []
    for name, mine in ours.items():
        if name not in theirs:
            if name in pending:
                moves.append(f"delete refs/tags/{name} {mine}")
            else:
                only_here.append(name)
        elif theirs[name] != mine:
            if name in pending:
                moves.append(f"update refs/tags/{name} {theirs[name]} {mine}")
            else:
                clashes.append(name)
    if clashes:
        raise UserError(
            f"origin's {words.count(len(clashes), 'registry tag')} "
            f"({', '.join(sorted(clashes)[:5])}) "
            f"{'differs' if len(clashes) == 1 else 'differ'} from this clone's of the same name: "
            "the registry cannot be read both ways",
            hint=f"git show {sorted(clashes)[0]} shows this clone's; to take origin's "
            f"instead, git tag --delete {' '.join(sorted(clashes))} and run again",
        )
    moves += [f"create refs/tags/{n} {oid}" for n, oid in theirs.items() if n not in ours]
    _update(root, moves)
    settle(root, pending)
    return tuple(sorted(only_here))


def _refs(root: Path, prefix: str, model: str) -> dict[str, str]:
    """Tag name -> the object its ref holds, for this model's tags under `prefix`."""
    patterns = [f"{prefix}{model}@*", f"{prefix}{model}#*"]
    out = proc.output(
        ["git", "for-each-ref", "--format=%(refname)%00%(objectname)", *patterns],
        cwd=root,
        env=git.env(),
    )
    pairs = (line.split("\x00") for line in out.splitlines() if "\x00" in line)
    return {ref.removeprefix(prefix): oid for ref, oid in pairs}


def _pending_dir(root: Path) -> Path:
    out = proc.output(["git", "rev-parse", "--git-path", "mlgate/pending"], cwd=root, env=git.env())
    return root / out.strip()


def pending(root: Path, names: Iterable[str]) -> None:
    """Mark tags as on their way to origin, before they are made: a process killed before
    origin answered leaves the mark, and the next read takes origin's word for them."""
    folder = _pending_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).touch()


def _pending(root: Path, model: str) -> set[str]:
    folder = _pending_dir(root)
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if p.name.startswith((f"{model}@", f"{model}#"))}


def settle(root: Path, names: Iterable[str]) -> None:
    """Origin has answered for these tags (or there is none): no longer pending."""
    folder = _pending_dir(root)
    for name in names:
        (folder / name).unlink(missing_ok=True)


def create(root: Path, name: str, commit: str, message: str, *, date: str) -> bool:
    """An annotated tag; False when it exists already (someone else made it first)."""
    if exists(root, name):
        return False
    env = {**git.env(), "GIT_COMMITTER_DATE": date}
    if not git.knows_committer(root):  # the tagger: who acted is in the record either way
        env |= {"GIT_COMMITTER_NAME": git.MLGATE_NAME, "GIT_COMMITTER_EMAIL": git.MLGATE_EMAIL}
    try:  # the message on stdin: a temporary file was left in /tmp by every SIGKILL
        proc.output(
            ["git", "tag", "--annotate", "--file", "-", "--end-of-options", name, commit],
            cwd=root,
            env=env,
            input=message,
        )
    except OutsideError as exc:
        if "already exists" in str(exc):  # made by another process in this clone meanwhile
            return False
        raise
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
    """Tags origin did not take, and their pending marks."""
    for name in names:
        proc.output(
            ["git", "tag", "--delete", "--end-of-options", name],
            cwd=root,
            env=git.env(),
            check=False,
        )
    settle(root, names)


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
UNREACHABLE_SIGNS = (
    "does not appear to be a git repository",
    "Could not resolve host",  # curl's; ssh's says "hostname"
    "Connection refused",
    "Failed to connect",
    "Network is unreachable",
    "No route to host",
    "Could not resolve proxy",
    "timed out",  # curl's "Operation timed out", ssh's "Connection timed out"
    "Connection closed by remote host",
    "Connection reset",
    "The requested URL returned error: 5",  # 502, 503, 504: a server between, or down
)  # git's and its transports' words when origin was never asked: not "unable to access" or
# "Could not read from remote repository", which an HTTP 403 and a refused key print too


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
        # a hook's own words may look like a race ("already exists"): it is one only when
        # origin has the tag now, written by someone else (a held lock: it will soon)
        if lost_race(str(exc)) and (_locked(str(exc)) or on_origin(root, names[-1], token)):
            return False
        if any(sign in str(exc) for sign in UNREACHABLE_SIGNS):
            raise OutsideError(
                f"could not reach origin to push the registry's tags: {exc}",
                hint="nothing was recorded; check origin (`git remote -v`) and the network, "
                "then run the same command again",
            ) from exc
        raise OutsideError(
            f"origin refused the registry's tags: {exc}",
            hint="nothing was recorded; fix what origin says, then run the same command again",
        ) from exc
    return True


def _locked(said: str) -> bool:
    return any(sign in said for sign in RACE_SIGNS if "lock" in sign)


def on_origin(root: Path, name: str, token: str | None = None) -> bool:
    listed = proc.output(
        ["git", "ls-remote", "origin", f"refs/tags/{name}"],
        cwd=root,
        env=git.auth_env(token),
        timeout_s=300,
        check=False,
    )
    return bool(listed.strip())


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
