"""`mlgate check data`: the data stage alone (data.prepare, the checks, drift), without
training; exit 1 when a check failed, 2 when the data cannot be read."""

from __future__ import annotations

import argparse

from mlgate.cli.shared import console, load_manifest, print_json
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, UserError


def check_data(args: argparse.Namespace) -> int:
    from mlgate import pipeline, words
    from mlgate.report import drift_tables
    from mlgate.result import document

    loaded = load_manifest(args)
    stage = pipeline.check_data(loaded, observer=None if args.json else console())
    if stage.status == "error":
        raise UserError(stage.message)
    if args.json:
        print_json(
            {
                "status": stage.status,
                "checks": document.to_dict(stage.checks),
                "drift": [
                    {"reference": d.reference, "current": d.current, **document.to_dict(e)}
                    for d in stage.drift
                    for e in d.columns
                ],
                "comparisons": [
                    {k: v for k, v in document.to_dict(d).items() if k != "columns"}
                    for d in stage.drift
                ],
            }
        )
        return EXIT_PASSED if stage.status == "passed" else EXIT_FAILED
    if stage.status == "failed" and not stage.checks:  # data.prepare failed: nothing checked
        print(f"data checks: not run: {stage.message}")
        return EXIT_FAILED
    failed = [c for c in stage.checks if not c.passed]
    passed = len(stage.checks) - len(failed)
    print(
        f"data checks: {passed} passed, {len(failed)} failed"
        if failed
        else f"data checks: {words.count(passed, 'check')} passed"
    )
    for c in failed:
        print(f"  FAILED  {c.subject} {c.rule}: {c.message}")
    if stage.drift:
        print(drift_tables.text(stage.drift))
    return EXIT_PASSED if stage.status == "passed" else EXIT_FAILED


def nothing_named(args: argparse.Namespace) -> int:
    raise UserError("say what to check", hint="mlgate check data")
