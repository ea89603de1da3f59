"""`mlgate comment`: a finished run's report posted to its pull request."""

from __future__ import annotations

import argparse
import os

from mlgate.cli.shared import load_manifest, read_run, tell
from mlgate.errors import EXIT_PASSED


def comment(args: argparse.Namespace) -> int:
    from mlgate import publish
    from mlgate.errors import UserError
    from mlgate.github import context

    loaded = load_manifest(args)
    result = read_run(args, loaded.root)
    ctx = context.load(os.environ)
    if ctx is None:
        raise UserError(
            "not in GitHub Actions: `mlgate comment` needs GITHUB_REPOSITORY, "
            "GITHUB_EVENT_PATH and a token",
            hint="use `mlgate report` locally",
        )
    if args.pr is not None:  # the fork-safe workflow posts for a pull request it names
        ctx = ctx.for_pull_request(args.pr, head_sha=args.sha or result.git.commit)
    tell(publish.publish(result, loaded, ctx, strict=True).lines())
    return EXIT_PASSED
