"""What a step hands back to GitHub Actions through files and workflow commands.

Untrusted text (column and metric names, messages, paths) goes through GitHub's own
escaping, so it can never end its line and start a workflow command of its own.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

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


FOREIGN_NOTICE = (
    "> [!WARNING]\n> {size:,} bytes that mlgate did not write were dropped from this step's "
    "summary: with them, mlgate's report would not have fit GitHub's limit of {limit:,} "
    "bytes. Only mlgate writes its step's summary; a command it runs is not given the "
    "file.\n"
)
_OWN: dict[Path, bytes] = {}  # what this process wrote to each summary file, in order


def write_summary(path: Path, markdown: str) -> None:
    """Append to the job summary; refuse (with a notice in the summary) what passes 1 MiB.

    Refusing beats trimming here: a cut in the middle of a table or a <details> block
    garbles the rest, and the report layer already renders to fit. The step's summary is
    mlgate's: when what something else wrote to it (a command that found the file) would
    leave mlgate's report or its box out, that is dropped, said at the top, and what mlgate
    wrote is written again in its place."""
    data = markdown.encode("utf-8")
    data = data if data.endswith(b"\n") else data + b"\n"
    size = path.stat().st_size if path.exists() else 0
    if size:  # a block of its own: after `</details>` the next lines were read as HTML
        data = b"\n" + data
    own = _OWN.get(path, b"")
    if size + len(data) > SUMMARY_LIMIT and size > len(own):
        notice = FOREIGN_NOTICE.format(size=size - len(own), limit=SUMMARY_LIMIT).encode()
        mine = notice + (b"\n" + own.lstrip(b"\n") if own else b"") + data
        if len(mine) <= SUMMARY_LIMIT:
            with path.open("wb") as out:
                out.write(mine)
            _OWN[path] = mine
            return
    if size + len(data) > SUMMARY_LIMIT:
        notice = SUMMARY_NOTICE.format(size=size + len(data), limit=SUMMARY_LIMIT).encode()
        if size + len(notice) <= SUMMARY_LIMIT:
            with path.open("ab") as out:
                out.write(notice)
            _OWN[path] = own + notice
        raise UserError(
            f"the job summary would be {size + len(data):,} bytes; GitHub takes at most "
            f"{SUMMARY_LIMIT:,} per step",
            hint="the full report is in the run's artifact (report.md)",
        )
    with path.open("ab") as out:
        out.write(data)
    _OWN[path] = own + data


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
    """GitHub's escaping of a command's message (`%`, CR and LF), and every other control
    character made a blank: an ESC sequence or a BEL in a column name went into the log,
    which renders ANSI, and into the annotation on the pull request."""
    text = _CONTROLS.sub(" ", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


# C0 and C1 controls but CR and LF (escaped above), and the Unicode line separators
_CONTROLS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def escape_property(text: str) -> str:
    """A property value also escapes `:` and `,`, which end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


# what the runner takes for a command: `::name` at a line's start (after blanks), and the
# old `##[name]` form anywhere in a line. It reads output with .NET's ReadLine, which ends
# a line at CR, LF and CRLF alike: a guard that split at LF alone let `x\r::error::` through
COMMAND_START = re.compile(r"^(\s*):(:)")
OLD_COMMAND = "##["
LINE_END = re.compile(r"(\r\n|\r|\n)")


def neutralize(line: str) -> str:
    """A line the runner reads as text, never as a command: `: :` and `# #[` read the same
    to a person and are nothing to the runner."""
    return COMMAND_START.sub(r"\1: :", line).replace(OLD_COMMAND, "# #[")


class CommandGuard(io.TextIOBase):
    """A text stream that neutralizes every line written through it, so no text mlgate
    prints (column names, messages, a training script's output) can become a workflow
    command. mlgate's own commands go around it, through `emit`."""

    def __init__(self, stream: TextIO) -> None:
        self.raw_stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        # [line, end, line, end, ..., rest]: each line is whole once any end follows it (a
        # CR then an LF in the next write reach the runner as the one CRLF they are)
        parts = LINE_END.split(self._pending + text)
        self._pending = parts.pop()
        for line, end in zip(parts[::2], parts[1::2], strict=True):
            self.raw_stream.write(neutralize(line) + end)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.raw_stream.write(neutralize(self._pending))
            self._pending = ""
        self.raw_stream.flush()

    def isatty(self) -> bool:
        return self.raw_stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw_stream, "encoding", "utf-8")


@contextlib.contextmanager
def guarded_streams() -> Iterator[None]:
    """stdout and stderr behind a CommandGuard for the block; restored (flushed) after."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CommandGuard(saved[0]), CommandGuard(saved[1])
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = saved


def emit(command: str) -> None:
    """One of mlgate's own workflow commands, on stderr, past the guard."""
    sys.stderr.flush()
    stream = getattr(sys.stderr, "raw_stream", sys.stderr)
    stream.write(command + "\n")
    stream.flush()
