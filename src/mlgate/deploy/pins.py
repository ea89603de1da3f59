"""The image's requirements, pinned to exact versions wherever a version is known.

A pickled model loads safely only into the library versions that wrote it, so the
packages the training run recorded (scikit-learn, NumPy, pandas, polars, joblib, ...)
are pinned to the versions it recorded. What else serving needs (mlgate's own
dependencies, Starlette, uvicorn, and everything those need, SciPy among them) is pinned
to the version installed where the context is written. A dependency that is needed on
the image's platform but is not installed here keeps its range; pip resolves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.utils import NormalizedName

Source = Literal["training run", "installed", "unpinned"]
SERVE_EXTRA = "serve"  # mlgate[serve]: what the server needs beside mlgate itself
_NAME = re.compile(r"[A-Z0-9]([A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE | re.ASCII)  # PEP 508
SKIPPED = frozenset({"mlgate", "pip", "setuptools", "wheel"})  # mlgate comes on its own line


@dataclass(frozen=True, kw_only=True)
class Pin:
    name: str  # as its distribution spells it
    line: str  # the requirement: name==version, or name with its range when unpinned
    source: Source
    installed: str | None = None  # a training run's pin: the version installed here, whose
    # dependencies were followed (another version's may differ: render says so)


@dataclass(frozen=True, kw_only=True)
class Target:
    """The platform the requirements are for: the image's, not necessarily this one's."""

    python: str  # the full version the training run recorded: 3.11.7
    machine: str = "x86_64"

    def markers(self, extra: str = "") -> dict[str, str]:
        minor = ".".join(self.python.split(".")[:2])
        return {
            "python_version": minor,
            "python_full_version": self.python,
            "sys_platform": "linux",
            "platform_system": "Linux",
            "os_name": "posix",
            "platform_machine": self.machine,
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_version": "",
            "implementation_version": self.python,
            "extra": extra,
        }


Installed = Callable[[str], "tuple[str, tuple[str, ...]] | None"]  # name -> (version, requires)


def installed(name: str) -> tuple[str, tuple[str, ...]] | None:
    """This environment's version of `name` and what it requires; None when absent."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    return dist.version, tuple(dist.requires or ())


def resolve(
    recorded: Mapping[str, str],
    roots: Iterable[str],
    target: Target,
    *,
    lookup: Installed = installed,
) -> tuple[Pin, ...]:
    """Pins for `roots` (requirement strings, mlgate's own with its serve extra) and
    the recorded packages, with everything they need on `target`, sorted by name."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    record = {canonicalize_name(n): (n, v) for n, v in checked(recorded).items()}
    pins: dict[str, Pin] = {}
    seen: set[tuple[str, str]] = set()
    queue = [Requirement(r) for r in roots] + [Requirement(n) for n, _ in record.values()]
    while queue:
        req = queue.pop()
        key = canonicalize_name(req.name)
        extras = sorted(req.extras) or [""]
        if all((key, e) in seen for e in extras):
            continue
        seen.update((key, e) for e in extras)
        found = lookup(req.name)
        if key not in SKIPPED and key not in pins:
            pins[key] = _pin(req, key, record, found)
        for line in found[1] if found else ():
            dep = Requirement(line)
            if dep.marker is None or any(dep.marker.evaluate(target.markers(e)) for e in extras):
                queue.append(dep)
    return tuple(sorted(pins.values(), key=lambda p: p.name.lower()))


def checked(recorded: Mapping[str, str]) -> dict[str, str]:
    """The recorded packages, each a name and an exact version, or a UserError: they come
    from a tag anyone who may push tags can write, and go into requirements.txt, where a
    line such as `--extra-index-url ...` is an option to pip, not a package."""
    from mlgate.errors import UserError

    out: dict[str, str] = {}
    for name, version in recorded.items():
        exact = _exact(name, version)
        if exact is None:
            raise UserError(
                f"the version's record lists the package {name!r} at {version!r}: not a "
                "package name and an exact version, so it cannot go into requirements.txt",
                hint="promote a version registered by mlgate from a training run",
            )
        out[name] = exact
    return out


def _exact(name: object, version: object) -> str | None:
    """`version` as pip reads it when `name` is a PEP 508 name and `version` a PEP 440
    version, in ASCII with no space; None otherwise."""
    from packaging.version import InvalidVersion, Version

    if not (isinstance(name, str) and isinstance(version, str)):
        return None
    if not _NAME.fullmatch(name) or not version.isascii() or version != version.strip():
        return None
    try:
        return str(Version(version))
    except InvalidVersion:
        return None


def _pin(
    req: Requirement,
    key: NormalizedName,
    record: Mapping[NormalizedName, tuple[str, str]],
    found: tuple[str, tuple[str, ...]] | None,
) -> Pin:
    if key in record:
        name, version = record[key]
        here = found[0] if found is not None else None
        return Pin(name=name, line=f"{name}=={version}", source="training run", installed=here)
    if found is not None:
        return Pin(name=req.name, line=f"{req.name}=={found[0]}", source="installed")
    return Pin(name=req.name, line=f"{req.name}{req.specifier}", source="unpinned")


def _same(pin: Pin) -> bool:
    from packaging.version import InvalidVersion, Version

    recorded = pin.line.partition("==")[2]
    try:
        return Version(recorded) == Version(pin.installed or "")
    except InvalidVersion:
        return recorded == pin.installed


def render(pins: Iterable[Pin], mlgate_line: str, *, title: str) -> str:
    """requirements.txt, in sections that say where each pin comes from."""
    pins = list(pins)
    sections = [
        (
            "training run",
            "the training run's packages, at the versions it recorded: the "
            "model was pickled with these",
        ),
        (
            "installed",
            "what serving needs beside them, at the versions installed where "
            "this context was written",
        ),
        (
            "unpinned",
            "needed on the image's Python but not installed where this was "
            "written: pip resolves these",
        ),
    ]
    lines = [f"# {title}: written by mlgate; each section says where its versions come from"]
    for source, said in sections:
        chosen = [p.line for p in pins if p.source == source]
        if chosen:
            lines += ["", f"# {said}", *chosen]
    drifted = [p for p in pins if p.installed is not None and not _same(p)]
    if drifted:
        lines += [
            "",
            "# recorded at another version than the one installed where this was written:",
            "# the dependencies above are the installed version's, and may not be the",
            "# recorded one's (docs/docker.md):",
            *(f"#   {p.line} ({p.installed} installed)" for p in drifted),
        ]
    lines += ["", "# mlgate itself (docs/docker.md)", mlgate_line]
    return "\n".join(lines) + "\n"
