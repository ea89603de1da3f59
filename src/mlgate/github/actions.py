"""What a step hands back to GitHub Actions through files and workflow commands.

Untrusted text (column and metric names, messages) goes through GitHub's own escaping,
so it can never start a workflow command of its own.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from mlgate.errors import UserError
from mlgate.github.checks import Annotation

SUMMARY_LIMIT = 1024 * 1024  # bytes, per step
LEVELS = {"failure": "error", "warning": "warning", "notice": "notice"}


def write_summary(path: Path, markdown: str) -> None:
    """Append to the job summary (GitHub refuses a step's summary past 1 MiB)."""
    data = markdown.encode("utf-8")
    size = path.stat().st_size if path.exists() else 0
    if size + len(data) > SUMMARY_LIMIT:
        raise UserError(f"the job summary would be {size + len(data)} bytes; GitHub takes at "
                        f"most {SUMMARY_LIMIT} per step")
    with path.open("ab") as out:
        out.write(data if data.endswith(b"\n") else data + b"\n")


def set_output(path: Path, name: str, value: str) -> None:
    """`name<<DELIMITER` form, with a delimiter that cannot occur in the value."""
    delimiter = f"mlgate_{secrets.token_hex(8)}"
    while delimiter in value:  # pragma: no cover (2**-64)
        delimiter = f"mlgate_{secrets.token_hex(8)}"
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def annotation_command(a: Annotation) -> str:
    props = f"file={_property(a.path)},line={a.start_line},endLine={a.end_line}"
    if a.title:
        props += f",title={_property(a.title)}"
    return f"::{LEVELS[a.level]} {props}::{_data(a.message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
