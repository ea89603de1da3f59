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
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from mlgate import proc
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
        return _wheel_source(dist.version, _built_wheel(str(local)), f"a wheel built from {local}")
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


@functools.cache
def _built_wheel(folder: str) -> Path:
    """Built once a process (a promotion does not change the source under itself) into a
    folder removed when the process ends."""
    out = Path(tempfile.mkdtemp(prefix="mlgate-wheel-"))
    atexit.register(shutil.rmtree, out, True)
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
                folder,
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
    return wheels[0]
