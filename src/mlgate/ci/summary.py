"""What `mlgate ci` adds to the job summary beside the report: the job it chose and what
each step did, or the error that stopped it, in a box a reader cannot miss."""

from __future__ import annotations

import contextlib
import os

from mlgate import credentials
from mlgate.ci.jobs import Outcome
from mlgate.errors import MlgateError
from mlgate.github.context import ActionsContext
from mlgate.report.inert import escape


def outcome_markdown(outcome: Outcome) -> str:
    lines = "\n".join(f"- {escape(line)}" for line in outcome.lines)
    return f"### mlgate: {escape(outcome.plan.job)} job\n\n{lines}\n"


def error_markdown(exc: MlgateError) -> str:
    said = [f"> **mlgate stopped**: {escape(exc.message)}".replace("\n", "\n> ")]
    if exc.hint:
        said.append(f"> Hint: {escape(exc.hint)}")
    return "> [!CAUTION]\n" + "\n>\n".join(said) + "\n"


def write_outcome(outcome: Outcome, ctx: ActionsContext) -> None:
    _append(ctx, (outcome.summary + "\n\n" if outcome.summary else "") + outcome_markdown(outcome))


def write_error(exc: MlgateError, ctx: ActionsContext) -> None:
    """The summary and an `::error::` line: a failed step says why where people look."""
    from mlgate.github import actions

    said = credentials.scrub(exc.message, _secrets(ctx))
    actions.emit(actions.workflow_command("error", said, {"title": "mlgate"}))
    _append(ctx, error_markdown(exc))


def _secrets(ctx: ActionsContext) -> tuple[str, ...]:
    return credentials.values(os.environ, ctx.token)


def _append(ctx: ActionsContext, text: str) -> None:
    if ctx.step_summary is None:
        return
    from mlgate.github import actions

    text = credentials.scrub(text, _secrets(ctx))
    # the summary is a courtesy; the log still says it all
    with contextlib.suppress(MlgateError, OSError):
        actions.write_summary(ctx.step_summary, text)
