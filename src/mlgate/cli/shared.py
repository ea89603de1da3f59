"""What every command module shares: the manifest and run it names, paths shown as the
user can use them, JSON on stdout, and the progress console. No decisions live here."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgate.console import Console
    from mlgate.manifest.spec import Manifest
    from mlgate.result.records import RunResult

RUN_HELP = "the run: its id (or the start of it), its folder or its run.json (default: the last)"


def load_manifest(args: argparse.Namespace, starting: tuple[str, ...] = ()) -> Manifest:
    """The manifest `--manifest` names, else the one in the working directory; `starting`:
    the commands the caller will run, whose scripts must be there."""
    from mlgate import manifest

    path = manifest.find(Path.cwd(), Path(args.manifest) if args.manifest else None)
    return manifest.load(path, display_name=shown(args, path), starting=starting)


def read_run(args: argparse.Namespace, root: Path) -> RunResult:
    """The run `--run` names, else the last one."""
    from mlgate.result import runs

    return runs.read(run_file(args, root))


def run_file(args: argparse.Namespace, root: Path) -> Path:
    """run.json of the run `--run` names, else of the last one."""
    from mlgate.result import runs

    if args.run:
        return runs.find(root, args.run)
    return runs.latest_or_said(root)  # never a committed run


def shown(args: argparse.Namespace, path: Path | str) -> str:
    """A path as the user can use it where they started the command (before -C): relative
    when it lies there, else absolute."""
    from mlgate import files

    return files.from_folder(path, args.started_in)


def write_output(args: argparse.Namespace, output: str, text: str) -> None:
    """`text` at the path `--output` names, whole or not at all. A path that cannot take
    it is the user's to change: it was a traceback and "internal error", exit 3."""
    from mlgate import atomic

    with writing_to(args, output, folder=False):
        atomic.write_text(Path(output), text)


@contextlib.contextmanager
def writing_to(args: argparse.Namespace, output: str, *, folder: bool) -> Iterator[None]:
    """A path named on the command line that cannot be written is said as such (exit 2)."""
    from mlgate.errors import UserError

    path, where = Path(output), f"cannot write '{shown(args, output)}'"
    if not folder and path.is_dir():
        raise UserError(f"{where}: it is a folder", hint="name a file, in it or elsewhere")
    above = next((p for p in (path, *path.parents) if p.exists()), None)
    if above is not None and not above.is_dir() and (folder or above != path):
        raise UserError(f"{where}: '{shown(args, above)}' is a file, not a folder")
    try:
        yield
    except OSError as exc:
        raise UserError(f"{where}: {exc.strerror or exc}") from exc


def print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def tell(lines: Iterable[str]) -> None:
    """What was done besides the command's output (posted, written), on stderr."""
    for line in lines:
        say(f"mlgate: {line}")


def say(text: str) -> None:
    """A line of text from a project (its manifest, data, commands) on stderr, inert."""
    print(for_a_terminal(text), file=sys.stderr)


def for_a_terminal(said: str) -> str:
    """`said`'s lines with no control character or hidden one left in them: a column name
    from a pull request's data printed an ESC sequence, a CR that hid the line before it,
    a BEL, a right-to-left override. The text's own line breaks stay."""
    from mlgate.report.inert import one_line

    return "\n".join(one_line(line) for line in said.split("\n"))


def console() -> Console:
    """Progress on stderr: a spinner on a terminal, groups in a GitHub Actions log."""
    from mlgate.console import Console

    return Console(
        sys.stderr,
        tty=sys.stderr.isatty(),
        actions=os.environ.get("GITHUB_ACTIONS") == "true",
        color=sys.stderr.isatty() and "NO_COLOR" not in os.environ,
    )
