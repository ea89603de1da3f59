"""The credentials a CI job holds, kept from the user's commands and from what mlgate
publishes.

A training, preparation or deploy command is the user's code (a fork's, on a pull
request): it gets no credential unless the manifest passes it by name (`pass_env`), and
whatever it prints, every token value mlgate knows is replaced by `***` before it reaches
run.json, report.md, a comment, a check run or a job summary.

This keeps a token out of what a well-meaning command prints or hands its subprocesses;
it is no wall against a hostile one, which runs as the same user in the same job and can
read this process's environment (/proc/<pid>/environ) and print a token encoded. A fork's
code is kept from a token that can write by the workflows instead (docs/manifest.md): its
`pull_request` run has a read-only token, and the fork report runs none of its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# variables that carry one: the job's token (as Actions, mlgate's action and the gh CLI
# name it) and the runner's own (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN
# and the URLs they open: ACTIONS_RUNTIME_URL, ACTIONS_RESULTS_URL, ACTIONS_CACHE_URL, ...)
NAMES = frozenset(
    {
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "MLGATE_GITHUB_TOKEN",
        "INPUT_TOKEN",
        "INPUT_GITHUB_TOKEN",
    }
)
PREFIXES = ("ACTIONS_",)
MASK = "***"
SHORTEST = 8  # a value shorter than this is no token, and masking it would garble text


def is_credential(name: str) -> bool:
    return name in NAMES or name.startswith(PREFIXES)


def withheld(env: Mapping[str, str], passed: Iterable[str] = ()) -> dict[str, str]:
    """`env` without its credentials, but for those `passed` by name."""
    allowed = set(passed)
    return {k: v for k, v in env.items() if k in allowed or not is_credential(k)}


def values(env: Mapping[str, str], *extra: str | None) -> tuple[str, ...]:
    """The secret values in `env` (and `extra`, such as the token mlgate posts with),
    longest first so that one inside another is masked whole."""
    found = {v for k, v in env.items() if is_credential(k) and k.endswith("TOKEN")}
    found.update(v for v in extra if v)
    return tuple(sorted((v for v in found if len(v) >= SHORTEST), key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def scrub_bytes(data: bytes, secrets: Iterable[bytes]) -> bytes:
    for secret in secrets:
        if secret in data:
            data = data.replace(secret, MASK.encode())
    return data


def scrub_tree(value: Any, secrets: tuple[str, ...]) -> Any:
    """Every string (keys too) in a JSON-like tree, scrubbed."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(k), secrets): scrub_tree(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_tree(v, secrets) for v in value]
    return value
