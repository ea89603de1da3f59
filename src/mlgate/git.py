"""What git says about the checkout a run comes from; git is called through `proc`."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlgate import proc, scratch
from mlgate.errors import OutsideError


@dataclass(frozen=True, kw_only=True)
class GitInfo:
    """The checkout a run came from, as run.json records it."""

    commit: str | None
    branch: str | None
    dirty: bool | None
    # the first of the paths that made it dirty, as `git status` names them: a run refused
    # for registration in CI could not say which file the job had left changed
    changed: tuple[str, ...] = ()


UNKNOWN = GitInfo(commit=None, branch=None, dirty=None)


def info(directory: Path, *, ignore: Sequence[str] = ()) -> GitInfo:
    """HEAD, branch and dirtiness in one `git status` call; UNKNOWN outside a repository.

    `ignore`: paths (relative to `directory`, a folder's whole content with it) whose
    changes do not count, the files a run writes itself; a path outside `directory` is not
    ignored."""
    spec = [f":(exclude,literal){p}" for p in map(_inside, ignore) if p]
    try:
        out = proc.output(
            [
                "git",
                "-c",
                "status.relativePaths=false",  # the paths it names, from the repository's top
                "status",
                "--porcelain=v2",
                "--branch",
                "--untracked-files=all",
                "--",
                ":/",
                *spec,
            ],
            cwd=directory,
            env=env(),
        )
    except OutsideError:
        return UNKNOWN
    commit = branch = None
    changed: list[str] = []
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.removeprefix("# branch.oid ")
            commit = None if oid == "(initial)" else oid
        elif line.startswith("# branch.head "):
            head = line.removeprefix("# branch.head ")
            branch = None if head == "(detached)" else head
        elif not line.startswith("#"):
            changed.append(_path_of(line)[:PATH_KEPT])  # run.json holds each to 4,096
    return GitInfo(
        commit=commit, branch=branch, dirty=bool(changed), changed=tuple(changed[:CHANGED_KEPT])
    )


CHANGED_KEPT = 10  # paths a run keeps of those that made it dirty
PATH_KEPT = 4096  # characters of each (git writes é as \303\251: a path may grow fourfold)
# fields before the path in `git status --porcelain=v2`'s entries: changed, renamed or
# copied (then "path<TAB>original"), unmerged; untracked and ignored are "? path"
_FIELDS = {"1": 8, "2": 9, "u": 10}


def _path_of(entry: str) -> str:
    """The path an entry of `git status --porcelain=v2` names (C-quoted by git when odd)."""
    fields = _FIELDS.get(entry[:1])
    if fields is None:
        return entry[2:]
    return entry.split(" ", fields)[-1].split("\t", 1)[0]


def _inside(relative: str) -> str | None:
    """`relative` normalised, or None when it leaves the folder (or is absolute)."""
    path = os.path.normpath(relative)
    if os.path.isabs(path) or path == ".." or path.startswith("../") or path == ".":
        return None
    return path


def toplevel(directory: Path) -> Path | None:
    try:
        out = proc.output(["git", "rev-parse", "--show-toplevel"], cwd=directory, env=env())
    except OutsideError:
        return None
    return Path(out.strip())


def identity(directory: Path) -> str:
    """Who git says is working here: "name <email>" (user.name, user.email), or "" """
    name = _quiet(directory, "config", "user.name")
    email = _quiet(directory, "config", "user.email")
    return f"{name} <{email}>" if name and email else name or email


def knows_committer(directory: Path) -> bool:
    """Whether git can name the committer (and tagger) here: config, environment or
    what it guesses from the machine. A fresh CI runner has no identity, and `git tag
    --annotate` fails there with "Committer identity unknown"."""
    return bool(_quiet(directory, "var", "GIT_COMMITTER_IDENT"))


def _quiet(directory: Path, *args: str) -> str:
    """A query's answer, stripped; "" when git says nothing or fails."""
    try:
        return proc.output(["git", *args], cwd=directory, env=env(), check=False).strip()
    except OutsideError:
        return ""


_SHA = re.compile(r"^[0-9a-f]{7,40}$")


def resolve(directory: Path, ref: str) -> str | None:
    """The commit a ref names, or None when this clone does not have it."""
    for candidate in (ref, f"origin/{ref}"):
        out = proc.output(
            [
                "git",
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{candidate}^{{commit}}",
            ],
            cwd=directory,
            env=env(),
            check=False,
        )
        if out.strip():
            return out.strip()
    return None


def has_origin(directory: Path) -> bool:
    """Whether the repository has a remote named origin to fetch from."""
    return bool(_quiet(directory, "remote", "get-url", "origin"))


def refs(directory: Path) -> list[str]:
    """The branches and tags this clone knows, by their short names (origin's as
    `origin/x`): what a ref that is not there may have meant."""
    return proc.output(
        [
            "git",
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads/",
            "refs/tags/",
            "refs/remotes/",
        ],
        cwd=directory,
        env=env(),
        check=False,
    ).split()


def default_branch(directory: Path) -> str | None:
    """The repository's default branch: origin's HEAD, else the local one of
    init.defaultBranch, main and master that exists, else the only branch; None if unsure."""
    head = proc.output(
        ["git", "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"],
        cwd=directory,
        env=env(),
        check=False,
    ).strip()
    if head.startswith("origin/"):
        return head.removeprefix("origin/")
    branches = proc.output(
        ["git", "for-each-ref", "--format=%(refname:short)", "refs/heads/"],
        cwd=directory,
        env=env(),
        check=False,
    ).split()
    configured = proc.output(
        ["git", "config", "--get", "init.defaultBranch"], cwd=directory, env=env(), check=False
    ).strip()
    for name in (configured, "main", "master"):
        if name and name in branches:
            return name
    return branches[0] if len(branches) == 1 else None


def fetch(directory: Path, ref: str, *, token: str | None = None, depth: int = 1) -> str | None:
    """Fetch just enough of `ref` from origin (CI checkouts are shallow); its commit or None.

    A token, when given, travels in git's environment as an HTTP header, never on the
    command line, where other processes could read it.
    """
    with_token = auth_env(token)
    wanted = ref if _SHA.match(ref) else f"refs/heads/{ref}:refs/remotes/origin/{ref}"
    try:
        proc.output(
            [
                "git",
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-recurse-submodules",
                f"--depth={depth}",
                "origin",
                "--end-of-options",
                wanted,
            ],
            cwd=directory,
            env=with_token,
            timeout_s=300,
        )
    except OutsideError:
        return None
    return resolve(directory, ref)


def show(directory: Path, commit: str, path: str) -> bytes | None:
    """A file's bytes at a commit (path relative to the repository's top), or None."""
    spec = f"{commit}:{path}"
    kind = proc.output(["git", "cat-file", "-t", spec], cwd=directory, env=env(), check=False)
    if kind.strip() != "blob":
        return None
    return proc.output_bytes(["git", "cat-file", "blob", spec], cwd=directory, env=env())


def files_named(directory: Path, commit: str, names: Sequence[str]) -> list[str]:
    """The paths at `commit` (relative to the repository's top) of the files named one of
    `names`, in any folder, at most a hundred."""
    listed = proc.output(
        ["git", "ls-tree", "-r", "--full-tree", "--name-only", "-z", commit],
        cwd=directory,
        env=env(),
    )
    found = [p for p in listed.split("\0") if p and p.rsplit("/", 1)[-1] in names]
    return found[:100]


def tracked(directory: Path, folder: str) -> frozenset[str]:
    """The paths git tracks under `folder` (both relative to `directory`), in the
    checked-out commit's tree or in the index: files a commit put there, not a tool. One
    `git ls-files`; nothing outside a repository."""
    for tree in (["--with-tree=HEAD"], []):  # no commit yet: the index alone
        try:
            listed = proc.output(
                ["git", "ls-files", "-z", "--cached", *tree, "--", folder],
                cwd=directory,
                env=env(),
            )
        except OutsideError:
            continue
        return frozenset(p for p in listed.split("\0") if p)
    return frozenset()


def on_the_way(relative: PurePosixPath, listed: frozenset[str]) -> bool:
    """`relative` is among the paths git tracks (`listed`, from `tracked`), itself or a
    folder on its way: a committed link `.mlgate -> elsewhere` leads into files git tracks
    under other names."""
    return any(str(p) in listed for p in (relative, *relative.parents) if str(p) != ".")


def first_tracked(directory: Path, files: Iterable[Path], folder: str) -> Path | None:
    """The first of `files` (under `directory`) that is there and that git tracks under
    `folder`, itself or a folder on its way: mlgate's own files that a commit put in its
    ignored folder. One `git ls-files`, only when one of them is there."""
    there = [f for f in files if f.exists() or f.is_symlink()]
    if not there:
        return None
    listed = tracked(directory, folder)
    return next(
        (
            f
            for f in there
            if on_the_way(PurePosixPath(f.relative_to(directory).as_posix()), listed)
        ),
        None,
    )


def lacking(directory: Path, have: str, want: str) -> int | None:
    """How many commits `want` has that `have` lacks (`git rev-list --count have..want`);
    None where git cannot tell (a shallow clone's cut history)."""
    if (
        proc.output(
            ["git", "rev-parse", "--is-shallow-repository"], cwd=directory, env=env()
        ).strip()
        == "true"
    ):
        return None
    try:
        said = proc.output(
            ["git", "rev-list", "--count", f"{have}..{want}"], cwd=directory, env=env()
        )
    except OutsideError:
        return None
    return int(said.strip()) if said.strip().isdigit() else None


def prefix(directory: Path) -> str:
    """The folder's path inside its repository ("" at the top, else ending in "/")."""
    return proc.output(["git", "rev-parse", "--show-prefix"], cwd=directory, env=env()).strip()


@contextlib.contextmanager
def worktree(directory: Path, commit: str) -> Iterator[Path]:
    """A throw-away checkout of `commit` beside the user's, removed afterwards.

    The user's own checkout, index and branches are never touched. One left behind by
    an mlgate killed outright (registered in the user's .git, a whole checkout in the
    temporary folder, which `git worktree prune` keeps while the folder is there) is
    removed by the next.
    """
    _remove_left_behind(directory)
    parent = scratch.folder(WORKTREE_PREFIX)  # who made it: a later process knows if it is gone
    target = parent / "checkout"
    try:
        proc.output(
            ["git", "worktree", "add", "--detach", "--quiet", str(target), commit],
            cwd=directory,
            env=env(),
            timeout_s=300,
        )
        yield target
    finally:
        _remove(directory, target)
        proc.output(["git", "worktree", "prune"], cwd=directory, env=env(), check=False)


WORKTREE_PREFIX = "mlgate-baseline-"


def _remove_left_behind(directory: Path) -> None:
    """mlgate's worktrees of this repository whose maker is gone, removed."""
    try:
        listed = proc.output(["git", "worktree", "list", "--porcelain"], cwd=directory, env=env())
    except OutsideError:
        return
    for line in listed.splitlines():
        path = Path(line.removeprefix("worktree "))
        parent = path.parent
        if not line.startswith("worktree ") or not parent.name.startswith(WORKTREE_PREFIX):
            continue
        if path.name != "checkout" or not scratch.gone(parent):
            continue
        _remove(directory, path)


def _remove(directory: Path, checkout: Path) -> None:
    """One of mlgate's worktrees, unregistered and deleted with its temporary folder."""
    proc.output(
        ["git", "worktree", "remove", "--force", str(checkout)],
        cwd=directory,
        env=env(),
        check=False,
    )
    shutil.rmtree(checkout.parent, ignore_errors=True)


def auth_env(token: str | None) -> dict[str, str]:
    """git's environment, with the token (if any) as an HTTP header for origin: never in
    argv, where other processes could read it."""
    found = env()
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        found.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.extraheader",
                "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
            }
        )
    return found


def env() -> dict[str, str]:
    # a stray GIT_DIR (set by hooks) would point every query at another repository
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # a status query must not take the index lock
    return env


MLGATE_NAME, MLGATE_EMAIL = "mlgate", "mlgate@users.noreply.github.com"


def as_mlgate(date: str) -> dict[str, str]:
    """git's environment for a commit mlgate makes of its own (a journal entry, the
    retraining's branch): one fixed identity, since it is a record, not anyone's work
    (who acted is in what it records), dated `date`."""
    return {
        **env(),
        "GIT_AUTHOR_NAME": MLGATE_NAME,
        "GIT_AUTHOR_EMAIL": MLGATE_EMAIL,
        "GIT_COMMITTER_NAME": MLGATE_NAME,
        "GIT_COMMITTER_EMAIL": MLGATE_EMAIL,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
