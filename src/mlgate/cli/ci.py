"""`mlgate ci`: the job a GitHub Actions event asks for, planned and done by `mlgate.ci`;
here its outcome is written where the workflow reads it and shown in the log."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from mlgate.cli.shared import console, load_manifest, tell
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, MlgateError, of_the_disk


def ci(args: argparse.Namespace) -> int:
    from mlgate import ci
    from mlgate.errors import UserError
    from mlgate.github import context

    ctx = context.load(os.environ)
    if ctx is None:
        raise UserError(
            "`mlgate ci` reads a GitHub Actions event; GITHUB_ACTIONS is not true",
            hint="on a laptop, `mlgate run` does the pull request's job",
        )
    try:
        chosen = ci.plan(
            ctx,
            args.ci_command,
            action=args.action,
            version=args.model_version,
            environment=args.environment,
        )
        # parsed once: run, register and promote each ask for it
        load = functools.cache(lambda: load_manifest(args))
        job = ci.Job(
            ctx=ctx,
            load=load,
            observer=console(),
            artifact=Path(args.artifact),
            configurations=args.configurations or "",
        )
        outcome = ci.execute(chosen, job)
    except MlgateError as exc:
        ci.write_error(exc, ctx)
        raise
    except OSError as exc:  # a full disk: the summary and the ::error:: line say so
        if (refused := of_the_disk(exc)) is None:
            raise
        ci.write_error(refused, ctx)
        raise refused from exc
    ci.write_outcome(outcome, ctx)
    ci.set_outputs(outcome, ctx)
    tell(outcome.lines)
    if args.json:
        from mlgate.result import document

        if outcome.result is not None:
            sys.stdout.write(document.dumps(outcome.result))
    elif outcome.result is not None:
        from mlgate.report import text

        print(text.render(outcome.result, outcome.report or None))
    return EXIT_PASSED if outcome.passed else EXIT_FAILED
