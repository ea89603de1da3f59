"""How mlgate itself gets into the image: the very mlgate that writes the context, since
the image's server reads the bundle this one writes.

- installed from a folder (an editable checkout, or the action's own checkout, which is
  how the GitHub Action installs it): a wheel built from that folder with
  `pip wheel --no-deps` goes into the context, and requirements.txt installs it;
- installed from a wheel file that is still there: that wheel;
- installed from a package index: `mlgate==VERSION`.

An install from a VCS URL or a remote archive is refused: the image would need git, or
would fetch something other than what runs here. The published action's pin
(`mlgate.action_pin`) is not used either: it names a commit, not necessarily this code.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import posixpath
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from mlgate import git, proc, words
from mlgate.errors import OutsideError, UserError

WHEEL_TIMEOUT_S = 300.0


@dataclass(frozen=True, kw_only=True)
class Source:
    version: str
    requirement: str  # its line in requirements.txt
    wheel: Path | None  # a wheel to copy into the context's wheels/ folder
    requires: tuple[str, ...]  # its Requires-Dist, whose pins go beside it
    how: str  # one phrase for the record: "a wheel built from /src/mlgate"


WHEELS = "wheels"


def locate() -> Source:
    """Where the installed mlgate came from, and so how the image gets the same."""
    dist = metadata.distribution("mlgate")
    origin = _direct_url(dist)
    if origin is None:
        return Source(
            version=dist.version,
            requirement=f"mlgate=={dist.version}",
            wheel=None,
            requires=tuple(dist.requires or ()),
            how=f"mlgate=={dist.version} from the package index",
        )
    url = origin.get("url", "")
    local = Path(unquote(urlparse(url).path)) if url.startswith("file://") else None
    if "dir_info" in origin and local is not None and local.is_dir():
        wheel, how = _built_wheel(str(local))
        return _wheel_source(dist.version, wheel, how)
    if local is not None and local.suffix == ".whl" and local.is_file():
        return _wheel_source(dist.version, local, f"the wheel it was installed from, {local.name}")
    raise UserError(
        f"mlgate was installed from {url or 'an unknown place'}; the image "
        "cannot get the same mlgate from there",
        hint="install mlgate from a package index, a wheel file or a folder (docs/docker.md)",
    )


def _direct_url(dist: metadata.Distribution) -> dict[str, Any] | None:
    text = dist.read_text("direct_url.json")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _wheel_source(version: str, wheel: Path, how: str) -> Source:
    return Source(
        version=version,
        requirement=f"./{WHEELS}/{wheel.name}",
        wheel=wheel,
        requires=_wheel_requires(wheel),
        how=how,
    )


def _wheel_requires(wheel: Path) -> tuple[str, ...]:
    """The wheel's own Requires-Dist: an editable install's recorded metadata is as old
    as its last `pip install -e`, the wheel is as new as the source."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        headers = Parser().parsestr(archive.read(name).decode("utf-8"))
    return tuple(headers.get_all("Requires-Dist") or ())


STALE_WHEELS_S = 86_400  # a wheel folder this old was left by a process that was killed


@functools.cache
def _built_wheel(folder: str) -> tuple[Path, str]:
    """Built once a process (a promotion does not change the source under itself) into a
    folder removed when the process ends, from the files git tracks in `folder` as they
    are on disk: an untracked file there (a .env, notes) went into the image. With what
    the record says of it: the commit, not the folder's path on this machine."""
    _sweep_wheels()
    out = Path(tempfile.mkdtemp(prefix="mlgate-wheel-"))
    atexit.register(shutil.rmtree, out, True)
    tracked = _tracked(folder)
    source, how = folder, "a wheel built from a folder (not a git checkout)"
    if tracked is not None:
        files, commit, dirty, untracked = tracked
        source = str(out / "source")
        for name in files:
            _copy_tracked(Path(folder), Path(source), name)
        for name in files:  # a link through another link (`d -> .`, `l -> d/../x`)
            _inside(Path(folder), Path(source), name)
        edits = ", with uncommitted changes" if dirty else ""
        left = (
            f" ({words.count(untracked, 'untracked file')} left out: git add what belongs)"
            if untracked
            else ""
        )
        how = f"a wheel built from a checkout of mlgate at commit {commit[:12]}{edits}{left}"
    try:
        proc.output(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--quiet",
                "--disable-pip-version-check",
                "--wheel-dir",
                str(out),
                source,
            ],
            cwd=out,
            timeout_s=WHEEL_TIMEOUT_S,
        )
    except OutsideError as exc:
        raise OutsideError(
            f"could not build a wheel of mlgate from {folder} for the image: {exc.message}"
        ) from exc
    wheels = sorted(out.glob("mlgate-*.whl"))
    if not wheels:
        raise OutsideError(f"pip wheel wrote no mlgate wheel from {folder}")
    return wheels[0], how


def _copy_tracked(folder: Path, copy: Path, name: str) -> None:
    """One tracked file into the wheel's copy of the checkout. A symlink is copied as a
    symlink when it points inside the copy (copied as a file, it took the file it pointed
    to from anywhere on the machine into the image); one that points out is refused."""
    path, into = folder / name, copy / name
    if path.is_symlink():
        target = os.readlink(path)
        inside = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        if posixpath.isabs(target) or inside == ".." or inside.startswith("../"):
            raise _outside(folder, name, target)
        into.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, into)
    elif path.is_file():
        into.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, into)


def _inside(folder: Path, copy: Path, name: str) -> None:
    """A link copied resolves inside the copy, through any other link."""
    into = copy / name
    if into.is_symlink():
        real, root = os.path.realpath(into), os.path.realpath(copy)
        if os.path.commonpath([real, root]) != root:
            raise _outside(folder, name, os.readlink(into))


def _outside(folder: Path, name: str, target: str) -> UserError:
    return UserError(
        f"cannot build a wheel of mlgate from {folder} for the image: it tracks {name}, a "
        f"symlink to {target}, which leads outside the checkout (only the files git tracks "
        "there go into the image, and a link would take what it points to in)",
        hint=f"git rm --cached {name}, or commit the file itself",
    )


def _tracked(folder: str) -> tuple[list[str], str, bool, int] | None:
    """The files git tracks under `folder` (relative to it), its commit, whether the
    tracked files differ from it, and how many files are untracked (and not ignored);
    None outside a git checkout."""

    def run(*args: str) -> str:
        return proc.output(["git", *args], cwd=Path(folder), env=git.env())

    try:
        files = [n for n in run("ls-files", "-z", "--cached").split("\0") if n]
        commit = run("rev-parse", "HEAD").strip()
        dirty = bool(run("status", "--porcelain", "--untracked-files=no", "--", ".").strip())
        others = [n for n in run("ls-files", "-z", "--others", "--exclude-standard").split("\0")]
    except OutsideError:
        return None
    return (files, commit, dirty, len([n for n in others if n])) if files else None


def _sweep_wheels() -> None:
    """Wheel folders of processes that were killed (atexit does not run on SIGKILL)."""
    now = time.time()
    for left in Path(tempfile.gettempdir()).glob("mlgate-wheel-*"):
        try:
            if now - left.stat().st_mtime > STALE_WHEELS_S:
                shutil.rmtree(left, ignore_errors=True)
        except OSError:
            continue
