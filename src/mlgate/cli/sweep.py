"""`mlgate sweep`: the manifest's configurations run here in parallel, ranked honestly;
`mlgate sweep plan`: them as a GitHub Actions matrix."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from mlgate.cli.shared import load_manifest, print_json
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, UserError

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest
    from mlgate.sweep.space import Configuration


def run(args: argparse.Namespace) -> int:
    from mlgate import words
    from mlgate.sweep import local, ranking, tables
    from mlgate.sweep.local import Finished

    loaded = load_manifest(args)
    made = _configurations(loaded)
    workers = args.workers or os.cpu_count() or 1
    total = len(made)
    print(
        f"sweep: {words.count(total, 'configuration')}, {words.count(workers, 'worker')}",
        file=sys.stderr,
    )
    count = 0

    def progress(done: Finished) -> None:
        nonlocal count
        count += 1
        again = " (finished before: not run again)" if done.resumed else ""
        why = f": {done.message}" if done.status in ("error", "killed") else ""
        print(
            f"[{count}/{total}] {done.configuration.id} {done.configuration.label()}: "
            f"{done.status}{again}{why}",
            file=sys.stderr,
            flush=True,
        )

    finished = local.sweep(loaded, made, workers=workers, on_done=progress)
    metric = ranking.metric_for(loaded, finished)
    ranked = ranking.rank(loaded.root, finished, metric, loaded.sweep.holdout)
    if args.json:
        print_json(ranking.document(ranked))
    else:
        print(tables.text(ranked))
    complete = all(f.status in ("passed", "failed") for f in finished)
    return EXIT_PASSED if complete and ranked.winner is not None else EXIT_FAILED


def plan(args: argparse.Namespace) -> int:
    from mlgate.sweep import matrix

    loaded = load_manifest(args)
    made = _configurations(loaded)
    planned = matrix.matrix(made)
    print_json(planned.document())
    if planned.sharded:
        per = len(planned.include[0]["configurations"].split(","))
        print(
            f"{len(made):,} configurations are more than GitHub's {matrix.MAX_JOBS} jobs a "
            f"matrix: each job runs up to {per}",
            file=sys.stderr,
        )
    return EXIT_PASSED


def _configurations(loaded: Manifest) -> list[Configuration]:
    from mlgate.sweep import space

    if not loaded.sweep.declared:
        raise UserError(
            f"{loaded.path.name} has no sweep: section",
            hint="add one, e.g. `sweep: {grid: {train.C: [0.1, 1, 10]}}` (docs/sweep.md)",
        )
    return space.configurations(loaded.sweep)
