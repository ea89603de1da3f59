"""The credentials a CI job holds, kept from the user's commands and from what mlgate
publishes.

A training, preparation or deploy command is the user's code (a fork's, on a pull
request): it gets no credential unless the manifest passes it by name (`pass_env`), and
whatever it prints, every credential value the job holds is replaced by `***` before it
reaches run.json, report.md, a comment, a check run or a job summary. A credential is
known by its variable's name (the job's token, the runner's ACTIONS_*, and any name that
says it holds one: HF_TOKEN, AWS_SECRET_ACCESS_KEY, WANDB_API_KEY, DB_PASSWORD, ...) or
by its value (a URL with a password: postgres://user:pass@host/db).

This keeps a token out of what a well-meaning command prints or hands its subprocesses;
it is no wall against a hostile one, which runs as the same user in the same job and can
read this process's environment (/proc/<pid>/environ) and print a token encoded. A fork's
code is kept from a token that can write by the workflows instead (docs/manifest.md): its
`pull_request` run has a read-only token, and the fork report runs none of its code.
"""

from __future__ import annotations

import re
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
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    }
)
PREFIXES = ("ACTIONS_",)
# a name that says it holds a secret, whatever service it is for (HF_TOKEN, WANDB_API_KEY,
# DB_PASSWORD, AZURE_STORAGE_KEY); AUTH as a word of its own, so that GIT_AUTHOR_NAME is
# not one. An _ID is what goes with a secret, not the secret: AWS_ACCESS_KEY_ID.
SAYS_SECRET = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL"
    r"|(?:^|_)(?:O?AUTH|AUTHORIZATION)(?:_|$)|_KEY$",
    re.IGNORECASE,
)
AN_ID = re.compile(r"_ID$", re.IGNORECASE)
# a URL with a password in its userinfo: scheme://user:pass@host (or :pass@host)
URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:]*:([^/?#@\s]+)@")
MASK = "***"
SHORTEST = 8  # a value shorter than this is no token, and masking it would garble text


def is_credential(name: str, value: str | None = None) -> bool:
    """Whether the variable `name` (holding `value`, when known) is a credential."""
    if name in NAMES or name.startswith(PREFIXES):
        return True
    if SAYS_SECRET.search(name) and not AN_ID.search(name):
        return True
    return value is not None and URL_PASSWORD.search(value) is not None


def withheld(env: Mapping[str, str], passed: Iterable[str] = ()) -> dict[str, str]:
    """`env` without its credentials, but for those `passed` by name."""
    allowed = set(passed)
    return {k: v for k, v in env.items() if k in allowed or not is_credential(k, v)}


def values(env: Mapping[str, str], *extra: str | None) -> tuple[str, ...]:
    """The secret values in `env` (and `extra`, such as the token mlgate posts with),
    longest first so that one inside another is masked whole: every credential's but the
    runner's URLs (ACTIONS_CACHE_URL: withheld, but no secret), and a URL's password on
    its own too. One shorter than SHORTEST is left as it is."""
    found: set[str] = set()
    for k, v in env.items():
        if not is_credential(k, v):
            continue
        if not k.startswith(PREFIXES) or k.endswith("TOKEN"):
            found.add(v)
        found.update(m.group(1) for m in URL_PASSWORD.finditer(v))
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
