"""The arguments of every `mlgate` command, in one place; each command is bound to the
function of its module that runs it. Light on purpose: the command modules import what
they need when they run, so `mlgate --help` loads argparse and nothing else."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from mlgate import __version__
from mlgate.cli import (
    check,
    ci,
    comment,
    compare,
    init,
    monitor,
    profile,
    registry,
    report,
    run,
    schema,
    serve,
    sweep,
    validate,
)
from mlgate.cli.shared import RUN_HELP

Handler = Callable[[argparse.Namespace], int]
# what `mlgate registry ACTION` takes: mlgate.registry.show.HANDLERS' keys (a test checks)
REGISTRY_ACTIONS = ("list", "show", "history", "stats", "card")


def build() -> argparse.ArgumentParser:
    """Every command and its arguments, each bound to the function that runs it."""
    common = argparse.ArgumentParser(add_help=False)
    # every common option also works after the command (SUPPRESS keeps the earlier value)
    _add_common(common, argparse.SUPPRESS)
    top = argparse.ArgumentParser(
        prog="mlgate",
        description="Check data, train, evaluate and gate a model, as mlops.yaml says.",
        epilog="exit codes: 0 passed, 1 a check or gate failed, 2 bad input, "
        "3 an outside system failed, 130 stopped (Ctrl-C, SIGTERM)",
    )
    top.add_argument("--version", action="version", version=f"mlgate {__version__}")
    _add_common(top, None)
    top.set_defaults(command=None)
    sub = top.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        parser.set_defaults(command=name, handler=handler)
        return parser

    command("validate", validate.validate, "check the manifest and the files it names")
    check_ = command("check", check.nothing_named, "run one stage's checks alone: data, or model")
    what = check_.add_subparsers(title="what", metavar="WHAT")
    data_ = what.add_parser(
        "data",
        parents=[common],
        help="data.prepare, the data checks and drift, without training",
        description="data.prepare, the data checks and drift, without training",
    )
    data_.set_defaults(command="check data", handler=check.check_data)
    model_ = what.add_parser(
        "model",
        parents=[common],
        help="the model train.outputs.model names, scored on data.test, and the model checks",
        description="the model train.outputs.model names, as it is, scored on data.test, and the "
        "model checks: nothing is prepared or trained",
    )
    model_.add_argument(
        "--baseline",
        metavar="REF",
        help="also compare the model with this baseline on the same rows and decide the "
        "gates: a git ref, a file (run.json or a metrics file), auto or none",
    )
    model_.set_defaults(command="check model", handler=check.check_model)
    profile_ = command(
        "profile",
        profile.profile,
        "write a data file's profile (counts, quantile summaries, frequent values), "
        "to measure drift against it without the data",
    )
    profile_.add_argument("file", metavar="FILE", help="CSV, Parquet or JSON Lines")
    profile_.add_argument("--output", "-o", metavar="PATH", help="write here (default: stdout)")
    profile_.add_argument("--columns", metavar="A,B", help="only these columns")
    profile_.add_argument("--format", choices=("auto", "csv", "parquet", "jsonl"), default="auto")
    monitor_ = command(
        "monitor",
        monitor.monitor,
        "production data against the version a registry stage holds: drift from its "
        "training data's profile, and its performance estimated before labels arrive",
    )
    monitor_.add_argument(
        "--data",
        metavar="FILE",
        help="production rows: CSV, Parquet or JSON Lines (default: monitor.data)",
    )
    monitor_.add_argument(
        "--labels",
        metavar="FILE",
        help="labels that arrived since, joined to the rows by data.id (default: monitor.labels)",
    )
    monitor_.add_argument(
        "--stage",
        help="the environment whose version is watched (default: monitor.stage, or production)",
    )
    monitor_.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="markdown: for a job summary or an issue, with the history's charts",
    )
    monitor_.add_argument(
        "--record",
        action="store_true",
        help="append this run to the monitoring history (a git ref of mlgate's own, pushed "
        "to origin)",
    )
    sweep_ = command(
        "sweep",
        sweep.run,
        "run the manifest's sweep here, in parallel, and rank its configurations honestly",
    )
    sweep_.add_argument(
        "--workers", type=positive, metavar="N", help="configurations at once (default: the cores)"
    )
    sweep_.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="markdown: the table and a chart of the metric against each parameter",
    )
    sweep_.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run the configurations as tasks on a Ray cluster (ray://HOST:10001, or "
        "HOST:6379 on one of its nodes; default: RAY_ADDRESS); needs mlgate[ray]",
    )
    sweep_what = sweep_.add_subparsers(title="what", metavar="[plan | collect DIR]")
    plan_ = sweep_what.add_parser(
        "plan",
        parents=[common],
        help="the configurations as a GitHub Actions matrix (JSON)",
        description="the configurations as a GitHub Actions matrix (JSON): one job a "
        "configuration, sharded past GitHub's 256 jobs",
    )
    plan_.set_defaults(command="sweep plan", handler=sweep.plan)
    sweep_.add_argument(
        "--only",
        metavar="IDS",
        help="only run these configurations (comma-separated ids), as a matrix job does: "
        "no ranking, no winner gated",
    )
    collect_ = sweep_what.add_parser(
        "collect",
        parents=[common],
        help="rank the runs a matrix's jobs uploaded, downloaded under FOLDER",
        description="rank the runs a matrix's jobs uploaded (each job's .mlgate/sweeps/), "
        "downloaded under FOLDER",
    )
    collect_.add_argument("folder", metavar="FOLDER")
    collect_.add_argument(  # also after FOLDER; SUPPRESS keeps one given before `collect`
        "--format",
        choices=("text", "markdown"),
        default=argparse.SUPPRESS,
        help="markdown: the table and a chart of the metric against each parameter",
    )
    collect_.set_defaults(command="sweep collect", handler=sweep.collect)
    compare_ = command(
        "compare",
        compare.compare,
        "compare the last run with a baseline and decide its gates again",
    )
    compare_.add_argument(
        "baseline",
        nargs="*",
        metavar="BASELINE",
        help="a git ref, a file (run.json or a metrics file) or none "
        "(default: compare.baseline); with --format dvc: [A_REV [B_REV]]",
    )
    compare_.add_argument("--run", metavar="RUN", help=RUN_HELP)
    compare_.add_argument(
        "--format",
        choices=("text", "markdown", "json", "dvc"),
        default="text",
        help="dvc: print what `dvc metrics diff --json` does",
    )
    compare_.add_argument(
        "--all",
        action="store_true",
        help="with --format dvc: unchanged metrics too (as dvc's --all)",
    )
    comment_ = command(
        "comment",
        comment.comment,
        "post a run's report to its pull request: the sticky comment, a check and the job summary",
    )
    comment_.add_argument("--run", metavar="RUN", help=RUN_HELP)
    comment_.add_argument(
        "--pr", type=int, metavar="N", help="the pull request (default: the event's)"
    )
    comment_.add_argument(
        "--sha",
        help="the commit the check belongs to (required with --pr; without --pr: the run's)",
    )
    report_ = command("report", report.report, "render a run's report")
    report_.add_argument("--run", metavar="RUN", help=RUN_HELP)
    report_.add_argument(
        "--format", choices=("markdown", "text", "json", "junit"), default="markdown"
    )
    report_.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    report_.add_argument(
        "--limit",
        type=int,
        metavar="CHARS",
        help="fit the Markdown in CHARS characters (GitHub comment: 65536)",
    )
    report_.add_argument("--png", metavar="DIR", help="also write the charts as PNG into DIR")
    run_ = command(
        "run",
        run.run,
        "check data, train, evaluate, check and compare the model; "
        "in a pull request's workflow, post the report",
    )
    run_.add_argument(
        "--no-post",
        action="store_true",
        help="in GitHub Actions, write the job summary but post no comment or check",
    )
    ci_ = command(
        "ci",
        ci.ci,
        "in GitHub Actions: do the job the event asks for (pull "
        "request, push, dispatch, schedule, workflow_run)",
    )
    ci_.add_argument(
        "--command",
        dest="ci_command",
        default="auto",
        metavar="NAME",
        help="auto (default: from the event), run, validate, retrain, retrain-pr, register, "
        "promote, rollback, monitor, sweep-plan, sweep or sweep-collect",
    )
    ci_.add_argument(
        "--action",
        help="dispatch: promote, rollback, retrain or run (default: the event's `action` input)",
    )
    ci_.add_argument(
        "--version",
        dest="model_version",
        metavar="VERSION",
        help="promote: the model version (default: the event's input)",
    )
    ci_.add_argument(
        "--environment", help="promote/rollback: the environment (default: the event's input)"
    )
    ci_.add_argument(
        "--artifact",
        default="mlgate-run",
        metavar="DIR",
        help="workflow_run: where the pull request run's artifact was downloaded; "
        "sweep-collect: where the sweep jobs' artifacts were",
    )
    ci_.add_argument(
        "--configurations",
        metavar="IDS",
        help="sweep: the configurations a matrix job runs (comma-separated ids)",
    )
    register_ = command(
        "register",
        registry.register,
        "register the last run's model as a new "
        "version (a git tag in GTO's format); refused unless the run passed",
    )
    register_.add_argument("--run", metavar="RUN", help=RUN_HELP)
    register_.add_argument(
        "--version",
        dest="model_version",
        metavar="VERSION",
        help="e.g. v1.4.0 (default: the latest, bumped)",
    )
    register_.add_argument("--bump", choices=("major", "minor", "patch"), default="minor")
    register_.add_argument("--reason", help="why, for the record")
    register_.add_argument(
        "--allow-branch",
        action="store_true",
        help="register a run made on a branch other than the default one",
    )
    register_.add_argument(
        "--allow-older", action="store_true", help="accept a --version lower than the latest"
    )
    promote_ = command("promote", registry.promote, "promote a version to an environment")
    promote_.add_argument("version", help="e.g. v1.4.0")
    promote_.add_argument("--to", required=True, metavar="ENVIRONMENT")
    promote_.add_argument("--reason", help="why, for the record")
    rollback_ = command(
        "rollback", registry.rollback, "return an environment to the version it held before"
    )
    rollback_.add_argument("environment")
    rollback_.add_argument("--reason", help="why, for the record")
    registry_ = command("registry", registry.registry, "the model's versions and environments")
    registry_.add_argument("action", choices=REGISTRY_ACTIONS)
    registry_.add_argument(
        "target",
        nargs="?",
        metavar="VERSION|ENVIRONMENT",
        help="show, card: a version (default: the latest); history: an environment (default: all)",
    )
    serve_ = command(
        "serve",
        serve.serve,
        "serve a registered version (or the manifest's model) "
        "over HTTP: /predict, /health, /metadata (mlgate[serve])",
    )
    serve_.add_argument(
        "target",
        nargs="?",
        metavar="VERSION|latest|PATH",
        help="default: the latest version, else the manifest's model file",
    )
    serve_.add_argument("--host", default="127.0.0.1")
    serve_.add_argument("--port", type=int, default=8000)
    serve_.add_argument(
        "--workers",
        type=positive,
        metavar="N",
        help="worker processes, each with the model loaded (default: one per core)",
    )
    serve_.add_argument(
        "--read-timeout",
        type=positive_seconds,
        default=10.0,
        metavar="S",
        help="a client's time for a request's headers, then for its body (default: 10)",
    )
    serve_.add_argument(
        "--exact",
        action="store_true",
        help="score each request alone, so every answer is bit for bit the "
        "model's answer alone (slower under load than batching)",
    )
    smoke_ = command(
        "smoke",
        serve.smoke,
        "send sample test rows to a running server and check its answers and latency",
    )
    smoke_.add_argument("url")
    smoke_.add_argument("--rows", type=int, default=20)
    smoke_.add_argument("--max-p95-ms", type=float, metavar="MS", help="fail when slower")
    init_ = command(
        "init",
        init.init,
        "write what is missing: a starter mlops.yaml read from "
        "the project's data, the workflows, a .gitignore (or the example); --check: "
        "are the workflows up to date?",
    )
    init_.add_argument("path", nargs="?", default=".", help="the repository (default: .)")
    init_.add_argument("--example", action="store_true", help="write the whole example project")
    init_.add_argument(
        "--force",
        action="store_true",
        help="replace mlgate's files that "
        "differ (the workflows, the example's files); never the manifest",
    )
    init_.add_argument(
        "--overwrite",
        action="append",
        metavar="FILE",
        help="replace FILE too, even your manifest (--overwrite mlops.yaml)",
    )
    init_.add_argument("--name", help="the model's name (default: from the folder's name)")
    init_.add_argument(
        "--check",
        action="store_true",
        help="write nothing; say whether the "
        "workflows are what this mlgate writes (exit 1 when not)",
    )
    init_.add_argument(
        "--action",
        metavar="OWNER/REPO@COMMIT",
        help="the mlgate action the workflows call (default: this release's)",
    )
    schema_ = command("schema", schema.schema, "print the manifest's JSON Schema")
    schema_.add_argument(
        "--run-result", action="store_true", help="print the run result's JSON Schema instead"
    )
    return top


def _add_common(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "-C", dest="directory", metavar="DIR", default=default, help="run as if started in DIR"
    )
    parser.add_argument(
        "--manifest",
        metavar="PATH",
        default=default,
        help="the manifest (default: mlops.yaml or mlops.yml)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default or False,
        help="machine-readable output on stdout",
    )
    parser.add_argument(
        "--debug", action="store_true", default=default or False, help="show tracebacks"
    )


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def positive_seconds(text: str) -> float:
    import math

    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0")
    return seconds
