"""What an image repository may be called, by the grammar registries and the Docker
engine share (distribution's `reference` package). Pure: the manifest check names a bad
one with a right one beside it, before any promotion tries to push to it.

The version is the tag, so the reference is a repository without `:tag` or `@digest`.
"""

from __future__ import annotations

import re

EXAMPLE = "ghcr.io/acme/churn"
MAX_NAME = 255  # the engine refuses longer repository names

_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"^(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$")
_PATH_PART = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")


def problem(reference: str) -> str | None:
    """None when `reference` names a repository an image can be pushed to; else what is
    wrong, and a right one."""
    if "://" in reference:
        return _said("it has a URL scheme, which an image reference never has", reference)
    if "@" in reference:
        return _said(
            "it has a digest: leave it out, each version is pushed as IMAGE:VERSION", reference
        )
    domain, path = split(reference)
    if ":" in path:
        tag = path.rsplit(":", 1)[1]
        return _said(
            f"it has the tag ':{tag}': leave it out, each version is pushed as IMAGE:VERSION",
            reference,
        )
    if domain is not None and not _DOMAIN.match(domain):
        return _said(f"'{domain}' is not a registry host[:port]", reference)
    parts = path.split("/")
    if any(p != p.lower() for p in parts):
        return _said("the repository path must be lowercase", reference)
    bad = next((p for p in parts if not _PATH_PART.match(p)), None)
    if bad is not None:
        return _said(
            f"'{bad}' is not a repository name part: lowercase letters and digits, "
            "joined by '.', '_', '__' or dashes",
            reference,
        )
    if len(reference) > MAX_NAME:
        return _said(f"it is {len(reference)} characters long, over {MAX_NAME}", reference)
    return None


def split(reference: str) -> tuple[str | None, str]:
    """(registry host or None for Docker Hub, repository path): the first part is a host
    when it has a dot or a port, or is localhost. (The engine also takes a first part with
    capitals for a host; that is far likelier a typing slip, reported as one.)"""
    first, _, rest = reference.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None, reference


def _said(what: str, reference: str) -> str:
    right = _repair(reference)
    example = f"did you mean '{right}'?" if right else f"like {EXAMPLE}"
    shown = reference if len(reference) <= 80 else f"{reference[:77]}..."
    return f"'{shown}' is not an image repository ({what}); {example}"


def _repair(reference: str) -> str | None:
    """The reference the user evidently meant, when one edit makes it right."""
    fixed = reference.split("://", 1)[-1].split("@", 1)[0]
    domain, path = split(fixed)
    path = path.rsplit(":", 1)[0].lower()
    fixed = f"{domain}/{path}" if domain else path
    return fixed if fixed != reference and fixed and problem(fixed) is None else None
