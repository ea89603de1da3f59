"""`mlgate run`: the pipeline, its report on the terminal, and in GitHub Actions the
report where reviewers look."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mlgate.cli.shared import console, load_manifest, shown, tell
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, EXIT_USER_ERROR

if TYPE_CHECKING:
    from mlgate.github.context import ActionsContext


def run(args: argparse.Namespace) -> int:
    from mlgate import pipeline
    from mlgate.report import text
    from mlgate.result import runs

    loaded = load_manifest(args, pipeline.RUN_STARTS)
    actions = _actions_context()  # a broken Actions environment is said before training
    result = pipeline.run(loaded, observer=console())
    if actions is not None:
        from mlgate import publish

        post = not args.no_post and actions.pull_number is not None
        tell(publish.publish(result, loaded, actions, post=post).lines())
    if args.json:
        from mlgate.result import document

        sys.stdout.write(document.dumps(result))
    else:
        folder = runs.run_dir(loaded.root, result.run_id)
        print(text.render(result, shown(args, folder / runs.REPORT_FILE)))
    # the data could not be read (or is no version DVC holds), or the model could not
    # be loaded or scored: the input is wrong, as `mlgate check data` says of the data
    if "error" in (result.data.status, result.evaluate.status):
        return EXIT_USER_ERROR
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _actions_context() -> ActionsContext | None:
    """In GitHub Actions a run reports where reviewers look; elsewhere nothing is posted."""
    from mlgate.github import context

    return context.load(os.environ)
