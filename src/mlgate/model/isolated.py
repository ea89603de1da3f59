"""The user's model scored in a child process (proc.call), and what to say when it does not
answer: the run's own model and a baseline's model are both run this way, so neither a
predict() that never returns nor one that kills its process can hang or crash the run."""

from __future__ import annotations

import os
from collections.abc import Callable

from mlgate import commands, credentials, proc
from mlgate.errors import UserError


class NoAnswer(Exception):
    """The model's process timed out, died, or raised an error about the model or data."""


def run(
    work: Callable[[Callable[[str], None]], object],
    *,
    timeout_s: float,
    timeout_said: str,
    on_line: Callable[[str], None] | None = None,
) -> object:
    """`work(announce)`'s value, computed in a child; NoAnswer with the reason otherwise."""
    called = proc.call(
        work,
        timeout_s=timeout_s,
        on_line=on_line,
        env=commands.scoring_env(os.environ),
        redact=credentials.values(os.environ),
    )
    if not called.answered:
        raise NoAnswer(no_answer(called, timeout_said))
    if called.error is not None:
        raise NoAnswer(error_message(called.error))
    return called.value


def no_answer(called: proc.Called, timeout_said: str) -> str:
    doing = f" ({called.stage})" if called.stage else ""
    if called.timed_out:
        return (
            f"the model did not finish within {timeout_said}{doing} and was stopped; "
            "make it faster, or raise evaluate.timeout"
        )
    code = called.exit_code
    how = (
        f"was killed by signal {-code}"
        if code is not None and code < 0
        else f"exited with code {code}"
    )
    last = f"; its last output: {called.tail[-1]}" if called.tail else ""
    return f"the model's process {how} before it answered{doing}{last}"


def error_message(error: BaseException) -> str:
    """Errors about the user's model or data are theirs to read; anything else is a bug
    in mlgate, raised here as it would have been in-process."""
    from mlgate.model import evaluate, loading

    if isinstance(error, loading.ModelLoadError | evaluate.EvaluationError | UserError):
        return str(error)
    if isinstance(error, proc.Unrebuilt):
        return f"while it was scored, the model raised {error}"
    if isinstance(error, SystemExit | KeyboardInterrupt):
        return f"the model called exit() ({type(error).__name__}: {error}) while it was scored"
    raise error
