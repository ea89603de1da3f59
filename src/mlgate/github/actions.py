"""What a step hands back to GitHub Actions through files and workflow commands.

Untrusted text (column and metric names, messages, paths) goes through GitHub's own
escaping, so it can never end its line and start a workflow command of its own.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from mlgate.errors import UserError
from mlgate.github.checks import Annotation

SUMMARY_LIMIT = 1024 * 1024  # bytes: GitHub drops a step's summary past this
LEVELS = {"failure": "error", "warning": "warning", "notice": "notice"}
OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
SUMMARY_NOTICE = (
    "\n> [!WARNING]\n> mlgate's report was left out of this job summary: it would have made "
    "the step's summary {size:,} bytes, past GitHub's limit of {limit:,}. The full report is "
    "in the run's artifact.\n"
)


def write_summary(path: Path, markdown: str) -> None:
    """Append to the job summary; refuse (with a notice in the summary) what passes 1 MiB.

    Refusing beats trimming here: a cut in the middle of a table or a <details> block
    garbles the rest, and the report layer already renders to fit."""
    data = markdown.encode("utf-8")
    data = data if data.endswith(b"\n") else data + b"\n"
    size = path.stat().st_size if path.exists() else 0
    if size + len(data) > SUMMARY_LIMIT:
        notice = SUMMARY_NOTICE.format(size=size + len(data), limit=SUMMARY_LIMIT).encode()
        if size + len(notice) <= SUMMARY_LIMIT:
            with path.open("ab") as out:
                out.write(notice)
        raise UserError(
            f"the job summary would be {size + len(data):,} bytes; GitHub takes at most "
            f"{SUMMARY_LIMIT:,} per step",
            hint="the full report is in the run's artifact (report.md)",
        )
    with path.open("ab") as out:
        out.write(data)


def set_output(path: Path, name: str, value: str) -> None:
    """`name<<DELIMITER` form, with a random delimiter that does not occur in the value."""
    if not OUTPUT_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a step output name")
    delimiter = f"mlgate_{secrets.token_hex(16)}"
    while delimiter in value:  # pragma: no cover (2**-128)
        delimiter = f"mlgate_{secrets.token_hex(16)}"
    with path.open("a", encoding="utf-8", newline="") as out:
        out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def annotation_command(a: Annotation) -> str:
    """`::error file=...,line=...::message` for a line of the log."""
    props: dict[str, str | int] = {"file": a.path, "line": a.start_line, "endLine": a.end_line}
    if a.title:
        props["title"] = a.title
    return workflow_command(LEVELS[a.level], a.message, props)


def workflow_command(
    command: str, message: str, properties: Mapping[str, object] | None = None
) -> str:
    """One workflow command line, with every property and the message escaped."""
    names = [command, *(properties or {})]
    if not all(re.fullmatch(r"[A-Za-z][A-Za-z-]*", n) for n in names):
        raise ValueError(f"not a workflow command or property name: {names}")
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in (properties or {}).items())
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """GitHub's escaping of a command's message (`%`, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value also escapes `:` and `,`, which end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
