"""Files the manifest names that lie outside the project: read as named, and said so.

The project is the repository that holds the manifest: the nearest folder at or above
the manifest's with `.git` (a folder, or the file of a worktree or submodule) or `.dvc/`,
where DVC's records are looked for too; outside any, the manifest's own folder. A file in
another folder of a monorepo (`../shared-data/train.csv`) is inside it. One beside a
project that is no repository, an absolute path elsewhere (`/data/train.csv`, a mounted
disk), or a symbolic link that leads out of it is outside: the run reads it all the
same, since such setups are real, but a checkout elsewhere (CI's) has it only if
something puts it there, so `mlgate validate` says so, as a warning.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlgate.errors import Problem
from mlgate.manifest.spec import Manifest


def warnings(manifest: Manifest, name: str) -> list[Problem]:
    """A warning, located, for each file the run reads that lies outside the project."""
    named = [
        ("data.train", manifest.data.train),
        ("data.test", manifest.data.test),
        ("data.reference", manifest.data.reference),
        ("forks.data.train", manifest.forks.train),
        ("forks.data.test", manifest.forks.test),
        ("train.params", manifest.train.params),
    ]
    found = []
    for key, relative in named:
        place = manifest.lines.get(key)
        if relative is None or place is None:  # a default names nothing outside
            continue
        said = outside(manifest.root, relative)
        if said is not None:
            line, column = place
            found.append(Problem(file=name, line=line, column=column, path=key, message=said))
    return found


def outside(root: Path, relative: str) -> str | None:
    """Why `relative` (as the manifest names it, from `root`) is outside the project, or
    None when it is inside."""
    start = Path(os.path.abspath(root))
    top = project(start)
    named = Path(os.path.normpath(start / relative))
    if (top / ".git").exists():
        what = f"the git repository at {top}"
    elif top != start or _is_repository(top):
        what = f"the DVC project at {top}"
    else:
        what = f"its folder {top}, in no repository"
    consequence = (
        "it is read as named, and a checkout elsewhere (CI's) has it only if something "
        "puts it there"
    )
    if not named.is_relative_to(top):
        return f"'{relative}' is outside the project ({what}): {consequence}"
    real = named.resolve()
    if not real.is_relative_to(top.resolve()):
        return (
            f"'{relative}' leads to {real} through a symbolic link, outside the project "
            f"({what}): {consequence}"
        )
    return None


def project(start: Path) -> Path:
    """The project's top folder, from the manifest's (absolute) folder."""
    for folder in (start, *start.parents):
        if _is_repository(folder):
            return folder
    return start


def _is_repository(folder: Path) -> bool:
    try:
        return (folder / ".git").exists() or (folder / ".dvc").is_dir()
    except OSError:  # a folder that cannot be read is no repository we can see
        return False
