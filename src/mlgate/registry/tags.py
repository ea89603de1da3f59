"""GTO's tag names, and mlgate's record inside each tag's message: pure, no git.

    churn@v1.2.0          registers version v1.2.0 of the model `churn`
    churn#production#7    the 7th change to production: assigns it a version

A tag's message starts with GTO's own subject line, so GTO shows what it would have
written; mlgate's record follows after a blank line as one JSON object.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import semver

RECORD_MARK = "mlgate-record: "
# semantic versions only, as GTO reads them: `v01.0.0` (a leading zero) is not one, and a
# tag so named made every registry command a traceback. Digits are ASCII: Python's `\d`
# also matches other scripts' digits, and one pushed `model@v0.1\u0660.0` did the same
NUMBER = r"(0|[1-9][0-9]*)"
# a pre-release (`-rc.1`) and build metadata (`+exp.sha.5f1`), as semver and GTO read them
PART = r"(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
BUILD = r"[0-9a-zA-Z-]+"
VERSION = re.compile(
    rf"v{NUMBER}\.{NUMBER}\.{NUMBER}(?:-{PART}(?:\.{PART})*)?(?:\+{BUILD}(?:\.{BUILD})*)?"
)
REGISTRATION = re.compile(
    rf"^(?P<name>[a-z0-9]([a-z0-9-]*[a-z0-9])?)@(?P<version>{VERSION.pattern})$"
)
ASSIGNMENT = re.compile(
    r"^(?P<name>[a-z0-9]([a-z0-9-]*[a-z0-9])?)#(?P<stage>[a-z][a-z0-9-]*)"
    r"#(?P<n>[1-9][0-9]*)$"
)
# what `gto deprecate` writes: a stage taken from a version (it shares the stage's
# counter), and a version withdrawn altogether
UNASSIGNMENT = re.compile(
    r"^(?P<name>[a-z0-9]([a-z0-9-]*[a-z0-9])?)#(?P<stage>[a-z][a-z0-9-]*)!"
    r"#(?P<n>[1-9][0-9]*)$"
)
DEREGISTRATION = re.compile(
    rf"^(?P<name>[a-z0-9]([a-z0-9-]*[a-z0-9])?)@(?P<version>{VERSION.pattern})!$"
)


@dataclass(frozen=True, kw_only=True)
class Tag:
    """A registry tag as read from git."""

    name: str  # the tag's name
    commit: str  # the commit it points at
    message: str
    created: str  # the tagger's date, ISO 8601


def registration(model: str, version: str) -> str:
    return f"{model}@{version}"


def assignment(model: str, stage: str, n: int) -> str:
    return f"{model}#{stage}#{n}"


def registration_subject(model: str, version: str) -> str:
    return f"Registering artifact {model} version {version}"


def assignment_subject(model: str, stage: str, version: str) -> str:
    return f"Assigning stage {stage} to artifact {model} version {version}"


def message(subject: str, record: dict[str, Any]) -> str:
    return f"{subject}\n\n{RECORD_MARK}{json.dumps(record, sort_keys=True)}\n"


class CorruptRecord(ValueError):
    """A tag carries mlgate's record mark, but what follows is not a whole record (an edited
    or truncated message): told apart from a tag gto wrote, which has no record at all."""


MAX_RECORD = 1 << 20  # bytes: a record is a few KiB


def record_of(text: str) -> dict[str, Any] | None:
    """mlgate's record in a tag's message; None for a tag mlgate did not write (gto's).
    Anyone who may push tags may write one: it is strict JSON that matches its schema
    (record.schema.json), or corrupt ("by": {} made `registry show` a TypeError, and
    1e999 put Infinity into `registry list --json`)."""
    from mlgate.errors import UserError
    from mlgate.result import strict

    for line in text.splitlines():
        if line.startswith(RECORD_MARK):
            said = line.removeprefix(RECORD_MARK)
            try:
                found = strict.parse(
                    said, limit=MAX_RECORD, source="its record", what="registry record"
                )
            except UserError as exc:
                raise CorruptRecord(exc.message) from exc
            if not isinstance(found, dict):
                raise CorruptRecord(f"its record is a JSON {type(found).__name__}, not an object")
            try:
                strict.check(found, _schema(), source="its record", what="registry record")
            except UserError as exc:
                raise CorruptRecord(exc.message) from exc
            _characters(found)
            return found
    return None


def _characters(record: dict[str, Any]) -> None:
    """A lone surrogate escape ("\\ud800") is valid JSON and no character: one in a
    record made `registry list --json` and `registry show` fail for the whole registry,
    since it cannot be written out. Those of a byte that was not UTF-8 (U+DC80 to U+DCFF,
    a `--reason` typed in a Latin-1 terminal, as Python reads its arguments) are kept."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        found = exc.object[exc.start : exc.end]
        raise CorruptRecord(
            f"its record holds {found.encode('unicode_escape').decode('ascii')}, "
            "a lone surrogate, which is no character"
        ) from None


@functools.cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        Path(__file__).with_name("record.schema.json").read_text("utf-8")
    )
    return loaded


def parse_version(text: str) -> semver.Version:
    """`v1.2.0` or `1.2.0`, as GTO's tags write it."""
    return semver.Version.parse(text.removeprefix("v"))


def format_version(version: semver.Version) -> str:
    return f"v{version}"
