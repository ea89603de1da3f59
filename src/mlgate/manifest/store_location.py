"""What `registry.artifacts` may name, judged without opening any store.

A `github-release:<tag>` store needs a tag that cannot pass for one of GTO's, and a
near miss (`github-releases:`) is named as such rather than taken for a folder. The
manifest's checks and the release store (`registry.release_assets`) share this rule.
"""

from __future__ import annotations

import re

SCHEME = "github-release:"
TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
NEAR_MISSES = re.compile(r"(?i)(github|gh)[-_ ]?releases?\s*:")


def location_problem(location: str) -> str | None:
    """What is wrong with a `github-release:` location (None: nothing, or not one)."""
    if not location.startswith(SCHEME):
        if NEAR_MISSES.match(location) and "://" not in location:
            return (
                f"'{location}' is not a store; for a release's assets write "
                f"'{SCHEME}<tag>', like {SCHEME}mlgate-models"
            )
        return None
    tag = location.removeprefix(SCHEME)
    if not tag:
        return f"'{SCHEME}' needs the release's tag after it, like {SCHEME}mlgate-models"
    if "@" in tag or "#" in tag:
        return (
            f"release tag '{tag}' would read as a registry tag (GTO's tags use @ and #); "
            f"name it like {SCHEME}mlgate-models"
        )
    if not TAG.fullmatch(tag) or tag.endswith((".", ".lock")) or ".." in tag:
        return (
            f"'{tag}' is not a release tag this store uses: letters, digits, '.', '_' "
            f"and '-', starting with a letter or digit, at most 100 characters, like "
            f"{SCHEME}mlgate-models"
        )
    return None
