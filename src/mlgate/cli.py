"""The `mlgate` command: parse arguments, call the core, render, return an exit code.

Start-up stays cheap: each command imports what it needs when it runs, so
`mlgate --help` loads argparse and nothing else, and `validate` only YAML and
jsonschema.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from mlgate import __version__, words
from mlgate.errors import (
    EXIT_FAILED,
    EXIT_OUTSIDE_ERROR,
    EXIT_PASSED,
    EXIT_USER_ERROR,
    ManifestError,
    MlgateError,
)

Handler = Callable[[argparse.Namespace], int]
RUN_HELP = "the run: its id (or the start of it), its folder or its run.json (default: the last)"
EXIT_READER_GONE = 141  # 128 + SIGPIPE, what a shell reports for a tool the pipe ended


def main(argv: Sequence[str] | None = None) -> int:
    try:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            from mlgate.github.actions import guarded_streams

            with guarded_streams():  # no text mlgate prints can become a workflow command
                code = _main(argv)
        else:
            code = _main(argv)
        sys.stdout.flush()  # a reader that has gone shows here, not in Python's exit
        return code
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of our output went away (`mlgate run | head`): stop quietly, as tools
    ended by SIGPIPE do, with nothing left for Python to fail to flush at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        # not a real file (a test's capture): nothing to flush at exit
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return EXIT_READER_GONE


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return EXIT_USER_ERROR
    return _run_guarded(args.handler, args)


def _run_guarded(handler: Handler, args: argparse.Namespace) -> int:
    """The one place where exceptions become exit codes."""
    args.started_in = os.getcwd()
    try:
        if args.directory is not None:
            _enter(args.directory)
        return handler(args)
    except MlgateError as exc:
        if args.debug:
            traceback.print_exc()
        if args.json:
            _print_json(_error_document(exc))
        print(f"mlgate: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mlgate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # the reader went away: main ends quietly
    except Exception:  # a bug in mlgate, not the user's fault: show everything
        traceback.print_exc()
        print(
            f"mlgate {__version__}: internal error (please report it with the traceback above)",
            file=sys.stderr,
        )
        return EXIT_OUTSIDE_ERROR


def _enter(directory: str) -> None:
    from mlgate.errors import UserError

    try:
        os.chdir(directory)
    except OSError as exc:
        raise UserError(f"cannot change to directory '{directory}': {exc.strerror}") from exc


def _shown(args: argparse.Namespace, path: Path | str) -> str:
    """A path as the user can use it where they started the command (before -C): relative
    when it lies there, else absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, args.started_in)
    return absolute if relative == ".." or relative.startswith(".." + os.sep) else relative


def _error_document(exc: MlgateError) -> dict[str, object]:
    doc: dict[str, object] = {"error": exc.message, "exit_code": exc.exit_code}
    if isinstance(exc, ManifestError):
        doc["problems"] = [p.to_dict() for p in exc.problems]
    return doc


def _print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def _positive_seconds(text: str) -> float:
    import math

    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0")
    return seconds


def _load_manifest(args: argparse.Namespace):  # -> Manifest
    from mlgate import manifest

    path = manifest.find(Path.cwd(), Path(args.manifest) if args.manifest else None)
    return manifest.load(path, display_name=_shown(args, path))


def cmd_validate(args: argparse.Namespace) -> int:
    from mlgate.manifest import lint

    loaded = _load_manifest(args)
    name = _shown(args, loaded.path)
    warned = lint.warnings(loaded, name)
    if args.json:
        _print_json(
            {
                "valid": True,
                "manifest": name,
                "name": loaded.name,
                "warnings": [w.to_dict() for w in warned],
            }
        )
        return EXIT_PASSED
    for warning in warned:
        print(f"mlgate: warning: {warning}", file=sys.stderr)
    said = f", with {words.count(len(warned), 'warning')}" if warned else ""
    print(f"{name}: valid ({loaded.name}){said}")
    return EXIT_PASSED


def cmd_run(args: argparse.Namespace) -> int:
    from mlgate import pipeline
    from mlgate.report import text
    from mlgate.result import runs

    loaded = _load_manifest(args)
    result = pipeline.run(loaded, observer=_console())
    _publish_if_in_actions(result, loaded, post=not args.no_post)
    if args.json:
        from mlgate.result import document

        sys.stdout.write(document.dumps(result))
    else:
        folder = runs.run_dir(loaded.root, result.run_id)
        print(text.render(result, _shown(args, folder / runs.REPORT_FILE)))
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _publish_if_in_actions(result, loaded, *, post: bool) -> None:  # (RunResult, Manifest)
    """In GitHub Actions a run reports where reviewers look; elsewhere nothing is posted."""
    from mlgate.github import context

    ctx = context.load(os.environ)
    if ctx is None:
        return
    from mlgate import publish

    done = publish.publish(result, loaded, ctx, post=post and ctx.pull_number is not None)
    for line in done.lines():
        print(f"mlgate: {line}", file=sys.stderr)


def cmd_comment(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mlgate import publish
    from mlgate.errors import UserError
    from mlgate.github import context

    loaded = _load_manifest(args)
    result = _read_run(args, loaded.root)
    ctx = context.load(os.environ)
    if ctx is None:
        raise UserError(
            "not in GitHub Actions: `mlgate comment` needs GITHUB_REPOSITORY, "
            "GITHUB_EVENT_PATH and a token",
            hint="use `mlgate report` locally",
        )
    if args.pr is not None:  # the fork-safe workflow posts for a pull request it names
        ctx = replace(
            ctx, pull_number=args.pr, head_sha=args.sha or result.git.commit, is_fork=False
        )
    done = publish.publish(result, loaded, ctx, strict=True)
    for line in done.lines():
        print(f"mlgate: {line}", file=sys.stderr)
    return EXIT_PASSED


def cmd_ci(args: argparse.Namespace) -> int:
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
        load = functools.cache(lambda: _load_manifest(args))
        job = ci.Job(ctx=ctx, load=load, observer=_console(), artifact=Path(args.artifact))
        outcome = ci.execute(chosen, job)
    except MlgateError as exc:
        ci.write_error(exc, ctx)
        raise
    ci.write_outcome(outcome, ctx)
    ci.set_outputs(outcome, ctx)
    for line in outcome.lines:
        print(f"mlgate: {line}", file=sys.stderr)
    if args.json:
        from mlgate.result import document

        if outcome.result is not None:
            sys.stdout.write(document.dumps(outcome.result))
    elif outcome.result is not None:
        from mlgate.report import text

        print(text.render(outcome.result, outcome.report or None))
    return EXIT_PASSED if outcome.passed else EXIT_FAILED


def _registry(args: argparse.Namespace):  # -> (Manifest, Where)
    """The registry; in GitHub Actions with a token, promotions are GitHub Deployments
    where the manifest asks for them."""
    from mlgate.github import context
    from mlgate.registry.operations import Where

    loaded = _load_manifest(args)
    token = os.environ.get("MLGATE_GITHUB_TOKEN") or os.environ.get("GITHUB_TOKEN")
    return loaded, Where.in_workflow(loaded, context.load(os.environ), token)


def _print_change(args: argparse.Namespace, change) -> None:  # (Change)
    from dataclasses import asdict

    if args.json:
        _print_json({**asdict(change), "changed": change.changed})
        return
    where = f" in {change.environment}" if change.environment else ""
    if not change.changed:
        print(f"{change.model} {change.version}: already{where or ' registered'}; nothing to do")
        return
    pushed = "pushed to origin" if change.pushed else "local (no origin)"
    before = f" (was {change.previous or 'empty'})" if change.environment else ""
    print(f"{change.model} {change.version}{where}{before}: tag {change.tag} ({pushed})")


def cmd_register(args: argparse.Namespace) -> int:
    from mlgate.registry import operations

    loaded, where = _registry(args)
    change = operations.register(
        where,
        loaded,
        _read_run(args, loaded.root),
        version=args.model_version,
        bump=args.bump,
        reason=args.reason or "",
        allow_branch=args.allow_branch,
        allow_older=args.allow_older,
    )
    _print_change(args, change)
    return EXIT_PASSED


def cmd_promote(args: argparse.Namespace) -> int:
    from mlgate.registry import operations

    loaded, where = _registry(args)
    _print_change(
        args, operations.promote(where, loaded, args.version, args.to, reason=args.reason or "")
    )
    return EXIT_PASSED


def cmd_rollback(args: argparse.Namespace) -> int:
    from mlgate.registry import operations

    loaded, where = _registry(args)
    _print_change(
        args, operations.rollback(where, loaded, args.environment, reason=args.reason or "")
    )
    return EXIT_PASSED


def cmd_registry(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlgate.registry import view

    loaded, where = _registry(args)
    current = where.read()
    if args.action == "card":
        print(view.card_text(where, current, args.target), end="")
        return EXIT_PASSED
    if args.action == "list":
        doc: object = view.listing(current, loaded)
        text = view.listing_text(doc)  # type: ignore[arg-type]
    elif args.action == "stats":
        found = view.delivery(where, current, loaded)
        doc, text = [asdict(d) for d in found], view.stats_text(found)
    elif args.action == "show":
        found = view.pick(current, args.target)
        doc, text = view.version_doc(found), view.version_text(current, found)
    else:
        doc = view.history(current, args.target)
        text = view.history_text(doc)  # type: ignore[arg-type]
    if args.json:
        _print_json(doc)
    else:
        print(text)
    return EXIT_PASSED


def cmd_serve(args: argparse.Namespace) -> int:
    from mlgate.serve import run, service

    run.require_extra()
    loaded = _load_manifest(args)
    served = service.load(loaded, args.target)
    run.serve(
        served,
        reload=run.from_manifest(loaded.path, served, args.target),
        host=args.host,
        port=args.port,
        workers=args.workers or run.default_workers(),
        read_timeout_s=args.read_timeout,
        exact=args.exact,
    )
    return EXIT_PASSED


def cmd_smoke(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlgate.serve import smoke

    done = smoke.run(_load_manifest(args), args.url, rows=args.rows)
    slow = args.max_p95_ms is not None and done.p95_ms is not None and done.p95_ms > args.max_p95_ms
    if args.json:
        _print_json({**asdict(done), "passed": done.passed and not slow})
    else:
        timing = "" if done.p50_ms is None else f", p50 {done.p50_ms} ms, p95 {done.p95_ms} ms"
        print(
            f"{words.count(done.requests, 'request')} to {args.url} "
            f"({done.version or 'unregistered'}): {len(done.failures)} failed{timing}"
        )
        for failure in done.failures[:10]:
            print(f"  {failure}")
        if slow:
            print(f"  p95 {done.p95_ms} ms is over {args.max_p95_ms} ms")
    return EXIT_PASSED if done.passed and not slow else EXIT_FAILED


def _console():  # -> Console
    from mlgate.console import Console

    return Console(
        sys.stderr,
        tty=sys.stderr.isatty(),
        actions=os.environ.get("GITHUB_ACTIONS") == "true",
        color=sys.stderr.isatty() and "NO_COLOR" not in os.environ,
    )


def _read_run(args: argparse.Namespace, root: Path):  # -> RunResult
    from mlgate.result import runs

    return runs.read(runs.find(root, args.run)) if args.run else runs.read_latest(root)


def cmd_compare(args: argparse.Namespace) -> int:
    if args.format == "dvc":
        return _compare_dvc(args)
    from mlgate import pipeline
    from mlgate.compare import baseline

    loaded = _load_manifest(args)
    if args.baseline:
        loaded = baseline.override(loaded, args.baseline[0])
    result = pipeline.recompare(loaded, _read_run(args, loaded.root), observer=_console())
    _show(result, loaded, "json" if args.json else args.format)
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _compare_dvc(args: argparse.Namespace) -> int:
    """`dvc metrics diff --json [A [B]]`: A defaults to HEAD, B to the working tree."""
    from mlgate.compare import dvc_diff
    from mlgate.errors import UserError

    if len(args.baseline) > 2:
        raise UserError("--format dvc takes at most two revisions: [A_REV [B_REV]]")
    root = Path.cwd()
    extra: tuple[str, ...] = ()
    if args.manifest or (root / "mlops.yaml").is_file():
        extra = _load_manifest(args).compare.metrics_files
    old_rev, new_rev = ([*args.baseline, None, None])[:2]
    found = dvc_diff.diff(
        dvc_diff.at_revision(root, old_rev or "HEAD", extra),
        dvc_diff.at_revision(root, new_rev, extra),
        show_all=args.all,
    )
    sys.stdout.write(json.dumps(found, sort_keys=False) + "\n")
    return EXIT_PASSED


def cmd_report(args: argparse.Namespace) -> int:
    from mlgate import report

    loaded = _load_manifest(args)
    result = _read_run(args, loaded.root)
    fmt = "json" if args.json else args.format
    text = report.render(result, loaded, fmt, limit=args.limit)
    if args.output:
        from mlgate import atomic

        atomic.write_text(Path(args.output), text)
    else:
        sys.stdout.write(text)
    if args.png:
        for path in report.write_png(result, loaded, Path(args.png)):
            print(f"wrote {_shown(args, path)}", file=sys.stderr)
    return EXIT_PASSED


def _show(result, loaded, fmt: str) -> None:  # (RunResult, Manifest, format)
    from mlgate import report

    sys.stdout.write(report.render(result, loaded, fmt))


def cmd_init(args: argparse.Namespace) -> int:
    from mlgate import scaffold

    if args.check:
        return _init_check(args)
    done = scaffold.init(
        Path(args.path),
        example=args.example,
        force=args.force,
        overwrite=tuple(args.overwrite or ()),
        name=args.name,
        action=args.action,
    )
    if args.json:
        _print_json(
            {
                "root": str(done.root),
                "written": list(done.written),
                "kept": [{"path": p, "why": why} for p, why in done.kept],
                "ignored": list(done.ignored),
                "read": list(done.read),
            }
        )
        return EXIT_PASSED
    if done.read:
        print("read from the project (each guess is a comment in mlops.yaml, to check):")
        for line in done.read:
            print(f"  {line}")
    for relative in done.written:
        print(f"wrote {_shown(args, done.root / relative)}")
    if done.ignored:
        print(f"  {scaffold.GITIGNORE} ignores {', '.join(done.ignored)} (what a run writes)")
    for relative, why in done.kept:
        print(f"kept {_shown(args, done.root / relative)}: {why}")
    if not done.written and not done.kept:
        print("nothing to do: every file is there and up to date")
    print(
        "next: mlgate validate, then mlgate run"
        if args.example or "mlops.yaml" not in done.written
        else "next: check mlops.yaml, then mlgate validate"
    )
    return EXIT_PASSED


def _init_check(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mlgate import scaffold

    found = scaffold.check(Path(args.path), action=args.action)
    stale = [f for f in found if f.status != "up to date"]
    if args.json:
        _print_json({"up_to_date": not stale, "workflows": [asdict(f) for f in found]})
    else:
        for f in found:
            print(
                f"{_shown(args, Path(args.path) / f.path)}: {f.status}"
                + (f" ({f.detail})" if f.detail else "")
            )
        for f in stale:
            if f.diff:
                print(f"\n{f.diff}", end="")
        command = "mlgate init" + ("" if args.path == "." else f" {shlex.quote(args.path)}")
        if any(f.status != "missing" for f in stale):
            print(
                "\nto rewrite them (never your mlops.yaml; commit your edits first): "
                f"{command} --force"
            )
        elif stale:
            print(f"\nto write the missing ones: {command}")
    return EXIT_FAILED if stale else EXIT_PASSED


def cmd_schema(args: argparse.Namespace) -> int:
    if args.run_result:
        from mlgate.result.document import schema
    else:
        from mlgate.manifest.schema_check import schema
    _print_json(schema())
    return EXIT_PASSED


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # every common option also works after the command (SUPPRESS keeps the earlier value)
    _add_common(common, argparse.SUPPRESS)
    top = argparse.ArgumentParser(
        prog="mlgate",
        description="Check data, train, evaluate and gate a model, as mlops.yaml says.",
        epilog="exit codes: 0 passed, 1 a check or gate failed, 2 bad input, "
        "3 an outside system failed",
    )
    top.add_argument("--version", action="version", version=f"mlgate {__version__}")
    _add_common(top, None)
    top.set_defaults(command=None)
    sub = top.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        parser.set_defaults(command=name, handler=handler)
        return parser

    command("validate", cmd_validate, "check the manifest and the files it names")
    compare = command(
        "compare", cmd_compare, "compare the last run with a baseline and decide its gates again"
    )
    compare.add_argument(
        "baseline",
        nargs="*",
        metavar="BASELINE",
        help="a git ref, a file (run.json or a metrics file) or none "
        "(default: compare.baseline); with --format dvc: [A_REV [B_REV]]",
    )
    compare.add_argument("--run", metavar="RUN", help=RUN_HELP)
    compare.add_argument(
        "--format",
        choices=("text", "markdown", "json", "dvc"),
        default="text",
        help="dvc: print what `dvc metrics diff --json` does",
    )
    compare.add_argument(
        "--all",
        action="store_true",
        help="with --format dvc: unchanged metrics too (as dvc's --all)",
    )
    comment = command(
        "comment",
        cmd_comment,
        "post a run's report to its pull request: the sticky comment, a check and the job summary",
    )
    comment.add_argument("--run", metavar="RUN", help=RUN_HELP)
    comment.add_argument(
        "--pr", type=int, metavar="N", help="the pull request (default: the event's)"
    )
    comment.add_argument("--sha", help="the commit the check belongs to (default: the run's)")
    report = command("report", cmd_report, "render a run's report")
    report.add_argument("--run", metavar="RUN", help=RUN_HELP)
    report.add_argument(
        "--format", choices=("markdown", "text", "json", "junit"), default="markdown"
    )
    report.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    report.add_argument(
        "--limit",
        type=int,
        metavar="CHARS",
        help="fit the Markdown in CHARS characters (GitHub comment: 65536)",
    )
    report.add_argument("--png", metavar="DIR", help="also write the charts as PNG into DIR")
    run = command(
        "run",
        cmd_run,
        "check data, train, evaluate, check and compare the model; "
        "in a pull request's workflow, post the report",
    )
    run.add_argument(
        "--no-post",
        action="store_true",
        help="in GitHub Actions, write the job summary but post no comment or check",
    )
    ci = command(
        "ci",
        cmd_ci,
        "in GitHub Actions: do the job the event asks for (pull "
        "request, push, dispatch, schedule, workflow_run)",
    )
    ci.add_argument(
        "--command",
        dest="ci_command",
        default="auto",
        metavar="NAME",
        help="auto (default: from the event), run, validate, retrain, register, "
        "promote, rollback or monitor",
    )
    ci.add_argument(
        "--action",
        help="dispatch: promote, rollback, retrain or run (default: the event's `action` input)",
    )
    ci.add_argument(
        "--version",
        dest="model_version",
        metavar="VERSION",
        help="promote: the model version (default: the event's input)",
    )
    ci.add_argument(
        "--environment", help="promote/rollback: the environment (default: the event's input)"
    )
    ci.add_argument(
        "--artifact",
        default="mlgate-run",
        metavar="DIR",
        help="workflow_run: where the pull request run's artifact was downloaded",
    )
    register = command(
        "register",
        cmd_register,
        "register the last run's model as a new "
        "version (a git tag in GTO's format); refused unless the run passed",
    )
    register.add_argument("--run", metavar="RUN", help=RUN_HELP)
    register.add_argument(
        "--version",
        dest="model_version",
        metavar="VERSION",
        help="e.g. v1.4.0 (default: the latest, bumped)",
    )
    register.add_argument("--bump", choices=("major", "minor", "patch"), default="minor")
    register.add_argument("--reason", help="why, for the record")
    register.add_argument(
        "--allow-branch",
        action="store_true",
        help="register a run made on a branch other than the default one",
    )
    register.add_argument(
        "--allow-older", action="store_true", help="accept a --version lower than the latest"
    )
    promote = command("promote", cmd_promote, "promote a version to an environment")
    promote.add_argument("version", help="e.g. v1.4.0")
    promote.add_argument("--to", required=True, metavar="ENVIRONMENT")
    promote.add_argument("--reason", help="why, for the record")
    rollback = command(
        "rollback", cmd_rollback, "return an environment to the version it held before"
    )
    rollback.add_argument("environment")
    rollback.add_argument("--reason", help="why, for the record")
    registry = command("registry", cmd_registry, "the model's versions and environments")
    registry.add_argument("action", choices=("list", "show", "history", "stats", "card"))
    registry.add_argument(
        "target",
        nargs="?",
        metavar="VERSION|ENVIRONMENT",
        help="show, card: a version (default: the latest); history: an environment (default: all)",
    )
    serve = command(
        "serve",
        cmd_serve,
        "serve a registered version (or the manifest's model) "
        "over HTTP: /predict, /health, /metadata (mlgate[serve])",
    )
    serve.add_argument(
        "target",
        nargs="?",
        metavar="VERSION|latest|PATH",
        help="default: the latest version, else the manifest's model file",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="worker processes, each with the model loaded (default: one per core)",
    )
    serve.add_argument(
        "--read-timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="S",
        help="a client's time for a request's headers, then for its body (default: 10)",
    )
    serve.add_argument(
        "--exact",
        action="store_true",
        help="score each request alone, so every answer is bit for bit the "
        "model's answer alone (slower under load than batching)",
    )
    smoke = command(
        "smoke",
        cmd_smoke,
        "send sample test rows to a running server and check its answers and latency",
    )
    smoke.add_argument("url")
    smoke.add_argument("--rows", type=int, default=20)
    smoke.add_argument("--max-p95-ms", type=float, metavar="MS", help="fail when slower")
    init = command(
        "init",
        cmd_init,
        "write what is missing: a starter mlops.yaml read from "
        "the project's data, the workflows, a .gitignore (or the example); --check: "
        "are the workflows up to date?",
    )
    init.add_argument("path", nargs="?", default=".", help="the repository (default: .)")
    init.add_argument("--example", action="store_true", help="write the whole example project")
    init.add_argument(
        "--force",
        action="store_true",
        help="replace mlgate's files that "
        "differ (the workflows, the example's files); never the manifest",
    )
    init.add_argument(
        "--overwrite",
        action="append",
        metavar="FILE",
        help="replace FILE too, even your manifest (--overwrite mlops.yaml)",
    )
    init.add_argument("--name", help="the model's name (default: from the folder's name)")
    init.add_argument(
        "--check",
        action="store_true",
        help="write nothing; say whether the "
        "workflows are what this mlgate writes (exit 1 when not)",
    )
    init.add_argument(
        "--action",
        metavar="OWNER/REPO@COMMIT",
        help="the mlgate action the workflows call (default: this release's)",
    )
    schema = command("schema", cmd_schema, "print the manifest's JSON Schema")
    schema.add_argument(
        "--run-result", action="store_true", help="print the run result's JSON Schema instead"
    )
    return top


def _add_common(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "-C", dest="directory", metavar="DIR", default=default, help="run as if started in DIR"
    )
    parser.add_argument(
        "--manifest", metavar="PATH", default=default, help="the manifest (default: mlops.yaml)"
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
