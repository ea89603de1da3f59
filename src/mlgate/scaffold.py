"""`mlgate init`: write a starter manifest and the workflows, or the whole example
project; `mlgate init --check`: are a repository's workflows what this mlgate writes?

All or nothing: when a file to be written exists and `force` is not given, nothing is
written and every such file is named.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mlgate import atomic, proc, release
from mlgate.errors import OutsideError, UserError

EXAMPLE = "breast-cancer"
# what a run of the example leaves in its folder; never copied into a user's repository
GENERATED = frozenset({"data", "models", ".mlgate", "__pycache__"})
STARTER = {"mlops.yaml": "starter/mlops.yaml"}
# one workflow a trigger, each a few lines around the one action
WORKFLOWS = {
    ".github/workflows/mlgate.yml": "workflows/pull-request.yml",
    ".github/workflows/mlgate-fork-report.yml": "workflows/fork-report.yml",
    ".github/workflows/mlgate-merge.yml": "workflows/merge.yml",
    ".github/workflows/mlgate-dispatch.yml": "workflows/dispatch.yml",
    ".github/workflows/mlgate-monitor.yml": "workflows/monitor.yml",
}
DEFAULT_PYTHON = "3.11"
DEFAULT_BRANCH = "main"
OLDEST_PYTHON = (3, 11)  # mlgate's own requires-python
PIN = re.compile(r"^\s*-?\s*uses:\s*([\w.-]+/[\w.-]+)@([0-9a-f]{40})\s*#\s*(\S+)", re.M)
Status = Literal["up to date", "missing", "out of date", "edited"]
# the manifest schema's `name` pattern and length
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
NAME_MAX = 64


@dataclass(frozen=True, kw_only=True)
class InitResult:
    root: Path
    written: tuple[str, ...]  # relative posix paths, sorted


@dataclass(frozen=True, kw_only=True)
class WorkflowCheck:
    path: str  # relative posix path
    status: Status
    detail: str = ""  # what differs, in a phrase
    diff: str = ""  # unified diff from the file to what init would write


@dataclass(frozen=True, kw_only=True)
class Values:
    """What the templates are filled with, read from the repository where possible."""

    name: str
    python_version: str
    default_branch: str
    action: str = release.uses()  # the `uses:` value (with its version comment)


def templates_dir() -> Path:
    """The templates inside the installed package, or the checkout's when installed editable."""
    packaged = Path(__file__).with_name("templates")
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "templates"


def init(root: Path, *, example: bool = False, force: bool = False,
         name: str | None = None, action: str | None = None) -> InitResult:
    """Write the starter files (or the example) into `root`; refuse before writing anything."""
    if root.exists() and not root.is_dir():
        raise UserError(f"'{root}' is a file, not a folder")
    if name is not None and not valid_name(name):
        raise UserError(f"'{name}' is not a valid model name",
                        hint=f"use lowercase letters, digits and inner dashes, such as "
                             f"'{slug(name)}'")
    values = values_for(root, name, action)
    files = example_files(values, name) if example else starter_files(values)
    blocked = sorted(p for p in files if _blocked(root, p))
    if blocked:
        raise UserError("a folder or file stands where mlgate would write: " + ", ".join(blocked),
                        hint="move it away; --force replaces files, never folders")
    existing = sorted(p for p in files if (root / p).exists())
    if existing and not force:
        raise UserError(
            f"{len(existing)} file{'s' if len(existing) != 1 else ''} would be overwritten: "
            + ", ".join(existing),
            hint="pass --force to overwrite them",
        )
    for relative, content in sorted(files.items()):
        atomic.write_bytes(root / relative, content)
    return InitResult(root=root, written=tuple(sorted(files)))


def check(root: Path, *, action: str | None = None) -> list[WorkflowCheck]:
    """Each workflow init writes, against the file in `root`."""
    if not root.is_dir():
        raise UserError(f"'{root}' is not a folder", hint="give the repository's folder")
    values = values_for(root, None, action)
    found = []
    for relative, expected in workflow_files(values).items():
        path = root / relative
        if not path.is_file():
            found.append(WorkflowCheck(path=relative, status="missing"))
            continue
        text, wanted = path.read_text("utf-8"), expected.decode("utf-8")
        if text == wanted:
            found.append(WorkflowCheck(path=relative, status="up to date"))
            continue
        diff = "".join(difflib.unified_diff(
            text.splitlines(keepends=True), wanted.splitlines(keepends=True),
            fromfile=relative, tofile=f"{relative} (mlgate init)"))
        pinned, pins = _pin(text), _pin(wanted)
        if pinned != pins:
            detail = f"calls {pinned or 'no pinned mlgate action'}; this mlgate writes {pins}"
            found.append(WorkflowCheck(path=relative, status="out of date", detail=detail,
                                       diff=diff))
        else:
            found.append(WorkflowCheck(path=relative, status="edited", diff=diff,
                                       detail="differs from what this mlgate writes"))
    return found


def example_files(values: Values, name: str | None = None) -> dict[str, bytes]:
    """Every file of the example project, without what a run of it left behind, its
    workflows filled in for the repository; renamed only when a name is given."""
    source = templates_dir() / "projects" / EXAMPLE
    files = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and not GENERATED.intersection(relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    if name is not None:
        files["mlops.yaml"] = re.sub(rb"(?m)^name: .*$", b"name: " + name.encode(),
                                     files["mlops.yaml"], count=1)
    return files | workflow_files(values)


def starter_files(values: Values) -> dict[str, bytes]:
    return {target: _fill(source, values) for target, source in STARTER.items()} \
        | workflow_files(values)


def workflow_files(values: Values) -> dict[str, bytes]:
    return {target: _fill(source, values) for target, source in WORKFLOWS.items()}


def _fill(template: str, values: Values) -> bytes:
    """`$name`-style placeholders (they never clash with YAML, and `${{` is left alone);
    the pinned mlgate action replaced by the one asked for."""
    text = (templates_dir() / template).read_text("utf-8")
    text = string.Template(text).safe_substitute(
        name=values.name, python_version=values.python_version,
        default_branch=values.default_branch)
    return text.replace(release.uses(), values.action).encode("utf-8")


def values_for(root: Path, name: str | None, action: str | None) -> Values:
    return Values(name=name or slug(root.resolve().name), python_version=python_version(root),
                  default_branch=default_branch(root), action=parse_action(action))


def parse_action(action: str | None) -> str:
    """`OWNER/REPO@SHA` (a fork or mirror of mlgate's action) as a pinned `uses:` value."""
    if action is None:
        return release.uses()
    match = re.fullmatch(r"([\w.-]+/[\w.-]+)@([0-9a-f]{40})", action)
    if match is None:
        raise UserError(f"--action '{action}' is not OWNER/REPO@COMMIT",
                        hint="pin the action by its full 40-character commit id")
    return release.uses(match.group(1), match.group(2), release.TAG)


def _pin(text: str) -> str | None:
    """The mlgate action a workflow calls, as `owner/repo@sha # tag`."""
    for repository, commit, tag in PIN.findall(text):
        if not repository.startswith("actions/"):
            return f"{repository}@{commit} # {tag}"
    return None


def valid_name(name: str) -> bool:
    return len(name) <= NAME_MAX and NAME.match(name) is not None


def slug(text: str) -> str:
    """A folder's name as a model name: lowercase letters, digits and inner dashes."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:NAME_MAX].rstrip("-") or "model"


def python_version(root: Path) -> str:
    """The repository's Python (`.python-version`, else pyproject's requires-python lower
    bound) when mlgate runs on it, else mlgate's default."""
    found = None
    pinned, project = root / ".python-version", root / "pyproject.toml"
    if pinned.is_file():
        found = re.match(r"\s*(\d+)\.(\d+)", pinned.read_text("utf-8", errors="replace"))
    elif project.is_file():
        found = re.search(r"(?m)^requires-python\s*=\s*[\"'][^\"']*>=\s*(\d+)\.(\d+)",
                          project.read_text("utf-8", errors="replace"))
    if found and (int(found.group(1)), int(found.group(2))) >= OLDEST_PYTHON:
        return f"{found.group(1)}.{found.group(2)}"
    return DEFAULT_PYTHON


def default_branch(root: Path) -> str:
    """origin's default branch, else the branch checked out, else git's init.defaultBranch."""
    if not root.is_dir():
        return DEFAULT_BRANCH
    for argv in (["git", "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"],
                 ["git", "symbolic-ref", "--quiet", "--short", "HEAD"],
                 ["git", "config", "--get", "init.defaultBranch"]):
        try:
            out = proc.output(argv, cwd=root, check=False).strip()
        except OutsideError:  # no git at all
            return DEFAULT_BRANCH
        if out:
            return out.removeprefix("origin/")
    return DEFAULT_BRANCH


def _blocked(root: Path, relative: str) -> bool:
    """A folder where the file goes, or a file where one of its folders goes."""
    target = root / relative
    folders = [root / parent for parent in Path(relative).parents if parent != Path(".")]
    return target.is_dir() or any(f.exists() and not f.is_dir() for f in folders)
