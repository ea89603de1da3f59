"""`mlgate compare`: the last run compared again and its gates decided again; with
`--format dvc`, what `dvc metrics diff --json` prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mlgate.cli.shared import console, load_manifest, run_file, say
from mlgate.errors import EXIT_FAILED, EXIT_PASSED


def compare(args: argparse.Namespace) -> int:
    if args.format == "dvc":
        return _compare_dvc(args)
    from mlgate import pipeline, report
    from mlgate.compare import baseline
    from mlgate.result import runs

    loaded = load_manifest(args)
    if args.baseline:
        loaded = baseline.override(loaded, args.baseline[0])
    path = run_file(args, loaded.root)
    result = pipeline.recompare(loaded, runs.read(path), observer=console(), folder=path.parent)
    sys.stdout.write(report.render(result, loaded, "json" if args.json else args.format))
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _compare_dvc(args: argparse.Namespace) -> int:
    """`dvc metrics diff --json [A [B]]`: A defaults to HEAD, B to the working tree."""
    from mlgate.compare import dvc_diff
    from mlgate.errors import UserError
    from mlgate.manifest.load import present

    if len(args.baseline) > 2:
        raise UserError("--format dvc takes at most two revisions: [A_REV [B_REV]]")
    root = Path.cwd()
    extra: tuple[str, ...] = ()
    if args.manifest or present(root) is not None:
        extra = load_manifest(args).compare.metrics_files
    old_rev, new_rev = ([*args.baseline, None, None])[:2]
    old = dvc_diff.at_revision(root, old_rev or "HEAD", extra)
    new = dvc_diff.at_revision(root, new_rev, extra)
    for note in (*old.notes, *new.notes):
        say(f"mlgate: {note}")
    found = dvc_diff.diff(old.metrics, new.metrics, show_all=args.all)
    sys.stdout.write(json.dumps(found, sort_keys=False) + "\n")
    return EXIT_PASSED
