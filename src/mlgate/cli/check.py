"""`mlgate check data` and `mlgate check model`: one stage's checks alone, without
training; exit 1 when a check failed, 2 when the data or the model cannot be read."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlgate.cli.shared import console, load_manifest, print_json
from mlgate.errors import EXIT_FAILED, EXIT_PASSED, UserError, hinted

if TYPE_CHECKING:
    from mlgate.result.records import CheckResult


def check_data(args: argparse.Namespace) -> int:
    from mlgate import pipeline
    from mlgate.report import drift_tables, tally
    from mlgate.result import document

    loaded = load_manifest(args, pipeline.DATA_STARTS)
    stage = pipeline.check_data(loaded, observer=None if args.json else console())
    if stage.status == "error":  # the stage keeps its error as text, hint and all
        message, hint = hinted(stage.message)
        raise UserError(message, hint=hint)
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
    print("data checks: " + tally.checks(stage.checks))
    _listed(stage.checks)
    if stage.drift:
        print(drift_tables.text(stage.drift))
    return EXIT_PASSED if stage.status == "passed" else EXIT_FAILED


def check_model(args: argparse.Namespace) -> int:
    from mlgate import pipeline
    from mlgate.compare import baseline
    from mlgate.report import numbers, tally, text
    from mlgate.report.inert import one_line
    from mlgate.result import document

    loaded = load_manifest(args)
    if args.baseline is not None:
        loaded = baseline.override(loaded, args.baseline)
    result = pipeline.check_model(
        loaded, observer=None if args.json else console(), compare=args.baseline is not None
    )
    evaluated, model = result.evaluate, result.model
    if evaluated.status != "passed":  # a model that cannot load or answer: bad input
        raise UserError(f"the model could not be evaluated: {evaluated.message}")
    # which run wrote the file scored: on a branch after main's run it was main's model,
    # compared with itself, and it passed with +0.0000 as the branch's
    found = pipeline.origin(loaded, result.train.model, result.git)
    if args.json:
        print_json(
            {
                "status": result.verdict,
                "model_origin": None
                if found is None
                else {
                    "file": found.file,
                    "run_id": found.run_id,
                    "commit": found.commit,
                    "checked_out": found.head,
                    "same_commit": found.here,
                    "said": found.said(),
                },
                "summary": result.summary,
                "task": evaluated.task,
                "rows": evaluated.predictions.rows if evaluated.predictions else 0,
                "metrics": dict(evaluated.metrics),
                "metric_errors": dict(evaluated.metric_errors),
                "checks": document.to_dict(model.checks),
                "message": evaluated.message,
                "compare": document.to_dict(result.compare) if result.compare else None,
            }
        )
        return EXIT_PASSED if result.passed else EXIT_FAILED
    if found is not None and not found.here:  # before the figures it casts doubt on
        print(one_line(f"mlgate: warning: {found.said()}"), file=sys.stderr)
    elif found is not None:
        print(one_line(f"model: {found.said()}"))
    if result.compare is not None:  # the run's own words: verdict, baseline, gates, checks
        print(text.render(result))
        return EXIT_PASSED if result.passed else EXIT_FAILED
    shown = ", ".join(f"{k} {numbers.value(v)}" for k, v in evaluated.metrics.items())
    print(f"metrics: {shown}")
    for name, why in evaluated.metric_errors.items():
        print(f"  not computed: {name}: {why}")
    if not model.checks:
        print("model checks: none (model_checks in mlops.yaml names them)")
        return EXIT_PASSED
    print("model checks: " + tally.checks(model.checks, always_noun=True))
    _listed(model.checks)
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _listed(checks: Sequence[CheckResult]) -> None:
    from mlgate.report.inert import one_line

    for c in checks:
        if c.status in ("failed", "error"):
            label = "FAILED" if c.status == "failed" else "ERROR "
            print(one_line(f"  {label}  {c.subject} {c.rule}: {c.message}"))
        elif c.status == "skipped":
            print(one_line(f"  skipped {c.subject} {c.rule}: {c.message}"))


def nothing_named(args: argparse.Namespace) -> int:
    raise UserError("say what to check", hint="mlgate check data, or mlgate check model")
