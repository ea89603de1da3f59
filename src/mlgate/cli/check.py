"""`mlgate check data` and `mlgate check model`: one stage's checks alone, without
training; exit 1 when a check failed, 2 when the data or the model cannot be read."""

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


def check_model(args: argparse.Namespace) -> int:
    from mlgate import pipeline, words
    from mlgate.compare import baseline
    from mlgate.report import numbers, text
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
    if args.json:
        print_json(
            {
                "status": result.verdict,
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
    failed = [c for c in model.checks if not c.passed]
    said = words.count(len(model.checks) - len(failed), "check")
    print(f"model checks: {said} passed" + (f", {len(failed)} failed" if failed else ""))
    for c in failed:
        print(f"  FAILED  {c.subject} {c.rule}: {c.message}")
    return EXIT_PASSED if result.passed else EXIT_FAILED


def nothing_named(args: argparse.Namespace) -> int:
    raise UserError("say what to check", hint="mlgate check data, or mlgate check model")
