"""`mlgate comment`: a finished run's report posted to its pull request.

The run is read from a file anyone may have written, so nothing of it is posted as it
says: its verdict is decided again from its checks and gates against the manifest here,
and the check's commit is the one named, never run.json's. A fork's run is not posted
this way: the fork-report workflow checks its hand-over against GitHub (docs/github.md).
"""

from __future__ import annotations

import argparse
import os

from mlgate.cli.shared import load_manifest, read_run, tell
from mlgate.errors import EXIT_PASSED, UserError


def comment(args: argparse.Namespace) -> int:
    from mlgate import publish
    from mlgate.ci import handoff
    from mlgate.github import context

    loaded = load_manifest(args)
    result = handoff.posted_here(read_run(args, loaded.root), loaded)
    ctx = context.load(os.environ)
    if ctx is None:
        raise UserError(
            "not in GitHub Actions: `mlgate comment` needs GITHUB_REPOSITORY, "
            "GITHUB_EVENT_PATH and a token",
            hint="use `mlgate report` locally",
        )
    if args.pr is not None:  # a pull request it names: the check goes on the commit named
        if not args.sha:
            raise UserError(
                "--pr needs --sha, the pull request's head commit the check belongs to",
                hint="a fork's run is posted by the fork-report workflow (mlgate-fork-report.yml)"
                ", which checks it against GitHub",
            )
        ctx = ctx.for_pull_request(args.pr, head_sha=args.sha)
    tell(publish.publish(result, loaded, ctx, strict=True).lines())
    return EXIT_PASSED
