"""`mlgate init`: write a starter manifest and workflow, or the whole example project.

All or nothing: when a file to be written exists and `force` is not given, nothing is
written and every such file is named.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from mlgate import atomic
from mlgate.errors import UserError

EXAMPLE = "breast-cancer"
# what a run of the example leaves in its folder; never copied into a user's repository
GENERATED = frozenset({"data", "models", ".mlgate", "__pycache__"})
STARTER = {
    "mlops.yaml": "starter/mlops.yaml",
    ".github/workflows/mlgate.yml": "workflows/pull-request.yml",
}
DEFAULT_PYTHON = "3.11"
# the manifest schema's `name` pattern and length
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
NAME_MAX = 64


@dataclass(frozen=True, kw_only=True)
class InitResult:
    root: Path
    written: tuple[str, ...]  # relative posix paths, sorted


def templates_dir() -> Path:
    """The templates inside the installed package, or the checkout's when installed editable."""
    packaged = Path(__file__).with_name("templates")
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "templates"


def init(root: Path, *, example: bool = False, force: bool = False,
         name: str | None = None) -> InitResult:
    """Write the starter files (or the example) into `root`; refuse before writing anything."""
    if root.exists() and not root.is_dir():
        raise UserError(f"'{root}' is a file, not a folder")
    if name is not None and not valid_name(name):
        raise UserError(f"'{name}' is not a valid model name",
                        hint=f"use lowercase letters, digits and inner dashes, such as "
                             f"'{slug(name)}'")
    files = example_files(name) if example else starter_files(root, name)
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


def example_files(name: str | None = None) -> dict[str, bytes]:
    """Every file of the example project, without what a run of it left behind."""
    source = templates_dir() / "projects" / EXAMPLE
    files = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and not GENERATED.intersection(relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    if name is not None:
        files["mlops.yaml"] = re.sub(rb"(?m)^name: .*$", b"name: " + name.encode(),
                                     files["mlops.yaml"], count=1)
    return files


def starter_files(root: Path, name: str | None) -> dict[str, bytes]:
    """The starter manifest and workflow; `$name`-style placeholders never clash with YAML."""
    values = {"name": name or slug(root.resolve().name), "python_version": python_version(root)}
    return {
        target: string.Template((templates_dir() / source).read_text("utf-8"))
        .substitute(values).encode("utf-8")
        for target, source in STARTER.items()
    }


def valid_name(name: str) -> bool:
    return len(name) <= NAME_MAX and NAME.match(name) is not None


def slug(text: str) -> str:
    """A folder's name as a model name: lowercase letters, digits and inner dashes."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:NAME_MAX].rstrip("-") or "model"


def python_version(root: Path) -> str:
    """The repository's Python version (`.python-version`), else mlgate's default."""
    pinned = root / ".python-version"
    if pinned.is_file():
        match = re.match(r"\s*(\d+\.\d+)", pinned.read_text("utf-8"))
        if match:
            return match.group(1)
    return DEFAULT_PYTHON


def _blocked(root: Path, relative: str) -> bool:
    """A folder where the file goes, or a file where one of its folders goes."""
    target = root / relative
    folders = [root / parent for parent in Path(relative).parents if parent != Path(".")]
    return target.is_dir() or any(f.exists() and not f.is_dir() for f in folders)
