"""The `mlgate` command's entry: parse, run the command, and turn what it raised into an
exit code; nothing else prints a traceback or chooses an exit code for an error."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import NoReturn

from mlgate import __version__
from mlgate.cli import parser
from mlgate.cli.shared import print_json, say
from mlgate.errors import (
    EXIT_OUTSIDE_ERROR,
    EXIT_USER_ERROR,
    Interrupted,
    ManifestError,
    MlgateError,
    of_the_disk,
)

EXIT_READER_GONE = 141  # 128 + SIGPIPE, what a shell reports for a tool the pipe ended
EXIT_INTERRUPTED = 130  # 128 + SIGINT


def entry() -> NoReturn:
    """The installed `mlgate` and `python -m mlgate`: the process ends with the command."""
    raise SystemExit(main(own_process=True))


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run one command; `own_process` when the process ends with it, so a stop received
    on the way holds to the exit (tests call main in their own process)."""
    try:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            from mlgate.github.actions import guarded_streams

            with guarded_streams():  # no text mlgate prints can become a workflow command
                code = _main(argv, own_process)
        else:
            code = _main(argv, own_process)
        sys.stdout.flush()  # a reader that has gone shows here, not in Python's exit
        return code
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of our output went away (`mlgate run | head`): stop quietly, as tools
    ended by SIGPIPE do, with nothing left for Python to fail to flush at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        # not a real file (a test's capture): nothing to flush at exit
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return EXIT_READER_GONE


def _main(argv: Sequence[str] | None, own_process: bool) -> int:
    top = parser.build()
    args = top.parse_args(argv)
    if args.command is None:
        top.print_help()
        return EXIT_USER_ERROR
    return _run_guarded(args.handler, args, own_process)


def _run_guarded(handler: parser.Handler, args: argparse.Namespace, own_process: bool) -> int:
    """The one place where exceptions become exit codes."""
    from mlgate.manifest import data_formats

    args.started_in = os.getcwd()
    before = data_formats.started_in(args.started_in)  # the data files it names, from here
    try:
        if args.directory is not None:
            _enter(args.directory)
        with _terminate_is_an_interrupt(own_process):
            return handler(args)
    except MlgateError as exc:
        return _refused(exc, args)
    except KeyboardInterrupt as exc:
        said = exc.said if isinstance(exc, Interrupted) else ""
        print("mlgate: interrupted" + (f": {said}" if said else ""), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # the reader went away: main ends quietly
    except OSError as exc:  # a full disk is no bug of mlgate's; anything else may be
        refused = of_the_disk(exc)
        return _internal() if refused is None else _refused(refused, args)
    except Exception:  # a bug in mlgate, not the user's fault: show everything
        return _internal()
    finally:
        data_formats.started_in(before)


def _refused(exc: MlgateError, args: argparse.Namespace) -> int:
    if args.debug:
        traceback.print_exc()
    if args.json:
        print_json(_error_document(exc))
    say(f"mlgate: error: {exc}")
    return exc.exit_code


def _internal() -> int:
    """A bug in mlgate, not the user's fault: everything shown."""
    traceback.print_exc()
    print(
        f"mlgate {__version__}: internal error (please report it with the traceback above)",
        file=sys.stderr,
    )
    return EXIT_OUTSIDE_ERROR


@contextlib.contextmanager
def _terminate_is_an_interrupt(own_process: bool) -> Iterator[None]:
    """SIGTERM (a runner cancelling a job, `kill`) unwinds the command as Ctrl-C does, so
    what it started is stopped: by default the process died at once, and a training or a
    sweep's workers ran on without it. Only in the main thread, and put back after (a
    test calls main in its own process).

    Once stopped, a process of its own stays deaf to SIGTERM until it exits: `timeout`
    and systemd signal the process and then its group, and the second signal broke into
    the cleanup, or, landing after the handler was put back, killed the process with its
    "interrupted" said and its exit code (130) lost. SIGKILL still ends it."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number: int, frame: object) -> None:
        if own_process:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    stopped = False
    try:
        yield
    except KeyboardInterrupt:
        stopped = True
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN if stopped and own_process else before)


def _enter(directory: str) -> None:
    from mlgate.errors import UserError

    try:
        os.chdir(directory)
    except OSError as exc:
        hint = (
            f"-C names a folder; a manifest is named with --manifest {directory}"
            if (os.path.isfile(directory))
            else None
        )
        raise UserError(
            f"cannot change to directory '{directory}': {exc.strerror}", hint=hint
        ) from exc


def _error_document(exc: MlgateError) -> dict[str, object]:
    doc: dict[str, object] = {"error": exc.message, "exit_code": exc.exit_code}
    if exc.hint is not None:  # what to do about it, as the terminal's `hint:` line says
        doc["hint"] = exc.hint
    if isinstance(exc, ManifestError):
        doc["problems"] = [p.to_dict() for p in exc.problems]
    return doc
